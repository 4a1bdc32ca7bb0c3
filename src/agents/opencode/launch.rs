//! `agentgw exec opencode`: OpenCode with the gateway's providers, model and small model for one
//! run, its files untouched. They go in OPENCODE_CONFIG_CONTENT, which OpenCode merges above the
//! global file, OPENCODE_CONFIG, the project's `opencode.json` and `.opencode` folders (seen with
//! 1.1.53 and 1.18.33: a project file naming another model and pointing the provider elsewhere
//! changed nothing); only the managed files outrank it, so exec refuses when they set what it
//! sets. The providers get ids of their own (`databricks-exec-*`) and a plugin of their own
//! (written to agentgw's state folder, no token in it), so a setup for another profile, whose
//! plugin still loads from the global file, never judges them. The token: that plugin runs
//! `agentgw token` for each request, as setup's does; it is in no file, argument or variable.

use super::layers::{self, CONTENT_VAR, PURE_VAR};
use super::providers::{self, Provider};
use super::{ID, plugin};
use crate::agents::{Context, Launch};
use crate::edit::Change;
use anyhow::{Result, bail};
use serde_json::{Map, Value, json};

pub fn launch(cx: &Context, args: &[String]) -> Result<Launch> {
    if args.iter().any(|a| a == "--pure") {
        bail!(
            "--pure keeps OpenCode from loading plugins, agentgw's included, which supplies the token\n\
             fix: leave out --pure with `agentgw exec {ID}`"
        );
    }
    let model = cx.model.as_str();
    let small = providers::small_model(model, &cx.aliases.haiku);
    let lineup = providers::lineup(&[model, &small], None)?;
    refuse_managed_settings()?;
    let code = plugin::code(cx, true)?;
    let plugin_path = crate::agents::exec_file_as("opencode-gateway", "js", &code)?;
    let template = providers::template_changes(cx, "", "")?;
    let mut provider_table = Map::new();
    for (provider, names) in &lineup {
        provider_table.insert(
            provider.exec_id.to_string(),
            provider_object(&template, provider, names),
        );
    }
    let selected = |name: &str| -> Result<String> {
        Ok(providers::selector(
            providers::provider_for(name)?.exec_id,
            name,
        ))
    };
    let ours = json!({
        "plugin": [plugin::file_url(&plugin_path)],
        "provider": provider_table,
        "model": selected(model)?,
        "small_model": selected(&small)?,
    });
    let content = merged_with_users(ours)?;
    Ok(Launch {
        args: args.to_vec(),
        env: vec![(CONTENT_VAR.to_string(), content.to_string())],
        // It would keep agentgw's plugin from loading.
        env_remove: vec![PURE_VAR.to_string()],
        relay: None,
    })
}

/// A provider's definition as the template gives it (under setup's id), with its models.
fn provider_object(template: &[Change], provider: &Provider, names: &[String]) -> Value {
    let mut object = json!({});
    for change in template.iter().filter(|c| providers::is_of(c, provider)) {
        if let Change::Set { key, value } = change {
            set_path(&mut object, &key[2..], value.clone());
        }
    }
    object["models"] = providers::models_table(provider, names);
    object
}

/// Sets `value` at `path` inside `target`, making objects on the way.
fn set_path(target: &mut Value, path: &[String], value: Value) {
    match path {
        [] => *target = value,
        [first, rest @ ..] => {
            if !target.is_object() {
                *target = json!({});
            }
            let slot = target
                .as_object_mut()
                .expect("made an object above")
                .entry(first.clone())
                .or_insert(Value::Null);
            set_path(slot, rest, value);
        }
    }
}

/// The user's own OPENCODE_CONFIG_CONTENT (if they export one) with exec's keys on top: its
/// other keys and providers stay, its plugins come before agentgw's.
fn merged_with_users(ours: Value) -> Result<Value> {
    let Some(theirs) = std::env::var(CONTENT_VAR)
        .ok()
        .filter(|v| !v.trim().is_empty())
    else {
        return Ok(ours);
    };
    let Some(Value::Object(mut merged)) = layers::parse(&theirs) else {
        bail!(
            "{CONTENT_VAR} in your environment is not a JSON object, and `agentgw exec {ID}` puts its settings there\n\
             fix: unset {CONTENT_VAR}, or make it a JSON object"
        );
    };
    let Value::Object(ours) = ours else {
        unreachable!("exec's settings are an object")
    };
    for (key, value) in ours {
        match (key.as_str(), merged.get_mut(&key), value) {
            ("provider", Some(Value::Object(providers)), Value::Object(add)) => {
                providers.extend(add);
            }
            ("plugin", Some(Value::Array(plugins)), Value::Array(add)) => plugins.extend(add),
            (_, _, value) => {
                merged.insert(key, value);
            }
        }
    }
    Ok(Value::Object(merged))
}

/// The managed config outranks OPENCODE_CONFIG_CONTENT: exec refuses when it names the model or
/// small model, or keeps exec's providers from loading.
fn refuse_managed_settings() -> Result<()> {
    let layers = layers::read()?;
    for layer in layers
        .iter()
        .filter(|l| l.kind == layers::LayerKind::Managed)
    {
        let mut found: Vec<&str> = ["model", "small_model"]
            .into_iter()
            .filter(|key| layer.get(&[key]).is_some())
            .collect();
        if layer.get(&["enabled_providers"]).is_some() {
            found.push("enabled_providers");
        }
        if let Some(Value::Array(off)) = layer.get(&["disabled_providers"])
            && off.iter().any(|p| {
                p.as_str()
                    .and_then(Provider::with_id)
                    .is_some_and(|ours| p.as_str() == Some(ours.exec_id))
            })
        {
            found.push("disabled_providers");
        }
        if !found.is_empty() {
            bail!(
                "{} (OpenCode's managed config, which outranks everything `agentgw exec {ID}` can set) sets {}\n\
                 fix: ask your administrator to leave them out of it",
                layer.shown,
                found.join(", ")
            );
        }
    }
    Ok(())
}
