//! S3-compatible storage: [`S3Store`], the [`Store`] over any service that speaks the S3
//! protocol (AWS S3, MinIO, Ceph, COS's own S3 endpoint, the moto emulator the tests use),
//! through the `object_store` crate.
//!
//! ```text
//! COS bucket <BucketName-APPID> ──same name──▶ S3 bucket <BucketName-APPID> at the endpoint
//!   key photos/cat.jpg ──▶ object photos/cat.jpg      Content-Type, x-amz-meta-mogr-md5
//!   bucket settings    ──▶ object .mogr/config.json   (keys under .mogr/ are refused)
//!
//! Store call (blocking pool / image worker thread)
//!   ──▶ Handle::block_on(object_store future) on the server's runtime ──▶ HTTP to the endpoint
//! ```
//!
//! The decisions:
//! - **Buckets.** A COS bucket is the S3 bucket of the same name (COS names are valid S3
//!   names when they have at most 63 characters; longer ones never exist here). Buckets are
//!   made with the S3 service's own tools, not by this server. One client per bucket, built
//!   on first use and kept ([`MAX_CLIENTS`] at most: the cache is emptied when it is full).
//!   Whether a bucket exists is asked of S3 (a GET of its settings object, whose answer tells
//!   `NoSuchBucket` from `NoSuchKey`) and remembered for [`BUCKET_TTL`].
//! - **The server's own data** lives in the bucket under the reserved prefix
//!   [`RESERVED_PREFIX`]: the bucket's settings (styles, hotlink list, origin protection) are
//!   the JSON object `.mogr/config.json`. Downloads check them from a copy at most
//!   [`CONFIG_TTL`] old (`recent_config`: one S3 request less per download; another server's
//!   change shows within that time); changes always read the object itself. Keys under that
//!   prefix, and keys using the local store's temporary prefix
//!   ([`crate::storage::TEMP_PREFIX`], so that buckets can move between the two stores), are
//!   refused with [`StoreError::Refused`].
//! - **Keys** are stored as they are (no re-encoding): an object put through this server has
//!   the same key when read with any other S3 tool, and the other way round.
//! - **ETag** is the MD5 of the content in lower-case hex in double quotes, computed on put
//!   and kept as the user metadata `mogr-md5` (S3's own ETag is not an MD5 for encrypted or
//!   multipart objects); for an object written by another tool it is S3's ETag. An object
//!   completed from a multipart upload keeps the multipart ETag there, `<md5 of the part
//!   MD5s>-<count>` (see [`crate::uploads`]); the staging of those uploads lives under
//!   `.mogr/uploads/` (the private module `s3_store::uploads`).
//! - **Content-Type** is kept as the object's Content-Type: the one given on put, else
//!   [`guess_content_type`]; an object written by another tool without one gets a type
//!   guessed from its key.
//! - **Reads.** [`Store::read`] asks for the object's size first (HEAD) and refuses an
//!   object over the limit before any of it is downloaded; then it downloads exactly the
//!   version it checked (GET with `If-Match` on the HEAD's ETag; an object replaced between
//!   the two is read again). [`Store::get`] returns the whole object in memory
//!   ([`ObjectBody::Bytes`]): objects reach the server bounded by its body limit, and an
//!   object over the limit given to [`S3Store::new`] (the server passes the larger of its body
//!   limit and 256 MiB, since processing results can outgrow uploads), say one put by another
//!   tool, is refused with [`StoreError::TooLarge`] rather than loaded.
//! - **Writes** are one PUT: S3 makes them atomic (a reader sees the old object or the new
//!   one, never part of one). S3 has no folders, so `a` and `a/b` can both exist: unlike the
//!   local store, this one never answers [`StoreError::Conflict`]. Deleting a missing object
//!   succeeds, as in S3.
//! - **Listing** asks S3 for the keys under the prefix in order (ListObjectsV2 with `prefix`
//!   and `start-after` the marker, 1000 keys a request) and builds the page itself
//!   ([`crate::listing::PageBuilder`]: delimiter, `max-keys`), leaving out the keys a GET
//!   refuses (under `.mogr/`, temporary names, invalid keys). Rolled-up keys are still read
//!   from S3, so one page looks at most [`MAX_KEYS_SCANNED`] keys and may then end early, truncated.
//!   Size and LastModified are S3's (to the second, as HEAD's `Last-Modified`); the ETag is
//!   S3's when it is an MD5 (what a single PUT without KMS encryption gets), else the object is
//!   asked with a HEAD for its `mogr-md5`. A key the `object_store` crate cannot read (empty
//!   segments, `.`/`..`, control characters; never one put through this server) makes the
//!   listing fail with an error naming it.
//! - **Errors**: a missing object is [`StoreError::NoSuchKey`], a missing bucket
//!   [`StoreError::NoSuchBucket`], anything else [`StoreError::Io`] naming the bucket, the key
//!   and what S3 answered. Requests time out after [`REQUEST_TIMEOUT`] and failures that may
//!   pass (5xx, dropped connections) are retried a few times within [`RETRY_TIMEOUT`].
//!
//! The [`Store`] trait is synchronous and the server calls it only from tokio's blocking pool
//! and from the image executor's threads, never from an async task: each call runs its
//! request with [`tokio::runtime::Handle::block_on`] on the runtime captured by
//! [`S3Store::new`]. (Called from an async task, `block_on` would panic.)

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use md5::{Digest, Md5};
use mogr::plan::ObjectKey;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::list::{PaginatedListOptions, PaginatedListStore};
use object_store::path::Path;
use object_store::{
    Attribute, Attributes, BackoffConfig, ClientOptions, GetOptions, GetResult, ObjectStore, ObjectStoreExt,
    PutOptions, PutPayload, RetryConfig,
};
use tokio::runtime::Handle;

mod uploads;

use crate::bucket_config::BucketConfig;
use crate::listing::{ListQuery, ListedObject, Listing, PageBuilder, Walk};
use crate::storage::{
    ObjectBody, ObjectMeta, Store, StoreError, check_reserved, content_type_of, guess_content_type, is_bucket_name,
    quoted_hex,
};

/// The first segment of the keys that hold the server's own data in each bucket.
pub const RESERVED_PREFIX: &str = ".mogr";
/// The key of a bucket's settings document.
pub const CONFIG_KEY: &str = ".mogr/config.json";
/// The user metadata (`x-amz-meta-mogr-md5`) holding the MD5 of an object's content.
const MD5_METADATA: &str = "mogr-md5";
/// How long an answer to "does this bucket exist?" is kept.
pub const BUCKET_TTL: Duration = Duration::from_secs(30);
/// How long a bucket's settings are reused before they are read again: a change made through
/// another server of a fleet shows within this time (one made through this server, at once).
pub const CONFIG_TTL: Duration = Duration::from_secs(5);
/// The most bucket clients and bucket answers kept at once.
pub const MAX_CLIENTS: usize = 256;
/// How long one request to S3 may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a request is retried for, at most.
pub const RETRY_TIMEOUT: Duration = Duration::from_secs(15);
/// How many times a read is tried again when the object changes between its HEAD and GET.
const READ_ATTEMPTS: usize = 3;
/// The keys asked of S3 per list request.
const LIST_PAGE_KEYS: usize = 1000;
/// The most keys one listing looks at (ten S3 list requests): past it, the page ends early,
/// truncated, and the next one starts after the last key looked at.
pub const MAX_KEYS_SCANNED: usize = 10 * LIST_PAGE_KEYS;

/// Where the S3 service is and how to sign requests to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Settings {
    /// The service's URL, e.g. `https://s3.us-east-1.amazonaws.com` or `http://127.0.0.1:9000`.
    pub endpoint: String,
    /// The region requests are signed for.
    pub region: String,
    /// The access key id; `None` (with no secret either): requests are sent unsigned.
    pub access_key_id: Option<String>,
    /// The secret access key.
    pub secret_access_key: Option<String>,
    /// Whether an `http://` endpoint is allowed (requests and data unencrypted).
    pub allow_http: bool,
    /// Whether buckets are addressed as `<bucket>.<endpoint host>` (virtual-hosted style)
    /// rather than `<endpoint>/<bucket>` (path style, what most S3-compatible services want).
    pub virtual_hosted_style: bool,
}

/// The default region.
pub const DEFAULT_REGION: &str = "us-east-1";

impl S3Settings {
    /// Settings for `endpoint` with the default region, unsigned, path style, HTTPS only.
    pub fn new(endpoint: impl Into<String>) -> S3Settings {
        S3Settings {
            endpoint: endpoint.into(),
            region: DEFAULT_REGION.to_owned(),
            access_key_id: None,
            secret_access_key: None,
            allow_http: false,
            virtual_hosted_style: false,
        }
    }

    /// Checks what can be checked before any request: the endpoint's scheme and host, the key
    /// pair given whole or not at all.
    pub fn validate(&self) -> Result<(), String> {
        let endpoint = self.endpoint.trim();
        let rest = match (endpoint.strip_prefix("https://"), endpoint.strip_prefix("http://")) {
            (Some(rest), _) => rest,
            (None, Some(rest)) if self.allow_http => rest,
            (None, Some(_)) => {
                return Err(format!(
                    "the S3 endpoint {endpoint:?} is plain HTTP: allow it with allow_http = true \
                     (--s3-allow-http), knowing that requests and objects then travel unencrypted"
                ));
            }
            (None, None) => {
                return Err(format!("the S3 endpoint {endpoint:?} must start with https:// (or http://)"));
            }
        };
        if rest.is_empty() || rest.starts_with('/') || rest.contains(char::is_whitespace) {
            return Err(format!("the S3 endpoint {endpoint:?} has no host"));
        }
        if self.region.trim().is_empty() {
            return Err("the S3 region is empty".to_owned());
        }
        match (&self.access_key_id, &self.secret_access_key) {
            (Some(id), Some(secret)) if !id.is_empty() && !secret.is_empty() => Ok(()),
            (None, None) => Ok(()),
            _ => Err("give both an S3 access key id and a secret access key, or neither".to_owned()),
        }
    }
}

/// Buckets that are S3 buckets of the same name at one endpoint.
pub struct S3Store {
    settings: S3Settings,
    runtime: Handle,
    max_object_bytes: u64,
    clients: Mutex<HashMap<String, Arc<AmazonS3>>>,
    buckets: Mutex<HashMap<String, (bool, Instant)>>,
    configs: Mutex<HashMap<String, (BucketConfig, Instant)>>,
}

impl std::fmt::Debug for S3Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Store")
            .field("endpoint", &self.settings.endpoint)
            .field("region", &self.settings.region)
            .field("max_object_bytes", &self.max_object_bytes)
            .finish_non_exhaustive()
    }
}

impl S3Store {
    /// A store over the S3 service `settings` describes, running its requests on `runtime`.
    /// [`Store::get`] refuses objects over `max_object_bytes` (the server passes its body limit).
    pub fn new(settings: S3Settings, max_object_bytes: u64, runtime: Handle) -> Result<S3Store, String> {
        settings.validate()?;
        Ok(S3Store {
            settings,
            runtime,
            max_object_bytes,
            clients: Mutex::new(HashMap::new()),
            buckets: Mutex::new(HashMap::new()),
            configs: Mutex::new(HashMap::new()),
        })
    }

    /// The settings it was made with.
    pub fn settings(&self) -> &S3Settings {
        &self.settings
    }

    /// The client of `bucket`, built on first use.
    fn client(&self, bucket: &str) -> Result<Arc<AmazonS3>, StoreError> {
        if !is_s3_bucket_name(bucket) {
            return Err(StoreError::NoSuchBucket(bucket.to_owned()));
        }
        let mut clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(client) = clients.get(bucket) {
            return Ok(Arc::clone(client));
        }
        let client = Arc::new(self.build_client(bucket)?);
        if clients.len() >= MAX_CLIENTS {
            clients.clear();
        }
        clients.insert(bucket.to_owned(), Arc::clone(&client));
        Ok(client)
    }

    fn build_client(&self, bucket: &str) -> Result<AmazonS3, StoreError> {
        let s = &self.settings;
        let retry = RetryConfig { backoff: BackoffConfig::default(), max_retries: 3, retry_timeout: RETRY_TIMEOUT };
        let options = ClientOptions::new()
            .with_timeout(REQUEST_TIMEOUT)
            .with_connect_timeout(Duration::from_secs(5))
            .with_allow_http(s.allow_http);
        // The client options first: with_client_options replaces them all, allow_http included.
        let mut builder = AmazonS3Builder::new()
            .with_client_options(options)
            .with_endpoint(s.endpoint.trim())
            .with_region(s.region.trim())
            .with_bucket_name(bucket)
            .with_allow_http(s.allow_http)
            .with_virtual_hosted_style_request(s.virtual_hosted_style)
            .with_retry(retry);
        builder = match (&s.access_key_id, &s.secret_access_key) {
            (Some(id), Some(secret)) => builder.with_access_key_id(id).with_secret_access_key(secret),
            _ => builder.with_skip_signature(true),
        };
        builder.build().map_err(|e| {
            StoreError::Io(format!("configuring the S3 client for bucket {bucket:?} at {}: {e}", s.endpoint))
        })
    }

    /// Runs one S3 request to completion on the server's runtime.
    fn run<T>(&self, request: impl Future<Output = T>) -> T {
        self.runtime.block_on(request)
    }

    /// What a failed request means: a missing object or bucket, or an I/O failure.
    fn failure(&self, bucket: &str, key: &str, action: &str, error: object_store::Error) -> StoreError {
        match s3_error_code(&error) {
            S3Missing::Bucket => {
                self.remember_bucket(bucket, false);
                StoreError::NoSuchBucket(bucket.to_owned())
            }
            S3Missing::Key => StoreError::NoSuchKey(key.to_owned()),
            // A HEAD's 404 has no body to say which: ask the bucket.
            S3Missing::Unknown => match self.probe_bucket(bucket) {
                Ok(true) => StoreError::NoSuchKey(key.to_owned()),
                Ok(false) => StoreError::NoSuchBucket(bucket.to_owned()),
                Err(e) => e,
            },
            S3Missing::No => StoreError::Io(format!(
                "S3 {action} of {key:?} in bucket {bucket:?} at {} failed: {error}",
                self.settings.endpoint
            )),
        }
    }

    /// Asks S3 whether `bucket` exists (a GET of its settings object tells a missing bucket
    /// from a missing object), and remembers the answer.
    fn probe_bucket(&self, bucket: &str) -> Result<bool, StoreError> {
        let client = self.client(bucket)?;
        let path = Path::from(CONFIG_KEY);
        let answer = self.run(async { client.get_opts(&path, GetOptions::default()).await });
        let exists = match answer {
            Ok(_) => true,
            Err(error) => match s3_error_code(&error) {
                S3Missing::Bucket => false,
                S3Missing::Key | S3Missing::Unknown => true,
                S3Missing::No => {
                    return Err(StoreError::Io(format!(
                        "asking S3 at {} whether the bucket {bucket:?} exists failed: {error}",
                        self.settings.endpoint
                    )));
                }
            },
        };
        self.remember_bucket(bucket, exists);
        Ok(exists)
    }

    fn remember_bucket(&self, bucket: &str, exists: bool) {
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() >= MAX_CLIENTS {
            buckets.clear();
        }
        buckets.insert(bucket.to_owned(), (exists, Instant::now()));
    }

    fn remembered_bucket(&self, bucket: &str) -> Option<bool> {
        let buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        buckets.get(bucket).filter(|(_, when)| when.elapsed() < BUCKET_TTL).map(|(exists, _)| *exists)
    }

    /// The metadata of the object at `path` (a HEAD).
    fn head_path(&self, bucket: &str, key: &str, path: &Path) -> Result<GetResultMeta, StoreError> {
        let client = self.client(bucket)?;
        let result = self.run(async { client.get_opts(path, GetOptions::default().with_head(true)).await });
        match result {
            Ok(result) => Ok(GetResultMeta::of(&result, key)),
            Err(e) => Err(self.failure(bucket, key, "HEAD", e)),
        }
    }

    /// The object's bytes, refused over `max_bytes` before they are downloaded.
    fn read_path(
        &self,
        bucket: &str,
        key: &str,
        path: &Path,
        max_bytes: u64,
    ) -> Result<(ObjectMeta, Vec<u8>), StoreError> {
        let client = self.client(bucket)?;
        let too_large = |size| StoreError::TooLarge { key: key.to_owned(), size, limit: max_bytes };
        for _ in 0..READ_ATTEMPTS {
            let head = self.head_path(bucket, key, path)?;
            if head.meta.size > max_bytes {
                return Err(too_large(head.meta.size));
            }
            let options = GetOptions::default().with_if_match(head.s3_etag.clone());
            let downloaded = self.run(async {
                let result = client.get_opts(path, options).await?;
                let meta = GetResultMeta::of(&result, key);
                let bytes = result.bytes().await?;
                Ok::<_, object_store::Error>((meta, bytes))
            });
            match downloaded {
                Ok((meta, bytes)) => {
                    let len = bytes.len() as u64;
                    if len > max_bytes {
                        return Err(too_large(len));
                    }
                    return Ok((meta.meta, bytes.to_vec()));
                }
                // Replaced between the HEAD and the GET: check the new version's size.
                Err(object_store::Error::Precondition { .. }) => continue,
                Err(e) => return Err(self.failure(bucket, key, "GET", e)),
            }
        }
        Err(StoreError::Io(format!(
            "the object {key:?} in bucket {bucket:?} kept changing while it was read ({READ_ATTEMPTS} attempts)"
        )))
    }

    /// Stores `bytes` at `path` with `attributes`.
    fn put_path(
        &self,
        bucket: &str,
        key: &str,
        path: &Path,
        bytes: &[u8],
        attributes: Attributes,
    ) -> Result<SystemTime, StoreError> {
        let client = self.client(bucket)?;
        let options = PutOptions { attributes, ..PutOptions::default() };
        let payload = PutPayload::from(bytes.to_vec());
        match self.run(async { client.put_opts(path, payload, options).await }) {
            Ok(_) => Ok(SystemTime::now()),
            Err(e) => Err(self.failure(bucket, key, "PUT", e)),
        }
    }
}

/// Whether `name` can be a bucket here: a COS bucket name that S3 accepts (3 to 63 characters).
pub fn is_s3_bucket_name(name: &str) -> bool {
    is_bucket_name(name) && (3..=63).contains(&name.len())
}

/// The S3 object path of a key: the key as it is, after refusing the reserved ones.
pub fn object_path(key: &ObjectKey) -> Result<Path, StoreError> {
    check_reserved(key)?;
    if key.segments().next() == Some(RESERVED_PREFIX) {
        return Err(StoreError::Refused(format!(
            "the key {:?} is under {RESERVED_PREFIX}/, where the server keeps its own data",
            key.as_str()
        )));
    }
    Path::parse(key.as_str())
        .map_err(|e| StoreError::Refused(format!("the key {:?} cannot be an S3 object key: {e}", key.as_str())))
}

/// What an S3 error says about the thing asked for.
#[derive(Debug, PartialEq, Eq)]
enum S3Missing {
    /// The bucket does not exist.
    Bucket,
    /// The object does not exist.
    Key,
    /// Not found, without saying what (a HEAD's 404 has no body).
    Unknown,
    /// Another failure.
    No,
}

/// Reads the S3 error code from the body S3 answered with, which object_store keeps as the
/// innermost error of the chain (the outer ones name the key, which must not be mistaken for
/// a code).
fn s3_error_code(error: &object_store::Error) -> S3Missing {
    let mut innermost: &dyn std::error::Error = error;
    while let Some(source) = innermost.source() {
        innermost = source;
    }
    let body = innermost.to_string();
    if body.contains("<Code>NoSuchBucket</Code>") {
        return S3Missing::Bucket;
    }
    match error {
        object_store::Error::NotFound { .. } if body.contains("<Code>NoSuchKey</Code>") => S3Missing::Key,
        object_store::Error::NotFound { .. } => S3Missing::Unknown,
        _ => S3Missing::No,
    }
}

/// An object's metadata as the store reports it, and S3's own ETag (for `If-Match`).
struct GetResultMeta {
    meta: ObjectMeta,
    s3_etag: Option<String>,
}

impl GetResultMeta {
    fn of(result: &GetResult, key: &str) -> GetResultMeta {
        let attributes = &result.attributes;
        let s3_etag = result.meta.e_tag.clone();
        let etag = match attributes.get(&Attribute::Metadata(MD5_METADATA.into())) {
            Some(md5) if is_md5_hex(md5) || is_multipart_etag(md5) => format!("\"{}\"", md5.as_ref()),
            _ => s3_etag.as_deref().map(normalise_etag).unwrap_or_default(),
        };
        let content_type = match attributes.get(&Attribute::ContentType) {
            Some(given) if !given.trim().is_empty() => given.trim().to_owned(),
            _ => guess_content_type(key, &[]),
        };
        let meta =
            ObjectMeta { size: result.meta.size, etag, content_type, last_modified: result.meta.last_modified.into() };
        GetResultMeta { meta, s3_etag }
    }
}

fn is_md5_hex(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Whether `text` is the ETag of an object completed from parts, `<md5 hex>-<count>`
/// ([`crate::uploads::multipart_etag`], unquoted).
fn is_multipart_etag(text: &str) -> bool {
    text.split_once('-').is_some_and(|(md5, count)| {
        is_md5_hex(md5) && !count.is_empty() && count.len() <= 5 && count.bytes().all(|b| b.is_ascii_digit())
    })
}

/// S3's ETag, quoted and in lower case as COS writes one.
fn normalise_etag(etag: &str) -> String {
    format!("\"{}\"", etag.trim().trim_matches('"').to_ascii_lowercase())
}

impl Store for S3Store {
    fn has_bucket(&self, bucket: &str) -> Result<bool, StoreError> {
        if !is_s3_bucket_name(bucket) {
            return Ok(false);
        }
        match self.remembered_bucket(bucket) {
            Some(exists) => Ok(exists),
            None => self.probe_bucket(bucket),
        }
    }

    fn head(&self, bucket: &str, key: &ObjectKey) -> Result<ObjectMeta, StoreError> {
        let path = object_path(key)?;
        Ok(self.head_path(bucket, key.as_str(), &path)?.meta)
    }

    fn get(&self, bucket: &str, key: &ObjectKey) -> Result<(ObjectMeta, ObjectBody), StoreError> {
        let (meta, bytes) = self.read(bucket, key, self.max_object_bytes)?;
        Ok((meta, ObjectBody::Bytes(bytes)))
    }

    fn read(&self, bucket: &str, key: &ObjectKey, max_bytes: u64) -> Result<(ObjectMeta, Vec<u8>), StoreError> {
        let path = object_path(key)?;
        self.read_path(bucket, key.as_str(), &path, max_bytes)
    }

    fn put(
        &self,
        bucket: &str,
        key: &ObjectKey,
        bytes: &[u8],
        content_type: Option<&str>,
    ) -> Result<ObjectMeta, StoreError> {
        let path = object_path(key)?;
        let md5 = quoted_hex(&Md5::digest(bytes));
        let content_type = content_type_of(key.as_str(), bytes, content_type);
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, content_type.clone().into());
        attributes.insert(Attribute::Metadata(MD5_METADATA.into()), md5.trim_matches('"').to_owned().into());
        let last_modified = self.put_path(bucket, key.as_str(), &path, bytes, attributes)?;
        Ok(ObjectMeta { size: bytes.len() as u64, etag: md5, content_type, last_modified })
    }

    fn delete(&self, bucket: &str, key: &ObjectKey) -> Result<(), StoreError> {
        let path = object_path(key)?;
        let client = self.client(bucket)?;
        match self.run(async { client.delete(&path).await }) {
            Ok(()) => Ok(()),
            Err(e) => match self.failure(bucket, key.as_str(), "DELETE", e) {
                StoreError::NoSuchKey(_) => Ok(()),
                other => Err(other),
            },
        }
    }

    fn config(&self, bucket: &str) -> Result<BucketConfig, StoreError> {
        let config = self.read_config(bucket)?;
        self.remember_config(bucket, &config);
        Ok(config)
    }

    fn recent_config(&self, bucket: &str) -> Result<BucketConfig, StoreError> {
        match self.remembered_config(bucket) {
            Some(config) => Ok(config),
            None => self.config(bucket),
        }
    }

    fn list(&self, bucket: &str, query: &ListQuery) -> Result<Listing, StoreError> {
        let mut page = PageBuilder::new(query);
        self.list_into(bucket, query, &mut page)?;
        Ok(page.finish())
    }

    fn save_config(&self, bucket: &str, config: &BucketConfig) -> Result<(), StoreError> {
        let json = serde_json::to_vec_pretty(config).map_err(|e| StoreError::Io(e.to_string()))?;
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, "application/json".into());
        self.put_path(bucket, CONFIG_KEY, &Path::from(CONFIG_KEY), &json, attributes)?;
        self.remember_config(bucket, config);
        Ok(())
    }
}

impl S3Store {
    /// Feeds the keys S3 lists under the query's prefix, after its marker, into `page`.
    fn list_into(&self, bucket: &str, query: &ListQuery, page: &mut PageBuilder) -> Result<(), StoreError> {
        let client = self.client(bucket)?;
        let prefix = (!query.prefix.is_empty()).then_some(query.prefix.as_str());
        let mut page_token = None;
        let mut scanned = 0;
        loop {
            let options = PaginatedListOptions {
                offset: (!query.marker.is_empty()).then(|| query.marker.clone()),
                max_keys: Some(LIST_PAGE_KEYS),
                page_token: page_token.take(),
                ..PaginatedListOptions::default()
            };
            let answer = self
                .run(async { client.list_paginated(prefix, options).await })
                .map_err(|e| self.failure(bucket, &query.prefix, "listing", e))?;
            let mut last_key = None;
            for object in answer.result.objects {
                scanned += 1;
                let key = object.location.to_string();
                if self.list_object(bucket, &key, object, page)? == Walk::Stop {
                    return Ok(());
                }
                last_key = Some(key);
            }
            match answer.page_token {
                None => return Ok(()),
                Some(_) if scanned >= MAX_KEYS_SCANNED => {
                    page.truncate(last_key.as_deref());
                    return Ok(());
                }
                token => page_token = token,
            }
        }
    }

    /// Offers one listed S3 object to `page`, unless a GET would refuse its key.
    fn list_object(
        &self,
        bucket: &str,
        key: &str,
        object: object_store::ObjectMeta,
        page: &mut PageBuilder,
    ) -> Result<Walk, StoreError> {
        if !ObjectKey::new(key).is_ok_and(|k| object_path(&k).is_ok()) {
            return Ok(Walk::Continue);
        }
        let entry = page.classify(key);
        page.add(entry, || self.listed_object(bucket, key, object))
    }

    /// What HEAD answers for a listed object: S3's ETag when it is an MD5, else a HEAD's
    /// (`None` when the object is gone since it was listed).
    fn listed_object(
        &self,
        bucket: &str,
        key: &str,
        object: object_store::ObjectMeta,
    ) -> Result<Option<ListedObject>, StoreError> {
        let etag = match object.e_tag.as_deref().map(normalise_etag) {
            Some(etag) if is_md5_hex(etag.trim_matches('"')) => etag,
            _ => match self.head_path(bucket, key, &object.location) {
                Ok(head) => head.meta.etag,
                Err(StoreError::NoSuchKey(_)) => return Ok(None),
                Err(e) => return Err(e),
            },
        };
        let last_modified = object.last_modified.into();
        Ok(Some(ListedObject { key: key.to_owned(), size: object.size, etag, last_modified }))
    }

    /// The bucket's settings read within [`CONFIG_TTL`], if any.
    fn remembered_config(&self, bucket: &str) -> Option<BucketConfig> {
        let configs = self.configs.lock().unwrap_or_else(PoisonError::into_inner);
        configs.get(bucket).filter(|(_, when)| when.elapsed() < CONFIG_TTL).map(|(config, _)| config.clone())
    }

    fn remember_config(&self, bucket: &str, config: &BucketConfig) {
        let mut configs = self.configs.lock().unwrap_or_else(PoisonError::into_inner);
        if configs.len() >= MAX_CLIENTS {
            configs.clear();
        }
        configs.insert(bucket.to_owned(), (config.clone(), Instant::now()));
    }

    /// The settings object, or the default settings when the bucket has none.
    fn read_config(&self, bucket: &str) -> Result<BucketConfig, StoreError> {
        let path = Path::from(CONFIG_KEY);
        let bytes = match self.read_path(bucket, CONFIG_KEY, &path, MAX_CONFIG_BYTES) {
            Ok((_, bytes)) => bytes,
            Err(StoreError::NoSuchKey(_)) => return Ok(BucketConfig::default()),
            Err(e) => return Err(e),
        };
        serde_json::from_slice(&bytes).map_err(|e| {
            StoreError::Io(format!("the settings object {CONFIG_KEY} of bucket {bucket:?} is damaged: {e}"))
        })
    }
}

/// The largest settings document read (a bucket's 100 styles and its Referer list fit many
/// times over).
const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn key(k: &str) -> ObjectKey {
        ObjectKey::new(k).unwrap()
    }

    #[test]
    fn keys_map_to_the_same_s3_keys() {
        for k in ["a.jpg", "photos/2024/cat.jpg", "a b/测试.txt", "%2e%2e", "x[1]{2}^`|.png", ".mogrx/a", "a/.mogr/b"]
        {
            assert_eq!(object_path(&key(k)).unwrap().as_ref(), k, "{k}");
        }
    }

    #[test]
    fn the_reserved_prefixes_are_refused() {
        for k in [".mogr/config.json", ".mogr", ".mogr/x/y", ".mogr-tmp-1", "a/.mogr-tmp-2"] {
            assert!(matches!(object_path(&key(k)), Err(StoreError::Refused(_))), "{k}");
        }
        assert_eq!(Path::from(CONFIG_KEY).as_ref(), CONFIG_KEY);
        assert_eq!(CONFIG_KEY.split('/').next(), Some(RESERVED_PREFIX));
    }

    #[test]
    fn bucket_names_must_suit_s3() {
        assert!(is_s3_bucket_name("examplebucket-1250000000"));
        let longest = format!("{}-125000000000", "a".repeat(50));
        assert_eq!(longest.len(), 63);
        assert!(is_s3_bucket_name(&longest));
        let too_long = format!("{longest}0");
        assert!(is_bucket_name(&too_long) && !is_s3_bucket_name(&too_long));
        assert!(is_s3_bucket_name("a-1"));
        assert!(!is_s3_bucket_name("Example-1"));
    }

    #[test]
    fn etags_are_md5s_in_quotes() {
        assert!(is_md5_hex("5d41402abc4b2a76b9719d911017c592"));
        assert!(!is_md5_hex("5D41402ABC4B2A76B9719D911017C592"));
        assert!(!is_md5_hex("5d41402abc4b2a76b9719d911017c59"));
        assert!(is_multipart_etag("5d41402abc4b2a76b9719d911017c592-3"));
        assert!(!is_multipart_etag("5d41402abc4b2a76b9719d911017c592-"));
        assert!(!is_multipart_etag("5d41402abc4b2a76b9719d911017c592-3x"));
        assert!(!is_multipart_etag("5d41402abc4b2a76b9719d911017c592"));
        assert_eq!(normalise_etag("\"5D41402ABC4B2A76B9719D911017C592\""), "\"5d41402abc4b2a76b9719d911017c592\"");
        assert_eq!(normalise_etag("abc-2"), "\"abc-2\"");
    }

    #[test]
    fn settings_are_checked_before_any_request() {
        let mut s = S3Settings::new("https://s3.example.com");
        assert!(s.validate().is_ok());
        s.endpoint = "http://127.0.0.1:9000".to_owned();
        assert!(s.validate().unwrap_err().contains("allow_http"));
        s.allow_http = true;
        assert!(s.validate().is_ok());
        for bad in ["127.0.0.1:9000", "ftp://x", "https://", "https:///x", "https://a b"] {
            s.endpoint = bad.to_owned();
            assert!(s.validate().is_err(), "{bad}");
        }
        s.endpoint = "https://s3.example.com".to_owned();
        s.access_key_id = Some("id".to_owned());
        assert!(s.validate().unwrap_err().contains("both"));
        s.secret_access_key = Some("secret".to_owned());
        assert!(s.validate().is_ok());
        s.region = " ".to_owned();
        assert!(s.validate().is_err());
    }

    #[test]
    fn missing_things_are_told_apart_by_the_s3_code() {
        let not_found =
            |body: &str| object_store::Error::NotFound { path: "k".to_owned(), source: body.to_owned().into() };
        let code = s3_error_code;
        let bucket = not_found("<Error><Code>NoSuchBucket</Code></Error>");
        assert_eq!(code(&bucket), S3Missing::Bucket);
        assert_eq!(code(&not_found("<Error><Code>NoSuchKey</Code></Error>")), S3Missing::Key);
        assert_eq!(code(&not_found("")), S3Missing::Unknown);
        let generic = object_store::Error::Generic { store: "S3", source: "timed out".into() };
        assert_eq!(code(&generic), S3Missing::No);
        let listed = object_store::Error::Generic { store: "S3", source: "<Code>NoSuchBucket</Code>".into() };
        assert_eq!(code(&listed), S3Missing::Bucket);
        // A key that looks like a code is not one: only the innermost error (the body) counts.
        let named = object_store::Error::NotFound { path: "<Code>NoSuchBucket</Code>".to_owned(), source: "".into() };
        assert_eq!(code(&named), S3Missing::Unknown);
    }
}
