//! The [`Engine`]: everything a server decides once (limits, memory budget, threads, JPEG
//! encoder mode, fonts, the blind-watermark key, where watermark images and styles come
//! from), built by an [`EngineBuilder`] and shared by every request.
//!
//! A request flows through it as through the stage crates, with the engine's settings:
//!
//! ```text
//! rule ──parse──▶ Pipeline ──expand styles (Styles)──▶ Pipeline
//!      ──probe(bytes) + plan(Limits)──▶ Plan ──execute(Executor; watermark images from
//!        the ObjectResolver)──▶ Response
//! ```
//!
//! [`Engine::process`] uses the engine's own bucket (its object resolver and styles);
//! [`Engine::process_in`] takes a [`Bucket`] per request, for servers with many buckets.

use std::num::NonZeroUsize;
use std::sync::Arc;

use crate::styles::{NoStyles, Styles, expand_styles, has_styles};
use crate::{Error, Pipeline, Response, exec, parse, plan};

/// What one request draws on beside its bytes: the objects its watermark images come from
/// and the styles its `style/<name>` stages name. In CI both belong to the input's bucket.
///
/// ```
/// use std::collections::BTreeMap;
/// use mogr::{Bucket, exec::FolderObjects};
/// let objects = FolderObjects::new("/srv/buckets/photos-1250000000");
/// let styles = BTreeMap::from([("thumb".to_owned(), "imageMogr2/thumbnail/300x".to_owned())]);
/// let bucket = Bucket::new(&objects).with_styles(&styles);
/// # let _ = bucket;
/// ```
#[derive(Clone, Copy)]
pub struct Bucket<'a> {
    /// Where watermark images come from.
    pub objects: &'a dyn exec::ObjectResolver,
    /// The styles `style/<name>` names.
    pub styles: &'a dyn Styles,
}

impl<'a> Bucket<'a> {
    /// The bucket of `objects`, without styles.
    ///
    /// ```
    /// let objects = mogr::exec::FolderObjects::new("/srv/bucket");
    /// let bucket = mogr::Bucket::new(&objects);
    /// assert_eq!(bucket.styles.style("any"), None);
    /// ```
    pub fn new(objects: &'a dyn exec::ObjectResolver) -> Bucket<'a> {
        Bucket { objects, styles: &NoStyles }
    }

    /// The same bucket with `styles`.
    ///
    /// ```
    /// use std::collections::HashMap;
    /// let styles = HashMap::from([("small".to_owned(), "imageMogr2/thumbnail/!50p".to_owned())]);
    /// let bucket = mogr::Bucket::new(&mogr::exec::NoObjects).with_styles(&styles);
    /// assert!(bucket.styles.style("small").is_some());
    /// ```
    pub fn with_styles(self, styles: &'a dyn Styles) -> Bucket<'a> {
        Bucket { styles, ..self }
    }
}

impl std::fmt::Debug for Bucket<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bucket").finish_non_exhaustive()
    }
}

/// Settings for an [`Engine`], each with a safe default: the spec's limits and a 4 GiB
/// memory budget per request, rayon's global thread pool, the fast JPEG encoder, the
/// system's fonts, no bucket (watermark images fail to load) and no styles.
///
/// ```
/// use mogr::{Engine, exec::JpegMode};
/// let engine = Engine::builder()
///     .memory_budget(512 << 20)
///     .threads(4)
///     .jpeg_mode(JpegMode::Compact)
///     .build()?;
/// assert_eq!(engine.limits().max_peak_bytes, Some(512 << 20));
/// # Ok::<(), mogr::Error>(())
/// ```
#[must_use]
pub struct EngineBuilder {
    limits: plan::Limits,
    settings: exec::Settings,
    fonts: Option<exec::text::FontLibrary>,
    blind_key: Option<Vec<u8>>,
    objects: Arc<dyn exec::ObjectResolver>,
    styles: Arc<dyn Styles>,
}

impl Default for EngineBuilder {
    fn default() -> Self {
        EngineBuilder {
            limits: plan::Limits::DEFAULT,
            settings: exec::Settings::default(),
            fonts: None,
            blind_key: None,
            objects: Arc::new(exec::NoObjects),
            styles: Arc::new(NoStyles),
        }
    }
}

impl EngineBuilder {
    /// Every limit at once (input bytes and sides, pixels, GIF frames, output sides,
    /// watermarks, memory budget); see [`plan::Limits`].
    ///
    /// ```
    /// let limits = mogr::plan::Limits { max_input_bytes: Some(8 << 20), ..mogr::plan::Limits::DEFAULT };
    /// let engine = mogr::Engine::builder().limits(limits).build()?;
    /// assert_eq!(engine.limits().max_input_bytes, Some(8 << 20));
    /// # Ok::<(), mogr::Error>(())
    /// ```
    pub fn limits(mut self, limits: plan::Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The most memory one request may be predicted to need at its peak, in bytes; requests
    /// over it are refused (-447) before anything is decoded.
    ///
    /// ```
    /// let engine = mogr::Engine::builder().memory_budget(256 << 20).build()?;
    /// assert_eq!(engine.limits().max_peak_bytes, Some(256 << 20));
    /// # Ok::<(), mogr::Error>(())
    /// ```
    pub fn memory_budget(mut self, bytes: u64) -> Self {
        self.limits.max_peak_bytes = Some(bytes);
        self
    }

    /// Runs pixel work on a pool of its own of `threads` threads (0: rayon's global pool,
    /// the default).
    ///
    /// ```
    /// let engine = mogr::Engine::builder().threads(1).build()?;
    /// assert_eq!(engine.settings().threads.map(|n| n.get()), Some(1));
    /// # Ok::<(), mogr::Error>(())
    /// ```
    pub fn threads(mut self, threads: usize) -> Self {
        self.settings = self.settings.with_threads(NonZeroUsize::new(threads));
        self
    }

    /// How JPEG is written: [`exec::JpegMode::Fast`] (the default) or
    /// [`exec::JpegMode::Compact`] (smaller files, slower).
    ///
    /// ```
    /// use mogr::exec::JpegMode;
    /// let engine = mogr::Engine::builder().jpeg_mode(JpegMode::Compact).build()?;
    /// assert_eq!(engine.settings().encode.jpeg, JpegMode::Compact);
    /// # Ok::<(), mogr::Error>(())
    /// ```
    pub fn jpeg_mode(mut self, mode: exec::JpegMode) -> Self {
        self.settings = self.settings.with_jpeg(mode);
        self
    }

    /// What `scrop` does when it finds no face: answer the input unchanged (the spec, the
    /// default) or cut the window of most detail.
    ///
    /// ```
    /// use mogr::exec::ScropFallback;
    /// let engine = mogr::Engine::builder().scrop_fallback(ScropFallback::Saliency).build()?;
    /// assert_eq!(engine.settings().scrop_fallback, ScropFallback::Saliency);
    /// # Ok::<(), mogr::Error>(())
    /// ```
    pub fn scrop_fallback(mut self, fallback: exec::ScropFallback) -> Self {
        self.settings = self.settings.with_scrop_fallback(fallback);
        self
    }

    /// Whether `watermark/4/type/1` (semi-blind) reports carry the recovered mark, a
    /// grayscale PNG in base64 under `"RecoveredMark"` (off by default: CI's reports have no
    /// such field).
    ///
    /// ```
    /// let engine = mogr::Engine::builder().recovered_marks(true).build()?;
    /// assert!(engine.settings().recovered_marks);
    /// # Ok::<(), mogr::Error>(())
    /// ```
    pub fn recovered_marks(mut self, recovered_marks: bool) -> Self {
        self.settings = self.settings.with_recovered_marks(recovered_marks);
        self
    }

    /// Draws text watermarks and SVG text with `fonts` instead of the system's.
    ///
    /// ```no_run
    /// use mogr::exec::text::FontLibrary;
    /// let fonts = FontLibrary::from_dirs(vec!["/srv/fonts".into()]);
    /// let engine = mogr::Engine::builder().fonts(fonts).build()?;
    /// # Ok::<(), mogr::Error>(())
    /// ```
    pub fn fonts(mut self, fonts: exec::text::FontLibrary) -> Self {
        self.fonts = Some(fonts);
        self
    }

    /// Adds and reads blind watermarks (`watermark/3`, `watermark/4`) with `key`: an
    /// installation reads back only the marks made with its own key.
    ///
    /// ```
    /// let engine = mogr::Engine::builder().blind_watermark_key("our secret").build()?;
    /// # let _ = engine;
    /// # Ok::<(), mogr::Error>(())
    /// ```
    pub fn blind_watermark_key(mut self, key: impl Into<Vec<u8>>) -> Self {
        self.blind_key = Some(key.into());
        self
    }

    /// Where [`Engine::process`] finds watermark images (`watermark/1/image/<url>`, blind
    /// watermarks): a folder ([`exec::FolderObjects`]) or a store of your own.
    ///
    /// ```
    /// let engine = mogr::Engine::builder().objects(mogr::exec::FolderObjects::new("/srv/bucket")).build()?;
    /// # let _ = engine;
    /// # Ok::<(), mogr::Error>(())
    /// ```
    pub fn objects(mut self, objects: impl exec::ObjectResolver + 'static) -> Self {
        self.objects = Arc::new(objects);
        self
    }

    /// Where [`Engine::process`] finds the styles `style/<name>` names.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// let styles = BTreeMap::from([("thumb".to_owned(), "imageMogr2/thumbnail/300x".to_owned())]);
    /// let engine = mogr::Engine::builder().styles(styles).build()?;
    /// assert_eq!(engine.parse("style/thumb")?.to_string(), "imageMogr2/thumbnail/300x");
    /// # Ok::<(), mogr::Error>(())
    /// ```
    pub fn styles(mut self, styles: impl Styles + 'static) -> Self {
        self.styles = Arc::new(styles);
        self
    }

    /// The engine (starting its thread pool when [`EngineBuilder::threads`] asked for one).
    pub fn build(self) -> Result<Engine, Error> {
        let mut executor = exec::Executor::new(self.settings)?;
        if let Some(fonts) = self.fonts {
            executor = executor.with_fonts(fonts);
        }
        if let Some(key) = self.blind_key {
            executor = executor.with_blind_key(key);
        }
        Ok(Engine { limits: self.limits, executor, objects: self.objects, styles: self.styles })
    }
}

/// The mogr engine: built once, shared by every request (it is `Send + Sync`; wrap it in an
/// `Arc` to share it between tasks).
///
/// ```no_run
/// let engine = mogr::Engine::new()?;
/// let photo = std::fs::read("photo.jpg").expect("photo.jpg");
/// let thumb = engine.process(&photo, "imageMogr2/thumbnail/720x/format/webp")?;
/// assert_eq!(thumb.mime_type, "image/webp");
/// std::fs::write("thumb.webp", &thumb.body).expect("written");
/// # Ok::<(), mogr::Error>(())
/// ```
pub struct Engine {
    limits: plan::Limits,
    executor: exec::Executor,
    objects: Arc<dyn exec::ObjectResolver>,
    styles: Arc<dyn Styles>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("limits", &self.limits).field("executor", &self.executor).finish_non_exhaustive()
    }
}

impl Engine {
    /// An engine with every default (see [`EngineBuilder`]).
    ///
    /// ```
    /// let engine = mogr::Engine::new()?;
    /// assert_eq!(engine.limits(), &mogr::plan::Limits::DEFAULT);
    /// # Ok::<(), mogr::Error>(())
    /// ```
    pub fn new() -> Result<Engine, Error> {
        EngineBuilder::default().build()
    }

    /// A builder to set the engine up.
    ///
    /// ```
    /// let engine = mogr::Engine::builder().memory_budget(64 << 20).build()?;
    /// assert_eq!(engine.limits().max_peak_bytes, Some(64 << 20));
    /// # Ok::<(), mogr::Error>(())
    /// ```
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// The limits every request is held to.
    ///
    /// ```
    /// let engine = mogr::Engine::new()?;
    /// assert_eq!(engine.limits().max_output_side, Some(9_999));
    /// # Ok::<(), mogr::Error>(())
    /// ```
    pub fn limits(&self) -> &plan::Limits {
        &self.limits
    }

    /// The executor's settings (threads, JPEG mode, scrop fallback, recovered marks).
    ///
    /// ```
    /// let engine = mogr::Engine::new()?;
    /// assert_eq!(engine.settings().threads, None); // rayon's global pool
    /// # Ok::<(), mogr::Error>(())
    /// ```
    pub fn settings(&self) -> &exec::Settings {
        self.executor.settings()
    }

    /// The engine's own bucket: its object resolver and styles, for
    /// [`Engine::process_pipeline`].
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// let styles = BTreeMap::from([("s".to_owned(), "imageMogr2/strip".to_owned())]);
    /// let engine = mogr::Engine::builder().styles(styles).build()?;
    /// assert_eq!(engine.bucket().styles.style("s").as_deref(), Some("imageMogr2/strip"));
    /// # Ok::<(), mogr::Error>(())
    /// ```
    pub fn bucket(&self) -> Bucket<'_> {
        Bucket { objects: self.objects.as_ref(), styles: self.styles.as_ref() }
    }

    /// Parses `rule` and expands its styles from the engine's store: what would run.
    ///
    /// ```
    /// let engine = mogr::Engine::new()?;
    /// assert_eq!(engine.parse("imageMogr2/thumbnail/!50p")?.to_string(), "imageMogr2/thumbnail/!50p");
    /// assert_eq!(engine.parse("style/none").unwrap_err().code(), mogr::ErrorCode::StyleNotFound);
    /// # Ok::<(), mogr::Error>(())
    /// ```
    pub fn parse(&self, rule: &str) -> Result<Pipeline, Error> {
        self.parse_in(rule, self.bucket())
    }

    /// Reads an image's headers (format, size, frames, orientation, JPEG quality) without
    /// decoding a pixel; refuses inputs over the engine's byte limit.
    ///
    /// ```
    /// // A 1x1 GIF.
    /// let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";
    /// let probe = mogr::Engine::new()?.probe(gif)?;
    /// assert_eq!((probe.format, probe.width, probe.height), (mogr::plan::ImageFormat::Gif, 1, 1));
    /// # Ok::<(), mogr::Error>(())
    /// ```
    pub fn probe(&self, image: &[u8]) -> Result<plan::Probe, Error> {
        check_input_bytes(image, &self.limits)?;
        Ok(plan::probe(image)?)
    }

    /// What `rule` would produce from `image` (output size, format, frames, quality, the
    /// predicted peak memory), from the headers alone; every limit is checked.
    ///
    /// ```
    /// // A 1x1 GIF.
    /// let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";
    /// let plan = mogr::Engine::new()?.plan(gif, "imageMogr2/thumbnail/100x/format/png")?;
    /// assert_eq!((plan.output().width, plan.output().height), (100, 100));
    /// # Ok::<(), mogr::Error>(())
    /// ```
    pub fn plan(&self, image: &[u8], rule: &str) -> Result<plan::Plan, Error> {
        let probe = self.probe(image)?;
        self.plan_probed(&probe, rule)
    }

    /// [`Engine::plan`] from a probe the caller already has: a server that stores each
    /// object's probe can refuse a request before fetching the object.
    ///
    /// ```
    /// let engine = mogr::Engine::new()?;
    /// # let gif: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";
    /// let probe = engine.probe(gif)?;
    /// let err = engine.plan_probed(&probe, "imageMogr2/thumbnail/20000x").unwrap_err();
    /// assert_eq!(err.code(), mogr::ErrorCode::OutputTooLarge);
    /// # Ok::<(), mogr::Error>(())
    /// ```
    pub fn plan_probed(&self, probe: &plan::Probe, rule: &str) -> Result<plan::Plan, Error> {
        let pipeline = self.parse(rule)?;
        Ok(plan::plan(&pipeline, probe, &self.limits)?)
    }

    /// Processes `image` with `rule`: parse, expand styles, probe, plan, execute, with the
    /// engine's own bucket.
    ///
    /// ```
    /// // A 1x1 GIF.
    /// let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";
    /// let engine = mogr::Engine::new()?;
    /// let webp = engine.process(gif, "imageMogr2/thumbnail/8x8!/format/webp")?;
    /// assert_eq!((webp.mime_type, webp.width, webp.height), ("image/webp", 8, 8));
    ///
    /// let err = engine.process(gif, "imageMogr2/rotate/720").unwrap_err();
    /// assert_eq!((err.code().number(), err.http_status()), (-60998, 400));
    /// # Ok::<(), mogr::Error>(())
    /// ```
    pub fn process(&self, image: &[u8], rule: &str) -> Result<Response, Error> {
        self.process_in(image, rule, self.bucket())
    }

    /// [`Engine::process`] drawing watermark images and styles from `bucket` instead of the
    /// engine's own: a server serving many buckets passes the request's.
    ///
    /// ```no_run
    /// use mogr::{Bucket, exec::FolderObjects};
    /// let engine = mogr::Engine::new()?;
    /// let objects = FolderObjects::new("/srv/bucket");
    /// let photo = std::fs::read("/srv/bucket/photo.jpg").expect("photo");
    /// // watermark/1/image/<base64 of "http://bucket-1250000000.cos.ap-shanghai.myqcloud.com/logo.png">
    /// let rule = "watermark/1/image/aHR0cDovL2J1Y2tldC0xMjUwMDAwMDAwLmNvcy5hcC1zaGFuZ2hhaS5teXFjbG91ZC5jb20vbG9nby5wbmc";
    /// let marked = engine.process_in(&photo, rule, Bucket::new(&objects))?;
    /// # let _ = marked;
    /// # Ok::<(), mogr::Error>(())
    /// ```
    pub fn process_in(&self, image: &[u8], rule: &str, bucket: Bucket<'_>) -> Result<Response, Error> {
        self.process_pipeline(image, &parse(rule)?, bucket)
    }

    /// [`Engine::process_in`] for a rule parsed already (a server that checked it, a batch
    /// that runs one rule on many files): its styles are expanded from `bucket`.
    ///
    /// ```
    /// # let gif: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";
    /// let engine = mogr::Engine::new()?;
    /// let pipeline = mogr::parse("imageMogr2/thumbnail/16x/format/png")?;
    /// let png = engine.process_pipeline(gif, &pipeline, engine.bucket())?;
    /// assert_eq!((png.width, png.height), (16, 16));
    /// # Ok::<(), mogr::Error>(())
    /// ```
    pub fn process_pipeline(&self, image: &[u8], pipeline: &Pipeline, bucket: Bucket<'_>) -> Result<Response, Error> {
        let expanded;
        let pipeline = if has_styles(pipeline) {
            expanded = expand_styles(pipeline, bucket.styles)?;
            &expanded
        } else {
            pipeline
        };
        let context = exec::Context { objects: bucket.objects, limits: &self.limits };
        run(image, pipeline, &self.limits, |plan, probe| self.executor.execute_in(plan, image, probe, context))
    }

    /// Parses `rule` and expands its styles from `bucket`.
    fn parse_in(&self, rule: &str, bucket: Bucket<'_>) -> Result<Pipeline, Error> {
        let pipeline = parse(rule)?;
        if has_styles(&pipeline) { expand_styles(&pipeline, bucket.styles) } else { Ok(pipeline) }
    }
}

/// Probes, plans, and runs the plan with `execute`.
pub(crate) fn run(
    image: &[u8],
    pipeline: &Pipeline,
    limits: &plan::Limits,
    execute: impl FnOnce(&plan::Plan, &plan::Probe) -> Result<exec::Output, exec::ExecError>,
) -> Result<Response, Error> {
    let probe = match plan::probe(image) {
        Err(_) if matches!(pipeline.stages.as_slice(), [crate::syntax::Stage::ImageInspect]) => {
            return inspect_non_image(image, limits);
        }
        probe => probe?,
    };
    let plan = plan::plan(pipeline, &probe, limits)?;
    let output = execute(&plan, &probe)?;
    Ok(Response::new(output, &plan.output()))
}

/// `ci-process=ImageInspect` on bytes that are not an image mogr reads: a transport stream
/// renamed `.png` is exactly what it looks for. The input size limit still applies.
fn inspect_non_image(image: &[u8], limits: &plan::Limits) -> Result<Response, Error> {
    check_input_bytes(image, limits)?;
    Ok(Response::report(exec::inspect::report(image, None).to_string().into_bytes()))
}

/// -60996 when `image` is over the byte limit.
fn check_input_bytes(image: &[u8], limits: &plan::Limits) -> Result<(), Error> {
    let bytes = u64::try_from(image.len()).unwrap_or(u64::MAX);
    match limits.max_input_bytes {
        Some(limit) if bytes > limit => Err(plan::PlanError::InputTooLarge { bytes, limit }.into()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_are_shared_between_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<Engine>();
    }
}
