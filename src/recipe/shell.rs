//! Quoting values for the POSIX shell of a Dockerfile `RUN` line or a script: a value is
//! one word, whatever characters it holds. Templates pass every value through the `sh`
//! filter, which is [`quote`].

use std::borrow::Cow;

/// Characters that stand for themselves in any position of an unquoted shell word.
fn is_plain(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_-.,:/@%+".contains(c)
}

/// `value` as exactly one shell word: unchanged when it holds only plain characters
/// (letters, digits, `_-.,:/@%+`), else in single quotes, with each `'` written `'\''`.
pub fn quote(value: &str) -> Cow<'_, str> {
    if !value.is_empty() && value.chars().all(is_plain) {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(format!("'{}'", value.replace('\'', r"'\''")))
    }
}

/// A small lexer for the shell text Berth generates, used by tests to check that a value
/// cannot change a command's structure: it splits words the way `sh` does (quotes,
/// backslashes, line continuations) and reports operators and expansions separately.
#[cfg(test)]
pub(crate) mod lex {
    /// One piece of shell text.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Token {
        /// A word after quote removal; `expands` when it holds an unquoted or
        /// double-quoted `$` or a backquote.
        Word { text: String, expands: bool },
        /// An operator or a newline: `;`, `&&`, `|`, `(`, `>`, `\n`, …
        Op(String),
    }

    /// Why the text is not well-formed shell.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Unbalanced(pub String);

    /// Split `text` into tokens.
    pub fn tokens(text: &str) -> Result<Vec<Token>, Unbalanced> {
        let mut out = Vec::new();
        let mut chars = text.chars().peekable();
        let mut word = String::new();
        let mut in_word = false;
        let mut expands = false;
        let flush =
            |out: &mut Vec<Token>, word: &mut String, in_word: &mut bool, expands: &mut bool| {
                if *in_word {
                    out.push(Token::Word {
                        text: std::mem::take(word),
                        expands: *expands,
                    });
                }
                *in_word = false;
                *expands = false;
            };
        while let Some(c) = chars.next() {
            match c {
                ' ' | '\t' => flush(&mut out, &mut word, &mut in_word, &mut expands),
                '\n' => {
                    flush(&mut out, &mut word, &mut in_word, &mut expands);
                    out.push(Token::Op("\n".into()));
                }
                '#' if !in_word => {
                    for c in chars.by_ref() {
                        if c == '\n' {
                            out.push(Token::Op("\n".into()));
                            break;
                        }
                    }
                }
                '\\' => match chars.next() {
                    Some('\n') => {}
                    Some(escaped) => {
                        word.push(escaped);
                        in_word = true;
                    }
                    None => return Err(Unbalanced("a trailing backslash".into())),
                },
                '\'' => {
                    in_word = true;
                    loop {
                        match chars.next() {
                            Some('\'') => break,
                            Some(c) => word.push(c),
                            None => return Err(Unbalanced("an unclosed single quote".into())),
                        }
                    }
                }
                '"' => {
                    in_word = true;
                    loop {
                        match chars.next() {
                            Some('"') => break,
                            Some('\\') => match chars.next() {
                                Some(c @ ('$' | '`' | '"' | '\\')) => word.push(c),
                                Some('\n') => {}
                                Some(c) => {
                                    word.push('\\');
                                    word.push(c);
                                }
                                None => return Err(Unbalanced("an unclosed double quote".into())),
                            },
                            Some(c) => {
                                if c == '$' || c == '`' {
                                    expands = true;
                                }
                                word.push(c);
                            }
                            None => return Err(Unbalanced("an unclosed double quote".into())),
                        }
                    }
                }
                '$' | '`' => {
                    expands = true;
                    in_word = true;
                    word.push(c);
                }
                ';' | '&' | '|' | '(' | ')' | '<' | '>' => {
                    flush(&mut out, &mut word, &mut in_word, &mut expands);
                    let mut op = c.to_string();
                    if let Some(&next) = chars.peek() {
                        if (next == c && "&|;><".contains(c)) || (c == '>' && next == '&') {
                            op.push(next);
                            chars.next();
                        }
                    }
                    out.push(Token::Op(op));
                }
                _ => {
                    word.push(c);
                    in_word = true;
                }
            }
        }
        flush(&mut out, &mut word, &mut in_word, &mut expands);
        Ok(out)
    }

    /// The structure of `tokens`: operators as themselves, each word as `W` (or `W$` when
    /// it expands). Two texts with the same skeleton run the same commands.
    pub fn skeleton(tokens: &[Token]) -> Vec<String> {
        tokens
            .iter()
            .map(|token| match token {
                Token::Word { expands: true, .. } => "W$".to_owned(),
                Token::Word { .. } => "W".to_owned(),
                Token::Op(op) => op.clone(),
            })
            .collect()
    }

    /// The words of `tokens` after quote removal.
    pub fn words(tokens: &[Token]) -> Vec<&str> {
        tokens
            .iter()
            .filter_map(|token| match token {
                Token::Word { text, .. } => Some(text.as_str()),
                Token::Op(_) => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::lex::{skeleton, tokens, words, Token};
    use super::quote;

    #[test]
    fn plain_values_stay_bare_and_others_are_single_quoted() {
        assert_eq!(quote("python3.11-venv"), "python3.11-venv");
        assert_eq!(quote("torch==2.5.1+cu124"), "'torch==2.5.1+cu124'");
        assert_eq!(
            quote("https://download.pytorch.org/whl/cu124"),
            "https://download.pytorch.org/whl/cu124"
        );
        assert_eq!(quote(""), "''");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote("$(id)"), "'$(id)'");
        assert_eq!(quote("~root"), "'~root'");
    }

    #[test]
    fn the_lexer_reads_operators_quotes_and_expansions() {
        let toks = tokens("a 'b c' \"$X\" && d\\\n e; f>g").unwrap();
        assert_eq!(
            skeleton(&toks),
            ["W", "W", "W$", "&&", "W", "W", ";", "W", ">", "W"]
        );
        assert_eq!(words(&toks), ["a", "b c", "$X", "d", "e", "f", "g"]);
        assert!(tokens("'open").is_err());
        assert_eq!(
            tokens("x # comment\ny").unwrap(),
            [
                Token::Word {
                    text: "x".into(),
                    expands: false
                },
                Token::Op("\n".into()),
                Token::Word {
                    text: "y".into(),
                    expands: false
                },
            ]
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Any string, quoted, is read back by the shell as exactly that one word, with no
        /// operator and no expansion.
        #[test]
        fn any_quoted_string_is_one_literal_word(value in any::<String>()) {
            let quoted = quote(&value);
            let line = format!("cmd {quoted} tail");
            let toks = tokens(&line).unwrap();
            prop_assert_eq!(skeleton(&toks), vec!["W", "W", "W"]);
            prop_assert_eq!(words(&toks)[1], value.as_str());
        }

        /// Strings made of shell metacharacters too.
        #[test]
        fn hostile_strings_stay_one_word(value in "[ $`'\"\\\\;&|()<>\n\t#*?~!{}=a-z]{0,24}") {
            let quoted = quote(&value);
            let toks = tokens(&format!("x {quoted}")).unwrap();
            prop_assert_eq!(skeleton(&toks), vec!["W", "W"]);
            prop_assert_eq!(words(&toks)[1], value.as_str());
        }
    }
}
