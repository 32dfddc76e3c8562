//! Multipart uploads in an S3 bucket: [`Uploads`] for [`S3Store`].
//!
//! ```text
//! .mogr/uploads/<upload-id>/upload.json      key, Content-Type, initiation time
//! .mogr/uploads/<upload-id>/parts/00001      part 1 (user metadata mogr-md5: its MD5)
//! ```
//!
//! Everything is under the reserved prefix `.mogr/`, which users can neither read nor write
//! and which listings leave out. A part's ETag comes from the listing when S3's ETag is an
//! MD5 (a plain PUT), else from the part's `mogr-md5` metadata (a HEAD). On completion each
//! part is downloaded in turn (one part in memory at a time, each at most the server's body
//! limit), its `mogr-md5` checked against the ETag the client named, and written on: a total
//! up to [`SINGLE_PUT_BYTES`] becomes one PUT, a larger one an S3 multipart upload through
//! `object_store`'s [`WriteMultipart`] (buffers of [`CHUNK_BYTES`], at most
//! [`CHUNKS_IN_FLIGHT`] in flight), which S3 makes visible only when it completes. The object
//! gets the Content-Type and `mogr-md5` (here the multipart ETag) a normal put gives it, so
//! HEAD and GET answer alike. Listing the uploads reads one record per upload in progress.

use md5::{Digest, Md5};
use object_store::path::Path;
use object_store::{Attribute, Attributes, ObjectStore, ObjectStoreExt, PutMultipartOptions, WriteMultipart};

use super::{MD5_METADATA, RESERVED_PREFIX, S3Store, is_md5_hex, normalise_etag, object_path};
use crate::storage::{ObjectMeta, StoreError, content_type_of};
use crate::uploads::{MAX_PART_NUMBER, Part, Upload, UploadId, UploadRecord, Uploads, still_open};

/// Assembled objects up to this size are written with one PUT.
pub const SINGLE_PUT_BYTES: u64 = 16 * 1024 * 1024;
/// The size of the parts of the S3 multipart upload a larger object is written with.
pub const CHUNK_BYTES: usize = 8 * 1024 * 1024;
/// How many of those parts are uploaded at once.
pub const CHUNKS_IN_FLIGHT: usize = 2;

fn uploads_prefix() -> Path {
    Path::from(format!("{RESERVED_PREFIX}/uploads"))
}

fn record_path(id: &UploadId) -> Path {
    Path::from(format!("{RESERVED_PREFIX}/uploads/{id}/upload.json"))
}

fn parts_prefix(id: &UploadId) -> Path {
    Path::from(format!("{RESERVED_PREFIX}/uploads/{id}/parts"))
}

fn part_path(id: &UploadId, number: u16) -> Path {
    Path::from(format!("{RESERVED_PREFIX}/uploads/{id}/parts/{number:05}"))
}

/// The part number of a staged part's path.
fn part_number_of(path: &Path) -> Option<u16> {
    let name = path.filename()?;
    let number: u16 = (name.len() == 5 && name.bytes().all(|b| b.is_ascii_digit())).then(|| name.parse().ok())??;
    (1..=MAX_PART_NUMBER).contains(&number).then_some(number)
}

impl S3Store {
    /// Reads a small staging object (an upload record), mapping a missing one to
    /// [`StoreError::NoSuchUpload`].
    fn read_record(&self, bucket: &str, id: &UploadId) -> Result<Upload, StoreError> {
        let path = record_path(id);
        match self.read_path(bucket, path.as_ref(), &path, 64 * 1024) {
            Ok((_, bytes)) => UploadRecord::from_json(id.clone(), &bytes),
            Err(StoreError::NoSuchKey(_)) => Err(StoreError::NoSuchUpload(id.to_string())),
            Err(e) => Err(e),
        }
    }

    /// The ETag of a listed part: S3's when it is an MD5, else its `mogr-md5` (a HEAD).
    fn listed_part(&self, bucket: &str, meta: &object_store::ObjectMeta, number: u16) -> Result<Part, StoreError> {
        let s3_etag = meta.e_tag.as_deref().map(normalise_etag).unwrap_or_default();
        let etag = if is_md5_hex(s3_etag.trim_matches('"')) {
            s3_etag
        } else {
            self.head_path(bucket, meta.location.as_ref(), &meta.location)?.meta.etag
        };
        Ok(Part { number, etag, size: meta.size, last_modified: meta.last_modified.into() })
    }

    /// Downloads a staged part, checking it is still the one with `part.etag`.
    fn read_part(&self, bucket: &str, id: &UploadId, part: &Part) -> Result<Vec<u8>, StoreError> {
        let path = part_path(id, part.number);
        let (meta, bytes) = match self.read_path(bucket, path.as_ref(), &path, part.size) {
            Ok(read) => read,
            Err(StoreError::NoSuchKey(_) | StoreError::TooLarge { .. }) => {
                return Err(StoreError::InvalidPart(format!(
                    "part {} changed while the upload completed",
                    part.number
                )));
            }
            Err(e) => return Err(e),
        };
        if meta.etag != part.etag {
            return Err(StoreError::InvalidPart(format!("part {} changed while the upload completed", part.number)));
        }
        Ok(bytes)
    }

    /// The object's attributes as a put gives them.
    fn object_attributes(content_type: &str, etag: &str) -> Attributes {
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, content_type.to_owned().into());
        attributes.insert(Attribute::Metadata(MD5_METADATA.into()), etag.trim_matches('"').to_owned().into());
        attributes
    }

    /// Writes the parts as one PUT (small totals).
    fn assemble_in_one_put(
        &self,
        bucket: &str,
        upload: &Upload,
        parts: &[Part],
        etag: &str,
    ) -> Result<ObjectMeta, StoreError> {
        let mut bytes = Vec::new();
        for part in parts {
            bytes.extend_from_slice(&self.read_part(bucket, &upload.id, part)?);
        }
        let content_type = content_type_of(upload.key.as_str(), &bytes, upload.content_type.as_deref());
        let attributes = S3Store::object_attributes(&content_type, etag);
        let path = object_path(&upload.key)?;
        let last_modified = self.put_path(bucket, upload.key.as_str(), &path, &bytes, attributes)?;
        Ok(ObjectMeta { size: bytes.len() as u64, etag: etag.to_owned(), content_type, last_modified })
    }

    /// Streams the parts into an S3 multipart upload (large totals), one part in memory at a
    /// time; the object appears only when S3 completes it.
    fn assemble_in_chunks(
        &self,
        bucket: &str,
        upload: &Upload,
        parts: &[Part],
        etag: &str,
    ) -> Result<ObjectMeta, StoreError> {
        let Some((first, rest)) = parts.split_first() else {
            return Err(StoreError::InvalidPart("an upload needs at least one part".to_owned()));
        };
        let first_bytes = self.read_part(bucket, &upload.id, first)?;
        let content_type = content_type_of(upload.key.as_str(), &first_bytes, upload.content_type.as_deref());
        let options = PutMultipartOptions {
            attributes: S3Store::object_attributes(&content_type, etag),
            ..PutMultipartOptions::default()
        };
        let path = object_path(&upload.key)?;
        let client = self.client(bucket)?;
        let key = upload.key.as_str();
        let multipart = self
            .run(async { client.put_multipart_opts(&path, options).await })
            .map_err(|e| self.failure(bucket, key, "multipart PUT", e))?;
        let mut writer = WriteMultipart::new_with_chunk_size(multipart, CHUNK_BYTES);
        let mut size = first_bytes.len() as u64;
        writer.write(&first_bytes);
        drop(first_bytes);
        for part in rest {
            let written = self.read_part(bucket, &upload.id, part).and_then(|bytes| {
                size += bytes.len() as u64;
                self.run(writer.wait_for_capacity(CHUNKS_IN_FLIGHT))
                    .map_err(|e| self.failure(bucket, key, "multipart PUT", e))?;
                writer.write(&bytes);
                Ok(())
            });
            if let Err(e) = written {
                let _ = self.run(writer.abort());
                return Err(e);
            }
        }
        self.run(writer.finish()).map_err(|e| self.failure(bucket, key, "multipart PUT", e))?;
        Ok(ObjectMeta { size, etag: etag.to_owned(), content_type, last_modified: std::time::SystemTime::now() })
    }

    /// Deletes every staging object of the upload.
    fn remove_staging(&self, bucket: &str, id: &UploadId) -> Result<(), StoreError> {
        let client = self.client(bucket)?;
        let parts = parts_prefix(id);
        let listed = self
            .run(async { client.list_with_delimiter(Some(&parts)).await })
            .map_err(|e| self.failure(bucket, parts.as_ref(), "LIST", e))?;
        for object in listed.objects {
            self.run(async { client.delete(&object.location).await })
                .map_err(|e| self.failure(bucket, object.location.as_ref(), "DELETE", e))?;
        }
        let record = record_path(id);
        self.run(async { client.delete(&record).await }).map_err(|e| self.failure(bucket, record.as_ref(), "DELETE", e))
    }
}

impl Uploads for S3Store {
    fn create_upload(&self, bucket: &str, upload: &Upload) -> Result<(), StoreError> {
        object_path(&upload.key)?;
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, "application/json".into());
        let path = record_path(&upload.id);
        self.put_path(bucket, path.as_ref(), &path, &UploadRecord::to_json(upload)?, attributes)?;
        Ok(())
    }

    fn upload(&self, bucket: &str, id: &UploadId) -> Result<Upload, StoreError> {
        self.read_record(bucket, id)
    }

    fn parts(&self, bucket: &str, id: &UploadId) -> Result<Vec<Part>, StoreError> {
        self.read_record(bucket, id)?;
        let client = self.client(bucket)?;
        let prefix = parts_prefix(id);
        let listed = self
            .run(async { client.list_with_delimiter(Some(&prefix)).await })
            .map_err(|e| self.failure(bucket, prefix.as_ref(), "LIST", e))?;
        let mut parts = Vec::new();
        for object in &listed.objects {
            if let Some(number) = part_number_of(&object.location) {
                parts.push(self.listed_part(bucket, object, number)?);
            }
        }
        parts.sort_by_key(|part| part.number);
        Ok(parts)
    }

    fn uploads(&self, bucket: &str) -> Result<Vec<Upload>, StoreError> {
        let client = self.client(bucket)?;
        let prefix = uploads_prefix();
        let listed = self
            .run(async { client.list_with_delimiter(Some(&prefix)).await })
            .map_err(|e| self.failure(bucket, prefix.as_ref(), "LIST", e))?;
        let ids = listed.common_prefixes.iter().filter_map(|folder| folder.filename().and_then(UploadId::parse));
        still_open(ids, |id| self.read_record(bucket, id))
    }

    fn put_part(&self, bucket: &str, id: &UploadId, number: u16, bytes: &[u8]) -> Result<Part, StoreError> {
        self.read_record(bucket, id)?;
        let path = part_path(id, number);
        let etag = crate::storage::quoted_hex(&Md5::digest(bytes));
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, "application/octet-stream".into());
        attributes.insert(Attribute::Metadata(MD5_METADATA.into()), etag.trim_matches('"').to_owned().into());
        let last_modified = self.put_path(bucket, path.as_ref(), &path, bytes, attributes)?;
        Ok(Part { number, etag, size: bytes.len() as u64, last_modified })
    }

    fn complete_upload(
        &self,
        bucket: &str,
        upload: &Upload,
        parts: &[Part],
        etag: &str,
    ) -> Result<ObjectMeta, StoreError> {
        self.read_record(bucket, &upload.id)?;
        let total: u64 = parts.iter().map(|part| part.size).sum();
        let meta = if total <= SINGLE_PUT_BYTES {
            self.assemble_in_one_put(bucket, upload, parts, etag)?
        } else {
            self.assemble_in_chunks(bucket, upload, parts, etag)?
        };
        self.remove_staging(bucket, &upload.id)?;
        Ok(meta)
    }

    fn abort_upload(&self, bucket: &str, id: &UploadId) -> Result<(), StoreError> {
        self.read_record(bucket, id)?;
        self.remove_staging(bucket, id)
    }

    fn max_object_bytes(&self) -> Option<u64> {
        Some(self.max_object_bytes)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn staging_paths_are_under_the_reserved_prefix() {
        let id = UploadId::parse("0123456789abcdef0123456789abcdef").unwrap();
        assert_eq!(record_path(&id).as_ref(), ".mogr/uploads/0123456789abcdef0123456789abcdef/upload.json");
        let part = part_path(&id, 42);
        assert_eq!(part.as_ref(), ".mogr/uploads/0123456789abcdef0123456789abcdef/parts/00042");
        assert_eq!(part_number_of(&part), Some(42));
        assert_eq!(part_number_of(&record_path(&id)), None);
        assert_eq!(part_number_of(&Path::from("x/00000")), None);
    }
}
