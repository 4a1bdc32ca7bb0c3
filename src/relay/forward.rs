//! One connection from Gemini CLI: each request is checked for the relay's key, given a fresh
//! token in place of that key, sent to the gateway, and its answer streamed back as it arrives.

use super::TokenSource;
use super::http1::{self, BodyWriter, ReadError, Request};
use crate::gateway::{Failure, classify_transport};
use std::io::{self, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// How long a connection may sit idle: the client between requests, or the gateway between two
/// pieces of an answer. Long, because a model may think for minutes before its next event; not
/// forever, so a vanished peer does not hold a thread.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// Error answers are read whole (to mask the token in them) rather than streamed; they are small.
const MAX_ERROR_BODY_BYTES: u64 = 4 * 1024 * 1024;

/// What every connection of one relay needs.
pub struct Shared {
    pub agent: ureq::Agent,
    /// The gateway's Gemini base URL, without a trailing slash.
    pub upstream: String,
    /// The upstream's host, for messages.
    pub upstream_host: String,
    pub key: String,
    pub token: TokenSource,
}

/// Serves requests on `stream` until the client closes it, goes idle, or sends something the
/// relay will not read further.
pub fn serve(stream: TcpStream, shared: &Shared) {
    // Events must not wait in the kernel for more bytes to fill a packet.
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(IDLE_TIMEOUT));
    let Ok(mut out) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    while let Ok(true) = serve_one(&mut reader, &mut out, shared) {}
}

/// Answers one request. `Ok(true)`: the connection may carry another.
fn serve_one(
    reader: &mut BufReader<TcpStream>,
    out: &mut TcpStream,
    shared: &Shared,
) -> io::Result<bool> {
    let mut request = match http1::read_head(reader) {
        Ok(request) => request,
        Err(e) => return refuse_unreadable(out, e),
    };
    // Before the body is read: a request without the key gets nothing, not even a read.
    if !carries_key(&request, &shared.key) {
        let message = "this relay forwards only requests carrying the key agentgw gave the \
                       agent it started (Gemini CLI: GEMINI_API_KEY, Copilot CLI: \
                       COPILOT_PROVIDER_BEARER_TOKEN); start the agent with: agentgw exec <agent>";
        error_answer(out, 401, message, false)?;
        return Ok(false);
    }
    let continue_expected = request
        .header("expect")
        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
    if continue_expected {
        out.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    if let Err(e) = http1::read_body(reader, &mut request) {
        return refuse_unreadable(out, e);
    }
    let keep_alive = request.keep_alive();
    // Asked for every request: cheap while the cached token is fresh, a refresh when it is not.
    let token = match (shared.token)() {
        Ok(token) => token,
        Err(e) => {
            error_answer(out, 401, &format!("{e:#}"), keep_alive)?;
            return Ok(keep_alive);
        }
    };
    let upstream_request = match upstream_request(&request, shared, &token) {
        Ok(builder) => builder,
        Err(why) => {
            error_answer(out, 400, &why, false)?;
            return Ok(false);
        }
    };
    let result = match &request.body {
        Some(body) => upstream_request
            .body(body.as_slice())
            .map(|r| shared.agent.run(r)),
        None => upstream_request.body(()).map(|r| shared.agent.run(r)),
    };
    let response = match result {
        Err(e) => {
            error_answer(
                out,
                400,
                &format!("the request cannot be forwarded: {e}"),
                false,
            )?;
            return Ok(false);
        }
        Ok(Err(e)) => {
            error_answer(
                out,
                502,
                &unreachable_message(shared, &e, &token),
                keep_alive,
            )?;
            return Ok(keep_alive);
        }
        Ok(Ok(response)) => response,
    };
    relay_answer(out, response, &request, &token, keep_alive)?;
    Ok(keep_alive)
}

/// The request to the gateway: same method, path, query and headers, minus the relay's key,
/// `Host` and the hop-by-hop headers, plus the fresh token.
fn upstream_request(
    request: &Request,
    shared: &Shared,
    token: &str,
) -> Result<ureq::http::request::Builder, String> {
    // origin-form only: `/path?query`. A full URL or `*` would name something other than a path
    // under the gateway's base.
    let target = &request.target;
    let plain = target.bytes().all(|b| b.is_ascii_graphic() && b != b'#');
    if !target.starts_with('/') || !plain {
        return Err(format!(
            "the request target {target:?} is not a path (`/v1beta/...`)"
        ));
    }
    // A server resolving `..` would take the token out from under the Gemini base path.
    let path = target.split('?').next().unwrap_or_default();
    let dot_segment = path.split('/').any(|segment| {
        let decoded = segment.to_ascii_lowercase().replace("%2e", ".");
        decoded == "." || decoded == ".."
    });
    if dot_segment {
        return Err(format!(
            "the request path {path:?} has a `.` or `..` segment; the relay forwards only paths below the agent's gateway base URL"
        ));
    }
    let mut builder = ureq::http::Request::builder()
        .method(request.method.as_str())
        .uri(format!("{}{target}", shared.upstream));
    let listed: Vec<String> = request.connection_tokens().collect();
    for (name, value) in &request.headers {
        let lower = name.to_ascii_lowercase();
        let ours = matches!(
            lower.as_str(),
            "authorization" | "x-goog-api-key" | "host" | "content-length" | "expect"
        );
        if !ours && !is_hop_by_hop(&lower) && !listed.contains(&lower) {
            builder = builder.header(name.as_str(), value.as_str());
        }
    }
    Ok(builder.header("Authorization", format!("Bearer {token}")))
}

/// Headers that describe one connection, not the message (RFC 9110 7.6.1), and the proxy ones.
fn is_hop_by_hop(lower_name: &str) -> bool {
    matches!(
        lower_name,
        "connection" | "keep-alive" | "te" | "trailer" | "transfer-encoding" | "upgrade"
    ) || lower_name.starts_with("proxy-")
}

/// Sends the gateway's answer on: its status, its headers (minus hop-by-hop ones) and its body
/// piece by piece as it arrives. An answer that breaks off is cut off here too.
fn relay_answer(
    out: &mut TcpStream,
    response: ureq::http::Response<ureq::Body>,
    request: &Request,
    token: &str,
    keep_alive: bool,
) -> io::Result<()> {
    let status = response.status().as_u16();
    let listed: Vec<String> = response
        .headers()
        .get_all("connection")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .collect();
    let bodiless = request.method == "HEAD" || matches!(status, 100..=199 | 204 | 304);
    let mut headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .filter(|(name, _)| {
            let name = name.as_str();
            !is_hop_by_hop(name)
                && !listed.iter().any(|l| l == name)
                // The body is re-framed below; a bodiless answer keeps the length it describes.
                && (bodiless || name != "content-length")
        })
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes());
            (name.as_str().to_string(), mask(&value, token))
        })
        .collect();
    let chunked = !request.http10 && !bodiless;
    if chunked {
        headers.push(("Transfer-Encoding".into(), "chunked".into()));
    }
    if !keep_alive {
        headers.push(("Connection".into(), "close".into()));
    }
    let mut body = response.into_body().into_reader();
    // An error answer is small and may echo what it was sent: read whole, masked, then sent.
    let error_body = match status >= 400 && !bodiless {
        false => None,
        true => {
            let mut bytes = Vec::new();
            (&mut body)
                .take(MAX_ERROR_BODY_BYTES)
                .read_to_end(&mut bytes)?;
            Some(mask_bytes(&bytes, token))
        }
    };
    http1::write_head(out, status, &headers)?;
    if bodiless {
        return out.flush();
    }
    let mut writer = BodyWriter::new(&mut *out, chunked);
    if let Some(bytes) = error_body {
        writer.send(&bytes)?;
        // What did not fit is not sent: the answer ends cut off rather than unmasked.
        if body.read(&mut [0u8; 1])? > 0 {
            return Err(io::Error::other("the gateway's error answer is too large"));
        }
        return writer.finish();
    }
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        // Returns as soon as the gateway has sent something: each event goes on at once.
        let n = body.read(&mut buffer)?;
        if n == 0 {
            return writer.finish();
        }
        writer.send(&buffer[..n])?;
    }
}

/// Whether the request carries this relay's key, as `Authorization: Bearer <key>` or
/// `x-goog-api-key: <key>`, and no other credential.
fn carries_key(request: &Request, key: &str) -> bool {
    let presented: Vec<&str> = request
        .headers
        .iter()
        .filter_map(|(name, value)| {
            if name.eq_ignore_ascii_case("x-goog-api-key") {
                Some(value.as_str())
            } else if name.eq_ignore_ascii_case("authorization") {
                // Anything but a Bearer key is a credential the relay does not know: refused.
                Some(bearer(value).unwrap_or(""))
            } else {
                None
            }
        })
        .collect();
    !presented.is_empty()
        && presented
            .iter()
            .all(|p| same_in_constant_time(p.as_bytes(), key.as_bytes()))
}

fn bearer(value: &str) -> Option<&str> {
    let (scheme, rest) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| rest.trim_start())
}

/// Compares every byte whatever the first difference: how long a refusal takes says nothing
/// about how much of a guessed key was right. (The length is not secret: all keys have one.)
fn same_in_constant_time(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let difference = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(difference) == 0
}

/// What the relay says when the gateway cannot be reached, naming the host and what failed.
fn unreachable_message(shared: &Shared, e: &ureq::Error, token: &str) -> String {
    let (failure, detail) = classify_transport(e);
    let what = match failure {
        Failure::Dns => "its name does not resolve (DNS)",
        Failure::Connect => "the connection failed",
        Failure::Tls => "the TLS handshake failed",
        Failure::Timeout => "it did not answer in time",
        _ => "the request failed",
    };
    let detail = match detail.is_empty() {
        true => String::new(),
        false => format!(" ({})", mask(&detail, token)),
    };
    let fix = match failure {
        Failure::Tls => "check the CA the profile trusts (--ca-file) or the proxy",
        _ => "check the network and HTTPS_PROXY / NO_PROXY",
    };
    format!(
        "agentgw's relay could not reach the gateway at {}: {what}{detail}; {fix}, then: agentgw test gemini",
        shared.upstream_host
    )
}

/// The relay's own answers, in the Google API error shape Gemini CLI shows to its user.
fn error_answer(
    out: &mut TcpStream,
    status: u16,
    message: &str,
    keep_alive: bool,
) -> io::Result<()> {
    let code = match status {
        401 => "UNAUTHENTICATED",
        502 => "UNAVAILABLE",
        _ => "INVALID_ARGUMENT",
    };
    let body = serde_json::json!({"error": {"code": status, "message": message, "status": code}});
    http1::write_complete(
        out,
        status,
        "application/json; charset=UTF-8",
        body.to_string().as_bytes(),
        keep_alive,
    )
}

/// A request the relay cannot read: answered (when there is someone to answer) and closed.
fn refuse_unreadable(out: &mut TcpStream, e: ReadError) -> io::Result<bool> {
    match e {
        ReadError::Closed | ReadError::Io => {}
        ReadError::Malformed(why) => {
            error_answer(out, 400, &format!("malformed HTTP request: {why}"), false)?
        }
        ReadError::TooLarge(what) => {
            let status = if what == "request head" { 431 } else { 413 };
            error_answer(out, status, &format!("the {what} is too large"), false)?
        }
    }
    Ok(false)
}

fn mask(text: &str, token: &str) -> String {
    match token.is_empty() {
        true => text.to_string(),
        false => text.replace(token, "[token]"),
    }
}

fn mask_bytes(bytes: &[u8], token: &str) -> Vec<u8> {
    let needle = token.as_bytes();
    if needle.is_empty() {
        return bytes.to_vec();
    }
    let mut masked = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while let Some(at) = rest.windows(needle.len()).position(|w| w == needle) {
        masked.extend_from_slice(&rest[..at]);
        masked.extend_from_slice(b"[token]");
        rest = &rest[at + needle.len()..];
    }
    masked.extend_from_slice(rest);
    masked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_compare_whole() {
        assert!(same_in_constant_time(b"abc", b"abc"));
        assert!(!same_in_constant_time(b"abc", b"abd"));
        assert!(!same_in_constant_time(b"abc", b"abcd"));
    }

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        assert_eq!(bearer("bearer k"), Some("k"));
        assert_eq!(bearer("Bearer  k"), Some("k"));
        assert_eq!(bearer("Basic k"), None);
    }

    #[test]
    fn tokens_are_masked_in_bytes() {
        assert_eq!(mask_bytes(b"a tok b tok", "tok"), b"a [token] b [token]");
        assert_eq!(mask_bytes(b"none", "tok"), b"none");
    }
}
