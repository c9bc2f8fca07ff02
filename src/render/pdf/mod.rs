//! The document-neutral PDF layer every document draws with.
//!
//! - [`content`]: page content streams written as PDF operators into
//!   bytes (numbers, WinAnsi text, glyph ids), with what each page uses;
//! - [`canvas`]: text at absolute positions (measured from the top of a US
//!   Letter page), fitted or wrapped text, lines, rectangles, images;
//! - [`fonts`]: regular and bold faces chosen per text, the built-in
//!   Helvetica when all text is WinAnsi, an embedded subset otherwise;
//! - [`glyphs`]: the text a document will draw, from its own data, for the
//!   font decision and the glyph check;
//! - [`pager`]: content flowing down pages, a running header on
//!   continuation pages, tables over pages, "Page N of M" footers;
//! - [`blocks`]: side-by-side party blocks and the page footer that
//!   several documents share;
//! - [`image`]: PNGs prepared once as image XObjects;
//! - [`flate`]: stream compression, each stream once, at a measured level;
//! - [`assemble`]: pages into PDF bytes, deterministically (fixed resource
//!   ids, dates from the document, trailer /ID from the document's id).
//!
//! Nothing here knows what a superbill is.

pub mod assemble;
pub mod blocks;
pub mod canvas;
pub mod content;
pub mod flate;
pub mod fonts;
pub mod glyphs;
pub mod image;
pub mod pager;
pub mod rows;
pub mod save;
