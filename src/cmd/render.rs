//! `superbill render`: one patient's superbill on the spot.

use crate::atomic;
use crate::cli::{Form, RenderArgs};
use crate::error::{Error, Result};
use crate::findings::{Findings, Severity};
use crate::input::{PATIENTS_FILE, PRACTICE_FILE, SESSIONS_FILE};
use crate::render::superbill::Renderer;
use crate::render::{cms1500, Extras};
use crate::superbill::{self, Request};
use crate::validate::{Options, Period};

pub fn run(args: &RenderArgs) -> Result<i32> {
    if args.form == Form::Superbill
        && (args.print.data_only || args.print.offset_x.is_some() || args.print.offset_y.is_some())
    {
        return Err(Error::Usage(
            "--data-only and --offset-x/-y are for --form cms1500".into(),
        ));
    }
    if args.form == Form::Cms1500 && args.guide {
        return Err(Error::Usage(
            "--guide goes before a superbill: leave out --form cms1500".into(),
        ));
    }
    if args.from > args.to {
        return Err(Error::Usage(format!(
            "--from {} is after --to {}",
            args.from, args.to
        )));
    }
    // The PDF may not land among the inputs (or replace one).
    crate::outdir::check_file_outside(&args.out, &args.practice.practice)?;
    let mut findings = Findings::default();
    let loaded = crate::practice::load(&args.practice.practice, &mut findings)?;
    let period = Period {
        from: args.from,
        to: args.to,
    };
    let as_of = super::as_of(&args.practice);
    let opts = Options {
        as_of,
        period: Some(period),
        filing_warnings: true,
    };
    crate::preflight::run(
        &loaded.inputs,
        &loaded.catalog,
        &loaded.icd,
        Some(&period),
        &mut findings,
    );
    let validated = loaded.validate(&opts, &mut findings);
    // A template, logo, signature or font that cannot be used is the
    // configuration's problem, as for the batch (exit 2).
    let unusable: Vec<_> = findings
        .items
        .iter()
        .filter(|f| f.severity == Severity::Error && crate::preflight::is_configuration(f))
        .cloned()
        .collect();
    if !unusable.is_empty() {
        eprint!(
            "{}",
            super::summary::grouped(&Findings { items: unusable }, true)
        );
        return Err(Error::config(
            &args.practice.practice,
            "the practice's templates or files cannot be used (listed above): fix them; nothing was rendered",
        ));
    }
    let patient = loaded.inputs.patient(&args.patient);
    let Some(patient) = patient else {
        // A row with errors yields no patient: show its findings.
        if let Some(&line) = loaded.inputs.patient_lines.get(args.patient.as_str()) {
            let mut mine = Findings {
                items: findings
                    .items
                    .iter()
                    .filter(|f| f.file == PATIENTS_FILE && f.line == line)
                    .cloned()
                    .collect(),
            };
            loaded.inputs.name_sources(&mut mine);
            eprint!("{}", super::summary::grouped(&mine, true));
            eprintln!("superbill: not rendered: patient {}'s row (patients.csv line {line}) has errors; fix it and run again.", args.patient);
            return Ok(1);
        }
        return Err(Error::Usage(format!(
            "patient '{}' is not in patients.csv: check the id",
            args.patient
        )));
    };
    // The findings that stop this patient's superbill: the practice's own
    // (and those of providers who saw the patient in the range), the
    // patient's row, the patient's sessions in the range, and every other
    // rejected row it depends on (a payment), as the batch would hold it.
    let holds = crate::hold::find(&loaded.inputs, &findings.items, &period, args.to.max(as_of));
    let held: Vec<(String, u64)> = holds
        .reasons(&args.patient)
        .into_iter()
        .map(|r| (r.file, r.line))
        .collect();
    let mine: Vec<&crate::input::Session> = loaded
        .inputs
        .sessions
        .iter()
        .filter(|s| s.patient_id == args.patient && period.contains(s.date))
        .collect();
    let session_lines: Vec<u64> = mine.iter().map(|s| s.line).collect();
    let about_me = |id: &str| id == "practice" || mine.iter().any(|s| s.provider_id == id);
    let relevant: Vec<_> = findings
        .items
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .filter(|f| {
            (f.file == PRACTICE_FILE && about_me(&f.record_id))
                || f.file.starts_with("templates/")
                || (f.file == PATIENTS_FILE && f.line == patient.line)
                || (f.file == SESSIONS_FILE && session_lines.contains(&f.line))
                || held
                    .iter()
                    .any(|(file, line)| *file == f.file && *line == f.line)
        })
        .cloned()
        .collect();
    if !relevant.is_empty() {
        let mut shown = Findings { items: relevant };
        loaded.inputs.name_sources(&mut shown);
        eprint!("{}", super::summary::grouped(&shown, true));
        eprintln!("superbill: not rendered: patient {}'s superbill from {} to {} depends on {} error(s); fix them and run again.",
            args.patient, args.from, args.to, shown.items.len());
        return Ok(1);
    }
    let req = Request {
        period,
        as_of,
        patient: Some(&args.patient),
    };
    let outcome = superbill::superbills(&loaded, &validated, &req, &mut findings);
    let Some(sb) = outcome.superbills.first() else {
        eprintln!(
            "superbill: patient {} has no completed sessions from {} to {}: nothing to render.",
            args.patient, args.from, args.to
        );
        return Ok(1);
    };
    let mut opts = crate::practice::render_options(&loaded);
    opts.extras.guide |= args.guide;
    let (pdf, what) = match args.form {
        Form::Superbill => (Renderer::new(opts)?.render(sb)?, String::new()),
        Form::Cms1500 => {
            let mut form = Extras::form_options(&loaded.inputs.practice.documents);
            super::apply_form_flags(&args.print, &mut form)?;
            // Six lines a form, one office a form (box 32).
            let forms = crate::cms1500::Claim::of(sb, cms1500::program(sb))
                .forms
                .len();
            (
                cms1500::Renderer::new(form)?.render(sb)?,
                format!(
                    ", CMS-1500 on {forms} form{}",
                    super::summary::plural(forms)
                ),
            )
        }
    };
    atomic::write(&args.out, &pdf)?;
    println!(
        "Wrote {} ({}{what}): {} line{}, charged {}, paid {}, balance {}.",
        args.out.display(),
        sb.number,
        sb.lines.len(),
        super::summary::plural(sb.lines.len()),
        sb.total_charged.display(),
        sb.total_paid.display(),
        sb.balance.display()
    );
    Ok(0)
}
