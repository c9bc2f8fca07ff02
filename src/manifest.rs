//! `manifest.json`: what produced a batch and the SHA-256 of every input and
//! output file, so an auditor can prove which exports came from which data.
//! It holds no timestamps: an unchanged re-run gives the same manifest.

use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

#[derive(Debug, Serialize)]
pub struct Manifest {
    pub tool: &'static str,
    pub version: &'static str,
    pub period: String,
    pub icd10cm_releases: Vec<String>,
    /// File name (relative to the practice folder) -> SHA-256 hex.
    pub inputs: BTreeMap<String, String>,
    /// File path relative to the output folder -> SHA-256 hex.
    pub outputs: BTreeMap<String, String>,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Manifest {
    pub fn to_json(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).expect("manifest serialises");
        v.push(b'\n');
        v
    }
}
