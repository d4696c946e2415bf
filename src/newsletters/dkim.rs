//! DKIM signatures (RFC 6376) on newsletters, by lettre, when a domain,
//! selector and key are configured. The one-click unsubscribe headers are
//! among those signed, as RFC 8058 asks, so a mail provider can trust them.

use anyhow::{Context, bail};
use base64::Engine;
use lettre::message::dkim::{
    DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm, DkimSigningKey,
};
use lettre::message::header::HeaderName;

use crate::config::NewsletterSettings;

/// Headers each signature covers (each appears once in our messages).
/// Not Content-Type: lettre writes a multipart's with the body, after
/// signing, so a signature naming it would never verify.
const SIGNED: [&str; 10] = [
    "From",
    "To",
    "Subject",
    "Date",
    "Reply-To",
    "List-Id",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "MIME-Version",
    "Message-ID",
];

/// The DER that comes before an Ed25519 private key's 32 bytes in its
/// PKCS#8 form (RFC 8410), as `openssl genpkey -algorithm ed25519` writes it.
const ED25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// The signing set-up, or none when DKIM is not configured.
pub fn from_settings(n: &NewsletterSettings) -> anyhow::Result<Option<DkimConfig>> {
    let (domain, selector, file) = (n.dkim_domain.trim(), n.dkim_selector.trim(), n.dkim_key_file.trim());
    if domain.is_empty() && selector.is_empty() && file.is_empty() {
        return Ok(None);
    }
    if domain.is_empty() || selector.is_empty() || file.is_empty() {
        bail!(
            "DKIM needs all three of newsletters.dkim_domain, newsletters.dkim_selector and newsletters.dkim_key_file"
        );
    }
    let text = std::fs::read_to_string(file).with_context(|| format!("reading the DKIM key {file}"))?;
    let key = signing_key(&text).with_context(|| format!("the DKIM key in {file}"))?;
    Ok(Some(DkimConfig::new(
        selector.to_owned(),
        domain.to_owned(),
        key,
        SIGNED.iter().map(|h| HeaderName::new_from_ascii_str(h)).collect(),
        DkimCanonicalization {
            header: DkimCanonicalizationType::Relaxed,
            body: DkimCanonicalizationType::Relaxed,
        },
    )))
}

fn signing_key(text: &str) -> anyhow::Result<DkimSigningKey> {
    let text = text.trim();
    if text.starts_with("-----BEGIN RSA PRIVATE KEY-----") {
        return DkimSigningKey::new(text, DkimSigningAlgorithm::Rsa).map_err(|e| anyhow::anyhow!("{e}"));
    }
    let seed = if text.starts_with("-----BEGIN PRIVATE KEY-----") {
        let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body.trim())
            .context("the PEM is not base64")?;
        match der.strip_prefix(&ED25519_PKCS8_PREFIX[..]) {
            Some(seed) if seed.len() == 32 => seed.to_vec(),
            _ => bail!(
                "a PKCS#8 key that is not Ed25519; for RSA give the PKCS#1 form \
                 (openssl rsa -in key.pem -traditional -out dkim.pem)"
            ),
        }
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .context("neither a PEM key nor a base64 Ed25519 key")?
    };
    if seed.len() != 32 {
        bail!("an Ed25519 key is 32 bytes; this one is {}", seed.len());
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(seed);
    DkimSigningKey::new(&encoded, DkimSigningAlgorithm::Ed25519).map_err(|e| anyhow::anyhow!("{e}"))
}
