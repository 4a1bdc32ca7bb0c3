//! The Gemini relay (agentgw::relay) in process, between a hand-driven HTTP client and the stand-in
//! gateway (or a raw upstream the test steps through): what it forwards, what it refuses, and that
//! a stream reaches the client event by event.

use crate::support::{GOOD_TOKEN, Gateway, STAGING_TOKEN, Scripted, closed_port_url};
use agentgw::relay::{Relay, TokenSource};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

const MODEL: &str = "databricks-gemini-2-5-flash";

fn always(token: &'static str) -> TokenSource {
    Arc::new(move || Ok(token.to_string()))
}

fn relay_to(gateway: &Gateway, token: TokenSource) -> Relay {
    Relay::start(&format!("{}/gemini", gateway.gateway_url()), None, token).unwrap()
}

/// A generateContent request as Gemini sends it, with `auth` header lines.
fn generate(auth: &str) -> String {
    let body = r#"{"contents":[{"role":"user","parts":[{"text":"say pong"}]}]}"#;
    format!(
        "POST /v1beta/models/{MODEL}:generateContent HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

fn both_keys(relay: &Relay) -> String {
    format!(
        "Authorization: Bearer {key}\r\nx-goog-api-key: {key}\r\n",
        key = relay.key()
    )
}

/// An HTTP/1.1 client on one connection, reading answers the way the relay frames them.
struct Client {
    reader: BufReader<TcpStream>,
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn message(&self) -> String {
        let json: serde_json::Value =
            serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body));
        json["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

impl Client {
    fn to(relay: &Relay) -> Client {
        let address = relay.base_url().trim_start_matches("http://").to_string();
        let stream = TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        Client {
            reader: BufReader::new(stream),
        }
    }

    fn send(&mut self, raw: &str) {
        self.reader.get_mut().write_all(raw.as_bytes()).unwrap();
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        self.reader
            .read_line(&mut line)
            .expect("the relay sent nothing more within 20 s");
        line.trim_end_matches(['\r', '\n']).to_string()
    }

    fn head(&mut self) -> (u16, Vec<(String, String)>) {
        let status_line = self.line();
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("not a status line: {status_line:?}"));
        let mut headers = Vec::new();
        loop {
            let line = self.line();
            if line.is_empty() {
                return (status, headers);
            }
            let (name, value) = line.split_once(':').unwrap();
            headers.push((name.to_string(), value.trim().to_string()));
        }
    }

    /// One chunk of a chunked body; `None` at its end.
    fn chunk(&mut self) -> Option<String> {
        let size = usize::from_str_radix(&self.line(), 16).unwrap();
        let mut data = vec![0; size + 2];
        self.reader.read_exact(&mut data).unwrap();
        if size == 0 {
            return None;
        }
        data.truncate(size);
        Some(String::from_utf8(data).unwrap())
    }

    fn answer(&mut self) -> Answer {
        let (status, headers) = self.head();
        let mut answer = Answer {
            status,
            headers,
            body: String::new(),
        };
        if answer.header("transfer-encoding") == Some("chunked") {
            while let Some(chunk) = self.chunk() {
                answer.body.push_str(&chunk);
            }
        } else if let Some(length) = answer.header("content-length") {
            let mut body = vec![0; length.parse().unwrap()];
            self.reader.read_exact(&mut body).unwrap();
            answer.body = String::from_utf8(body).unwrap();
        } else {
            self.reader.read_to_string(&mut answer.body).unwrap();
        }
        answer
    }

    fn ask(&mut self, raw: &str) -> Answer {
        self.send(raw);
        self.answer()
    }

    /// Whether the relay closed this connection.
    fn closed(&mut self) -> bool {
        let mut byte = [0u8; 1];
        matches!(self.reader.read(&mut byte), Ok(0) | Err(_))
    }
}

#[test]
fn relay_forwards_with_the_fresh_token_instead_of_its_key() {
    let gateway = Gateway::start();
    let relay = relay_to(&gateway, always(GOOD_TOKEN));
    let request = generate(&format!(
        "{}User-Agent: GeminiCLI/0.61.0 (linux; x64)\r\nx-goog-api-client: gl-node/22\r\n\
         X-Custom: kept\r\nAccept: */*\r\nConnection: keep-alive, X-Hop\r\nX-Hop: dropped\r\n\
         Keep-Alive: timeout=5\r\nProxy-Authorization: Basic cHJveHk=\r\nTE: trailers\r\n\
         Upgrade: h2c\r\n",
        both_keys(&relay)
    ));
    let answer = Client::to(&relay).ask(&request);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.body.contains("pong"), "{}", answer.body);
    assert_eq!(answer.header("content-type"), Some("application/json"));

    let route = format!("/ai-gateway/gemini/v1beta/models/{MODEL}:generateContent");
    let sent = gateway.requests_to("POST", &route);
    assert_eq!(sent.len(), 1, "{}", gateway.request_summary());
    let sent = &sent[0];
    assert_eq!(sent.bearer(), Some(GOOD_TOKEN));
    assert_eq!(sent.header("x-goog-api-key"), None);
    assert_eq!(
        sent.header("user-agent"),
        Some("GeminiCLI/0.61.0 (linux; x64)")
    );
    assert_eq!(sent.header("x-goog-api-client"), Some("gl-node/22"));
    assert_eq!(sent.header("x-custom"), Some("kept"));
    assert_eq!(sent.header("accept"), Some("*/*"));
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!(sent.header("host"), Some(&gateway.url["http://".len()..]));
    for hop in [
        "x-hop",
        "keep-alive",
        "proxy-authorization",
        "te",
        "upgrade",
    ] {
        assert_eq!(sent.header(hop), None, "{hop} was forwarded");
    }
    assert!(!format!("{:?}", sent.headers).contains(relay.key()));
    assert_eq!(
        sent.json().unwrap()["contents"][0]["parts"][0]["text"],
        "say pong"
    );
}

#[test]
fn relay_accepts_its_key_in_x_goog_api_key_alone() {
    let gateway = Gateway::start();
    let relay = relay_to(&gateway, always(GOOD_TOKEN));
    let auth = format!("x-goog-api-key: {}\r\n", relay.key());
    let answer = Client::to(&relay).ask(&generate(&auth));
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(gateway.requests()[0].bearer(), Some(GOOD_TOKEN));
}

#[test]
fn relay_refuses_requests_without_its_key_and_forwards_nothing() {
    let gateway = Gateway::start();
    let relay = relay_to(&gateway, always(GOOD_TOKEN));
    let key = relay.key().to_string();
    // One character off (never the same one: a key ending in '0' would make "wrong" right).
    let last = if key.ends_with('0') { '1' } else { '0' };
    let wrong = format!("{}{last}", &key[..key.len() - 1]);
    let cases = [
        String::new(),
        format!("Authorization: Bearer {wrong}\r\n"),
        format!("x-goog-api-key: {wrong}\r\n"),
        // The right key beside a wrong one is still a wrong credential.
        format!("Authorization: Bearer {key}\r\nx-goog-api-key: {wrong}\r\n"),
        format!("Authorization: Basic {key}\r\n"),
        // The real token is not the relay's key either.
        format!("Authorization: Bearer {GOOD_TOKEN}\r\n"),
    ];
    for auth in cases {
        let mut client = Client::to(&relay);
        let answer = client.ask(&generate(&auth));
        assert_eq!(answer.status, 401, "{auth:?}: {}", answer.body);
        assert!(
            answer
                .message()
                .contains("start the agent with: agentgw exec <agent>"),
            "{}",
            answer.body
        );
        assert!(client.closed(), "{auth:?}: connection kept open");
    }
    assert!(
        gateway.requests().is_empty(),
        "{}",
        gateway.request_summary()
    );
}

#[test]
fn relay_asks_for_a_token_for_every_request() {
    let gateway = Gateway::start();
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let tokens: TokenSource = Arc::new(move || {
        let call = counted.fetch_add(1, Ordering::SeqCst);
        Ok([GOOD_TOKEN, STAGING_TOKEN][call.min(1)].to_string())
    });
    let relay = relay_to(&gateway, tokens);
    // Both on one kept-alive connection, as Gemini's fetch sends them.
    let mut client = Client::to(&relay);
    for _ in 0..2 {
        let answer = client.ask(&generate(&both_keys(&relay)));
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    let bearers: Vec<Option<String>> = gateway
        .requests()
        .iter()
        .map(|r| r.bearer().map(str::to_string))
        .collect();
    assert_eq!(
        bearers,
        [
            Some(GOOD_TOKEN.to_string()),
            Some(STAGING_TOKEN.to_string())
        ]
    );
}

#[test]
fn relay_answers_401_with_the_token_error_and_forwards_nothing() {
    let gateway = Gateway::start();
    let failing: TokenSource = Arc::new(|| {
        Err(anyhow::anyhow!(
            "the refresh token of profile work was revoked; sign in again: agentgw login --profile work"
        ))
    });
    let relay = relay_to(&gateway, failing);
    let answer = Client::to(&relay).ask(&generate(&both_keys(&relay)));
    assert_eq!(answer.status, 401, "{}", answer.body);
    assert_eq!(
        answer.message(),
        "the refresh token of profile work was revoked; sign in again: agentgw login --profile work"
    );
    let json: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(json["error"]["status"], "UNAUTHENTICATED");
    assert!(
        gateway.requests().is_empty(),
        "{}",
        gateway.request_summary()
    );
}

#[test]
fn relay_passes_a_rate_limit_answer_through_as_it_is() {
    let body = r#"{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"Rate limit exceeded"}"#;
    let gateway = Gateway::start_scripted(Scripted {
        status: 429,
        body: body.into(),
        headers: vec![
            ("Retry-After", "17".into()),
            ("x-request-id", "req-42".into()),
        ],
        ..Scripted::default()
    });
    let relay = relay_to(&gateway, always(GOOD_TOKEN));
    let mut client = Client::to(&relay);
    let answer = client.ask(&generate(&both_keys(&relay)));
    assert_eq!(answer.status, 429);
    assert_eq!(answer.header("retry-after"), Some("17"));
    assert_eq!(answer.header("x-request-id"), Some("req-42"));
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(answer.body, body);
    // An error answer does not end the connection.
    let again = client.ask(&generate(&both_keys(&relay)));
    assert_eq!(again.status, 429);
}

#[test]
fn relay_never_lets_the_token_back_out_in_an_error_answer() {
    let gateway = Gateway::start_scripted(Scripted {
        status: 401,
        body: format!(r#"{{"message":"Invalid token {GOOD_TOKEN}"}}"#),
        headers: vec![("WWW-Authenticate", format!("Bearer error={GOOD_TOKEN}"))],
        ..Scripted::default()
    });
    let relay = relay_to(&gateway, always(GOOD_TOKEN));
    let answer = Client::to(&relay).ask(&generate(&both_keys(&relay)));
    assert_eq!(answer.status, 401);
    assert_eq!(answer.body, r#"{"message":"Invalid token [token]"}"#);
    assert_eq!(
        answer.header("www-authenticate"),
        Some("Bearer error=[token]")
    );
}

#[test]
fn relay_forwards_a_chunked_request_body_whole() {
    let gateway = Gateway::start();
    let relay = relay_to(&gateway, always(GOOD_TOKEN));
    let body = r#"{"contents":[{"role":"user","parts":[{"text":"say pong"}]}]}"#;
    let (first, second) = body.split_at(20);
    let request = format!(
        "POST /v1beta/models/{MODEL}:generateContent HTTP/1.1\r\nHost: x\r\n{}\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n\
         {:x}\r\n{first}\r\n{:x}\r\n{second}\r\n0\r\n\r\n",
        both_keys(&relay),
        first.len(),
        second.len()
    );
    let answer = Client::to(&relay).ask(&request);
    assert_eq!(answer.status, 200, "{}", answer.body);
    let sent = &gateway.requests()[0];
    assert_eq!(sent.body, body);
    assert_eq!(sent.header("transfer-encoding"), None);
    assert_eq!(
        sent.header("content-length"),
        Some(body.len().to_string().as_str())
    );
}

#[test]
fn relay_answers_400_to_a_malformed_request_and_forwards_nothing() {
    let gateway = Gateway::start();
    let relay = relay_to(&gateway, always(GOOD_TOKEN));
    let smuggling = format!(
        "POST /v1beta/models/{MODEL}:generateContent HTTP/1.1\r\n{}Content-Length: 4\r\n\
         Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        both_keys(&relay)
    );
    let full_url = format!(
        "GET http://elsewhere.example/v1beta/models HTTP/1.1\r\n{}\r\n",
        both_keys(&relay)
    );
    let climbing = format!(
        "GET /v1beta/%2E%2e/../api/2.0/preview/scim/v2/Me HTTP/1.1\r\n{}\r\n",
        both_keys(&relay)
    );
    for (request, said) in [
        ("NONSENSE\r\n\r\n".to_string(), "request line"),
        (climbing, "`..` segment"),
        (smuggling, "both Content-Length and Transfer-Encoding"),
        (full_url, "is not a path"),
    ] {
        let mut client = Client::to(&relay);
        let answer = client.ask(&request);
        assert_eq!(answer.status, 400, "{request:?}: {}", answer.body);
        assert!(answer.message().contains(said), "{}", answer.body);
        assert!(client.closed());
    }
    assert!(
        gateway.requests().is_empty(),
        "{}",
        gateway.request_summary()
    );
}

#[test]
fn relay_names_the_gateway_it_cannot_reach() {
    let upstream = closed_port_url();
    let relay = Relay::start(
        &format!("{upstream}/ai-gateway/gemini"),
        None,
        always(GOOD_TOKEN),
    )
    .unwrap();
    let answer = Client::to(&relay).ask(&generate(&both_keys(&relay)));
    assert_eq!(answer.status, 502, "{}", answer.body);
    let message = answer.message();
    let host = upstream.trim_start_matches("http://");
    assert!(message.contains(&format!("gateway at {host}")), "{message}");
    assert!(message.contains("connection failed"), "{message}");
    assert!(!answer.body.contains(GOOD_TOKEN));
}

/// The upstream sends the first event, then waits until the test has seen it at the client before
/// sending the second: a relay that buffered the answer would never show the first.
#[test]
fn relay_streams_each_event_as_the_gateway_sends_it() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let upstream = format!("http://{}", listener.local_addr().unwrap());
    let (seen_tx, seen_rx) = mpsc::channel::<()>();
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream);
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().unwrap();
            }
            if line == "\r\n" {
                break;
            }
        }
        reader.read_exact(&mut vec![0; length]).unwrap();
        let mut out = reader.into_inner();
        let chunk = |text: &str| format!("{:x}\r\n{text}\r\n", text.len());
        write!(
            out,
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n{}",
            chunk("data: {\"event\":1}\n\n")
        )
        .unwrap();
        out.flush().unwrap();
        // Bounded, so a buffering relay fails the test instead of hanging it.
        let seen = seen_rx.recv_timeout(Duration::from_secs(30)).is_ok();
        write!(out, "{}0\r\n\r\n", chunk("data: {\"event\":2}\n\n")).unwrap();
        seen
    });
    let relay = Relay::start(&upstream, None, always(GOOD_TOKEN)).unwrap();
    let mut client = Client::to(&relay);
    client.send(
        &generate(&both_keys(&relay)).replace(":generateContent", ":streamGenerateContent?alt=sse"),
    );
    let (status, headers) = client.head();
    assert_eq!(status, 200);
    assert!(
        headers.contains(&("content-type".into(), "text/event-stream".into())),
        "{headers:?}"
    );
    let first = client.chunk().unwrap();
    assert_eq!(first, "data: {\"event\":1}\n\n");
    seen_tx.send(()).unwrap();
    let mut rest = String::new();
    while let Some(chunk) = client.chunk() {
        rest.push_str(&chunk);
    }
    assert_eq!(rest, "data: {\"event\":2}\n\n");
    assert!(
        server.join().unwrap(),
        "the second event was sent before the first was seen"
    );
}

#[test]
fn relay_stops_accepting_and_cuts_open_connections_when_dropped() {
    let gateway = Gateway::start();
    let relay = relay_to(&gateway, always(GOOD_TOKEN));
    let address = relay.base_url().trim_start_matches("http://").to_string();
    let mut open = Client::to(&relay);
    assert_eq!(open.ask(&generate(&both_keys(&relay))).status, 200);
    drop(relay);
    assert!(open.closed(), "a kept-alive connection outlived the relay");
    let refused = TcpStream::connect_timeout(&address.parse().unwrap(), Duration::from_secs(2));
    assert!(
        refused.is_err(),
        "the relay's port still accepts connections"
    );
}

#[test]
fn relay_listens_on_loopback_only() {
    let gateway = Gateway::start();
    let relay = relay_to(&gateway, always(GOOD_TOKEN));
    assert!(
        relay.base_url().starts_with("http://127.0.0.1:"),
        "{}",
        relay.base_url()
    );
}

#[test]
fn relay_answers_an_http10_client_without_chunks_and_closes() {
    let gateway = Gateway::start();
    let relay = relay_to(&gateway, always(GOOD_TOKEN));
    let request = generate(&both_keys(&relay)).replacen("HTTP/1.1", "HTTP/1.0", 1);
    let answer = Client::to(&relay).ask(&request);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.header("transfer-encoding"), None);
    assert_eq!(answer.header("connection"), Some("close"));
    assert!(answer.body.contains("pong"), "{}", answer.body);
}

#[test]
fn relay_does_not_start_with_an_unreadable_ca_file() {
    let gateway = Gateway::start();
    let missing = std::env::temp_dir().join("agentgw-relay-no-such-ca.pem");
    let error = Relay::start(
        &format!("{}/gemini", gateway.gateway_url()),
        Some(&missing),
        always(GOOD_TOKEN),
    )
    .err()
    .expect("a missing CA file is an error");
    let text = format!("{error:#}");
    assert!(text.contains(&missing.display().to_string()), "{text}");
    assert!(text.contains("--ca-file"), "{text}");
}
