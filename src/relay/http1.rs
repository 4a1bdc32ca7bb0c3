//! The little of HTTP/1.1 the relay speaks with Gemini CLI on loopback: read one request (request
//! line, headers, a Content-Length or chunked body), and write answers, streamed in chunks as they
//! come. Anything it cannot read unambiguously is refused, never guessed at: the relay forwards
//! with a real token, so a request it misreads must not reach the gateway.

use std::io::{self, BufRead, Read, Write};

/// Request line and headers together; Node sends a few KiB.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;
/// A request body is read whole before it is forwarded (so a refused request leaves the connection
/// usable); Gemini's largest are conversations with inline files, well below this.
pub const MAX_BODY_BYTES: usize = 128 * 1024 * 1024;

pub struct Request {
    pub method: String,
    /// As sent: the path and query (`/v1beta/models/m:streamGenerateContent?alt=sse`).
    pub target: String,
    /// An HTTP/1.0 client gets no chunked answer and no keep-alive.
    pub http10: bool,
    pub headers: Vec<(String, String)>,
    /// `None` when the request has no body framing at all (a GET); `Some` (maybe empty) when it
    /// named a Content-Length or chunked body, so the upstream request says the same.
    pub body: Option<Vec<u8>>,
}

impl Request {
    /// The first value of header `name` (names compare case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the client may send another request on this connection after the answer.
    pub fn keep_alive(&self) -> bool {
        let close = self.connection_tokens().any(|t| t == "close");
        !self.http10 && !close
    }

    /// The names listed in `Connection` (lowercase): hop-by-hop, like `Connection` itself.
    pub fn connection_tokens(&self) -> impl Iterator<Item = String> + '_ {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("connection"))
            .flat_map(|(_, v)| v.split(','))
            .map(|t| t.trim().to_ascii_lowercase())
            .filter(|t| !t.is_empty())
    }
}

#[derive(Debug)]
pub enum ReadError {
    /// The client closed the connection (or went idle) before starting another request.
    Closed,
    /// Answer 400 with this text, then close.
    Malformed(String),
    /// Answer 413 (body) or 431 (head), then close.
    TooLarge(&'static str),
    /// The connection broke or timed out in the middle of a request: nobody to answer.
    Io,
}

impl From<io::Error> for ReadError {
    fn from(_: io::Error) -> ReadError {
        ReadError::Io
    }
}

fn malformed(why: impl Into<String>) -> ReadError {
    ReadError::Malformed(why.into())
}

/// Reads the request line and headers; the body is left for [`read_body`], so the caller can
/// refuse a request (wrong key) before reading what may be megabytes.
pub fn read_head(reader: &mut impl BufRead) -> Result<Request, ReadError> {
    let mut budget = MAX_HEAD_BYTES;
    // Tolerated before a request line (RFC 9112 2.2): empty lines.
    let request_line = loop {
        match read_line(reader, &mut budget)? {
            None => return Err(ReadError::Closed),
            Some(line) if line.is_empty() => continue,
            Some(line) => break line,
        }
    };
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed(format!(
            "not an HTTP request line: {request_line:?}"
        )));
    };
    if method.is_empty() || !method.bytes().all(is_token_byte) {
        return Err(malformed(format!("not an HTTP method: {method:?}")));
    }
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        other => return Err(malformed(format!("unsupported HTTP version {other:?}"))),
    };
    let mut headers = Vec::new();
    loop {
        let line = read_line(reader, &mut budget)?.ok_or_else(|| malformed("headers cut off"))?;
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            return Err(malformed("folded header lines are not accepted"));
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| malformed(format!("header line without a colon: {line:?}")))?;
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(malformed(format!("not a header name: {name:?}")));
        }
        headers.push((
            name.to_string(),
            value.trim_matches([' ', '\t']).to_string(),
        ));
    }
    Ok(Request {
        method: method.to_string(),
        target: target.to_string(),
        http10,
        headers,
        body: None,
    })
}

/// Reads the body the head announced into `request.body`. Both framings at once, an unknown
/// transfer coding or a Content-Length that is not one number are refused: a relay and the server
/// behind it reading a body differently is how requests get smuggled.
pub fn read_body(reader: &mut impl BufRead, request: &mut Request) -> Result<(), ReadError> {
    let lengths: Vec<&str> = request
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.as_str())
        .collect();
    let codings: Vec<String> = request
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("transfer-encoding"))
        .flat_map(|(_, v)| v.split(','))
        .map(|c| c.trim().to_ascii_lowercase())
        .collect();
    request.body = match (lengths.as_slice(), codings.as_slice()) {
        ([], []) => None,
        ([_, ..], [_, ..]) => return Err(malformed("both Content-Length and Transfer-Encoding")),
        ([], [coding]) if coding == "chunked" => Some(read_chunked(reader)?),
        ([], _) => {
            return Err(malformed(format!(
                "unsupported Transfer-Encoding {:?} (only chunked)",
                codings.join(", ")
            )));
        }
        ([first, rest @ ..], []) => {
            if rest.iter().any(|other| other != first) {
                return Err(malformed("Content-Length headers that disagree"));
            }
            let length = parse_length(first)?;
            let mut body = vec![0; length];
            reader.read_exact(&mut body)?;
            Some(body)
        }
    };
    Ok(())
}

fn parse_length(text: &str) -> Result<usize, ReadError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed(format!(
            "Content-Length {text:?} is not a number"
        )));
    }
    match text.parse::<usize>() {
        Ok(n) if n <= MAX_BODY_BYTES => Ok(n),
        _ => Err(ReadError::TooLarge("request body")),
    }
}

/// A chunked body: `<hex size>[;ext]` lines, each followed by that many bytes and CRLF, ending
/// with a zero size and optional trailers (read and dropped).
fn read_chunked(reader: &mut impl BufRead) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    loop {
        let mut budget = MAX_HEAD_BYTES;
        let line =
            read_line(reader, &mut budget)?.ok_or_else(|| malformed("chunked body cut off"))?;
        let size_text = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .ok()
            .filter(|_| !size_text.is_empty() && size_text.len() <= 16)
            .ok_or_else(|| malformed(format!("not a chunk size: {size_text:?}")))?;
        if size == 0 {
            while !read_line(reader, &mut budget)?
                .ok_or_else(|| malformed("chunked body cut off"))?
                .is_empty()
            {}
            return Ok(body);
        }
        if body.len() + size > MAX_BODY_BYTES {
            return Err(ReadError::TooLarge("request body"));
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        let mut end = [0u8; 2];
        reader.read_exact(&mut end)?;
        if &end != b"\r\n" {
            return Err(malformed("a chunk is longer than its size says"));
        }
    }
}

/// One line without its CRLF (a bare LF is accepted too), charged to `budget`. `None`: the
/// connection ended before the line began.
fn read_line(reader: &mut impl BufRead, budget: &mut usize) -> Result<Option<String>, ReadError> {
    let mut line = Vec::new();
    let limit = (*budget as u64).saturating_add(1);
    let read = Read::take(&mut *reader, limit).read_until(b'\n', &mut line);
    let n = match read {
        Ok(n) => n,
        // An idle keep-alive connection timing out between requests is a normal end.
        Err(e) if is_timeout(&e) && line.is_empty() => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    if n == 0 {
        return Ok(None);
    }
    if n > *budget {
        return Err(ReadError::TooLarge("request head"));
    }
    *budget -= n;
    if line.pop() != Some(b'\n') {
        return Err(malformed("the request ends in the middle of a line"));
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    String::from_utf8(line)
        .map_err(|_| malformed("a request line or header that is not UTF-8"))
        .map(Some)
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// RFC 9110 token characters: what method and header names are made of.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Writes a status line and headers.
pub fn write_head(
    out: &mut impl Write,
    status: u16,
    headers: &[(String, String)],
) -> io::Result<()> {
    let reason = ureq::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Unknown");
    let mut head = format!("HTTP/1.1 {status} {reason}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes())
}

/// A whole small answer (the relay's own errors) with its length.
pub fn write_complete(
    out: &mut impl Write,
    status: u16,
    content_type: &str,
    body: &[u8],
    keep_alive: bool,
) -> io::Result<()> {
    let mut headers = vec![
        ("Content-Type".to_string(), content_type.to_string()),
        ("Content-Length".to_string(), body.len().to_string()),
    ];
    if !keep_alive {
        headers.push(("Connection".to_string(), "close".to_string()));
    }
    write_head(out, status, &headers)?;
    out.write_all(body)?;
    out.flush()
}

/// The body of an answer whose length is not known in advance: chunks to an HTTP/1.1 client,
/// the raw bytes (ended by closing the connection) to an HTTP/1.0 one. Every piece is written and
/// flushed as it comes, which is what keeps a stream of events a stream.
pub struct BodyWriter<W: Write> {
    out: W,
    chunked: bool,
}

impl<W: Write> BodyWriter<W> {
    pub fn new(out: W, chunked: bool) -> BodyWriter<W> {
        BodyWriter { out, chunked }
    }

    pub fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        if bytes.is_empty() {
            // An empty chunk would end the body.
            return Ok(());
        }
        if self.chunked {
            let mut piece = Vec::with_capacity(bytes.len() + 12);
            piece.extend_from_slice(format!("{:x}\r\n", bytes.len()).as_bytes());
            piece.extend_from_slice(bytes);
            piece.extend_from_slice(b"\r\n");
            self.out.write_all(&piece)?;
        } else {
            self.out.write_all(bytes)?;
        }
        self.out.flush()
    }

    /// Marks the body complete (the last chunk). Not called when the upstream answer broke off,
    /// so the client sees a cut answer rather than a short one that looks whole.
    pub fn finish(mut self) -> io::Result<()> {
        if self.chunked {
            self.out.write_all(b"0\r\n\r\n")?;
        }
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<Request, ReadError> {
        let mut reader = io::BufReader::new(raw.as_bytes());
        let mut request = read_head(&mut reader)?;
        read_body(&mut reader, &mut request)?;
        Ok(request)
    }

    fn malformed_text(raw: &str) -> String {
        match parse(raw) {
            Err(ReadError::Malformed(why)) => why,
            Err(other) => panic!("want Malformed, got {other:?}"),
            Ok(_) => panic!("want Malformed, got a request"),
        }
    }

    #[test]
    fn a_request_with_a_content_length_body_is_read() {
        let request = parse(
            "POST /v1beta/models/m:streamGenerateContent?alt=sse HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nX-Custom:  a b \r\n\r\nhello",
        )
        .unwrap();
        assert_eq!(request.method, "POST");
        assert_eq!(
            request.target,
            "/v1beta/models/m:streamGenerateContent?alt=sse"
        );
        assert_eq!(request.header("x-custom"), Some("a b"));
        assert_eq!(request.body.as_deref(), Some(&b"hello"[..]));
        assert!(request.keep_alive());
    }

    #[test]
    fn a_chunked_body_with_extensions_and_trailers_is_joined() {
        let request = parse(
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\nA\r\n0123456789\r\n0\r\nTrailer: t\r\n\r\n",
        )
        .unwrap();
        assert_eq!(request.body.as_deref(), Some(&b"abc0123456789"[..]));
    }

    #[test]
    fn a_get_has_no_body() {
        let request = parse("GET /v1beta/models HTTP/1.1\r\n\r\n").unwrap();
        assert!(request.body.is_none());
    }

    #[test]
    fn ambiguous_bodies_are_refused() {
        let both = "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert!(malformed_text(both).contains("both"));
        let disagree = "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd";
        assert!(malformed_text(disagree).contains("disagree"));
        let signed = "POST / HTTP/1.1\r\nContent-Length: +3\r\n\r\nabc";
        assert!(malformed_text(signed).contains("not a number"));
        let gzip = "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n";
        assert!(malformed_text(gzip).contains("only chunked"));
        let long_chunk =
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n";
        assert!(malformed_text(long_chunk).contains("longer"));
    }

    #[test]
    fn broken_heads_are_refused() {
        assert!(malformed_text("GET /\r\n\r\n").contains("request line"));
        assert!(malformed_text("GET / HTTP/2.0\r\n\r\n").contains("version"));
        assert!(malformed_text("GET / HTTP/1.1\r\nNoColon\r\n\r\n").contains("colon"));
        assert!(malformed_text("GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n").contains("folded"));
        assert!(malformed_text("GET / HTTP/1.1\r\nBad Name: b\r\n\r\n").contains("header name"));
    }

    #[test]
    fn a_head_over_64_kib_is_too_large() {
        let raw = format!(
            "GET / HTTP/1.1\r\nX-Big: {}\r\n\r\n",
            "a".repeat(MAX_HEAD_BYTES)
        );
        assert!(matches!(
            parse(&raw),
            Err(ReadError::TooLarge("request head"))
        ));
    }

    #[test]
    fn a_closed_connection_is_not_an_error() {
        assert!(matches!(parse(""), Err(ReadError::Closed)));
    }

    #[test]
    fn connection_close_and_http10_end_the_connection() {
        let close = parse("GET / HTTP/1.1\r\nConnection: Keep-Alive, close\r\n\r\n").unwrap();
        assert!(!close.keep_alive());
        assert!(!parse("GET / HTTP/1.0\r\n\r\n").unwrap().keep_alive());
    }

    #[test]
    fn chunks_are_framed_and_ended() {
        let mut out = Vec::new();
        let mut body = BodyWriter::new(&mut out, true);
        body.send(b"data: 1\n\n").unwrap();
        body.send(b"").unwrap();
        body.finish().unwrap();
        assert_eq!(out, b"9\r\ndata: 1\n\n\r\n0\r\n\r\n");
    }
}
