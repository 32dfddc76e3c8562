//! Multipart uploads as the stores keep them: the [`Uploads`] trait (a part of every
//! [`crate::storage::Store`]), its types, and its local-folder implementation.
//!
//! ```text
//! initiate ──▶ create_upload: a record {key, Content-Type, initiated} under a new UploadId
//! part N   ──▶ put_part: the part's bytes and its MD5, staged (never visible as an object)
//! complete ──▶ parts (checked by crate::multipart) ──▶ complete_upload: the parts streamed
//!              into one object written atomically, then the staging removed
//! abort    ──▶ abort_upload: the staging removed
//! ```
//!
//! The local store stages outside every bucket's folder, beside its other own data:
//!
//! ```text
//! ROOT/.mogr/uploads/<bucket>/<upload-id>/upload.json    key, Content-Type, initiation time
//! ROOT/.mogr/uploads/<bucket>/<upload-id>/00001.part     part 1's bytes (written atomically)
//! ROOT/.mogr/uploads/<bucket>/<upload-id>/00001.json     its MD5, for the size and mtime it is for
//! ```
//!
//! An upload id is 32 lower-case hex digits of OS randomness ([`UploadId`]); ids read from a
//! request are parsed strictly, so one can never name a path outside the staging folder.
//! Parts of one upload may arrive at once: each is written to a temporary file and renamed,
//! and its MD5 sidecar names the size and mtime it is for (a sidecar that does not match is
//! recomputed from the part). Completion streams the parts into a temporary file in the
//! object's folder, checking each part's MD5 on the way, and renames it over the object: a
//! reader sees the old object or the new one, and nothing is replaced until every part has
//! been checked. Uploads that are neither completed nor aborted stay until they are (as in COS
//! without lifecycle rules).

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use md5::{Digest, Md5};
use mogr::plan::ObjectKey;
use serde::{Deserialize, Serialize};

use crate::storage::{LocalStore, ObjectMeta, StoreError, TEMP_PREFIX, content_type_of, quoted_hex, read_hashing};

/// The highest part number (COS and S3: 1 to 10000).
pub const MAX_PART_NUMBER: u16 = 10_000;

/// The id of one multipart upload: 32 lower-case hex digits.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UploadId(String);

impl UploadId {
    /// A new id from the operating system's random source.
    pub fn random() -> Result<UploadId, StoreError> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes)
            .map_err(|e| StoreError::Io(format!("the system's random source failed while making an upload id: {e}")))?;
        Ok(UploadId(quoted_hex(&bytes).trim_matches('"').to_owned()))
    }

    /// Parses an id from a request: exactly 32 characters `0-9a-f`, else `None`.
    pub fn parse(text: &str) -> Option<UploadId> {
        let valid = text.len() == 32 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        valid.then(|| UploadId(text.to_owned()))
    }

    /// The id's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for UploadId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A multipart upload in progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upload {
    /// Its id.
    pub id: UploadId,
    /// The key the object will have.
    pub key: ObjectKey,
    /// The Content-Type given when it was initiated.
    pub content_type: Option<String>,
    /// When it was initiated.
    pub initiated: SystemTime,
}

/// One staged part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// Its number, 1 to [`MAX_PART_NUMBER`].
    pub number: u16,
    /// The MD5 of its bytes in lower-case hex, in double quotes.
    pub etag: String,
    /// Its size in bytes.
    pub size: u64,
    /// When it was uploaded.
    pub last_modified: SystemTime,
}

/// What a store does for multipart uploads; every [`crate::storage::Store`] is one. A missing
/// upload (never made, completed or aborted) is [`StoreError::NoSuchUpload`].
pub trait Uploads {
    /// Records a new upload (its key checked as a put would check it); it has no parts yet.
    fn create_upload(&self, bucket: &str, upload: &Upload) -> Result<(), StoreError>;
    /// The upload's record.
    fn upload(&self, bucket: &str, id: &UploadId) -> Result<Upload, StoreError>;
    /// The upload's staged parts, by ascending number.
    fn parts(&self, bucket: &str, id: &UploadId) -> Result<Vec<Part>, StoreError>;
    /// Every upload of the bucket in progress, in no particular order.
    fn uploads(&self, bucket: &str) -> Result<Vec<Upload>, StoreError>;
    /// Stages part `number` of the upload, replacing a part of the same number.
    fn put_part(&self, bucket: &str, id: &UploadId, number: u16, bytes: &[u8]) -> Result<Part, StoreError>;
    /// Writes the object `upload.key` atomically as the concatenation of `parts` (in the
    /// order given), with the ETag `etag`, then removes the upload. A part whose bytes no
    /// longer have the MD5 given in `parts` is [`StoreError::InvalidPart`], and the object is
    /// then left as it was.
    fn complete_upload(
        &self,
        bucket: &str,
        upload: &Upload,
        parts: &[Part],
        etag: &str,
    ) -> Result<ObjectMeta, StoreError>;
    /// Removes the upload and its parts.
    fn abort_upload(&self, bucket: &str, id: &UploadId) -> Result<(), StoreError>;
    /// The largest object the store can serve back, if it has such a limit; completing an
    /// upload into a larger object is refused before anything is assembled.
    fn max_object_bytes(&self) -> Option<u64> {
        None
    }
}

/// The S3-style ETag of an object assembled from parts with the ETags `part_etags`:
/// `"<MD5 of the parts' binary MD5s>-<count>"`, as COS and S3 give a multipart object.
pub fn multipart_etag<'a>(part_etags: impl IntoIterator<Item = &'a str>) -> Result<String, String> {
    let mut hasher = Md5::new();
    let mut count = 0usize;
    for etag in part_etags {
        hasher.update(md5_bytes(etag).ok_or_else(|| format!("the part ETag {etag:?} is not an MD5"))?);
        count += 1;
    }
    Ok(format!("\"{}-{count}\"", quoted_hex(&hasher.finalize()).trim_matches('"')))
}

/// The 16 bytes of an ETag `"<32 hex digits>"` (quotes optional, any case).
fn md5_bytes(etag: &str) -> Option<[u8; 16]> {
    let hex = etag.trim().trim_matches('"').as_bytes();
    if hex.len() != 32 {
        return None;
    }
    let mut bytes = [0u8; 16];
    for (byte, pair) in bytes.iter_mut().zip(hex.chunks(2)) {
        *byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(bytes)
}

/// The upload record as JSON (`upload.json` here, `.mogr/uploads/<id>/upload.json` in S3).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct UploadRecord {
    key: String,
    content_type: Option<String>,
    initiated_millis: u64,
}

impl UploadRecord {
    pub(crate) fn of(upload: &Upload) -> UploadRecord {
        let millis = upload.initiated.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
        UploadRecord {
            key: upload.key.to_string(),
            content_type: upload.content_type.clone(),
            initiated_millis: u64::try_from(millis).unwrap_or(u64::MAX),
        }
    }

    /// The upload this record describes, its key checked again.
    pub(crate) fn upload(self, id: UploadId) -> Result<Upload, StoreError> {
        let key = ObjectKey::new(&self.key)
            .map_err(|e| StoreError::Io(format!("the record of upload {id} has a bad key: {e}")))?;
        let initiated = UNIX_EPOCH + Duration::from_millis(self.initiated_millis);
        Ok(Upload { id, key, content_type: self.content_type, initiated })
    }

    pub(crate) fn to_json(upload: &Upload) -> Result<Vec<u8>, StoreError> {
        serde_json::to_vec(&UploadRecord::of(upload)).map_err(|e| StoreError::Io(e.to_string()))
    }

    pub(crate) fn from_json(id: UploadId, bytes: &[u8]) -> Result<Upload, StoreError> {
        let record: UploadRecord = serde_json::from_slice(bytes)
            .map_err(|e| StoreError::Io(format!("the record of upload {id} is damaged: {e}")))?;
        record.upload(id)
    }
}

/// The MD5 sidecar of a local part.
#[derive(Debug, Serialize, Deserialize)]
struct PartSidecar {
    etag: String,
    size: u64,
    mtime_nanos: u128,
}

const RECORD_FILE: &str = "upload.json";
const PART_SUFFIX: &str = ".part";

impl LocalStore {
    /// `ROOT/.mogr/uploads/<bucket>`, after checking the bucket exists.
    fn uploads_dir(&self, bucket: &str) -> Result<PathBuf, StoreError> {
        self.bucket_dir(bucket)?;
        Ok(self.root().join(".mogr").join("uploads").join(bucket))
    }

    /// The folder of an existing upload.
    fn upload_dir(&self, bucket: &str, id: &UploadId) -> Result<PathBuf, StoreError> {
        let dir = self.uploads_dir(bucket)?.join(id.as_str());
        if !dir.join(RECORD_FILE).is_file() {
            return Err(StoreError::NoSuchUpload(id.to_string()));
        }
        Ok(dir)
    }

    /// Part `number`'s metadata from its sidecar, recomputed when that does not match the part.
    fn part_meta(dir: &Path, number: u16) -> Result<Part, StoreError> {
        let path = dir.join(part_name(number));
        let stat = fs::metadata(&path).map_err(|e| io_error("reading", &path, &e))?;
        let modified = stat.modified().unwrap_or(UNIX_EPOCH);
        let mtime_nanos = modified.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let sidecar_path = dir.join(sidecar_name(number));
        let sidecar = fs::read(&sidecar_path).ok().and_then(|b| serde_json::from_slice::<PartSidecar>(&b).ok());
        let etag = match sidecar.filter(|s| s.size == stat.len() && s.mtime_nanos == mtime_nanos) {
            Some(sidecar) => sidecar.etag,
            None => {
                let etag = md5_of_file(&path)?;
                let sidecar = PartSidecar { etag: etag.clone(), size: stat.len(), mtime_nanos };
                let json = serde_json::to_vec(&sidecar).map_err(|e| StoreError::Io(e.to_string()))?;
                let _ = write_file_atomic(dir, &sidecar_path, &json);
                etag
            }
        };
        Ok(Part { number, etag, size: stat.len(), last_modified: modified })
    }
}

impl Uploads for LocalStore {
    fn create_upload(&self, bucket: &str, upload: &Upload) -> Result<(), StoreError> {
        crate::storage::check_reserved(&upload.key)?;
        let dir = self.uploads_dir(bucket)?.join(upload.id.as_str());
        fs::create_dir_all(&dir).map_err(|e| io_error("creating", &dir, &e))?;
        write_file_atomic(&dir, &dir.join(RECORD_FILE), &UploadRecord::to_json(upload)?)
    }

    fn upload(&self, bucket: &str, id: &UploadId) -> Result<Upload, StoreError> {
        let path = self.upload_dir(bucket, id)?.join(RECORD_FILE);
        let bytes = fs::read(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => StoreError::NoSuchUpload(id.to_string()),
            _ => io_error("reading", &path, &e),
        })?;
        UploadRecord::from_json(id.clone(), &bytes)
    }

    fn parts(&self, bucket: &str, id: &UploadId) -> Result<Vec<Part>, StoreError> {
        let dir = self.upload_dir(bucket, id)?;
        let entries = fs::read_dir(&dir).map_err(|e| io_error("listing", &dir, &e))?;
        let mut numbers: Vec<u16> = entries
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter_map(|name| part_number_of(&name))
            .collect();
        numbers.sort_unstable();
        numbers.into_iter().map(|number| LocalStore::part_meta(&dir, number)).collect()
    }

    fn uploads(&self, bucket: &str) -> Result<Vec<Upload>, StoreError> {
        let dir = self.uploads_dir(bucket)?;
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error("listing", &dir, &e)),
        };
        let ids = entries.filter_map(|entry| UploadId::parse(entry.ok()?.file_name().to_str()?));
        still_open(ids, |id| self.upload(bucket, id))
    }

    fn put_part(&self, bucket: &str, id: &UploadId, number: u16, bytes: &[u8]) -> Result<Part, StoreError> {
        let dir = self.upload_dir(bucket, id)?;
        let path = dir.join(part_name(number));
        write_file_atomic(&dir, &path, bytes).map_err(|e| gone_or(&dir, id, e))?;
        let stat = fs::metadata(&path).map_err(|e| io_error("reading", &path, &e))?;
        let modified = stat.modified().unwrap_or(UNIX_EPOCH);
        let mtime_nanos = modified.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let etag = quoted_hex(&Md5::digest(bytes));
        let sidecar = PartSidecar { etag: etag.clone(), size: bytes.len() as u64, mtime_nanos };
        let json = serde_json::to_vec(&sidecar).map_err(|e| StoreError::Io(e.to_string()))?;
        write_file_atomic(&dir, &dir.join(sidecar_name(number)), &json).map_err(|e| gone_or(&dir, id, e))?;
        Ok(Part { number, etag, size: bytes.len() as u64, last_modified: modified })
    }

    fn complete_upload(
        &self,
        bucket: &str,
        upload: &Upload,
        parts: &[Part],
        etag: &str,
    ) -> Result<ObjectMeta, StoreError> {
        let staged = self.upload_dir(bucket, &upload.id)?;
        let (folder, target) = self.target_for_write(bucket, &upload.key)?;
        let temp = temp_path(&folder);
        let written = assemble(&staged, parts, &temp);
        let (size, head) = match written {
            Ok(written) => written,
            Err(e) => {
                let _ = fs::remove_file(&temp);
                return Err(e);
            }
        };
        if let Err(e) = rename_durably(&temp, &target, &folder) {
            let _ = fs::remove_file(&temp);
            return Err(io_error("writing", &target, &e));
        }
        let content_type = content_type_of(upload.key.as_str(), &head, upload.content_type.as_deref());
        let meta = self.remember_meta(bucket, &upload.key, &target, content_type, etag.to_owned())?;
        fs::remove_dir_all(&staged).map_err(|e| io_error("removing the staged upload", &staged, &e))?;
        debug_assert_eq!(meta.size, size);
        Ok(meta)
    }

    fn abort_upload(&self, bucket: &str, id: &UploadId) -> Result<(), StoreError> {
        let dir = self.upload_dir(bucket, id)?;
        match fs::remove_dir_all(&dir) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(StoreError::NoSuchUpload(id.to_string())),
            Err(e) => Err(io_error("removing", &dir, &e)),
        }
    }
}

/// The records of the uploads `ids` as `read` finds them, leaving out those completed or
/// aborted since the ids were listed.
pub(crate) fn still_open(
    ids: impl IntoIterator<Item = UploadId>,
    read: impl Fn(&UploadId) -> Result<Upload, StoreError>,
) -> Result<Vec<Upload>, StoreError> {
    let mut uploads = Vec::new();
    for id in ids {
        match read(&id) {
            Ok(upload) => uploads.push(upload),
            Err(StoreError::NoSuchUpload(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(uploads)
}

/// Streams `parts` of the upload staged in `staged` into a new file `temp`, checking each
/// part's MD5, and flushes it: the size and first bytes (for guessing a Content-Type).
fn assemble(staged: &Path, parts: &[Part], temp: &Path) -> Result<(u64, Vec<u8>), StoreError> {
    let mut out =
        fs::OpenOptions::new().write(true).create_new(true).open(temp).map_err(|e| io_error("creating", temp, &e))?;
    let mut head = Vec::new();
    let mut size = 0u64;
    for part in parts {
        let path = staged.join(part_name(part.number));
        let mut file = File::open(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => StoreError::InvalidPart(format!("part {} is no longer staged", part.number)),
            _ => io_error("opening", &path, &e),
        })?;
        let etag = read_hashing(&mut file, &path, &mut head, |chunk| {
            size += chunk.len() as u64;
            out.write_all(chunk).map_err(|e| io_error("writing", temp, &e))
        })?;
        if etag != part.etag {
            return Err(StoreError::InvalidPart(format!(
                "part {} was replaced while the upload completed",
                part.number
            )));
        }
    }
    out.sync_all().map_err(|e| io_error("flushing", temp, &e))?;
    Ok((size, head))
}

/// `00042.part`.
fn part_name(number: u16) -> String {
    format!("{number:05}{PART_SUFFIX}")
}

/// `00042.json`.
fn sidecar_name(number: u16) -> String {
    format!("{number:05}.json")
}

/// The number of a part file's name, if it is one.
fn part_number_of(name: &str) -> Option<u16> {
    let digits = name.strip_suffix(PART_SUFFIX)?;
    let number: u16 =
        (digits.len() == 5 && digits.bytes().all(|b| b.is_ascii_digit())).then(|| digits.parse().ok())??;
    (1..=MAX_PART_NUMBER).contains(&number).then_some(number)
}

fn md5_of_file(path: &Path) -> Result<String, StoreError> {
    let mut file = File::open(path).map_err(|e| io_error("opening", path, &e))?;
    let mut hasher = Md5::new();
    io::copy(&mut file, &mut hasher).map_err(|e| io_error("reading", path, &e))?;
    Ok(quoted_hex(&hasher.finalize()))
}

/// A fresh temporary file name in `folder`.
fn temp_path(folder: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    folder.join(format!("{TEMP_PREFIX}mp-{}-{n}", std::process::id()))
}

/// Writes `bytes` to `target` through a flushed temporary file in `folder` and a rename.
fn write_file_atomic(folder: &Path, target: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let temp = temp_path(folder);
    let result = (|| {
        let mut file = fs::OpenOptions::new().write(true).create_new(true).open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        rename_durably(&temp, target, folder)
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&temp);
        io_error("writing", target, &e)
    })
}

/// Renames `temp` over `target` and syncs `folder` (best effort) so the rename lasts.
fn rename_durably(temp: &Path, target: &Path, folder: &Path) -> io::Result<()> {
    fs::rename(temp, target)?;
    if let Ok(dir) = File::open(folder) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// A failed write into an upload's folder: [`StoreError::NoSuchUpload`] when the upload was
/// completed or aborted meanwhile.
fn gone_or(dir: &Path, id: &UploadId, error: StoreError) -> StoreError {
    if dir.join(RECORD_FILE).is_file() { error } else { StoreError::NoSuchUpload(id.to_string()) }
}

fn io_error(what: &str, path: &Path, e: &io::Error) -> StoreError {
    StoreError::Io(format!("{what} {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn upload_ids_are_random_and_strictly_parsed() {
        let a = UploadId::random().unwrap();
        let b = UploadId::random().unwrap();
        assert_ne!(a, b);
        assert_eq!(UploadId::parse(a.as_str()), Some(a.clone()));
        for bad in [
            "",
            "../../x",
            "0123456789abcdef0123456789ABCDEF",
            "0123456789abcdef0123456789abcde",
            "0123456789abcdef0123456789abcdef0",
            "0123456789abcdef/123456789abcdef",
        ] {
            assert_eq!(UploadId::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn multipart_etags_are_the_md5_of_the_part_md5s() {
        // S3's documented example: two parts "hello" and "world".
        let parts = [quoted_hex(&Md5::digest(b"hello")), quoted_hex(&Md5::digest(b"world"))];
        let mut joined = Vec::new();
        joined.extend_from_slice(&Md5::digest(b"hello"));
        joined.extend_from_slice(&Md5::digest(b"world"));
        let expected = format!("\"{}-2\"", quoted_hex(&Md5::digest(&joined)).trim_matches('"'));
        assert_eq!(multipart_etag(parts.iter().map(String::as_str)).unwrap(), expected);
        assert!(multipart_etag(["\"abc\""]).is_err());
        assert_eq!(md5_bytes("5D41402ABC4B2A76B9719D911017C592").unwrap()[0], 0x5d);
    }

    #[test]
    fn part_file_names_round_trip() {
        assert_eq!(part_name(7), "00007.part");
        assert_eq!(part_number_of("00007.part"), Some(7));
        assert_eq!(part_number_of("10000.part"), Some(10_000));
        for bad in ["00000.part", "10001.part", "7.part", "00007.json", "upload.json", "+0007.part"] {
            assert_eq!(part_number_of(bad), None, "{bad}");
        }
    }
}
