//! The text grammar of SCIM filters (RFC 7644 §3.4.2.2) and PATCH paths (RFC 7644 §3.5.2),
//! parsed into a syntax tree that still speaks SCIM (attribute paths, JSON literals).
//!
//! A small hand-written recursive-descent parser rather than `scim_v2::filter`: that parser is
//! sound (value paths, depth and term budgets) but refuses two shapes real clients send —
//! Entra's `emails[type eq "work"].value eq "…"` (a value path followed by a sub-attribute
//! comparison) and `not(…)` without a space, which the RFC's ABNF allows — and its depth limit
//! (64) is not ours. Tests check that both parsers agree on the RFC's own examples.
//!
//! Limits (security.md SCIM-05): input ≤ [`MAX_FILTER_LEN`] bytes, nesting (`(`, `not`, `[`)
//! ≤ [`MAX_DEPTH`]; recursion happens only when nesting grows, so the stack is bounded.
//! Keywords, operators and `true`/`false`/`null` are case-insensitive; values are JSON
//! strings (with escapes) or numbers. Nothing here panics on any input.

mod lex;

use lex::{err, lex, Tok};
use std::fmt;

pub const MAX_FILTER_LEN: usize = 4096;
pub const MAX_DEPTH: usize = 32;

/// `[URN ":"] name ["." sub]`, as written (case preserved; resolution folds case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    pub urn: Option<String>,
    pub name: String,
    pub sub: Option<String>,
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Str(String),
    Number(serde_json::Number),
    Bool(bool),
    Null,
}

/// `pr`, or a comparison with a value.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    Present,
    Compare(Op, Literal),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Attr(AttrPath, Test),
    /// `attr[filter]`, optionally followed by `.sub test` (Entra's form).
    ValuePath {
        attr: AttrPath,
        filter: Box<Expr>,
        then: Option<(String, Test)>,
    },
}

/// A PATCH path: `attrPath` or `valuePath [ "." subAttr ]`.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    pub attr: AttrPath,
    pub filter: Option<Expr>,
    pub sub: Option<String>,
}

/// Where and why the text was refused; the SCIM layer wraps it in `invalidFilter`/`invalidPath`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub position: usize,
    pub message: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at character {}", self.message, self.position)
    }
}

/// `ATTRNAME = ALPHA *(nameChar)`, plus `$ref` (RFC 7643 §2.1 uses it as a sub-attribute).
fn is_attr_name(s: &str) -> bool {
    if s == "$ref" {
        return true;
    }
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Splits `urn:…:name.sub`, `name.sub` or `name` into an [`AttrPath`].
pub fn parse_attr_path(word: &str) -> Option<AttrPath> {
    let (urn, rest) = match word.rsplit_once(':') {
        Some((urn, rest)) => {
            if !urn.to_ascii_lowercase().starts_with("urn:") {
                return None;
            }
            (Some(urn.to_owned()), rest)
        }
        None => (None, word),
    };
    let (name, sub) = match rest.split_once('.') {
        Some((name, sub)) => (name, Some(sub)),
        None => (rest, None),
    };
    if !is_attr_name(name) || sub.is_some_and(|s| !is_attr_name(s)) {
        return None;
    }
    Some(AttrPath {
        urn,
        name: name.to_owned(),
        sub: sub.map(str::to_owned),
    })
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    end: usize,
    depth: usize,
}

impl Parser {
    fn new(text: &str) -> Result<Self, SyntaxError> {
        Ok(Self {
            toks: lex(text)?,
            pos: 0,
            end: text.len(),
            depth: 0,
        })
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(_, t)| t)
    }

    fn here(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end, |(p, _)| *p)
    }

    fn next(&mut self) -> Option<Tok> {
        let tok = self.toks.get(self.pos).map(|(_, t)| t.clone());
        self.pos += 1;
        tok
    }

    fn peek_keyword(&self, keyword: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(keyword))
    }

    fn expect(&mut self, want: Tok, what: &str) -> Result<(), SyntaxError> {
        let at = self.here();
        match self.next() {
            Some(t) if t == want => Ok(()),
            _ => Err(err(at, format!("expected {what}"))),
        }
    }

    fn enter(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(err(
                self.here(),
                format!("nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    fn finish(&self) -> Result<(), SyntaxError> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(err(self.here(), "unexpected text after the expression")),
        }
    }

    /// `or := and ("or" and)*`; `in_brackets` forbids nested value paths.
    fn or(&mut self, in_brackets: bool) -> Result<Expr, SyntaxError> {
        self.joined("or", in_brackets, Self::and, Expr::Or)
    }

    /// `and := unary ("and" unary)*`.
    fn and(&mut self, in_brackets: bool) -> Result<Expr, SyntaxError> {
        self.joined("and", in_brackets, Self::unary, Expr::And)
    }

    /// One or more `operand`s separated by `keyword`: the one alone, or `combine` of them all.
    fn joined(
        &mut self,
        keyword: &str,
        in_brackets: bool,
        operand: fn(&mut Self, bool) -> Result<Expr, SyntaxError>,
        combine: fn(Vec<Expr>) -> Expr,
    ) -> Result<Expr, SyntaxError> {
        let mut items = vec![operand(self, in_brackets)?];
        while self.peek_keyword(keyword) {
            self.pos += 1;
            items.push(operand(self, in_brackets)?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            combine(items)
        })
    }

    fn unary(&mut self, in_brackets: bool) -> Result<Expr, SyntaxError> {
        if self.peek_keyword("not") && matches!(self.toks.get(self.pos + 1), Some((_, Tok::LParen)))
        {
            self.pos += 2;
            self.enter()?;
            let inner = self.or(in_brackets)?;
            self.expect(Tok::RParen, "')'")?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        if self.peek() == Some(&Tok::LParen) {
            self.pos += 1;
            self.enter()?;
            let inner = self.or(in_brackets)?;
            self.expect(Tok::RParen, "')'")?;
            self.depth -= 1;
            return Ok(inner);
        }
        let at = self.here();
        let attr = self.attr_path()?;
        if self.peek() == Some(&Tok::LBracket) {
            if in_brackets {
                return Err(err(at, "value paths cannot be nested"));
            }
            let filter = self.bracket_filter()?;
            let then = match self.peek() {
                Some(Tok::Word(w)) if w.starts_with('.') => {
                    let sub = self.sub_attr()?;
                    Some((sub, self.test()?))
                }
                _ => None,
            };
            return Ok(Expr::ValuePath {
                attr,
                filter: Box::new(filter),
                then,
            });
        }
        Ok(Expr::Attr(attr, self.test()?))
    }

    fn attr_path(&mut self) -> Result<AttrPath, SyntaxError> {
        let at = self.here();
        match self.next() {
            Some(Tok::Word(w)) => {
                parse_attr_path(&w).ok_or_else(|| err(at, format!("invalid attribute path {w:?}")))
            }
            _ => Err(err(at, "expected an attribute path")),
        }
    }

    fn bracket_filter(&mut self) -> Result<Expr, SyntaxError> {
        self.expect(Tok::LBracket, "'['")?;
        self.enter()?;
        let filter = self.or(true)?;
        self.expect(Tok::RBracket, "']'")?;
        self.depth -= 1;
        Ok(filter)
    }

    /// `.name` right after `]`.
    fn sub_attr(&mut self) -> Result<String, SyntaxError> {
        let at = self.here();
        match self.next() {
            Some(Tok::Word(w)) => match w.strip_prefix('.') {
                Some(name) if is_attr_name(name) => Ok(name.to_owned()),
                _ => Err(err(at, format!("invalid sub-attribute {w:?}"))),
            },
            _ => Err(err(at, "expected a sub-attribute")),
        }
    }

    fn test(&mut self) -> Result<Test, SyntaxError> {
        let at = self.here();
        let op = match self.next() {
            Some(Tok::Word(w)) => match w.to_ascii_lowercase().as_str() {
                "pr" => return Ok(Test::Present),
                "eq" => Op::Eq,
                "ne" => Op::Ne,
                "co" => Op::Co,
                "sw" => Op::Sw,
                "ew" => Op::Ew,
                "gt" => Op::Gt,
                "ge" => Op::Ge,
                "lt" => Op::Lt,
                "le" => Op::Le,
                _ => return Err(err(at, format!("unknown operator {w:?}"))),
            },
            _ => return Err(err(at, "expected an operator")),
        };
        let at = self.here();
        let value = match self.next() {
            Some(Tok::Str(s)) => Literal::Str(s),
            Some(Tok::Number(n)) => Literal::Number(n),
            Some(Tok::Word(w)) => match w.to_ascii_lowercase().as_str() {
                "true" => Literal::Bool(true),
                "false" => Literal::Bool(false),
                "null" => Literal::Null,
                _ => return Err(err(at, format!("expected a value, found {w:?}"))),
            },
            _ => return Err(err(at, "expected a value")),
        };
        Ok(Test::Compare(op, value))
    }
}

/// Parses a filter (`?filter=`, `.search`'s `filter`).
pub fn parse_filter(text: &str) -> Result<Expr, SyntaxError> {
    let mut p = Parser::new(text)?;
    if p.peek().is_none() {
        return Err(err(0, "empty filter"));
    }
    let expr = p.or(false)?;
    p.finish()?;
    Ok(expr)
}

/// Parses a PATCH `path`: `attrPath` or `attrPath[valFilter][.sub]`.
pub fn parse_patch_path(text: &str) -> Result<PatchPath, SyntaxError> {
    let mut p = Parser::new(text)?;
    let attr = p.attr_path()?;
    let mut path = PatchPath {
        attr,
        filter: None,
        sub: None,
    };
    if p.peek() == Some(&Tok::LBracket) {
        path.filter = Some(p.bracket_filter()?);
        if p.peek().is_some() {
            path.sub = Some(p.sub_attr()?);
        }
    }
    p.finish()?;
    Ok(path)
}

#[cfg(test)]
#[path = "syntax_tests.rs"]
mod tests;
