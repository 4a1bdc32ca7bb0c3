//! agentgw's OpenCode plugin (templates/opencode/agentgw-gateway.js): a `chat.headers` hook that
//! runs `agentgw token` for every request to agentgw's providers and puts the answer in the
//! request's auth headers, so no token is in opencode.json, in the plugin or in OpenCode's
//! environment. It is agentgw's own file, kept in its state folder and named by its content;
//! opencode.json names it in `plugin` by a `file://` URL (a bare path given in
//! OPENCODE_CONFIG_CONTENT is taken for an npm package by 1.1.53).
//!
//! The plugin's settings (the token command, and each provider's gateway URL, the only place the
//! plugin sends the token) are written into the file as one JSON value (serde_json's escaping: no
//! value is pasted into code), not passed as plugin options: a project's opencode.json could give
//! the plugin other options, but cannot change this file.

use super::providers::{PROVIDERS, Provider};
use crate::agents::Context;
use anyhow::{Result, bail};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};

const CODE: &str = include_str!("../../../templates/opencode/agentgw-gateway.js");
/// The line of the template that carries the settings.
const SETTINGS_LINE: &str = "const SETTINGS = {};";
/// The name every plugin file setup writes starts with: a `plugin` entry naming such a file is
/// agentgw's (replaced by setup, never kept twice).
pub const FILE_PREFIX: &str = "agentgw-gateway-";

/// The plugin's code with its settings: `agentgw token --profile P` by absolute path, and the
/// gateway URL of every provider (setup's ids, or exec's).
pub fn code(cx: &Context, exec: bool) -> Result<String> {
    let mut providers = Map::new();
    for provider in &PROVIDERS {
        providers.insert(
            id(provider, exec).to_string(),
            Value::String(provider.base_url(&cx.gateway, cx.profile)),
        );
    }
    let settings = json!({
        "command": [cx.agentgw.to_string_lossy(), "token", "--profile", cx.profile.name],
        "providers": providers,
    });
    if CODE.matches(SETTINGS_LINE).count() != 1 {
        bail!("the OpenCode plugin template must hold `{SETTINGS_LINE}` once");
    }
    Ok(CODE.replace(SETTINGS_LINE, &format!("const SETTINGS = {settings};")))
}

fn id(provider: &Provider, exec: bool) -> &'static str {
    if exec { provider.exec_id } else { provider.id }
}

/// Where setup keeps the plugin with `code`: `<state>/opencode/agentgw-gateway-<digest>.js`.
/// Named by its content, so a file OpenCode already loaded is never rewritten under it.
pub fn setup_path(code: &str) -> Result<PathBuf> {
    let digest = &crate::edit::digest_text(code)[..24];
    Ok(crate::paths::state_dir()?
        .join("opencode")
        .join(format!("{FILE_PREFIX}{digest}.js")))
}

/// `file://` URL of an absolute path, each segment percent-encoded.
pub fn file_url(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let encoded: Vec<String> = text
        .split('/')
        .map(|segment| match segment.strip_suffix(':') {
            // A Windows drive (`C:`) stays as it is.
            Some(drive) if drive.len() == 1 => segment.to_string(),
            _ => crate::urls::encode_component(segment),
        })
        .collect();
    let joined = encoded.join("/");
    match joined.starts_with('/') {
        true => format!("file://{joined}"),
        false => format!("file:///{joined}"),
    }
}

/// Whether a `plugin` entry of opencode.json (a string, or `[spec, options]`) names a plugin
/// file of agentgw's.
pub fn is_agentgws(entry: &Value) -> bool {
    let spec = match entry {
        Value::String(spec) => spec.as_str(),
        Value::Array(pair) => pair.first().and_then(Value::as_str).unwrap_or_default(),
        _ => return false,
    };
    let name = spec.rsplit(['/', '\\']).next().unwrap_or_default();
    name.starts_with(FILE_PREFIX) && name.ends_with(".js")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_urls_encode_what_a_url_cannot_hold() {
        assert_eq!(
            file_url(Path::new("/home/me/.local/state/agentgw/opencode/p.js")),
            "file:///home/me/.local/state/agentgw/opencode/p.js"
        );
        assert_eq!(
            file_url(Path::new("/My Files/a#b%c.js")),
            "file:///My%20Files/a%23b%25c.js"
        );
        assert_eq!(
            file_url(Path::new(r"C:\Users\me\p.js")),
            "file:///C:/Users/me/p.js"
        );
    }

    #[test]
    fn agentgws_entries_are_told_from_the_users() {
        assert!(is_agentgws(&json!(
            "file:///s/opencode/agentgw-gateway-0123abcd.js"
        )));
        assert!(is_agentgws(&json!([
            "/s/opencode/agentgw-gateway-0123abcd.js",
            {}
        ])));
        assert!(!is_agentgws(&json!("opencode-wakatime")));
        assert!(!is_agentgws(&json!("file:///home/me/plugins/gateway.js")));
    }
}
