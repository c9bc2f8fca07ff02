//! The CMS-1500 layout table (`assets/cms1500.toml`, compiled in): the
//! print grid, where each box's data goes, and the drawn form. Positions
//! are turned into points here and nowhere else.

use serde::Deserialize;
use std::collections::BTreeMap;

pub const SOURCE: &str = include_str!("../../../assets/cms1500.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    pub grid: Grid,
    pub notes: Notes,
    pub fields: BTreeMap<String, Field>,
    pub service_lines: ServiceLines,
    pub form: Drawing,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grid {
    pub left: f32,
    pub top: f32,
    pub pitch: f32,
    pub leading: f32,
    pub size: f32,
    pub baseline: f32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notes {
    pub at: [f32; 2],
    pub step: f32,
    pub size: f32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    #[default]
    Left,
    Right,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub line: f32,
    pub col: f32,
    pub width: usize,
    #[serde(default)]
    pub align: Align,
    #[serde(default)]
    pub check: bool,
    /// A street: abbreviated (USPS) before it is cut to `width`.
    #[serde(default)]
    pub address: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceLines {
    pub count: usize,
    pub first: f32,
    pub step: f32,
    pub fields: BTreeMap<String, Field>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Drawing {
    pub ink: [f32; 3],
    pub shade: [f32; 3],
    pub frame: Frame,
    pub hrules: Vec<[f32; 3]>,
    pub vrules: Vec<[f32; 3]>,
    pub dots: Vec<[f32; 3]>,
    pub shades: Vec<[f32; 4]>,
    pub labels: Vec<Label>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Frame {
    pub x: [f32; 2],
    pub y: [f32; 2],
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Label {
    pub at: [f32; 2],
    pub text: String,
    #[serde(default)]
    pub size: Option<f32>,
    #[serde(default)]
    pub bold: bool,
}

/// A field resolved to the page: its grid cell and how it prints.
#[derive(Debug, Clone, Copy)]
pub struct Placed {
    pub line: f32,
    pub col: f32,
    pub width: usize,
    pub align: Align,
    pub check: bool,
    pub address: bool,
}

impl Layout {
    /// The compiled-in table. It is part of the program, so a broken table
    /// is a bug the tests catch, not a user error.
    pub fn builtin() -> crate::Result<Layout> {
        toml::from_str(SOURCE).map_err(|e| {
            crate::Error::Other(format!("assets/cms1500.toml: {}", e.to_string().trim()))
        })
    }

    /// A field by name: `1a`, `21_A`, or `24.<n>.<field>` for service
    /// line n (1-6).
    pub fn place(&self, name: &str) -> Option<Placed> {
        if let Some(rest) = name.strip_prefix("24.") {
            let (n, field) = rest.split_once('.')?;
            let n: usize = n.parse().ok()?;
            if n == 0 || n > self.service_lines.count {
                return None;
            }
            let f = self.service_lines.fields.get(field)?;
            let line = self.service_lines.first + (n - 1) as f32 * self.service_lines.step + f.line;
            return Some(Placed {
                line,
                col: f.col,
                width: f.width,
                align: f.align,
                check: f.check,
                address: f.address,
            });
        }
        let f = self.fields.get(name)?;
        Some(Placed {
            line: f.line,
            col: f.col,
            width: f.width,
            align: f.align,
            check: f.check,
            address: f.address,
        })
    }

    /// Every field name the table knows, service lines expanded (for the
    /// test page).
    pub fn names(&self) -> Vec<String> {
        let mut out: Vec<String> = self.fields.keys().cloned().collect();
        for n in 1..=self.service_lines.count {
            for f in self.service_lines.fields.keys() {
                out.push(format!("24.{n}.{f}"));
            }
        }
        out
    }

    /// Points from the left edge to grid column `col` (1-based; fractions
    /// and 0 allowed).
    pub fn x(&self, col: f32) -> f32 {
        self.grid.left + (col - 1.0) * self.grid.pitch
    }

    /// Points from the top edge to grid boundary `y` (the bottom of line
    /// `y`).
    pub fn y(&self, boundary: f32) -> f32 {
        self.grid.top + boundary * self.grid.leading
    }

    /// The baseline of data on `line`.
    pub fn baseline(&self, line: f32) -> f32 {
        self.grid.top + (line - 1.0) * self.grid.leading + self.grid.baseline
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_loads_and_its_fields_sit_on_the_page() {
        let l = Layout::builtin().unwrap();
        for name in l.names() {
            let p = l.place(&name).unwrap();
            let right = l.x(p.col + p.width as f32);
            assert!(
                l.x(p.col) >= 0.0 && right <= 612.0,
                "{name} runs off the page"
            );
            assert!(l.baseline(p.line) <= 792.0 - 18.0, "{name} below the page");
        }
        // 12 pt Courier is 10 characters per inch, as the form was designed.
        assert!((l.grid.pitch - 7.2).abs() < 1e-6);
        assert!((l.grid.leading - 12.0).abs() < 1e-6);
        let line6 = l.place("24.6.npi").unwrap();
        assert_eq!(line6.line, 54.0);
        assert!(l.place("24.7.npi").is_none());
        assert!(l.place("24.1.nonsense").is_none());
    }
}
