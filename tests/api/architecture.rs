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
