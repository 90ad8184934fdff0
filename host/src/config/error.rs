//! Configuration errors: each names the file, the field and what is wrong with its value.

use std::fmt;
use std::path::PathBuf;

/// A crew configuration that cannot be used.
#[derive(Debug)]
pub struct ConfigError {
    /// The file at fault.
    pub file: PathBuf,
    /// The dotted path of the field (empty when the whole file is at fault).
    pub field: String,
    /// What is wrong, with the bad value.
    pub message: String,
}

impl ConfigError {
    pub(crate) fn new(
        file: impl Into<PathBuf>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            file: file.into(),
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(
                f,
                "{}: {}: {}",
                self.file.display(),
                self.field,
                self.message
            )
        }
    }
}

impl std::error::Error for ConfigError {}
