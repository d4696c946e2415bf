//! A failed database operation that says which one failed.

use std::borrow::Cow;
use std::fmt;

/// The database's error with the statement it answered, so a log line reads
/// "running `UPDATE things SET …`: database is locked" rather than the
/// bare cause.
#[derive(Debug)]
pub struct DbError {
    statement: Cow<'static, str>,
    cause: sqlx::Error,
}

/// How much of a statement a message quotes: enough to find it in the code.
const QUOTED: usize = 72;

impl DbError {
    pub fn new(statement: impl Into<Cow<'static, str>>, cause: sqlx::Error) -> Self {
        Self {
            statement: statement.into(),
            cause,
        }
    }

    /// What the database said.
    pub fn cause(&self) -> &sqlx::Error {
        &self.cause
    }

    /// True when a unique constraint refused the write, so the caller can
    /// name the field that clashed.
    pub fn is_unique_violation(&self) -> bool {
        matches!(&self.cause, sqlx::Error::Database(db) if db.is_unique_violation())
    }

    /// True when the database could not do the work for a reason of its own
    /// that passes: the server is out of reach or busy, or its disk is
    /// full. The request may succeed if tried again later (a 503), unlike a
    /// query that is wrong (a 500).
    pub fn is_unavailable(&self) -> bool {
        is_unavailable(&self.cause)
    }

    /// True when the pool has been closed because the process is stopping.
    pub fn is_pool_closed(&self) -> bool {
        matches!(self.cause, sqlx::Error::PoolClosed)
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut words = self.statement.split_whitespace();
        let mut quoted = String::new();
        for word in words.by_ref() {
            if quoted.len() + word.len() > QUOTED {
                quoted.push_str(" …");
                break;
            }
            if !quoted.is_empty() {
                quoted.push(' ');
            }
            quoted.push_str(word);
        }
        write!(f, "running `{quoted}`: {}", self.cause)
    }
}

impl std::error::Error for DbError {}

/// See [`DbError::is_unavailable`]. SQLite's answers are told by their
/// primary result code: busy (5), I/O error (10), disk full (13).
pub fn is_unavailable(cause: &sqlx::Error) -> bool {
    match cause {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolTimedOut => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08")
                || code.starts_with("57P")
                || code.starts_with("53")
                || code.parse::<u32>().is_ok_and(|n| matches!(n & 0xFF, 5 | 10 | 13))
        }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_names_the_statement_and_the_cause() {
        let err = DbError::new(
            "UPDATE things\n       SET body = $1, edited_at = $2, status = $3, spam_score = $4 WHERE id = $5",
            sqlx::Error::PoolTimedOut,
        );
        let text = err.to_string();
        assert!(
            text.starts_with("running `UPDATE things SET body = $1, edited_at = $2"),
            "{text}"
        );
        assert!(text.contains(" …`: "), "{text}");
        assert!(text.ends_with(&sqlx::Error::PoolTimedOut.to_string()), "{text}");
    }
}
