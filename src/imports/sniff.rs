//! What a file handed to `broadsheet import` is, told from its first bytes
//! before anything is read in earnest: a WordPress export given to the
//! Ghost command (or an RSS feed, a picture, an empty file) is named for
//! what it is, with the command that reads it, instead of importing nothing.

use std::io::Read;
use std::path::Path;

use anyhow::bail;

use super::Platform;

/// How much of a file is looked at.
const HEAD: usize = 8 * 1024;

/// What a file looks like.
#[derive(Debug, PartialEq, Eq)]
enum Kind {
    WordPress,
    Ghost,
    Broadsheet,
    /// Something else, described for a person ("an RSS feed").
    Other(&'static str),
}

/// Checks that `path` is an export of the kind `platform` reads, or says
/// what it is and which command reads it.
pub fn check(path: &Path, platform: Platform) -> anyhow::Result<()> {
    let kind = kind_of(path)?;
    let wanted = match platform {
        Platform::WordPress => Kind::WordPress,
        Platform::Ghost => Kind::Ghost,
        Platform::Broadsheet => Kind::Broadsheet,
    };
    if kind == wanted {
        return Ok(());
    }
    let shown = path.display();
    match kind {
        Kind::WordPress => bail!("{shown} is a WordPress export: read it with `broadsheet import wordpress {shown}`"),
        Kind::Ghost => bail!("{shown} is a Ghost export: read it with `broadsheet import ghost {shown}`"),
        Kind::Broadsheet => {
            bail!("{shown} is a Broadsheet export folder: read it with `broadsheet import broadsheet {shown}`")
        }
        Kind::Other(what) => {
            let expected = match platform {
                Platform::WordPress => "a WordPress export (WordPress: Tools → Export → All content, an .xml file)",
                Platform::Ghost => "a Ghost export (Ghost: Settings → Advanced → Import/Export → Export, a .json file)",
                Platform::Broadsheet => "a folder written by `broadsheet export`",
            };
            bail!("{shown} is {what}, not {expected}")
        }
    }
}

fn kind_of(path: &Path) -> anyhow::Result<Kind> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => bail!("there is no file at {}", path.display()),
        Err(err) => bail!("{} cannot be read: {err}", path.display()),
    };
    if meta.is_dir() {
        return Ok(if path.join(super::archive::RECORDS).is_file() {
            Kind::Broadsheet
        } else {
            Kind::Other("a folder")
        });
    }
    let mut head = Vec::with_capacity(HEAD);
    std::fs::File::open(path)?.take(HEAD as u64).read_to_end(&mut head)?;
    Ok(kind_of_bytes(&head))
}

fn kind_of_bytes(head: &[u8]) -> Kind {
    if head.starts_with(b"PK\x03\x04") {
        return Kind::Other("a zip archive (unpack it first)");
    }
    if head.starts_with(&[0x1f, 0x8b]) {
        return Kind::Other("a gzip-compressed file (unpack it first)");
    }
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.is_empty() {
        return Kind::Other("empty");
    }
    if text.starts_with('<') {
        return xml_kind(&text.to_ascii_lowercase());
    }
    if let Some(object) = text.strip_prefix('{') {
        // Ghost writes {"db":[{"meta":…,"data":…}]}; an older or hand-made one {"meta":…,"data":…}.
        let first_key = object
            .trim_start()
            .strip_prefix('"')
            .and_then(|rest| rest.split('"').next());
        return match first_key {
            Some("db" | "meta" | "data") => Kind::Ghost,
            _ => Kind::Other("a JSON file that is not a Ghost export"),
        };
    }
    if text.starts_with('[') {
        return Kind::Other("a JSON list, not a Ghost export");
    }
    if head.iter().take(512).any(|b| *b == 0) {
        return Kind::Other("a binary file");
    }
    Kind::Other("a text file that is neither XML nor JSON")
}

fn xml_kind(lower: &str) -> Kind {
    let root = root_element(lower);
    match root.as_deref() {
        Some("rss") if lower.contains("xmlns:wp=") || lower.contains("<wp:") => Kind::WordPress,
        Some("rss") => Kind::Other("an RSS feed (it has posts' summaries only, not a site's export)"),
        Some("feed") => Kind::Other("an Atom feed (it has posts' summaries only, not a site's export)"),
        Some("svg") => Kind::Other("an SVG picture"),
        Some("html") => Kind::Other("a web page"),
        Some("urlset" | "sitemapindex") => Kind::Other("a sitemap"),
        _ => Kind::Other("an XML file that is not a WordPress export"),
    }
}

/// The name of the first element, past the XML declaration, comments and doctype.
fn root_element(lower: &str) -> Option<String> {
    let mut rest = lower;
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("<?") {
            rest = &after[after.find("?>")? + 2..];
        } else if let Some(after) = rest.strip_prefix("<!--") {
            rest = &after[after.find("-->")? + 3..];
        } else if rest.starts_with("<!doctype html") {
            return Some("html".into());
        } else if let Some(after) = rest.strip_prefix("<!") {
            rest = &after[after.find('>')? + 1..];
        } else if let Some(after) = rest.strip_prefix('<') {
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '-' | '_'))
                .collect();
            return Some(name.rsplit(':').next().unwrap_or(&name).to_owned());
        } else {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exports_feeds_pictures_and_nothing_are_told_apart() {
        let wxr = br#"<?xml version="1.0" encoding="UTF-8" ?>
<!-- generator="WordPress/6.4" -->
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"><channel>"#;
        assert_eq!(kind_of_bytes(wxr), Kind::WordPress);
        let rss = br#"<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>"#;
        assert!(matches!(kind_of_bytes(rss), Kind::Other(w) if w.starts_with("an RSS feed")));
        let svg = br#"<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x"><svg xmlns="x">"#;
        assert_eq!(kind_of_bytes(svg), Kind::Other("an SVG picture"));
        assert_eq!(kind_of_bytes(b"<!DOCTYPE html><html>"), Kind::Other("a web page"));
        assert_eq!(
            kind_of_bytes("\u{feff} {\"db\":[{\"meta\":{}}]}".as_bytes()),
            Kind::Ghost
        );
        assert!(matches!(kind_of_bytes(br#"{"posts":[]}"#), Kind::Other(_)));
        assert_eq!(kind_of_bytes(b"  \n"), Kind::Other("empty"));
        assert!(matches!(kind_of_bytes(b"PK\x03\x04rest"), Kind::Other(w) if w.contains("zip")));
    }

    #[test]
    fn the_wrong_command_names_the_right_one() {
        let dir = tempfile::tempdir().unwrap();
        let ghost = dir.path().join("export.json");
        std::fs::write(&ghost, r#"{"db":[{"meta":{"version":"5.80.0"},"data":{}}]}"#).unwrap();
        let err = check(&ghost, Platform::WordPress).unwrap_err().to_string();
        assert!(
            err.contains("is a Ghost export") && err.contains("broadsheet import ghost"),
            "{err}"
        );
        assert!(check(&ghost, Platform::Ghost).is_ok());
        let missing = dir.path().join("nope.xml");
        let err = check(&missing, Platform::WordPress).unwrap_err().to_string();
        assert!(err.contains("no file at") && err.contains("nope.xml"), "{err}");
        let err = check(dir.path(), Platform::WordPress).unwrap_err().to_string();
        assert!(err.contains("is a folder"), "{err}");
    }
}
