//! What the fuzz targets run: the editing property of `check.rs` on one input.

pub mod check;

use agentgw::edit::Format;
use std::sync::OnceLock;

/// Checks one input; the file it is written to lives in one temp folder per process.
pub fn run(format: Format, data: &[u8]) {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    let dir = DIR.get_or_init(|| tempfile::tempdir().expect("a temp folder"));
    check::fuzz_one(dir.path(), format, data);
}
