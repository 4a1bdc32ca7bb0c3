//! GitHub Copilot CLI (`@github/copilot`). It takes a model provider of one's own ("bring your
//! own key") from `COPILOT_PROVIDER_*` environment variables only: no settings file can point it
//! at the gateway (its `settings.json` `model` is outranked by `COPILOT_MODEL`, and writing a
//! gateway model there would break the user's plain GitHub Copilot). So agentgw writes no file for
//! it: `setup` remembers the model in the profile and tests the gateway, and Copilot runs through
//! `agentgw exec copilot`, which gives it the gateway's variables for that run.
//!
//! The token: from 1.0.85 Copilot runs `COPILOT_PROVIDER_API_KEY_COMMAND` before every request
//! (seen: a fresh run of the command per request, its output sent as `Authorization: Bearer`), so
//! exec names `agentgw token` there and the token is in no file and no environment. Older
//! releases read one static `COPILOT_PROVIDER_BEARER_TOKEN` when they start: a personal access
//! token goes there; a short-lived OAuth token would expire mid-session, so exec serves them
//! through the loopback relay instead (like Gemini CLI).

mod shell;

use super::{
    Agent, AgentInfo, Configured, Context, DoctorContext, Launch, RouteSpec, Setup, Version,
};
use crate::check::{Check, Status};
use crate::gateway::Wire;
use crate::profile::Profile;
use anyhow::{Result, bail};

pub use shell::{Shell, alias_line};

pub const ID: &str = "copilot";

/// The first release that runs `COPILOT_PROVIDER_API_KEY_COMMAND` (1.0.83 and older send an
/// empty Bearer; there was no 1.0.84).
pub const KEY_COMMAND_SINCE: Version = Version(1, 0, 85);

/// The variables of Copilot's provider that exec sets, or takes out of the user's environment
/// for the run (each would send the requests, or another credential, elsewhere).
const BASE_URL: &str = "COPILOT_PROVIDER_BASE_URL";
const BEARER_TOKEN: &str = "COPILOT_PROVIDER_BEARER_TOKEN";
const API_KEY: &str = "COPILOT_PROVIDER_API_KEY";
const KEY_COMMAND: &str = "COPILOT_PROVIDER_API_KEY_COMMAND";
/// Custom headers (newline-separated `Name: Value`) that Copilot sends to the provider, winning
/// over its own (Copilot's `help providers`). Exec sets it to agentgw's `User-Agent` only, which
/// also takes out a user's own headers: those would win over the derived `Authorization`.
const HEADERS: &str = "COPILOT_PROVIDER_HEADERS";
/// Taken out for the run: a wire model or model id would change the model the gateway is asked
/// for; an Azure API version or a websockets transport changes the route.
const CLEARED: [&str; 4] = [
    "COPILOT_PROVIDER_WIRE_MODEL",
    "COPILOT_PROVIDER_MODEL_ID",
    "COPILOT_PROVIDER_AZURE_API_VERSION",
    "COPILOT_PROVIDER_TRANSPORT",
];

pub struct Copilot;

impl Agent for Copilot {
    fn info(&self) -> &'static AgentInfo {
        &AgentInfo {
            id: ID,
            name: "Copilot CLI",
            program: "copilot",
            default_model: "databricks-claude-opus-4-6",
            // OpenAI Chat Completions for any model family; the vendor's configurator and the
            // live report both use `/mlflow/v1`, on both route families.
            route: Some(RouteSpec {
                agent: ID,
                default: "/mlflow/v1",
                candidates: &["/mlflow/v1"],
                listing: "/models",
            }),
            wire: Wire::OpenAiChat,
            supported: (Version(1, 0, 11), Version(1, 0, 102)),
            npm_package: "@github/copilot",
        }
    }

    fn keeps_no_file(&self) -> bool {
        true
    }

    /// Nothing on disk says it: see [`Agent::configured_for`].
    fn configured(&self) -> Result<Option<Configured>> {
        Ok(None)
    }

    /// Set up = the profile remembers a Copilot model (`agentgw setup copilot` does; `remove`
    /// forgets it). The settings are the ones exec gives it: the profile's gateway route and
    /// that model.
    fn configured_for(&self, profile: &Profile) -> Result<Option<Configured>> {
        let (Some(model), Some(gateway)) = (profile.models.get(ID), profile.gateway()) else {
            return Ok(None);
        };
        let from = format!("profile '{}', for `agentgw exec copilot`", profile.name);
        Ok(Some(Configured {
            file: crate::paths::config_file(&crate::paths::config_dir()?),
            base_url: crate::urls::redact_userinfo(&super::gateway_base(self, &gateway, profile)),
            model: model.clone(),
            base_url_from: from.clone(),
            model_from: from,
        }))
    }

    fn token_supply(&self) -> Result<String> {
        let exec = "none in any file: `agentgw exec copilot` hands it one for each run";
        Ok(
            match super::env_var_set(&[BEARER_TOKEN, KEY_COMMAND, API_KEY]) {
                Some(var) => format!("{exec} (your shell's {var} is what plain `copilot` sends)"),
                None => exec.to_string(),
            },
        )
    }

    fn model_refused(&self, model: &str) -> Option<String> {
        refused(model)
    }

    /// No file of Copilot's points it at the gateway: it gets there through `agentgw exec
    /// copilot`. Provider variables in this shell that send plain `copilot` elsewhere are named.
    fn doctor_checks(&self, _cx: &DoctorContext, configured: &Configured) -> Vec<Check> {
        let mut checks = vec![Check::ok(
            ID,
            "exec",
            "started with `agentgw exec copilot` (it takes its provider from the environment only; \
             no file of Copilot's points it at the gateway)",
        )];
        for (id, message, fix) in shell_findings(&configured.base_url) {
            checks.push(Check::new(ID, &id, Status::Warn, message, fix));
        }
        checks
    }

    fn setup(&self, cx: &Context) -> Result<Setup> {
        if let Some(why) = refused(&cx.model) {
            bail!("{why}\nfix: agentgw setup copilot --model NAME (a Claude or GPT model)");
        }
        let profile = match cx.profile.name.as_str() {
            "default" => String::new(),
            name => format!(" --profile {name}"),
        };
        let shell = Shell::of_user();
        let mut notes = vec![
            format!(
                "Copilot CLI takes a model provider from environment variables only, so no file was written; \
                 start it with `agentgw{profile} exec copilot [ARGS]`, which sets them for that run."
            ),
            format!(
                "To type `copilot` for that, add this line to {} (agentgw does not edit it):\n    {}",
                shell.startup_file(),
                alias_line(shell, &agentgw_word(cx), &cx.profile.name)
            ),
        ];
        notes.push(match token_route(cx.version, cx.profile) {
            TokenRoute::KeyCommand => "The token goes to Copilot from `agentgw token`, which it runs before each request.".into(),
            TokenRoute::Static => format!(
                "Copilot CLI before {KEY_COMMAND_SINCE} reads the token once when it starts: exec puts it in its environment."
            ),
            TokenRoute::Relay => format!(
                "Copilot CLI before {KEY_COMMAND_SINCE} reads the token once when it starts; profile '{}' signs in with {}, \
                 whose tokens expire within the hour, so exec serves it through a loopback relay that adds a fresh token to each request.",
                cx.profile.name,
                cx.profile.auth.describe()
            ),
        });
        Ok(Setup {
            files: Vec::new(),
            notes,
            warnings: Vec::new(),
            problems: Vec::new(),
        })
    }

    /// The provider variables for the run, over whatever the user's shell has (seen with 1.0.11
    /// and 1.0.102: `COPILOT_MODEL` outranks `~/.copilot/settings.json`'s `model`, and a
    /// `COPILOT_PROVIDER_BEARER_TOKEN` outranks the key command, so exec removes it).
    /// `COPILOT_OFFLINE=true`: no GitHub sign-in, telemetry or update check (seen: with it the
    /// gateway is the only host Copilot connects to). `COPILOT_PROVIDER_HEADERS`: a `User-Agent`
    /// that names Copilot (see [`user_agent`]).
    fn launch(&self, cx: &Context, args: &[String]) -> Result<Launch> {
        if let Some(why) = refused(&cx.model) {
            bail!(
                "{why}\nfix: agentgw exec copilot --model NAME (a Claude or GPT model), or agentgw setup copilot"
            );
        }
        let version = cx
            .version
            .or_else(|| super::find_installed(self).and_then(|i| i.version));
        let mut env: Vec<(String, String)> = vec![
            ("COPILOT_PROVIDER_TYPE".into(), "openai".into()),
            (
                BASE_URL.into(),
                super::gateway_base(self, &cx.gateway, cx.profile),
            ),
            ("COPILOT_PROVIDER_WIRE_API".into(), "completions".into()),
            ("COPILOT_MODEL".into(), cx.model.clone()),
            ("COPILOT_OFFLINE".into(), "true".into()),
            (
                HEADERS.into(),
                format!("User-Agent: {}", user_agent(version)),
            ),
        ];
        let mut env_remove: Vec<String> = CLEARED.iter().map(|v| v.to_string()).collect();
        let route = token_route(version, cx.profile);
        let mut relay = None;
        match route {
            TokenRoute::KeyCommand => {
                let agentgw = cx.agentgw.to_string_lossy();
                env.push((
                    KEY_COMMAND.into(),
                    super::shell_command(&[&agentgw, "token", "--profile", &cx.profile.name]),
                ));
                env_remove.extend([BEARER_TOKEN.into(), API_KEY.into()]);
            }
            TokenRoute::Static | TokenRoute::Relay => {
                let token = match route {
                    TokenRoute::Static => cx.token.to_string(),
                    // Exec puts the relay's key here, and the relay's address in the base URL.
                    _ => String::new(),
                };
                env.push((BEARER_TOKEN.into(), token));
                env_remove.extend([KEY_COMMAND.into(), API_KEY.into()]);
                relay = (route == TokenRoute::Relay).then_some(super::RelayVars {
                    base_url: BASE_URL,
                    key: BEARER_TOKEN,
                });
            }
        }
        Ok(Launch {
            args: args.to_vec(),
            env,
            env_remove,
            relay,
        })
    }
}

/// The `User-Agent` exec gives Copilot, so that `agentgw usage` (which tells agents apart by the
/// user agent the gateway records) counts its requests as Copilot's: on its own Copilot sends the
/// OpenAI SDK's string (seen: `OpenAI/JS 5.20.1` from 1.0.102), which names no agent. Seen: 1.0.102
/// sends the header from `COPILOT_PROVIDER_HEADERS` instead, with either provider type and either
/// way of handing it the token. Releases from before that variable existed ignore it and send
/// their own string: 1.0.11 is known to (`uqt/JS 5.20.1`); which release added it is not known.
/// (`COPILOT_AGENT_REQUEST_HEADERS` is undocumented: not used.) An unknown version is left out.
fn user_agent(version: Option<Version>) -> String {
    match version {
        Some(v) => format!("copilot/{v} (agentgw)"),
        None => "copilot (agentgw)".to_string(),
    }
}

/// How exec hands Copilot the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenRoute {
    /// `COPILOT_PROVIDER_API_KEY_COMMAND` runs `agentgw token` before each request.
    KeyCommand,
    /// The token in `COPILOT_PROVIDER_BEARER_TOKEN`, read once (a personal access token).
    Static,
    /// The loopback relay's key there instead, the relay adding a fresh token per request.
    Relay,
}

/// An unknown version gets what every release understands.
fn token_route(version: Option<Version>, profile: &Profile) -> TokenRoute {
    match version {
        Some(v) if v >= KEY_COMMAND_SINCE => TokenRoute::KeyCommand,
        _ if profile.auth.is_short_lived() => TokenRoute::Relay,
        _ => TokenRoute::Static,
    }
}

/// Why Copilot cannot use `model` through the gateway's Chat Completions route, if it cannot:
/// Gemini models reject the `stream_options` Copilot sends with every request (the vendor's
/// configurator; seen: every release here sends `"stream_options": {"include_usage": true}`), and
/// an embedding model does not chat.
fn refused(model: &str) -> Option<String> {
    let base = crate::models::base(model).to_ascii_lowercase();
    if base.split(['-', '_', '.', '/']).any(|w| w == "gemini") {
        return Some(format!(
            "Copilot CLI cannot use {model}: the gateway's Gemini models reject the `stream_options` it sends with every request"
        ));
    }
    if !crate::models::is_chat_model(model) {
        return Some(format!(
            "Copilot CLI cannot use {model}: it is an embedding model, not a chat model"
        ));
    }
    None
}

/// `agentgw` when the one on PATH is this binary, else its absolute path: the alias must start
/// this agentgw.
fn agentgw_word(cx: &Context) -> String {
    let on_path = super::find_on_path("agentgw")
        .and_then(|p| std::fs::canonicalize(p).ok())
        .zip(std::fs::canonicalize(&cx.agentgw).ok())
        .is_some_and(|(a, b)| a == b);
    match on_path {
        true => "agentgw".into(),
        false => cx.agentgw.to_string_lossy().into_owned(),
    }
}

/// What doctor says about `COPILOT_PROVIDER_*` variables in agentgw's environment (the user's
/// shell): plain `copilot` sends its requests, with whatever key the shell has, to that base URL;
/// `agentgw exec copilot` replaces them for its run. `(check id, message, fix)`; names only,
/// never values, except the base URL (with any user:password hidden).
pub fn shell_findings(expected_base: &str) -> Vec<(String, String, String)> {
    let mut findings = Vec::new();
    let set = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    if let Some(url) = set(BASE_URL)
        && url.trim_end_matches('/') != expected_base.trim_end_matches('/')
    {
        let keys: Vec<&str> = [BEARER_TOKEN, API_KEY, KEY_COMMAND]
            .into_iter()
            .filter(|k| set(k).is_some())
            .collect();
        let with = match keys.is_empty() {
            true => String::new(),
            false => format!(", with the key in {}", keys.join(" and ")),
        };
        findings.push((
            "shell-provider".to_string(),
            format!(
                "{BASE_URL} in this shell points plain `copilot` at {}{with}, not the gateway ({expected_base}); \
                 `agentgw exec copilot` replaces it for its run",
                crate::urls::redact_userinfo(&url)
            ),
            format!("start Copilot with `agentgw exec copilot`, or unset {BASE_URL} (and remove its export from your shell startup files)"),
        ));
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Auth;

    fn profile(auth: Auth) -> Profile {
        Profile {
            name: "work".into(),
            host: Some("https://ws.example.com".into()),
            auth,
            ..Profile::default()
        }
    }

    #[test]
    fn the_token_route_follows_the_release_and_the_sign_in() {
        let (pat, oauth) = (profile(Auth::Pat), profile(Auth::OAuth));
        assert_eq!(
            token_route(Some(Version(1, 0, 85)), &oauth),
            TokenRoute::KeyCommand
        );
        assert_eq!(
            token_route(Some(Version(1, 0, 102)), &pat),
            TokenRoute::KeyCommand
        );
        assert_eq!(
            token_route(Some(Version(1, 0, 83)), &oauth),
            TokenRoute::Relay
        );
        assert_eq!(
            token_route(Some(Version(1, 0, 11)), &pat),
            TokenRoute::Static
        );
        // Unknown: what every release understands.
        assert_eq!(token_route(None, &oauth), TokenRoute::Relay);
        assert_eq!(token_route(None, &pat), TokenRoute::Static);
    }

    #[test]
    fn the_user_agent_names_copilot_and_its_version_when_known() {
        assert_eq!(
            user_agent(Some(Version(1, 0, 102))),
            "copilot/1.0.102 (agentgw)"
        );
        assert_eq!(user_agent(None), "copilot (agentgw)");
    }

    #[test]
    fn gemini_and_embedding_models_are_refused_claude_and_gpt_are_not() {
        for ok in [
            "databricks-claude-sonnet-4-6",
            "system.ai.claude-opus-4-6",
            "databricks-gpt-5-2",
            "system.ai.gpt-oss-120b",
        ] {
            assert_eq!(refused(ok), None, "{ok}");
        }
        let gemini = refused("system.ai.gemini-2-5-flash").unwrap();
        assert!(gemini.contains("stream_options"), "{gemini}");
        assert!(refused("databricks-gemini-3-pro").is_some());
        let embedding = refused("databricks-bge-large-en").unwrap();
        assert!(embedding.contains("embedding"), "{embedding}");
    }
}
