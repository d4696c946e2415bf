//! VAPID (RFC 8292): who we are to push services. One P-256 key pair, made
//! on first start and kept in the database (or given in the settings); a
//! signed JWT per push service origin, reused until it nears expiry.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};

use crate::config::AlertSettings;
use crate::db::Db;
use crate::domain::Timestamp;
use crate::site::settings;

const STORED_KEY: &str = "vapid_pkcs8";
/// Tokens live 12 hours (push services accept at most 24) and are renewed an hour early.
const TOKEN_SECS: i64 = 12 * 3600;
const RENEW_BEFORE_SECS: i64 = 3600;

pub struct Vapid {
    key: EcdsaKeyPair,
    /// The public key as browsers want it (`applicationServerKey`), base64url.
    pub public_key: String,
    subject: String,
    rng: SystemRandom,
    tokens: Mutex<HashMap<String, (Arc<str>, i64)>>,
}

impl Vapid {
    /// The configured key, else the one kept in the database, else a new one (kept).
    pub async fn load(db: &Db, settings: &AlertSettings) -> anyhow::Result<Self> {
        let rng = SystemRandom::new();
        let private = settings.vapid_private_key.expose();
        let key = if !private.is_empty() {
            let private = URL_SAFE_NO_PAD
                .decode(private.trim_end_matches('='))
                .context("alerts.vapid_private_key is not base64url")?;
            let public = URL_SAFE_NO_PAD
                .decode(settings.vapid_public_key.trim_end_matches('='))
                .context("alerts.vapid_public_key is not base64url")?;
            EcdsaKeyPair::from_private_key_and_public_key(&ECDSA_P256_SHA256_FIXED_SIGNING, &private, &public, &rng)
                .map_err(|_| {
                    anyhow::anyhow!("alerts.vapid_private_key and alerts.vapid_public_key are not a P-256 key pair")
                })?
        } else {
            let stored = settings::get(db, STORED_KEY).await?;
            let pkcs8 = match stored {
                Some(b64) => STANDARD.decode(b64).context("the stored VAPID key is damaged")?,
                None => {
                    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
                        .map_err(|_| anyhow::anyhow!("generating a VAPID key"))?;
                    // Several instances may start together: the first key written wins.
                    let b64 = settings::put_once(db, STORED_KEY, &STANDARD.encode(pkcs8.as_ref())).await?;
                    STANDARD.decode(b64)?
                }
            };
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &pkcs8, &rng)
                .map_err(|_| anyhow::anyhow!("the stored VAPID key is not usable"))?
        };
        Ok(Self {
            public_key: URL_SAFE_NO_PAD.encode(key.public_key().as_ref()),
            key,
            subject: settings.subject.clone(),
            rng,
            tokens: Mutex::new(HashMap::new()),
        })
    }

    /// The `Authorization` header for a push service origin ("https://host[:port]").
    pub fn authorization(&self, origin: &str) -> anyhow::Result<Arc<str>> {
        let now = Timestamp::now().as_seconds();
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((header, expires)) = tokens.get(origin)
            && *expires - RENEW_BEFORE_SECS > now
        {
            return Ok(header.clone());
        }
        let expires = now + TOKEN_SECS;
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = URL_SAFE_NO_PAD
            .encode(serde_json::json!({ "aud": origin, "exp": expires, "sub": self.subject }).to_string());
        let signing_input = format!("{header}.{claims}");
        let signature = self
            .key
            .sign(&self.rng, signing_input.as_bytes())
            .map_err(|_| anyhow::anyhow!("signing a VAPID token"))?;
        let token = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()));
        let header: Arc<str> = format!("vapid t={token}, k={}", self.public_key).into();
        tokens.insert(origin.to_owned(), (header.clone(), expires));
        Ok(header)
    }
}
