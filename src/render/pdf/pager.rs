//! Flowing content down pages: a top-down cursor over a [`Canvas`], page
//! breaks that draw the document's running header, tables whose header
//! repeats on every page, and a footer stamped on every page once the page
//! count is known ("Page N of M").

use super::canvas::Canvas;
use super::content::Content;
use super::fonts::{FontMode, FontSet};

/// Where content may go on a page, in points from the top.
#[derive(Clone, Copy, Debug)]
pub struct Frame {
    /// Where content starts on the first page.
    pub top: f32,
    /// Lowest point content may reach; the footer lives below.
    pub bottom: f32,
    /// Where content starts on a continuation page, below the running
    /// header.
    pub cont_top: f32,
}

/// Draws a document's running header on a continuation page.
pub type RunningHeader<'a> = Box<dyn Fn(&mut Canvas) + 'a>;

/// A canvas plus the pages finished so far and a top-down cursor `y`.
pub struct Pager<'a> {
    pub c: Canvas<'a>,
    pub y: f32,
    frame: Frame,
    pages: Vec<Content>,
    header: RunningHeader<'a>,
}

impl<'a> Pager<'a> {
    /// A pager whose continuation pages start with `header`.
    pub fn new(
        fonts: &'a FontSet,
        mode: FontMode,
        frame: Frame,
        header: impl Fn(&mut Canvas) + 'a,
    ) -> Pager<'a> {
        Pager {
            c: Canvas::new(fonts, mode),
            y: frame.top,
            frame,
            pages: Vec::new(),
            header: Box::new(header),
        }
    }

    /// A pager on one endless page starting at y = 0: drawing a block on
    /// it measures the block's height (`y` afterwards).
    pub fn measuring(fonts: &'a FontSet, mode: FontMode) -> Pager<'a> {
        let frame = Frame {
            top: 0.0,
            bottom: f32::INFINITY,
            cont_top: 0.0,
        };
        Pager::new(fonts, mode, frame, |_| {})
    }

    pub fn frame(&self) -> Frame {
        self.frame
    }

    /// Ends the page and starts a continuation page with the running
    /// header.
    pub fn break_page(&mut self) {
        let page = self.c.take();
        self.pages.push(page);
        (self.header)(&mut self.c);
        self.y = self.frame.cont_top;
    }

    /// Starts a new page unless `h` points still fit on this one.
    pub fn ensure(&mut self, h: f32) {
        if self.y + h > self.frame.bottom {
            self.break_page();
        }
    }

    /// Draws `table` from the cursor on, over as many pages as it takes,
    /// its header repeated at the top of each page; then moves down `gap`.
    /// The block drawn after it (`tail_h` high, measured with
    /// [`Pager::measuring`]) must share its page with at least one row, so
    /// a table never ends at the bottom of a page with its totals alone on
    /// the next one.
    pub fn table(&mut self, table: &dyn Table, gap: f32, tail_h: f32) {
        let plan = paginate(
            table.heights(),
            self.y,
            table.header_height(),
            gap,
            tail_h,
            self.frame,
        );
        for (k, rows) in plan.iter().enumerate() {
            if k > 0 {
                self.break_page();
            }
            if !rows.is_empty() {
                table.draw_header(self);
                for &i in rows {
                    table.draw_row(self, i);
                }
            }
        }
        self.y += gap;
    }

    /// Ends the last page and stamps `footer(canvas, page, pages)` on every
    /// page; returns the content of each page.
    pub fn finish(mut self, footer: impl Fn(&mut Canvas, usize, usize)) -> Vec<Content> {
        let page = self.c.take();
        self.pages.push(page);
        let (fonts, mode) = (self.c.fonts, self.c.mode);
        let total = self.pages.len();
        for (i, page) in self.pages.iter_mut().enumerate() {
            // A fresh canvas: the page's own text state is unknown here.
            let mut c = Canvas::new(fonts, mode);
            footer(&mut c, i + 1, total);
            page.append(c.take());
        }
        self.pages
    }
}

/// A table drawn by [`Pager::table`]: rows of known heights, measured
/// before drawing so they can be planned onto pages.
pub trait Table {
    fn header_height(&self) -> f32;
    /// The height of each row, in drawing order.
    fn heights(&self) -> &[f32];
    /// Draws the header at `p.y` and moves the cursor below it.
    fn draw_header(&self, p: &mut Pager);
    /// Draws row `i` at `p.y` and moves the cursor below it.
    fn draw_row(&self, p: &mut Pager, i: usize);
}

/// Assigns table rows to pages. `first_y` is where the table starts on the
/// first page. The tail (`gap` + `tail_h`) must follow at least one row on
/// the last page, so when it does not fit, the last row moves with it.
pub fn paginate(
    heights: &[f32],
    first_y: f32,
    header_h: f32,
    gap: f32,
    tail_h: f32,
    frame: Frame,
) -> Vec<Vec<usize>> {
    let mut plan: Vec<Vec<usize>> = Vec::new();
    let mut page: Vec<usize> = Vec::new();
    let mut y = first_y + header_h;
    for (i, &h) in heights.iter().enumerate() {
        // A row taller than a whole page goes on its page anyway.
        let stuck = page.is_empty() && !plan.is_empty();
        if y + h > frame.bottom && !stuck {
            plan.push(std::mem::take(&mut page));
            y = frame.cont_top + header_h;
        }
        page.push(i);
        y += h;
    }
    if y + gap + tail_h > frame.bottom && !heights.is_empty() {
        let last = page.pop();
        plan.push(std::mem::take(&mut page));
        page.extend(last);
    }
    plan.push(page);
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAME: Frame = Frame {
        top: 36.0,
        bottom: 737.0,
        cont_top: 64.0,
    };

    #[test]
    fn rows_fill_pages_and_the_tail_keeps_a_row() {
        let heights = vec![20.0; 60];
        let plan = paginate(&heights, 400.0, 15.0, 10.0, 250.0, FRAME);
        let flat: Vec<usize> = plan.iter().flatten().copied().collect();
        assert_eq!(flat, (0..60).collect::<Vec<_>>());
        assert!(plan.len() >= 3);
        assert!(!plan.last().unwrap().is_empty());
    }

    #[test]
    fn short_table_stays_on_one_page() {
        let plan = paginate(&[14.0; 8], 330.0, 15.0, 10.0, 250.0, FRAME);
        assert_eq!(plan.len(), 1);
    }

    #[test]
    fn tail_that_does_not_fit_takes_the_last_row_along() {
        // 10 rows of 20 from y=400 end at 615; a 150-point tail does not fit
        // below (615 + 10 + 150 > 737), so row 9 moves to page 2.
        let plan = paginate(&[20.0; 10], 400.0, 15.0, 10.0, 150.0, FRAME);
        assert_eq!(plan, vec![(0..9).collect::<Vec<_>>(), vec![9]]);
    }
}
