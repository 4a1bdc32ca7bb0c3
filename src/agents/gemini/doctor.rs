//! What `agentgw doctor` checks for Gemini CLI beyond what every agent gets: a token in `.env`
//! under a short-lived sign-in, and the two ways Gemini skips `~/.gemini/.env` in a folder
//! (it does not trust the folder; a project `.env` comes first).

use super::{ID, TOKEN_KEY};
use crate::agents::{Configured, DoctorContext, read_string};
use crate::check::{Check, Status};
use crate::edit::Format;
use crate::paths;
use std::path::{Path, PathBuf};

pub const OVERRIDING_VARIABLES: &[(&str, &str)] = &[
    ("GEMINI_API_KEY", "outranks the key in ~/.gemini/.env"),
    (
        "GOOGLE_GEMINI_BASE_URL",
        "outranks the gateway URL in ~/.gemini/.env",
    ),
    ("GEMINI_MODEL", "outranks the model in ~/.gemini/.env"),
];

/// Where setup puts the token in `.env` (unless `--no-token-file`).
pub const INLINE_TOKEN_KEY: &[&str] = &[TOKEN_KEY];

/// A token in `.env` under OAuth expires within the hour; `agentgw exec gemini` hands Gemini a
/// fresh one. A warning: `exec` still works with the file as it is.
pub fn short_lived_token(cx: &DoctorContext, configured: &Configured) -> Option<Check> {
    read_string(&configured.file, Format::Dotenv, INLINE_TOKEN_KEY).filter(|v| !v.is_empty())?;
    Some(Check::new(
        ID,
        "short-lived-token",
        Status::Warn,
        format!(
            "{}: GEMINI_API_KEY holds a token that expires within the hour ({}); \
             start Gemini with `agentgw exec gemini`, which hands it a fresh one",
            paths::display(&configured.file),
            cx.short_lived_sign_in()
        ),
        format!("agentgw setup {ID}"),
    ))
}

/// Whether Gemini reads `dotenv` in the current folder: it trusts the folder, and no project
/// `.env` comes first.
pub fn folder_checks(dotenv: &Path) -> Vec<Check> {
    let Ok(cwd) = std::env::current_dir() else {
        return Vec::new();
    };
    let mut checks = Vec::new();
    let gemini_dir = dotenv.parent().unwrap_or(Path::new("."));
    if !trusted(&cwd, gemini_dir) {
        checks.push(Check::new(
            ID,
            "folder-trust",
            Status::Warn,
            format!(
                "Gemini does not trust {}: it will not read {} here",
                cwd.display(),
                paths::display(dotenv)
            ),
            "start it with `agentgw exec gemini` here, or trust this folder when Gemini asks",
        ));
    }
    if let Some(shadow) = shadowing_dotenv(&cwd, dotenv) {
        checks.push(Check::new(
            ID,
            "dotenv-shadow",
            Status::Warn,
            format!(
                "{} is the first .env Gemini finds from here, so it reads that instead of {}",
                shadow.display(),
                paths::display(dotenv)
            ),
            "start it with `agentgw exec gemini` (the environment wins over any .env)",
        ));
    }
    checks
}

/// Gemini's trust rules: trust switched off in settings.json or GEMINI_CLI_TRUST_WORKSPACE=true
/// trust everything; otherwise the longest rule in trustedFolders.json that covers the folder
/// decides (TRUST_FOLDER covers the folder and below, TRUST_PARENT its parent and below,
/// DO_NOT_TRUST nothing).
fn trusted(cwd: &Path, gemini_dir: &Path) -> bool {
    if std::env::var("GEMINI_CLI_TRUST_WORKSPACE").is_ok_and(|v| v == "true") {
        return true;
    }
    let parse = |path: &Path| -> Option<serde_json::Value> {
        let text = std::fs::read_to_string(path).ok()?;
        jsonc_parser::parse_to_serde_value(&text, &Default::default()).ok()
    };
    let settings = parse(&gemini_dir.join("settings.json"));
    if settings
        .as_ref()
        .and_then(|s| s["security"]["folderTrust"]["enabled"].as_bool())
        == Some(false)
    {
        return true;
    }
    let rules_file = std::env::var_os("GEMINI_CLI_TRUSTED_FOLDERS_PATH")
        .map(PathBuf::from)
        .unwrap_or_else(|| gemini_dir.join("trustedFolders.json"));
    let Some(serde_json::Value::Object(rules)) = parse(&rules_file) else {
        return false;
    };
    let cwd = std::fs::canonicalize(cwd).unwrap_or_else(|_| cwd.to_path_buf());
    let covering = rules.iter().filter_map(|(folder, rule)| {
        let folder = std::fs::canonicalize(folder).unwrap_or_else(|_| PathBuf::from(folder));
        let root = match rule.as_str()? {
            "TRUST_PARENT" => folder.parent()?.to_path_buf(),
            _ => folder,
        };
        cwd.starts_with(&root).then(|| {
            (
                root.components().count(),
                rule.as_str() != Some("DO_NOT_TRUST"),
            )
        })
    });
    covering
        .max_by_key(|(depth, _)| *depth)
        .is_some_and(|(_, trusts)| trusts)
}

/// The `.gemini/.env` or `.env` Gemini would load before `dotenv`, walking up from `cwd`.
fn shadowing_dotenv(cwd: &Path, dotenv: &Path) -> Option<PathBuf> {
    let home = dirs::home_dir();
    for dir in cwd.ancestors() {
        if home.as_deref() == Some(dir) {
            return None;
        }
        for candidate in [dir.join(".gemini/.env"), dir.join(".env")] {
            if candidate.is_file() && candidate != dotenv {
                return Some(candidate);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::trusted;

    fn rules(dir: &std::path::Path, json: &str) {
        std::fs::write(dir.join("trustedFolders.json"), json).unwrap();
    }

    #[test]
    fn gemini_trust_follows_the_longest_rule() {
        let tmp = tempfile::tempdir().unwrap();
        let (gemini, proj) = (tmp.path().join(".gemini"), tmp.path().join("proj"));
        let inner = proj.join("untrusted");
        for d in [&gemini, &inner] {
            std::fs::create_dir_all(d).unwrap();
        }
        assert!(!trusted(&proj, &gemini), "no rules: not trusted");
        rules(
            &gemini,
            &format!(
                r#"{{"{}": "TRUST_FOLDER", "{}": "DO_NOT_TRUST"}}"#,
                proj.display(),
                inner.display()
            ),
        );
        assert!(trusted(&proj, &gemini));
        assert!(
            !trusted(&inner, &gemini),
            "the longer DO_NOT_TRUST rule wins"
        );
        rules(
            &gemini,
            &format!(
                "{{\n  // parent\n  \"{}\": \"TRUST_PARENT\"\n}}",
                inner.display()
            ),
        );
        assert!(
            trusted(&proj, &gemini),
            "TRUST_PARENT covers the parent; comments allowed"
        );
        std::fs::write(
            gemini.join("settings.json"),
            r#"{"security": {"folderTrust": {"enabled": false}}}"#,
        )
        .unwrap();
        assert!(
            trusted(tmp.path(), &gemini),
            "trust switched off trusts everything"
        );
    }
}
