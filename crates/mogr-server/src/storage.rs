//! Where buckets live: the [`Store`] trait and its local-folder implementation [`LocalStore`].
//!
//! ```text
//! ROOT/
//!   examplebucket-1250000000/        a bucket: its objects are the files below it
//!     photos/cat.jpg                 key "photos/cat.jpg"
//!   .mogr/                           the server's own data (no bucket name starts with '.')
//!     meta/<bucket>/<key>.meta.json  Content-Type, ETag (MD5) and the size and mtime they are for
//!     buckets/<bucket>.json          the bucket's settings: styles, hotlink, origin protection
//! ```
//!
//! Every key reaching a store is an [`ObjectKey`]: relative, no `.`/`..`/empty segments, no
//! backslashes or control characters. The local store also checks, after resolving symbolic
//! links, that every file it reads or writes lies inside the bucket's folder, and it never
//! creates a folder through a link. Writes go to a temporary file in the object's own folder
//! (`.mogr-tmp-*`, a name no key may use), are flushed to disk, then renamed over the object:
//! a crash leaves the old object or the new one, never half of one. A file put in a bucket
//! folder by hand is served too; its ETag and type are computed on first read.
//!
//! Listing a bucket walks its folder tree in ascending key order (a folder `a` sorts as the
//! key prefix `a/`), visiting only the folders that can hold keys of the page (by prefix and
//! marker), rolling a folder whose keys share one common prefix up without entering it, and
//! stopping after `max-keys` entries and one more. The cost: each folder visited is read whole
//! and its names sorted in memory (a folder of a million files holds a million names for a
//! moment); object bytes are not read, except that a file put in by hand is hashed once for its
//! ETag, as HEAD does. Temporary files, names that are not valid keys and links out of the
//! bucket are not listed; links to folders are not entered (a link cycle cannot loop).
//!
//! The trait is synchronous: the server calls it on its blocking pool. The S3-backed store,
//! [`crate::s3_store::S3Store`], implements the same trait.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use md5::{Digest, Md5};
use mogr::plan::ObjectKey;
use serde::{Deserialize, Serialize};

use crate::bucket_config::BucketConfig;
use crate::listing::{Entry, ListQuery, ListedObject, Listing, PageBuilder, Walk};
use crate::uploads::Uploads;

/// The prefix of temporary files; a key with a segment starting with it is refused.
pub const TEMP_PREFIX: &str = ".mogr-tmp-";

/// What the store knows of one object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectMeta {
    /// Size in bytes.
    pub size: u64,
    /// The MD5 of the content in lower-case hex, in double quotes, as COS sends it.
    pub etag: String,
    /// The MIME type given when it was put, or guessed from its name and bytes.
    pub content_type: String,
    /// When it was last written.
    pub last_modified: SystemTime,
}

/// An object's bytes, ready to be read.
#[derive(Debug)]
pub enum ObjectBody {
    /// A local file, positioned at its start.
    File(File),
    /// Bytes in memory.
    Bytes(Vec<u8>),
}

/// Why a store operation failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreError {
    /// There is no bucket of this name.
    NoSuchBucket(String),
    /// There is no object with this key.
    NoSuchKey(String),
    /// The key collides with a folder, or a folder on its path with an object.
    Conflict(String),
    /// The key leads outside the bucket (through a symbolic link) or is reserved.
    Refused(String),
    /// The object is larger than the caller accepts.
    TooLarge {
        /// The key.
        key: String,
        /// The object's size.
        size: u64,
        /// The most bytes accepted.
        limit: u64,
    },
    /// Any other I/O failure.
    Io(String),
    /// There is no multipart upload with this id (never made, completed or aborted).
    NoSuchUpload(String),
    /// A part of a multipart upload is missing or not the one named.
    InvalidPart(String),
}

/// A place that holds buckets of objects and their settings, and stages multipart uploads
/// ([`Uploads`]).
pub trait Store: Send + Sync + Uploads {
    /// Whether the bucket exists.
    fn has_bucket(&self, bucket: &str) -> Result<bool, StoreError>;
    /// The object's metadata.
    fn head(&self, bucket: &str, key: &ObjectKey) -> Result<ObjectMeta, StoreError>;
    /// The object's metadata and bytes.
    fn get(&self, bucket: &str, key: &ObjectKey) -> Result<(ObjectMeta, ObjectBody), StoreError>;
    /// The object's bytes in memory, refusing objects over `max_bytes`.
    fn read(&self, bucket: &str, key: &ObjectKey, max_bytes: u64) -> Result<(ObjectMeta, Vec<u8>), StoreError>;
    /// Stores `bytes` under `key` atomically, replacing any object there.
    fn put(
        &self,
        bucket: &str,
        key: &ObjectKey,
        bytes: &[u8],
        content_type: Option<&str>,
    ) -> Result<ObjectMeta, StoreError>;
    /// Deletes the object; deleting a missing object succeeds.
    fn delete(&self, bucket: &str, key: &ObjectKey) -> Result<(), StoreError>;
    /// The bucket's settings (the default ones when none were saved).
    fn config(&self, bucket: &str) -> Result<BucketConfig, StoreError>;
    /// Replaces the bucket's settings.
    fn save_config(&self, bucket: &str, config: &BucketConfig) -> Result<(), StoreError>;
    /// The bucket's settings as downloads check them: a store may answer from a short-lived
    /// copy (changes always read [`Store::config`], which is never stale).
    fn recent_config(&self, bucket: &str) -> Result<BucketConfig, StoreError> {
        self.config(bucket)
    }
    /// One page of the bucket's listing ([`crate::listing`]): exactly the objects a GET could
    /// return (never the server's own files), each with the metadata [`Store::head`] answers.
    fn list(&self, bucket: &str, query: &ListQuery) -> Result<Listing, StoreError>;
}

/// Whether `name` is a bucket name COS accepts: `<name>-<APPID>`, the name of lower-case
/// letters, digits and `-`, the APPID of digits.
pub fn is_bucket_name(name: &str) -> bool {
    name.rsplit_once('-').is_some_and(|(base, appid)| {
        !base.is_empty()
            && base.len() <= 50
            && !base.starts_with('-')
            && base.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !appid.is_empty()
            && appid.len() <= 20
            && appid.bytes().all(|b| b.is_ascii_digit())
    })
}

/// Buckets that are folders under one root.
#[derive(Debug)]
pub struct LocalStore {
    root: PathBuf,
}

/// The sidecar that remembers an object's type and ETag.
#[derive(Debug, Serialize, Deserialize)]
struct Sidecar {
    content_type: String,
    etag: String,
    size: u64,
    mtime_nanos: u128,
}

impl LocalStore {
    /// The store whose buckets are the folders of `root`.
    pub fn new(root: impl Into<PathBuf>) -> LocalStore {
        LocalStore { root: root.into() }
    }

    /// The root folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The bucket's folder, links resolved.
    pub(crate) fn bucket_dir(&self, bucket: &str) -> Result<PathBuf, StoreError> {
        if !is_bucket_name(bucket) {
            return Err(StoreError::NoSuchBucket(bucket.to_owned()));
        }
        let dir = self.root.join(bucket);
        match dir.canonicalize() {
            Ok(real) if real.is_dir() => Ok(real),
            Ok(_) => Err(StoreError::NoSuchBucket(bucket.to_owned())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(StoreError::NoSuchBucket(bucket.to_owned())),
            Err(e) => Err(io_error("opening the bucket folder", &dir, &e)),
        }
    }

    /// The file of an existing object, checked to lie inside the bucket.
    fn object_file(&self, bucket: &str, key: &ObjectKey) -> Result<PathBuf, StoreError> {
        check_reserved(key)?;
        let dir = self.bucket_dir(bucket)?;
        let path = key.segments().fold(dir.clone(), |path, segment| path.join(segment));
        let real = match path.canonicalize() {
            Ok(real) => real,
            Err(e) if is_missing(&e) => return Err(StoreError::NoSuchKey(key.to_string())),
            Err(e) => return Err(io_error("opening", &path, &e)),
        };
        if !real.starts_with(&dir) {
            return Err(StoreError::Refused(format!("the key {:?} links outside its bucket", key.as_str())));
        }
        if !real.is_file() {
            return Err(StoreError::NoSuchKey(key.to_string()));
        }
        Ok(real)
    }

    /// The folder for `key`'s file, created one segment at a time without following a link
    /// out of the bucket.
    fn parent_for_write(&self, bucket: &str, key: &ObjectKey) -> Result<(PathBuf, String), StoreError> {
        check_reserved(key)?;
        let dir = self.bucket_dir(bucket)?;
        let segments: Vec<&str> = key.segments().collect();
        let Some((name, folders)) = segments.split_last() else {
            return Err(StoreError::Refused("the key is empty".to_owned()));
        };
        let mut path = dir.clone();
        for folder in folders {
            path.push(folder);
            match fs::symlink_metadata(&path) {
                Ok(meta) if meta.is_dir() => {}
                Ok(meta) if meta.file_type().is_symlink() => {
                    let real = path.canonicalize().map_err(|e| io_error("resolving", &path, &e))?;
                    if !real.starts_with(&dir) {
                        return Err(StoreError::Refused(format!(
                            "the key {:?} leads through a link outside its bucket",
                            key.as_str()
                        )));
                    }
                    if !real.is_dir() {
                        return Err(conflict(key));
                    }
                    path = real;
                }
                Ok(_) => return Err(conflict(key)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => match fs::create_dir(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists && path.is_dir() => {}
                    Err(e) => return Err(io_error("creating the folder", &path, &e)),
                },
                Err(e) => return Err(io_error("reading", &path, &e)),
            }
        }
        Ok((path, (*name).to_owned()))
    }

    /// The folder for `key`'s file (made as [`LocalStore::parent_for_write`] makes it) and
    /// the file's path, refused when a folder has that path.
    pub(crate) fn target_for_write(&self, bucket: &str, key: &ObjectKey) -> Result<(PathBuf, PathBuf), StoreError> {
        let (folder, name) = self.parent_for_write(bucket, key)?;
        let target = folder.join(&name);
        if fs::symlink_metadata(&target).is_ok_and(|m| m.is_dir()) {
            return Err(conflict(key));
        }
        Ok((folder, target))
    }

    /// Records the type and ETag of the object just written at `target` in its sidecar (best
    /// effort: without it they are computed again on first read) and returns its metadata.
    pub(crate) fn remember_meta(
        &self,
        bucket: &str,
        key: &ObjectKey,
        target: &Path,
        content_type: String,
        etag: String,
    ) -> Result<ObjectMeta, StoreError> {
        let stat = fs::metadata(target).map_err(|e| io_error("reading", target, &e))?;
        let modified = stat.modified().unwrap_or(UNIX_EPOCH);
        let sidecar = Sidecar { content_type, etag, size: stat.len(), mtime_nanos: nanos(modified) };
        let _ = write_sidecar(&self.sidecar_path(bucket, key), &sidecar);
        Ok(ObjectMeta {
            size: sidecar.size,
            etag: sidecar.etag,
            content_type: sidecar.content_type,
            last_modified: modified,
        })
    }

    fn sidecar_path(&self, bucket: &str, key: &ObjectKey) -> PathBuf {
        let mut path = self.root.join(".mogr").join("meta").join(bucket);
        for segment in key.segments() {
            path.push(segment);
        }
        let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        name.push(".meta.json");
        path.set_file_name(name);
        path
    }

    fn config_path(&self, bucket: &str) -> PathBuf {
        self.root.join(".mogr").join("buckets").join(format!("{bucket}.json"))
    }

    /// Where the first server kept a bucket's styles (read when there is no config yet).
    fn legacy_styles_path(&self, bucket: &str) -> PathBuf {
        self.root.join(".mogr").join("styles").join(format!("{bucket}.json"))
    }

    /// The metadata of the file at `path`: from its sidecar when that is current, else
    /// computed (and the sidecar rewritten, best effort).
    fn meta_of(&self, bucket: &str, key: &ObjectKey, path: &Path) -> Result<ObjectMeta, StoreError> {
        let stat = fs::metadata(path).map_err(|e| io_error("reading", path, &e))?;
        let modified = stat.modified().unwrap_or(UNIX_EPOCH);
        let mtime_nanos = nanos(modified);
        let sidecar_path = self.sidecar_path(bucket, key);
        let sidecar = fs::read(&sidecar_path).ok().and_then(|b| serde_json::from_slice::<Sidecar>(&b).ok());
        if let Some(s) = sidecar.filter(|s| s.size == stat.len() && s.mtime_nanos == mtime_nanos) {
            return Ok(ObjectMeta {
                size: s.size,
                etag: s.etag,
                content_type: s.content_type,
                last_modified: modified,
            });
        }
        let mut file = File::open(path).map_err(|e| io_error("opening", path, &e))?;
        let mut head = Vec::new();
        let etag = read_hashing(&mut file, path, &mut head, |_| Ok(()))?;
        let content_type = guess_content_type(key.as_str(), &head);
        let sidecar = Sidecar { content_type, etag, size: stat.len(), mtime_nanos };
        let _ = write_sidecar(&sidecar_path, &sidecar);
        Ok(ObjectMeta {
            size: sidecar.size,
            etag: sidecar.etag,
            content_type: sidecar.content_type,
            last_modified: modified,
        })
    }
}

impl Store for LocalStore {
    fn has_bucket(&self, bucket: &str) -> Result<bool, StoreError> {
        match self.bucket_dir(bucket) {
            Ok(_) => Ok(true),
            Err(StoreError::NoSuchBucket(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn head(&self, bucket: &str, key: &ObjectKey) -> Result<ObjectMeta, StoreError> {
        let path = self.object_file(bucket, key)?;
        self.meta_of(bucket, key, &path)
    }

    fn get(&self, bucket: &str, key: &ObjectKey) -> Result<(ObjectMeta, ObjectBody), StoreError> {
        let path = self.object_file(bucket, key)?;
        let meta = self.meta_of(bucket, key, &path)?;
        let file = File::open(&path).map_err(|e| io_error("opening", &path, &e))?;
        Ok((meta, ObjectBody::File(file)))
    }

    fn read(&self, bucket: &str, key: &ObjectKey, max_bytes: u64) -> Result<(ObjectMeta, Vec<u8>), StoreError> {
        let path = self.object_file(bucket, key)?;
        let meta = self.meta_of(bucket, key, &path)?;
        let too_large = |size| StoreError::TooLarge { key: key.to_string(), size, limit: max_bytes };
        if meta.size > max_bytes {
            return Err(too_large(meta.size));
        }
        let file = File::open(&path).map_err(|e| io_error("opening", &path, &e))?;
        let mut bytes = Vec::with_capacity(usize::try_from(meta.size).unwrap_or(0));
        file.take(max_bytes.saturating_add(1)).read_to_end(&mut bytes).map_err(|e| io_error("reading", &path, &e))?;
        let len = bytes.len() as u64;
        if len > max_bytes {
            return Err(too_large(len));
        }
        Ok((meta, bytes))
    }

    fn put(
        &self,
        bucket: &str,
        key: &ObjectKey,
        bytes: &[u8],
        content_type: Option<&str>,
    ) -> Result<ObjectMeta, StoreError> {
        let (folder, target) = self.target_for_write(bucket, key)?;
        let etag = quoted_hex(&Md5::digest(bytes));
        let content_type = content_type_of(key.as_str(), bytes, content_type);
        write_atomic(&folder, &target, bytes)?;
        self.remember_meta(bucket, key, &target, content_type, etag)
    }

    fn delete(&self, bucket: &str, key: &ObjectKey) -> Result<(), StoreError> {
        let path = match self.object_file(bucket, key) {
            Ok(path) => path,
            Err(StoreError::NoSuchKey(_)) => return Ok(()),
            Err(e) => return Err(e),
        };
        // Remove the name in the bucket (a link, if it is one), not the file it leads to.
        let dir = self.bucket_dir(bucket)?;
        let name = key.segments().fold(dir.clone(), |path, segment| path.join(segment));
        let victim = if fs::symlink_metadata(&name).is_ok() { name } else { path };
        match fs::remove_file(&victim) {
            Ok(()) => {}
            Err(e) if is_missing(&e) => {}
            Err(e) => return Err(io_error("deleting", &victim, &e)),
        }
        let _ = fs::remove_file(self.sidecar_path(bucket, key));
        // COS has no folders: drop the ones this delete left empty (remove_dir refuses others).
        let mut folder = victim.parent().map(Path::to_path_buf);
        while let Some(f) = folder.filter(|f| f.starts_with(&dir) && *f != dir) {
            if fs::remove_dir(&f).is_err() {
                break;
            }
            folder = f.parent().map(Path::to_path_buf);
        }
        Ok(())
    }

    fn config(&self, bucket: &str) -> Result<BucketConfig, StoreError> {
        let damaged = |path: &Path, e: serde_json::Error| {
            StoreError::Io(format!("the bucket settings file {} is damaged: {e}", path.display()))
        };
        let path = self.config_path(bucket);
        match fs::read(&path) {
            Ok(bytes) => return serde_json::from_slice(&bytes).map_err(|e| damaged(&path, e)),
            Err(e) if !is_missing(&e) => return Err(io_error("reading", &path, &e)),
            Err(_) => {}
        }
        let legacy = self.legacy_styles_path(bucket);
        match fs::read(&legacy) {
            Ok(bytes) => {
                let styles = serde_json::from_slice(&bytes).map_err(|e| damaged(&legacy, e))?;
                Ok(BucketConfig { styles, ..BucketConfig::default() })
            }
            Err(e) if is_missing(&e) => Ok(BucketConfig::default()),
            Err(e) => Err(io_error("reading", &legacy, &e)),
        }
    }

    fn list(&self, bucket: &str, query: &ListQuery) -> Result<Listing, StoreError> {
        let dir = self.bucket_dir(bucket)?;
        let mut page = PageBuilder::new(query);
        self.list_folder(bucket, &dir, &dir, "", &mut page)?;
        Ok(page.finish())
    }

    fn save_config(&self, bucket: &str, config: &BucketConfig) -> Result<(), StoreError> {
        let path = self.config_path(bucket);
        let folder = path.parent().map(Path::to_path_buf).unwrap_or_else(|| self.root.clone());
        fs::create_dir_all(&folder).map_err(|e| io_error("creating", &folder, &e))?;
        let json = serde_json::to_vec_pretty(config).map_err(|e| StoreError::Io(e.to_string()))?;
        write_atomic(&folder, &path, &json)
    }
}

/// A folder or object file seen while listing, with its name as a key part (`a/` for a
/// folder, which is how it sorts among keys).
struct Child {
    part: String,
    path: PathBuf,
    folder: bool,
}

impl LocalStore {
    /// Lists the folder `folder`, whose keys start with `folder_key`, into `page`.
    fn list_folder(
        &self,
        bucket: &str,
        dir: &Path,
        folder: &Path,
        folder_key: &str,
        page: &mut PageBuilder,
    ) -> Result<Walk, StoreError> {
        for child in sorted_children(dir, folder)? {
            let key = format!("{folder_key}{}", child.part);
            let walk = if child.folder {
                self.list_subfolder(bucket, dir, &child.path, &key, page)?
            } else {
                self.list_file(bucket, &child.path, key, page)?
            };
            if walk == Walk::Stop {
                return Ok(Walk::Stop);
            }
        }
        Ok(Walk::Continue)
    }

    /// Lists a folder (key prefix `key`, ending in `/`): skipped when none of its keys can be
    /// on the page, one common prefix when they all roll up into it, else entered.
    fn list_subfolder(
        &self,
        bucket: &str,
        dir: &Path,
        folder: &Path,
        key: &str,
        page: &mut PageBuilder,
    ) -> Result<Walk, StoreError> {
        if key.len() > mogr::plan::key::MAX_KEY_BYTES || !page.may_contain(key) {
            return Ok(Walk::Continue);
        }
        match page.classify_folder(key) {
            None => self.list_folder(bucket, dir, folder, key, page),
            Some(entry @ Entry::Prefix(_)) if has_listable_file(dir, folder, key)? => page.add(entry, || Ok(None)),
            Some(_) => Ok(Walk::Continue),
        }
    }

    /// Lists the object file at `path` (key `key`), if it is one a GET could return.
    fn list_file(&self, bucket: &str, path: &Path, key: String, page: &mut PageBuilder) -> Result<Walk, StoreError> {
        let Some(object_key) = ObjectKey::new(&key).ok().filter(|k| check_reserved(k).is_ok()) else {
            return Ok(Walk::Continue);
        };
        let entry = page.classify(&key);
        page.add(entry, || match self.meta_of(bucket, &object_key, path) {
            Ok(meta) => {
                Ok(Some(ListedObject { key, size: meta.size, etag: meta.etag, last_modified: meta.last_modified }))
            }
            // Deleted since its folder was read: not listed.
            Err(_) if fs::symlink_metadata(path).is_err() => Ok(None),
            Err(e) => Err(e),
        })
    }
}

/// The folders and files of `folder` that can hold or be objects, in ascending key order:
/// temporary files, names that are not UTF-8, links out of the bucket `dir` and links to
/// folders are left out.
fn sorted_children(dir: &Path, folder: &Path) -> Result<Vec<Child>, StoreError> {
    let entries = match fs::read_dir(folder) {
        Ok(entries) => entries,
        // Removed since its parent was read (a delete drops empty folders).
        Err(e) if is_missing(&e) => return Ok(Vec::new()),
        Err(e) => return Err(io_error("listing", folder, &e)),
    };
    let mut children = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| io_error("listing", folder, &e))?;
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if name.starts_with(TEMP_PREFIX) {
            continue;
        }
        if let Some(child) = child_of(dir, entry.path(), name) {
            children.push(child);
        }
    }
    children.sort_unstable_by(|a, b| a.part.cmp(&b.part));
    Ok(children)
}

/// The listing's view of one directory entry: a folder, an object file (a link to a file
/// inside the bucket is one), or nothing.
fn child_of(dir: &Path, path: PathBuf, name: String) -> Option<Child> {
    let stat = fs::symlink_metadata(&path).ok()?;
    if stat.file_type().is_symlink() {
        let real = path.canonicalize().ok()?;
        return (real.starts_with(dir) && real.is_file()).then_some(Child { part: name, path: real, folder: false });
    }
    if stat.is_dir() {
        return Some(Child { part: format!("{name}/"), path, folder: true });
    }
    stat.is_file().then_some(Child { part: name, path, folder: false })
}

/// Whether the folder `folder` (keys starting with `folder_key`) holds at least one object.
fn has_listable_file(dir: &Path, folder: &Path, folder_key: &str) -> Result<bool, StoreError> {
    if folder_key.len() > mogr::plan::key::MAX_KEY_BYTES {
        return Ok(false);
    }
    for child in sorted_children(dir, folder)? {
        let key = format!("{folder_key}{}", child.part);
        let listable =
            if child.folder { has_listable_file(dir, &child.path, &key)? } else { ObjectKey::new(&key).is_ok() };
        if listable {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Bytes of an object's start kept for guessing its Content-Type.
const HEAD_BYTES: usize = 64;

/// Reads `file` (at `path`) to its end, handing every chunk to `sink` and keeping the first
/// bytes in `head` until it holds [`HEAD_BYTES`] (across calls, for an object read in parts):
/// the file's MD5 as a quoted ETag.
pub(crate) fn read_hashing(
    file: &mut File,
    path: &Path,
    head: &mut Vec<u8>,
    mut sink: impl FnMut(&[u8]) -> Result<(), StoreError>,
) -> Result<String, StoreError> {
    let mut hasher = Md5::new();
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buffer).map_err(|e| io_error("reading", path, &e))?;
        if n == 0 {
            return Ok(quoted_hex(&hasher.finalize()));
        }
        let chunk = &buffer[..n];
        if head.len() < HEAD_BYTES {
            head.extend_from_slice(&chunk[..chunk.len().min(HEAD_BYTES - head.len())]);
        }
        hasher.update(chunk);
        sink(chunk)?;
    }
}

/// Refuses keys that name the store's own temporary files.
pub(crate) fn check_reserved(key: &ObjectKey) -> Result<(), StoreError> {
    if key.segments().any(|s| s.starts_with(TEMP_PREFIX)) {
        return Err(StoreError::Refused(format!("the key {:?} uses the reserved prefix {TEMP_PREFIX}", key.as_str())));
    }
    Ok(())
}

fn conflict(key: &ObjectKey) -> StoreError {
    StoreError::Conflict(format!("the key {:?} collides with an existing folder or object", key.as_str()))
}

fn is_missing(e: &io::Error) -> bool {
    // A file where a folder was expected (ENOTDIR) also means "no such object".
    e.kind() == io::ErrorKind::NotFound || e.kind() == io::ErrorKind::NotADirectory
}

fn io_error(what: &str, path: &Path, e: &io::Error) -> StoreError {
    StoreError::Io(format!("{what} {}: {e}", path.display()))
}

fn nanos(time: SystemTime) -> u128 {
    time.duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
}

/// `"<hex>"`.
pub(crate) fn quoted_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2 + 2);
    s.push('"');
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s.push('"');
    s
}

/// Writes `bytes` to `target` through a flushed temporary file in `folder` and a rename.
fn write_atomic(folder: &Path, target: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let temp = folder.join(format!("{TEMP_PREFIX}{}-{n}", std::process::id()));
    let result = (|| {
        let mut file = fs::OpenOptions::new().write(true).create_new(true).open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, target)?;
        // Make the rename itself durable (best effort: not every system can sync a folder).
        if let Ok(dir) = File::open(folder) {
            let _ = dir.sync_all();
        }
        Ok::<(), io::Error>(())
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&temp);
        io_error("writing", target, &e)
    })
}

fn write_sidecar(path: &Path, sidecar: &Sidecar) -> Result<(), StoreError> {
    let folder = path.parent().ok_or_else(|| StoreError::Io("a sidecar without a folder".to_owned()))?;
    fs::create_dir_all(folder).map_err(|e| io_error("creating", folder, &e))?;
    let json = serde_json::to_vec(sidecar).map_err(|e| StoreError::Io(e.to_string()))?;
    write_atomic(folder, path, &json)
}

/// The Content-Type an object is stored with: the one given at upload (trimmed), else
/// [`guess_content_type`].
pub fn content_type_of(key: &str, bytes: &[u8], given: Option<&str>) -> String {
    match given.map(str::trim).filter(|t| !t.is_empty()) {
        Some(given) => given.to_owned(),
        None => guess_content_type(key, bytes),
    }
}

/// The MIME type of an object put without one: from its first bytes when they are an image
/// mogr knows, else from the key's extension, else `application/octet-stream`.
pub fn guess_content_type(key: &str, head: &[u8]) -> String {
    use mogr::plan::ImageFormat;
    if let Some(format) = mogr::plan::probe::sniff(head) {
        let mime = match format {
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Png => "image/png",
            ImageFormat::Gif => "image/gif",
            ImageFormat::Webp => "image/webp",
            ImageFormat::Bmp => "image/bmp",
            ImageFormat::Heif => "image/heic",
            ImageFormat::Avif => "image/avif",
            ImageFormat::Tiff => "image/tiff",
            ImageFormat::Svg => "image/svg+xml",
            _ => "application/octet-stream",
        };
        return mime.to_owned();
    }
    let extension = key.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let mime = match extension.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "bmp" => "image/bmp",
        "heic" | "heif" => "image/heic",
        "avif" => "image/avif",
        "tif" | "tiff" => "image/tiff",
        "svg" => "image/svg+xml",
        "json" => "application/json",
        "xml" => "application/xml",
        "txt" => "text/plain",
        "html" | "htm" => "text/html",
        "css" => "text/css",
        "js" => "text/javascript",
        "pdf" => "application/pdf",
        "mp4" => "video/mp4",
        _ => "application/octet-stream",
    };
    mime.to_owned()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::bucket_config::{Hotlink, HotlinkType};

    fn store(name: &str) -> (PathBuf, LocalStore) {
        let root = std::env::temp_dir().join(format!("server-store-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(root.join("bucket-125")).unwrap();
        (root.clone(), LocalStore::new(root))
    }

    fn key(k: &str) -> ObjectKey {
        ObjectKey::new(k).unwrap()
    }

    #[test]
    fn bucket_names_are_name_dash_appid() {
        assert!(is_bucket_name("examplebucket-1250000000"));
        assert!(is_bucket_name("a-b-1"));
        assert!(!is_bucket_name("examplebucket"));
        assert!(!is_bucket_name("Example-1"));
        assert!(!is_bucket_name("-1"));
        assert!(!is_bucket_name(".mogr-1"));
        assert!(!is_bucket_name("a-1x"));
    }

    #[test]
    fn put_get_delete_round_trip_and_clean_folders() {
        let (root, store) = store("roundtrip");
        let meta = store.put("bucket-125", &key("a/b/c.txt"), b"hello", None).unwrap();
        assert_eq!(meta.etag, "\"5d41402abc4b2a76b9719d911017c592\"");
        assert_eq!(meta.content_type, "text/plain");
        assert_eq!(store.read("bucket-125", &key("a/b/c.txt"), 10).unwrap().1, b"hello");
        assert!(matches!(store.read("bucket-125", &key("a/b/c.txt"), 4), Err(StoreError::TooLarge { .. })));
        assert_eq!(store.head("bucket-125", &key("a/b/c.txt")).unwrap(), meta);
        assert!(matches!(store.put("bucket-125", &key("a/b"), b"x", None), Err(StoreError::Conflict(_))));
        assert!(matches!(store.put("bucket-125", &key("a/b/c.txt/d"), b"x", None), Err(StoreError::Conflict(_))));
        store.delete("bucket-125", &key("a/b/c.txt")).unwrap();
        assert!(!root.join("bucket-125/a").exists());
        assert!(matches!(store.head("bucket-125", &key("a/b/c.txt")), Err(StoreError::NoSuchKey(_))));
        store.delete("bucket-125", &key("a/b/c.txt")).unwrap();
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn files_put_by_hand_get_a_computed_etag() {
        let (root, store) = store("byhand");
        fs::write(root.join("bucket-125/x.bin"), b"hello").unwrap();
        let meta = store.head("bucket-125", &key("x.bin")).unwrap();
        assert_eq!(meta.etag, "\"5d41402abc4b2a76b9719d911017c592\"");
        assert_eq!(meta.content_type, "application/octet-stream");
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn reserved_names_and_links_out_are_refused() {
        let (root, store) = store("links");
        assert!(matches!(store.put("bucket-125", &key(".mogr-tmp-1"), b"x", None), Err(StoreError::Refused(_))));
        assert!(matches!(store.head("nobucket-1", &key("x")), Err(StoreError::NoSuchBucket(_))));
        #[cfg(unix)]
        {
            let outside = root.join("outside");
            fs::create_dir_all(&outside).unwrap();
            fs::write(outside.join("secret"), b"s").unwrap();
            std::os::unix::fs::symlink(&outside, root.join("bucket-125/link")).unwrap();
            assert!(matches!(store.head("bucket-125", &key("link/secret")), Err(StoreError::Refused(_))));
            assert!(matches!(store.put("bucket-125", &key("link/new"), b"x", None), Err(StoreError::Refused(_))));
            assert!(!outside.join("new").exists());
        }
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn settings_survive_a_new_store() {
        let (root, store) = store("settings");
        assert_eq!(store.config("bucket-125").unwrap(), BucketConfig::default());
        let mut config = BucketConfig::default();
        config.styles.insert("small".to_owned(), "imageMogr2/thumbnail/!50p".to_owned());
        config.hotlink = Hotlink { kind: HotlinkType::White, urls: vec!["example.com".to_owned()] };
        config.origin_protect = true;
        store.save_config("bucket-125", &config).unwrap();
        assert_eq!(LocalStore::new(&root).config("bucket-125").unwrap(), config);
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn styles_saved_by_the_first_server_are_still_read() {
        let (root, store) = store("legacy");
        fs::create_dir_all(root.join(".mogr/styles")).unwrap();
        fs::write(root.join(".mogr/styles/bucket-125.json"), br#"{"small":"imageMogr2/strip"}"#).unwrap();
        let config = store.config("bucket-125").unwrap();
        assert_eq!(config.styles.get("small").map(String::as_str), Some("imageMogr2/strip"));
        fs::remove_dir_all(root).unwrap();
    }
}
