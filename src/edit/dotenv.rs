//! `.env` files: `KEY=VALUE` lines, optionally `export`ed, with comments, blank lines and quoted
//! values (double-quoted ones may span lines). The file is held as its lines with each line's
//! exact text, so anything not being changed prints back as it was read.

use serde_json::Value;

use super::KeyPath;
use super::document::{Document, KeyError, SyntaxError};

pub(crate) struct DotenvDocument {
    lines: Vec<Line>,
    /// Line ending for lines agentgw adds: the file's own, "\n" for a new file.
    newline: &'static str,
    /// Whether the file ends with a line break (a new file will).
    final_newline: bool,
}

enum Line {
    /// A comment or blank line, kept verbatim.
    Verbatim {
        text: String,
        eol: String,
    },
    Assignment(Assignment),
}

struct Assignment {
    /// Everything before the value: indentation, `export `, the name, `=` and spacing.
    head: String,
    name: String,
    /// The value as written, quotes included.
    source: String,
    value: String,
    /// Whitespace and a comment after the value.
    tail: String,
    eol: String,
}

impl Line {
    fn eol(&self) -> &str {
        match self {
            Line::Verbatim { eol, .. } => eol,
            Line::Assignment(a) => &a.eol,
        }
    }

    fn eol_mut(&mut self) -> &mut String {
        match self {
            Line::Verbatim { eol, .. } => eol,
            Line::Assignment(a) => &mut a.eol,
        }
    }

    fn ends_with_carriage_return(&self) -> bool {
        match self {
            Line::Verbatim { text, .. } => text.ends_with('\r'),
            Line::Assignment(a) => format!("{}{}", a.source, a.tail).ends_with('\r'),
        }
    }

    fn assignment(&self, name: &str) -> Option<&Assignment> {
        match self {
            Line::Assignment(a) if a.name == name => Some(a),
            _ => None,
        }
    }
}

impl DotenvDocument {
    pub fn parse(text: &str) -> Result<Self, SyntaxError> {
        let mut lines = Vec::new();
        let mut pos = 0;
        while pos < text.len() {
            let (line, next) = parse_line(text, pos)?;
            lines.push(line);
            pos = next;
        }
        // Judged from line endings only: a newline inside a quoted value says nothing.
        let newline = match lines.iter().map(Line::eol).find(|eol| !eol.is_empty()) {
            Some("\r\n") => "\r\n",
            _ => "\n",
        };
        let final_newline = text.is_empty() || text.ends_with('\n');
        Ok(DotenvDocument {
            lines,
            newline,
            final_newline,
        })
    }

    fn last_assignment_mut(&mut self, name: &str) -> Option<&mut Assignment> {
        self.lines.iter_mut().rev().find_map(|line| match line {
            Line::Assignment(a) if a.name == name => Some(a),
            _ => None,
        })
    }

    /// New variables follow the file's habit: `export`ed if every existing one is.
    fn uses_export(&self) -> bool {
        let heads: Vec<&str> = self
            .lines
            .iter()
            .filter_map(|line| match line {
                Line::Assignment(a) => Some(a.head.trim_start()),
                Line::Verbatim { .. } => None,
            })
            .collect();
        !heads.is_empty()
            && heads
                .iter()
                .all(|head| head.starts_with("export ") || head.starts_with("export\t"))
    }
}

impl Document for DotenvDocument {
    fn get(&self, key: &[String]) -> Option<Value> {
        let [name] = key else { return None };
        self.lines
            .iter()
            .rev()
            .find_map(|line| line.assignment(name))
            .map(|a| Value::String(a.value.clone()))
    }

    fn set(&mut self, key: &[String], value: &Value) -> Result<Vec<KeyPath>, KeyError> {
        let name = single_name(key)?;
        let Value::String(value) = value else {
            return Err(KeyError::UnsupportedValue {
                key: key.to_vec(),
                message: "a .env file holds only string values".to_string(),
            });
        };
        let source = encode_value(value);
        if let Some(existing) = self.last_assignment_mut(name) {
            existing.source = source;
            existing.value = value.clone();
            // `KEY="a"# note` is fine quoted, but a bare value would swallow the comment.
            if existing.tail.starts_with('#') {
                existing.tail.insert(0, ' ');
            }
            return Ok(Vec::new());
        }
        let export = if self.uses_export() { "export " } else { "" };
        // A file that ends without a newline keeps ending without one: the line break goes
        // between the old last line and the new one.
        let eol = match self.lines.last_mut() {
            Some(last) if last.eol().is_empty() => {
                // A stray carriage return at the very end would pair with a "\n" into a CRLF,
                // and undo would then take it away with the line break.
                *last.eol_mut() = if last.ends_with_carriage_return() {
                    "\r\n".to_string()
                } else {
                    self.newline.to_string()
                };
                String::new()
            }
            Some(_) => self.newline.to_string(),
            None if self.final_newline => self.newline.to_string(),
            None => String::new(),
        };
        self.lines.push(Line::Assignment(Assignment {
            head: format!("{export}{name}="),
            name: name.to_string(),
            source,
            value: value.clone(),
            tail: String::new(),
            eol,
        }));
        Ok(Vec::new())
    }

    fn value_source(&self, key: &[String]) -> Option<String> {
        let [name] = key else { return None };
        self.lines
            .iter()
            .rev()
            .find_map(|line| line.assignment(name))
            .map(|a| a.source.clone())
    }

    fn set_value_source(&mut self, key: &[String], source: &str) -> bool {
        let [name] = key else { return false };
        let Some(value) = decode_value_source(source) else {
            return false;
        };
        match self.last_assignment_mut(name) {
            Some(existing) => {
                existing.source = source.to_string();
                existing.value = value;
                true
            }
            None => false,
        }
    }

    fn remove(&mut self, key: &[String]) -> Result<bool, KeyError> {
        let name = single_name(key)?;
        let ended_without_newline = self.lines.last().is_some_and(|last| last.eol().is_empty());
        let before = self.lines.len();
        self.lines.retain(|line| line.assignment(name).is_none());
        let removed = self.lines.len() != before;
        // Undo of an append to a file without a final newline must give the file back as it was.
        if removed
            && ended_without_newline
            && let Some(last) = self.lines.last_mut()
            && !last.eol().is_empty()
        {
            last.eol_mut().clear();
        }
        Ok(removed)
    }

    fn remove_container_if_empty(&mut self, _key: &[String]) -> bool {
        false
    }

    fn holds_nothing(&self) -> bool {
        self.lines.iter().all(|line| match line {
            Line::Verbatim { text, .. } => text.trim().is_empty(),
            Line::Assignment(_) => false,
        })
    }

    fn has_keys(&self) -> bool {
        self.lines
            .iter()
            .any(|line| matches!(line, Line::Assignment(_)))
    }

    fn render(&self) -> String {
        let mut out = String::new();
        for line in &self.lines {
            match line {
                Line::Verbatim { text, eol } => {
                    out.push_str(text);
                    out.push_str(eol);
                }
                Line::Assignment(a) => {
                    out.push_str(&a.head);
                    out.push_str(&a.source);
                    out.push_str(&a.tail);
                    out.push_str(&a.eol);
                }
            }
        }
        out
    }
}

fn single_name(key: &[String]) -> Result<&str, KeyError> {
    match key {
        [name] if is_valid_name(name) => Ok(name),
        [name] => Err(KeyError::Conflict {
            key: key.to_vec(),
            message: format!("{name:?} is not a valid variable name"),
        }),
        _ => Err(KeyError::Conflict {
            key: key.to_vec(),
            message: "a .env key is a single variable name".to_string(),
        }),
    }
}

fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(is_name_char)
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-'
}

/// Parses the line (or, for a multi-line double-quoted value, the lines) starting at `start`.
/// Returns the line and the offset just past its line ending.
fn parse_line(text: &str, start: usize) -> Result<(Line, usize), SyntaxError> {
    let (content_end, next) = line_bounds(text, start);
    let content = &text[start..content_end];
    let trimmed = content.trim_start_matches([' ', '\t']);
    if trimmed.is_empty() || trimmed.starts_with('#') {
        let eol = text[content_end..next].to_string();
        return Ok((
            Line::Verbatim {
                text: content.to_string(),
                eol,
            },
            next,
        ));
    }

    let mut pos = start + (content.len() - trimmed.len());
    if let Some(rest) = trimmed.strip_prefix("export")
        && rest.starts_with([' ', '\t'])
    {
        pos += "export".len();
        pos = skip_blanks(text, pos);
    }
    let name_start = pos;
    while let Some(c) = text[pos..].chars().next().filter(|&c| is_name_char(c)) {
        pos += c.len_utf8();
    }
    let name = &text[name_start..pos];
    if !is_valid_name(name) {
        return Err(SyntaxError::at_offset(
            text,
            name_start,
            "expected a variable name (letters, digits, '_'), a comment or a blank line",
        ));
    }
    pos = skip_blanks(text, pos);
    if !text[pos..].starts_with('=') {
        return Err(SyntaxError::at_offset(
            text,
            pos,
            format!("expected '=' after {name}"),
        ));
    }
    pos = skip_blanks(text, pos + 1);
    let head = text[start..pos].to_string();
    let value_start = pos;

    let (source_end, value) = match text[pos..].chars().next() {
        Some('"') => {
            let end = closing_double_quote(text, pos).ok_or_else(|| {
                SyntaxError::at_offset(text, pos, "unterminated double-quoted value")
            })?;
            (end + 1, unescape_double_quoted(&text[pos + 1..end]))
        }
        Some('\'') => {
            let end = text[pos + 1..content_end]
                .find('\'')
                .map(|i| pos + 1 + i)
                .ok_or_else(|| {
                    SyntaxError::at_offset(text, pos, "unterminated single-quoted value")
                })?;
            (end + 1, text[pos + 1..end].to_string())
        }
        // `KEY= # note`: an empty value and a comment.
        Some('#') if text[..pos].ends_with([' ', '\t']) => (pos, String::new()),
        _ => {
            let raw = &text[pos..content_end];
            let value_len = unquoted_value_len(raw);
            (pos + value_len, raw[..value_len].to_string())
        }
    };

    // A double-quoted value may have run over several lines; the line it ends on decides the
    // rest.
    let (content_end, next) = line_bounds(text, source_end);
    let tail = &text[source_end..content_end];
    let after_blanks = tail.trim_start_matches([' ', '\t', '\r']);
    if !after_blanks.is_empty() && !after_blanks.starts_with('#') {
        return Err(SyntaxError::at_offset(
            text,
            content_end - after_blanks.len(),
            "unexpected text after the value (quote the value, or start a comment with '#')",
        ));
    }
    Ok((
        Line::Assignment(Assignment {
            head,
            name: name.to_string(),
            source: text[value_start..source_end].to_string(),
            value,
            tail: tail.to_string(),
            eol: text[content_end..next].to_string(),
        }),
        next,
    ))
}

/// The end of the line's content (before "\n" or "\r\n") and the start of the next line.
fn line_bounds(text: &str, from: usize) -> (usize, usize) {
    match text[from..].find('\n') {
        Some(i) => {
            let newline = from + i;
            let content_end = if newline > from && text.as_bytes()[newline - 1] == b'\r' {
                newline - 1
            } else {
                newline
            };
            (content_end, newline + 1)
        }
        None => (text.len(), text.len()),
    }
}

fn skip_blanks(text: &str, mut pos: usize) -> usize {
    while text[pos..].starts_with([' ', '\t']) {
        pos += 1;
    }
    pos
}

/// An unquoted value runs to a comment (a '#' after whitespace) or the end of the line, without
/// trailing whitespace. Stray carriage returns count as whitespace, as in dotenv loaders: a
/// value must not change when a line break is added after it and one of them becomes a CRLF.
fn unquoted_value_len(raw: &str) -> usize {
    let mut end = raw.len();
    let bytes = raw.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && i > 0 && (bytes[i - 1] == b' ' || bytes[i - 1] == b'\t') {
            end = i;
            break;
        }
    }
    raw[..end].trim_end_matches([' ', '\t', '\r']).len()
}

fn closing_double_quote(text: &str, open: usize) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in text[open + 1..].char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(open + 1 + i),
            _ => {}
        }
    }
    None
}

fn unescape_double_quoted(inner: &str) -> String {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some(c @ ('"' | '\\' | '$' | '`')) => out.push(c),
            // Unknown escapes stay as written, as dotenv loaders do.
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// The value a source text (as `value_source` returns it) stands for, if it is one whole value.
fn decode_value_source(source: &str) -> Option<String> {
    let (line, next) = parse_line(&format!("X={source}"), 0).ok()?;
    match line {
        Line::Assignment(a) if next == source.len() + 2 && a.tail.is_empty() => Some(a.value),
        _ => None,
    }
}

/// Writes a value bare when that is unambiguous, double-quoted with escapes otherwise.
pub(crate) fn encode_value(value: &str) -> String {
    let needs_quotes = value.is_empty()
        || value.starts_with([' ', '\t'])
        || value.ends_with([' ', '\t'])
        || value.chars().any(|c| {
            c.is_whitespace()
                || c.is_control()
                || matches!(c, '#' | '"' | '\'' | '$' | '=' | '\\' | '`')
        });
    if !needs_quotes {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '"' | '\\' | '$' | '`' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
