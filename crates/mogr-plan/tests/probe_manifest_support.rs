//! Checks that the manifest reader the probe tests share reads the manifest.

mod support;
