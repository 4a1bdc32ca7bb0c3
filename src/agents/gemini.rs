//! Gemini CLI: `~/.gemini/.env` and `~/.gemini/settings.json` (`$GEMINI_CLI_HOME` moves the
//! root). Gemini has no key-helper command, so the token sits in `.env` (0600) unless
//! `--no-token-file`, for users who start it with `agentgw exec gemini`. A profile that signs in
//! with OAuth gets no token there either: its tokens expire within the hour.

mod auth_type;
mod doctor;

use super::RouteSpec;
use super::template::{self, Vars};
use super::{
    Agent, AgentInfo, Configured, Context, DoctorContext, FileSpec, Launch, Setup, Version,
    gateway_base,
};
use crate::check::Check;
use crate::edit::{Change, Format};
use crate::gateway::Wire;
use anyhow::Result;

const DOTENV: &str = include_str!("../../templates/gemini/.env");
const SETTINGS: &str = include_str!("../../templates/gemini/settings.json");
const ID: &str = "gemini";
const TOKEN_KEY: &str = "GEMINI_API_KEY";

pub struct Gemini;

impl Agent for Gemini {
    fn info(&self) -> &'static AgentInfo {
        &AgentInfo {
            id: ID,
            name: "Gemini CLI",
            program: "gemini",
            default_model: "databricks-gemini-2-5-flash",
            route: Some(RouteSpec {
                agent: "gemini",
                default: "/gemini",
                candidates: &["/gemini"],
                listing: "/v1beta/models",
            }),
            wire: Wire::Gemini,
            supported: (Version(0, 19, 1), Version(0, 61, 0)),
            npm_package: "@google/gemini-cli",
        }
    }

    fn configured(&self) -> Result<Option<Configured>> {
        let path = gemini_dir()?.join(".env");
        Configured::read(
            path,
            Format::Dotenv,
            &["GOOGLE_GEMINI_BASE_URL"],
            &["GEMINI_MODEL"],
        )
    }

    fn token_supply(&self) -> Result<String> {
        let path = gemini_dir()?.join(".env");
        let in_file = super::read_strings(&path, Format::Dotenv, &[&[TOKEN_KEY]])?.remove(0);
        // Variables already in the environment win over the .env file.
        Ok(match (super::env_var_set(&[TOKEN_KEY]), in_file) {
            (Some(var), _) => format!("environment ({var}, which outranks ~/.gemini/.env)"),
            (None, Some(_)) => format!(
                "inline in {} (read in trusted folders only)",
                crate::paths::display(&path)
            ),
            (None, None) => "none (start it with `agentgw exec gemini`)".to_string(),
        })
    }

    fn setup(&self, cx: &Context) -> Result<Setup> {
        let dir = gemini_dir()?;
        let mut vars = Vars::default();
        vars.set("model", cx.model.as_str())
            .set("gateway_base", gateway_base(self, &cx.gateway, cx.profile))
            .set("token", cx.token);
        let mut env_changes = template::changes(Format::Dotenv, DOTENV, &vars)?;
        let mut notes = Vec::new();
        let env_path = dir.join(".env");
        // Gemini has no key helper: a short-lived token in `.env` would stop working within the
        // hour, so it gets none, and one agentgw wrote there before is taken out.
        let short_lived = cx.profile.auth.is_short_lived();
        let no_token_file = cx.options.no_token_file || short_lived;
        if no_token_file {
            env_changes.retain(|c| !matches!(c, Change::Set { key, .. } if key[0] == TOKEN_KEY));
            env_changes.push(Change::Remove {
                key: vec![TOKEN_KEY.into()],
            });
            notes.push(match short_lived {
                true => format!(
                    "The token is not in any file: profile '{}' signs in with {}, whose tokens expire within the hour; \
                     with OAuth, start Gemini with `agentgw exec gemini` (it hands Gemini a fresh token).",
                    cx.profile.name,
                    cx.profile.auth.describe()
                ),
                false => "Start Gemini with `agentgw exec gemini`: the token is not in any file (--no-token-file, remembered in the profile; --token-file writes it again).".into(),
            });
        } else {
            notes.push(format!(
                "{} holds the token (Gemini CLI has no key helper); it is readable by you alone (0600).",
                crate::paths::display(&env_path)
            ));
        }
        notes.push(
            "Gemini reads ~/.gemini/.env only in folders it trusts; `agentgw exec gemini` works in any folder.".into(),
        );
        let settings = template::changes(Format::Json, SETTINGS, &vars)?;
        let files = vec![
            FileSpec {
                path: env_path,
                format: Format::Dotenv,
                changes: env_changes,
                token_key: (!no_token_file).then(|| vec![TOKEN_KEY.to_string()]),
            },
            FileSpec {
                path: dir.join("settings.json"),
                format: Format::Json,
                changes: settings,
                token_key: None,
            },
        ];
        Ok(Setup {
            files,
            notes,
            warnings: Vec::new(),
            problems: Vec::new(),
        })
    }

    /// The settings in Gemini's environment: it outranks every `.env` file (seen with 0.19.1 and
    /// 0.61.0: a project `.env` and `.gemini/.env` naming another base URL and key changed
    /// nothing). Gemini has no key helper, so the token is there too.
    fn launch(&self, cx: &Context, args: &[String]) -> Result<Launch> {
        auth_type::check(&gemini_dir()?.join("settings.json"))?;
        // An OAuth token would expire mid-session: Gemini gets a relay's key instead (see exec).
        let relay = cx
            .profile
            .auth
            .is_short_lived()
            .then_some(super::RelayVars {
                base_url: "GOOGLE_GEMINI_BASE_URL",
                key: TOKEN_KEY,
            });
        let key = if relay.is_some() { "" } else { cx.token };
        let env = vec![
            ("GEMINI_MODEL".into(), cx.model.clone()),
            (
                "GOOGLE_GEMINI_BASE_URL".into(),
                gateway_base(self, &cx.gateway, cx.profile),
            ),
            ("GEMINI_API_KEY_AUTH_MECHANISM".into(), "bearer".into()),
            (TOKEN_KEY.into(), key.to_string()),
            // Headless Gemini (0.39.1 and newer) refuses to run in a folder it does not trust,
            // whatever the environment holds: running it through agentgw is the user's say-so.
            ("GEMINI_CLI_TRUST_WORKSPACE".into(), "true".into()),
        ];
        Ok(Launch {
            args: args.to_vec(),
            env,
            env_remove: Vec::new(),
            relay,
        })
    }

    fn overriding_variables(&self) -> &'static [(&'static str, &'static str)] {
        doctor::OVERRIDING_VARIABLES
    }

    fn inline_token_key(&self) -> Option<(Format, &'static [&'static str])> {
        Some((Format::Dotenv, doctor::INLINE_TOKEN_KEY))
    }

    fn short_lived_token_check(
        &self,
        cx: &DoctorContext,
        configured: &Configured,
    ) -> Option<Check> {
        doctor::short_lived_token(cx, configured)
    }

    fn doctor_checks(&self, _cx: &DoctorContext, configured: &Configured) -> Vec<Check> {
        doctor::folder_checks(&configured.file)
    }
}

fn gemini_dir() -> Result<std::path::PathBuf> {
    Ok(super::config_dir("GEMINI_CLI_HOME", "")?.join(".gemini"))
}
