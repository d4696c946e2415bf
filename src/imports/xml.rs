//! Reading a large XML file one record at a time: every element at a chosen
//! depth (for WordPress, each child of `<channel>`) comes out as a small
//! tree, so memory holds one record whatever the size of the file.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// An element with its text and children.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Node {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Node>,
}

impl Node {
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The text of the first child so named, trimmed ("" when there is none).
    pub fn text_of(&self, name: &str) -> &str {
        self.child(name).map(|c| c.text.trim()).unwrap_or("")
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Calls `each` with every element `depth` levels down (the root is level
/// 1), in file order; `each` returns false to stop early. `position` follows
/// the bytes read. A malformed or cut-short file is an error naming the line.
pub fn records(
    file: &Path,
    depth: usize,
    position: &AtomicU64,
    mut each: impl FnMut(Node) -> bool,
) -> anyhow::Result<()> {
    let mut reader = Reader::from_reader(BufReader::with_capacity(1 << 16, File::open(file)?));
    reader.config_mut().check_end_names = true;
    let mut buf = Vec::new();
    let mut open: Vec<String> = Vec::new();
    let mut building: Vec<Node> = Vec::new();
    let fault = |at: u64, reason: String| {
        let (line, column) = line_and_column(file, at).unwrap_or((0, 0));
        anyhow::anyhow!("{}, line {line}, column {column}: {reason}", file.display())
    };
    loop {
        let event = match reader.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(err) => return Err(fault(reader.error_position(), err.to_string())),
        };
        match event {
            Event::Start(start) => {
                open.push(name_of(&start));
                if open.len() >= depth {
                    let node = node_of(&start).map_err(|e| fault(reader.buffer_position(), e))?;
                    building.push(node);
                }
            }
            Event::Empty(start) if open.len() + 1 >= depth => {
                let node = node_of(&start).map_err(|e| fault(reader.buffer_position(), e))?;
                match building.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None if !each(node) => return Ok(()),
                    None => {}
                }
            }
            Event::End(_) => {
                if open.len() >= depth
                    && let Some(node) = building.pop()
                {
                    match building.last_mut() {
                        Some(parent) => parent.children.push(node),
                        None if !each(node) => return Ok(()),
                        None => {}
                    }
                }
                open.pop();
            }
            Event::Text(text) => {
                if let Some(node) = building.last_mut() {
                    node.text.push_str(&text.xml10_content());
                }
            }
            Event::CData(text) => {
                if let Some(node) = building.last_mut() {
                    node.text.push_str(&text.xml10_content());
                }
            }
            Event::GeneralRef(reference) => {
                let resolved = if reference.is_char_ref() {
                    reference.resolve_char_ref().ok().flatten()
                } else {
                    match &*reference.xml10_content() {
                        "amp" => Some('&'),
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        _ => None,
                    }
                };
                let Some(c) = resolved else {
                    let name = reference.xml10_content().into_owned();
                    return Err(fault(
                        reader.buffer_position(),
                        format!("&{name}; is not an XML entity"),
                    ));
                };
                if let Some(node) = building.last_mut() {
                    node.text.push(c);
                }
            }
            Event::Eof => {
                if let Some(inside) = open.last() {
                    return Err(fault(
                        reader.buffer_position(),
                        format!("the file ends inside <{inside}>: it looks cut short"),
                    ));
                }
                return Ok(());
            }
            _ => {}
        }
        position.store(reader.buffer_position(), Ordering::Relaxed);
        buf.clear();
    }
}

fn name_of(start: &BytesStart<'_>) -> String {
    start.name().as_ref().to_owned()
}

fn node_of(start: &BytesStart<'_>) -> Result<Node, String> {
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| e.to_string())?;
        let value = attr
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| e.to_string())?;
        attrs.push((attr.key.as_ref().to_owned(), value.into_owned()));
    }
    Ok(Node {
        name: name_of(start),
        attrs,
        ..Node::default()
    })
}

/// Line and column (from 1) of a byte offset, read again from the file.
fn line_and_column(file: &Path, at: u64) -> std::io::Result<(u64, u64)> {
    let mut reader = BufReader::new(File::open(file)?).take(at);
    let (mut line, mut column) = (1, 1);
    loop {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            return Ok((line, column));
        }
        for &byte in chunk {
            if byte == b'\n' {
                line += 1;
                column = 1;
            } else if byte & 0xC0 != 0x80 {
                column += 1;
            }
        }
        let used = chunk.len();
        reader.consume(used);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(xml: &str) -> anyhow::Result<Vec<Node>> {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.xml");
        std::fs::write(&file, xml).unwrap();
        let mut found = Vec::new();
        records(&file, 3, &AtomicU64::new(0), |node| {
            found.push(node);
            true
        })?;
        Ok(found)
    }

    #[test]
    fn records_come_out_whole_with_text_cdata_and_entities() {
        let nodes = read(
            "<rss><channel><title>A &amp; B</title><item><wp:id>1</wp:id>\n<c><![CDATA[<p>x</p>]]></c><e a=\"1&lt;2\"/></item></channel></rss>",
        )
        .unwrap();
        assert_eq!(nodes.len(), 2);
        assert_eq!(nodes[0].text, "A & B");
        assert_eq!(nodes[1].text_of("wp:id"), "1");
        assert_eq!(nodes[1].text_of("c"), "<p>x</p>");
        assert_eq!(nodes[1].child("e").and_then(|e| e.attr("a")), Some("1<2"));
    }

    #[test]
    fn a_cut_short_or_broken_file_names_the_line() {
        let err = read("<rss><channel>\n<item><title>x</title>\n<wp:id>1").unwrap_err();
        assert!(err.to_string().contains("cut short"), "{err}");
        let err = read("<rss><channel>\n<item><title>x</wrong>\n</item></channel></rss>").unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }
}
