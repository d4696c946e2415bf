//! Rules about where code may do what, checked over the source tree.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// Every source file under `src/`, with its path relative to `src/` and its text.
fn sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let relative = path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
            (relative, text)
        })
        .collect()
}

#[test]
fn routes_are_added_only_with_their_access() {
    let mut offending = Vec::new();
    for (file, text) in sources() {
        if file == "http/routes.rs" {
            continue;
        }
        for (n, line) in text.lines().enumerate() {
            if [
                ".route(",
                ".nest(",
                ".nest_service(",
                ".route_service(",
                "Router::new()",
            ]
            .iter()
            .any(|call| line.contains(call))
            {
                offending.push(format!("src/{file}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(
        offending.is_empty(),
        "add routes through http::Routes, which records their access:\n{}",
        offending.join("\n")
    );
}

/// Which part of `src/` writes each table: a folder (`articles/`) or a
/// file (`audit.rs`). Every table the migrations create is listed, so a new
/// table needs an owner before anything can write to it.
const OWNERS: &[(&str, &str)] = &[
    ("admin_api_tokens", "accounts/"),
    ("content_api_keys", "accounts/"),
    ("reader_tokens", "accounts/"),
    ("readers", "accounts/"),
    ("sessions", "accounts/"),
    ("sign_in_failures", "accounts/"),
    ("rate_limits", "accounts/throttle.rs"),
    ("staff", "accounts/"),
    ("staff_invites", "accounts/"),
    ("alert_service_outcomes", "alerts/"),
    ("newsletters", "newsletters/write.rs"),
    ("editions", "newsletters/"),
    ("edition_shards", "newsletters/"),
    ("edition_retries", "newsletters/"),
    ("edition_links", "newsletters/clicks.rs"),
    ("newsletter_pace", "newsletters/send.rs"),
    ("newsletter_subscribers", "newsletters/subscribers.rs"),
    ("newsletter_subscriptions", "newsletters/subscribers.rs"),
    ("newsletter_signups", "newsletters/subscribers.rs"),
    ("newsletter_suppressions", "newsletters/subscribers.rs"),
    ("staff_tokens", "accounts/staff_reset.rs"),
    ("alert_shards", "alerts/"),
    ("alerts", "alerts/"),
    ("push_retries", "alerts/"),
    ("push_subscriptions", "alerts/"),
    ("push_topics", "alerts/"),
    ("article_authors", "articles/"),
    ("article_images", "articles/"),
    ("article_notes", "articles/"),
    ("article_related", "articles/"),
    ("article_revisions", "articles/"),
    ("article_tags", "articles/"),
    ("articles", "articles/"),
    ("audit_log", "audit.rs"),
    ("campaigns", "donations/"),
    ("donation_failures", "donations/"),
    ("donation_payments", "donations/"),
    ("donations", "donations/"),
    ("stripe_events", "donations/"),
    ("comment_likes", "comments/"),
    ("comment_reports", "comments/"),
    ("comments", "comments/"),
    ("follows", "comments/"),
    ("notifications", "comments/"),
    ("images", "media/"),
    ("import_origins", "imports/"),
    ("jobs", "jobs/"),
    ("liveblog_entries", "liveblogs/"),
    ("liveblog_entry_authors", "liveblogs/"),
    ("authors", "site/"),
    ("fronts", "fronts/"),
    ("front_revisions", "fronts/"),
    ("menu_items", "site/menus.rs"),
    ("pages", "site/pages/"),
    ("page_revisions", "site/pages/"),
    ("redirects", "site/"),
    ("sections", "site/"),
    ("site_settings", "site/settings.rs"),
    ("tags", "site/"),
    ("search_docs", "search/"),
    ("stashed_forms", "web/stash.rs"),
    ("schema_migrations", "db/"),
    ("readiness_checks", "ops/health.rs"),
];

/// Every table the migrations create.
fn tables() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut tables = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for rest in text.split("CREATE TABLE ").skip(1) {
            let name: String = rest
                .trim_start_matches("IF NOT EXISTS ")
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !tables.contains(&name) {
                tables.push(name);
            }
        }
    }
    tables
}

/// The tables a source text writes: (table, line number).
fn written(text: &str) -> Vec<(String, usize)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let words: Vec<&str> = line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).collect();
        for (i, word) in words.iter().enumerate() {
            let next = words[i + 1..].iter().find(|w| !w.is_empty());
            let table = match (*word, next) {
                ("INSERT", Some(&"INTO")) | ("DELETE", Some(&"FROM")) => {
                    words[i + 1..].iter().filter(|w| !w.is_empty()).nth(1).copied()
                }
                // `ON CONFLICT ... DO UPDATE SET` names no table.
                ("UPDATE", Some(next)) if *next != "SET" => Some(*next),
                _ => None,
            };
            if let Some(table) = table {
                found.push((table.to_owned(), n + 1));
            }
        }
    }
    found
}

#[test]
fn every_table_is_written_only_by_the_domain_that_owns_it() {
    let tables = tables();
    let unowned: Vec<&String> = tables.iter().filter(|t| !OWNERS.iter().any(|(o, _)| o == t)).collect();
    assert!(unowned.is_empty(), "tables without an owner: {unowned:?}");
    let mut trespass = Vec::new();
    for (file, text) in sources() {
        for (table, line) in written(&text) {
            let Some((_, owner)) = OWNERS.iter().find(|(t, _)| *t == table) else {
                continue;
            };
            if !file.starts_with(owner) {
                trespass.push(format!(
                    "src/{file}:{line} writes {table}, which belongs to src/{owner}"
                ));
            }
        }
    }
    assert!(
        trespass.is_empty(),
        "write through the owning domain's API instead:\n{}",
        trespass.join("\n")
    );
}

#[test]
fn the_apis_use_the_domains_not_the_newsroom_pages() {
    let offending: Vec<String> = sources()
        .into_iter()
        .filter(|(file, text)| file.starts_with("api/") && text.contains("crate::newsroom"))
        .map(|(file, _)| file)
        .collect();
    assert!(offending.is_empty(), "src/api imports crate::newsroom: {offending:?}");
}
