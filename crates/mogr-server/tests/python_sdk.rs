//! mogr-server driven by Tencent's official COS Python SDK (`cos-python-sdk-v5`, unchanged,
//! pointed at the server with `IP`/`Port`): `tests/sdk/cos_python_sdk.py`.
//!
//! The interpreter is `$MOGR_SERVER_PYTHON`, else `python3`. When it is missing or lacks the
//! SDK the test passes with a message on stderr saying it was skipped and how to install it:
//! `python3 -m pip install cos-python-sdk-v5`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write;
use std::path::Path;
use std::process::Command;

use common::TestServer;
use mogr_server::auth::Credentials;

#[test]
fn the_official_python_sdk_works_unchanged() {
    let python = std::env::var("MOGR_SERVER_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let has_sdk = Command::new(&python).args(["-c", "import qcloud_cos, requests"]).output();
    if !has_sdk.is_ok_and(|o| o.status.success()) {
        // CI installs the SDK and sets this: there, a missing SDK is a failure, not a skip.
        assert!(
            std::env::var_os("MOGR_REQUIRE_PYTHON_SDK").is_none(),
            "MOGR_REQUIRE_PYTHON_SDK is set but {python} cannot import qcloud_cos and requests"
        );
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED the_official_python_sdk_works_unchanged: {python} with cos-python-sdk-v5 not found \
             (install it with `python3 -m pip install cos-python-sdk-v5`, or set MOGR_SERVER_PYTHON)"
        );
        return;
    }
    let credentials = Credentials { secret_id: "AKIDmogrSdkTest".into(), secret_key: "mogr-sdk-test-key".into() };
    let keys = credentials.clone();
    let server = TestServer::start("python-sdk", move |c| c.credentials = Some(keys));
    let work = server.root.join("work");
    std::fs::create_dir_all(&work).unwrap();
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = Command::new(&python)
        .arg(manifest.join("tests/sdk/cos_python_sdk.py"))
        .arg(server.addr.port().to_string())
        .arg(&credentials.secret_id)
        .arg(&credentials.secret_key)
        .arg(manifest.join("../../testdata/landscape_orient6.jpg"))
        .arg(&work)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the SDK script failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}\n{stderr}");
    for listing_check in ["list_objects with Delimiter", "list_objects with Marker and MaxKeys", "head_bucket"] {
        assert!(stdout.contains(&format!("ok: {listing_check}")), "{listing_check} did not run:\n{stdout}");
    }
}
