//! `superbill cms1500 test-page`

use crate::atomic;
use crate::cli::Cms1500Command;
use crate::error::Result;
use crate::render::cms1500::{Options, Renderer};

pub fn run(cmd: Cms1500Command) -> Result<i32> {
    match cmd {
        Cms1500Command::TestPage {
            out,
            practice,
            offset_x,
            offset_y,
        } => {
            let mut opts = Options {
                data_only: true,
                ..Default::default()
            };
            if let Some(dir) = practice {
                let mut findings = crate::findings::Findings::default();
                let loaded = crate::practice::load(&dir, &mut findings)?;
                let own = crate::render::Extras::form_options(&loaded.inputs.practice.documents);
                opts.offset_x = own.offset_x;
                opts.offset_y = own.offset_y;
            }
            if let Some(x) = offset_x {
                opts.offset_x = x.0;
            }
            if let Some(y) = offset_y {
                opts.offset_y = y.0;
            }
            let pdf = Renderer::new(opts)?.test_page()?;
            atomic::write(&out, &pdf)?;
            println!(
                "Wrote {} (offsets x {} pt, y {} pt). Print it on a blank red CMS-1500: every X belongs inside its box.",
                out.display(),
                opts.offset_x,
                opts.offset_y
            );
            Ok(0)
        }
    }
}
