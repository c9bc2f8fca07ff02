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
    let mut buf = Vec::new();
    let err = |e: std::io::Error| Error::Other(format!("writing the man page: {e}"));
    clap_mangen::Man::new(cmd.clone())
        .render(&mut buf)
        .map_err(err)?;
    // The top-level page lists the subcommands; their options follow, one
    // section each, the way `git help` pages read.
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        render_sub(&mut buf, sub, &format!("superbill {}", sub.get_name())).map_err(err)?;
    }
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
