//! `agentgw token` and `agentgw otel-headers`: what agents run at every start and token refresh, so
//! they stay quick — no network, no writes — and print exactly the secret and nothing else.

use crate::profile::{self, Config};
use crate::{credential, paths};
use anyhow::{Result, bail};

pub fn print_token(profile_flag: Option<&str>) -> Result<()> {
    println!("{}", load(profile_flag)?);
    Ok(())
}

pub fn print_otel_headers(profile_flag: Option<&str>) -> Result<()> {
    let headers = serde_json::json!({ "Authorization": format!("Bearer {}", load(profile_flag)?) });
    println!("{headers}");
    Ok(())
}

fn load(profile_flag: Option<&str>) -> Result<String> {
    let name = profile::selected_name(profile_flag)?;
    let config_dir = paths::config_dir()?;
    // AGENTGW_TOKEN must work even where no config exists (CI), so read the config only if needed.
    let profile = if std::env::var(credential::TOKEN_ENV).is_ok_and(|t| !t.trim().is_empty()) {
        None
    } else {
        Config::load(&config_dir)?.profile(&name)?
    };
    match credential::read(&config_dir, profile.as_ref())? {
        Some((token, _)) => Ok(token),
        None => bail!("not logged in (profile '{name}'); run: agentgw login --profile {name}"),
    }
}
