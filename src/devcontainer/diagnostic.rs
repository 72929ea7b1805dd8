//! A problem at a place in a file, shown the way rustc and ripgrep show one: `file:line:col:
//! message`, then the offending line with a caret under the column.

use std::fmt;
use std::path::{Path, PathBuf};

use super::jsonc::Position;

/// How many characters of a long line to show on each side of the caret.
const CONTEXT_CHARS: usize = 60;

/// A problem at a line and column of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong and how to fix it.
    pub message: String,
    /// The text of the line (without its line break).
    pub line_text: String,
}

impl Diagnostic {
    /// A diagnostic for byte `offset` of `text`, the contents of `path`.
    pub fn at(path: &Path, text: &str, offset: usize, message: impl Into<String>) -> Self {
        let Position {
            line,
            column,
            line_text,
        } = Position::at(text, offset);
        Self {
            path: path.to_owned(),
            line,
            column,
            message: message.into(),
            line_text,
        }
    }

    /// The source line (shortened around the column when long) and the caret line.
    fn excerpt(&self) -> (String, String) {
        let chars: Vec<char> = self.line_text.chars().collect();
        let caret_index = self.column.saturating_sub(1).min(chars.len());
        let start = caret_index.saturating_sub(CONTEXT_CHARS);
        let end = (caret_index + CONTEXT_CHARS).min(chars.len());
        let mut shown = String::new();
        let mut pad = String::new();
        if start > 0 {
            shown.push('…');
            pad.push(' ');
        }
        for (i, c) in chars[start..end].iter().enumerate() {
            // Control characters would garble the terminal; show them as a space.
            let c = if *c != '\t' && c.is_control() {
                ' '
            } else {
                *c
            };
            shown.push(c);
            if start + i < caret_index {
                pad.push(if c == '\t' { '\t' } else { ' ' });
            }
        }
        if end < chars.len() {
            shown.push('…');
        }
        (shown, format!("{pad}^"))
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (shown, caret) = self.excerpt();
        let number = self.line.to_string();
        let gutter = " ".repeat(number.len());
        write!(
            f,
            "{}:{}:{}: {}\n{gutter} |\n{number} | {shown}\n{gutter} | {caret}",
            self.path.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

impl std::error::Error for Diagnostic {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_the_line_with_a_caret() {
        let text = "{\n  \"image\": 'ubuntu'\n}";
        let offset = text.find('\'').unwrap();
        let d = Diagnostic::at(
            Path::new("a/devcontainer.json"),
            text,
            offset,
            "use double quotes",
        );
        assert_eq!(
            d.to_string(),
            "a/devcontainer.json:2:12: use double quotes\n  |\n2 |   \"image\": 'ubuntu'\n  |            ^"
        );
    }

    #[test]
    fn tabs_keep_the_caret_aligned() {
        let text = "{\n\t\t\"a\": x\n}";
        let d = Diagnostic::at(Path::new("f"), text, text.find('x').unwrap(), "m");
        assert!(d.to_string().ends_with("\n  | \t\t     ^"), "{d}");
    }

    #[test]
    fn long_lines_are_shortened_around_the_column() {
        let text = format!("{{\"a\": \"{}\", x}}", "y".repeat(500));
        let d = Diagnostic::at(Path::new("f"), &text, text.find('x').unwrap(), "m");
        let rendered = d.to_string();
        let lines: Vec<&str> = rendered.lines().collect();
        assert!(lines[2].starts_with("1 | …"), "{rendered}");
        assert!(lines[2].chars().count() < 140, "{rendered}");
        let caret = lines[3].find('^').unwrap();
        let x = lines[2].char_indices().position(|(_, c)| c == 'x').unwrap();
        assert_eq!(lines[3][..caret].chars().count(), x, "{rendered}");
    }

    #[test]
    fn an_error_at_the_end_of_the_file_points_past_the_last_char() {
        let text = "{\"a\": 1";
        let d = Diagnostic::at(Path::new("f"), text, text.len(), "unclosed");
        assert_eq!((d.line, d.column), (1, 8));
        assert!(d.to_string().ends_with("|        ^"), "{d}");
    }
}
