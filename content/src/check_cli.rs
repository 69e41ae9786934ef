//! The library side of `familystory content check [--jsonl]`.
//!
//! Single mode reads one JSON request (it may span several lines) and writes
//! one response line. JSON-lines mode reads one request a line and writes one
//! response a line, in order, as it goes, so a large batch runs in one
//! process and a client can pipe requests in and read answers back. Blank
//! lines are skipped (they are not requests and get no answer).
//!
//! A request that cannot be read gets, in place of its response, one line
//! `{"error": "line N: ..."}` naming the line and, where there is one, the
//! field: `{"error": "line 3: missing field `reader`"}`,
//! `{"error": "line 4: missing field `people[0].role`"}`,
//! `{"error": "line 5: people[1].role: unknown variant `boss`, expected one of ..."}`,
//! `{"error": "line 6: invalid JSON: expected value at column 1"}`.
//! The stream carries on with the next line.

use std::io::{self, BufRead, Write};

use serde::Serialize;

use crate::check::{check, CheckRequest};

#[derive(Serialize)]
struct ErrorLine<'a> {
    error: &'a str,
}

/// Reads one request (or, with `jsonl`, one per line) and writes one
/// response per request. Malformed JSON or a missing field gives an error
/// object on that line naming the line number and the field; the stream
/// carries on. Returns the process exit code: 0 when every request was
/// answered, 1 when any line was an error (or, in single mode, the error).
pub fn run(mut input: impl BufRead, mut output: impl Write, jsonl: bool) -> io::Result<i32> {
    if !jsonl {
        let mut all = Vec::new();
        input.read_to_end(&mut all)?;
        let result = match std::str::from_utf8(&all) {
            Err(e) => {
                let line = all[..e.valid_up_to()]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count()
                    + 1;
                Err(format!("line {line}: input is not valid UTF-8"))
            }
            Ok(text) if text.trim().is_empty() => Err("line 1: no request (empty input)".into()),
            Ok(text) => parse(text).map_err(|e| e.message(None)),
        };
        let code = write_result(&mut output, result, &mut Vec::new())?;
        output.flush()?;
        return Ok(code);
    }

    let mut code = 0;
    let mut buf = Vec::new();
    // One buffer for every response line, so that writing a response does
    // not grow a new vector each time.
    let mut line = Vec::new();
    let mut line_no = 0usize;
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        line_no += 1;
        let result = match std::str::from_utf8(&buf) {
            Err(_) => Err(format!("line {line_no}: input is not valid UTF-8")),
            Ok(line) if line.trim().is_empty() => continue,
            Ok(line) => parse(line).map_err(|e| e.message(Some(line_no))),
        };
        if write_result(&mut output, result, &mut line)? != 0 {
            code = 1;
        }
        output.flush()?;
    }
    output.flush()?;
    Ok(code)
}

fn write_result(
    output: &mut impl Write,
    result: Result<CheckRequest, String>,
    line: &mut Vec<u8>,
) -> io::Result<i32> {
    line.clear();
    let code = match result {
        Ok(req) => {
            serde_json::to_writer(&mut *line, &check(&req)).map_err(io::Error::other)?;
            0
        }
        Err(message) => {
            serde_json::to_writer(&mut *line, &ErrorLine { error: &message })
                .map_err(io::Error::other)?;
            1
        }
    };
    line.push(b'\n');
    output.write_all(line)?;
    Ok(code)
}

/// Why a request could not be read.
struct ParseError {
    path: String,
    inner: serde_json::Error,
}

impl ParseError {
    /// "line N: ...". `line` is the line number in JSON-lines mode; in single
    /// mode the line comes from the position of the error.
    fn message(&self, line: Option<usize>) -> String {
        let line = line.unwrap_or_else(|| self.inner.line().max(1));
        let full = self.inner.to_string();
        // serde_json appends " at line L column C"; keep only the column.
        let (msg, column) = match full.rfind(" at line ") {
            Some(i) => (
                full[..i].to_string(),
                full[i..].rsplit(" column ").next().map(str::to_string),
            ),
            None => (full.clone(), None),
        };
        match self.inner.classify() {
            serde_json::error::Category::Data => {
                let root = self.path.is_empty() || self.path == ".";
                if let Some(field) = msg
                    .strip_prefix("missing field `")
                    .and_then(|r| r.strip_suffix('`'))
                {
                    if root {
                        format!("line {line}: missing field `{field}`")
                    } else {
                        format!("line {line}: missing field `{}.{field}`", self.path)
                    }
                } else if root {
                    format!("line {line}: {msg}")
                } else {
                    format!("line {line}: {}: {msg}", self.path)
                }
            }
            _ => match column {
                Some(c) => format!("line {line}: invalid JSON: {msg} at column {c}"),
                None => format!("line {line}: invalid JSON: {msg}"),
            },
        }
    }
}

fn parse(text: &str) -> Result<CheckRequest, ParseError> {
    // Almost every request is well formed: read it without tracking the
    // path, which costs as much again, and track it only to explain an error.
    if let Ok(req) = serde_json::from_str(text) {
        return Ok(req);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let req: CheckRequest = serde_path_to_error::deserialize(&mut de).map_err(|e| ParseError {
        path: e.path().to_string(),
        inner: e.into_inner(),
    })?;
    de.end().map_err(|inner| ParseError {
        path: String::new(),
        inner,
    })?;
    Ok(req)
}
