//! `.wslconfig` as a list of lines, read the way WSL reads it and edited one value at a
//! time: every other byte (comments, blank lines, order, CRLF or LF, a UTF-8 byte order
//! mark, a missing last newline) is rendered back exactly as it was.
//!
//! WSL's reader (microsoft/WSL `src/shared/configfile/configfile.cpp`), which this follows:
//! a section is `[name]` (a letter, then letters and digits) with only spaces or a `#`
//! comment after it; a key is a letter then letters and digits, then `=`; section and key
//! are matched ignoring case; a value ends at the line's end or at a `#` outside double
//! quotes (so `memory=8GB # note` is `8GB`), quotes are dropped, `\\ \" \b \n \t` are
//! escapes and a `\` at the end of a line continues the value; trailing spaces are
//! trimmed. Only `#` starts a comment: a `;` line is skipped with a warning, and a `;`
//! after a value is part of the value (`memory=8GB ; note` is not a size). When a key is
//! set twice, WSL uses the first.

use std::path::Path;

use super::lines::{parse_line, Line, LineKind};
use super::{Setting, WslError};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// How a file ends its lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnding {
    /// `\r\n`, as Notepad writes (and Berth writes for a new file).
    CrLf,
    /// `\n`.
    Lf,
}

impl LineEnding {
    /// The terminator itself.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CrLf => "\r\n",
            Self::Lf => "\n",
        }
    }
}

/// A parsed `.wslconfig`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WslConfig {
    bom: bool,
    line_ending: LineEnding,
    lines: Vec<Line>,
}

/// A key's value as WSL reads it, and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<'a> {
    /// The key as spelled in the file.
    pub key: &'a str,
    /// The value as WSL reads it.
    pub value: &'a str,
    /// The line it is on, from 1.
    pub line: usize,
}

/// Something in the file WSL reads differently from what its author probably meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentWarning {
    /// The line, from 1.
    pub line: usize,
    /// What WSL does with it, and what to write instead.
    pub message: String,
}

impl WslConfig {
    /// A file with nothing in it (what a missing `.wslconfig` amounts to).
    pub fn empty() -> Self {
        Self {
            bom: false,
            line_ending: LineEnding::CrLf,
            lines: Vec::new(),
        }
    }

    /// Read the bytes of `path` as WSL would.
    ///
    /// # Errors
    ///
    /// The file is UTF-16 or not UTF-8 ([`WslError::Utf16`], [`WslError::NotUtf8`]), or a
    /// line is neither blank, a comment, a `[section]` nor `key = value`
    /// ([`WslError::InvalidLine`], with its number).
    pub fn parse(bytes: &[u8], path: &Path) -> Result<Self, WslError> {
        if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
            return Err(WslError::Utf16 {
                path: path.to_path_buf(),
                evidence: "it starts with a UTF-16 byte order mark",
            });
        }
        if bytes.contains(&0) {
            return Err(WslError::Utf16 {
                path: path.to_path_buf(),
                evidence: "it has NUL bytes",
            });
        }
        let bom = bytes.starts_with(UTF8_BOM);
        let body = if bom { &bytes[UTF8_BOM.len()..] } else { bytes };
        let text = std::str::from_utf8(body).map_err(|err| WslError::NotUtf8 {
            path: path.to_path_buf(),
            line: 1 + body[..err.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count(),
        })?;
        let line_ending = match text.find('\n') {
            Some(at) if at > 0 && text.as_bytes()[at - 1] == b'\r' => LineEnding::CrLf,
            Some(_) => LineEnding::Lf,
            None => LineEnding::CrLf,
        };
        let mut lines = Vec::new();
        let mut start = 0;
        let mut number = 1;
        while start < text.len() {
            let (line, physical) = parse_line(&text[start..], number)
                .map_err(|(line, problem)| invalid_line(path, text, start, line, problem))?;
            start += line.raw.len();
            number += physical;
            lines.push(line);
        }
        Ok(Self {
            bom,
            line_ending,
            lines,
        })
    }

    /// The file's bytes: exactly those parsed, with the edits made since.
    pub fn render(&self) -> Vec<u8> {
        let mut out = Vec::new();
        if self.bom {
            out.extend_from_slice(UTF8_BOM);
        }
        for line in &self.lines {
            out.extend_from_slice(line.raw.as_bytes());
        }
        out
    }

    /// Whether the file starts with a UTF-8 byte order mark.
    pub fn has_bom(&self) -> bool {
        self.bom
    }

    /// How the file ends its lines (CRLF for a file that has no line end yet).
    pub fn line_ending(&self) -> LineEnding {
        self.line_ending
    }

    /// Whether the file has a `[wsl2]` section.
    pub fn has_wsl2_section(&self) -> bool {
        self.lines
            .iter()
            .any(|line| matches!(&line.kind, LineKind::Section { name } if is_wsl2(name)))
    }

    /// The `[wsl2]` entry WSL uses for `key` (the first, ignoring case), if any.
    pub fn get(&self, key: &str) -> Option<Entry<'_>> {
        self.wsl2_entries()
            .find(|(_, entry)| entry.key.eq_ignore_ascii_case(key))
            .map(|(_, entry)| entry)
    }

    /// Set `key` in `[wsl2]` to `value`. An existing entry keeps its spelling, spacing and
    /// `#` comment; a `; note` that WSL would have read as part of the old value is kept
    /// as a `# note`. A new key goes after the last key of the first `[wsl2]` section, or
    /// into a new `[wsl2]` section at the end of the file.
    ///
    /// # Errors
    ///
    /// `key` is not a key WSL reads, or `value` has a character this editor would have
    /// to quote or escape (a line end, `#`, `"`, `\`, or spaces at either end).
    pub fn set(&mut self, setting: Setting, value: &str) -> Result<(), WslError> {
        let key = setting.key();
        if value.is_empty() || value.trim() != value || value.contains(['\n', '\r', '#', '"', '\\'])
        {
            return Err(WslError::InvalidValue {
                setting,
                value: value.to_owned(),
                problem: "Berth writes only plain values (no line ends, #, \", \\, or spaces \
                          at either end)"
                    .to_owned(),
            });
        }
        let eol = self.line_ending.as_str();
        let existing = self
            .wsl2_entries()
            .find(|(_, entry)| entry.key.eq_ignore_ascii_case(key))
            .map(|(index, _)| index);
        if let Some(index) = existing {
            let line = &mut self.lines[index];
            let LineKind::Entry { span, .. } = &line.kind else {
                unreachable!("wsl2_entries yields entries only")
            };
            let span = span.clone();
            let written = &line.raw[span.clone()];
            let replacement = match semicolon_note(written) {
                Some(note) => format!("{value} # {note}"),
                None => value.to_owned(),
            };
            let raw = format!(
                "{}{replacement}{}",
                &line.raw[..span.start],
                &line.raw[span.end..]
            );
            *line = reparse(raw, line.number);
            self.renumber();
            return Ok(());
        }
        let new_line = format!("{key}={value}");
        match self.first_wsl2_insertion_point() {
            Some(after) => self.insert_after(after, new_line),
            None => {
                if let Some(last) = self.lines.last_mut() {
                    if !last.raw.ends_with('\n') {
                        last.raw.push_str(eol);
                    }
                }
                let mut added = Vec::new();
                if self
                    .lines
                    .last()
                    .is_some_and(|last| last.kind != LineKind::Blank)
                {
                    added.push(eol.to_owned());
                }
                added.push(format!("[wsl2]{eol}"));
                added.push(format!("{new_line}{eol}"));
                let number = self.next_line_number();
                self.lines.extend(
                    added
                        .into_iter()
                        .enumerate()
                        .map(|(i, raw)| reparse(raw, number + i)),
                );
            }
        }
        self.renumber();
        Ok(())
    }

    /// Remove `key` from every `[wsl2]` section (all its entries, as WSL's own editor
    /// does), so WSL's default applies. Returns whether there was one.
    pub fn remove(&mut self, setting: Setting) -> bool {
        let key = setting.key();
        let doomed: Vec<usize> = self
            .wsl2_entries()
            .filter(|(_, entry)| entry.key.eq_ignore_ascii_case(key))
            .map(|(index, _)| index)
            .collect();
        for &index in doomed.iter().rev() {
            let removed = self.lines.remove(index);
            // The file's last line had no line end: the line before now ends the file.
            if !removed.raw.ends_with('\n') && index == self.lines.len() {
                if let Some(previous) = self.lines.last_mut() {
                    let trimmed = previous
                        .raw
                        .trim_end_matches('\n')
                        .trim_end_matches('\r')
                        .len();
                    previous.raw.truncate(trimmed);
                }
            }
        }
        self.renumber();
        !doomed.is_empty()
    }

    /// What WSL reads differently from what the author probably meant: `;` lines, keys
    /// outside any section, keys set twice in `[wsl2]`.
    pub fn warnings(&self) -> Vec<DocumentWarning> {
        let mut warnings = Vec::new();
        let mut section: Option<&str> = None;
        let mut seen: Vec<(String, usize)> = Vec::new();
        for line in &self.lines {
            match &line.kind {
                LineKind::Semicolon => warnings.push(DocumentWarning {
                    line: line.number,
                    message: "starts with ';', which WSL does not read as a comment (it skips \
                              the line with a warning): start comments with '#'"
                        .to_owned(),
                }),
                LineKind::Section { name } => section = Some(name),
                LineKind::Entry { key, .. } => match section {
                    None => warnings.push(DocumentWarning {
                        line: line.number,
                        message: format!(
                            "'{key}' is outside any [section], so WSL ignores it ('unknown \
                             key'): move it under [wsl2]"
                        ),
                    }),
                    Some(name) if is_wsl2(name) => {
                        let lower = key.to_ascii_lowercase();
                        match seen.iter().find(|(k, _)| *k == lower) {
                            Some((_, first)) => warnings.push(DocumentWarning {
                                line: line.number,
                                message: format!(
                                    "'{key}' is set again (first on line {first}); WSL uses \
                                     the first: remove one of them"
                                ),
                            }),
                            None => seen.push((lower, line.number)),
                        }
                    }
                    Some(_) => {}
                },
                LineKind::Blank | LineKind::Comment => {}
            }
        }
        warnings
    }

    /// Every key in a `[wsl2]` section, with its index in `lines`, in file order.
    fn wsl2_entries(&self) -> impl Iterator<Item = (usize, Entry<'_>)> {
        let mut in_wsl2 = false;
        self.lines
            .iter()
            .enumerate()
            .filter_map(move |(index, line)| match &line.kind {
                LineKind::Section { name } => {
                    in_wsl2 = is_wsl2(name);
                    None
                }
                LineKind::Entry { key, value, .. } if in_wsl2 => Some((
                    index,
                    Entry {
                        key,
                        value,
                        line: line.number,
                    },
                )),
                _ => None,
            })
    }

    /// The index of the line a new `[wsl2]` key goes after: the first `[wsl2]` section's
    /// last key, or its header when it has none.
    fn first_wsl2_insertion_point(&self) -> Option<usize> {
        let header = self
            .lines
            .iter()
            .position(|line| matches!(&line.kind, LineKind::Section { name } if is_wsl2(name)))?;
        let mut after = header;
        for (index, line) in self.lines.iter().enumerate().skip(header + 1) {
            match line.kind {
                LineKind::Section { .. } => break,
                LineKind::Entry { .. } => after = index,
                _ => {}
            }
        }
        Some(after)
    }

    /// Insert `text` as a line after `lines[after]`, which may be the file's last line
    /// without a line end: the new line then takes over ending the file without one.
    fn insert_after(&mut self, after: usize, text: String) {
        let eol = self.line_ending.as_str();
        let previous = &mut self.lines[after];
        let raw = if previous.raw.ends_with('\n') {
            format!("{text}{eol}")
        } else {
            previous.raw.push_str(eol);
            text
        };
        let line = reparse(raw, previous.number + 1);
        self.lines.insert(after + 1, line);
    }

    fn next_line_number(&self) -> usize {
        self.lines
            .last()
            .map_or(1, |line| line.number + physical_lines(&line.raw))
    }

    /// Line numbers after an insertion or removal.
    fn renumber(&mut self) {
        let mut number = 1;
        for line in &mut self.lines {
            line.number = number;
            number += physical_lines(&line.raw);
        }
    }
}

/// `[wsl2]`, as WSL matches it: ignoring case.
fn is_wsl2(name: &str) -> bool {
    name.eq_ignore_ascii_case("wsl2")
}

/// How many physical lines `raw` is (a line without its line end still counts as one).
fn physical_lines(raw: &str) -> usize {
    let ends = raw.matches('\n').count();
    if raw.ends_with('\n') {
        ends.max(1)
    } else {
        ends + 1
    }
}

/// A line Berth built itself, which parses by construction.
fn reparse(raw: String, number: usize) -> Line {
    match parse_line(&raw, number) {
        Ok((line, _)) if line.raw.len() == raw.len() => line,
        _ => unreachable!("Berth only builds lines it can read back: {raw:?}"),
    }
}

/// The text of a `; note` at the end of a written value, which WSL reads as part of it.
fn semicolon_note(written: &str) -> Option<&str> {
    if written.starts_with('"') {
        return None;
    }
    let at = written.find([' ', '\t'])?;
    let rest = written[at..].trim_start();
    rest.strip_prefix(';').map(str::trim)
}

/// The error for a line that failed to parse, quoting it.
fn invalid_line(path: &Path, text: &str, start: usize, line: usize, problem: String) -> WslError {
    let quoted = text
        .lines()
        .nth(line - 1)
        .or_else(|| text[start..].lines().next())
        .unwrap_or_default();
    WslError::InvalidLine {
        path: path.to_path_buf(),
        line,
        problem,
        text: quoted.trim_end_matches('\r').to_owned(),
    }
}

#[cfg(test)]
#[path = "document_tests.rs"]
mod tests;
