//! Normalising the URLs users type: `my-ws.cloud.databricks.com/` → `https://my-ws.cloud.databricks.com`.

use anyhow::{Result, bail};

/// A workspace host as `https://host[:port]`: scheme added when missing, path, query and trailing
/// slash dropped (people paste the URL of whatever page they were on).
pub fn normalize_host(input: &str, flag: &str) -> Result<String> {
    let (scheme, rest) = split_scheme(input, flag)?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    check_authority(authority, input, flag)?;
    Ok(format!("{scheme}://{}", authority.to_ascii_lowercase()))
}

/// A gateway URL as `https://host[:port][/path]`, keeping its path (e.g. `/ai-gateway`) but not a
/// trailing slash, query or fragment.
pub fn normalize_gateway_url(input: &str, flag: &str) -> Result<String> {
    let (scheme, rest) = split_scheme(input, flag)?;
    let without_query = rest.split(['?', '#']).next().unwrap_or_default();
    let (authority, path) = match without_query.find('/') {
        Some(i) => without_query.split_at(i),
        None => (without_query, ""),
    };
    check_authority(authority, input, flag)?;
    let url = format!(
        "{scheme}://{}{}",
        authority.to_ascii_lowercase(),
        path.trim_end_matches('/')
    );
    // An agent's base URL copied from the gateway's page: every route found under it would be
    // `…/codex/v1/anthropic`, which no gateway serves.
    if let Some(route) = agent_routes()
        .into_iter()
        .find(|r| url.ends_with(r.as_str()))
    {
        let gateway = &url[..url.len() - route.len()];
        bail!(
            "{flag} {} ends in the agent route {route}; the gateway is {} (agentgw adds each agent's \
             route itself)\nfix: {flag} {}",
            redact_userinfo(&url),
            redact_userinfo(gateway),
            redact_userinfo(gateway)
        );
    }
    Ok(url)
}

/// The agents' routes below a gateway URL, in both route families: every candidate path of
/// every agent, and Gemini's `/v1beta` form that SDKs are given.
fn agent_routes() -> Vec<String> {
    let mut routes: Vec<String> = crate::discovery::route_specs()
        .flat_map(|spec| spec.candidates.iter().map(|c| c.to_string()))
        .collect();
    routes.push("/gemini/v1beta".to_string());
    routes
}

/// The URL with any `user:password@` removed, for messages.
/// Percent-encodes everything but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`): a
/// value for a URL path segment, a query or a form, whatever it holds.
pub fn encode_component(text: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    utf8_percent_encode(text, UNRESERVED).to_string()
}

pub fn redact_userinfo(url: &str) -> String {
    let (prefix, rest) = match url.find("://") {
        Some(i) => url.split_at(i + 3),
        None => ("", url),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{prefix}{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

fn split_scheme<'a>(input: &'a str, flag: &str) -> Result<(&'static str, &'a str)> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        bail!(
            "{flag} is empty; give the workspace URL, e.g. https://my-workspace.cloud.databricks.com"
        );
    }
    if trimmed.chars().any(char::is_whitespace) {
        bail!(
            "{flag} {:?} contains spaces; give a URL such as https://my-workspace.cloud.databricks.com",
            redact_userinfo(trimmed)
        );
    }
    match trimmed.split_once("://") {
        None => Ok(("https", trimmed)),
        Some((scheme, rest)) => match scheme.to_ascii_lowercase().as_str() {
            "https" => Ok(("https", rest)),
            "http" => Ok(("http", rest)),
            other => bail!(
                "{flag} has the scheme {other:?}; only https:// (or http://) URLs are supported"
            ),
        },
    }
}

fn check_authority(authority: &str, input: &str, flag: &str) -> Result<()> {
    if authority.contains('@') {
        bail!(
            "{flag} {:?} contains a user name or password; give the bare workspace URL (the token is asked for separately)",
            redact_userinfo(input.trim())
        );
    }
    let valid = !authority.is_empty()
        && !authority.starts_with(':')
        && authority
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':' | '[' | ']' | '_'));
    if !valid {
        bail!(
            "{flag} {:?} is not a valid URL; expected e.g. https://my-workspace.cloud.databricks.com",
            input.trim()
        );
    }
    check_port(authority, input, flag)
}

/// A port, when given, is a number from 1 to 65535 (`[::1]:8443`, `host:8443`).
fn check_port(authority: &str, input: &str, flag: &str) -> Result<()> {
    let port = match authority.rsplit_once(']') {
        Some((_, after)) => after.strip_prefix(':'),
        None => authority.split_once(':').map(|(_, port)| port),
    };
    let Some(port) = port else {
        return Ok(());
    };
    let valid = !port.is_empty()
        && port.chars().all(|c| c.is_ascii_digit())
        && port.parse::<u16>().is_ok_and(|p| p > 0);
    if !valid {
        bail!(
            "{flag} {:?} has the port {port:?}; a port is a number from 1 to 65535 (or leave it out for 443)",
            redact_userinfo(input.trim())
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_normalised() {
        let n = |s| normalize_host(s, "--host").unwrap();
        assert_eq!(
            n("my-ws.cloud.databricks.com"),
            "https://my-ws.cloud.databricks.com"
        );
        assert_eq!(
            n("https://My-WS.cloud.databricks.com/"),
            "https://my-ws.cloud.databricks.com"
        );
        assert_eq!(
            n("https://adb-1.2.azuredatabricks.net/?o=1#job/3"),
            "https://adb-1.2.azuredatabricks.net"
        );
        assert_eq!(n(" http://127.0.0.1:8080/x/y "), "http://127.0.0.1:8080");
        assert_eq!(n("https://[::1]:8443/"), "https://[::1]:8443");
        assert_eq!(n("https://ws:65535"), "https://ws:65535");
    }

    #[test]
    fn bad_hosts_are_refused_with_the_flag_named() {
        for bad in [
            "ftp://x.com",
            "my host.com",
            "",
            "https://",
            "https://a@b.com",
            "https://a/b c",
            "https://ws.example.com:99999",
            "https://ws.example.com:0",
            "https://ws.example.com:",
            "ws.example.com:http",
            "https://a:1:2",
            "https://[::1]:70000",
        ] {
            let err = normalize_host(bad, "--host").unwrap_err().to_string();
            assert!(err.contains("--host"), "{bad}: {err}");
        }
        let err = normalize_host("https://user:s3cret@b.com", "--host")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("s3cret"), "{err}");
    }

    #[test]
    fn gateway_urls_keep_their_path() {
        let n = |s| normalize_gateway_url(s, "--gateway-url").unwrap();
        assert_eq!(
            n("https://1234.ai-gateway.cloud.databricks.com/"),
            "https://1234.ai-gateway.cloud.databricks.com"
        );
        assert_eq!(
            n("ws.example.com/ai-gateway/"),
            "https://ws.example.com/ai-gateway"
        );
    }

    #[test]
    fn userinfo_is_redacted() {
        assert_eq!(
            redact_userinfo("https://u:p@h.com/x@y"),
            "https://h.com/x@y"
        );
        assert_eq!(redact_userinfo("https://h.com/a"), "https://h.com/a");
    }
}
