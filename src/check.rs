//! One line of `agentgw doctor`: what was checked (an id within an area), how it came out, and
//! the one thing to do. Its own module so that the agents (src/agents), which know their own
//! traps, can report them without depending on the doctor command.

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

impl Status {
    /// The word in `doctor --json`.
    pub fn word(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }

    /// The mark before the message in doctor's text.
    pub fn mark(self) -> &'static str {
        match self {
            Status::Ok => "✓",
            Status::Warn => "!",
            Status::Fail => "✗",
        }
    }
}

pub struct Check {
    pub id: String,
    /// The group it is shown in: `profile`, an agent's id, `environment`, `files`.
    pub area: String,
    pub status: Status,
    pub message: String,
    /// The one thing to do; empty for a passing check.
    pub fix: String,
}

impl Check {
    pub fn new(
        area: &str,
        id: &str,
        status: Status,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Check {
        Check {
            id: id.to_string(),
            area: area.to_string(),
            status,
            message: message.into(),
            fix: fix.into(),
        }
    }

    /// A failed check from a two-part explanation (what happened, then what to do).
    pub fn failed(area: &str, id: &str, explained: &str) -> Check {
        let (message, fix) = crate::ui::message_and_fix(explained);
        Check::new(area, id, Status::Fail, message, fix)
    }

    pub fn ok(area: &str, id: &str, message: impl Into<String>) -> Check {
        Check::new(area, id, Status::Ok, message, "")
    }
}
