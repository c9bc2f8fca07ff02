//! `superbill estimate`: a Good Faith Estimate for one patient and plan.

use crate::atomic;
use crate::cli::EstimateArgs;
use crate::error::{Error, Result};
use crate::estimate::{self, PlanFile, Request};
use crate::findings::Findings;
use crate::render::estimate::Renderer;

pub fn run(args: &EstimateArgs) -> Result<i32> {
    let practice = &args.practice.practice;
    let plan_path = find_plan(practice, &args.plan).ok_or_else(|| {
        Error::Usage(format!(
            "no plan {} (nor {} in the practice's plans/ folder): name a plan file, e.g. --plan plans/ketamine-iv.toml",
            args.plan.display(),
            args.plan.display()
        ))
    })?;
    let plan = PlanFile::load(&plan_path)?;
    let mut findings = Findings::default();
    let loaded = crate::practice::load(practice, &mut findings)?;
    let issued = super::as_of(&args.practice);
    let req = Request {
        patient_id: &args.patient,
        plan: &plan,
        issued,
        start: args.start,
    };
    let est = match estimate::build(&loaded, &req) {
        Ok(e) => e,
        Err(errors) => {
            eprintln!("{}: the estimate was not written:", plan_path.display());
            for e in &errors {
                eprintln!("  {e}");
            }
            return Ok(1);
        }
    };
    let pdf = Renderer::new(&crate::practice::render_options(&loaded))?.render(&est)?;
    atomic::write(&args.out, &pdf)?;
    let lines: usize = est
        .providers
        .iter()
        .flat_map(|g| &g.items)
        .map(|i| i.lines.len())
        .sum();
    println!(
        "Wrote {} ({}): {lines} expected service line{}, {} to {}, total {}.",
        args.out.display(),
        est.number,
        super::summary::plural(lines),
        est.period_from,
        est.period_to,
        est.total.display()
    );
    Ok(0)
}

/// The plan as given, else under the practice's `plans/` (with or
/// without `.toml`).
fn find_plan(practice: &std::path::Path, plan: &std::path::Path) -> Option<std::path::PathBuf> {
    if plan.is_file() {
        return Some(plan.to_path_buf());
    }
    let dir = practice.join("plans");
    [dir.join(plan), dir.join(plan).with_extension("toml")]
        .into_iter()
        .find(|p| p.is_file())
}
