//! `agentgw profiles`: every profile with its workspace, gateway, how it signs in and where its
//! credential is stored.

use crate::cli::ProfilesArgs;
use crate::profile::{self, Config};
use crate::{paths, ui};
use anyhow::Result;
use serde_json::json;

pub fn run(profile_flag: Option<&str>, args: ProfilesArgs) -> Result<()> {
    let active = profile::selected_name(profile_flag)?;
    let config = Config::load(&paths::config_dir()?)?;
    let mut rows = Vec::new();
    for name in config.profile_names() {
        if let Some(p) = config.profile(&name)? {
            rows.push(p);
        }
    }
    if args.json {
        let profiles: Vec<_> = rows
            .iter()
            .map(|p| {
                json!({
                    "name": p.name,
                    "host": p.host,
                    "gateway_url": p.gateway(),
                    "auth": p.auth.as_str(),
                    "token_storage": p.token_storage.map(|s| s.as_str()),
                    "active": p.name == active,
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({ "profiles": profiles }))?
        );
        return Ok(());
    }
    if rows.is_empty() {
        ui::note(&format!(
            "No profiles in {} yet. Create one with: agentgw login",
            paths::display(config.path())
        ));
        return Ok(());
    }
    let table: Vec<[String; 5]> = rows
        .iter()
        .map(|p| {
            let marker = if p.name == active { "* " } else { "  " };
            [
                format!("{marker}{}", p.name),
                p.host.clone().unwrap_or_else(|| "-".into()),
                p.gateway().unwrap_or_else(|| "-".into()),
                p.auth.as_str().to_string(),
                p.token_storage
                    .map_or("not logged in", |s| s.as_str())
                    .to_string(),
            ]
        })
        .collect();
    let header = [
        "  PROFILE".to_string(),
        "HOST".into(),
        "GATEWAY".into(),
        "AUTH".into(),
        "TOKEN".into(),
    ];
    let widths: Vec<usize> = (0..5)
        .map(|i| {
            std::iter::once(&header)
                .chain(&table)
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in std::iter::once(&header).chain(&table) {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", cells.join("  ").trim_end());
    }
    Ok(())
}
