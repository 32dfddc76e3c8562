//! Where watermark images come from: the other objects of the input's bucket.
//!
//! mogr never fetches anything from the network. A rule's image URL (`watermark/1/image/...`)
//! is parsed by the planner into an [`ObjectUrl`] whose key cannot leave the bucket
//! (see [`mogr_plan::key`]); at execution the [`ObjectResolver`] the caller supplies turns it
//! into bytes:
//!
//! ```text
//! image/<base64 URL> ──planner: ObjectUrl::parse──▶ host + ObjectKey
//!   ──ObjectResolver::fetch (at most max_bytes)──▶ bytes ──probe, decode (still, within Limits)──▶ mark
//! ```
//!
//! - [`NoObjects`]: the default; every fetch fails with a message saying that this engine
//!   was given no bucket.
//! - [`FolderObjects`]: a bucket that is a folder (the CLI: the input's folder or
//!   `--bucket-root`). The key's segments are joined under the folder, and the file's real
//!   path (symbolic links resolved) must still lie inside the folder's real path.
//! - A server implements the trait over its own store, checking that the URL's host names the
//!   bucket it serves.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use mogr_plan::ObjectUrl;

/// A store of the objects a rule may draw on (one bucket).
pub trait ObjectResolver: Send + Sync {
    /// The bytes of the object `url` names, refusing objects larger than `max_bytes`.
    fn fetch(&self, url: &ObjectUrl, max_bytes: u64) -> Result<Vec<u8>, FetchError>;
}

/// Why an object could not be fetched.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FetchError {
    /// There is no such object (or it could not be read): CI's "failed to retrieve the image".
    NotFound(String),
    /// The URL names something this store will not serve (another bucket, a link that leads
    /// out of the bucket): CI's "invalid URL".
    Refused(String),
    /// The object is larger than allowed.
    TooLarge {
        /// The object's key.
        key: String,
        /// The most bytes allowed.
        max_bytes: u64,
    },
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::NotFound(what) | FetchError::Refused(what) => f.write_str(what),
            FetchError::TooLarge { key, max_bytes } => {
                write!(f, "the object {key:?} is larger than the limit of {max_bytes} bytes")
            }
        }
    }
}

impl std::error::Error for FetchError {}

/// No bucket: every fetch fails.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoObjects;

impl ObjectResolver for NoObjects {
    fn fetch(&self, url: &ObjectUrl, _max_bytes: u64) -> Result<Vec<u8>, FetchError> {
        Err(FetchError::NotFound(format!(
            "the object {:?} cannot be fetched: this engine was given no bucket to read watermark images from",
            url.key.as_str()
        )))
    }
}

/// A bucket that is a folder on disk; the URL's host is not checked.
#[derive(Clone, Debug)]
pub struct FolderObjects {
    root: PathBuf,
}

impl FolderObjects {
    /// The bucket stored in the folder `root`.
    pub fn new(root: impl Into<PathBuf>) -> FolderObjects {
        FolderObjects { root: root.into() }
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file of `url`'s key, checked to lie inside the folder once links are resolved.
    fn file_of(&self, url: &ObjectUrl) -> Result<PathBuf, FetchError> {
        let key = url.key.as_str();
        let not_found = |e: std::io::Error| FetchError::NotFound(format!("the object {key:?} cannot be read: {e}"));
        let root = self.root.canonicalize().map_err(|e| {
            FetchError::NotFound(format!("the bucket folder {} cannot be opened: {e}", self.root.display()))
        })?;
        let path = url.key.segments().fold(root.clone(), |path, segment| path.join(segment));
        let real = path.canonicalize().map_err(not_found)?;
        if !real.starts_with(&root) {
            return Err(FetchError::Refused(format!("the object {key:?} links outside its bucket")));
        }
        if !real.is_file() {
            return Err(FetchError::NotFound(format!("the object {key:?} is not a file")));
        }
        Ok(real)
    }
}

impl ObjectResolver for FolderObjects {
    fn fetch(&self, url: &ObjectUrl, max_bytes: u64) -> Result<Vec<u8>, FetchError> {
        let key = url.key.as_str();
        let path = self.file_of(url)?;
        let not_found = |e: std::io::Error| FetchError::NotFound(format!("the object {key:?} cannot be read: {e}"));
        let file = std::fs::File::open(&path).map_err(not_found)?;
        let too_large = || FetchError::TooLarge { key: key.to_owned(), max_bytes };
        if file.metadata().map_err(not_found)?.len() > max_bytes {
            return Err(too_large());
        }
        let mut bytes = Vec::new();
        file.take(max_bytes.saturating_add(1)).read_to_end(&mut bytes).map_err(not_found)?;
        if bytes.len() as u64 > max_bytes {
            return Err(too_large());
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn folder() -> (PathBuf, FolderObjects) {
        let dir = std::env::temp_dir().join(format!("mogr-objects-{}", std::process::id()));
        let bucket = dir.join("bucket");
        std::fs::create_dir_all(bucket.join("logos")).unwrap();
        std::fs::write(bucket.join("logos/mark.png"), b"mark").unwrap();
        std::fs::write(dir.join("secret.png"), b"secret").unwrap();
        (dir, FolderObjects::new(bucket))
    }

    fn url(s: &str) -> ObjectUrl {
        ObjectUrl::parse(s).unwrap()
    }

    #[test]
    fn a_folder_serves_its_files_and_nothing_else() {
        let (dir, objects) = folder();
        assert_eq!(objects.fetch(&url("http://b.cos.x.myqcloud.com/logos/mark.png"), 100).unwrap(), b"mark");
        assert!(matches!(objects.fetch(&url("logos/none.png"), 100), Err(FetchError::NotFound(_))));
        assert!(matches!(objects.fetch(&url("logos"), 100), Err(FetchError::NotFound(_))));
        assert_eq!(
            objects.fetch(&url("logos/mark.png"), 3),
            Err(FetchError::TooLarge { key: "logos/mark.png".into(), max_bytes: 3 })
        );
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.join("secret.png"), dir.join("bucket/link.png")).unwrap();
            assert!(matches!(objects.fetch(&url("link.png"), 100), Err(FetchError::Refused(_))));
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn no_objects_says_why() {
        let err = NoObjects.fetch(&url("a.png"), 10).unwrap_err().to_string();
        assert!(err.contains("no bucket"), "{err}");
    }
}
