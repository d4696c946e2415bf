//! Message encryption for Web Push (RFC 8291, aes128gcm of RFC 8188) and the
//! key agreement behind it. Each message gets a fresh ephemeral P-256 key pair
//! and a fresh random salt; the browser's public key and auth secret come from
//! its subscription.

use ring::aead::{AES_128_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::agreement::{ECDH_P256, EphemeralPrivateKey, UnparsedPublicKey, agree_ephemeral};
use ring::hkdf::{HKDF_SHA256, KeyType, Salt};
use ring::rand::{SecureRandom, SystemRandom};

/// Record size written in the header; one record holds every alert we send.
const RECORD_SIZE: u32 = 4096;
/// The largest payload a push service must accept is 4096 bytes of body.
pub const MAX_PLAINTEXT: usize = 3993;

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("the subscription's public key is not a P-256 point")]
    BadPublicKey,
    #[error("the message is too long for one push record")]
    TooLong,
    #[error("the message could not be encrypted or decrypted")]
    Aead,
}

/// The sender's half of one message's key agreement.
pub struct Agreement {
    /// Our ephemeral public key, uncompressed (65 bytes).
    pub sender_public: Vec<u8>,
    /// ECDH(sender private, browser public): the x coordinate, 32 bytes.
    pub shared_secret: Vec<u8>,
}

/// A fresh ephemeral key pair agreed with the browser's public key.
pub fn agree(browser_public: &[u8], rng: &SystemRandom) -> Result<Agreement, CryptoError> {
    let private = EphemeralPrivateKey::generate(&ECDH_P256, rng).map_err(|_| CryptoError::Aead)?;
    let sender_public = private
        .compute_public_key()
        .map_err(|_| CryptoError::Aead)?
        .as_ref()
        .to_vec();
    let peer = UnparsedPublicKey::new(&ECDH_P256, browser_public);
    let shared_secret =
        agree_ephemeral(private, &peer, |secret| secret.to_vec()).map_err(|_| CryptoError::BadPublicKey)?;
    Ok(Agreement {
        sender_public,
        shared_secret,
    })
}

struct Len(usize);

impl KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

fn hkdf(salt: &[u8], ikm: &[u8], info: &[&[u8]], len: usize) -> Vec<u8> {
    let prk = Salt::new(HKDF_SHA256, salt).extract(ikm);
    let mut out = vec![0u8; len];
    prk.expand(info, Len(len))
        .and_then(|okm| okm.fill(&mut out))
        .expect("HKDF lengths are fixed and valid");
    out
}

/// The content-encryption key and nonce both sides derive (RFC 8291 §3.3–3.4).
pub fn derive(
    shared_secret: &[u8],
    auth_secret: &[u8],
    browser_public: &[u8],
    sender_public: &[u8],
    salt: &[u8],
) -> ([u8; 16], [u8; 12]) {
    let ikm = hkdf(
        auth_secret,
        shared_secret,
        &[b"WebPush: info\0", browser_public, sender_public],
        32,
    );
    let cek = hkdf(salt, &ikm, &[b"Content-Encoding: aes128gcm\0"], 16);
    let nonce = hkdf(salt, &ikm, &[b"Content-Encoding: nonce\0"], 12);
    let mut key = [0u8; 16];
    let mut iv = [0u8; 12];
    key.copy_from_slice(&cek);
    iv.copy_from_slice(&nonce);
    (key, iv)
}

/// Encrypts `plaintext` for one browser, given the agreement and salt.
pub fn encrypt_with(
    plaintext: &[u8],
    browser_public: &[u8],
    auth_secret: &[u8],
    agreement: &Agreement,
    salt: &[u8; 16],
) -> Result<Vec<u8>, CryptoError> {
    if plaintext.len() > MAX_PLAINTEXT {
        return Err(CryptoError::TooLong);
    }
    let (cek, nonce) = derive(
        &agreement.shared_secret,
        auth_secret,
        browser_public,
        &agreement.sender_public,
        salt,
    );
    let mut record = Vec::with_capacity(plaintext.len() + 17);
    record.extend_from_slice(plaintext);
    record.push(0x02); // the last (and only) record
    let key = LessSafeKey::new(UnboundKey::new(&AES_128_GCM, &cek).map_err(|_| CryptoError::Aead)?);
    key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut record)
        .map_err(|_| CryptoError::Aead)?;
    let mut body = Vec::with_capacity(16 + 4 + 1 + agreement.sender_public.len() + record.len());
    body.extend_from_slice(salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(agreement.sender_public.len() as u8);
    body.extend_from_slice(&agreement.sender_public);
    body.extend_from_slice(&record);
    Ok(body)
}

/// Encrypts `plaintext` for one browser with a fresh key pair and salt.
pub fn encrypt(
    plaintext: &[u8],
    browser_public: &[u8],
    auth_secret: &[u8],
    rng: &SystemRandom,
) -> Result<Vec<u8>, CryptoError> {
    let agreement = agree(browser_public, rng)?;
    let mut salt = [0u8; 16];
    rng.fill(&mut salt).map_err(|_| CryptoError::Aead)?;
    encrypt_with(plaintext, browser_public, auth_secret, &agreement, &salt)
}

/// The parts of an aes128gcm body, for a receiver to decrypt.
pub struct Parsed<'a> {
    pub salt: &'a [u8],
    pub sender_public: &'a [u8],
    pub ciphertext: &'a [u8],
}

pub fn parse(body: &[u8]) -> Option<Parsed<'_>> {
    let id_len = *body.get(20)? as usize;
    Some(Parsed {
        salt: body.get(..16)?,
        sender_public: body.get(21..21 + id_len)?,
        ciphertext: body.get(21 + id_len..)?,
    })
}

/// Opens a record with the derived key and nonce, dropping the padding delimiter.
pub fn open(cek: [u8; 16], nonce: [u8; 12], ciphertext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let key = LessSafeKey::new(UnboundKey::new(&AES_128_GCM, &cek).map_err(|_| CryptoError::Aead)?);
    let mut buffer = ciphertext.to_vec();
    let plain = key
        .open_in_place(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut buffer)
        .map_err(|_| CryptoError::Aead)?;
    let end = plain.iter().rposition(|b| *b != 0).ok_or(CryptoError::Aead)?;
    if plain[end] != 0x02 {
        return Err(CryptoError::Aead);
    }
    Ok(plain[..end].to_vec())
}

/// Whether `key` is a P-256 public key a message can be encrypted to: an
/// uncompressed point that lies on the curve (checked by agreeing a key with it).
pub fn is_p256_point(key: &[u8]) -> bool {
    let rng = SystemRandom::new();
    let Ok(mine) = EphemeralPrivateKey::generate(&ECDH_P256, &rng) else {
        return false;
    };
    key.len() == 65 && key[0] == 4 && agree_ephemeral(mine, &UnparsedPublicKey::new(&ECDH_P256, key), |_| ()).is_ok()
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    fn b64(text: &str) -> Vec<u8> {
        URL_SAFE_NO_PAD.decode(text).expect("base64url")
    }

    /// RFC 8291, Appendix A: the same keys and salt give the same bytes.
    #[test]
    fn the_rfc_8291_example_is_reproduced_byte_for_byte() {
        let sender_private = b64("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw");
        let sender_public =
            b64("BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8");
        let browser_private = b64("q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94");
        let browser_public =
            b64("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4");
        let auth = b64("BTBZMqHH6r4Tts7J_aSIgg");
        let salt: [u8; 16] = b64("DGv6ra1nlYgDCS1FRnbzlw").try_into().expect("16 bytes");
        let plaintext = b"When I grow up, I want to be a watermelon";
        let expected = b64(
            "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN",
        );

        // The fixed sender key of the example (ring only makes fresh ones, so p256 does the agreement here).
        let secret = p256::SecretKey::from_slice(&sender_private).expect("a P-256 scalar");
        let peer = p256::PublicKey::from_sec1_bytes(&browser_public).expect("a P-256 point");
        let shared = p256::ecdh::diffie_hellman(secret.to_nonzero_scalar(), peer.as_affine());
        let agreement = Agreement {
            sender_public: sender_public.clone(),
            shared_secret: shared.raw_secret_bytes().to_vec(),
        };
        let body = encrypt_with(plaintext, &browser_public, &auth, &agreement, &salt).expect("encrypts");
        // The example uses a record size of 4096 too, so every byte matches.
        assert_eq!(URL_SAFE_NO_PAD.encode(&body), URL_SAFE_NO_PAD.encode(&expected));

        // And the browser's side opens it.
        let parsed = parse(&body).expect("a well-formed body");
        let browser = p256::SecretKey::from_slice(&browser_private).expect("a P-256 scalar");
        let sender = p256::PublicKey::from_sec1_bytes(parsed.sender_public).expect("a P-256 point");
        let shared = p256::ecdh::diffie_hellman(browser.to_nonzero_scalar(), sender.as_affine());
        let (cek, nonce) = derive(
            shared.raw_secret_bytes(),
            &auth,
            &browser_public,
            parsed.sender_public,
            parsed.salt,
        );
        assert_eq!(open(cek, nonce, parsed.ciphertext).expect("decrypts"), plaintext);
    }

    #[test]
    fn fresh_keys_encrypt_what_the_browser_can_open_and_nobody_else() {
        let rng = SystemRandom::new();
        let browser = p256::SecretKey::from_slice(&[7u8; 32]).expect("a scalar");
        let browser_public = browser.public_key().to_sec1_bytes().to_vec();
        let auth = [9u8; 16];
        let body = encrypt(b"hello", &browser_public, &auth, &rng).expect("encrypts");
        let parsed = parse(&body).expect("well formed");
        let sender = p256::PublicKey::from_sec1_bytes(parsed.sender_public).expect("a point");
        let shared = p256::ecdh::diffie_hellman(browser.to_nonzero_scalar(), sender.as_affine());
        let (cek, nonce) = derive(
            shared.raw_secret_bytes(),
            &auth,
            &browser_public,
            parsed.sender_public,
            parsed.salt,
        );
        assert_eq!(open(cek, nonce, parsed.ciphertext).expect("decrypts"), b"hello");
        let (cek, nonce) = derive(
            shared.raw_secret_bytes(),
            &[0u8; 16],
            &browser_public,
            parsed.sender_public,
            parsed.salt,
        );
        assert!(
            open(cek, nonce, parsed.ciphertext).is_err(),
            "the wrong auth secret cannot open it"
        );
        assert!(matches!(
            encrypt(&[0u8; 4000], &browser_public, &auth, &rng),
            Err(CryptoError::TooLong)
        ));
        assert!(matches!(
            encrypt(b"x", &[4u8; 65], &auth, &rng),
            Err(CryptoError::BadPublicKey)
        ));
    }
}
