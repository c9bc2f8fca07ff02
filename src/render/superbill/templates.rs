//! Practice-specific prose (title, "how to file" note, attestation, footer,
//! the filing guide) as handlebars templates. Defaults are compiled in; a
//! practice overrides one by placing a file of the same name in
//! `<practice_dir>/templates/`.
//! Templates only produce text: the layout code wraps it onto the page.

use crate::money::Cents;
use crate::superbill::{ProviderBlock, Superbill};
use chrono::NaiveDate;
use handlebars::{handlebars_helper, Handlebars, RenderErrorReason};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// Every template the renderer uses, with its compiled-in default.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("title.hbs", include_str!("../../../templates/title.hbs")),
    (
        "patient_note.hbs",
        include_str!("../../../templates/patient_note.hbs"),
    ),
    (
        "attestation.hbs",
        include_str!("../../../templates/attestation.hbs"),
    ),
    ("footer.hbs", include_str!("../../../templates/footer.hbs")),
    (
        "patient_note_medicare.hbs",
        include_str!("../../../templates/patient_note_medicare.hbs"),
    ),
    (
        "patient_note_medicaid.hbs",
        include_str!("../../../templates/patient_note_medicaid.hbs"),
    ),
    // The filing guide (`--with guide`), see `render::guide`.
    ("guide.hbs", include_str!("../../../templates/guide.hbs")),
    (
        "guide_medicare.hbs",
        include_str!("../../../templates/guide_medicare.hbs"),
    ),
    (
        "guide_medicaid.hbs",
        include_str!("../../../templates/guide_medicaid.hbs"),
    ),
];

/// Templates chosen by payer type: `<base>_<type>.hbs` for a patient of
/// that type (built in for Medicare and Medicaid, or the practice's own
/// for a type it adds to `codes/payers.toml`), else `<base>.hbs`.
pub const BY_PAYER: &[&str] = &["patient_note", "guide"];

/// The template `base` (one of [`BY_PAYER`]) for a payer type:
/// `<base>_<type>.hbs`, or `<base>.hbs` for a commercial plan.
pub fn payer_template(base: &str, payer_type: Option<&str>) -> String {
    match payer_type {
        Some(t) => format!("{base}_{t}.hbs"),
        None => format!("{base}.hbs"),
    }
}

/// Templates of the practice's own payer types: files named
/// `<base>_<type>.hbs` (`patient_note_tricare.hbs`, `guide_tricare.hbs`)
/// in its `templates/` folder that are not built in, by name (sorted, for
/// a stable fingerprint).
pub fn extra_notes(
    practice_dir: Option<&Path>,
) -> crate::Result<Vec<(String, std::path::PathBuf)>> {
    let Some(dir) = practice_dir.map(|d| d.join("templates")) else {
        return Ok(Vec::new());
    };
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(crate::Error::io(&dir, e)),
    };
    let mut out = Vec::new();
    for e in entries {
        let e = e.map_err(|err| crate::Error::io(&dir, err))?;
        let name = e.file_name().to_string_lossy().into_owned();
        let built_in = TEMPLATES.iter().any(|(n, _)| *n == name);
        let by_payer = BY_PAYER
            .iter()
            .any(|base| name.starts_with(&format!("{base}_")));
        if by_payer && name.ends_with(".hbs") && !built_in {
            out.push((name, e.path()));
        }
    }
    out.sort();
    Ok(out)
}

/// What a template can use. Deliberately small (it is serialised for every
/// render) and free of patient identity: no patient name, DOB or member ID.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateContext {
    pub practice_name: String,
    pub practice_phone: String,
    pub superbill_number: String,
    /// ISO dates (`2026-09-14`); format them with the `date` helper.
    pub statement_date: String,
    pub period_from: String,
    pub period_to: String,
    /// The earliest and latest dates of service on the superbill (filing
    /// deadlines run from the date of service).
    pub first_service_date: String,
    pub last_service_date: String,
    /// Plain amounts (`1250.00`); format them with the `money` helper.
    pub total_charged: Cents,
    pub total_paid: Cents,
    pub balance: Cents,
    pub paid_in_full: bool,
    pub payer: String,
    /// `medicare`, `medicaid` (see `codes/payers.toml`), or empty for a
    /// commercial plan.
    pub payer_type: String,
    /// "Maya Okafor, MD", one per rendering provider.
    pub provider_names: Vec<String>,
    /// Who signs the attestation being rendered: a rendering provider
    /// ("Maya Okafor, MD"), or the practice when the billing provider
    /// attests. Outside the attestation: the first rendering provider.
    pub signing_provider: String,
    /// The signing provider's NPI (the practice's, or empty, when the
    /// billing provider attests).
    pub signing_npi: String,
    /// The dates of service of the signing provider's lines,
    /// `09/02/2026, 09/09/2026` (every date when the billing provider
    /// attests).
    pub signing_dates: String,
    /// One attestation by the billing provider for every line (practice.toml
    /// `attestation = "billing-provider"`).
    pub billing_provider_attests: bool,
    /// More than one provider rendered the lines.
    pub several_providers: bool,
    pub line_count: usize,
}

impl TemplateContext {
    pub fn new(sb: &Superbill) -> TemplateContext {
        TemplateContext {
            practice_name: sb.practice.legal_name.clone(),
            practice_phone: sb.practice.phone.clone(),
            superbill_number: sb.number.clone(),
            statement_date: sb.statement_date.to_string(),
            period_from: sb.period_from.to_string(),
            period_to: sb.period_to.to_string(),
            first_service_date: sb
                .lines
                .iter()
                .map(|l| l.date)
                .min()
                .unwrap_or(sb.period_from)
                .to_string(),
            last_service_date: sb
                .lines
                .iter()
                .map(|l| l.date)
                .max()
                .unwrap_or(sb.period_to)
                .to_string(),
            total_charged: sb.total_charged,
            total_paid: sb.total_paid,
            balance: sb.balance,
            paid_in_full: sb.balance == Cents::ZERO,
            payer: sb.patient.payer.clone(),
            payer_type: sb.patient.payer_type.clone().unwrap_or_default(),
            provider_names: sb.providers.iter().map(|p| p.name.clone()).collect(),
            signing_provider: sb
                .providers
                .first()
                .map(|p| p.name.clone())
                .unwrap_or_default(),
            signing_npi: sb
                .providers
                .first()
                .map(|p| p.npi.clone())
                .unwrap_or_default(),
            signing_dates: dates_of(sb, None),
            billing_provider_attests: false,
            several_providers: sb.several_providers(),
            line_count: sb.lines.len(),
        }
    }

    /// The context of the attestation signed by `signer`: a rendering
    /// provider, or the billing provider when `None`.
    pub fn signed_by(&self, sb: &Superbill, signer: Option<&ProviderBlock>) -> TemplateContext {
        let mut ctx = self.clone();
        match signer {
            Some(p) => {
                ctx.signing_provider = p.name.clone();
                ctx.signing_npi = p.npi.clone();
                ctx.signing_dates = dates_of(sb, Some(&p.npi));
            }
            None => {
                ctx.signing_provider = sb.practice.legal_name.clone();
                ctx.signing_npi = sb.practice.npi.clone().unwrap_or_default();
                ctx.signing_dates = dates_of(sb, None);
                ctx.billing_provider_attests = true;
            }
        }
        ctx
    }

    /// A context with every field filled, used to test-render templates
    /// when the renderer is built, so a typo fails before a batch starts.
    fn probe(paid: bool) -> TemplateContext {
        TemplateContext {
            practice_name: "Practice".into(),
            practice_phone: "555-0100".into(),
            superbill_number: "SB-0".into(),
            statement_date: "2026-01-31".into(),
            period_from: "2026-01-01".into(),
            period_to: "2026-01-31".into(),
            first_service_date: "2026-01-02".into(),
            last_service_date: "2026-01-30".into(),
            total_charged: Cents(100),
            total_paid: if paid { Cents(100) } else { Cents::ZERO },
            balance: if paid { Cents::ZERO } else { Cents(100) },
            paid_in_full: paid,
            payer: "Payer".into(),
            payer_type: String::new(),
            provider_names: vec!["Provider, MD".into()],
            signing_provider: "Provider, MD".into(),
            signing_npi: "1234567893".into(),
            signing_dates: "01/02/2026".into(),
            billing_provider_attests: false,
            several_providers: false,
            line_count: 1,
        }
    }

    /// Probes of every attestation branch: one provider, several, the
    /// billing provider.
    fn probes() -> Vec<TemplateContext> {
        let mut out = vec![TemplateContext::probe(true), TemplateContext::probe(false)];
        let mut several = TemplateContext::probe(true);
        several.several_providers = true;
        let mut billing = several.clone();
        billing.billing_provider_attests = true;
        out.extend([several, billing]);
        out
    }
}

/// The distinct dates of service of the lines rendered under `npi` (of
/// every line when `None`), in order: `09/02/2026, 09/09/2026`.
fn dates_of(sb: &Superbill, npi: Option<&str>) -> String {
    let mut dates: Vec<NaiveDate> = sb
        .lines
        .iter()
        .filter(|l| npi.is_none_or(|n| l.provider_npi == n))
        .map(|l| l.date)
        .collect();
    dates.sort();
    dates.dedup();
    dates
        .iter()
        .map(|d| crate::render::us_date(*d))
        .collect::<Vec<_>>()
        .join(", ")
}

handlebars_helper!(money: |v: Json| {
    let text = match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    Cents::parse(&text).map(|c| c.display()).unwrap_or(text)
});

// `plus_days` and `plus_months` move the date first, for deadlines
// ("within 12 months of the date of service": `plus_months=12`; a month
// end that does not exist falls back to the month's last day).
handlebars_helper!(date: |v: str, {format: str = "long", plus_days: i64 = 0, plus_months: u64 = 0}| {
    let moved = NaiveDate::parse_from_str(v, "%Y-%m-%d").ok().and_then(|d| {
        d.checked_add_months(chrono::Months::new(u32::try_from(plus_months).ok()?))?
            .checked_add_signed(chrono::TimeDelta::try_days(plus_days)?)
    });
    match moved {
        Some(d) if format == "short" => crate::render::us_date(d),
        Some(d) => d.format("%B %-d, %Y").to_string(),
        None => v.to_string(),
    }
});

/// Fields of [`TemplateContext`] that take few values in a batch: the
/// practice's (the same for every superbill) and the payer and balance
/// (most patients of a cash-pay practice have paid in full, to one of a
/// few plans). A template that reads no others (the default title, footer
/// and patient note) is rendered once per combination of those values, not
/// per document.
pub const FEW_VALUED: &[&str] = &[
    "practice_name",
    "practice_phone",
    "payer",
    "payer_type",
    "paid_in_full",
    "balance",
];

impl TemplateContext {
    /// One field as the template sees it (serialised), by name: a template
    /// is rendered from the fields it reads, not from the whole context
    /// made into JSON for every superbill (half of rendering the
    /// attestation). A test holds this to the serialised context.
    fn value(&self, field: &str) -> Option<serde_json::Value> {
        use serde_json::Value;
        let text = |s: &String| Value::String(s.clone());
        let amount = |c: Cents| serde_json::to_value(c).ok();
        Some(match field {
            "practice_name" => text(&self.practice_name),
            "practice_phone" => text(&self.practice_phone),
            "superbill_number" => text(&self.superbill_number),
            "statement_date" => text(&self.statement_date),
            "period_from" => text(&self.period_from),
            "period_to" => text(&self.period_to),
            "first_service_date" => text(&self.first_service_date),
            "last_service_date" => text(&self.last_service_date),
            "total_charged" => amount(self.total_charged)?,
            "total_paid" => amount(self.total_paid)?,
            "balance" => amount(self.balance)?,
            "paid_in_full" => Value::Bool(self.paid_in_full),
            "payer" => text(&self.payer),
            "payer_type" => text(&self.payer_type),
            "provider_names" => Value::Array(self.provider_names.iter().map(text).collect()),
            "signing_provider" => text(&self.signing_provider),
            "signing_npi" => text(&self.signing_npi),
            "signing_dates" => text(&self.signing_dates),
            "billing_provider_attests" => Value::Bool(self.billing_provider_attests),
            "several_providers" => Value::Bool(self.several_providers),
            "line_count" => Value::from(self.line_count),
            _ => return None,
        })
    }

    /// The value of a [`FEW_VALUED`] field as the cache key holds it.
    fn few_valued(&self, field: &str) -> Option<String> {
        Some(match field {
            "practice_name" => self.practice_name.clone(),
            "practice_phone" => self.practice_phone.clone(),
            "payer" => self.payer.clone(),
            "payer_type" => self.payer_type.clone(),
            "paid_in_full" => self.paid_in_full.to_string(),
            "balance" => self.balance.0.to_string(),
            _ => return None,
        })
    }
}

/// Output of a template that reads only [`FEW_VALUED`] fields, by template
/// and the values of the fields it reads. Each slot is filled once, under
/// its own lock, so threads rendering the same batch render it once
/// between them.
type Slot = Arc<Mutex<Option<String>>>;

/// A cache that would hold more entries than this starts over: entries are
/// pure functions of their key, so this changes speed, never bytes.
const CACHE_LIMIT: usize = 256;

pub struct Templates {
    hb: Handlebars<'static>,
    /// Templates whose output depends only on [`FEW_VALUED`] fields, with
    /// the fields each reads, found from their source
    /// (`template_check::fields_read`); the others are rendered for every
    /// superbill.
    cached: BTreeMap<String, Vec<&'static str>>,
    cache: Mutex<HashMap<(String, Vec<String>), Slot>>,
    /// The fields each template reads, where its source tells
    /// (`template_check::fields_read`): it is rendered from those alone.
    reads: BTreeMap<String, Vec<&'static str>>,
    /// False only in tests that compare against rendering every time.
    caching: bool,
    /// Handlebars renders done (every template, cached or not): tests
    /// count them.
    renders: AtomicUsize,
}

fn register(hb: &mut Handlebars<'static>, name: &str, source: String) -> crate::Result<()> {
    hb.register_template_string(name, source)
        .map_err(|e| crate::Error::Template {
            template: name.to_string(),
            message: e.to_string(),
        })
}

impl Templates {
    /// Compiles the defaults and any overrides in `<practice_dir>/templates/`,
    /// checks them (fields, helpers, partials that recurse), then
    /// test-renders each one so a missing field is reported now.
    pub fn load(practice_dir: Option<&Path>) -> crate::Result<Templates> {
        let (sources, mut problems) = sources(practice_dir);
        problems.extend(super::template_check::check(&sources));
        if let Some(p) = problems.first() {
            let at = if p.line > 0 {
                format!("line {}: ", p.line)
            } else {
                String::new()
            };
            return Err(crate::Error::Template {
                template: p.template.clone(),
                message: format!("{at}{}", p.message),
            });
        }
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        hb.register_escape_fn(handlebars::no_escape);
        hb.register_helper("money", Box::new(money));
        hb.register_helper("date", Box::new(date));
        let names: Vec<String> = sources.keys().cloned().collect();
        let reads: BTreeMap<String, Vec<&'static str>> = sources
            .iter()
            .filter_map(|(name, source)| {
                let read = super::template_check::fields_read(source)?;
                Some((name.clone(), read.into_iter().collect()))
            })
            .collect();
        let cached = reads
            .iter()
            .filter(|(_, read)| read.iter().all(|f| FEW_VALUED.contains(f)))
            .map(|(name, read)| (name.clone(), read.clone()))
            .collect();
        for (name, source) in sources {
            register(&mut hb, &name, source)?;
        }
        let templates = Templates {
            hb,
            cached,
            cache: Mutex::default(),
            reads,
            caching: true,
            renders: AtomicUsize::new(0),
        };
        for probe in TemplateContext::probes() {
            for name in &names {
                templates.render_now(name, &probe)?;
            }
        }
        Ok(templates)
    }

    /// The same templates, rendered for every superbill (tests compare
    /// the two).
    #[cfg(test)]
    pub fn without_cache(mut self) -> Templates {
        self.caching = false;
        self
    }

    /// Templates rendered once per combination of the few-valued fields
    /// they read ([`FEW_VALUED`]), by name.
    #[cfg(test)]
    pub fn cached(&self) -> Vec<&str> {
        self.cached.keys().map(String::as_str).collect()
    }

    /// Handlebars renders so far, including the test renders of
    /// [`Templates::load`].
    #[cfg(test)]
    pub fn renders(&self) -> usize {
        self.renders.load(Ordering::Relaxed)
    }

    /// The template `base` (one of [`BY_PAYER`]) for the patient's payer
    /// type: the type's own, else the general one.
    pub fn render_for_payer(&self, base: &str, ctx: &TemplateContext) -> crate::Result<String> {
        self.render(&self.for_payer(base, ctx), ctx)
    }

    /// The name of the template `base` for the patient's payer type.
    pub fn for_payer(&self, base: &str, ctx: &TemplateContext) -> String {
        let own = (!ctx.payer_type.is_empty()).then(|| payer_template(base, Some(&ctx.payer_type)));
        own.filter(|n| self.hb.has_template(n))
            .unwrap_or_else(|| payer_template(base, None))
    }

    /// Renders `name`; a practice name that ends in a period ("Acme,
    /// Inc.") does not get a second one from the sentence around it.
    /// Constant text is rendered once and then reused.
    pub fn render(&self, name: &str, ctx: &TemplateContext) -> crate::Result<String> {
        let Some(fields) = self.cached.get(name).filter(|_| self.caching) else {
            return self.render_now(name, ctx);
        };
        let values = fields.iter().filter_map(|f| ctx.few_valued(f)).collect();
        let key = (name.to_string(), values);
        let slot = {
            let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            if cache.len() >= CACHE_LIMIT && !cache.contains_key(&key) {
                cache.clear();
            }
            Arc::clone(cache.entry(key).or_default())
        };
        let mut slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(text) = slot.as_ref() {
            return Ok(text.clone());
        }
        let text = self.render_now(name, ctx)?;
        *slot = Some(text.clone());
        Ok(text)
    }

    fn render_now(&self, name: &str, ctx: &TemplateContext) -> crate::Result<String> {
        self.renders.fetch_add(1, Ordering::Relaxed);
        let text = self.render_raw(name, ctx)?;
        Ok(single_period(&text, &ctx.practice_name))
    }

    fn render_raw(&self, name: &str, ctx: &TemplateContext) -> crate::Result<String> {
        let rendered = match self.reads.get(name) {
            Some(fields) => {
                let only: serde_json::Map<String, serde_json::Value> = fields
                    .iter()
                    .filter_map(|f| Some((f.to_string(), ctx.value(f)?)))
                    .collect();
                let only = handlebars::Context::from(serde_json::Value::Object(only));
                self.hb.render_with_context(name, &only)
            }
            None => self.hb.render(name, ctx),
        };
        rendered.map_err(|e| {
            let at = match (e.line_no, e.column_no) {
                (Some(l), Some(c)) => format!("line {l}, column {c}: "),
                _ => String::new(),
            };
            let what = match e.reason() {
                RenderErrorReason::MissingVariable(Some(field)) => format!(
                    "unknown field '{field}' (fields: {})",
                    super::template_check::FIELDS.join(", ")
                ),
                other => other.to_string(),
            };
            crate::Error::Template {
                template: name.to_string(),
                message: format!("{at}{what}"),
            }
        })
    }
}

/// A template override larger than this is refused (the defaults are a
/// few hundred bytes).
const MAX_TEMPLATE_BYTES: u64 = 64 * 1024;

/// Every template in use, name -> source: the practice's override where
/// there is one, else the default. An override that is not a readable,
/// regular UTF-8 file of sane size is a problem (and the default is not
/// used in its place: the practice meant to change it).
pub fn sources(
    practice_dir: Option<&Path>,
) -> (
    BTreeMap<String, String>,
    Vec<super::template_check::Problem>,
) {
    let mut out = BTreeMap::new();
    let mut problems = Vec::new();
    for (name, default) in TEMPLATES {
        let own = practice_dir.map(|d| d.join("templates").join(name));
        let meta = own.as_deref().and_then(|p| std::fs::metadata(p).ok());
        let (Some(path), Some(meta)) = (own, meta) else {
            out.insert(name.to_string(), default.to_string());
            continue;
        };
        let problem = |message: String| super::template_check::Problem {
            template: name.to_string(),
            line: 0,
            code: "template-unreadable",
            message,
        };
        if !meta.is_file() {
            problems.push(problem(
                "is not a regular file: make it a text file or remove it".into(),
            ));
        } else if meta.len() > MAX_TEMPLATE_BYTES {
            problems.push(problem(format!(
                "is {} bytes, more than {MAX_TEMPLATE_BYTES}: a template holds a few paragraphs",
                meta.len()
            )));
        } else {
            match std::fs::read(&path).map(String::from_utf8) {
                Ok(Ok(text)) => {
                    out.insert(name.to_string(), text);
                }
                Ok(Err(_)) => problems.push(problem("is not UTF-8 text: save it as UTF-8".into())),
                Err(e) => problems.push(problem(format!("cannot be read ({e})"))),
            }
        }
    }
    // The practice's notes for payer types it adds (codes/payers.toml).
    match extra_notes(practice_dir) {
        Ok(extra) => {
            for (name, path) in extra {
                match std::fs::read_to_string(&path) {
                    Ok(text) => {
                        out.insert(name, text);
                    }
                    Err(e) => problems.push(super::template_check::Problem {
                        template: name,
                        line: 0,
                        code: "template-unreadable",
                        message: format!("cannot be read ({e})"),
                    }),
                }
            }
        }
        Err(e) => problems.push(super::template_check::Problem {
            template: "templates/".into(),
            line: 0,
            code: "template-unreadable",
            message: e.to_string(),
        }),
    }
    (out, problems)
}

/// `text` with `name.` written `name` when the name already ends in a
/// period.
fn single_period(text: &str, name: &str) -> String {
    if name.ends_with('.') && !name.is_empty() {
        text.replace(&format!("{name}."), name)
    } else {
        text.to_string()
    }
}

/// Splits rendered template text into paragraphs: blank lines separate
/// paragraphs, single newlines and runs of spaces collapse to one space.
pub fn paragraphs(text: &str) -> Vec<String> {
    text.replace('\r', "")
        .split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field a template can read is given as the whole context,
    /// serialised, gives it, and no other: a field added to the context
    /// fails here until [`TemplateContext::value`] knows it.
    #[test]
    fn each_field_is_the_serialised_contexts() {
        for ctx in TemplateContext::probes() {
            let whole = serde_json::to_value(&ctx).unwrap();
            let whole = whole.as_object().unwrap();
            let keys: Vec<&str> = whole.keys().map(String::as_str).collect();
            let mut fields = super::super::template_check::FIELDS.to_vec();
            fields.sort();
            let mut keys_sorted = keys.clone();
            keys_sorted.sort();
            assert_eq!(keys_sorted, fields);
            for (k, v) in whole {
                assert_eq!(ctx.value(k).as_ref(), Some(v), "{k}");
            }
            assert_eq!(ctx.value("patient_name"), None);
        }
    }

    /// A template rendered from the fields it reads says what it says when
    /// rendered from the whole context, for every template and probe.
    #[test]
    fn templates_read_their_own_fields_alone_and_render_the_same() {
        let t = Templates::load(None).unwrap();
        assert!(t.reads.contains_key("attestation.hbs"));
        for ctx in TemplateContext::probes() {
            for (name, _) in TEMPLATES {
                let whole = t.hb.render(name, &ctx).unwrap();
                assert_eq!(t.render_raw(name, &ctx).unwrap(), whole, "{name}");
            }
        }
    }
}
