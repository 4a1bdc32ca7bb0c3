//! Cursor, from its settings database read read-only (works while Cursor runs): the override URL
//! is on and points at the profile's gateway, the profile's model is among Cursor's custom
//! models, a key kept in plain text is the current token in a private file, and the gateway
//! answers Cursor's request. A database that is locked or unreadable is a warning.

use super::agent_checks::{gateway_answers, route_answers};
use super::{Check, Status};
use crate::agents::Configured;
use crate::agents::cursor::{self, KeyRow, Settings};
use crate::commands::session::ProfileState;
use crate::edit::StateDir;
use crate::paths;
use std::path::Path;

const AREA: &str = cursor::ID;
const WRITE_FIX: &str = "quit Cursor, then: agentgw setup cursor --write-cursor-db (or follow the steps `agentgw setup cursor` prints)";

pub fn run(base: &ProfileState, flag: Option<&Path>, explicit: bool) -> Vec<Check> {
    if !crate::edit::SQLITE_SUPPORTED {
        return match explicit {
            true => vec![Check::new(
                AREA,
                "config",
                Status::Warn,
                "this build of agentgw cannot read Cursor's settings (built without the `cursor` feature)",
                "check Cursor Settings > Models by hand; `agentgw test cursor` still tests the gateway",
            )],
            false => Vec::new(),
        };
    }
    let db = match paths::state_dir().and_then(|s| cursor::find_db(flag, &StateDir::new(s))) {
        Ok(db) => db,
        Err(e) => return vec![Check::failed(AREA, "config", &format!("{e:#}"))],
    };
    let shown = paths::display(&db);
    let not_set_up = |message: String, fix: &str| {
        let (status, fix) = match explicit {
            true => (Status::Fail, fix),
            false => (Status::Ok, ""),
        };
        vec![Check::new(AREA, "config", status, message, fix)]
    };
    let settings = match cursor::read_settings(&db) {
        Ok(Some(s)) => s,
        Ok(None) => {
            return not_set_up(
                format!("Cursor is not set up for the gateway ({shown} not found)"),
                "start Cursor once, then: agentgw setup cursor",
            );
        }
        Err(e) => {
            let text = format!("{e:#}");
            let first = text.lines().next().unwrap_or_default();
            return vec![Check::new(
                AREA,
                "config",
                Status::Warn,
                format!("cannot read Cursor's settings: {first}"),
                "run agentgw doctor again; if it stays locked, quit Cursor first",
            )];
        }
    };
    let Some(url) = settings.base_url.clone().filter(|_| settings.use_key) else {
        return not_set_up(
            format!(
                "Cursor is not set up for the gateway (its OpenAI base URL override is off in {shown})"
            ),
            WRITE_FIX,
        );
    };
    let mut checks = vec![config(base, &settings, &url, &shown)];
    checks.extend(models(base, &settings));
    checks.extend(key(base, &settings, &db));
    if let Some(profile) = &base.profile {
        let configured = Configured {
            base_url_from: shown.clone(),
            model_from: shown.clone(),
            file: db.clone(),
            base_url: url.trim_end_matches('/').to_string(),
            model: settings.test_model(profile),
        };
        checks.extend(route_answers(AREA, base, &configured));
        checks.push(gateway_answers(
            AREA,
            cursor::WIRE,
            &configured.base_url,
            base,
            &configured,
        ));
    }
    checks
}

/// The override URL is the profile's `<gateway>/cursor/v1`.
fn config(base: &ProfileState, settings: &Settings, url: &str, shown: &str) -> Check {
    let expected = base
        .profile
        .as_ref()
        .and_then(|p| Some(cursor::base_url(&p.gateway()?, p)));
    match expected {
        Some(expected) if !settings.points_at(&expected) => Check::new(
            AREA,
            "config",
            Status::Fail,
            format!(
                "{shown}: Cursor's OpenAI base URL is {url}, not the profile's gateway {expected}"
            ),
            WRITE_FIX,
        ),
        _ => Check::ok(AREA, "config", format!("{shown}: OpenAI base URL {url}")),
    }
}

/// The profile's model is among Cursor's custom models, switched on.
fn models(base: &ProfileState, settings: &Settings) -> Option<Check> {
    let wanted = vec![cursor::profile_model(base.profile.as_ref()?)];
    let listed = if settings.models.is_empty() {
        "none".to_string()
    } else {
        settings.models.join(", ")
    };
    Some(if settings.missing(&wanted).is_empty() {
        Check::ok(AREA, "models", format!("custom models: {listed}"))
    } else {
        Check::new(
            AREA,
            "models",
            Status::Warn,
            format!(
                "the profile's model {} is not among Cursor's custom models switched on ({listed})",
                wanted[0]
            ),
            WRITE_FIX,
        )
    })
}

/// A key Cursor keeps in plain text is the profile's current token, in a file only the user reads.
fn key(base: &ProfileState, settings: &Settings, db: &Path) -> Option<Check> {
    let KeyRow::Plain(key) = &settings.key else {
        return None;
    };
    let token = base.token()?;
    if key.is_empty() {
        return None;
    }
    let shown = paths::display(db);
    if key != token {
        return Some(Check::new(
            AREA,
            "inline-token",
            Status::Fail,
            format!(
                "{shown}: Cursor's OpenAI API key is not the profile's current token (an old one, or another key)"
            ),
            WRITE_FIX,
        ));
    }
    Some(match crate::edit::write::file_mode(db) {
        Some(mode) if mode & 0o077 != 0 => Check::new(
            AREA,
            "inline-token",
            Status::Fail,
            format!("{shown} holds the token and others can read it (mode {mode:o})"),
            format!("chmod 600 {}", db.display()),
        ),
        _ => Check::ok(
            AREA,
            "inline-token",
            format!("{shown} holds the profile's token, readable by you alone"),
        ),
    })
}
