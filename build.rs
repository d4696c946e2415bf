//! Lists the demo articles so the binary can embed every file in
//! src/demo/content/articles without naming each one in code.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let dir = Path::new("src/demo/content/articles");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "md"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut out = String::from("&[\n");
    for file in files {
        let absolute = std::fs::canonicalize(&file).expect("demo article path");
        writeln!(out, "    include_str!({:?}),", absolute.display().to_string()).expect("writing to a string");
    }
    out.push(']');
    let target = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR is set by cargo")).join("demo_articles.rs");
    std::fs::write(target, out).expect("writing the demo article list");
}
