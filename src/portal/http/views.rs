//! Pages, rendered on the server from handlebars templates. Every value is
//! HTML-escaped by handlebars; the only unescaped insertion is a page's own
//! rendered body into the layout.

use crate::error::{Error, Result};
use crate::portal::documents::{Document, KIND_STATEMENT, KIND_SUPERBILL};
use crate::portal::store::PracticeInfo;
use handlebars::Handlebars;
use serde_json::{json, Value};

const TEMPLATES: &[(&str, &str)] = &[
    (
        "layout",
        include_str!("../../../templates/portal/layout.hbs"),
    ),
    ("index", include_str!("../../../templates/portal/index.hbs")),
    ("login", include_str!("../../../templates/portal/login.hbs")),
    (
        "documents",
        include_str!("../../../templates/portal/documents.hbs"),
    ),
    (
        "message",
        include_str!("../../../templates/portal/message.hbs"),
    ),
];

pub const STYLESHEET: &str = include_str!("../../../assets/portal/portal.css");

pub struct Views {
    hb: Handlebars<'static>,
    practice: PracticeInfo,
}

impl Views {
    pub fn new(practice: PracticeInfo) -> Result<Views> {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        for (name, text) in TEMPLATES {
            hb.register_template_string(name, *text)
                .map_err(|e| Error::Template {
                    template: format!("portal/{name}.hbs"),
                    message: e.to_string(),
                })?;
        }
        Ok(Views { hb, practice })
    }

    pub fn practice(&self) -> &PracticeInfo {
        &self.practice
    }

    /// A whole page: `template` rendered with `data`, inside the layout.
    pub fn page(&self, template: &str, title: &str, data: &Value) -> String {
        let content = self
            .hb
            .render(template, data)
            .unwrap_or_else(|e| format!("<p>Page error: {}</p>", escape(&e.to_string())));
        self.hb
            .render(
                "layout",
                &json!({
                    "title": title,
                    "practice_name": self.practice.name,
                    "practice_phone": self.practice.phone,
                    "content": content,
                }),
            )
            .unwrap_or_else(|e| format!("<p>Page error: {}</p>", escape(&e.to_string())))
    }

    pub fn message(&self, heading: &str, text: &str, link: Option<(&str, &str)>) -> String {
        let (link, link_text) = link.unwrap_or(("", ""));
        self.page(
            "message",
            heading,
            &json!({ "heading": heading, "text": text, "link": link, "link_text": link_text }),
        )
    }

    pub fn login(&self, link: &str, csrf: &str, error: Option<&str>) -> String {
        self.page(
            "login",
            "Sign in",
            &json!({ "link": link, "csrf": csrf, "error": error.unwrap_or("") }),
        )
    }

    pub fn documents(&self, docs: &[Document], csrf: &str, idle_minutes: i64) -> String {
        let docs: Vec<Value> = docs
            .iter()
            .map(|d| {
                json!({
                    "statement": d.kind == KIND_STATEMENT,
                    "title": title(&d.kind),
                    "number": d.number,
                    "period": period(d),
                    "charged": d.charged.display(),
                    "paid": d.paid.display(),
                    "balance": d.balance.display(),
                })
            })
            .collect();
        self.page(
            "documents",
            "Your documents",
            &json!({
                "documents": docs,
                "statements": docs.iter().any(|d| d["statement"] == true),
                "csrf": csrf,
                "idle_minutes": idle_minutes
            }),
        )
    }
}

fn title(kind: &str) -> String {
    match kind {
        KIND_SUPERBILL => "Superbill".to_string(),
        KIND_STATEMENT => "Year-end statement".to_string(),
        other => {
            let mut c = other.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        }
    }
}

/// "September 1 – 30, 2026", "September 1 – October 31, 2026", or across
/// years in full.
fn period(d: &Document) -> String {
    use chrono::Datelike;
    let (a, b) = (d.period_from, d.period_to);
    if a == b {
        a.format("%B %-d, %Y").to_string()
    } else if a.year() != b.year() {
        format!("{} – {}", a.format("%B %-d, %Y"), b.format("%B %-d, %Y"))
    } else if a.month() != b.month() {
        format!("{} – {}", a.format("%B %-d"), b.format("%B %-d, %Y"))
    } else {
        format!("{} – {}", a.format("%B %-d"), b.format("%-d, %Y"))
    }
}

/// For the rare error text that is not from a template.
fn escape(s: &str) -> String {
    handlebars::html_escape(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Cents;

    fn views() -> Views {
        Views::new(PracticeInfo {
            name: "Ann & Bob's <Clinic>".into(),
            phone: "(303) 555-0142".into(),
        })
        .unwrap()
    }

    #[test]
    fn values_are_escaped() {
        let page = views().message("Oops", "<script>alert(1)</script>", None);
        assert!(page.contains("&lt;script&gt;"), "{page}");
        assert!(!page.contains("<script>"));
        assert!(
            page.contains("Ann &amp; Bob&#x27;s &lt;Clinic&gt;"),
            "{page}"
        );
    }

    #[test]
    fn login_form_has_labelled_dob_and_code() {
        let page = views().login("abc", "tok", None);
        for (id, label) in [
            ("dob", "Date of birth"),
            ("code", "Code from your invitation"),
        ] {
            assert!(
                page.contains(&format!("<label for=\"{id}\">{label}</label>")),
                "{page}"
            );
            assert!(
                page.contains(&format!("id=\"{id}\" name=\"{id}\"")),
                "{page}"
            );
        }
        assert!(page.contains("name=\"csrf\" value=\"tok\""));
        assert!(page.contains("name=\"viewport\""));
        assert!(!page.contains("<script") && !page.contains("style="));
    }

    #[test]
    fn document_list() {
        let d = Document {
            patient_id: "P1".into(),
            kind: KIND_SUPERBILL.into(),
            number: "SB-202609-P1".into(),
            period_from: "2026-09-01".parse().unwrap(),
            period_to: "2026-09-30".parse().unwrap(),
            charged: Cents(125_000),
            paid: Cents(100_000),
            balance: Cents(25_000),
            path: "/x.pdf".into(),
            sha256: String::new(),
        };
        let page = views().documents(&[d], "tok", 15);
        assert!(page.contains("September 1 – 30, 2026"), "{page}");
        assert!(
            page.contains("$1,250.00") && page.contains("$250.00"),
            "{page}"
        );
        assert!(page.contains("href=\"/documents/SB-202609-P1\""));
        assert!(!page.contains("/x.pdf"), "no file paths on the page");
    }
}
