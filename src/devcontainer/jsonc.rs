//! The strict JSONC reader: JSON plus comments and trailing commas, exactly what VS Code's
//! editor accepts in a devcontainer.json and nothing more, into a tree that remembers
//! where every value came from, so later errors can point at the line and column.
//!
//! `jsonc-parser` does the tokenising with every leniency switched off except comments
//! and trailing commas. A small pre-scan adds what VS Code's scanner also rejects and the
//! parser lets through: raw control characters inside strings and characters other than
//! space, tab and line breaks between tokens (a no-break space, a form feed). Duplicate
//! keys, which VS Code only warns about, are rejected here: in JavaScript the later one
//! silently wins, and in a hand-edited file that is almost always a mistake.

use jsonc_parser::errors::ParseErrorKind;
use jsonc_parser::{ast, ParseOptions, ParseStringErrorKind};

/// A byte range in the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Offset of the first byte.
    pub start: usize,
    /// Offset one past the last byte.
    pub end: usize,
}

/// A JSON value and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where it was written, quotes and brackets included.
    pub span: Span,
}

/// A JSON value whose children carry their own spans.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as written (already checked to be a valid JSON number).
    Number(String),
    /// A string, escapes decoded.
    String(String),
    /// An array.
    Array(Vec<Node>),
    /// An object's properties, in the order written (keys are unique).
    Object(Vec<Member>),
}

/// One property of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// The property name, escapes decoded.
    pub key: String,
    /// Where the name was written.
    pub key_span: Span,
    /// The property's value.
    pub value: Node,
}

/// Why a text is not valid JSONC; each variant knows the byte offset it is about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyntaxError {
    /// The bytes are not UTF-8.
    #[error("the file is not valid UTF-8 (byte 0x{byte:02x}); save it as UTF-8")]
    InvalidUtf8 {
        /// Offset of the first invalid byte.
        offset: usize,
        /// That byte.
        byte: u8,
    },
    /// Nothing but whitespace and comments.
    #[error("the file is empty; a devcontainer.json holds one JSON object, e.g. {{\"image\": \"ubuntu\"}}")]
    Empty {
        /// Where the text ends.
        offset: usize,
    },
    /// A raw control character (e.g. a tab or a line break) inside a string.
    #[error("{name} inside a string: write it as an escape ({escape})")]
    ControlCharacterInString {
        /// Offset of the character.
        offset: usize,
        /// What it is, e.g. "a line break".
        name: String,
        /// How to write it instead, e.g. `\n`.
        escape: String,
    },
    /// A character that is not JSON whitespace between tokens.
    #[error(
        "unexpected character {name}: only spaces, tabs and line breaks may separate JSON values"
    )]
    InvalidWhitespace {
        /// Offset of the character.
        offset: usize,
        /// The character, e.g. "U+00A0 (no-break space)".
        name: String,
    },
    /// The same property twice in one object.
    #[error("duplicate property \"{key}\" (first set on line {first_line}); remove one of them")]
    DuplicateKey {
        /// Offset of the second occurrence.
        offset: usize,
        /// The property name.
        key: String,
        /// The line of the first occurrence.
        first_line: usize,
    },
    /// Anything the parser rejects; `message` says what and how to fix it.
    #[error("{message}")]
    Invalid {
        /// Where the parser stopped.
        offset: usize,
        /// What is wrong.
        message: String,
    },
}

impl SyntaxError {
    /// The byte offset this error is about.
    pub fn offset(&self) -> usize {
        match self {
            Self::InvalidUtf8 { offset, .. }
            | Self::Empty { offset }
            | Self::ControlCharacterInString { offset, .. }
            | Self::InvalidWhitespace { offset, .. }
            | Self::DuplicateKey { offset, .. }
            | Self::Invalid { offset, .. } => *offset,
        }
    }
}

/// The parser options Berth uses: comments and trailing commas, and nothing else that
/// VS Code would underline in red.
pub fn strict_options() -> ParseOptions {
    ParseOptions {
        allow_comments: true,
        allow_trailing_commas: true,
        allow_loose_object_property_names: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

/// Decode `bytes` as UTF-8, dropping a leading byte-order mark (VS Code does too).
///
/// # Errors
///
/// [`SyntaxError::InvalidUtf8`] at the first byte that is not UTF-8.
pub fn decode(bytes: &[u8]) -> Result<&str, SyntaxError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|err| {
        let offset = err.valid_up_to();
        SyntaxError::InvalidUtf8 {
            offset,
            byte: bytes.get(offset).copied().unwrap_or_default(),
        }
    })
}

/// Parse `text` strictly into a tree of located values.
///
/// # Errors
///
/// The first problem in the text, by position.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    let lexical = prescan(text).err();
    let parsed = jsonc_parser::parse_to_ast(text, &Default::default(), &strict_options());
    let value = match parsed {
        Ok(result) => result.value,
        Err(err) => {
            let mut offset = err.range().start.min(text.len());
            if matches!(err.kind(), ParseErrorKind::ExpectedComma) {
                // Point where VS Code does: at the value that needs a comma before it.
                offset = skip_trivia(text, offset);
            }
            let err = SyntaxError::Invalid {
                offset,
                message: describe(err.kind(), text[offset..].chars().next()),
            };
            return Err(earliest(lexical, err));
        }
    };
    if let Some(err) = lexical {
        return Err(err);
    }
    let Some(value) = value else {
        return Err(SyntaxError::Empty { offset: text.len() });
    };
    convert(text, value)
}

/// The offset of the first token at or after `offset`, past whitespace and comments.
fn skip_trivia(text: &str, mut offset: usize) -> usize {
    if !text.is_char_boundary(offset) {
        return offset;
    }
    loop {
        let rest = &text[offset..];
        let trimmed = rest.trim_start_matches([' ', '\t', '\n', '\r']);
        offset += rest.len() - trimmed.len();
        if let Some(comment) = trimmed.strip_prefix("//") {
            offset += 2 + comment.find(['\n', '\r']).unwrap_or(comment.len());
        } else if let Some(comment) = trimmed.strip_prefix("/*") {
            match comment.find("*/") {
                Some(end) => offset += 2 + end + 2,
                None => return offset,
            }
        } else {
            return offset;
        }
    }
}

/// The earlier of two errors (the pre-scan's when it has one that comes first).
fn earliest(first: Option<SyntaxError>, second: SyntaxError) -> SyntaxError {
    match first {
        Some(first) if first.offset() <= second.offset() => first,
        _ => second,
    }
}

/// What VS Code's scanner rejects and `jsonc-parser` accepts: raw control characters in
/// strings and non-JSON whitespace. Stops quietly at anything the parser will report.
fn prescan(text: &str) -> Result<(), SyntaxError> {
    let mut chars = text.char_indices().peekable();
    while let Some((offset, c)) = chars.next() {
        match c {
            ' ' | '\t' | '\n' | '\r' => {}
            '"' => loop {
                let Some((offset, c)) = chars.next() else {
                    return Ok(());
                };
                match c {
                    '"' => break,
                    '\\' => {
                        chars.next();
                    }
                    c if u32::from(c) < 0x20 => {
                        let (name, escape) = control_name(c);
                        return Err(SyntaxError::ControlCharacterInString {
                            offset,
                            name: name.to_owned(),
                            escape,
                        });
                    }
                    _ => {}
                }
            },
            '/' => match chars.peek() {
                Some((_, '/')) => {
                    while let Some((_, c)) = chars.peek() {
                        if *c == '\n' || *c == '\r' {
                            break;
                        }
                        chars.next();
                    }
                }
                Some((_, '*')) => {
                    chars.next();
                    let mut star = false;
                    loop {
                        let Some((_, c)) = chars.next() else {
                            return Ok(());
                        };
                        if star && c == '/' {
                            break;
                        }
                        star = c == '*';
                    }
                }
                _ => return Ok(()),
            },
            c if c.is_whitespace() || c.is_control() || c == '\u{FEFF}' => {
                return Err(SyntaxError::InvalidWhitespace {
                    offset,
                    name: char_name(c),
                });
            }
            _ => {}
        }
    }
    Ok(())
}

/// A control character's name and its JSON escape.
fn control_name(c: char) -> (&'static str, String) {
    match c {
        '\n' | '\r' => ("a line break", "\\n".to_owned()),
        '\t' => ("a tab", "\\t".to_owned()),
        '\u{8}' => ("a backspace", "\\b".to_owned()),
        '\u{c}' => ("a form feed", "\\f".to_owned()),
        other => (
            "a control character",
            format!("\\u{:04x}", u32::from(other)),
        ),
    }
}

/// `U+00A0 (no-break space)` and the like.
fn char_name(c: char) -> String {
    let name = match c {
        '\u{a0}' => " (no-break space)",
        '\u{feff}' => " (byte-order mark)",
        '\u{b}' => " (vertical tab)",
        '\u{c}' => " (form feed)",
        '\u{2028}' => " (line separator)",
        '\u{2029}' => " (paragraph separator)",
        '\u{200b}' => " (zero-width space)",
        '\u{3000}' => " (ideographic space)",
        _ => "",
    };
    format!("U+{:04X}{name}", u32::from(c))
}

/// The parser's error, in words that say how to fix it; `found` is the character the
/// parser stopped at.
fn describe(kind: &ParseErrorKind, found: Option<char>) -> String {
    use ParseErrorKind as K;
    let text = match kind {
        K::ExpectedComma => "expected a comma before this value",
        K::ExpectedColonAfterObjectKey => "expected ':' after the property name",
        K::ExpectedObjectValue => "expected a value after ':'",
        K::ExpectedStringObjectProperty => "expected a property name in double quotes",
        K::SingleQuotedStringsNotAllowed => "single-quoted strings are not JSON: use double quotes",
        K::HexadecimalNumbersNotAllowed => {
            "hexadecimal numbers are not JSON: write the number in decimal"
        }
        K::UnaryPlusNumbersNotAllowed => "a '+' before a number is not JSON: remove it",
        K::BareDecimalPointNumbersNotAllowed => {
            "a number needs digits on both sides of its decimal point, e.g. 0.5"
        }
        K::NonFiniteNumbersNotAllowed => "Infinity and NaN are not JSON numbers",
        K::ExpectedDigit => "invalid number: expected a digit",
        K::ExpectedDigitFollowingNegativeSign => "invalid number: expected a digit after '-'",
        K::ExpectedPlusMinusOrDigitInNumberLiteral => {
            "invalid number: expected a digit after the exponent's 'e'"
        }
        K::MultipleRootJsonValues => {
            "unexpected text after the end of the JSON value; a devcontainer.json holds one object"
        }
        K::UnexpectedCloseBrace => "unexpected '}'",
        K::UnexpectedCloseBracket => "unexpected ']'",
        K::UnexpectedColon => "unexpected ':'",
        K::UnexpectedComma => {
            "unexpected ',' (two commas in a row, or a comma before the first value)"
        }
        K::UnexpectedToken | K::UnexpectedWord => {
            return match found {
                Some('#') => "unexpected '#': comments are // or /* */ in JSON".to_owned(),
                Some(c) if c.is_alphanumeric() || c == '_' => "unexpected word: strings need double quotes, and JSON's only bare words are true, false and null".to_owned(),
                Some(c) => format!("unexpected character '{c}'"),
                None => "unexpected end of the file".to_owned(),
            };
        }
        K::UnexpectedTokenInObject => {
            "unexpected character in an object: expected a property name in double quotes"
        }
        K::UnterminatedArray => "this array is never closed: add a ']'",
        K::UnterminatedObject => "this object is never closed: add a '}'",
        K::UnterminatedCommentBlock => "this comment is never closed: add '*/'",
        K::CommentsNotAllowed => "comments are not allowed here",
        K::TrailingCommasNotAllowed => "trailing commas are not allowed here",
        K::NestingDepthExceeded => "values are nested too deeply",
        K::String(kind) => return describe_string(kind),
        other => return other.to_string(),
    };
    text.to_owned()
}

/// A string literal's error, in words.
fn describe_string(kind: &ParseStringErrorKind) -> String {
    use ParseStringErrorKind as K;
    match kind {
        K::UnterminatedStringLiteral => "this string is never closed: add a '\"'".to_owned(),
        K::InvalidEscape | K::InvalidEscapeInDoubleQuoteString | K::ExpectedTwoHexDigits => {
            "invalid escape in a string: JSON knows \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX (write a backslash as \\\\)".to_owned()
        }
        K::ExpectedFourHexDigits => "invalid escape in a string: \\u needs four hex digits".to_owned(),
        K::InvalidUnicodeEscapeSequence(sequence) => {
            format!("invalid \\u escape in a string: \\u{sequence} is not a character")
        }
        other => other.to_string(),
    }
}

/// Turn the parser's tree into located values, rejecting duplicate keys.
fn convert(text: &str, value: ast::Value<'_>) -> Result<Node, SyntaxError> {
    let span = span_of(&value);
    let value = match value {
        ast::Value::NullKeyword(_) => Value::Null,
        ast::Value::BooleanLit(lit) => Value::Bool(lit.value),
        ast::Value::NumberLit(lit) => Value::Number(lit.value.to_owned()),
        ast::Value::StringLit(lit) => Value::String(lit.value.into_owned()),
        ast::Value::Array(array) => Value::Array(
            array
                .elements
                .into_iter()
                .map(|element| convert(text, element))
                .collect::<Result<_, _>>()?,
        ),
        ast::Value::Object(object) => {
            let mut members: Vec<Member> = Vec::with_capacity(object.properties.len());
            for property in object.properties {
                let key_span = match &property.name {
                    ast::ObjectPropName::String(lit) => to_span(lit.range),
                    ast::ObjectPropName::Word(lit) => to_span(lit.range),
                };
                let key = property.name.into_string();
                if let Some(first) = members.iter().find(|m| m.key == key) {
                    return Err(SyntaxError::DuplicateKey {
                        offset: key_span.start,
                        key,
                        first_line: Position::at(text, first.key_span.start).line,
                    });
                }
                members.push(Member {
                    key,
                    key_span,
                    value: convert(text, property.value)?,
                });
            }
            Value::Object(members)
        }
    };
    Ok(Node { value, span })
}

fn span_of(value: &ast::Value<'_>) -> Span {
    to_span(match value {
        ast::Value::StringLit(v) => v.range,
        ast::Value::NumberLit(v) => v.range,
        ast::Value::BooleanLit(v) => v.range,
        ast::Value::Object(v) => v.range,
        ast::Value::Array(v) => v.range,
        ast::Value::NullKeyword(v) => v.range,
    })
}

fn to_span(range: jsonc_parser::common::Range) -> Span {
    Span {
        start: range.start,
        end: range.end,
    }
}

impl Node {
    /// What kind of value this is, as a user would say it: "a string", "an object".
    pub fn kind(&self) -> &'static str {
        self.value.kind()
    }

    /// The plain JSON value, without positions.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(raw) => number_to_json(raw),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Array(items) => {
                serde_json::Value::Array(items.iter().map(Node::to_json).collect())
            }
            Value::Object(members) => serde_json::Value::Object(
                members
                    .iter()
                    .map(|m| (m.key.clone(), m.value.to_json()))
                    .collect(),
            ),
        }
    }

    /// The member `key` of this object, if it is an object and has one.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Object(members) => members.iter().find(|m| m.key == key).map(|m| &m.value),
            _ => None,
        }
    }
}

impl Value {
    /// What kind of value this is, as a user would say it.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }
}

/// A JSON number as `serde_json` holds it; one too large for a float becomes `null`, as
/// `JSON.parse` and `JSON.stringify` would make it.
fn number_to_json(raw: &str) -> serde_json::Value {
    serde_json::from_str::<serde_json::Number>(raw)
        .map(serde_json::Value::Number)
        .unwrap_or(serde_json::Value::Null)
}

/// A 1-based line and column (in characters) in a text, and the text of that line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// 1-based line number; `\n`, `\r\n` and a lone `\r` each end a line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// The whole line, without its line break.
    pub line_text: String,
}

impl Position {
    /// The position of byte `offset` in `text` (clamped to the text, and to the start of
    /// the character it falls in).
    pub fn at(text: &str, offset: usize) -> Self {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let bytes = text.as_bytes();
        let mut line = 1;
        let mut line_start = 0;
        let mut i = 0;
        while i < offset {
            match bytes[i] {
                b'\n' => {
                    line += 1;
                    line_start = i + 1;
                }
                b'\r' => {
                    if bytes.get(i + 1) == Some(&b'\n') && i + 1 < offset {
                        i += 1;
                    }
                    line += 1;
                    line_start = i + 1;
                }
                _ => {}
            }
            i += 1;
        }
        let line_start = line_start.min(offset);
        let column = text[line_start..offset].chars().count() + 1;
        let rest = &text[line_start..];
        let line_end = rest.find(['\n', '\r']).unwrap_or(rest.len());
        Self {
            line,
            column,
            line_text: rest[..line_end].to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_at(text: &str) -> (usize, usize, String) {
        let err = parse(text).expect_err("should not parse");
        let position = Position::at(text, err.offset());
        (position.line, position.column, err.to_string())
    }

    #[test]
    fn comments_and_trailing_commas_are_fine() {
        let text = "// top\n{\n  /* block */ \"a\": [1, 2,], // end\n  \"b\": {\"c\": null,},\n}\n";
        let node = parse(text).unwrap();
        assert_eq!(
            node.to_json(),
            serde_json::json!({"a": [1, 2], "b": {"c": null}})
        );
    }

    #[test]
    fn a_missing_comma_is_an_error_at_the_next_value() {
        let (line, column, message) = error_at("{\n  \"a\": 1\n  \"b\": 2\n}");
        assert_eq!((line, column), (3, 3), "{message}");
        assert!(message.contains("comma"), "{message}");
    }

    #[test]
    fn single_quotes_are_an_error() {
        let (line, column, message) = error_at("{\"image\": 'ubuntu'}");
        assert_eq!((line, column), (1, 11));
        assert!(message.contains("double quotes"), "{message}");
    }

    #[test]
    fn hex_numbers_are_an_error() {
        let (line, column, message) = error_at("{\"cpus\": 0x10}");
        assert_eq!((line, column), (1, 10));
        assert!(message.contains("hexadecimal"), "{message}");
    }

    #[test]
    fn an_unclosed_comment_is_an_error() {
        let (_, _, message) = error_at("{\"a\": 1 /* oops\n}");
        assert!(message.contains("comment is never closed"), "{message}");
    }

    #[test]
    fn lenient_extensions_are_errors() {
        for text in [
            "{a: 1}",
            "{\"a\": +1}",
            "{\"a\": .5}",
            "{\"a\": 5.}",
            "{\"a\": Infinity}",
            "{\"a\": NaN}",
            "{\"a\": \"\\x41\"}",
            "{\"a\": \"\\v\"}",
            "{\"a\": 01}",
            "[1 2]",
            "{\"a\": 1} {}",
            "# comment\n{}",
        ] {
            assert!(parse(text).is_err(), "{text:?} should not parse");
        }
    }

    #[test]
    fn raw_control_characters_in_strings_are_errors() {
        let (line, column, message) = error_at("{\"a\": \"x\ty\"}");
        assert_eq!((line, column), (1, 9));
        assert!(
            message.contains("tab") && message.contains("\\t"),
            "{message}"
        );
        let (line, column, message) = error_at("{\"a\": \"x\ny\"}");
        assert_eq!((line, column), (1, 9));
        assert!(message.contains("line break"), "{message}");
    }

    #[test]
    fn non_json_whitespace_is_an_error() {
        let (line, column, message) = error_at("{\n\u{a0}\"a\": 1}");
        assert_eq!((line, column), (2, 1));
        assert!(message.contains("U+00A0"), "{message}");
    }

    #[test]
    fn the_earliest_problem_is_reported() {
        // The no-break space comes after the missing comma.
        let (line, _, message) = error_at("{\"a\": 1 \"b\": 2,\n\u{a0}}");
        assert_eq!(line, 1, "{message}");
        assert!(message.contains("comma"), "{message}");
    }

    #[test]
    fn a_byte_order_mark_is_dropped() {
        let text = decode(b"\xEF\xBB\xBF{\"a\": 1}").unwrap();
        assert_eq!(parse(text).unwrap().to_json(), serde_json::json!({"a": 1}));
    }

    #[test]
    fn invalid_utf8_names_the_byte() {
        let err = decode(b"{\"a\": \"\xff\"}").unwrap_err();
        assert_eq!(err.offset(), 7);
        assert!(err.to_string().contains("0xff"), "{err}");
    }

    #[test]
    fn duplicate_keys_are_errors_at_the_second() {
        let (line, column, message) = error_at("{\n  \"a\": 1,\n  \"a\": 2\n}");
        assert_eq!((line, column), (3, 3));
        assert!(
            message.contains("\"a\"") && message.contains("line 2"),
            "{message}"
        );
    }

    #[test]
    fn an_empty_file_is_an_error() {
        assert!(matches!(
            parse("  // nothing\n"),
            Err(SyntaxError::Empty { .. })
        ));
    }

    #[test]
    fn positions_count_characters_and_every_line_break() {
        let text = "é\r\nab\rcd\nef";
        assert_eq!(Position::at(text, 0).line, 1);
        let p = Position::at(text, text.find('b').unwrap());
        assert_eq!((p.line, p.column, p.line_text.as_str()), (2, 2, "ab"));
        let p = Position::at(text, text.find('d').unwrap());
        assert_eq!((p.line, p.column, p.line_text.as_str()), (3, 2, "cd"));
        let p = Position::at(text, text.find('f').unwrap());
        assert_eq!((p.line, p.column), (4, 2));
        let p = Position::at("aé", 2);
        assert_eq!(p.column, 2);
    }

    #[test]
    fn spans_point_at_values() {
        let text = "{\"a\": [true, \"x\"]}";
        let node = parse(text).unwrap();
        let a = node.get("a").unwrap();
        assert_eq!(&text[a.span.start..a.span.end], "[true, \"x\"]");
        let Value::Array(items) = &a.value else {
            panic!("not an array")
        };
        assert_eq!(&text[items[1].span.start..items[1].span.end], "\"x\"");
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn never_panics_on_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
                if let Ok(text) = decode(&bytes) {
                    if let Err(err) = parse(text) {
                        prop_assert!(err.offset() <= text.len());
                        let _ = Position::at(text, err.offset());
                    }
                }
            }

            #[test]
            fn never_panics_on_json_ish_text(
                text in "[{}\\[\\]\",:0-9a-z.+\\-eE\\\\/*\n\r\t \u{a0}\u{feff}\u{1f}é💥]{0,160}"
            ) {
                match parse(&text) {
                    Ok(node) => {
                        // Whatever parses is plain JSON once comments are gone.
                        let _ = node.to_json();
                    }
                    Err(err) => {
                        prop_assert!(err.offset() <= text.len());
                        let _ = Position::at(&text, err.offset());
                    }
                }
            }

            #[test]
            fn strict_json_always_parses(value in json_value()) {
                let text = serde_json::to_string_pretty(&value).unwrap();
                let node = parse(&text).unwrap();
                prop_assert_eq!(node.to_json(), value);
            }

            #[test]
            fn positions_never_panic(text in any::<String>(), offset in 0usize..600) {
                let p = Position::at(&text, offset);
                prop_assert!(p.line >= 1 && p.column >= 1);
            }
        }

        /// Arbitrary JSON values (objects with unique keys, as JSON gives them).
        pub(crate) fn json_value() -> impl Strategy<Value = serde_json::Value> {
            let leaf = prop_oneof![
                Just(serde_json::Value::Null),
                any::<bool>().prop_map(serde_json::Value::Bool),
                any::<i32>().prop_map(|n| serde_json::json!(n)),
                "[ -~é\u{7f}\u{1f}\\n]{0,12}".prop_map(serde_json::Value::String),
            ];
            leaf.prop_recursive(4, 40, 6, |inner| {
                prop_oneof![
                    proptest::collection::vec(inner.clone(), 0..5)
                        .prop_map(serde_json::Value::Array),
                    proptest::collection::btree_map("[a-zA-Z$._:/ -]{0,8}", inner, 0..5)
                        .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
                ]
            })
        }
    }
}
