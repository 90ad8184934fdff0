//! Capabilities a manifest grants: preopened directories, environment variables and
//! outgoing-HTTP hosts. Deny is the zero value: an empty [`Capabilities`] grants nothing.
//!
//! [`Capabilities`] is what a manifest says; [`Grants`] is the same resolved once per plugin
//! (paths made absolute and checked, env values read), the template from which each call's
//! WASI context is built.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder};

use super::http::HostPattern;
use super::log::CallLog;

/// What a plugin may reach beyond its own memory. By default: nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Capabilities {
    /// Host directories visible to the guest.
    pub dirs: Vec<DirGrant>,
    /// Names of host environment variables passed to the guest (unset ones are skipped).
    pub env: Vec<String>,
    /// Hosts the guest may send HTTP requests to (`host`, `host:port` or `*.domain`).
    pub allow_hosts: Vec<HostPattern>,
}

impl Capabilities {
    /// Adds `other`'s grants to these.
    pub fn extend(&mut self, other: Capabilities) {
        self.dirs.extend(other.dirs);
        self.env.extend(other.env);
        self.allow_hosts.extend(other.allow_hosts);
    }
}

/// A host directory preopened in the guest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirGrant {
    /// The host directory; relative paths are relative to the manifest's directory (or the
    /// current directory on the command line).
    pub host: PathBuf,
    /// Where the guest sees it.
    pub guest: String,
    /// Read-only unless `rw`.
    #[serde(default)]
    pub mode: DirMode,
}

/// Access to a preopened directory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum DirMode {
    /// Read files and list directories.
    #[default]
    #[serde(rename = "ro")]
    ReadOnly,
    /// Also create, write and delete.
    #[serde(rename = "rw")]
    ReadWrite,
}

impl FromStr for DirGrant {
    type Err = String;

    /// Parses `HOST_PATH:GUEST_PATH[:ro|rw]`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (rest, mode) = match s.rsplit_once(':') {
            Some((rest, "ro")) => (rest, DirMode::ReadOnly),
            Some((rest, "rw")) => (rest, DirMode::ReadWrite),
            _ => (s, DirMode::ReadOnly),
        };
        match rest.split_once(':') {
            Some((host, guest)) if !host.is_empty() && !guest.is_empty() => Ok(Self {
                host: host.into(),
                guest: guest.into(),
                mode,
            }),
            _ => Err(format!(
                "invalid directory grant {s:?}: expected HOST_PATH:GUEST_PATH[:ro|rw]"
            )),
        }
    }
}

/// A grant that cannot be resolved.
#[derive(Debug, thiserror::Error)]
#[error("directory grant {host}: {source}")]
pub struct GrantError {
    /// The host directory as given.
    pub host: PathBuf,
    /// Why it cannot be granted.
    pub source: std::io::Error,
}

/// Capabilities resolved for one plugin: the template each call's WASI context comes from.
#[derive(Clone, Debug, Default)]
pub struct Grants {
    dirs: Arc<[(PathBuf, String, FsPerms)]>,
    env: Arc<[(String, String)]>,
    pub(super) hosts: Arc<[HostPattern]>,
}

impl Grants {
    /// Resolves `caps`, with relative directories taken from `base`.
    pub fn resolve(caps: &Capabilities, base: &Path) -> Result<Self, GrantError> {
        let dirs = caps
            .dirs
            .iter()
            .map(|d| {
                let path = base.join(&d.host);
                let canonical = path.canonicalize().map_err(|source| GrantError {
                    host: d.host.clone(),
                    source,
                })?;
                if !canonical.is_dir() {
                    return Err(GrantError {
                        host: d.host.clone(),
                        source: std::io::Error::new(
                            std::io::ErrorKind::NotADirectory,
                            "not a directory",
                        ),
                    });
                }
                let perms = match d.mode {
                    DirMode::ReadOnly => FsPerms::ReadOnly,
                    DirMode::ReadWrite => FsPerms::ReadWrite,
                };
                Ok((canonical, d.guest.clone(), perms))
            })
            .collect::<Result<_, _>>()?;
        let env = caps
            .env
            .iter()
            .filter_map(|name| std::env::var(name).ok().map(|v| (name.clone(), v)))
            .collect();
        Ok(Self {
            dirs,
            env,
            hosts: caps.allow_hosts.iter().cloned().collect(),
        })
    }

    /// A fresh WASI context granting exactly these capabilities, with stdout and stderr
    /// captured into `log`. Sockets and name lookups are always off: outgoing HTTP goes
    /// through `wasi:http` and its allow-list instead.
    pub(super) fn wasi_ctx(&self, log: &CallLog) -> Result<WasiCtx, std::io::Error> {
        let mut builder = WasiCtxBuilder::new();
        builder
            .stdout(log.stdout())
            .stderr(log.stderr())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false);
        builder.envs(&self.env);
        for (host, guest, perms) in self.dirs.iter() {
            builder
                .preopened_dir(host, guest, *perms)
                .map_err(|e| std::io::Error::other(format!("{}: {e}", host.display())))?;
        }
        Ok(builder.build())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_directory_grants() {
        let g: DirGrant = "./data:/data".parse().unwrap();
        assert_eq!((g.guest.as_str(), g.mode), ("/data", DirMode::ReadOnly));
        let g: DirGrant = "/tmp/x:/out:rw".parse().unwrap();
        assert_eq!(
            (g.host, g.mode),
            (PathBuf::from("/tmp/x"), DirMode::ReadWrite)
        );
        assert!("/only-host".parse::<DirGrant>().is_err());
    }

    #[test]
    fn unset_env_vars_are_skipped_and_missing_dirs_rejected() {
        let caps = Capabilities {
            env: vec!["WASMCREW_SURELY_UNSET_VAR".into()],
            ..Default::default()
        };
        let grants = Grants::resolve(&caps, Path::new(".")).unwrap();
        assert!(grants.env.is_empty());

        let caps = Capabilities {
            dirs: vec!["/no/such/dir:/d".parse().unwrap()],
            ..Default::default()
        };
        let err = Grants::resolve(&caps, Path::new(".")).unwrap_err();
        assert!(err.to_string().contains("/no/such/dir"), "{err}");
    }
}
