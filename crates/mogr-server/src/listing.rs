//! One page of a bucket listing (COS "GET Bucket", S3 ListObjects version 1): what is asked
//! ([`ListQuery`]), what is answered ([`Listing`]), and [`PageBuilder`], which both stores
//! feed with keys in ascending byte order and which applies `prefix`, `marker`, `delimiter`
//! and `max-keys` the same way for both.
//!
//! The rules, as COS and S3 apply them:
//! - only keys starting with `prefix` and sorting strictly after `marker` are listed;
//! - with a delimiter, a key whose remainder after `prefix` contains it is rolled up into the
//!   common prefix `prefix` + the remainder up to and including its first delimiter, listed
//!   once; a common prefix that sorts at or before `marker` was listed on an earlier page
//!   (the previous page's `NextMarker` names it) and is not listed again;
//! - objects and common prefixes together count against `max-keys`; when more entries
//!   follow, the page is truncated and `NextMarker` is its last entry.

use std::time::SystemTime;

/// The most entries one page holds (`max-keys` above it is read as it).
pub const MAX_KEYS: usize = 1000;

/// What a listing asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListQuery {
    /// Only keys starting with this.
    pub prefix: String,
    /// Roll keys up at this string after the prefix; empty: no roll-up.
    pub delimiter: String,
    /// Only keys sorting strictly after this.
    pub marker: String,
    /// The most entries (objects and common prefixes) on the page, at most [`MAX_KEYS`].
    pub max_keys: usize,
}

/// One object of a listing, as HEAD of it answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedObject {
    /// Its key.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
    /// The ETag, quoted.
    pub etag: String,
    /// When it was last written.
    pub last_modified: SystemTime,
}

/// Whether a walk over keys goes on or has filled its page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Walk {
    /// Offer the next key.
    Continue,
    /// The page is done.
    Stop,
}

/// One page of a listing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Listing {
    /// The objects, in ascending key order.
    pub objects: Vec<ListedObject>,
    /// The common prefixes, in ascending order.
    pub common_prefixes: Vec<String>,
    /// Whether entries follow this page.
    pub truncated: bool,
    /// With `truncated`: the marker of the next page.
    pub next_marker: Option<String>,
}

/// What a key is to the page being built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// Not on this page: outside the prefix, at or before the marker, or rolled up into a
    /// common prefix already listed.
    Skip,
    /// An object to list.
    Object,
    /// A new common prefix to list.
    Prefix(String),
}

/// Builds one page from keys offered in ascending byte order.
#[derive(Debug)]
pub struct PageBuilder {
    query: ListQuery,
    listing: Listing,
    last_entry: Option<String>,
}

impl PageBuilder {
    /// An empty page for `query`.
    pub fn new(query: &ListQuery) -> PageBuilder {
        let mut query = query.clone();
        query.max_keys = query.max_keys.min(MAX_KEYS);
        PageBuilder { query, listing: Listing::default(), last_entry: None }
    }

    /// What `key` is to this page (keys must be offered in ascending order).
    pub fn classify(&self, key: &str) -> Entry {
        let Some(rest) = key.strip_prefix(self.query.prefix.as_str()) else {
            return Entry::Skip;
        };
        if let Some(common) = self.common_prefix_of(rest) {
            return self.classify_prefix(common);
        }
        if key <= self.query.marker.as_str() { Entry::Skip } else { Entry::Object }
    }

    /// What the keys under the folder `folder` (a key prefix ending in `/`) are to this page,
    /// when all of them roll up into one common prefix; `None` when they do not.
    pub fn classify_folder(&self, folder: &str) -> Option<Entry> {
        let rest = folder.strip_prefix(self.query.prefix.as_str())?;
        let common = self.common_prefix_of(rest)?;
        Some(self.classify_prefix(common))
    }

    /// Whether a key starting with `folder` can be on this page: it may match the prefix, and
    /// some keys under it sort after the marker.
    pub fn may_contain(&self, folder: &str) -> bool {
        let prefix = self.query.prefix.as_str();
        let matches_prefix = folder.starts_with(prefix) || prefix.starts_with(folder);
        let marker = self.query.marker.as_str();
        let all_before_marker = marker > folder && !marker.starts_with(folder);
        matches_prefix && !all_before_marker
    }

    /// Whether the page holds `max-keys` entries: the next entry only marks it truncated.
    pub fn is_full(&self) -> bool {
        self.listing.objects.len() + self.listing.common_prefixes.len() >= self.query.max_keys
    }

    /// Adds what [`PageBuilder::classify`] said: a common prefix, or an object whose metadata
    /// `object` fetches (`None`: it is gone since it was seen); when the page is already full,
    /// marks it truncated and stops instead.
    pub fn add<E>(
        &mut self,
        entry: Entry,
        object: impl FnOnce() -> Result<Option<ListedObject>, E>,
    ) -> Result<Walk, E> {
        if entry == Entry::Skip {
            return Ok(Walk::Continue);
        }
        if self.is_full() {
            self.truncate(None);
            return Ok(Walk::Stop);
        }
        match entry {
            Entry::Prefix(common) => self.push_prefix(common),
            Entry::Object => {
                if let Some(listed) = object()? {
                    self.push_object(listed);
                }
            }
            Entry::Skip => {}
        }
        Ok(Walk::Continue)
    }

    fn push_object(&mut self, listed: ListedObject) {
        self.last_entry = Some(listed.key.clone());
        self.listing.objects.push(listed);
    }

    fn push_prefix(&mut self, common: String) {
        self.last_entry = Some(common.clone());
        self.listing.common_prefixes.push(common);
    }

    /// Marks the page truncated (an entry follows it): the next page starts after its last
    /// entry, or after `scanned`, the last key looked at, when the page ended before `max-keys`
    /// entries because a store's scanning budget ran out.
    pub fn truncate(&mut self, scanned: Option<&str>) {
        let after = match scanned {
            Some(key) if self.last_entry.as_deref().is_none_or(|last| key > last) => Some(key.to_owned()),
            _ => self.last_entry.clone(),
        };
        if let Some(after) = after {
            self.listing.truncated = true;
            self.listing.next_marker = Some(after);
        }
    }

    /// The finished page.
    pub fn finish(self) -> Listing {
        self.listing
    }

    /// The common prefix of a key whose remainder after the prefix is `rest`, if it rolls up.
    fn common_prefix_of(&self, rest: &str) -> Option<String> {
        let delimiter = self.query.delimiter.as_str();
        if delimiter.is_empty() {
            return None;
        }
        let at = rest.find(delimiter)?;
        Some(format!("{}{}", self.query.prefix, &rest[..at + delimiter.len()]))
    }

    fn classify_prefix(&self, common: String) -> Entry {
        let listed = common.as_str() <= self.query.marker.as_str()
            || self.listing.common_prefixes.last().is_some_and(|last| *last == common);
        if listed { Entry::Skip } else { Entry::Prefix(common) }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::time::UNIX_EPOCH;

    use super::*;

    fn object(key: &str) -> Result<Option<ListedObject>, ()> {
        Ok(Some(ListedObject { key: key.to_owned(), size: 1, etag: "\"e\"".to_owned(), last_modified: UNIX_EPOCH }))
    }

    /// The page `query` makes of `keys` (sorted here), as the stores drive the builder.
    fn page(keys: &[&str], query: &ListQuery) -> Listing {
        let mut keys = keys.to_vec();
        keys.sort_unstable();
        let mut builder = PageBuilder::new(query);
        for key in keys {
            let entry = builder.classify(key);
            if builder.add(entry, || object(key)).unwrap() == Walk::Stop {
                break;
            }
        }
        builder.finish()
    }

    fn query(prefix: &str, delimiter: &str, marker: &str, max_keys: usize) -> ListQuery {
        ListQuery { prefix: prefix.into(), delimiter: delimiter.into(), marker: marker.into(), max_keys }
    }

    fn keys(listing: &Listing) -> Vec<&str> {
        listing.objects.iter().map(|o| o.key.as_str()).collect()
    }

    const KEYS: &[&str] = &["a/b/c.jpg", "a/b/d.jpg", "a/e.jpg", "a-z", "b.txt", "photos/2024/x.png", "z"];

    #[test]
    fn prefix_and_marker_filter() {
        assert_eq!(keys(&page(KEYS, &query("a/", "", "", 1000))), ["a/b/c.jpg", "a/b/d.jpg", "a/e.jpg"]);
        assert_eq!(keys(&page(KEYS, &query("", "", "b.txt", 1000))), ["photos/2024/x.png", "z"]);
        assert!(page(KEYS, &query("nothing", "", "", 1000)).objects.is_empty());
    }

    #[test]
    fn delimiters_roll_keys_up_once() {
        let listing = page(KEYS, &query("", "/", "", 1000));
        assert_eq!(keys(&listing), ["a-z", "b.txt", "z"]);
        assert_eq!(listing.common_prefixes, ["a/", "photos/"]);
        let nested = page(KEYS, &query("a/", "/", "", 1000));
        assert_eq!(keys(&nested), ["a/e.jpg"]);
        assert_eq!(nested.common_prefixes, ["a/b/"]);
        let dash = page(KEYS, &query("", "-", "", 1000));
        assert_eq!(dash.common_prefixes, ["a-"]);
    }

    #[test]
    fn pages_reassemble_the_whole_listing() {
        for delimiter in ["", "/"] {
            let whole = page(KEYS, &query("", delimiter, "", 1000));
            let mut entries: Vec<String> = Vec::new();
            let mut marker = String::new();
            loop {
                let listing = page(KEYS, &query("", delimiter, &marker, 2));
                assert!(listing.objects.len() + listing.common_prefixes.len() <= 2);
                entries.extend(listing.objects.iter().map(|o| o.key.clone()));
                entries.extend(listing.common_prefixes.iter().cloned());
                if !listing.truncated {
                    break;
                }
                marker = listing.next_marker.unwrap();
            }
            let mut expected: Vec<String> = whole.objects.iter().map(|o| o.key.clone()).collect();
            expected.extend(whole.common_prefixes);
            entries.sort();
            expected.sort();
            assert_eq!(entries, expected, "delimiter {delimiter:?}");
        }
    }

    #[test]
    fn folders_are_pruned_by_prefix_marker_and_roll_up() {
        let builder = PageBuilder::new(&query("a/b", "/", "a/b/c.jpg", 10));
        assert!(builder.may_contain("a/"));
        assert!(builder.may_contain("a/b/"));
        assert!(!builder.may_contain("b/"));
        assert!(!builder.may_contain("a/a/"));
        assert_eq!(builder.classify_folder("a/bc/d/"), Some(Entry::Prefix("a/bc/".to_owned())));
        assert_eq!(builder.classify_folder("a/b/"), Some(Entry::Skip));
        assert_eq!(PageBuilder::new(&query("", "", "", 10)).classify_folder("a/"), None);
    }

    #[test]
    fn max_keys_is_capped_and_zero_lists_nothing() {
        let many: Vec<String> = (0..1500).map(|i| format!("k{i:04}")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        let listing = page(&refs, &query("", "", "", 5000));
        assert_eq!(listing.objects.len(), 1000);
        assert_eq!(listing.next_marker.as_deref(), Some("k0999"));
        let empty = page(&refs, &query("", "", "", 0));
        assert!(empty.objects.is_empty() && !empty.truncated);
    }
}
