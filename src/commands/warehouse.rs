//! Which SQL warehouse a command's statements run on: `--warehouse-id`, else the one remembered
//! in the profile.

use super::session::Session;
use crate::errors::{Classified, Kind};
use crate::gateway::Http;
use crate::otel;
use crate::profile::Profile;
use anyhow::Result;

/// The warehouse to run on: `--warehouse-id` (checked by clap), else the profile's.
pub fn choose(session: &Session, _http: &Http, flag: Option<&str>) -> Result<String> {
    given(flag, Some(&session.profile))?.ok_or_else(|| {
        Classified::explained(
            Kind::MissingInput,
            "no SQL warehouse given, and none remembered in the profile\n\
             Pass --warehouse-id ID (SQL Warehouses > your warehouse > Connection details); it is remembered in the profile afterwards.",
        )
        .into()
    })
}

/// The warehouse named without asking the workspace: the flag, else the profile's (for a dry
/// run, which sends nothing).
pub fn given(flag: Option<&str>, profile: Option<&Profile>) -> Result<Option<String>> {
    if let Some(id) = flag {
        return Ok(Some(id.to_string()));
    }
    let Some(id) = profile.and_then(|p| p.warehouse_id.clone()) else {
        return Ok(None);
    };
    otel::tables::validate_warehouse_id(&id, "warehouse_id in agentgw's config.toml")?;
    Ok(Some(id))
}
