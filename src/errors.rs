//! What kind of failure ended a command, for scripts: `--json` prints
//! `{"error": {"kind", "message", "fix"}}`, and `kind` is one of a small, documented set (see
//! README, "Errors in JSON"). The kind comes from the error's type wherever there is one: an
//! edit error, a clap error, or a [`Classified`] error made where the failure was understood
//! (a missing profile, a SQL warehouse's answer) — never from the wording of a message.

use std::fmt;

/// The `"kind"` of a JSON error. The names are part of agentgw's interface: add, never rename.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The command line is wrong (exit 2).
    Usage,
    /// The profile does not exist, or has no workspace: `agentgw login`.
    NoProfile,
    /// The profile has no token: `agentgw login`.
    NotLoggedIn,
    /// The token's store (the OS keyring, tokens.toml) could not be read.
    Credential,
    /// agentgw's own config.toml does not parse or holds a wrong value.
    Config,
    /// An agent's config file could not be read or written (it is named in the message).
    ConfigFile,
    /// A value that comes from a flag or from the profile is missing (say, --tables).
    MissingInput,
    /// The SQL warehouse refused or failed the statement; the class is the SQL module's
    /// (`warehouse_not_found`, `warehouse_not_running`, `permission_denied`, `name_not_found`,
    /// `bad_name`, `statement_failed`, `canceled`, `deadline`), or there is none to run on
    /// (`no_warehouse`: none given, remembered or listed).
    Warehouse(&'static str),
    /// The OAuth sign-in is over or cannot happen; the class is the OAuth module's
    /// (`invalid_grant`: sign in again, `invalid_client`: the service principal's id or secret,
    /// `invalid_scope`, `access_denied`, `redirect_timeout`, `wrong_state`, `redirect_port`,
    /// `oauth_error`).
    SignIn(&'static str),
    /// A request to the workspace or the gateway failed; the class is the gateway module's
    /// (`dns`, `connect`, `tls`, `timeout`, `invalid_token`, `forbidden`, `not_found`, ...).
    Request(&'static str),
    /// Anything else; the message says what.
    Other,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Usage => "usage",
            Kind::NoProfile => "no_profile",
            Kind::NotLoggedIn => "not_logged_in",
            Kind::Credential => "credential",
            Kind::Config => "config",
            Kind::ConfigFile => "config_file",
            Kind::MissingInput => "missing_input",
            Kind::Request(class) | Kind::Warehouse(class) | Kind::SignIn(class) => class,
            Kind::Other => "other",
        }
    }

    /// The kind of `error`: of the first error in its chain whose type says.
    pub fn of(error: &anyhow::Error) -> Kind {
        error
            .chain()
            .find_map(|cause| {
                if let Some(classified) = cause.downcast_ref::<Classified>() {
                    Some(classified.kind)
                } else if cause.is::<clap::Error>() {
                    Some(Kind::Usage)
                } else if cause.is::<crate::edit::EditError>() {
                    Some(Kind::ConfigFile)
                } else {
                    None
                }
            })
            .unwrap_or(Kind::Other)
    }
}

impl From<&crate::sql::SqlError> for Kind {
    fn from(error: &crate::sql::SqlError) -> Kind {
        match error {
            crate::sql::SqlError::Request(e) => Kind::Request(e.failure.kind()),
            other => Kind::Warehouse(other.kind()),
        }
    }
}

/// A failure explained where it happened, with its kind attached: what happened, and the one
/// thing to do about it.
#[derive(Debug)]
pub struct Classified {
    pub kind: Kind,
    pub message: String,
    pub fix: Option<String>,
    /// How it reads on a terminal.
    text: String,
}

impl Classified {
    /// "`what`; run: `command`" — for failures fixed by one command.
    pub fn run(kind: Kind, what: impl Into<String>, command: impl Into<String>) -> Classified {
        let (message, command) = (what.into(), command.into());
        Classified {
            kind,
            text: format!("{message}; run: {command}"),
            message,
            fix: Some(command),
        }
    }

    /// A two-part explanation as agentgw writes them: what happened (the first line), then
    /// what to do (the rest, if any).
    pub fn explained(kind: Kind, text: impl Into<String>) -> Classified {
        let text = text.into();
        let (message, fix) = crate::ui::message_and_fix(&text);
        Classified {
            kind,
            message: message.to_string(),
            fix: (!fix.trim().is_empty()).then(|| fix.trim().to_string()),
            text,
        }
    }
}

/// What happened and what to do about `error`: a [`Classified`] error's own parts, else its text
/// split as agentgw writes it (the first line, then the rest); no fix when there is none.
pub fn message_and_fix(error: &anyhow::Error) -> (String, Option<String>) {
    if let Some(classified) = error.downcast_ref::<Classified>() {
        return (classified.message.clone(), classified.fix.clone());
    }
    let text = format!("{error:#}");
    let (message, fix) = crate::ui::message_and_fix(&text);
    let fix = fix.trim();
    (
        message.to_string(),
        (!fix.is_empty()).then(|| fix.to_string()),
    )
}

impl fmt::Display for Classified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for Classified {}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn the_kind_is_found_under_added_context() {
        let error = Err::<(), _>(Classified::run(
            Kind::NoProfile,
            "no profile 'x'",
            "agentgw login",
        ))
        .context("while testing")
        .unwrap_err();
        assert_eq!(Kind::of(&error), Kind::NoProfile);
        assert_eq!(Kind::of(&anyhow::anyhow!("plain")), Kind::Other);
    }

    #[test]
    fn explained_text_splits_into_message_and_fix() {
        let c = Classified::explained(Kind::Other, "it stopped\nStart it.");
        assert_eq!(
            (c.message.as_str(), c.fix.as_deref()),
            ("it stopped", Some("Start it."))
        );
        assert_eq!(c.to_string(), "it stopped\nStart it.");
        let c = Classified::explained(Kind::Other, "just this");
        assert_eq!(c.fix, None);
        let c = Classified::run(Kind::NotLoggedIn, "not logged in", "agentgw login");
        assert_eq!(c.to_string(), "not logged in; run: agentgw login");
    }
}
