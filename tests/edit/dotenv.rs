//! .env files: comments, export, quoting, CRLF.

use agentgw::edit::{self, Format};

use crate::support::{Sandbox, read, remove, set};

pub const DOTENV: &str = "# Gemini CLI environment\n\
export GEMINI_MODEL=gemini-2.5-pro\n\
\n\
GOOGLE_CLOUD_PROJECT='my project' # quoted\n\
MULTI=\"line one\n\
line two\"\n\
PLAIN = spaced # comment\n";

#[test]
fn set_replace_remove() {
    let sandbox = Sandbox::new();
    let path = sandbox.write(".env", DOTENV);
    sandbox.apply(
        &path,
        Format::Dotenv,
        &[
            set("GEMINI_MODEL", "databricks-gemini"),
            set("PLAIN", "two words"),
            set(
                "GOOGLE_GEMINI_BASE_URL",
                "https://example.cloud.databricks.com/ai-gateway/gemini",
            ),
            set("GEMINI_API_KEY", "dapi$123\"x"),
            remove("MULTI"),
        ],
    );
    assert_eq!(
        read(&path),
        "# Gemini CLI environment\n\
export GEMINI_MODEL=databricks-gemini\n\
\n\
GOOGLE_CLOUD_PROJECT='my project' # quoted\n\
PLAIN = \"two words\" # comment\n\
GOOGLE_GEMINI_BASE_URL=https://example.cloud.databricks.com/ai-gateway/gemini\n\
GEMINI_API_KEY=\"dapi\\$123\\\"x\"\n"
    );
}

#[test]
fn values_needing_quotes_parse_back() {
    let sandbox = Sandbox::new();
    let path = sandbox.write(".env", "A=1\n");
    let values = [
        "with space",
        "hash#tag",
        " leading",
        "trailing ",
        "",
        "quote\"s and 'single'",
        "dollar $HOME",
        "a=b",
        "back\\slash",
        "new\nline",
        "tab\there",
        "unicode é ✓",
    ];
    let changes: Vec<_> = values
        .iter()
        .enumerate()
        .map(|(i, v)| set(&format!("V{i}"), *v))
        .collect();
    sandbox.apply(&path, Format::Dotenv, &changes);
    let text = read(&path);
    assert_eq!(text.lines().count(), values.len() + 1, "{text}");
    let plan = edit::plan(&path, Format::Dotenv, &changes).unwrap();
    assert!(plan.is_noop(), "values did not read back:\n{}", plan.diff());
    assert!(text.contains("V3=\"trailing \"\n"), "{text}");
    assert!(text.contains("V4=\"\"\n"), "{text}");
    assert!(text.contains("V9=\"new\\nline\"\n"), "{text}");
    assert!(text.contains("V11=\"unicode é ✓\"\n"), "{text}");
}

#[test]
fn crlf_file_keeps_crlf() {
    let original = "# env\r\nexport A=1\r\nB=\"two\"\r\n";
    let sandbox = Sandbox::new();
    let path = sandbox.write(".env", original);
    sandbox.apply(&path, Format::Dotenv, &[set("B", "2"), set("C", "three 3")]);
    assert_eq!(
        read(&path),
        "# env\r\nexport A=1\r\nB=2\r\nC=\"three 3\"\r\n"
    );
    sandbox.undo("claude");
    assert_eq!(read(&path), original);
}

#[test]
fn new_keys_follow_an_all_export_file() {
    let original = "export A=1\nexport B=2";
    let sandbox = Sandbox::new();
    let path = sandbox.write(".env", original);
    sandbox.apply(&path, Format::Dotenv, &[set("C", "3")]);
    // No final newline before: none after, the break goes between the lines.
    assert_eq!(read(&path), "export A=1\nexport B=2\nexport C=3");
    sandbox.apply(&path, Format::Dotenv, &[remove("C")]);
    assert_eq!(read(&path), original);
}

#[test]
fn new_file_from_nothing() {
    let sandbox = Sandbox::new();
    let path = sandbox.path(".gemini/.env");
    sandbox.apply(&path, Format::Dotenv, &[set("A", "1"), set("B", "x y")]);
    assert_eq!(read(&path), "A=1\nB=\"x y\"\n");
}

#[test]
fn only_strings() {
    let sandbox = Sandbox::new();
    let path = sandbox.write(".env", "");
    let err = edit::plan(&path, Format::Dotenv, &[set("A", 1)]).unwrap_err();
    assert!(err.to_string().contains("only string values"), "{err}");
    let err = edit::plan(&path, Format::Dotenv, &[set("a.b", "x")]).unwrap_err();
    assert!(err.to_string().contains("single variable name"), "{err}");
}

#[test]
fn comment_after_value_survives_a_bare_replacement() {
    let original = "A=\"x\"# note\n";
    let sandbox = Sandbox::new();
    let path = sandbox.write(".env", original);
    sandbox.apply(&path, Format::Dotenv, &[set("A", "y")]);
    assert_eq!(read(&path), "A=y # note\n");
}
