//! `agentgw logout`: remove the profile's token from wherever agentgw put it — its own store,
//! the agents' files it wrote the token into, and the backups holding it — and keep the profile
//! and everything else agentgw set up, so the next `login` makes it all work again. Idempotent.

use super::token_copies;
use crate::agents;
use crate::edit::StateDir;
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
    // A keyring that cannot be read must not stop the rest: the copies in agents' files are
    // found through agentgw's record, and `delete` below says what is wrong with the keyring.
    let stored = credential::read_stored(&config_dir, &profile)
        .ok()
        .flatten()
        .and_then(|(secret, _)| secret.pat().map(str::to_string));
    let state = StateDir::new(paths::state_dir()?);
    let copies = token_copies::clear(&state, &name, stored.as_deref());
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
    let nothing = places.is_empty() && copies.changed.is_empty() && copies.backups_deleted == 0;
    if nothing {
        println!("Profile '{name}' had no stored token: nothing to remove.");
    } else {
        println!("Logged out of profile '{name}'.");
    }
    if !places.is_empty() {
        println!("  token removed from {}", places.join(" and "));
    }
    copies.print_changes("removed from");
    let mut stopped: Vec<&str> = agents::clis()
        .filter(|a| agents::calls_agentgw_for(*a, &name))
        .map(|a| a.name())
        .collect();
    for agent in &copies.agents {
        if !stopped.contains(agent) {
            stopped.push(agent);
        }
    }
    if !nothing && !stopped.is_empty() {
        ui::note(&format!(
            "{} will not reach the gateway until you log in again: agentgw login --profile {name}\n  \
             (login puts the token back wherever agentgw had written it)",
            stopped.join(", ")
        ));
    }
    if std::env::var_os(credential::TOKEN_ENV).is_some() {
        ui::note(&format!(
            "Note: {} is still set in this environment and is used instead.",
            credential::TOKEN_ENV
        ));
    }
    copies.finish(format!(
        "the token may still be on disk where said above; fix that, then run: agentgw logout --profile {name}"
    ))
}
