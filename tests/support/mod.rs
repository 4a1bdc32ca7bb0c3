//! A stand-in Databricks workspace + AI Gateway on loopback, for tests. It answers like the real
//! service for the tokens below and records every request so tests can assert what was sent.

#![allow(dead_code)] // each test binary uses a different part of the support code

use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

/// A token the stand-in accepts (SCIM Me answers 200).
pub const GOOD_TOKEN: &str = "dapi0123456789abcdef0123456789abcd";
/// A token that is valid but lacks permission (403).
pub const FORBIDDEN_TOKEN: &str = "dapiforbidden00000000000000000000";
pub const USER_NAME: &str = "dev@example.com";
pub const WORKSPACE_ID: &str = "1234567890123456";

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub struct Gateway {
    /// `http://127.0.0.1:<port>`: the workspace host; the gateway is `<url>/ai-gateway`.
    pub url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl Gateway {
    pub fn start() -> Gateway {
        let server = tiny_http::Server::http("127.0.0.1:0").expect("bind the stand-in gateway");
        let port = server.server_addr().to_ip().expect("an IP listener").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&requests);
        thread::spawn(move || {
            for mut request in server.incoming_requests() {
                let mut body = String::new();
                let _ = request.as_reader().read_to_string(&mut body);
                let recorded = Recorded {
                    method: request.method().to_string(),
                    path: request.url().to_string(),
                    headers: request
                        .headers()
                        .iter()
                        .map(|h| (h.field.to_string(), h.value.to_string()))
                        .collect(),
                    body,
                };
                let (status, json) = route(&recorded);
                log.lock().unwrap().push(recorded);
                let response = tiny_http::Response::from_string(json)
                    .with_status_code(status)
                    .with_header(header("Content-Type", "application/json"))
                    .with_header(header("x-databricks-org-id", WORKSPACE_ID));
                let _ = request.respond(response);
            }
        });
        Gateway {
            url: format!("http://127.0.0.1:{port}"),
            requests,
        }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

fn header(name: &str, value: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).unwrap()
}

fn route(request: &Recorded) -> (u16, String) {
    let token = request
        .header("Authorization")
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let path = request.path.split('?').next().unwrap_or_default();
    match (request.method.as_str(), path) {
        ("GET", "/api/2.0/preview/scim/v2/Me") => match token {
            GOOD_TOKEN => (200, format!(r#"{{"userName":"{USER_NAME}","displayName":"Dev","id":"42"}}"#)),
            FORBIDDEN_TOKEN => (
                403,
                r#"{"error_code":"PERMISSION_DENIED","message":"User does not have permission to use this API."}"#.into(),
            ),
            _ => (401, r#"{"error_code":"UNAUTHENTICATED","message":"Invalid access token."}"#.into()),
        },
        _ => (404, format!(r#"{{"error_code":"ENDPOINT_NOT_FOUND","message":"No API found for '{path}'"}}"#)),
    }
}

/// A server that accepts connections and never answers: for timeout tests.
pub fn silent_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    thread::spawn(move || {
        let mut held: Vec<TcpStream> = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    url
}

/// A loopback URL where nothing listens: connection refused.
pub fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}

/// A server that answers every connection with plain-text HTTP at once: a TLS client talking to it
/// fails the handshake (what a wrong port or scheme looks like).
pub fn plain_http_answering_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            use std::io::Write;
            let _ = stream.write_all(b"HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        }
    });
    url
}
