//! Bodies written as HTML elsewhere, turned into the Markdown our editors
//! write. Pictures are lifted out of the text: here a picture stands between
//! top-level blocks as a figure, so each one found is returned with the
//! number of blocks before it. Comments get plain text instead.

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts};

/// A picture found in a body, and where it stands.
#[derive(Clone, Debug, PartialEq)]
pub struct FoundPicture {
    pub src: String,
    pub alt: String,
    pub caption: String,
    /// Top-level blocks before it (0: above the body, the lead picture).
    pub after: i64,
}

#[derive(Debug, Default)]
pub struct Converted {
    pub markdown: String,
    pub pictures: Vec<FoundPicture>,
    /// The ids of the footnotes the text marks (WordPress's `data-fn`), in
    /// order: the first is `[^1]` in the Markdown. Their notes are the caller's to add.
    pub footnotes: Vec<String>,
    /// What could not be carried over, for the import summary.
    pub dropped: Vec<String>,
}

/// How the source wrote its paragraphs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Breaks {
    /// HTML as browsers read it: whitespace is collapsed.
    Html,
    /// WordPress keeps bodies without `<p>`: a blank line ends a paragraph
    /// and a single newline is a line break.
    WordPress,
}

/// HTML → Markdown and the pictures in it.
pub fn to_markdown(html: &str, breaks: Breaks) -> Converted {
    let mut writer = Writer::new(breaks);
    for piece in tokenize(html) {
        writer.piece(piece);
    }
    writer.finish()
}

/// HTML → plain text with blank lines between paragraphs (comments are plain text here).
pub fn to_text(html: &str, breaks: Breaks) -> String {
    let mut out = String::new();
    let mut link: Option<(String, usize)> = None;
    let mut skip = 0usize;
    for piece in tokenize(html) {
        match piece {
            Piece::Open(name, attrs) => match name.as_str() {
                "br" => out.push('\n'),
                "a" => link = attr(&attrs, "href").map(|href| (href.to_owned(), out.len())),
                n if SKIPPED.contains(&n) => skip += 1,
                n if is_block(n) => out.push_str("\n\n"),
                _ => {}
            },
            Piece::Close(name) => match name.as_str() {
                "a" => {
                    if let Some((href, start)) = link.take() {
                        let text = out[start..].trim();
                        if !href.is_empty() && text != href && !text.is_empty() && href.starts_with("http") {
                            out.push_str(&format!(" ({href})"));
                        }
                    }
                }
                n if SKIPPED.contains(&n) => skip = skip.saturating_sub(1),
                n if is_block(n) => out.push_str("\n\n"),
                _ => {}
            },
            Piece::Text(text) if skip == 0 => match breaks {
                Breaks::WordPress => out.push_str(&text.replace("\r\n", "\n")),
                Breaks::Html => out.push_str(&collapse(&text)),
            },
            Piece::Text(_) => {}
        }
    }
    let mut text = String::new();
    for paragraph in out.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        let lines: Vec<&str> = paragraph.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        text.push_str(&lines.join("\n"));
    }
    text
}

/// Splits a caption like "Ruins in Kharkiv. Photograph: Jane Roe/Agency" into caption and credit.
pub fn split_credit(caption: &str) -> (String, String) {
    const MARKS: &[&str] = &["photograph:", "photo:", "picture:", "credit:", "image:", "©"];
    let lower = caption.to_lowercase();
    let found = MARKS
        .iter()
        .filter_map(|mark| lower.rfind(mark).map(|at| (at, mark.len())))
        .max_by_key(|(at, _)| *at);
    match found {
        // `to_lowercase` can change byte lengths outside ASCII; only cut where it lines up.
        Some((at, len)) if lower.len() == caption.len() && caption.is_char_boundary(at) => {
            let credit = caption[at + len..].trim().trim_end_matches(')').trim();
            let text = caption[..at].trim().trim_end_matches('(').trim();
            (text.to_owned(), credit.to_owned())
        }
        _ => (caption.trim().to_owned(), String::new()),
    }
}

#[derive(Debug, PartialEq)]
enum Piece {
    Open(String, Vec<(String, String)>),
    Close(String),
    Text(String),
}

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
];
const SKIPPED: &[&str] = &[
    "script", "style", "noscript", "template", "head", "title", "select", "textarea",
];

/// Elements that only end one paragraph and start another.
const FLOW: &[&str] = &[
    "p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "center", "address", "details",
    "summary", "dl", "dt", "dd", "form", "fieldset",
];

fn is_block(name: &str) -> bool {
    FLOW.contains(&name)
        || matches!(
            name,
            "figure"
                | "figcaption"
                | "h1"
                | "h2"
                | "h3"
                | "h4"
                | "h5"
                | "h6"
                | "blockquote"
                | "ul"
                | "ol"
                | "li"
                | "pre"
                | "table"
                | "tr"
                | "hr"
        )
}

fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

#[derive(Default)]
struct Collect(RefCell<Vec<Piece>>);

impl TokenSink for Collect {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut pieces = self.0.borrow_mut();
        match token {
            Token::TagToken(tag) => {
                let name = tag.name.to_string();
                match tag.kind {
                    TagKind::StartTag => {
                        let attrs = tag
                            .attrs
                            .iter()
                            .map(|a| (a.name.local.to_string(), a.value.to_string()))
                            .collect();
                        pieces.push(Piece::Open(name.clone(), attrs));
                        if VOID.contains(&name.as_str()) {
                            pieces.push(Piece::Close(name.clone()));
                        }
                        match name.as_str() {
                            "script" => return TokenSinkResult::RawData(RawKind::ScriptData),
                            "style" | "noscript" | "template" => return TokenSinkResult::RawData(RawKind::Rawtext),
                            "textarea" | "title" => return TokenSinkResult::RawData(RawKind::Rcdata),
                            _ => {}
                        }
                    }
                    TagKind::EndTag if !VOID.contains(&name.as_str()) => pieces.push(Piece::Close(name)),
                    TagKind::EndTag => {}
                }
            }
            Token::CharacterTokens(text) => match pieces.last_mut() {
                Some(Piece::Text(previous)) => previous.push_str(&text),
                _ => pieces.push(Piece::Text(text.to_string())),
            },
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

fn tokenize(html: &str) -> Vec<Piece> {
    let tokenizer = Tokenizer::new(Collect::default(), TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.0.take()
}

/// Runs of whitespace become one space.
fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = true;
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    if space {
        out.push(' ');
    }
    out
}

/// Characters that mean something in Markdown wherever they stand.
fn escape_inline(text: &str, out: &mut String) {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' | '*' | '_' | '`' | '[' | ']' | '<' | '~' => {
                out.push('\\');
                out.push(c);
            }
            // "&amp;" written out would be read back as "&".
            '&' if chars.peek().is_some_and(|n| n.is_ascii_alphanumeric() || *n == '#') => out.push_str("\\&"),
            _ => out.push(c),
        }
    }
}

/// Characters that mean something at the start of a line: "1986. A year" is not a list.
fn escape_line_start(line: &str) -> String {
    let trimmed = line.trim_start();
    let digits = trimmed.chars().take_while(char::is_ascii_digit).count();
    let after_digits = &trimmed[digits..];
    if digits > 0 && (after_digits.starts_with(". ") || after_digits.starts_with(") ") || after_digits == ".") {
        return format!("{}\\{}", &trimmed[..digits], after_digits);
    }
    let first = trimmed.chars().next();
    let second = trimmed.chars().nth(1);
    match (first, second) {
        (Some('#' | '>'), _) | (Some('-' | '+' | '='), Some(' ') | None) => format!("\\{trimmed}"),
        _ => trimmed.to_owned(),
    }
}

#[derive(Debug)]
enum Kind {
    Document,
    Quote,
    List { ordered: bool, start: u64 },
    Item,
}

struct Container {
    kind: Kind,
    blocks: Vec<String>,
}

/// A link, emphasis or the like that is open in the current paragraph.
struct Mark {
    tag: String,
    close: String,
    /// The opening text is written only when the first visible character
    /// follows, so "<b> word</b>" does not become "** word**".
    opened: bool,
    open: String,
}

struct Figure {
    first_picture: usize,
    caption: Option<String>,
}

struct Writer {
    breaks: Breaks,
    stack: Vec<Container>,
    inline: String,
    heading: Option<usize>,
    marks: Vec<Mark>,
    pre: Option<String>,
    table: Option<(usize, String)>,
    figure: Option<Figure>,
    /// Inside an embed's figure: its address so far.
    embed: Option<String>,
    /// Inside a footnote's marker, whose own text is replaced.
    footnote: bool,
    skip: usize,
    code: usize,
    /// Pictures waiting for the block they stand in to end.
    waiting: Vec<usize>,
    out: Converted,
}

impl Writer {
    fn new(breaks: Breaks) -> Self {
        Self {
            breaks,
            stack: vec![Container {
                kind: Kind::Document,
                blocks: Vec::new(),
            }],
            inline: String::new(),
            heading: None,
            marks: Vec::new(),
            pre: None,
            table: None,
            figure: None,
            embed: None,
            footnote: false,
            skip: 0,
            code: 0,
            waiting: Vec::new(),
            out: Converted::default(),
        }
    }

    fn piece(&mut self, piece: Piece) {
        if self.footnote {
            if matches!(&piece, Piece::Close(name) if name == "sup") {
                self.footnote = false;
            }
            return;
        }
        if let Some(address) = &mut self.embed {
            match &piece {
                Piece::Text(text) => address.push_str(text),
                Piece::Open(name, _) if name == "figcaption" => self.end_embed(),
                Piece::Close(name) if name == "figure" => {
                    self.end_embed();
                    self.close(name);
                }
                _ => {}
            }
            return;
        }
        if let Some((depth, html)) = &mut self.table {
            match &piece {
                Piece::Open(name, attrs) => {
                    if name == "table" {
                        *depth += 1;
                    }
                    html.push('<');
                    html.push_str(name);
                    for (key, value) in attrs {
                        if matches!(key.as_str(), "colspan" | "rowspan" | "scope") {
                            html.push_str(&format!(" {key}=\"{}\"", crate::web::html::escape(value)));
                        }
                    }
                    html.push('>');
                }
                Piece::Close(name) => {
                    if !VOID.contains(&name.as_str()) {
                        html.push_str(&format!("</{name}>"));
                    }
                    if name == "table" {
                        *depth -= 1;
                        if *depth == 0 {
                            let (_, html) = self.table.take().unwrap_or_default();
                            self.push_block(html);
                        }
                    }
                }
                Piece::Text(text) => html.push_str(&crate::web::html::escape(&collapse(text))),
            }
            return;
        }
        if let Some(pre) = &mut self.pre {
            match piece {
                Piece::Text(text) => pre.push_str(&text),
                Piece::Open(name, _) if name == "br" => pre.push('\n'),
                Piece::Close(name) if name == "pre" => {
                    let text = self.pre.take().unwrap_or_default();
                    let text = text.strip_prefix('\n').unwrap_or(&text).trim_end();
                    let fence = if text.contains("```") { "~~~~" } else { "```" };
                    self.push_block(format!("{fence}\n{text}\n{fence}"));
                }
                _ => {}
            }
            return;
        }
        match piece {
            Piece::Open(name, attrs) => self.open(&name, &attrs),
            Piece::Close(name) => self.close(&name),
            Piece::Text(text) if self.skip == 0 => self.text(&text),
            Piece::Text(_) => {}
        }
    }

    fn open(&mut self, name: &str, attrs: &[(String, String)]) {
        if SKIPPED.contains(&name) {
            self.skip += 1;
            if matches!(name, "script" | "select" | "textarea") {
                self.out.dropped.push(format!("<{name}>"));
            }
            return;
        }
        if self.skip > 0 {
            return;
        }
        match name {
            n if FLOW.contains(&n) => self.flush(),
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                self.flush();
                let level: usize = name[1..].parse().unwrap_or(2);
                self.heading = Some(level.max(2));
            }
            "blockquote" => self.push_container(Kind::Quote),
            "ul" | "ol" => {
                let start = attr(attrs, "start").and_then(|s| s.parse().ok()).unwrap_or(1);
                self.push_container(Kind::List {
                    ordered: name == "ol",
                    start,
                });
            }
            "li" => {
                if matches!(self.top().kind, Kind::Item) {
                    self.pop_container();
                }
                if !matches!(self.top().kind, Kind::List { .. }) {
                    self.push_container(Kind::List {
                        ordered: false,
                        start: 1,
                    });
                }
                self.push_container(Kind::Item);
            }
            "pre" => {
                self.flush();
                self.pre = Some(String::new());
            }
            "table" => {
                self.flush();
                self.table = Some((1, "<table>".to_owned()));
            }
            "hr" => {
                self.flush();
                self.push_block("---".to_owned());
            }
            "br" if !self.inline.trim().is_empty() => self.inline.push_str("\\\n"),
            "strong" | "b" => self.mark(name, "**", "**"),
            "em" | "i" | "cite" => self.mark(name, "*", "*"),
            "s" | "del" | "strike" => self.mark(name, "~~", "~~"),
            "sup" if attr(attrs, "data-fn").is_some_and(|id| !id.is_empty()) => {
                let id = attr(attrs, "data-fn").unwrap_or_default().to_owned();
                let number = match self.out.footnotes.iter().position(|f| *f == id) {
                    Some(at) => at + 1,
                    None => {
                        self.out.footnotes.push(id);
                        self.out.footnotes.len()
                    }
                };
                self.write_visible(&format!("[^{number}]"));
                self.footnote = true;
            }
            "sup" | "sub" => self.mark(name, &format!("<{name}>"), &format!("</{name}>")),
            "code" | "kbd" | "samp" => {
                self.mark(name, "`", "`");
                self.code += 1;
            }
            "a" => match attr(attrs, "href").map(str::trim) {
                Some(href) if is_safe_link(href) => self.mark("a", "[", &format!("]({})", link_target(href))),
                _ => self.mark("a", "", ""),
            },
            "img" => {
                let src = attr(attrs, "src")
                    .filter(|s| !s.starts_with("data:"))
                    .or_else(|| attr(attrs, "data-src"))
                    .unwrap_or("")
                    .trim();
                if src.is_empty() {
                    self.out.dropped.push("a picture without an address".into());
                    return;
                }
                self.picture(src, attr(attrs, "alt").unwrap_or("").trim());
            }
            "figure" if attr(attrs, "class").is_some_and(|c| c.contains("wp-block-embed")) => {
                self.flush();
                self.embed = Some(String::new());
            }
            "figure" => {
                self.flush();
                self.figure = Some(Figure {
                    first_picture: self.out.pictures.len(),
                    caption: None,
                });
            }
            "figcaption" => match &mut self.figure {
                Some(figure) if figure.first_picture < self.out.pictures.len() => figure.caption = Some(String::new()),
                _ => self.flush(),
            },
            "iframe" | "video" | "audio" | "embed" | "source" => {
                let src = attr(attrs, "src").unwrap_or("").trim();
                if let Some(embed) = crate::articles::embeds::recognise(src) {
                    self.flush();
                    self.push_block(format!("<{}>", embed.page));
                } else if is_safe_link(src) && src.starts_with("http") {
                    self.flush();
                    let host = src.split('/').nth(2).unwrap_or(src);
                    let mut text = String::new();
                    escape_inline(&format!("Embedded from {host}"), &mut text);
                    self.push_block(format!("[{text}]({})", link_target(src)));
                } else if name != "source" {
                    self.out.dropped.push(format!("<{name}> without an address"));
                }
            }
            "input" | "button" | "object" | "canvas" | "svg" => self.out.dropped.push(format!("<{name}>")),
            _ => {}
        }
    }

    fn close(&mut self, name: &str) {
        if SKIPPED.contains(&name) {
            self.skip = self.skip.saturating_sub(1);
            return;
        }
        if self.skip > 0 {
            return;
        }
        match name {
            n if FLOW.contains(&n) => self.flush(),
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => self.flush(),
            "blockquote" => self.close_container(|k| matches!(k, Kind::Quote)),
            "ul" | "ol" => self.close_container(|k| matches!(k, Kind::List { .. })),
            "li" => {
                if matches!(self.top().kind, Kind::Item) {
                    self.pop_container();
                }
            }
            "strong" | "b" | "em" | "i" | "cite" | "s" | "del" | "strike" | "sup" | "sub" | "a" => {
                self.unmark(name);
            }
            "code" | "kbd" | "samp" => {
                self.code = self.code.saturating_sub(1);
                self.unmark(name);
            }
            "figcaption" => {
                let caption = self.figure.as_mut().and_then(|f| f.caption.take());
                match (caption, &self.figure) {
                    (Some(caption), Some(figure)) => {
                        let caption = collapse(&caption).trim().to_owned();
                        for picture in &mut self.out.pictures[figure.first_picture..] {
                            picture.caption = caption.clone();
                        }
                        // Keep collecting nothing more into the caption.
                        if let Some(figure) = &mut self.figure {
                            figure.caption = None;
                        }
                    }
                    _ => self.flush(),
                }
            }
            "figure" => {
                self.flush();
                self.figure = None;
            }
            _ => {}
        }
    }

    fn text(&mut self, text: &str) {
        if let Some(caption) = self.figure.as_mut().and_then(|f| f.caption.as_mut()) {
            caption.push_str(text);
            return;
        }
        if self.code > 0 {
            self.write_visible(&collapse(text));
            return;
        }
        match self.breaks {
            Breaks::Html => {
                let mut collapsed = collapse(text);
                if self.inline.is_empty() || self.inline.ends_with([' ', '\n']) {
                    collapsed = collapsed.trim_start().to_owned();
                }
                let mut escaped = String::new();
                escape_inline(&collapsed, &mut escaped);
                self.write_visible(&escaped);
            }
            Breaks::WordPress => {
                let text = text.replace("\r\n", "\n");
                for (n, paragraph) in text.split("\n\n").enumerate() {
                    if n > 0 {
                        self.flush();
                    }
                    for (i, line) in paragraph.split('\n').enumerate() {
                        if i > 0 && !self.inline.trim().is_empty() && self.heading.is_none() {
                            self.inline.push_str("\\\n");
                        }
                        let mut line = collapse(line);
                        if self.inline.is_empty() || self.inline.ends_with([' ', '\n']) {
                            line = line.trim_start().to_owned();
                        }
                        let mut escaped = String::new();
                        escape_inline(&line, &mut escaped);
                        self.write_visible(&escaped);
                    }
                }
            }
        }
    }

    /// Ends an embed's figure: its address alone in a paragraph (the form
    /// bodies here show as an embed), or its text when it holds no address.
    fn end_embed(&mut self) {
        let Some(address) = self.embed.take() else { return };
        let address = address.trim();
        if address.is_empty() {
            return;
        }
        if is_safe_link(address) && address.starts_with("http") && !address.contains([' ', '<', '>']) {
            self.push_block(format!("<{address}>"));
        } else {
            self.text(address);
            self.flush();
        }
    }

    /// Writes text, first opening the marks waiting for a visible character.
    fn write_visible(&mut self, text: &str) {
        let visible = text.trim_start();
        if visible.is_empty() {
            self.inline.push_str(text);
            return;
        }
        self.inline.push_str(&text[..text.len() - visible.len()]);
        for mark in self.marks.iter_mut().filter(|m| !m.opened) {
            self.inline.push_str(&mark.open);
            mark.opened = true;
        }
        self.inline.push_str(visible);
    }

    fn mark(&mut self, tag: &str, open: &str, close: &str) {
        self.marks.push(Mark {
            tag: tag.to_owned(),
            close: close.to_owned(),
            opened: false,
            open: open.to_owned(),
        });
    }

    fn unmark(&mut self, tag: &str) {
        let Some(at) = self.marks.iter().rposition(|m| m.tag == tag) else {
            return;
        };
        // Marks opened inside it and left open close with it.
        while self.marks.len() > at {
            let Some(mark) = self.marks.pop() else { break };
            if mark.opened {
                let trimmed = self.inline.trim_end().len();
                let trailing = self.inline[trimmed..].to_owned();
                self.inline.truncate(trimmed);
                self.inline.push_str(&mark.close);
                self.inline.push_str(&trailing);
            }
        }
    }

    fn picture(&mut self, src: &str, alt: &str) {
        self.out.pictures.push(FoundPicture {
            src: src.to_owned(),
            alt: alt.to_owned(),
            caption: String::new(),
            after: 0,
        });
        let index = self.out.pictures.len() - 1;
        if self.stack.len() == 1 && self.inline.trim().is_empty() {
            self.out.pictures[index].after = self.document_blocks();
        } else {
            self.waiting.push(index);
        }
    }

    fn document_blocks(&self) -> i64 {
        self.stack[0].blocks.len() as i64
    }

    fn top(&self) -> &Container {
        self.stack.last().expect("the document is always there")
    }

    /// Ends the paragraph being written, if any.
    fn flush(&mut self) {
        let mut text = std::mem::take(&mut self.inline);
        for mark in self.marks.iter_mut() {
            if mark.opened {
                text.push_str(&mark.close);
            }
            // A mark left open continues in the next block.
            mark.opened = false;
        }
        let text = text.trim().trim_end_matches('\\').trim();
        let heading = self.heading.take();
        if text.is_empty() {
            return;
        }
        let block = match heading {
            Some(level) => format!("{} {}", "#".repeat(level), text.replace("\\\n", " ").replace('\n', " ")),
            None => text.lines().map(escape_line_start).collect::<Vec<_>>().join("\n"),
        };
        self.push_block(block);
    }

    fn push_block(&mut self, block: String) {
        self.stack.last_mut().expect("the document").blocks.push(block);
        if self.stack.len() == 1 {
            let after = self.document_blocks();
            for index in self.waiting.drain(..) {
                self.out.pictures[index].after = after;
            }
        }
    }

    fn push_container(&mut self, kind: Kind) {
        self.flush();
        self.stack.push(Container {
            kind,
            blocks: Vec::new(),
        });
    }

    fn close_container(&mut self, is: impl Fn(&Kind) -> bool) {
        if !self.stack.iter().skip(1).any(|c| is(&c.kind)) {
            return;
        }
        loop {
            let done = is(&self.top().kind);
            self.pop_container();
            if done {
                break;
            }
        }
    }

    fn pop_container(&mut self) {
        self.flush();
        if self.stack.len() == 1 {
            return;
        }
        let Some(container) = self.stack.pop() else { return };
        let rendered = match container.kind {
            Kind::Document => return,
            Kind::Quote => container
                .blocks
                .join("\n\n")
                .lines()
                .map(|line| {
                    if line.is_empty() {
                        ">".to_owned()
                    } else {
                        format!("> {line}")
                    }
                })
                .collect::<Vec<_>>()
                .join("\n"),
            Kind::Item => {
                // A list under the item's text keeps the outer list tight.
                let mut text = String::new();
                for block in container.blocks {
                    if !text.is_empty() {
                        text.push_str(if is_list(&block) { "\n" } else { "\n\n" });
                    }
                    text.push_str(&block);
                }
                text
            }
            Kind::List { ordered, start } => {
                let mut out = Vec::new();
                for (n, item) in container.blocks.iter().enumerate() {
                    let marker = if ordered {
                        format!("{}. ", start + n as u64)
                    } else {
                        "- ".to_owned()
                    };
                    let indent = " ".repeat(marker.len());
                    let mut lines = item.lines();
                    let first = lines.next().unwrap_or("");
                    let mut text = format!("{marker}{first}");
                    for line in lines {
                        text.push('\n');
                        if !line.is_empty() {
                            text.push_str(&indent);
                            text.push_str(line);
                        }
                    }
                    out.push(text);
                }
                out.join("\n")
            }
        };
        // A list of pictures only (an older block-editor gallery) leaves no list behind.
        let rendered = if rendered.lines().all(|l| matches!(l.trim(), "-" | "")) {
            String::new()
        } else {
            rendered
        };
        if rendered.trim().is_empty() {
            // An empty list item still counts as an item.
            if matches!(self.top().kind, Kind::List { .. }) {
                self.push_block(String::new());
            }
            return;
        }
        self.push_block(rendered);
    }

    fn finish(mut self) -> Converted {
        while self.stack.len() > 1 {
            self.pop_container();
        }
        self.flush();
        let after = self.document_blocks();
        for index in self.waiting.drain(..) {
            self.out.pictures[index].after = after;
        }
        let blocks = std::mem::take(&mut self.stack[0].blocks);
        self.out.markdown = blocks
            .into_iter()
            .filter(|b| !b.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n");
        self.out
    }
}

fn is_list(block: &str) -> bool {
    let digits = block.chars().take_while(char::is_ascii_digit).count();
    block.starts_with("- ") || (digits > 0 && block[digits..].starts_with(". "))
}

fn is_safe_link(href: &str) -> bool {
    let lower = href.to_ascii_lowercase();
    !href.is_empty()
        && (lower.starts_with("http://")
            || lower.starts_with("https://")
            || lower.starts_with("mailto:")
            || lower.starts_with('/')
            || lower.starts_with('#'))
}

/// A link address Markdown reads back whole (spaces and parentheses included).
fn link_target(href: &str) -> String {
    if href.contains([' ', '(', ')', '<', '>']) {
        format!("<{}>", href.replace('<', "%3C").replace('>', "%3E"))
    } else {
        href.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(html: &str) -> String {
        to_markdown(html, Breaks::Html).markdown
    }

    #[test]
    fn paragraphs_headings_and_emphasis() {
        assert_eq!(
            md("<h1>Title</h1><p>One <b> bold</b> and <em>em</em>.</p>\n<h3>Sub</h3><p>Two</p>"),
            "## Title\n\nOne **bold** and *em*.\n\n### Sub\n\nTwo"
        );
    }

    #[test]
    fn markdown_characters_in_text_stay_text() {
        assert_eq!(
            md("<p>5 * 3 = 15 [sic] &amp;amp; a_b</p>"),
            "5 \\* 3 = 15 \\[sic\\] \\&amp; a\\_b"
        );
        assert_eq!(
            md("<p>1986. A year</p><p># not a heading</p>"),
            "1986\\. A year\n\n\\# not a heading"
        );
    }

    #[test]
    fn links_lists_and_quotes() {
        assert_eq!(
            md(r#"<p>See <a href="https://x.org/a (b)">this</a> and <a href="javascript:alert(1)">that</a></p>"#),
            "See [this](<https://x.org/a (b)>) and that"
        );
        assert_eq!(
            md("<ul><li>one<li>two<ol><li>a</li></ol></li></ul><blockquote><p>q1</p><p>q2</p></blockquote>"),
            "- one\n- two\n  1. a\n\n> q1\n>\n> q2"
        );
    }

    #[test]
    fn wordpress_paragraphs_are_blank_lines() {
        let converted = to_markdown("First line\nsecond line\n\nNext <i>para</i>.\n\n\n", Breaks::WordPress);
        assert_eq!(converted.markdown, "First line\\\nsecond line\n\nNext *para*.");
    }

    #[test]
    fn pictures_stand_between_blocks_with_captions() {
        let converted = to_markdown(
            r#"<figure><img src="/a.jpg" alt="A"></figure><p>One</p><p>Two <img src="/b.jpg" alt="B"> end</p>
               <figure class="kg-card"><img src="/c.jpg" alt=""><figcaption>Ruins. <i>Photo:</i> Jo</figcaption></figure><p>Three</p>"#,
            Breaks::Html,
        );
        assert_eq!(converted.markdown, "One\n\nTwo end\n\nThree");
        let placed: Vec<(&str, i64, &str)> = converted
            .pictures
            .iter()
            .map(|p| (p.src.as_str(), p.after, p.caption.as_str()))
            .collect();
        assert_eq!(
            placed,
            vec![("/a.jpg", 0, ""), ("/b.jpg", 2, ""), ("/c.jpg", 2, "Ruins. Photo: Jo")]
        );
        assert_eq!(split_credit("Ruins. Photo: Jo"), ("Ruins.".to_owned(), "Jo".to_owned()));
    }

    #[test]
    fn block_editor_galleries_keep_every_picture_and_leave_no_empty_list() {
        let nested = to_markdown(
            r#"<figure class="wp-block-gallery has-nested-images columns-default"><!-- wp:image {"id":41} -->
<figure class="wp-block-image size-large"><img src="/u/a-1024x683.jpg" alt="A" class="wp-image-41"/><figcaption class="wp-element-caption">First</figcaption></figure>
<figure class="wp-block-image"><a href="/u/b.jpg"><img src="/u/b.jpg" alt="B"/></a></figure>
<figcaption class="blocks-gallery-caption">The harbour at dawn</figcaption></figure><p>After.</p>"#,
            Breaks::WordPress,
        );
        let srcs: Vec<&str> = nested.pictures.iter().map(|p| p.src.as_str()).collect();
        assert_eq!(srcs, ["/u/a-1024x683.jpg", "/u/b.jpg"]);
        assert_eq!(nested.pictures[0].caption, "First");
        assert!(nested.markdown.contains("The harbour at dawn") && nested.markdown.contains("After."));
        let listed = to_markdown(
            r#"<figure class="wp-block-gallery columns-2"><ul class="blocks-gallery-grid"><li class="blocks-gallery-item"><figure><img src="/u/c.jpg" alt="C"/><figcaption class="blocks-gallery-item__caption">Cee</figcaption></figure></li><li class="blocks-gallery-item"><figure><img src="/u/d.jpg" alt="D"/></figure></li></ul></figure><p>Text.</p>"#,
            Breaks::WordPress,
        );
        assert_eq!(listed.pictures.len(), 2);
        assert_eq!(listed.markdown, "Text.", "no empty bullets");
        assert_eq!(listed.pictures[0].caption, "Cee");
    }

    #[test]
    fn embeds_become_an_address_alone_and_footnotes_markers() {
        let out = to_markdown(
            r##"<figure class="wp-block-embed is-type-video is-provider-youtube"><div class="wp-block-embed__wrapper">
https://www.youtube.com/watch?v=abc_12
</div><figcaption>The launch.</figcaption></figure>
<p>A claim<sup data-fn="f-1" class="fn"><a href="#f-1" id="f-1-link">1</a></sup> and another<sup data-fn="f-2" class="fn"><a href="#f-2">2</a></sup>.</p>
<iframe src="https://player.vimeo.com/video/76979871?h=x" width="640"></iframe>"##,
            Breaks::Html,
        );
        assert_eq!(
            out.markdown,
            "<https://www.youtube.com/watch?v=abc_12>\n\nThe launch.\n\nA claim[^1] and another[^2].\n\n<https://vimeo.com/76979871>"
        );
        assert_eq!(out.footnotes, ["f-1", "f-2"]);
    }

    #[test]
    fn scripts_go_tables_and_code_stay() {
        let converted = to_markdown(
            "<p>a</p><script>alert('x')</script><table><tr><td colspan=2 style=x>1 &lt; 2</td></tr></table><pre><code>let x = *y;\n</code></pre>",
            Breaks::Html,
        );
        assert_eq!(
            converted.markdown,
            "a\n\n<table><tr><td colspan=\"2\">1 &lt; 2</td></tr></table>\n\n```\nlet x = *y;\n```"
        );
        assert_eq!(converted.dropped, vec!["<script>".to_owned()]);
    }

    #[test]
    fn comment_text_is_plain() {
        assert_eq!(
            to_text(
                "Thanks <b>all</b>.\nSee <a href=\"https://x.org\">here</a>\n\nBye",
                Breaks::WordPress
            ),
            "Thanks all.\nSee here (https://x.org)\n\nBye"
        );
    }
}
