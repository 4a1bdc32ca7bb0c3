//! What the store holds for a profile, and how it is written down: the keyring keeps one string
//! per profile, the plaintext file one TOML table per profile.

use serde::{Deserialize, Serialize};
use toml_edit::{TableLike, value};

#[derive(Clone, PartialEq, Eq)]
pub enum Secret {
    /// A personal access token.
    Pat(String),
    /// OAuth: the current access token, and what gets the next one.
    OAuth(OAuthTokens),
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthTokens {
    pub access_token: String,
    /// Unix time (seconds) when the access token stops working.
    pub expires_at: u64,
    /// How long the access token was issued for, in seconds: sets how early it is replaced.
    pub lifetime: u64,
    /// Browser sign-in (U2M): exchanged for the next access token, and replaced by the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Service principal (M2M): sent with the client id for every new access token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
}

/// The TOML keys of an OAuth entry in the file store.
const OAUTH_KEYS: [&str; 5] = [
    "access_token",
    "expires_at",
    "lifetime",
    "refresh_token",
    "client_secret",
];

impl std::fmt::Debug for Secret {
    // Never print a secret, not even in a debug dump.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Secret::Pat(_) => f.write_str("Secret::Pat(..)"),
            Secret::OAuth(t) => write!(f, "Secret::OAuth(expires_at: {})", t.expires_at),
        }
    }
}

impl Secret {
    /// What goes into `Authorization: Bearer`.
    pub fn bearer(&self) -> &str {
        match self {
            Secret::Pat(token) => token,
            Secret::OAuth(tokens) => &tokens.access_token,
        }
    }

    pub fn pat(&self) -> Option<&str> {
        match self {
            Secret::Pat(token) => Some(token),
            Secret::OAuth(_) => None,
        }
    }

    pub fn oauth(&self) -> Option<&OAuthTokens> {
        match self {
            Secret::OAuth(tokens) => Some(tokens),
            Secret::Pat(_) => None,
        }
    }

    /// A PAT as it is (what agentgw has always stored), OAuth tokens as a JSON object. A PAT is
    /// one word that never starts with `{`, so the two cannot be confused when read back.
    pub fn to_keyring_text(&self) -> String {
        match self {
            Secret::Pat(token) => token.clone(),
            Secret::OAuth(tokens) => {
                serde_json::to_string(tokens).expect("plain strings and numbers serialise")
            }
        }
    }

    pub fn from_keyring_text(text: &str) -> Secret {
        match serde_json::from_str::<OAuthTokens>(text) {
            Ok(tokens) if text.starts_with('{') => Secret::OAuth(tokens),
            _ => Secret::Pat(text.to_string()),
        }
    }

    /// The file store's `[profile]` table. `Err` names the key that is missing or malformed.
    pub fn from_table(table: &dyn TableLike) -> Result<Option<Secret>, &'static str> {
        let string = |key| table.get(key).and_then(|i| i.as_str()).map(str::to_string);
        if let Some(token) = string("token") {
            return Ok(Some(Secret::Pat(token)));
        }
        if table.get("access_token").is_none() {
            return Ok(None);
        }
        let number = |key: &'static str| {
            table
                .get(key)
                .and_then(|i| i.as_integer())
                .and_then(|n| u64::try_from(n).ok())
                .ok_or(key)
        };
        Ok(Some(Secret::OAuth(OAuthTokens {
            access_token: string("access_token").ok_or("access_token")?,
            expires_at: number("expires_at")?,
            lifetime: number("lifetime")?,
            refresh_token: string("refresh_token"),
            client_secret: string("client_secret"),
        })))
    }

    /// Fills the file store's `[profile]` table, dropping keys of the other kind.
    pub fn write_table(&self, table: &mut dyn TableLike) {
        match self {
            Secret::Pat(token) => {
                for key in OAUTH_KEYS {
                    table.remove(key);
                }
                table.insert("token", value(token.as_str()));
            }
            Secret::OAuth(t) => {
                table.remove("token");
                table.insert("access_token", value(t.access_token.as_str()));
                table.insert("expires_at", value(clamp(t.expires_at)));
                table.insert("lifetime", value(clamp(t.lifetime)));
                let optional = [
                    ("refresh_token", &t.refresh_token),
                    ("client_secret", &t.client_secret),
                ];
                for (key, v) in optional {
                    match v {
                        Some(v) => table.insert(key, value(v.as_str())),
                        None => table.remove(key),
                    };
                }
            }
        }
    }
}

fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oauth() -> Secret {
        Secret::OAuth(OAuthTokens {
            access_token: "eyJ.a.b".into(),
            expires_at: 1_800_000_000,
            lifetime: 3600,
            refresh_token: Some("doau-r".into()),
            client_secret: None,
        })
    }

    #[test]
    fn keyring_text_round_trips_both_kinds() {
        for secret in [Secret::Pat("dapi123".into()), oauth()] {
            assert_eq!(Secret::from_keyring_text(&secret.to_keyring_text()), secret);
        }
    }

    #[test]
    fn file_table_round_trips_and_switching_kind_drops_the_other_keys() {
        let mut doc = toml_edit::DocumentMut::new();
        doc.insert("p", toml_edit::Item::Table(toml_edit::Table::new()));
        let table = doc["p"].as_table_like_mut().unwrap();
        oauth().write_table(table);
        assert_eq!(Secret::from_table(table), Ok(Some(oauth())));
        Secret::Pat("dapi123".into()).write_table(table);
        assert_eq!(doc.to_string(), "[p]\ntoken = \"dapi123\"\n");
    }

    #[test]
    fn debug_never_shows_a_secret() {
        assert!(!format!("{:?}", oauth()).contains("eyJ"));
        assert!(!format!("{:?}", Secret::Pat("dapi123".into())).contains("dapi"));
    }
}
