//! Errors that stop a command. Problems in the data are not errors here but
//! findings (see `findings`); these are the things a user fixes before the
//! tool can even look at the data.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Arguments that cannot work together or point nowhere.
    #[error("{0}")]
    Usage(String),
    /// A configuration file (practice.toml, a code table, a template) that
    /// cannot be read or understood.
    #[error("{path}: {message}")]
    Config { path: PathBuf, message: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A handlebars template failed; names the template and the field.
    #[error("template '{template}': {message}")]
    Template { template: String, message: String },
    /// A document holds text no available font can draw (the message names
    /// the document and the field, never the text). The batch holds that
    /// one document's superbill instead of stopping.
    #[error("{0}")]
    Unprintable(String),
    /// Anything else that went wrong while producing output.
    #[error("{0}")]
    Other(String),
    /// Stopped by Ctrl-C (or SIGTERM) before finishing.
    #[error("interrupted: stopped before finishing; no half-written file was left, and running the same command again completes it")]
    Interrupted,
}

impl Error {
    pub fn config(path: impl AsRef<Path>, message: impl Into<String>) -> Error {
        Error::Config {
            path: path.as_ref().to_path_buf(),
            message: message.into(),
        }
    }

    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }

    /// Exit code for scripts: 130 when interrupted (as a shell reports
    /// Ctrl-C), 2 for anything else that is not a finding in the data (bad
    /// arguments, unreadable configuration, failed writes).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Interrupted => 130,
            _ => 2,
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
