//! A personal access token: from standard input, `~/.databrickscfg`, DATABRICKS_TOKEN, or a
//! hidden prompt on a terminal.

use super::{Sourced, no_credential, read_stdin_secret};
use crate::cli::LoginArgs;
use crate::{credential, databrickscfg, ui};
use anyhow::{Result, bail};

/// `profile` and `host` go into the commands suggested when there is no token.
pub fn token(
    args: &LoginArgs,
    databrickscfg: Option<&(databrickscfg::Section, String)>,
    profile: &str,
    host: &str,
) -> Result<Sourced> {
    let browser = format!("agentgw login --profile {profile} --host {host} --auth oauth");
    if args.token_stdin {
        let raw = read_stdin_secret("Personal access token (input hidden)", "the token")?;
        return Ok(Sourced {
            value: credential::validate_token(&raw)?,
            source: "standard input".into(),
        });
    }
    if let Some((section, origin)) = databrickscfg {
        let Some(token) = &section.token else {
            bail!(
                "{origin} has no token; create a personal access token in the workspace (Settings > Developer > Access tokens) and pipe it to --token-stdin, or sign in in the browser: {browser}"
            );
        };
        return Ok(Sourced {
            value: credential::validate_token(token)?,
            source: origin.clone(),
        });
    }
    if let Some(token) = std::env::var("DATABRICKS_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty())
    {
        return Ok(Sourced {
            value: credential::validate_token(&token)?,
            source: "DATABRICKS_TOKEN".into(),
        });
    }
    if !ui::interactive() {
        return Err(no_credential(profile, host));
    }
    ui::note(&format!("(To sign in in the browser instead: {browser})"));
    let typed = dialoguer::Password::new()
        .with_prompt("Personal access token (input hidden)")
        .interact()?;
    Ok(Sourced {
        value: credential::validate_token(&typed)?,
        source: "the prompt".into(),
    })
}
