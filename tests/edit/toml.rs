//! TOML: Codex's config.toml, edited without disturbing anything else.

use agentgw::edit::{self, Format};
use serde_json::json;

use crate::support::{Sandbox, key_path, read, remove, set};

/// A realistic Codex config: top and inline comments, another provider, MCP servers.
pub const CODEX_CONFIG: &str = r#"# Codex CLI configuration
# see https://github.com/openai/codex/blob/main/docs/config.md

model = "o3" # the default
approval_policy = "on-request"

[model_providers.openrouter]
name = "OpenRouter"
base_url = "https://openrouter.ai/api/v1"
env_key = "OPENROUTER_API_KEY"

# Tools
[mcp_servers.docs]
command = "npx"
args = ["-y", "docs-mcp"] # pinned later

[mcp_servers.fs]
command = "fs-mcp"
"#;

pub fn gateway_changes() -> Vec<agentgw::edit::Change> {
    vec![
        set("model_provider", "databricks"),
        set("model", "databricks-gpt-5"),
        set("model_providers.databricks.name", "Databricks AI Gateway"),
        set(
            "model_providers.databricks.base_url",
            "https://example.cloud.databricks.com/ai-gateway/openai/v1",
        ),
        set("model_providers.databricks.wire_api", "responses"),
        set(
            "model_providers.databricks.http_headers",
            json!({"x-databricks-use-coding-agent-mode": "true"}),
        ),
        set("model_providers.databricks.auth.command", "agentgw"),
        set(
            "model_providers.databricks.auth.args",
            json!(["token", "--profile", "default"]),
        ),
    ]
}

pub const CODEX_CONFIG_WITH_GATEWAY: &str = r#"# Codex CLI configuration
# see https://github.com/openai/codex/blob/main/docs/config.md

model = "databricks-gpt-5" # the default
approval_policy = "on-request"
model_provider = "databricks"

[model_providers.openrouter]
name = "OpenRouter"
base_url = "https://openrouter.ai/api/v1"
env_key = "OPENROUTER_API_KEY"

[model_providers.databricks]
name = "Databricks AI Gateway"
base_url = "https://example.cloud.databricks.com/ai-gateway/openai/v1"
wire_api = "responses"
http_headers = { x-databricks-use-coding-agent-mode = "true" }

[model_providers.databricks.auth]
command = "agentgw"
args = ["token", "--profile", "default"]

# Tools
[mcp_servers.docs]
command = "npx"
args = ["-y", "docs-mcp"] # pinned later

[mcp_servers.fs]
command = "fs-mcp"
"#;

#[test]
fn codex_config_set() {
    let sandbox = Sandbox::new();
    let path = sandbox.write("config.toml", CODEX_CONFIG);
    sandbox.apply_as("codex", &path, Format::Toml, &gateway_changes());
    assert_eq!(read(&path), CODEX_CONFIG_WITH_GATEWAY);
}

#[test]
fn untouched_document_prints_back_identically() {
    let sandbox = Sandbox::new();
    let path = sandbox.write("config.toml", CODEX_CONFIG);
    let plan = edit::plan(&path, Format::Toml, &[set("model", "o3")]).unwrap();
    assert!(plan.is_noop());
    let plan = edit::plan(&path, Format::Toml, &[remove("absent.key")]).unwrap();
    assert!(plan.is_noop());
}

#[test]
fn new_file_from_nothing() {
    let sandbox = Sandbox::new();
    let path = sandbox.path("codex/config.toml");
    sandbox.apply_as("codex", &path, Format::Toml, &gateway_changes());
    assert_eq!(
        read(&path),
        r#"model_provider = "databricks"
model = "databricks-gpt-5"

[model_providers.databricks]
name = "Databricks AI Gateway"
base_url = "https://example.cloud.databricks.com/ai-gateway/openai/v1"
wire_api = "responses"
http_headers = { x-databricks-use-coding-agent-mode = "true" }

[model_providers.databricks.auth]
command = "agentgw"
args = ["token", "--profile", "default"]
"#
    );
}

#[test]
fn dotted_keys_and_inline_tables_are_set_inside() {
    let original = "a.b.c = 1 # dotted\nd = { e = 1 }\n";
    let sandbox = Sandbox::new();
    let path = sandbox.write("config.toml", original);
    sandbox.apply(
        &path,
        Format::Toml,
        &[
            set("a.b.z", 2),
            set("a.y.x", true),
            set("d.f", "g"),
            set("d.h.i", 3),
        ],
    );
    let text = read(&path);
    assert_eq!(
        text,
        "a.b.c = 1 # dotted\na.b.z = 2\na.y.x = true\nd = { e = 1, f = \"g\", h = { i = 3 } }\n"
    );
    sandbox.undo("claude");
    assert_eq!(read(&path), original);
}

#[test]
fn a_provider_written_as_an_inline_table_gets_no_stray_spaces() {
    let original = "model = \"o3\"\n\n[model_providers]\n\
                    databricks = { name = \"Databricks\", base_url = \"https://old.example.com/openai/v1\" }\n";
    let sandbox = Sandbox::new();
    let path = sandbox.write("config.toml", original);
    sandbox.apply(
        &path,
        Format::Toml,
        &[
            set(
                "model_providers.databricks.base_url",
                "https://example.cloud.databricks.com/ai-gateway/openai/v1",
            ),
            set("model_providers.databricks.wire_api", "responses"),
        ],
    );
    assert_eq!(
        read(&path),
        "model = \"o3\"\n\n[model_providers]\n\
         databricks = { name = \"Databricks\", base_url = \"https://example.cloud.databricks.com/ai-gateway/openai/v1\", \
         wire_api = \"responses\" }\n"
    );
    sandbox.undo("claude");
    assert_eq!(read(&path), original);
    // A table written tightly stays tight.
    let tight = "p = {a = 1}\n";
    std::fs::write(&path, tight).unwrap();
    sandbox.apply(&path, Format::Toml, &[set("p.b", 2)]);
    assert_eq!(read(&path), "p = {a = 1, b = 2}\n");
    sandbox.undo("claude");
    assert_eq!(read(&path), tight);
}

#[test]
fn existing_value_keeps_its_inline_comment() {
    let original = "model = 'o3'   # mine\n";
    let sandbox = Sandbox::new();
    let path = sandbox.write("config.toml", original);
    sandbox.apply(&path, Format::Toml, &[set("model", "gpt-5")]);
    assert_eq!(read(&path), "model = \"gpt-5\"   # mine\n");
    // Undo puts back the literal string as it was spelled.
    sandbox.undo("claude");
    assert_eq!(read(&path), original);
}

#[test]
fn setting_through_a_value_is_an_error() {
    let original = "model_providers = \"none\"\n";
    let sandbox = Sandbox::new();
    let path = sandbox.write("config.toml", original);
    let err = edit::plan(
        &path,
        Format::Toml,
        &[set("model_providers.databricks.name", "x")],
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("model_providers is a string, not a table"),
        "{err}"
    );
    let err = edit::plan(&path, Format::Toml, &[set("x", serde_json::Value::Null)]).unwrap_err();
    assert!(err.to_string().contains("TOML has no null"), "{err}");
}

#[test]
fn crlf_file_gets_crlf_lines() {
    let original = "# c\r\nmodel = \"o3\"\r\n\r\n[x]\r\ny = 1\r\n";
    let sandbox = Sandbox::new();
    let path = sandbox.write("config.toml", original);
    sandbox.apply(
        &path,
        Format::Toml,
        &[set("model_provider", "databricks"), set("z.w", 1)],
    );
    assert_eq!(
        read(&path),
        "# c\r\nmodel = \"o3\"\r\nmodel_provider = \"databricks\"\r\n\r\n[x]\r\ny = 1\r\n\r\n[z]\r\nw = 1\r\n"
    );
    sandbox.undo("claude");
    assert_eq!(read(&path), original);
}

#[test]
fn comment_only_file_keeps_its_comments_on_top() {
    let original = "# Codex config\n# model = \"o3\"\n";
    let sandbox = Sandbox::new();
    let path = sandbox.write("config.toml", original);
    sandbox.apply_as(
        "codex",
        &path,
        Format::Toml,
        &[
            set("model_provider", "databricks"),
            set("model_providers.databricks.name", "x"),
        ],
    );
    assert_eq!(
        read(&path),
        "# Codex config\n# model = \"o3\"\nmodel_provider = \"databricks\"\n\n\
         [model_providers.databricks]\nname = \"x\"\n"
    );
    sandbox.undo("codex");
    assert_eq!(read(&path), original);
}

#[test]
fn removing_a_key_keeps_the_comments_above_it() {
    let original = "a = 1\n# about b\nb = 2\nc = 3\n\n# about the table\n[t]\n# about x\nx = 1\n";
    let sandbox = Sandbox::new();
    let path = sandbox.write("config.toml", original);
    sandbox.apply(&path, Format::Toml, &[remove("b"), remove("t.x")]);
    assert_eq!(
        read(&path),
        "a = 1\n# about b\nc = 3\n\n# about the table\n[t]\n# about x\n"
    );
    sandbox.apply(&path, Format::Toml, &[remove("t")]);
    assert_eq!(
        read(&path),
        "a = 1\n# about b\nc = 3\n\n# about the table\n# about x\n"
    );
}

#[test]
fn undo_hides_a_parent_header_it_caused() {
    let original = "[model_providers.openrouter]\nname = \"OpenRouter\"\n";
    let sandbox = Sandbox::new();
    let path = sandbox.write("config.toml", original);
    sandbox.apply(
        &path,
        Format::Toml,
        &[set("model_providers.default", "databricks")],
    );
    assert_eq!(
        read(&path),
        "[model_providers]\ndefault = \"databricks\"\n[model_providers.openrouter]\nname = \"OpenRouter\"\n"
    );
    sandbox.undo("claude");
    assert_eq!(read(&path), original);
}

#[test]
fn removing_a_headerless_table_hands_its_comment_forward() {
    let original = "[a]\nx = 1\n\n# about p\n[p.sub]\ny = 2\n\n[z]\nw = 3\n";
    let sandbox = Sandbox::new();
    let path = sandbox.write("config.toml", original);
    sandbox.apply(&path, Format::Toml, &[remove("p")]);
    assert_eq!(read(&path), "[a]\nx = 1\n\n# about p\n\n[z]\nw = 3\n");
}

#[test]
fn a_value_with_line_breaks_in_a_crlf_file_keeps_its_exact_value() {
    // Found by the fuzzer: written as a multi-line string, its line breaks became CRLF with the
    // rest of the file, and the value changed.
    let sandbox = Sandbox::new();
    let path = sandbox.write("config.toml", "model = \"o3\"\r\n");
    let value = "two\nlines\r\nand \"quotes\" \\ \u{7f}";
    sandbox.apply(&path, Format::Toml, &[set("a.b", value)]);
    let text = read(&path);
    assert!(!text.replace("\r\n", "").contains('\n'), "{text:?}");
    let read_back = edit::read_values(&path, Format::Toml, &[key_path("a.b")]).unwrap();
    assert_eq!(read_back[0], Some(json!(value)));
}
