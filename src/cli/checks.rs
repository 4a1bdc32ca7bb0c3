//! The checks behind the flags of cli.rs, run by clap as value parsers: a value agentgw cannot
//! use is a usage error (exit 2) naming the flag, before any command runs — also when the value
//! came from the flag's environment variable, which is then named too.

use crate::{otel, profile, urls};
use anyhow::{Result, bail};
use clap::builder::TypedValueParser;
use clap::error::ErrorKind;
use clap::{Arg, Command};
use std::ffi::OsStr;
use std::path::PathBuf;

/// A value parser running one of agentgw's checks: `check(value, source)`, where `source` names
/// the flag (or variable) for the error message. The check's message replaces clap's
/// "invalid value '...'", which would echo the raw value — a URL may hold a password.
#[derive(Clone)]
pub struct Checked<T>(pub fn(&str, &str) -> Result<T>);

impl<T: Clone + Send + Sync + 'static> TypedValueParser for Checked<T> {
    type Value = T;

    fn parse_ref(&self, cmd: &Command, arg: Option<&Arg>, value: &OsStr) -> Result<T, clap::Error> {
        let source = source_of(arg);
        let fail = |message: String| cmd.clone().error(ErrorKind::ValueValidation, message);
        let text = value
            .to_str()
            .ok_or_else(|| fail(format!("{source} is not valid UTF-8 text")))?;
        (self.0)(text, &source).map_err(|e| fail(format!("{e:#}")))
    }
}

/// The flag, or "VARIABLE (--flag)" when the flag is absent and its variable supplied the value.
fn source_of(arg: Option<&Arg>) -> String {
    let Some(arg) = arg else {
        return "the value".to_string();
    };
    let flag = match arg.get_long() {
        Some(long) => format!("--{long}"),
        None => arg.get_id().as_str().to_ascii_uppercase(),
    };
    match arg.get_env() {
        Some(var) if !on_command_line(arg) => format!("{} ({flag})", var.to_string_lossy()),
        _ => flag,
    }
}

/// Whether `arg` was typed (long or short form) before any `--`.
fn on_command_line(arg: &Arg) -> bool {
    let long = arg.get_long().map(|l| format!("--{l}"));
    let short = arg.get_short().map(|s| format!("-{s}"));
    std::env::args().skip(1).take_while(|a| a != "--").any(|a| {
        long.as_ref()
            .is_some_and(|l| a == *l || a.starts_with(&format!("{l}=")))
            || short.as_ref().is_some_and(|s| a.starts_with(s.as_str()))
    })
}

pub fn profile_name(text: &str, source: &str) -> Result<String> {
    profile::parse_name(text, source)
}

pub fn host(text: &str, source: &str) -> Result<String> {
    urls::normalize_host(text, source)
}

pub fn gateway_url(text: &str, source: &str) -> Result<String> {
    urls::normalize_gateway_url(text, source)
}

pub fn tables(text: &str, source: &str) -> Result<otel::Tables> {
    otel::Tables::parse(text, source)
}

/// One OpenTelemetry resource attribute, `KEY=VALUE` (`team=data-eng`): the characters that need
/// no escaping in OTEL_RESOURCE_ATTRIBUTES (its `,` and `=` separate pairs; others would need
/// percent-encoding, which exporters do not all undo).
pub fn resource_attribute(text: &str, source: &str) -> Result<(String, String)> {
    let plain = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-/:@+".contains(c))
    };
    match text.split_once('=') {
        Some((key, value)) if plain(key) && plain(value) => {
            Ok((key.to_string(), value.to_string()))
        }
        _ => bail!(
            "{source} {text:?} is not KEY=VALUE with letters, digits and . _ - / : @ + only (e.g. team=data-eng)"
        ),
    }
}

pub fn warehouse_id(text: &str, source: &str) -> Result<String> {
    otel::tables::validate_warehouse_id(text, source)?;
    Ok(text.to_string())
}

pub fn codex_profile(text: &str, source: &str) -> Result<String> {
    crate::agents::check_codex_profile_name(text, source)
}

/// A gateway endpoint name: not empty (`--model ''` is a script's unset variable), one word.
pub fn model(text: &str, source: &str) -> Result<String> {
    if text.trim().is_empty() {
        bail!(
            "{source} is empty: name a model (a serving endpoint of the workspace, e.g. databricks-claude-opus-4-6), \
             or leave the flag out for the profile's"
        );
    }
    if let Some(bad) = text.chars().find(|c| c.is_whitespace() || c.is_control()) {
        bail!(
            "{source} {text:?} contains {bad:?}; a model is a serving endpoint's name, e.g. databricks-claude-opus-4-6"
        );
    }
    Ok(text.to_string())
}

/// A file that exists (and is not a folder), for --ca-file: a typo would otherwise surface
/// later as a TLS failure.
/// An OAuth client id: one printable word.
pub fn client_id(text: &str, source: &str) -> Result<String> {
    let id = text.trim();
    if id.is_empty() || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        bail!(
            "{source} must be one word: the OAuth app's client id, or the service principal's application id"
        );
    }
    Ok(id.to_string())
}

/// A duration: seconds (`90`), or a number with `s`, `m` or `h` (`90s`, `5m`, `1h`).
pub fn duration(text: &str, source: &str) -> Result<std::time::Duration> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => bail!("{source} {text:?} is not a duration: use seconds (90), or 90s, 5m, 1h"),
    };
    match number.parse::<u64>() {
        Ok(n) if n > 0 => Ok(std::time::Duration::from_secs(n.saturating_mul(scale))),
        _ => bail!("{source} {text:?} is not a duration: use seconds (90), or 90s, 5m, 1h"),
    }
}

pub fn existing_file(text: &str, source: &str) -> Result<PathBuf> {
    let path = PathBuf::from(text);
    match std::fs::metadata(&path) {
        Ok(meta) if meta.is_dir() => {
            bail!("{source} {text}: is a folder; give the PEM file with your CA certificates")
        }
        Ok(_) => Ok(path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("{source} {text}: does not exist; give the PEM file with your CA certificates")
        }
        Err(e) => bail!("{source} {text}: cannot be read: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_must_be_one_non_empty_word() {
        assert_eq!(
            model("databricks-gpt-5-2", "--model").unwrap(),
            "databricks-gpt-5-2"
        );
        for bad in ["", "  ", "a b", "a\tb"] {
            let err = model(bad, "--model").unwrap_err().to_string();
            assert!(err.starts_with("--model "), "{bad:?}: {err}");
        }
    }
}
