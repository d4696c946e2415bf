//! What an import did, counted, and what it left out and why.

use std::collections::BTreeMap;
use std::fmt;

/// Examples kept per reason; the rest are only counted.
const EXAMPLES: usize = 5;

#[derive(Debug, Default)]
pub struct Summary {
    pub articles_created: u64,
    pub articles_updated: u64,
    pub articles_unchanged: u64,
    pub authors: u64,
    pub sections: u64,
    pub tags: u64,
    pub pictures: u64,
    pub comments: u64,
    /// Comments imported before whose words or approval changed since.
    pub comments_updated: u64,
    pub redirects: u64,
    /// Reason → how many, and the first few records it applied to.
    pub skipped: BTreeMap<String, (u64, Vec<String>)>,
    /// Imported, with a remark (a private post became a draft…).
    pub remarks: BTreeMap<String, (u64, Vec<String>)>,
}

impl Summary {
    pub fn skip(&mut self, what: impl Into<String>, reason: impl Into<String>) {
        note(&mut self.skipped, what.into(), reason.into());
    }

    pub fn remark(&mut self, what: impl Into<String>, remark: impl Into<String>) {
        note(&mut self.remarks, what.into(), remark.into());
    }

    /// Whether readers can see anything new.
    pub fn changed(&self) -> bool {
        self.articles_created + self.articles_updated + self.comments + self.comments_updated + self.redirects > 0
    }

    pub fn skipped_count(&self) -> u64 {
        self.skipped.values().map(|(n, _)| n).sum()
    }

    pub fn one_line(&self) -> String {
        format!(
            "{} articles created, {} updated, {} unchanged, {} comments, {} skipped",
            self.articles_created,
            self.articles_updated,
            self.articles_unchanged,
            self.comments,
            self.skipped_count()
        )
    }
}

fn note(into: &mut BTreeMap<String, (u64, Vec<String>)>, what: String, why: String) {
    let entry = into.entry(why).or_default();
    entry.0 += 1;
    if entry.1.len() < EXAMPLES {
        entry.1.push(what);
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Articles: {} created, {} updated, {} unchanged.",
            self.articles_created, self.articles_updated, self.articles_unchanged
        )?;
        writeln!(
            f,
            "Also created: {} authors, {} sections, {} tags, {} pictures, {} comments, {} old addresses redirected.",
            self.authors, self.sections, self.tags, self.pictures, self.comments, self.redirects
        )?;
        if self.comments_updated > 0 {
            writeln!(f, "Comments brought up to date: {}.", self.comments_updated)?;
        }
        for (title, notes) in [("Imported with a remark", &self.remarks), ("Skipped", &self.skipped)] {
            if notes.is_empty() {
                continue;
            }
            writeln!(f, "{title}:")?;
            for (why, (count, examples)) in notes {
                let more = if *count as usize > examples.len() {
                    format!(", and {} more", *count as usize - examples.len())
                } else {
                    String::new()
                };
                writeln!(f, "  {count} × {why}: {}{more}", examples.join("; "))?;
            }
        }
        Ok(())
    }
}
