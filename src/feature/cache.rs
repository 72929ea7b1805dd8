//! Fetched Features on disk, by the digest of their manifest, so a Feature is
//! downloaded once and a pinned one needs no network at all; and the digest each tag
//! last resolved to, so an offline `up` can go on with what it used before (and says so).

use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::manifest::MANIFEST_FILE;

/// The folder of fetched Features.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureCache {
    root: PathBuf,
}

impl FeatureCache {
    /// The cache under `BERTH_CACHE_DIR` when set, else the user's cache folder.
    pub fn new() -> Option<Self> {
        let base = match std::env::var_os("BERTH_CACHE_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => directories::BaseDirs::new()?
                .cache_dir()
                .join(crate::APP_IDENTIFIER),
        };
        Some(Self::at(base.join("features")))
    }

    /// A cache at `root`.
    pub fn at(root: PathBuf) -> Self {
        Self { root }
    }

    fn folder(&self, digest: &str) -> PathBuf {
        self.root.join(digest.replace(':', "-"))
    }

    /// The Feature folder for manifest `digest`, when it was fetched before.
    pub fn get(&self, digest: &str) -> Option<PathBuf> {
        let folder = self.folder(digest);
        folder.join(MANIFEST_FILE).is_file().then_some(folder)
    }

    /// Unpack `layer` (a tar, gzipped or not) as the Feature of manifest `digest`.
    ///
    /// # Errors
    ///
    /// The layer is not a tar, or the cache folder cannot be written.
    pub fn put(&self, digest: &str, layer: &[u8]) -> std::io::Result<PathBuf> {
        std::fs::create_dir_all(&self.root)?;
        let staging = tempfile::Builder::new()
            .prefix(".unpack-")
            .tempdir_in(&self.root)?;
        let reader: Box<dyn Read> = if layer.starts_with(&[0x1f, 0x8b]) {
            Box::new(flate2::read::GzDecoder::new(layer))
        } else {
            Box::new(layer)
        };
        // `unpack` refuses entries that would land outside the folder.
        tar::Archive::new(reader).unpack(staging.path())?;
        let unpacked = feature_root(staging.path()).ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("the Feature's layer holds no {MANIFEST_FILE}"),
            )
        })?;
        let folder = self.folder(digest);
        if folder.exists() {
            std::fs::remove_dir_all(&folder)?;
        }
        std::fs::rename(unpacked, &folder)?;
        Ok(folder)
    }

    fn tag_file(&self, reference: &str) -> PathBuf {
        self.root
            .join("tags")
            .join(super::hex(&Sha256::digest(reference.as_bytes())))
    }

    /// Note that `reference` (with its tag) resolved to `digest`.
    pub fn remember_tag(&self, reference: &str, digest: &str) {
        let file = self.tag_file(reference);
        let written = file
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&file, digest));
        if let Err(err) = written {
            tracing::debug!("cannot note the digest of {reference}: {err}");
        }
    }

    /// The digest `reference` last resolved to.
    pub fn recall_tag(&self, reference: &str) -> Option<String> {
        std::fs::read_to_string(self.tag_file(reference))
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| s.starts_with("sha256:"))
    }
}

/// The folder holding `devcontainer-feature.json`: the root, or its one sub-folder.
fn feature_root(dir: &Path) -> Option<PathBuf> {
    if dir.join(MANIFEST_FILE).is_file() {
        return Some(dir.to_owned());
    }
    let mut entries = std::fs::read_dir(dir).ok()?.filter_map(Result::ok);
    let only = entries.next()?;
    (entries.next().is_none() && only.path().join(MANIFEST_FILE).is_file()).then(|| only.path())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(gzip: bool) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, body) in [
            ("./devcontainer-feature.json", &br#"{"id":"hello"}"#[..]),
            ("./install.sh", &b"#!/bin/sh\necho hi\n"[..]),
        ] {
            let mut header = tar::Header::new_gnu();
            header.set_size(body.len() as u64);
            header.set_mode(0o755);
            header.set_cksum();
            builder.append_data(&mut header, name, body).unwrap();
        }
        let tar = builder.into_inner().unwrap();
        if !gzip {
            return tar;
        }
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut encoder, &tar).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn a_layer_is_unpacked_once_by_digest_tar_or_gzip() {
        let dir = tempfile::tempdir().unwrap();
        let cache = FeatureCache::at(dir.path().join("features"));
        assert!(cache.get("sha256:aa").is_none());
        for (digest, gzip) in [("sha256:aa", false), ("sha256:bb", true)] {
            let folder = cache.put(digest, &layer(gzip)).unwrap();
            assert_eq!(cache.get(digest), Some(folder.clone()));
            assert!(std::fs::read_to_string(folder.join("install.sh"))
                .unwrap()
                .contains("echo hi"));
        }
        assert!(cache.put("sha256:cc", b"not a tar at all").is_err());
        assert!(cache.get("sha256:cc").is_none());
    }

    #[test]
    fn tags_remember_their_last_digest() {
        let dir = tempfile::tempdir().unwrap();
        let cache = FeatureCache::at(dir.path().to_owned());
        assert_eq!(cache.recall_tag("ghcr.io/x/y:1"), None);
        cache.remember_tag("ghcr.io/x/y:1", "sha256:abc");
        assert_eq!(
            cache.recall_tag("ghcr.io/x/y:1").as_deref(),
            Some("sha256:abc")
        );
    }
}
