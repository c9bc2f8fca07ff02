//! `superbill samples generate`

use crate::cli::SamplesCommand;
use crate::error::Result;
use crate::synth::{self, SynthOptions};

pub fn run(cmd: SamplesCommand) -> Result<i32> {
    match cmd {
        SamplesCommand::Generate {
            patients,
            months,
            start,
            seed,
            out,
        } => {
            let opts = SynthOptions {
                patients,
                months,
                start: SynthOptions::parse_month(&start)?,
                seed,
            };
            let stats = synth::generate(&opts, &out)?;
            println!(
                "Wrote a fictional practice to {}: {} patients, {} sessions, {} payments over {} month(s) from {start}.",
                out.display(), stats.patients, stats.sessions, stats.payments, months
            );
            Ok(0)
        }
    }
}
