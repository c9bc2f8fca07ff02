//! Checking a practice's templates before anything renders: syntax, every
//! field and helper they name (in every branch, not only the ones a test
//! render takes), partials that exist, and partials that include
//! themselves (handlebars would recurse until the stack overflows).

use handlebars::template::{DecoratorTemplate, HelperTemplate, Parameter, TemplateElement};
use handlebars::Template;
use std::collections::{BTreeMap, BTreeSet};

/// One problem in one template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `footer.hbs`
    pub template: String,
    /// 1-based; 0 when not known.
    pub line: u64,
    /// `template-syntax`, `template-unknown-field`, `template-unknown-helper`,
    /// `template-unknown-partial`, `template-recursive-partial`,
    /// `template-render`.
    pub code: &'static str,
    pub message: String,
}

/// Fields of `TemplateContext`.
pub const FIELDS: &[&str] = &[
    "practice_name",
    "practice_phone",
    "superbill_number",
    "statement_date",
    "period_from",
    "period_to",
    "first_service_date",
    "last_service_date",
    "total_charged",
    "total_paid",
    "balance",
    "paid_in_full",
    "payer",
    "payer_type",
    "provider_names",
    "signing_provider",
    "signing_npi",
    "signing_dates",
    "billing_provider_attests",
    "several_providers",
    "line_count",
];

/// Handlebars' built-in helpers and ours.
const HELPERS: &[&str] = &[
    "if", "unless", "each", "with", "lookup", "log", "eq", "ne", "gt", "gte", "lt", "lte", "and",
    "or", "not", "len", "money", "date",
];

/// Helpers whose block changes the context (`this` is an item, not the
/// superbill): paths inside them are not checked against `FIELDS`.
const SCOPING: &[&str] = &["each", "with"];

/// Checks `sources` (template name -> text), all of them together, since
/// partials name each other.
pub fn check(sources: &BTreeMap<String, String>) -> Vec<Problem> {
    let mut problems = Vec::new();
    // Partial name -> partials it includes (templates and inline partials).
    let mut edges: BTreeMap<String, BTreeSet<(String, u64)>> = BTreeMap::new();
    let mut inline: BTreeSet<String> = BTreeSet::new();
    let mut compiled = Vec::new();
    for (name, source) in sources {
        match Template::compile(source) {
            Ok(t) => compiled.push((name.clone(), t)),
            Err(e) => problems.push(Problem {
                template: name.clone(),
                line: e.pos().map_or(0, |(l, _)| l as u64),
                code: "template-syntax",
                message: format!("{}: fix the template's syntax", e.reason()),
            }),
        }
    }
    for (name, t) in &compiled {
        let mut w = Walker {
            template: name,
            problems: &mut problems,
            edges: &mut edges,
            inline: &mut inline,
        };
        w.walk(t, name, false, 0);
    }
    // A name refers to an inline partial of the same template first.
    let edges: BTreeMap<String, BTreeSet<(String, u64)>> = edges
        .into_iter()
        .map(|(from, to)| {
            let t = owner(&from);
            let to = to
                .into_iter()
                .map(|(n, l)| {
                    let local = format!("{t}#{n}");
                    (if inline.contains(&local) { local } else { n }, l)
                })
                .collect();
            (from, to)
        })
        .collect();
    for (from, to) in &edges {
        for (partial, line) in to {
            let known = sources.contains_key(partial) || inline.contains(partial);
            if !known {
                problems.push(Problem {
                    template: owner(from),
                    line: *line,
                    code: "template-unknown-partial",
                    message: format!(
                        "partial '{partial}' does not exist: include one of {}",
                        sources.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                });
            }
        }
    }
    for start in sources.keys() {
        if let Some((line, path)) = cycle(&edges, start) {
            problems.push(Problem {
                template: start.clone(),
                line,
                code: "template-recursive-partial",
                message: format!(
                    "partials include each other without end ({}): remove the partial that leads back",
                    path.join(" -> ")
                ),
            });
        }
    }
    problems.sort_by(|a, b| (&a.template, a.line, a.code).cmp(&(&b.template, b.line, b.code)));
    problems.dedup();
    problems
}

/// Inline partials are recorded as `template#name`; findings name the
/// template file.
fn owner(node: &str) -> String {
    node.split('#').next().unwrap_or(node).to_string()
}

/// A partial as the template writes it.
fn display(node: &str) -> String {
    node.rsplit('#').next().unwrap_or(node).to_string()
}

/// A path through the partial graph from `start` back to a partial already
/// on it, with the line of the first include.
fn cycle(
    edges: &BTreeMap<String, BTreeSet<(String, u64)>>,
    start: &str,
) -> Option<(u64, Vec<String>)> {
    fn dfs(
        edges: &BTreeMap<String, BTreeSet<(String, u64)>>,
        node: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        if path.iter().any(|p| p == node) {
            path.push(node.to_string());
            return true;
        }
        if !seen.insert(node.to_string()) {
            return false;
        }
        path.push(node.to_string());
        for (next, _) in edges.get(node).into_iter().flatten() {
            if dfs(edges, next, path, seen) {
                return true;
            }
        }
        path.pop();
        false
    }
    let mut path = Vec::new();
    let mut seen = BTreeSet::new();
    if !dfs(edges, start, &mut path, &mut seen) {
        return None;
    }
    // Show the loop itself: from the partial met twice.
    let last = path.last().cloned().unwrap_or_default();
    let from = path.iter().position(|p| *p == last).unwrap_or(0);
    let lead = path.get(1).cloned();
    let path: Vec<String> = path[from..].iter().map(|p| display(p)).collect();
    let line = edges
        .get(start)
        .and_then(|s| s.iter().find(|(n, _)| Some(n) == lead.as_ref()))
        .map_or(0, |(_, l)| *l);
    Some((line, path))
}

struct Walker<'a> {
    template: &'a str,
    problems: &'a mut Vec<Problem>,
    edges: &'a mut BTreeMap<String, BTreeSet<(String, u64)>>,
    inline: &'a mut BTreeSet<String>,
}

impl Walker<'_> {
    fn problem(&mut self, line: u64, code: &'static str, message: String) {
        self.problems.push(Problem {
            template: self.template.to_string(),
            line,
            code,
            message,
        });
    }

    /// `node` is the partial being walked (the template or an inline
    /// partial); `scoped` is true inside `each`/`with`.
    fn walk(&mut self, t: &Template, node: &str, scoped: bool, base_line: u64) {
        for (i, el) in t.elements.iter().enumerate() {
            let line = t.mapping.get(i).map_or(base_line, |m| m.0 as u64);
            match el {
                TemplateElement::RawString(_) | TemplateElement::Comment(_) => {}
                TemplateElement::Expression(h) | TemplateElement::HtmlExpression(h) => {
                    self.helper(h, node, scoped, line);
                }
                TemplateElement::HelperBlock(h) => {
                    self.helper(h, node, scoped, line);
                    let name = h.name.as_name().unwrap_or("");
                    let inner = scoped || SCOPING.contains(&name);
                    if let Some(body) = &h.template {
                        self.walk(body, node, inner, line);
                    }
                    if let Some(inv) = &h.inverse {
                        self.walk(inv, node, scoped, line);
                    }
                }
                TemplateElement::DecoratorExpression(d) | TemplateElement::DecoratorBlock(d) => {
                    self.decorator(d, scoped, line);
                }
                TemplateElement::PartialExpression(d) | TemplateElement::PartialBlock(d) => {
                    self.partial(d, node, scoped, line);
                }
                _ => {}
            }
        }
    }

    fn helper(&mut self, h: &HelperTemplate, node: &str, scoped: bool, line: u64) {
        let name = h.name.as_name().unwrap_or("").to_string();
        let plain = h.params.is_empty() && h.hash.is_empty() && !h.block;
        if plain && !HELPERS.contains(&name.as_str()) {
            self.path(&name, scoped, line);
            return;
        }
        if !HELPERS.contains(&name.as_str()) {
            self.problem(
                line,
                "template-unknown-helper",
                format!(
                    "helper '{name}' does not exist: use one of {}",
                    HELPERS.join(", ")
                ),
            );
        }
        for p in h.params.iter().chain(h.hash.values()) {
            self.param(p, node, scoped, line);
        }
    }

    fn param(&mut self, p: &Parameter, node: &str, scoped: bool, line: u64) {
        match p {
            Parameter::Path(_) | Parameter::Name(_) => {
                if let Some(n) = p.as_name() {
                    let n = n.to_string();
                    self.path(&n, scoped, line);
                }
            }
            Parameter::Subexpression(s) => {
                let el = &*s.element;
                let mut t = Template::new();
                t.elements.push(el.clone());
                self.walk(&t, node, scoped, line);
            }
            _ => {}
        }
    }

    /// A field reference: its first segment must be a context field
    /// (outside `each`/`with`), `this` or an `@` variable.
    fn path(&mut self, raw: &str, scoped: bool, line: u64) {
        let raw = raw.trim_start_matches("./");
        let (root, rest) = match raw.strip_prefix("@root") {
            Some(rest) => (true, rest.trim_start_matches(['.', '/'])),
            None => (false, raw),
        };
        if !root && (scoped || raw.starts_with('@') || raw.starts_with("../")) {
            return;
        }
        let first = rest.split(['.', '/', '[']).next().unwrap_or("");
        if root && first.is_empty() {
            return;
        }
        if first == "this" || first.is_empty() || FIELDS.contains(&first) {
            return;
        }
        self.problem(
            line,
            "template-unknown-field",
            format!("unknown field '{first}' (fields: {})", FIELDS.join(", ")),
        );
    }

    fn decorator(&mut self, d: &DecoratorTemplate, scoped: bool, line: u64) {
        let name = d.name.as_name().unwrap_or("");
        if name != "inline" {
            self.problem(
                line,
                "template-unknown-helper",
                format!("decorator '*{name}' is not supported: only *inline partials are"),
            );
            return;
        }
        let Some(pname) = d.params.first().and_then(literal_or_name) else {
            self.problem(
                line,
                "template-syntax",
                "an inline partial needs a name in quotes".into(),
            );
            return;
        };
        let node = format!("{}#{pname}", self.template);
        self.inline.insert(node.clone());
        if let Some(body) = &d.template {
            self.walk(body, &node, scoped, line);
        }
    }

    fn partial(&mut self, d: &DecoratorTemplate, node: &str, scoped: bool, line: u64) {
        match literal_or_name(&d.name) {
            Some(n) if n == "@partial-block" => {}
            Some(n) => {
                self.edges
                    .entry(node.to_string())
                    .or_default()
                    .insert((n, line));
            }
            None => self.problem(
                line,
                "template-unknown-partial",
                "a partial's name must be written out, not computed".into(),
            ),
        }
        for p in d.params.iter().chain(d.hash.values()) {
            self.param(p, node, scoped, line);
        }
        if let Some(body) = &d.template {
            self.walk(body, node, scoped, line);
        }
    }
}

/// The context fields a template reads, when its source alone tells:
/// `None` when it includes a partial, has a decorator, reads inside
/// `each`/`with` or through `this`, `@root`, `../` or an `@` variable,
/// calls `log`, or names a field by a longer path. The renderer caches the
/// output of a template that reads only few-valued fields (see
/// `templates::FEW_VALUED`), so this errs on the side of `None`.
pub fn fields_read(source: &str) -> Option<BTreeSet<&'static str>> {
    let t = Template::compile(source).ok()?;
    let mut out = BTreeSet::new();
    reads(&t, &mut out).then_some(out)
}

fn reads(t: &Template, out: &mut BTreeSet<&'static str>) -> bool {
    t.elements.iter().all(|el| match el {
        TemplateElement::RawString(_) | TemplateElement::Comment(_) => true,
        TemplateElement::Expression(h) | TemplateElement::HtmlExpression(h) => helper_reads(h, out),
        TemplateElement::HelperBlock(h) => {
            let name = h.name.as_name().unwrap_or("");
            !SCOPING.contains(&name)
                && helper_reads(h, out)
                && h.template.as_ref().is_none_or(|b| reads(b, out))
                && h.inverse.as_ref().is_none_or(|b| reads(b, out))
        }
        _ => false,
    })
}

fn helper_reads(h: &HelperTemplate, out: &mut BTreeSet<&'static str>) -> bool {
    let Some(name) = h.name.as_name() else {
        return false;
    };
    let plain = h.params.is_empty() && h.hash.is_empty() && !h.block;
    if plain && !HELPERS.contains(&name) {
        return field_read(name, out);
    }
    HELPERS.contains(&name)
        && name != "log"
        && h.params
            .iter()
            .chain(h.hash.values())
            .all(|p| param_reads(p, out))
}

fn param_reads(p: &Parameter, out: &mut BTreeSet<&'static str>) -> bool {
    match p {
        Parameter::Literal(_) => true,
        Parameter::Path(_) | Parameter::Name(_) => p.as_name().is_some_and(|n| field_read(n, out)),
        Parameter::Subexpression(s) => {
            let mut t = Template::new();
            t.elements.push((*s.element).clone());
            reads(&t, out)
        }
        _ => false,
    }
}

fn field_read(name: &str, out: &mut BTreeSet<&'static str>) -> bool {
    match FIELDS.iter().find(|f| **f == name) {
        Some(f) => {
            out.insert(f);
            true
        }
        None => false,
    }
}

fn literal_or_name(p: &Parameter) -> Option<String> {
    match p {
        Parameter::Literal(serde_json::Value::String(s)) => Some(s.clone()),
        Parameter::Name(_) | Parameter::Path(_) => p.as_name().map(str::to_string),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(pairs: &[(&str, &str)]) -> Vec<Problem> {
        check(
            &pairs
                .iter()
                .map(|(n, s)| (n.to_string(), s.to_string()))
                .collect(),
        )
    }

    fn codes(p: &[Problem]) -> Vec<&'static str> {
        p.iter().map(|p| p.code).collect()
    }

    #[test]
    fn the_default_templates_pass() {
        let all: Vec<(&str, &str)> = super::super::templates::TEMPLATES.to_vec();
        assert_eq!(run(&all), []);
    }

    #[test]
    fn unknown_fields_are_found_in_branches_a_test_render_skips() {
        let p = run(&[(
            "footer.hbs",
            "{{#if paid_in_full}}Paid.{{else}}\nDue {{money balanse}}{{/if}}",
        )]);
        assert_eq!(codes(&p), ["template-unknown-field"], "{p:?}");
        assert!(p[0].message.contains("'balanse'"));
        assert_eq!(p[0].line, 2);
    }

    #[test]
    fn fields_inside_each_are_the_item_s() {
        let p = run(&[(
            "title.hbs",
            "{{#each provider_names}}{{this}}{{@index}}{{../practice_name}}{{/each}}",
        )]);
        assert_eq!(p, []);
    }

    #[test]
    fn unknown_helpers_and_partials() {
        let p = run(&[("footer.hbs", "{{shout practice_name}} {{> nowhere.hbs}}")]);
        assert_eq!(
            codes(&p),
            ["template-unknown-helper", "template-unknown-partial"],
            "{p:?}"
        );
    }

    #[test]
    fn partials_that_recurse_are_refused() {
        let p = run(&[("footer.hbs", "Footer {{> footer.hbs}}")]);
        assert!(codes(&p).contains(&"template-recursive-partial"), "{p:?}");
        let p = run(&[
            ("footer.hbs", "{{> title.hbs}}"),
            ("title.hbs", "x {{> footer.hbs}}"),
        ]);
        assert_eq!(
            codes(&p),
            ["template-recursive-partial", "template-recursive-partial"],
            "{p:?}"
        );
        let p = run(&[("footer.hbs", "{{#*inline \"x\"}}{{> x}}{{/inline}}{{> x}}")]);
        assert!(codes(&p).contains(&"template-recursive-partial"), "{p:?}");
        // Including another template once is fine.
        let p = run(&[
            ("footer.hbs", "{{> title.hbs}}"),
            ("title.hbs", "Superbill"),
        ]);
        assert_eq!(p, []);
    }

    #[test]
    fn fields_read_are_told_only_when_certain() {
        let read = |s: &str| fields_read(s).map(|f| f.into_iter().collect::<Vec<_>>());
        assert_eq!(read("SUPERBILL"), Some(vec![]));
        assert_eq!(
            read("Call {{practice_name}} at {{practice_phone}}."),
            Some(vec!["practice_name", "practice_phone"])
        );
        assert_eq!(
            read("{{#if paid_in_full}}Paid.{{else}}{{money balance}}{{/if}} {{date (lookup provider_names 0) format=\"short\"}}"),
            Some(vec!["balance", "paid_in_full", "provider_names"])
        );
        // What a field analysis cannot follow: no answer.
        for uncertain in [
            "{{> footer.hbs}}",
            "{{#each provider_names}}{{this}}{{/each}}",
            "{{#with practice_name}}{{this}}{{/with}}",
            "{{this.practice_name}}",
            "{{@root.payer}}",
            "{{practice_name.length}}",
            "{{log payer}}",
            "{{#*inline \"x\"}}{{payer}}{{/inline}}",
            "{{shout practice_name}}",
            "{{#practice_name}}x{{/practice_name}}",
            "{{#if}",
        ] {
            assert_eq!(read(uncertain), None, "{uncertain}");
        }
    }

    #[test]
    fn syntax_errors_carry_the_line() {
        let p = run(&[("footer.hbs", "one\ntwo {{#if paid_in_full}}\n")]);
        assert_eq!(codes(&p), ["template-syntax"], "{p:?}");
        assert!(p[0].line >= 2, "{p:?}");
    }
}
