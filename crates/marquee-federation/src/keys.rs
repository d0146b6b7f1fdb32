//! RSA keys as ActivityPub uses them: 2048-bit pairs kept as PEM (SPKI public, PKCS#8 private),
//! PKCS#1 v1.5 signatures over SHA-256 (`rsa-sha256`).

use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::Sha256;

/// A new key pair as PEM: (public SPKI, private PKCS#8). Takes a few hundred milliseconds.
pub fn generate() -> Result<(String, String), String> {
    let private = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).map_err(|e| e.to_string())?;
    let public = RsaPublicKey::from(&private);
    let public_pem = public.to_public_key_pem(LineEnding::LF).map_err(|e| e.to_string())?;
    let private_pem = private.to_pkcs8_pem(LineEnding::LF).map_err(|e| e.to_string())?.to_string();
    Ok((public_pem, private_pem))
}

/// A private key that signs.
#[derive(Clone)]
pub struct PrivateKey(SigningKey<Sha256>);

impl PrivateKey {
    pub fn from_pem(pem: &str) -> Result<PrivateKey, String> {
        let key = RsaPrivateKey::from_pkcs8_pem(pem)
            .or_else(|_| rsa::pkcs1::DecodeRsaPrivateKey::from_pkcs1_pem(pem))
            .map_err(|e| format!("not an RSA private key: {e}"))?;
        Ok(PrivateKey(SigningKey::new(key)))
    }

    pub fn sign(&self, data: &[u8]) -> Vec<u8> {
        self.0.sign(data).to_vec()
    }
}

/// A public key that verifies: SPKI (`BEGIN PUBLIC KEY`, as Mastodon publishes) or PKCS#1
/// (`BEGIN RSA PUBLIC KEY`, as some servers do).
#[derive(Clone)]
pub struct PublicKey(VerifyingKey<Sha256>);

impl PublicKey {
    pub fn from_pem(pem: &str) -> Result<PublicKey, String> {
        let pem = pem.trim();
        let key = RsaPublicKey::from_public_key_pem(pem)
            .or_else(|_| rsa::pkcs1::DecodeRsaPublicKey::from_pkcs1_pem(pem))
            .map_err(|e| format!("not an RSA public key: {e}"))?;
        Ok(PublicKey(VerifyingKey::new(key)))
    }

    pub fn verify(&self, data: &[u8], signature: &[u8]) -> bool {
        match Signature::try_from(signature) {
            Ok(signature) => self.0.verify(data, &signature).is_ok(),
            Err(_) => false,
        }
    }
}
