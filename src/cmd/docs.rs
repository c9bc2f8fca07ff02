//! `superbill completions SHELL` and `superbill man`: generated from the
//! clap definitions, so they always match `--help`.

use crate::error::{Error, Result};
use std::io::Write;

pub fn completions(shell: clap_complete::Shell) -> Result<i32> {
    let mut cmd = crate::cli::command();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(shell, &mut cmd, "superbill", &mut out);
    out.flush()
        .map_err(|e| Error::Other(format!("writing stdout: {e}")))?;
    Ok(0)
}

/// The man page, with a page section for each subcommand folded in as
/// `superbill-<sub>` sections would be, so one file documents everything.
pub fn man() -> Result<i32> {
    let bytes = man_page()?;
    let mut out = std::io::stdout().lock();
    out.write_all(&bytes)
        .and_then(|_| out.flush())
        .map_err(|e| Error::Other(format!("writing stdout: {e}")))?;
    Ok(0)
}

pub fn man_page() -> Result<Vec<u8>> {
    let cmd = crate::cli::command();
    let err = |e: std::io::Error| Error::Other(format!("writing the man page: {e}"));
    // The subcommands' options follow the top-level page, one section
    // each, the way `git help` pages read.
    let mut subs = Vec::new();
    let mut sections = Vec::new();
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("superbill {}", sub.get_name());
        render_sub(&mut subs, sub, &name).map_err(err)?;
        let many = if sub.has_subcommands() { " ..." } else { "" };
        sections.push((sub.get_name().to_string(), many));
    }
    let mut top = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .render(&mut top)
        .map_err(err)?;
    // They are sections of this page, not pages of their own: the list's
    // `superbill\-batch(1)` becomes `superbill batch`.
    let mut buf = Vec::new();
    for line in String::from_utf8_lossy(&top).split_inclusive('\n') {
        let sub = line
            .strip_prefix("superbill\\-")
            .and_then(|l| l.trim_end().strip_suffix("(1)"));
        match sub {
            Some(sub) if sections.iter().any(|s| s.0 == sub) => {
                let many = sections.iter().find(|s| s.0 == sub).map_or("", |s| s.1);
                buf.extend_from_slice(
                    format!(
                        "superbill {sub} (see SUPERBILL {}{many} below)\n",
                        sub.to_uppercase()
                    )
                    .as_bytes(),
                )
            }
            Some(sub) => buf.extend_from_slice(format!("superbill {sub}\n").as_bytes()),
            None => buf.extend_from_slice(line.as_bytes()),
        }
    }
    buf.extend_from_slice(&subs);
    Ok(buf)
}

fn render_sub(buf: &mut Vec<u8>, sub: &clap::Command, path: &str) -> std::io::Result<()> {
    if sub.has_subcommands() {
        for s in sub.get_subcommands().filter(|s| !s.is_hide_set()) {
            render_sub(buf, s, &format!("{path} {}", s.get_name()))?;
        }
        return Ok(());
    }
    writeln!(buf, ".SH \"{}\"", path.to_uppercase())?;
    // The synopsis reads `superbill codes lookup ...`, not `lookup ...`.
    let man = clap_mangen::Man::new(sub.clone().bin_name(path.to_string()));
    let mut section = Vec::new();
    man.render_description_section(&mut section)?;
    man.render_synopsis_section(&mut section)?;
    man.render_options_section(&mut section)?;
    // Fold the sub-page's own top-level headings into sub-headings.
    let text = String::from_utf8_lossy(&section).replace(".SH ", ".SS ");
    buf.extend_from_slice(text.as_bytes());
    Ok(())
}
