//! A titled table of text cells with a total line under it, over pages,
//! between the standard margins of a letter page (the year-end statement,
//! the Good Faith Estimate).

use super::canvas::{INK, MUTED, RULE, SHADE};
use super::fonts::Weight;
use super::pager::{Pager, Table};

/// The standard left and right margins, in points.
pub const LEFT: f32 = 50.0;
pub const RIGHT: f32 = 562.0;

const ROW_H: f32 = 15.0;
const HEAD_H: f32 = 16.0;
const SIZE: f32 = 8.5;

/// A column: its header and where it starts (left-aligned) or ends
/// (right-aligned), in points from `LEFT`.
pub struct Col {
    label: &'static str,
    at: f32,
    right: bool,
}

impl Col {
    pub fn left(label: &'static str, at: f32) -> Col {
        Col {
            label,
            at,
            right: false,
        }
    }

    pub fn right(label: &'static str, at: f32) -> Col {
        Col {
            label,
            at,
            right: true,
        }
    }
}

pub struct Rows {
    title: String,
    cols: Vec<Col>,
    rows: Vec<Vec<String>>,
    total: (&'static str, String),
    heights: Vec<f32>,
}

impl Rows {
    pub fn new(
        title: impl Into<String>,
        cols: Vec<Col>,
        rows: Vec<Vec<String>>,
        total: (&'static str, String),
    ) -> Rows {
        let heights = vec![ROW_H; rows.len()];
        Rows {
            title: title.into(),
            cols,
            rows,
            total,
            heights,
        }
    }

    /// The title, the rows (or `empty` when there are none) and the total.
    pub fn draw(&self, p: &mut Pager, empty: &str) {
        p.ensure(20.0 + HEAD_H + ROW_H * 2.0);
        p.c.text_fit(
            LEFT,
            p.y + 12.0,
            &self.title,
            RIGHT - LEFT,
            Weight::Bold,
            11.0,
            INK,
        );
        p.y += 20.0;
        if self.rows.is_empty() {
            if !empty.is_empty() {
                p.c.text(LEFT, p.y + 10.0, empty, Weight::Regular, SIZE, MUTED);
                p.y += ROW_H + 10.0;
            }
            return;
        }
        p.table(self, 0.0, ROW_H + 4.0);
        p.c.hline(LEFT, RIGHT, p.y, 0.8, INK);
        let y = p.y + 11.0;
        p.c.text(LEFT + 4.0, y, self.total.0, Weight::Bold, SIZE, INK);
        p.c.text_right(RIGHT - 4.0, y, &self.total.1, Weight::Bold, SIZE, INK);
        p.y += ROW_H + 16.0;
    }

    /// The room a cell has: to the next column's start (or its right
    /// edge), less a gap.
    fn room(&self, i: usize) -> f32 {
        let here = &self.cols[i];
        let next =
            self.cols
                .get(i + 1)
                .map_or(RIGHT - LEFT, |c| if c.right { c.at - 30.0 } else { c.at });
        (next - here.at - 8.0).max(20.0)
    }
}

impl Table for Rows {
    fn header_height(&self) -> f32 {
        HEAD_H
    }

    fn heights(&self) -> &[f32] {
        &self.heights
    }

    fn draw_header(&self, p: &mut Pager) {
        p.c.rect(LEFT, p.y, RIGHT - LEFT, HEAD_H, SHADE);
        for c in &self.cols {
            let y = p.y + 11.0;
            if c.right {
                p.c.text_right(LEFT + c.at - 4.0, y, c.label, Weight::Bold, 8.0, INK);
            } else {
                p.c.text(LEFT + c.at + 4.0, y, c.label, Weight::Bold, 8.0, INK);
            }
        }
        p.y += HEAD_H;
    }

    fn draw_row(&self, p: &mut Pager, i: usize) {
        let y = p.y + 10.5;
        for (k, (c, text)) in self.cols.iter().zip(&self.rows[i]).enumerate() {
            if c.right {
                p.c.text_right(LEFT + c.at - 4.0, y, text, Weight::Regular, SIZE, INK);
            } else {
                let room = self.room(k);
                p.c.text_fit(LEFT + c.at + 4.0, y, text, room, Weight::Regular, SIZE, INK);
            }
        }
        p.c.hline(LEFT, RIGHT, p.y + ROW_H, 0.3, RULE);
        p.y += ROW_H;
    }
}
