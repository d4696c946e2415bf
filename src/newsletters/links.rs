//! Personal links in every email (leave this newsletter, manage them all),
//! signed so they work without signing in and cannot be made for someone
//! else. The key is made on first use and kept in the database, so every
//! instance signs alike.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::hmac;

use crate::db::Db;
use crate::domain::{NewsletterId, SubscriberId};
use crate::error::AppError;

const STORED_KEY: &str = "newsletter_link_key";

#[derive(Clone)]
pub struct Signer(hmac::Key);

impl Signer {
    pub async fn load(db: &Db) -> Result<Self, AppError> {
        let stored = crate::site::settings::put_once(db, STORED_KEY, &crate::accounts::secrets::token()).await?;
        Ok(Self(hmac::Key::new(hmac::HMAC_SHA256, stored.as_bytes())))
    }

    fn sign(&self, message: &str) -> String {
        URL_SAFE_NO_PAD.encode(hmac::sign(&self.0, message.as_bytes()).as_ref())
    }

    /// Checked in constant time, so timing tells nothing of the right signature.
    fn verify(&self, message: &str, signature: &str) -> bool {
        URL_SAFE_NO_PAD
            .decode(signature)
            .is_ok_and(|given| hmac::verify(&self.0, message.as_bytes(), &given).is_ok())
    }

    /// `/newsletters/leave/{subscriber}/{newsletter}/{signature}`: one click (or one POST) leaves.
    pub fn leave_path(&self, subscriber: SubscriberId, newsletter: NewsletterId) -> String {
        let (s, n) = (subscriber.0.simple(), newsletter.0.simple());
        format!("/newsletters/leave/{s}/{n}/{}", self.sign(&format!("leave:{s}:{n}")))
    }

    pub fn leave_is_genuine(&self, subscriber: SubscriberId, newsletter: NewsletterId, signature: &str) -> bool {
        let (s, n) = (subscriber.0.simple(), newsletter.0.simple());
        self.verify(&format!("leave:{s}:{n}"), signature)
    }

    /// `/newsletters/manage/{subscriber}/{signature}`: every newsletter this address gets.
    pub fn manage_path(&self, subscriber: SubscriberId) -> String {
        let s = subscriber.0.simple();
        format!("/newsletters/manage/{s}/{}", self.sign(&format!("manage:{s}")))
    }

    pub fn manage_is_genuine(&self, subscriber: SubscriberId, signature: &str) -> bool {
        self.verify(&format!("manage:{}", subscriber.0.simple()), signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_is_good_only_for_its_own_subscriber_and_newsletter() {
        let signer = Signer(hmac::Key::new(hmac::HMAC_SHA256, b"test key"));
        let (a, b, n) = (SubscriberId::new(), SubscriberId::new(), NewsletterId::new());
        let path = signer.leave_path(a, n);
        let signature = path.rsplit('/').next().unwrap();
        assert!(signer.leave_is_genuine(a, n, signature));
        assert!(!signer.leave_is_genuine(b, n, signature));
        assert!(!signer.leave_is_genuine(a, NewsletterId::new(), signature));
        assert!(!signer.manage_is_genuine(a, signature), "a leave link does not manage");
        assert!(!signer.leave_is_genuine(a, n, "not-base64!"));
    }
}
