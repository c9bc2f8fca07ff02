//! Progress for the batch: a bar on a terminal, a few plain lines in logs.
//!
//! Workers report from several threads at once, so every report goes
//! through one lock and only ever moves forward: the bar never jumps back
//! and log lines never come out of order.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use std::sync::Mutex;
use std::time::Duration;

pub struct Progress {
    bar: Option<ProgressBar>,
    plain: bool,
    /// Highest count reported so far, and the next count that earns a
    /// plain line.
    seen: Mutex<(usize, usize)>,
}

impl Progress {
    /// A spinner while the files load and are checked, then a bar while
    /// superbills render. `plain`: lines on stderr instead (logs).
    pub fn new(show: bool, plain: bool, target: ProgressDrawTarget) -> Progress {
        let bar = show.then(|| {
            let bar = ProgressBar::with_draw_target(None, target);
            bar.set_style(spinner_style());
            bar.set_message("reading and checking the practice files");
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress {
            bar,
            plain: plain && !show,
            seen: Mutex::new((0, 0)),
        }
    }

    pub fn hidden() -> Progress {
        Progress::new(false, false, ProgressDrawTarget::hidden())
    }

    /// `done` of `total` superbills rendered.
    pub fn update(&self, done: usize, total: usize) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if done <= seen.0 {
            return;
        }
        seen.0 = done;
        if let Some(b) = &self.bar {
            if b.length() != Some(total as u64) {
                b.set_style(bar_style());
                b.set_length(total as u64);
                b.set_message("");
            }
            b.set_position(done as u64);
            if done == total {
                b.set_style(spinner_style());
                b.set_message("writing the exports");
            }
        } else if self.plain && (done >= seen.1 || done == total) {
            // About ten lines a run.
            seen.1 = done + (total / 10).max(1);
            eprintln!("rendered {done}/{total} superbills");
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

fn spinner_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} {msg}").expect("valid template")
}

/// Fits 60 columns: the bar takes what the counts, the rate and the ETA
/// leave. Rate and ETA come from indicatif's estimator, an exponentially
/// weighted average, so they do not swing with each superbill.
fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template("rendering [{wide_bar}] {pos}/{len} {rate} eta {smooth_eta}")
        .expect("valid template")
        .progress_chars("=> ")
        .with_key("rate", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{:.0}/s", s.per_sec());
        })
        .with_key(
            "smooth_eta",
            |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                let secs = s.eta().as_secs();
                let _ = if secs >= 60 {
                    write!(w, "{}m{:02}s", secs / 60, secs % 60)
                } else {
                    write!(w, "{secs}s")
                };
            },
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use indicatif::TermLike;
    use std::sync::{Arc, Mutex};

    /// A 60-column terminal that records every line drawn.
    #[derive(Debug, Clone, Default)]
    struct Narrow {
        drawn: Arc<Mutex<Vec<String>>>,
    }

    impl TermLike for Narrow {
        fn width(&self) -> u16 {
            60
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.write_str(s)
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            if !s.is_empty() {
                self.drawn.lock().unwrap().push(s.to_string());
            }
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_bar_fits_sixty_columns_and_never_goes_back() {
        let term = Narrow::default();
        let p = Progress::new(
            true,
            false,
            ProgressDrawTarget::term_like(Box::new(term.clone())),
        );
        let bar = p.bar.clone().unwrap();
        // The spinner shows before anything renders (while files load):
        // drawn by the steady-tick thread, so wait for its first frame
        // (a condition, not a duration: a loaded machine only delays it).
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        let reading = || {
            term.drawn
                .lock()
                .unwrap()
                .iter()
                .any(|l| l.contains("reading"))
        };
        while !reading() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(reading(), "{:?}", term.drawn.lock().unwrap());
        // From here on every tick draws at once (the target has no rate
        // limit), so what is drawn does not depend on the ticker's timing.
        bar.disable_steady_tick();
        for done in [1, 5, 3, 18_000, 17_999] {
            p.update(done, 18_519);
            bar.tick();
        }
        assert_eq!(
            bar.position(),
            18_000,
            "a late report never moves the bar back"
        );
        let drawn = term.drawn.lock().unwrap().clone();
        let lines: Vec<&String> = drawn.iter().filter(|l| l.contains("rendering")).collect();
        assert!(!lines.is_empty(), "{drawn:?}");
        let mut last = 0;
        for l in &lines {
            let width = l.chars().count(); // no colours in the template
            assert!(width <= 60, "{width} columns: {l:?}");
            assert!(l.contains("/s") && l.contains("eta "), "{l:?}");
            let pos: u64 = l
                .split_whitespace()
                .find_map(|w| w.strip_suffix("/18519"))
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{l:?}"));
            assert!(pos >= last, "drawn {pos} after {last}");
            last = pos;
        }
        assert_eq!(last, 18_000, "{lines:?}");
        p.finish();
    }
}
