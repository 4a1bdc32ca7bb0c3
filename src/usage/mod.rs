//! Usage reports: what the agents did through the gateway (from its usage table, see `query`),
//! grouped and costed (`report`) and shown (`render`); `format` and `days` are shared with the
//! Claude Code telemetry view (`otel::usage`).

pub mod access;
pub mod days;
pub mod format;
pub mod query;
pub mod render;
pub mod report;
