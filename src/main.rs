fn main() {
    // Rust ignores SIGPIPE, which turns `superbill validate ... | head` into
    // a "failed printing to stdout" panic; the default action ends the
    // process quietly, as for any Unix filter.
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    std::process::exit(superbill::cli::run());
}
