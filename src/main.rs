// A batch makes tens of millions of small allocations (61 million for a
// 100k-session month), most of them freed on another thread than made
// them: mimalloc takes about a tenth off its CPU and wall time against
// glibc's allocator, at the same peak (README, "The allocator"). Chosen
// here, not in the library: a program using the library picks its own.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
