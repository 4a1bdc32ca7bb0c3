//! A loopback relay that lets Gemini CLI (and Copilot CLI before 1.0.85) work with short-lived
//! OAuth tokens.
//!
//! Gemini reads one static key (`GEMINI_API_KEY`) when it starts and has no command to fetch a new
//! one, so with a token that lives an hour a long session would start failing with 401. For such
//! profiles `agentgw exec gemini` points Gemini at this relay instead
//! (`GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:<port>`, `GEMINI_API_KEY=<the relay's key>`): the
//! relay accepts only requests carrying that random key, swaps it for a fresh token from a callback
//! on every request, and forwards the request to the gateway, streaming the answer back unbuffered.
//! It lives on threads of the agentgw process that waits for Gemini, and stops when dropped.

mod forward;
mod http1;

use anyhow::{Context, Result, bail};
use std::collections::HashMap;
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// Hands out the token to forward with: called for every request.
pub type TokenSource = Arc<dyn Fn() -> Result<String> + Send + Sync>;

/// Bytes of OS randomness in a relay's key (64 hex characters).
const KEY_BYTES: usize = 32;

pub struct Relay {
    address: SocketAddr,
    key: String,
    stopping: Arc<AtomicBool>,
    open: Arc<OpenConnections>,
    acceptor: Option<JoinHandle<()>>,
}

impl Relay {
    /// Listens on 127.0.0.1 (never any other interface) on a free port and serves until dropped.
    /// `upstream` is the gateway's Gemini base URL (`https://host/ai-gateway/gemini`): a request
    /// for `/v1beta/models/m:streamGenerateContent?alt=sse` goes to
    /// `<upstream>/v1beta/models/m:streamGenerateContent?alt=sse`. `token` is called for every
    /// forwarded request; when it fails the client gets 401 with the error's text.
    /// TLS trust (`ca_file`), proxies and the connect timeout are those of every agentgw request;
    /// there is no limit on a whole answer (a generation may stream for minutes), only on silence.
    pub fn start(upstream: &str, ca_file: Option<&Path>, token: TokenSource) -> Result<Relay> {
        let upstream = upstream.trim_end_matches('/').to_string();
        let upstream_host = upstream_host(&upstream)?;
        let agent = crate::gateway::client_config(ca_file)?
            .timeout_per_read(Some(forward::IDLE_TIMEOUT))
            .build()
            .new_agent();
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .context("cannot open a port on 127.0.0.1 for the loopback relay")?;
        let address = listener.local_addr()?;
        let key = new_key()?;
        let shared = Arc::new(forward::Shared {
            agent,
            upstream,
            upstream_host,
            key: key.clone(),
            token,
        });
        let stopping = Arc::new(AtomicBool::new(false));
        let open = Arc::new(OpenConnections::default());
        let acceptor = {
            let (stopping, open) = (Arc::clone(&stopping), Arc::clone(&open));
            thread::Builder::new()
                .name("agentgw-relay".into())
                .spawn(move || accept(listener, shared, stopping, open))
                .context("cannot start the loopback relay's thread")?
        };
        Ok(Relay {
            address,
            key,
            stopping,
            open,
            acceptor: Some(acceptor),
        })
    }

    /// `http://127.0.0.1:<port>`: Gemini's `GOOGLE_GEMINI_BASE_URL`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The key a request must carry: Gemini's `GEMINI_API_KEY`. Random per relay.
    pub fn key(&self) -> &str {
        &self.key
    }
}

impl Drop for Relay {
    /// Stops accepting (the port closes) and cuts the connections still open, so no thread of the
    /// relay keeps waiting on a client that is gone with the agent. (A thread still waiting on the
    /// gateway for an answer ends at the gateway's next byte, when its write to the cut connection
    /// fails, or at the idle timeout; it never holds up the process's exit.)
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        // The accept loop is blocked in accept(): a connection of our own wakes it to see the flag.
        let woken = TcpStream::connect_timeout(&self.address, Duration::from_secs(1)).is_ok();
        if let Some(acceptor) = self.acceptor.take()
            && woken
        {
            let _ = acceptor.join();
        }
        self.open.shut_all();
    }
}

fn accept(
    listener: TcpListener,
    shared: Arc<forward::Shared>,
    stopping: Arc<AtomicBool>,
    open: Arc<OpenConnections>,
) {
    for stream in listener.incoming() {
        if stopping.load(Ordering::SeqCst) {
            break;
        }
        // A failed accept (the client gave up, too many open files) concerns that one connection.
        let Ok(stream) = stream else {
            thread::sleep(Duration::from_millis(10));
            continue;
        };
        let Some(id) = open.add(&stream) else {
            continue;
        };
        let (shared, served) = (Arc::clone(&shared), Arc::clone(&open));
        let spawned = thread::Builder::new()
            .name("agentgw-relay-conn".into())
            .spawn(move || {
                forward::serve(stream, &shared);
                served.remove(id);
            });
        if spawned.is_err() {
            open.remove(id);
        }
    }
}

/// The client connections being served, so dropping the relay can cut them.
#[derive(Default)]
struct OpenConnections {
    next_id: AtomicU64,
    streams: Mutex<HashMap<u64, TcpStream>>,
}

impl OpenConnections {
    fn add(&self, stream: &TcpStream) -> Option<u64> {
        let copy = stream.try_clone().ok()?;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.streams.lock().ok()?.insert(id, copy);
        Some(id)
    }

    fn remove(&self, id: u64) {
        if let Ok(mut streams) = self.streams.lock() {
            streams.remove(&id);
        }
    }

    fn shut_all(&self) {
        if let Ok(mut streams) = self.streams.lock() {
            for (_, stream) in streams.drain() {
                let _ = stream.shutdown(Shutdown::Both);
            }
        }
    }
}

/// The host (and port) of the upstream URL, which must be http(s): for messages.
fn upstream_host(upstream: &str) -> Result<String> {
    let uri: ureq::http::Uri = upstream
        .parse()
        .with_context(|| format!("the loopback relay's gateway URL {upstream:?} is not a URL"))?;
    let scheme_ok = matches!(uri.scheme_str(), Some("https" | "http"));
    match (scheme_ok, uri.authority(), uri.query()) {
        (true, Some(authority), None) => Ok(authority
            .as_str()
            .rsplit('@')
            .next()
            .unwrap_or_default()
            .to_string()),
        _ => bail!(
            "the loopback relay's gateway URL {upstream:?} is not an http(s) base URL without a query (like https://host/ai-gateway/gemini)"
        ),
    }
}

/// A fresh key from the OS's randomness, hex-encoded.
fn new_key() -> Result<String> {
    let mut bytes = [0u8; KEY_BYTES];
    getrandom::fill(&mut bytes)
        .map_err(|e| anyhow::anyhow!("cannot read the OS's randomness for the relay's key: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_64_hex_characters_and_differ() {
        let (a, b) = (new_key().unwrap(), new_key().unwrap());
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn the_upstream_must_be_an_http_base_url() {
        assert_eq!(
            upstream_host("https://me:pw@host.example:8443/ai-gateway/gemini").unwrap(),
            "host.example:8443"
        );
        for bad in [
            "host/ai-gateway/gemini",
            "ftp://host/x",
            "https://host/x?q=1",
        ] {
            let error = upstream_host(bad).unwrap_err().to_string();
            assert!(error.contains(bad), "{error}");
        }
    }
}
