//! Reading `~/.databrickscfg` (or `DATABRICKS_CONFIG_FILE`), the INI file Databricks users already
//! have, so `agentgw login --from-databrickscfg` can reuse a workspace's host and credential.

use anyhow::{Context, Result, anyhow, bail};
use std::path::{Path, PathBuf};

#[derive(Debug, Default, PartialEq)]
pub struct Section {
    pub host: Option<String>,
    pub token: Option<String>,
    pub auth_type: Option<String>,
    /// A service principal's application id (`auth_type = oauth-m2m`).
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

pub fn path() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("DATABRICKS_CONFIG_FILE").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    dirs::home_dir()
        .map(|h| h.join(".databrickscfg"))
        .ok_or_else(|| anyhow!("cannot find your home directory; set DATABRICKS_CONFIG_FILE"))
}

/// The `[name]` section of the file at `path`, with a message naming the sections that do exist
/// when it is missing.
pub fn read_section(path: &Path, name: &str) -> Result<Section> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "cannot read {} (set DATABRICKS_CONFIG_FILE to use another file)",
            path.display()
        )
    })?;
    let sections = parse(&text);
    match sections.into_iter().find(|(n, _)| n == name) {
        Some((_, section)) => Ok(section),
        None => {
            let names: Vec<String> = parse(&text).into_iter().map(|(n, _)| n).collect();
            bail!(
                "{} has no [{name}] section; sections there: {}",
                path.display(),
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            )
        }
    }
}

/// Sections in file order. Lines that are not `[section]` or `key = value` (comments, blanks,
/// continuation lines of keys we do not use) are skipped, as the Databricks tools do.
fn parse(text: &str) -> Vec<(String, Section)> {
    let mut sections: Vec<(String, Section)> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            sections.push((name.trim().to_string(), Section::default()));
            continue;
        }
        let Some((key, value)) = line.split_once('=').or_else(|| line.split_once(':')) else {
            continue;
        };
        let Some((_, section)) = sections.last_mut() else {
            continue;
        };
        let value = Some(value.trim().to_string()).filter(|v| !v.is_empty());
        match key.trim().to_ascii_lowercase().as_str() {
            "host" => section.host = value,
            "token" => section.token = value,
            "auth_type" => section.auth_type = value,
            "client_id" => section.client_id = value,
            "client_secret" => section.client_secret = value,
            _ => {}
        }
    }
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sections_comments_and_both_separators() {
        let text = "; comment\n[DEFAULT]\nhost = https://a.example.com\ntoken=dapi1\n\n# x\n[dev]\nhost: https://b\nauth_type = databricks-cli\n[sp]\nauth_type=oauth-m2m\nclient_id = abc\nclient_secret = dose1\n";
        let s = parse(text);
        assert_eq!(s.len(), 3);
        assert_eq!(
            s[0].1,
            Section {
                host: Some("https://a.example.com".into()),
                token: Some("dapi1".into()),
                ..Section::default()
            }
        );
        assert_eq!(
            s[1].1,
            Section {
                host: Some("https://b".into()),
                auth_type: Some("databricks-cli".into()),
                ..Section::default()
            }
        );
        assert_eq!(
            s[2].1,
            Section {
                auth_type: Some("oauth-m2m".into()),
                client_id: Some("abc".into()),
                client_secret: Some("dose1".into()),
                ..Section::default()
            }
        );
    }
}
