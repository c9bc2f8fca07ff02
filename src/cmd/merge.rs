//! `superbill merge`: the shard folders of a sharded batch into the whole
//! batch (see `crate::shard`).

use crate::cli::{BatchArgs, DocumentArgs, MergeArgs, PracticeArgs};
use crate::error::{Error, Result};
use crate::outdir;
use crate::shard::Shards;

pub fn run(args: &MergeArgs) -> Result<i32> {
    let shards = Shards::open(&args.shards)?;
    let info = shards.info().clone();
    let out = outdir::resolve(&args.out)?;
    for dir in shards.dirs() {
        let dir_abs = outdir::resolve(dir)?;
        if out == dir_abs || out.starts_with(&dir_abs) || dir_abs.starts_with(&out) {
            return Err(Error::Usage(format!(
                "--out {} overlaps the shard folder {}: the merge writes a folder of its own; choose another --out, e.g. --out {}",
                args.out.display(),
                dir.display(),
                crate::shell::quote(&format!("out/{}", shards.period()))
            )));
        }
    }
    let practice = args
        .practice
        .clone()
        .unwrap_or_else(|| info.practice_dir.clone());
    shards.check_inputs(&practice, &crate::batch::input_hashes(&practice)?)?;
    let batch = BatchArgs {
        practice: PracticeArgs {
            practice,
            as_of: Some(info.as_of),
        },
        output: args.output,
        period: shards.period(),
        out: args.out.clone(),
        dry_run: args.dry_run,
        partial: info.partial,
        jobs: args.jobs,
        no_progress: args.no_progress,
        documents: DocumentArgs::default(),
        shard: None,
        merge_into: None,
    };
    super::batch::execute(&batch, Some(shards))
}
