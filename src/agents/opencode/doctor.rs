//! What `agentgw doctor` (and setup's warnings) know of OpenCode: the config layers that outrank
//! the global file setup writes (a project's `opencode.json` among them), agentgw's plugin (named
//! in the file, present, loaded), and how the token reaches the gateway.

use super::layers::{self, LayerKind};
use super::providers::{KEY_PLACEHOLDER, PROVIDERS, Provider};
use super::{ID, plugin};
use crate::agents::Configured;
use crate::check::{Check, Status};
use crate::paths;
use anyhow::Result;
use serde_json::Value;
use std::path::{Path, PathBuf};

pub const OVERRIDING_VARIABLES: &[(&str, &str)] = &[
    (
        layers::CONTENT_VAR,
        "its JSON outranks opencode.json and the project's files (model, providers)",
    ),
    (
        layers::FILE_VAR,
        "names a config file that outranks the global opencode.json",
    ),
    (
        layers::DIR_VAR,
        "names a config folder whose opencode.json outranks the global one",
    ),
    (
        layers::PURE_VAR,
        "keeps OpenCode from loading plugins, agentgw's (which supplies the token) included",
    ),
];

/// agentgw's plugin as the global file names it.
pub struct PluginInUse {
    pub path: PathBuf,
    pub exists: bool,
    /// The token command written in it.
    pub command: Option<Vec<String>>,
}

/// The plugin of agentgw's that the global file's `plugin` list names, if it names one.
pub fn plugin_in_use() -> Result<Option<PluginInUse>> {
    let file = layers::global_file()?;
    let list =
        crate::edit::read_values(&file, crate::edit::Format::Json, &[vec!["plugin".into()]])?
            .remove(0);
    let Some(Value::Array(entries)) = list else {
        return Ok(None);
    };
    let Some(spec) = entries
        .iter()
        .find(|e| plugin::is_agentgws(e))
        .and_then(|e| match e {
            Value::String(s) => Some(s.clone()),
            Value::Array(pair) => pair.first().and_then(Value::as_str).map(str::to_string),
            _ => None,
        })
    else {
        return Ok(None);
    };
    let path = path_of(&spec);
    let code = std::fs::read_to_string(&path).ok();
    Ok(Some(PluginInUse {
        exists: code.is_some(),
        command: code.as_deref().and_then(command_in),
        path,
    }))
}

/// The file a plugin spec names: a `file://` URL (percent-decoded) or a path.
fn path_of(spec: &str) -> PathBuf {
    match spec.strip_prefix("file://") {
        Some(rest) => {
            let decoded = percent_encoding::percent_decode_str(rest).decode_utf8_lossy();
            // `file:///C:/…` on Windows.
            let text = match decoded.as_bytes() {
                [b'/', _, b':', ..] => decoded[1..].to_string(),
                _ => decoded.into_owned(),
            };
            PathBuf::from(text)
        }
        None => PathBuf::from(spec),
    }
}

/// The `command` of the settings line in a plugin file's code.
fn command_in(code: &str) -> Option<Vec<String>> {
    let line = code
        .lines()
        .find_map(|l| l.strip_prefix("const SETTINGS = "))?;
    let settings: Value = serde_json::from_str(line.strip_suffix(';')?).ok()?;
    settings["command"]
        .as_array()?
        .iter()
        .map(|w| w.as_str().map(str::to_string))
        .collect()
}

/// How OpenCode gets its token for the model it starts with, in words.
pub fn token_supply() -> Result<String> {
    let layers = layers::read()?;
    let provider = match layers::top(&layers, &["model"]) {
        Some((_, Value::String(selected))) => selected.split_once('/').map(|(p, _)| p.to_string()),
        _ => None,
    };
    let Some(provider) = provider else {
        return Ok(format!("none (run `agentgw setup {ID}`)"));
    };
    if Provider::with_id(&provider).is_some() {
        if layers::pure() {
            return Ok(format!(
                "none: {} keeps OpenCode from loading agentgw's plugin",
                layers::PURE_VAR
            ));
        }
        return Ok(match plugin_in_use()? {
            Some(PluginInUse {
                exists: true,
                command: Some(command),
                ..
            }) => format!(
                "{} (agentgw's OpenCode plugin, for every request)",
                crate::agents::describe_helper(&crate::agents::helper_command_line(&command))
            ),
            Some(found) => format!(
                "none: the plugin file {} is missing (run `agentgw setup {ID}`)",
                paths::display(&found.path)
            ),
            None => format!(
                "none: {} names no agentgw plugin (run `agentgw setup {ID}`)",
                paths::display(&layers::global_file()?)
            ),
        });
    }
    let key = ["provider", provider.as_str(), "options", "apiKey"];
    Ok(match layers::top(&layers, &key) {
        Some((layer, Value::String(value))) => match env_reference(value) {
            Some(var) if std::env::var_os(var).is_some() => format!("environment ({var})"),
            Some(var) => format!("environment ({var}, not set here)"),
            None => format!("inline in {} (provider {provider})", layer.shown),
        },
        _ => format!("none in the config (provider {provider})"),
    })
}

/// The variable of a whole-value `{env:VAR}` reference.
fn env_reference(value: &str) -> Option<&str> {
    value.strip_prefix("{env:")?.strip_suffix('}')
}

/// Doctor's OpenCode checks: the layers that outrank the global file, and the plugin.
pub fn checks(configured: &Configured) -> Vec<Check> {
    let mut checks = outranking_layers(&configured.file);
    checks.extend(plugin_check());
    checks
}

/// Each value of a layer above the global file (a project's `opencode.json`, `~/.opencode`,
/// OPENCODE_CONFIG_CONTENT, the managed files…) that changes what setup wrote: the model, the
/// small model, one of agentgw's providers, or which providers OpenCode loads.
pub fn outranking_layers(global: &Path) -> Vec<Check> {
    let Ok(layers) = layers::read() else {
        return Vec::new();
    };
    let global = paths::display(global);
    let mut checks = Vec::new();
    for layer in layers.iter().filter(|l| l.kind != LayerKind::Global) {
        let mut found = Vec::new();
        for key in ["model", "small_model"] {
            if let Some(value) = layer.get(&[key]) {
                found.push(format!("{key} ({})", shown_value(value)));
            }
        }
        for provider in &PROVIDERS {
            if let Some(Value::Object(keys)) = layer.get(&["provider", provider.id]) {
                let names: Vec<&str> = keys.keys().map(String::as_str).collect();
                found.push(format!("provider.{} ({})", provider.id, names.join(", ")));
            }
        }
        if let Some(Value::Array(only)) = layer.get(&["enabled_providers"])
            && !only
                .iter()
                .any(|p| PROVIDERS.iter().any(|ours| p.as_str() == Some(ours.id)))
        {
            found.push("enabled_providers (without agentgw's providers)".to_string());
        }
        if let Some(Value::Array(off)) = layer.get(&["disabled_providers"])
            && off
                .iter()
                .any(|p| PROVIDERS.iter().any(|ours| p.as_str() == Some(ours.id)))
        {
            found.push("disabled_providers (agentgw's among them)".to_string());
        }
        if found.is_empty() {
            continue;
        }
        let fix = match layer.kind {
            LayerKind::Managed => format!(
                "ask your administrator to leave these keys out of {}: the managed config outranks every other",
                layer.shown
            ),
            LayerKind::Environment => format!(
                "unset {} (or leave these keys out of it)",
                layers::CONTENT_VAR
            ),
            _ => format!(
                "remove them from {}, or start OpenCode with `agentgw exec {ID}` (the gateway settings win for that run)",
                layer.shown
            ),
        };
        checks.push(Check::new(
            ID,
            "config-layers",
            Status::Warn,
            format!(
                "{} sets {}, which outranks {global}",
                layer.shown,
                found.join(", ")
            ),
            fix,
        ));
    }
    checks
}

fn shown_value(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// agentgw's plugin: named in the global file, its file present, and OpenCode allowed to load it.
fn plugin_check() -> Option<Check> {
    let found = match plugin_in_use() {
        Ok(found) => found,
        Err(e) => return Some(Check::failed(ID, "plugin", &format!("{e:#}"))),
    };
    let fix = format!("agentgw setup {ID}");
    Some(match found {
        None => Check::new(
            ID,
            "plugin",
            Status::Fail,
            "the global opencode.json names no agentgw plugin: OpenCode sends the placeholder key, not a token",
            fix,
        ),
        Some(p) if !p.exists => Check::new(
            ID,
            "plugin",
            Status::Fail,
            format!(
                "agentgw's plugin {} is missing: OpenCode sends the placeholder key ({KEY_PLACEHOLDER}), not a token",
                paths::display(&p.path)
            ),
            fix,
        ),
        Some(_) if layers::pure() => Check::new(
            ID,
            "plugin",
            Status::Fail,
            format!(
                "{} is set: OpenCode loads no plugin, agentgw's (which supplies the token) included",
                layers::PURE_VAR
            ),
            format!("unset {}", layers::PURE_VAR),
        ),
        Some(p) => Check::ok(
            ID,
            "plugin",
            format!(
                "agentgw's plugin {} supplies the token",
                paths::display(&p.path)
            ),
        ),
    })
}

/// OpenCode's small model (through every layer), with where it is set.
pub fn small_model(_configured: &Configured) -> Option<(String, String)> {
    let layers = layers::read().ok()?;
    let (layer, value) = layers::top(&layers, &["small_model"])?;
    let (_, model) = value.as_str()?.split_once('/')?;
    Some((model.to_string(), format!("{}: small_model", layer.shown)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_is_read_back_from_the_plugins_settings_line() {
        let code = "import x from \"y\";\nconst SETTINGS = {\"command\":[\"/bin/agentgw\",\"token\",\"--profile\",\"a b\"],\"providers\":{}};\n";
        assert_eq!(
            command_in(code),
            Some(vec![
                "/bin/agentgw".to_string(),
                "token".into(),
                "--profile".into(),
                "a b".into()
            ])
        );
        assert_eq!(command_in("const SETTINGS = {};\n"), None);
    }

    #[test]
    fn plugin_specs_name_their_files() {
        assert_eq!(
            path_of("file:///My%20Files/agentgw-gateway-1.js"),
            PathBuf::from("/My Files/agentgw-gateway-1.js")
        );
        assert_eq!(path_of("/a/b.js"), PathBuf::from("/a/b.js"));
    }
}
