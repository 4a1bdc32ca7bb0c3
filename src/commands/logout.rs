//! `agentgw logout`: remove the profile's token from wherever it is; keep the profile. Idempotent.

use crate::profile::{self, Config, TokenStorage};
use crate::{credential, paths, ui};
use anyhow::Result;

pub fn run(profile_flag: Option<&str>) -> Result<()> {
    let name = profile::selected_name(profile_flag)?;
    let config_dir = paths::config_dir()?;
    let _lock = profile::lock_config_dir(&config_dir)?;
    let mut config = Config::load(&config_dir)?;
    let Some(profile) = config.profile(&name)? else {
        println!("No profile '{name}': nothing to log out of.");
        return Ok(());
    };
    let removed = credential::delete(&config_dir, &profile)?;
    config.set_field(&name, "token_storage", None);
    config.save()?;
    let places: Vec<&str> = removed
        .iter()
        .map(|s| match s {
            TokenStorage::Keyring => "the OS keyring",
            TokenStorage::File => "the plaintext token file",
        })
        .collect();
    if places.is_empty() {
        println!("Profile '{name}' had no stored token: nothing to remove.");
    } else {
        println!(
            "Logged out of profile '{name}': token removed from {}.",
            places.join(" and ")
        );
    }
    if std::env::var_os(credential::TOKEN_ENV).is_some() {
        ui::note(&format!(
            "Note: {} is still set in this environment and is used instead.",
            credential::TOKEN_ENV
        ));
    }
    Ok(())
}
