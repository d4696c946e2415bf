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

    /// The tag a return path carries, `<subscriber>-<edition number>-<signature>`:
    /// lower-case hex throughout (mail servers may fold case), and short enough
    /// that `bounces+TAG` fits the 64 characters a local part may have.
    pub fn verp_tag(&self, subscriber: SubscriberId, edition: i64) -> String {
        let s = subscriber.0.simple();
        format!("{s}-{edition}-{}", self.verp_signature(&s.to_string(), edition))
    }

    fn verp_signature(&self, subscriber: &str, edition: i64) -> String {
        let tag = hmac::sign(&self.0, format!("verp:{subscriber}:{edition}").as_bytes());
        crate::accounts::secrets::hex(&tag.as_ref()[..6])
    }

    /// Reads a tag back: the subscriber and edition it names, if it was made here.
    pub fn read_verp_tag(&self, tag: &str) -> Option<(SubscriberId, i64)> {
        let mut parts = tag.split('-');
        let (subscriber, edition, signature) = (parts.next()?, parts.next()?, parts.next()?);
        let edition: i64 = edition.parse().ok()?;
        let id = SubscriberId(uuid::Uuid::parse_str(subscriber).ok()?);
        // Compared as MACs, so the time taken tells nothing of the right one.
        let expected = self.verp_signature(&id.0.simple().to_string(), edition);
        let key = hmac::Key::new(hmac::HMAC_SHA256, expected.as_bytes());
        let tag = hmac::sign(&key, signature.to_ascii_lowercase().as_bytes());
        (parts.next().is_none() && hmac::verify(&key, expected.as_bytes(), tag.as_ref()).is_ok())
            .then_some((id, edition))
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

    #[test]
    fn a_return_path_tag_reads_back_only_as_made() {
        let signer = Signer(hmac::Key::new(hmac::HMAC_SHA256, b"test key"));
        let a = SubscriberId::new();
        let tag = signer.verp_tag(a, 42);
        assert!(format!("bounces+{tag}").len() <= 64);
        assert_eq!(signer.read_verp_tag(&tag), Some((a, 42)));
        assert_eq!(
            signer.read_verp_tag(&tag.to_uppercase()),
            Some((a, 42)),
            "case folded on the way"
        );
        let other = tag.replacen("-42-", "-43-", 1);
        assert_eq!(signer.read_verp_tag(&other), None, "another edition");
        let forged = format!("{}-42-000000000000", SubscriberId::new().0.simple());
        assert_eq!(signer.read_verp_tag(&forged), None);
    }
}
