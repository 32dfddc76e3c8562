//! Running rules: the bounded worker pool and the bucket watermark images come from.
//!
//! Processing is CPU-bound and blocking, and one image can take hundreds of megabytes, so
//! every job runs on tokio's blocking pool behind a semaphore of `workers` permits: at most
//! that many images are decoded at once, whatever the number of connections. A job holds its
//! permit until it ends, even when the request that started it has timed out.

use std::sync::Arc;
use std::time::Instant;

use mogr::exec::{FetchError, ObjectResolver};
use mogr::plan::{ObjectKey, ObjectUrl};
use mogr::{Bucket, Engine, Response};
use tokio::sync::Semaphore;

use crate::cos_xml::ImageInfo;
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::storage::{Store, StoreError};

/// The engine and the permits of the worker pool.
#[derive(Debug)]
pub struct Processor {
    engine: Engine,
    permits: Arc<Semaphore>,
    metrics: Arc<Metrics>,
}

impl Processor {
    /// A processor running at most `workers` images at once on `engine`, counting its jobs
    /// in `metrics`.
    pub fn new(engine: Engine, workers: usize, metrics: Arc<Metrics>) -> Processor {
        let permits = Arc::new(Semaphore::new(workers.max(1)));
        Processor { engine, permits, metrics }
    }

    /// The largest input accepted, in bytes.
    pub fn max_input_bytes(&self) -> u64 {
        self.engine.limits().max_input_bytes.unwrap_or(u64::MAX)
    }

    /// Runs `job` on the blocking pool once a worker is free.
    pub async fn run<T, F>(self: &Arc<Self>, job: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Processor) -> T + Send + 'static,
    {
        let waiting = self.metrics.job_waiting();
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| ApiError::internal("the worker pool is closed"))?;
        drop(waiting);
        let processor = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let _running = processor.metrics.job_running();
            let started = Instant::now();
            let result = job(&processor);
            processor.metrics.job_finished(started.elapsed());
            result
        })
        .await
        .map_err(|e| ApiError::internal(format!("an image worker failed: {e}")))
    }

    /// Processes `image` with `rule`, watermark images drawn from `objects`.
    pub fn process(&self, objects: &BucketObjects, image: &[u8], rule: &str) -> Result<Response, mogr::Error> {
        self.engine.process_in(image, rule, Bucket::new(objects))
    }

    /// The `ImageInfo` of persistent processing: format, size, quality and orientation from
    /// the headers, the average colour from `imageAve`.
    pub fn image_info(&self, objects: &BucketObjects, image: &[u8]) -> Result<ImageInfo, mogr::Error> {
        let probe = mogr::plan::probe(image)?;
        let (width, height) = probe.decoded_size();
        let ave = self.process(objects, image, "imageAve")?;
        let ave = serde_json::from_slice::<serde_json::Value>(&ave.body)
            .ok()
            .and_then(|v| v.get("RGB").and_then(|rgb| rgb.as_str()).map(str::to_owned))
            .unwrap_or_default();
        let format = match probe.format {
            mogr::plan::ImageFormat::Jpeg => "JPEG".to_owned(),
            other => other.name().to_ascii_uppercase(),
        };
        Ok(ImageInfo {
            format,
            width,
            height,
            quality: probe.jpeg_quality.unwrap_or(100),
            ave,
            orientation: probe.orientation.exif_value(),
            frame_count: probe.frames.max(1),
        })
    }
}

/// The bucket a request's rule may draw watermark images from: only objects of that bucket,
/// named by a bare key or by a URL whose host's first label is the bucket.
pub struct BucketObjects {
    store: Arc<dyn Store>,
    bucket: String,
}

impl BucketObjects {
    /// The objects of `bucket` in `store`.
    pub fn new(store: Arc<dyn Store>, bucket: impl Into<String>) -> BucketObjects {
        BucketObjects { store, bucket: bucket.into() }
    }
}

impl ObjectResolver for BucketObjects {
    fn fetch(&self, url: &ObjectUrl, max_bytes: u64) -> Result<Vec<u8>, FetchError> {
        if let Some(host) = &url.host {
            let label = host.split(['.', ':']).next().unwrap_or_default();
            if label != self.bucket {
                return Err(FetchError::Refused(format!(
                    "the image URL's host {host:?} is not the bucket {:?}: watermark images must come from the input's bucket",
                    self.bucket
                )));
            }
        }
        let key = url.key.as_str().to_owned();
        match self.store.read(&self.bucket, &url.key, max_bytes) {
            Ok((_, bytes)) => Ok(bytes),
            Err(StoreError::TooLarge { limit, .. }) => Err(FetchError::TooLarge { key, max_bytes: limit }),
            Err(StoreError::Refused(why)) => Err(FetchError::Refused(why)),
            Err(StoreError::NoSuchKey(_)) => Err(FetchError::NotFound(format!("the object {key:?} does not exist"))),
            Err(other) => Err(FetchError::NotFound(format!("the object {key:?} cannot be read: {other:?}"))),
        }
    }
}

/// The key of a persistent-processing result: a `fileid` with a leading `/` is absolute, any
/// other is relative to the folder of the original (the spec's `/p1/test1.jpg` example).
pub fn result_key(original: &ObjectKey, file_id: &str) -> Result<ObjectKey, ApiError> {
    let key = match file_id.strip_prefix('/') {
        Some(absolute) => absolute.to_owned(),
        None => match original.as_str().rsplit_once('/') {
            Some((folder, _)) => format!("{folder}/{file_id}"),
            None => file_id.to_owned(),
        },
    };
    ObjectKey::new(&key).map_err(|e| ApiError::invalid_key(format!("fileid {file_id:?}: {e}")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn fileids_are_absolute_or_relative_to_the_original_folder() {
        let original = ObjectKey::new("p1/test1.jpg").unwrap();
        assert_eq!(result_key(&original, "/p2/test2.jpg").unwrap().as_str(), "p2/test2.jpg");
        assert_eq!(result_key(&original, "p2/test2.jpg").unwrap().as_str(), "p1/p2/test2.jpg");
        let at_root = ObjectKey::new("test1.jpg").unwrap();
        assert_eq!(result_key(&at_root, "out.png").unwrap().as_str(), "out.png");
        assert!(result_key(&original, "/../x").is_err());
        assert!(result_key(&original, "a\\b").is_err());
    }
}
