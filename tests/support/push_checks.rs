//! What a push service checks of each request, shared by the tests' push
//! service (`push.rs`) and the alert benchmark's sink
//! (`examples/alert_fanout`): the VAPID token (RFC 8292) and, for a
//! message, that it opens with the browser's keys (RFC 8291).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use broadsheet::alerts::crypto;

/// Opens an aes128gcm message (RFC 8291) as the browser with this key pair and auth secret would.
pub fn decrypt(secret: &p256::SecretKey, public: &[u8], auth: &[u8], body: &[u8]) -> Result<Vec<u8>, String> {
    let parsed = crypto::parse(body).ok_or("a body too short for aes128gcm")?;
    let sender = p256::PublicKey::from_sec1_bytes(parsed.sender_public).map_err(|_| "a bad sender key")?;
    let shared = p256::ecdh::diffie_hellman(secret.to_nonzero_scalar(), sender.as_affine());
    let (cek, nonce) = crypto::derive(
        shared.raw_secret_bytes(),
        auth,
        public,
        parsed.sender_public,
        parsed.salt,
    );
    crypto::open(cek, nonce, parsed.ciphertext).map_err(|e| e.to_string())
}

/// `vapid t=<JWT>, k=<public key>`: an ES256 JWT signed by k, for this origin, not expired, with a contact.
pub fn check_vapid(header: Option<&str>, origin: &str) -> Result<(), String> {
    let header = header.ok_or("no Authorization header")?;
    let rest = header.strip_prefix("vapid ").ok_or("not a vapid Authorization")?;
    let mut token = "";
    let mut key = "";
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(t) = part.strip_prefix("t=") {
            token = t;
        } else if let Some(k) = part.strip_prefix("k=") {
            key = k;
        }
    }
    let (signed, signature) = token.rsplit_once('.').ok_or("a JWT without a signature")?;
    let key = URL_SAFE_NO_PAD.decode(key).map_err(|_| "k is not base64url")?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| "a signature that is not base64url")?;
    ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_FIXED, &key)
        .verify(signed.as_bytes(), &signature)
        .map_err(|_| "the JWT signature does not verify with k".to_owned())?;
    let (head, claims) = signed.split_once('.').ok_or("a JWT without claims")?;
    let head: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(head).map_err(|_| "bad header")?)
        .map_err(|_| "bad header JSON")?;
    if head["alg"] != "ES256" {
        return Err("the JWT is not ES256".into());
    }
    let claims: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).map_err(|_| "bad claims")?)
        .map_err(|_| "bad claims JSON")?;
    if claims["aud"] != origin {
        return Err(format!("aud {} is not {origin}", claims["aud"]));
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let exp = claims["exp"].as_i64().ok_or("no exp")?;
    if exp <= now || exp > now + 24 * 3600 {
        return Err("exp is not within the next 24 hours".into());
    }
    let sub = claims["sub"].as_str().unwrap_or_default();
    if !(sub.starts_with("mailto:") || sub.starts_with("https:")) {
        return Err("sub is not a mailto: or https: contact".into());
    }
    Ok(())
}
