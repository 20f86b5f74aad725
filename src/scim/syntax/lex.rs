//! The lexer of the filter and PATCH-path grammar: text → positioned tokens, refusing input
//! over [`MAX_FILTER_LEN`] before reading it. Kept apart from the parser, which only sees
//! these tokens.

use super::{SyntaxError, MAX_FILTER_LEN};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    LParen,
    RParen,
    LBracket,
    RBracket,
    /// Attribute paths, keywords and operators: `[A-Za-z0-9:._$-]+`.
    Word(String),
    Str(String),
    Number(serde_json::Number),
}

pub(super) fn err(position: usize, message: impl Into<String>) -> SyntaxError {
    SyntaxError {
        position,
        message: message.into(),
    }
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '_' | '-' | '$')
}

pub(super) fn lex(text: &str) -> Result<Vec<(usize, Tok)>, SyntaxError> {
    if text.len() > MAX_FILTER_LEN {
        return Err(err(
            MAX_FILTER_LEN,
            format!("longer than {MAX_FILTER_LEN} bytes"),
        ));
    }
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' | '[' | ']' => {
                chars.next();
                out.push((
                    start,
                    match c {
                        '(' => Tok::LParen,
                        ')' => Tok::RParen,
                        '[' => Tok::LBracket,
                        _ => Tok::RBracket,
                    },
                ));
            }
            '"' => {
                chars.next();
                let mut escaped = false;
                let mut end = None;
                for (i, c) in chars.by_ref() {
                    match (escaped, c) {
                        (true, _) => escaped = false,
                        (false, '\\') => escaped = true,
                        (false, '"') => {
                            end = Some(i);
                            break;
                        }
                        _ => {}
                    }
                }
                let end = end.ok_or_else(|| err(start, "unterminated string"))?;
                let value: String = serde_json::from_str(&text[start..=end])
                    .map_err(|e| err(start, format!("invalid string: {e}")))?;
                out.push((start, Tok::Str(value)));
            }
            c if c == '-' || c.is_ascii_digit() => {
                let mut end = start;
                while let Some(&(i, c)) = chars.peek() {
                    if c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E') {
                        end = i + 1;
                        chars.next();
                    } else {
                        break;
                    }
                }
                let number: serde_json::Number = serde_json::from_str(&text[start..end])
                    .map_err(|_| err(start, "invalid number"))?;
                out.push((start, Tok::Number(number)));
            }
            c if is_word_char(c) => {
                let mut end = start;
                while let Some(&(i, c)) = chars.peek() {
                    if is_word_char(c) {
                        end = i + c.len_utf8();
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push((start, Tok::Word(text[start..end].to_owned())));
            }
            other => return Err(err(start, format!("unexpected character {other:?}"))),
        }
    }
    Ok(out)
}
