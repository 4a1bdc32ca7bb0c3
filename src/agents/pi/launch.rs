//! `agentgw exec pi`: Pi with the gateway's provider and model for one run, its files untouched.
//!
//! Pi has no flag that takes a provider definition, but it loads extensions named with `-e FILE`,
//! and an extension's `pi.registerProvider(id, config)` replaces a provider of that id from
//! models.json for the run. So exec writes a small extension that registers the gateway provider
//! of the model's family (the same keys setup writes: `apiKey` runs `agentgw token`, so the file
//! holds no token), and adds `--provider <id> --model <model>`, which outrank every settings file
//! (seen with 0.63.0, 0.73.1 and 1.6.0). Arguments of the user's come after ours: their own
//! `--provider`/`--model` win, as typed. A Pi before 0.84.3 gets the same `User-Agent` header as
//! setup writes (an extension's provider `headers` are sent like models.json's).

use super::providers::{self, Provider};
use crate::agents::{Context, Launch};
use anyhow::{Result, bail};

/// The extension's code around the provider table, which is JSON (a JavaScript expression):
/// values reach the file only through serde_json's escaping, never pasted as code.
const EXTENSION_HEAD: &str = "// Written by `agentgw exec pi`: the AI Gateway's provider for one run. \
Its apiKey runs `agentgw token`; no token is in this file.\nconst PROVIDERS = ";
const EXTENSION_TAIL: &str = ";\nexport default function (pi) {\n  for (const [id, config] of Object.entries(PROVIDERS)) pi.registerProvider(id, config);\n}\n";

pub fn launch(cx: &Context, args: &[String]) -> Result<Launch> {
    let provider = providers::provider_for(&cx.model)?;
    refuse_stored_key(provider)?;
    // Exec is not told the version; the provider's `User-Agent` depends on it.
    let version = cx
        .version
        .or_else(|| crate::agents::find_installed(&super::Pi).and_then(|i| i.version));
    let config =
        providers::extension_config(cx, provider, std::slice::from_ref(&cx.model), version)?;
    let table = serde_json::json!({ provider.id: config });
    let code = format!("{EXTENSION_HEAD}{table}{EXTENSION_TAIL}");
    let extension = crate::agents::exec_file_as("pi-gateway", "mjs", &code)?;
    let mut launch_args = vec![
        "-e".to_string(),
        extension.to_string_lossy().into_owned(),
        "--provider".to_string(),
        provider.id.to_string(),
        "--model".to_string(),
        cx.model.clone(),
    ];
    launch_args.extend(args.iter().cloned());
    Ok(Launch {
        args: launch_args,
        env: Vec::new(),
        env_remove: Vec::new(),
        relay: None,
    })
}

/// A key stored in auth.json for the provider's id outranks every `apiKey` (Pi asks auth.json
/// first): Pi would send that key instead of the profile's token.
fn refuse_stored_key(provider: &Provider) -> Result<()> {
    if super::stored_key(provider.id).unwrap_or(false) {
        let auth = crate::paths::display(&super::agent_dir()?.join("auth.json"));
        bail!(
            "{auth} holds a credential for provider {}, which Pi uses instead of the gateway's key helper\n\
             fix: remove the \"{}\" entry from {auth} (in Pi: /logout {}), then run `agentgw exec pi` again",
            provider.id,
            provider.id,
            provider.id
        );
    }
    Ok(())
}
