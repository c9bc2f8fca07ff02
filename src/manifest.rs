//! `manifest.json`: what produced a batch and the SHA-256 of every input and
//! output file, so an auditor can prove which exports came from which data.
//! It holds no timestamps: an unchanged re-run gives the same manifest.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Manifest {
    pub tool: String,
    pub version: String,
    pub period: String,
    pub icd10cm_releases: Vec<String>,
    /// File name (relative to the practice folder) -> SHA-256 hex.
    pub inputs: BTreeMap<String, String>,
    /// File path relative to the output folder -> SHA-256 hex.
    pub outputs: BTreeMap<String, String>,
    /// PDF path -> SHA-256 of what it was rendered from (the superbill's
    /// data and the renderer's fingerprint): a re-run whose source is
    /// unchanged and whose file is intact skips rendering it.
    #[serde(default)]
    pub sources: BTreeMap<String, String>,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Manifest {
    /// The manifest a previous run left in `dir`, if any and readable.
    pub fn previous(dir: &std::path::Path) -> Manifest {
        std::fs::read(dir.join("manifest.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    pub fn to_json(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).expect("manifest serialises");
        v.push(b'\n');
        v
    }
}
