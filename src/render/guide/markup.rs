//! The little structure a guide template's text carries: `# ` the page
//! title, `## ` a heading, `- ` (or `* `) an item of a list, anything else
//! a paragraph. A blank line ends a paragraph or an item; a line that is
//! not blank continues it. Runs of spaces collapse, so a template may wrap
//! its lines anywhere.

/// One block of the guide, in reading order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Title(String),
    Heading(String),
    Para(String),
    Item(String),
}

impl Block {
    pub fn text(&self) -> &str {
        match self {
            Block::Title(t) | Block::Heading(t) | Block::Para(t) | Block::Item(t) => t,
        }
    }
}

/// The blocks of rendered template text.
pub fn parse(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    // The block being gathered: a paragraph or an item, whose lines join.
    let mut open: Option<Block> = None;
    let close = |open: &mut Option<Block>, out: &mut Vec<Block>| {
        if let Some(b) = open.take() {
            if !b.text().is_empty() {
                out.push(b);
            }
        }
    };
    for raw in text.replace('\r', "").lines() {
        let line = collapse(raw);
        if line.is_empty() {
            close(&mut open, &mut out);
        } else if let Some(t) = line.strip_prefix("## ") {
            close(&mut open, &mut out);
            out.push(Block::Heading(t.trim().to_string()));
        } else if let Some(t) = line.strip_prefix("# ") {
            close(&mut open, &mut out);
            out.push(Block::Title(t.trim().to_string()));
        } else if let Some(t) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) {
            close(&mut open, &mut out);
            open = Some(Block::Item(t.trim().to_string()));
        } else {
            open = Some(match open.take() {
                Some(Block::Item(t)) => Block::Item(join(&t, &line)),
                Some(Block::Para(t)) => Block::Para(join(&t, &line)),
                _ => Block::Para(line),
            });
        }
    }
    close(&mut open, &mut out);
    out
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn join(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a} {b}")
    }
}

#[cfg(test)]
mod tests {
    use super::Block::*;
    use super::*;

    #[test]
    fn titles_headings_items_and_paragraphs() {
        let text = "\n# Title\n\n## What it is\nOne paragraph\n  over two lines.\n\nA second.\n\
                    ## Attach\n- first item\n  continued\n- second\n* third\n\nAfter the list.\n";
        assert_eq!(
            parse(text),
            vec![
                Title("Title".into()),
                Heading("What it is".into()),
                Para("One paragraph over two lines.".into()),
                Para("A second.".into()),
                Heading("Attach".into()),
                Item("first item continued".into()),
                Item("second".into()),
                Item("third".into()),
                Para("After the list.".into()),
            ]
        );
    }

    #[test]
    fn a_hash_inside_a_line_or_without_a_space_is_text() {
        assert_eq!(
            parse("Call #2 first.\n#hashtag\n-5 degrees"),
            vec![Para("Call #2 first. #hashtag -5 degrees".into())]
        );
    }

    #[test]
    fn windows_line_ends_and_empty_text() {
        assert_eq!(
            parse("## A\r\nb\r\n\r\nc"),
            vec![Heading("A".into()), Para("b".into()), Para("c".into())]
        );
        assert!(parse(" \n\n").is_empty());
    }
}
