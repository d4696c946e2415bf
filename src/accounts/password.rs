//! Passwords: argon2id with a random salt, hashed off the async threads.

use anyhow::Context;
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::error::AppError;

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 256;

/// Refuses passwords too short to resist guessing (or absurdly long).
pub fn check(password: &str) -> Result<(), AppError> {
    let chars = password.chars().count();
    let invalid = |message: String| AppError::Invalid {
        field: "password".into(),
        message,
    };
    if chars < MIN_LEN {
        return Err(invalid(format!("Use at least {MIN_LEN} characters for your password.")));
    }
    if chars > MAX_LEN {
        return Err(invalid(format!("A password can be at most {MAX_LEN} characters.")));
    }
    Ok(())
}

/// A password that passed `check`, hashed for storing. Hashing is slow on
/// purpose, so it is done before any transaction opens.
#[derive(Clone)]
pub struct Hashed(String);

impl Hashed {
    pub async fn new(password: &str) -> Result<Self, AppError> {
        check(password)?;
        Ok(Self(hash(password).await?))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub async fn hash(password: &str) -> anyhow::Result<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
    })
    .await
    .context("the hashing task stopped")?
}

pub async fn verify(password: &str, stored: &str) -> bool {
    let password = password.to_owned();
    let stored = stored.to_owned();
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored)
            .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// Checks a sign-in against an account's hash, or, when there is no such
/// account, against a real hash of a random string: the same effort either
/// way, so the time taken does not reveal who has an account.
pub async fn verify_account(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    match stored {
        Some(stored) => verify(password, stored).await,
        None => {
            let dummy = DUMMY
                .get_or_init(|| async { hash(&super::secrets::token()).await.unwrap_or_default() })
                .await;
            let _ = verify(password, dummy).await;
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse battery").await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &stored).await);
        assert!(!verify("wrong horse battery", &stored).await);
    }
}
