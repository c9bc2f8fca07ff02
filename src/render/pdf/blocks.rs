//! Blocks that more than one document draws the same way.

use super::canvas::{Canvas, INK, MUTED, RULE};
use super::fonts::Weight;
use super::rows::{LEFT, RIGHT};

/// One line of a block, with its weight.
pub type Line = (String, Weight);

/// Two labelled blocks side by side (who issued a document, and for
/// whom), each line fitted to its column. Returns the y below the taller
/// block.
pub fn side_by_side(
    c: &mut Canvas,
    top: f32,
    col2: f32,
    labels: [&str; 2],
    left: &[Line],
    right: &[Line],
) -> f32 {
    c.text(LEFT, top, labels[0], Weight::Bold, 8.0, MUTED);
    c.text(col2, top, labels[1], Weight::Bold, 8.0, MUTED);
    for (x, width, lines) in [
        (LEFT, col2 - LEFT - 10.0, left),
        (col2, RIGHT - col2, right),
    ] {
        for (i, (t, w)) in lines.iter().enumerate() {
            c.text_fit(x, top + 14.0 + i as f32 * 12.0, t, width, *w, 9.5, INK);
        }
    }
    top + 14.0 + left.len().max(right.len()) as f32 * 12.0 + 8.0
}

/// A page footer: a rule, whose page it is (fitted to `who_width`, so a
/// loose page can be matched), and "Page N of M".
pub fn footer(c: &mut Canvas, who: &str, who_width: f32, page: usize, total: usize) {
    c.hline(LEFT, RIGHT, 748.0, 0.4, RULE);
    c.text_fit(LEFT, 760.0, who, who_width, Weight::Regular, 7.5, MUTED);
    c.text_right(
        RIGHT,
        760.0,
        &format!("Page {page} of {total}"),
        Weight::Regular,
        7.5,
        MUTED,
    );
}
