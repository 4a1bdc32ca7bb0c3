//! The loopback listener the browser is sent back to after sign-in (`http://localhost:<port>`):
//! it takes one answer that carries this sign-in's `state`, shows a short page, and closes.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

pub struct Listener {
    /// 127.0.0.1 always; [::1] too where it can be bound, since browsers may resolve
    /// `localhost` to either.
    sockets: Vec<TcpListener>,
    port: u16,
}

#[derive(Debug)]
pub enum RedirectError {
    /// Nobody came back before the deadline (the tab was closed, or never opened).
    TimedOut,
    /// The sign-in page sent the user back with an OAuth error (`access_denied`, ...).
    Refused {
        error: String,
        description: String,
    },
    /// An answer came back that does not belong to this sign-in.
    WrongState,
    Io(std::io::Error),
}

impl Listener {
    /// Listens on `port` of the loopback interface. Port 0 picks a free port (tests).
    pub fn bind(port: u16) -> std::io::Result<Listener> {
        let v4 = TcpListener::bind((Ipv4Addr::LOCALHOST, port))?;
        let port = v4.local_addr()?.port();
        let mut sockets = vec![v4];
        if let Ok(v6) = TcpListener::bind((Ipv6Addr::LOCALHOST, port)) {
            sockets.push(v6);
        }
        for socket in &sockets {
            socket.set_nonblocking(true)?;
        }
        Ok(Listener { sockets, port })
    }

    /// The redirect URI to register with the authorize request.
    pub fn redirect_uri(&self) -> String {
        format!("http://localhost:{}", self.port)
    }

    /// Waits until `deadline` for the browser to bring back a code for `state`. Requests that
    /// carry neither a code nor an error (a favicon, a pre-fetch) get a 404 and are waited past.
    pub fn wait_for_code(&self, state: &str, deadline: Instant) -> Result<String, RedirectError> {
        loop {
            for socket in &self.sockets {
                match socket.accept() {
                    Ok((stream, _)) => {
                        if let Some(outcome) = answer(stream, state, deadline) {
                            return outcome;
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(e) => return Err(RedirectError::Io(e)),
                }
            }
            if Instant::now() >= deadline {
                return Err(RedirectError::TimedOut);
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

/// How long one visitor of the listener may take to send its request head: a browser sends it at
/// once, so this only bounds a client that connects and dawdles.
const REQUEST_HEAD_TIME: Duration = Duration::from_secs(5);

/// Reads one request and answers it. `None`: not the sign-in's answer, keep waiting.
fn answer(
    mut stream: TcpStream,
    state: &str,
    deadline: Instant,
) -> Option<Result<String, RedirectError>> {
    let _ = stream.set_nonblocking(false);
    let head_deadline = deadline.min(Instant::now() + REQUEST_HEAD_TIME);
    let target = read_request_target(&mut stream, head_deadline)?;
    let query = target.split_once('?').map_or("", |(_, q)| q);
    let params = parse_query(query);
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let (code, error) = (get("code"), get("error"));
    if code.is_none() && error.is_none() {
        respond(
            &mut stream,
            404,
            "Not found",
            "This page is not part of the sign-in.",
        );
        return None;
    }
    if get("state").as_deref() != Some(state) {
        respond(
            &mut stream,
            400,
            "Sign-in not completed",
            "This answer belongs to another sign-in (an old tab?). Run agentgw login again.",
        );
        return Some(Err(RedirectError::WrongState));
    }
    if let Some(error) = error {
        let description = get("error_description").unwrap_or_default();
        respond(
            &mut stream,
            200,
            "Sign-in not completed",
            &format!("The workspace said: {error}. {description} You can close this tab."),
        );
        return Some(Err(RedirectError::Refused { error, description }));
    }
    respond(
        &mut stream,
        200,
        "Signed in",
        "agentgw is signed in to your Databricks workspace. You can close this tab.",
    );
    code.map(Ok)
}

/// The request target of `GET <target> HTTP/1.1`, reading no more than the head (at most 16 KiB)
/// and not past `deadline` as a whole: a client sending a byte now and then (slowloris) is cut off
/// like a silent one.
fn read_request_target(stream: &mut TcpStream, deadline: Instant) -> Option<String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        let left = deadline.checked_duration_since(Instant::now())?;
        // A zero timeout means "block forever" to the OS: never hand it one.
        let _ = stream.set_read_timeout(Some(left.max(Duration::from_millis(1))));
        let n = stream.read(&mut buf).ok().filter(|n| *n > 0)?;
        head.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&head).lines().next()?.to_string();
    let mut parts = line.split(' ');
    let _method = parts.next()?;
    parts.next().map(str::to_string)
}

fn respond(stream: &mut TcpStream, status: u16, title: &str, text: &str) {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        _ => "Not Found",
    };
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>agentgw: {title}</title></head>\
         <body style=\"font-family: sans-serif; margin: 3em\"><h1>{title}</h1><p>{}</p></body></html>\n",
        escape_html(text)
    );
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.flush();
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `a=1&b=x%20y` as pairs, percent-decoded, `+` as a space (form encoding).
fn parse_query(query: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(port: u16, target: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(stream, "GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    }

    fn soon() -> Instant {
        Instant::now() + Duration::from_secs(5)
    }

    #[test]
    fn the_code_with_the_right_state_is_taken_and_the_page_says_so() {
        let listener = Listener::bind(0).unwrap();
        let port = listener.port;
        let browser = std::thread::spawn(move || {
            let favicon = get(port, "/favicon.ico");
            let page = get(port, "/?code=c%2F1&state=s1");
            (favicon, page)
        });
        assert_eq!(listener.wait_for_code("s1", soon()).unwrap(), "c/1");
        let (favicon, page) = browser.join().unwrap();
        assert!(favicon.starts_with("HTTP/1.1 404"), "{favicon}");
        assert!(page.starts_with("HTTP/1.1 200") && page.contains("You can close this tab"));
    }

    #[test]
    fn a_foreign_state_or_a_refusal_ends_the_wait() {
        let listener = Listener::bind(0).unwrap();
        let port = listener.port;
        std::thread::spawn(move || get(port, "/?code=c&state=other"));
        assert!(matches!(
            listener.wait_for_code("s1", soon()),
            Err(RedirectError::WrongState)
        ));
        std::thread::spawn(move || {
            get(
                port,
                "/?error=access_denied&error_description=No+thanks&state=s1",
            )
        });
        match listener.wait_for_code("s1", soon()) {
            Err(RedirectError::Refused { error, description }) => {
                assert_eq!(
                    (error.as_str(), description.as_str()),
                    ("access_denied", "No thanks")
                )
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn nobody_coming_back_times_out() {
        let listener = Listener::bind(0).unwrap();
        let deadline = Instant::now() + Duration::from_millis(100);
        assert!(matches!(
            listener.wait_for_code("s", deadline),
            Err(RedirectError::TimedOut)
        ));
    }

    #[test]
    fn a_port_in_use_is_an_error_not_a_second_listener() {
        let first = Listener::bind(0).unwrap();
        let second = Listener::bind(first.port);
        assert_eq!(
            second.err().map(|e| e.kind()),
            Some(std::io::ErrorKind::AddrInUse)
        );
    }
}
