//! A plugin's manifest: its limits and the capabilities it is granted.
//!
//! It lives beside the component as `<name>.toml` (for `<name>.wasm`). Every field is
//! optional; a missing manifest means the defaults of [`Limits`] and no capabilities.
//!
//! ```toml
//! [limits]
//! timeout_ms = 5000
//! fuel = 1_000_000_000
//! memory_mb = 64
//! max_output_bytes = 65536
//!
//! [capabilities]
//! env = ["API_TOKEN"]
//! allow_hosts = ["api.example.com", "127.0.0.1:8080"]
//! dirs = [{ host = "data", guest = "/data", mode = "ro" }]
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::sandbox::{Capabilities, Limits};

/// Limits and capabilities of one plugin.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Manifest {
    /// Resource limits of each call.
    pub limits: Limits,
    /// What the plugin may reach; nothing by default.
    pub capabilities: Capabilities,
}

/// A manifest file that cannot be read or parsed.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The file exists but cannot be read.
    #[error("cannot read manifest {path}: {source}")]
    Read {
        /// The manifest file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a valid manifest; the message names the field and line.
    #[error("invalid manifest {path}: {message}")]
    Parse {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong, and where.
        message: String,
    },
}

impl Manifest {
    /// The manifest path for the component at `wasm`: the same path with `.toml`.
    pub fn path_for(wasm: &Path) -> PathBuf {
        wasm.with_extension("toml")
    }

    /// Reads the manifest beside `wasm`, or the default one if there is none.
    pub fn for_component(wasm: &Path) -> Result<Self, ManifestError> {
        let path = Self::path_for(wasm);
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(&text, &path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(source) => Err(ManifestError::Read { path, source }),
        }
    }

    /// Parses manifest text; `path` is only used in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ManifestError> {
        toml::from_str(text).map_err(|e| ManifestError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_manifest_is_the_defaults_and_grants_nothing() {
        let m = Manifest::parse("", Path::new("t.toml")).unwrap();
        assert_eq!(m, Manifest::default());
        assert!(m.capabilities.dirs.is_empty());
        assert!(m.capabilities.env.is_empty());
        assert!(m.capabilities.allow_hosts.is_empty());
    }

    #[test]
    fn reads_every_field() {
        let m = Manifest::parse(
            r#"
            [limits]
            timeout_ms = 50
            fuel = 7
            memory_mb = 3
            [capabilities]
            env = ["A"]
            allow_hosts = ["127.0.0.1:9"]
            dirs = [{ host = "d", guest = "/d", mode = "rw" }]
            "#,
            Path::new("t.toml"),
        )
        .unwrap();
        assert_eq!(
            (m.limits.timeout_ms, m.limits.fuel, m.limits.memory_mb),
            (50, 7, 3)
        );
        assert_eq!(m.capabilities.allow_hosts[0].to_string(), "127.0.0.1:9");
        assert_eq!(
            m.capabilities.dirs[0].mode,
            crate::sandbox::DirMode::ReadWrite
        );
    }

    #[test]
    fn unknown_fields_and_bad_values_name_the_place() {
        let err = Manifest::parse("[limits]\ntimeout = 5\n", Path::new("t.toml")).unwrap_err();
        assert!(err.to_string().contains("timeout"), "{err}");
        let err = Manifest::parse(
            "[capabilities]\nallow_hosts = [\"http://x\"]\n",
            Path::new("t.toml"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("not a URL"), "{err}");
        assert!(err.to_string().contains("line 2"), "{err}");
    }
}
