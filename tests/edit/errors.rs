//! Files that do not parse, or are not files: errors with positions, and the file untouched.

use std::fs::{self, File};
use std::time::{Duration, SystemTime};

use agentgw::edit::{self, EditError, Format};

use crate::support::{Sandbox, set};

/// Plans a change to `text` saved as `name`; asserts the parse error's position and that the
/// file's bytes and mtime are untouched (by plan and by a refused apply alike).
fn assert_parse_error(name: &str, format: Format, text: &str, line: usize, col: usize) -> String {
    let sandbox = Sandbox::new();
    let path = sandbox.write(name, text);
    let past = SystemTime::now() - Duration::from_secs(3600);
    File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(past)
        .unwrap();

    let err = edit::plan(&path, format, &[set("KEY", "v")]).unwrap_err();
    match &err {
        EditError::Parse {
            path: p,
            line: l,
            col: c,
            ..
        } => {
            assert_eq!(p, &path);
            assert_eq!((*l, *c), (line, col), "{err}");
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
    let message = err.to_string();
    assert!(
        message.starts_with(&format!("{}:{line}:{col}: ", path.display())),
        "{message}"
    );
    assert!(message.contains("\nagentgw changed nothing"), "{message}");
    assert!(message.contains(&format!("at line {line}")), "{message}");
    assert_eq!(fs::read_to_string(&path).unwrap(), text);
    assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), past);
    assert!(!sandbox.state.root().join("backups").exists());
    message
}

#[test]
fn invalid_json() {
    let text = "{\n  \"a\": 1,\n  \"b\": 2\n  \"c\": 3\n}\n";
    let message = assert_parse_error("settings.json", Format::Json, text, 3, 9);
    assert!(message.contains("expected comma"), "{message}");
}

#[test]
fn invalid_toml() {
    let text = "model = \"o3\"\n[model_providers\nname = 1\n";
    assert_parse_error("config.toml", Format::Toml, text, 2, 17);
}

#[test]
fn invalid_dotenv() {
    let text = "# ok\nA=1\nthis is not an assignment\n";
    let message = assert_parse_error(".env", Format::Dotenv, text, 3, 6);
    assert!(message.contains("expected '=' after this"), "{message}");
    assert_parse_error(".env", Format::Dotenv, "A=\"open\nB=2\n", 1, 3);
    assert_parse_error(".env", Format::Dotenv, "A='x' y\n", 1, 7);
    assert_parse_error(".env", Format::Dotenv, "A=1\r\n9X=1\r\n", 2, 1);
}

#[test]
fn not_utf8_is_refused() {
    let sandbox = Sandbox::new();
    let path = sandbox.path("settings.json");
    fs::write(&path, b"{\"a\": \"\xff\"}").unwrap();
    let err = edit::plan(&path, Format::Json, &[set("b", 1)]).unwrap_err();
    assert!(matches!(err, EditError::NotUtf8 { .. }), "{err:?}");
    assert!(err.to_string().contains("not UTF-8"), "{err}");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
}

#[test]
fn directory_is_refused() {
    let sandbox = Sandbox::new();
    let path = sandbox.path("settings.json");
    fs::create_dir(&path).unwrap();
    let err = edit::plan(&path, Format::Json, &[set("b", 1)]).unwrap_err();
    assert!(matches!(err, EditError::IsDirectory { .. }), "{err:?}");
    assert!(err.to_string().contains("is a directory"), "{err}");
}

#[cfg(unix)]
#[test]
fn symlink_loop_is_refused() {
    let sandbox = Sandbox::new();
    let a = sandbox.path("a.json");
    let b = sandbox.path("b.json");
    std::os::unix::fs::symlink(&b, &a).unwrap();
    std::os::unix::fs::symlink(&a, &b).unwrap();
    let err = edit::plan(&a, Format::Json, &[set("b", 1)]).unwrap_err();
    assert!(matches!(err, EditError::SymlinkLoop { .. }), "{err:?}");
    assert!(err.to_string().contains("symlink loop"), "{err}");
}

#[test]
fn io_errors_name_the_path() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("plain", "x");
    let path = file.join("settings.json");
    let err = edit::plan(&path, Format::Json, &[set("b", 1)]).unwrap_err();
    assert!(matches!(err, EditError::Io { .. }), "{err:?}");
    assert!(
        err.to_string().starts_with(&path.display().to_string()),
        "{err}"
    );
    // The OS's words once: the cause is in the message, not repeated as a source.
    assert_eq!(
        err.to_string().matches("Not a directory").count(),
        1,
        "{err}"
    );
    assert!(std::error::Error::source(&err).is_none());
}

#[test]
fn invalid_json_positions() {
    assert_parse_error("a.json", Format::Json, "{\n  \"a\": [1, 2,, 3]\n}\n", 2, 14);
    assert_parse_error("b.json", Format::Json, "{\n  /* open\n", 2, 3);
    assert_parse_error("c.json", Format::Json, "{\n  'single': 1\n}\n", 2, 3);
}
