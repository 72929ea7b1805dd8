//! The lines of `.wslconfig`, one at a time, as WSL's reader sees them (the rules are in
//! the `document` module's comment): what kind each is, and for a key its value as WSL
//! reads it and where that value is written.

use std::ops::Range;

/// One line as written: a key whose value is continued with `\` spans several physical
/// lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Line {
    /// The text, its line terminator included (the file's last line may have none).
    pub(super) raw: String,
    /// The number of its first physical line, from 1.
    pub(super) number: usize,
    pub(super) kind: LineKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum LineKind {
    Blank,
    /// A `#` comment.
    Comment,
    /// A line starting with `;`: kept, but WSL does not read it as a comment.
    Semicolon,
    Section {
        name: String,
    },
    Entry {
        key: String,
        /// The value as WSL reads it.
        value: String,
        /// Where the written value is in `raw` (quotes included, trailing spaces not).
        span: Range<usize>,
    },
}

/// What went wrong on a line: its 1-based number and the problem.
pub(super) type LineError = (usize, String);

/// Parse the line at the start of `text` (numbered `number`); returns it and how many
/// physical lines it spans.
pub(super) fn parse_line(text: &str, number: usize) -> Result<(Line, usize), LineError> {
    let bytes = text.as_bytes();
    let physical_end = text.find('\n').map_or(text.len(), |at| at + 1);
    let content_end = content_end(text, physical_end);
    let indent = bytes[..content_end]
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    let simple = |kind| {
        Ok((
            Line {
                raw: text[..physical_end].to_owned(),
                number,
                kind,
            },
            1,
        ))
    };
    match bytes.get(indent).filter(|_| indent < content_end) {
        None => simple(LineKind::Blank),
        Some(b'#') => simple(LineKind::Comment),
        Some(b';') => simple(LineKind::Semicolon),
        Some(b'[') => {
            let name = parse_section(&text[indent + 1..content_end]).map_err(|p| (number, p))?;
            simple(LineKind::Section { name })
        }
        Some(b) if b.is_ascii_alphabetic() => parse_entry(text, indent, number),
        Some(_) => Err((
            number,
            "expected a key (starting with a letter) and '=', a [section], a '#' comment or a \
             blank line"
                .to_owned(),
        )),
    }
}

/// Where a physical line's content ends: before its `\r\n` or `\n`.
fn content_end(text: &str, physical_end: usize) -> usize {
    let bytes = text.as_bytes();
    let mut end = physical_end;
    if end > 0 && bytes[end - 1] == b'\n' {
        end -= 1;
        if end > 0 && bytes[end - 1] == b'\r' {
            end -= 1;
        }
    }
    end
}

/// The name in `[name]` (`rest` is what follows the `[`).
fn parse_section(rest: &str) -> Result<String, String> {
    let name_len = rest
        .bytes()
        .enumerate()
        .take_while(|&(i, b)| {
            if i == 0 {
                b.is_ascii_alphabetic()
            } else {
                b.is_ascii_alphanumeric()
            }
        })
        .count();
    if name_len == 0 {
        return Err("a section name must start with a letter, as in [wsl2]".to_owned());
    }
    let after = &rest[name_len..];
    let Some(after) = after.strip_prefix(']') else {
        return Err(if after.is_empty() {
            "the section header is not closed with ']'".to_owned()
        } else {
            "a section name has only letters and digits, then ']', as in [wsl2]".to_owned()
        });
    };
    let after = after.trim_start_matches([' ', '\t']);
    if after.is_empty() || after.starts_with('#') {
        Ok(rest[..name_len].to_owned())
    } else {
        Err("only spaces or a '#' comment may follow a section header".to_owned())
    }
}

/// A `key = value` line (maybe continued with `\`), the key starting at `indent`.
fn parse_entry(text: &str, indent: usize, number: usize) -> Result<(Line, usize), LineError> {
    let bytes = text.as_bytes();
    let key_end = indent
        + bytes[indent..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
    let key = text[indent..key_end].to_owned();
    let mut at = key_end;
    while matches!(bytes.get(at), Some(b' ' | b'\t')) {
        at += 1;
    }
    if bytes.get(at) != Some(&b'=') {
        return Err((
            number,
            format!("expected '=' after the key '{key}' (keys have only letters and digits)"),
        ));
    }
    at += 1;
    while matches!(bytes.get(at), Some(b' ' | b'\t')) {
        at += 1;
    }
    let start = at;
    let mut value = String::new();
    let mut trimmed_len = 0;
    let mut span_end = start;
    let mut in_quote = false;
    let mut line = number;
    let end = loop {
        let Some(c) = text[at..].chars().next() else {
            break at;
        };
        match c {
            '\n' => break at + 1,
            '\r' if bytes.get(at + 1) == Some(&b'\n') => break at + 2,
            '\r' => {
                return Err((
                    line,
                    "a carriage return in the middle of the line".to_owned(),
                ))
            }
            '#' if !in_quote => {
                // The rest of the line is a comment.
                let physical_end = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
                break physical_end;
            }
            '"' => {
                in_quote = !in_quote;
                at += 1;
                span_end = at;
                trimmed_len = value.len();
                continue;
            }
            '\\' => {
                let next = text[at + 1..].chars().next();
                let (push, width) = match next {
                    Some('\\') => (Some('\\'), 2),
                    Some('"') => (Some('"'), 2),
                    Some('b') => (Some('\u{8}'), 2),
                    Some('n') => (Some('\n'), 2),
                    Some('t') => (Some('\t'), 2),
                    // A line continuation; CRLF counts as one line end, as WSL reads the
                    // file in text mode.
                    Some('\n') => (None, 2),
                    Some('\r') if bytes.get(at + 2) == Some(&b'\n') => (None, 3),
                    Some(other) => {
                        return Err((
                            line,
                            format!(
                                "'\\{}' is not an escape WSL knows (write '\\\\' for a backslash)",
                                other.escape_default()
                            ),
                        ))
                    }
                    None => return Err((line, "a '\\' at the very end of the file".to_owned())),
                };
                match push {
                    Some(c) => value.push(c),
                    None => line += 1,
                }
                at += width;
                span_end = at;
                trimmed_len = value.len();
                continue;
            }
            _ => {}
        }
        value.push(c);
        at += c.len_utf8();
        if c != ' ' && c != '\t' {
            span_end = at;
            trimmed_len = value.len();
        }
    };
    if in_quote {
        return Err((line, "a '\"' in the value is not closed".to_owned()));
    }
    value.truncate(trimmed_len);
    Ok((
        Line {
            raw: text[..end].to_owned(),
            number,
            kind: LineKind::Entry {
                key,
                value,
                span: start..span_end,
            },
        },
        line - number + 1,
    ))
}
