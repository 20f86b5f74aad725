//! How `validate` reports: every problem collected with its key, and the checks more than one
//! section makes (a secret inline or in a `*_file`, a file that must be readable).

use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::path::{Path, PathBuf};

/// Collects problems instead of stopping at the first, so one run shows everything to fix.
#[derive(Default)]
pub(super) struct Problems(pub(super) Vec<String>);

impl Problems {
    pub(super) fn push(&mut self, key: &str, msg: impl fmt::Display) {
        self.0.push(format!("{key}: {msg}"));
    }
}

/// A secret given inline or as `<key>_file`; exactly one of the two. The file's content is
/// trimmed of its trailing newline.
pub(super) fn secret(
    p: &mut Problems,
    key: &str,
    inline: Option<SecretString>,
    file: Option<PathBuf>,
) -> Option<SecretString> {
    match (inline, file) {
        (Some(s), None) if !s.expose_secret().is_empty() => Some(s),
        (Some(_), None) => {
            p.push(key, "is empty");
            None
        }
        (None, Some(path)) => match std::fs::read_to_string(&path) {
            Ok(text) if !text.trim_end_matches(['\r', '\n']).is_empty() => Some(
                SecretString::from(text.trim_end_matches(['\r', '\n']).to_owned()),
            ),
            Ok(_) => {
                p.push(
                    &format!("{key}_file"),
                    format!("{} is empty", path.display()),
                );
                None
            }
            Err(e) => {
                p.push(
                    &format!("{key}_file"),
                    format!("cannot read {}: {e}", path.display()),
                );
                None
            }
        },
        (Some(_), Some(_)) => {
            p.push(key, format!("set either {key} or {key}_file, not both"));
            None
        }
        (None, None) => {
            p.push(
                key,
                format!("is required: set {key}_file (preferred) or {key}"),
            );
            None
        }
    }
}

pub(super) fn check_file(p: &mut Problems, key: &str, path: Option<&Path>) {
    if let Some(path) = path {
        if !path.is_file() {
            p.push(key, format!("{} is not a readable file", path.display()));
        }
    }
}
