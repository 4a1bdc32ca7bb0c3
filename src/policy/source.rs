//! Where a policy comes from: a file, standard input for `-`, or an `https://` URL fetched with
//! agentgw's own HTTP client (its timeout, HTTPS_PROXY and the profile's CA file). Its name in
//! messages is the path, `-` or the URL as given.

use super::{Policy, PolicyError, parse};
use crate::errors::{Classified, Kind};
use crate::gateway::Failure;
use anyhow::Result;
use std::io::Read as _;
use std::path::Path;

/// Reads and parses the policy named `source`. Anything wrong with the policy itself, or with
/// how it is named (a file that cannot be read, a plain-HTTP URL), is a [`PolicyError`] in the
/// chain; a URL that cannot be fetched is a classified request error.
pub fn read(source: &str, ca_file: Option<&Path>) -> Result<Policy> {
    let refused = |message: String| PolicyError {
        name: source.to_string(),
        line: 1,
        column: 1,
        message,
    };
    let text = if source.starts_with("https://") || source.starts_with("http://") {
        // The policy decides which workspace gets the token: only HTTPS (a loopback stand-in
        // aside, as for `host`).
        if source.starts_with("http://") && !super::parse::is_loopback(source) {
            return Err(refused(
                "a policy URL must be https:// (the policy decides where your token goes)".into(),
            )
            .into());
        }
        fetch(source, ca_file)?
    } else if source == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| refused(format!("cannot read the policy from stdin: {e}")))?;
        text
    } else {
        std::fs::read_to_string(source).map_err(|e| refused(format!("cannot read it: {e}")))?
    };
    Ok(parse(source, &text)?)
}

fn fetch(url: &str, ca_file: Option<&Path>) -> Result<String> {
    let http = crate::gateway::Http::new(ca_file)?;
    let fix = "check the URL and your network; behind a proxy, set HTTPS_PROXY";
    match http.get_public_answer(url) {
        Ok((200..=299, body)) => Ok(body),
        Ok((status, _)) => Err(Classified::explained(
            Kind::Request(match status {
                404 => Failure::NotFound.kind(),
                _ => Failure::UnexpectedStatus.kind(),
            }),
            format!("cannot fetch the policy {url}: HTTP {status}\n{fix}"),
        )
        .into()),
        Err(e) => {
            let (status, detail) = e.said();
            Err(Classified::explained(
                Kind::Request(e.failure.kind()),
                format!(
                    "cannot fetch the policy {}: {}{status}{detail}\n{fix}",
                    e.url,
                    e.failure.kind()
                ),
            )
            .into())
        }
    }
}
