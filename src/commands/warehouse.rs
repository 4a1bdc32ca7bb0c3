//! Which SQL warehouse a command's statements run on: `--warehouse-id`, else the one remembered
//! in the profile (while the workspace still has it), else the best one the workspace lists.
//! The caller remembers the choice in the profile once its statements succeeded
//! (`commands::otel::remember`), so a warehouse that fails is not kept.

use super::session::Session;
use crate::errors::{Classified, Kind};
use crate::gateway::{Failure, Http, RequestError};
use crate::otel;
use crate::profile::Profile;
use crate::ui;
use crate::warehouses::{self, SqlWarehouse, State};
use anyhow::Result;

/// The warehouse to run on: `--warehouse-id` (checked by clap), else the profile's, else the
/// best one found (said on stderr).
///
/// A remembered warehouse is looked up first (one `GET .../sql/warehouses/{id}`, no listing):
/// one the workspace no longer has, or has deleted, gives way to discovery, so a stale id in
/// the profile does not fail every later run — for every caller, also those that send no
/// statement before using the id (a dashboard). When the lookup itself fails (no permission to
/// view it, the network) the remembered id is used as it is: the statement says what is wrong.
pub fn choose(session: &Session, http: &Http, flag: Option<&str>) -> Result<String> {
    if let Some(id) = flag {
        return Ok(id.to_string());
    }
    if let Some(id) = given(None, Some(&session.profile))? {
        match warehouses::get(http, &session.host, &session.token, &id) {
            Ok(Some(found)) if !found.state.is_gone() => {
                if let Some(wait) = wait_note(&found) {
                    ui::note(&wait);
                }
                return Ok(id);
            }
            Ok(Some(gone)) => ui::note(&format!(
                "SQL warehouse {} remembered in the profile is {}; looking for another",
                named(&gone),
                gone.state.word()
            )),
            Ok(None) => ui::note(&format!(
                "SQL warehouse {id} remembered in the profile no longer exists (or you may no longer see it); looking for another"
            )),
            Err(_) => return Ok(id),
        }
    }
    discover(session, http)
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

/// The best warehouse the workspace lists, said on stderr with how long the query may wait.
fn discover(session: &Session, http: &Http) -> Result<String> {
    let all = warehouses::list(http, &session.host, &session.token)
        .map_err(|e| listing_failed(&e, session))?;
    let Some(best) = warehouses::rank(&all).first().copied() else {
        return Err(none_usable(&session.host, &all).into());
    };
    ui::note(&format!(
        "using SQL warehouse '{}' ({}, {}); remembered in the profile when this succeeds",
        best.name,
        best.id,
        best.state.word()
    ));
    if let Some(wait) = wait_note(best) {
        ui::note(&wait);
    }
    Ok(best.id.clone())
}

/// `'Name' (id)`, or the id alone when the workspace gave no name.
fn named(warehouse: &SqlWarehouse) -> String {
    if warehouse.name == warehouse.id {
        warehouse.id.clone()
    } else {
        format!("'{}' ({})", warehouse.name, warehouse.id)
    }
}

/// What a warehouse that is not running means for the wait; `None` for a running one.
fn wait_note(warehouse: &SqlWarehouse) -> Option<String> {
    let how_long = match warehouse.kind() {
        "serverless" => "a serverless warehouse takes seconds".to_string(),
        other => format!("a {other} warehouse takes minutes"),
    };
    let name = named(warehouse);
    match warehouse.state {
        State::Running => None,
        State::Starting => Some(format!(
            "SQL warehouse {name} is starting; the query waits until it runs ({how_long})"
        )),
        state => Some(format!(
            "SQL warehouse {name} is {}; the query waits while it starts ({how_long})",
            state.word()
        )),
    }
}

fn listing_failed(e: &RequestError, session: &Session) -> Classified {
    let kind = Kind::Request(e.failure.kind());
    if e.failure == Failure::Forbidden {
        let (status, detail) = e.said();
        return Classified::explained(
            kind,
            format!(
                "you lack permission to list the SQL warehouses of {} ({status}{detail})\n\
                 Pass --warehouse-id ID of a warehouse you can use (SQL Warehouses > your warehouse > Connection details); it is remembered in the profile afterwards.",
                session.host
            ),
        );
    }
    Classified::explained(
        kind,
        format!(
            "listing the SQL warehouses failed: {}",
            e.explain(&session.profile.name)
        ),
    )
}

/// No warehouse to run on: none listed, or only ones stopping or deleted (named, a few).
fn none_usable(host: &str, listed: &[SqlWarehouse]) -> Classified {
    const NAMED: usize = 5;
    let seen = match listed.len() {
        0 => String::new(),
        n => {
            let mut names: Vec<String> = listed
                .iter()
                .take(NAMED)
                .map(|w| format!("{} is {}", named(w), w.state.word()))
                .collect();
            if n > NAMED {
                names.push(format!("{} more", n - NAMED));
            }
            format!(" ({})", names.join(", "))
        }
    };
    Classified::explained(
        Kind::Warehouse("no_warehouse"),
        format!(
            "no SQL warehouse in {host} that you can use{seen}\n\
             Create one at {host}/sql/warehouses, or ask a workspace admin for CAN USE on one; then run the command again, or pass --warehouse-id ID."
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warehouse(state: State, serverless: bool, kind: &str) -> SqlWarehouse {
        SqlWarehouse {
            id: "0123456789abcdef".into(),
            name: "Shared".into(),
            state,
            serverless,
            warehouse_type: Some(kind.into()),
        }
    }

    #[test]
    fn the_wait_note_says_how_long_a_start_takes() {
        assert_eq!(wait_note(&warehouse(State::Running, true, "PRO")), None);
        assert_eq!(
            wait_note(&warehouse(State::Stopped, true, "PRO")).unwrap(),
            "SQL warehouse 'Shared' (0123456789abcdef) is stopped; the query waits while it starts (a serverless warehouse takes seconds)"
        );
        assert_eq!(
            wait_note(&warehouse(State::Stopped, false, "CLASSIC")).unwrap(),
            "SQL warehouse 'Shared' (0123456789abcdef) is stopped; the query waits while it starts (a classic warehouse takes minutes)"
        );
        assert_eq!(
            wait_note(&warehouse(State::Starting, false, "PRO")).unwrap(),
            "SQL warehouse 'Shared' (0123456789abcdef) is starting; the query waits until it runs (a pro warehouse takes minutes)"
        );
    }

    #[test]
    fn no_usable_warehouse_names_the_ones_seen_and_the_page_to_create_one() {
        let host = "https://ws.example.com";
        let error = none_usable(host, &[]);
        assert_eq!(error.kind, Kind::Warehouse("no_warehouse"));
        assert_eq!(
            error.message,
            "no SQL warehouse in https://ws.example.com that you can use"
        );
        assert_eq!(
            error.fix.as_deref(),
            Some(
                "Create one at https://ws.example.com/sql/warehouses, or ask a workspace admin for CAN USE on one; then run the command again, or pass --warehouse-id ID."
            )
        );
        let mut listed = vec![warehouse(State::Stopping, false, "CLASSIC"); 7];
        listed[1].state = State::Deleted;
        listed[1].name = listed[1].id.clone();
        assert_eq!(
            none_usable(host, &listed).message,
            "no SQL warehouse in https://ws.example.com that you can use \
             ('Shared' (0123456789abcdef) is stopping, 0123456789abcdef is deleted, \
             'Shared' (0123456789abcdef) is stopping, 'Shared' (0123456789abcdef) is stopping, \
             'Shared' (0123456789abcdef) is stopping, 2 more)"
        );
    }
}
