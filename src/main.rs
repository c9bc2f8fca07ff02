fn main() {
    std::process::exit(superbill::cli::run());
}
