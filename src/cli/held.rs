//! `zszo-connector held list|release|discard`: asks the running daemon over its operator
//! socket (`crate::operator`), prints what it answered.

use crate::config::Config;
use crate::operator::{call, HeldView};
use std::process::ExitCode;

/// What to do with the held operations.
pub enum HeldAction {
    List,
    /// Apply it (bypassing the guard); `operator` is recorded next to the OS user.
    Release {
        id: u64,
        operator: Option<String>,
    },
    /// Drop it without applying it.
    Discard {
        id: u64,
        operator: Option<String>,
    },
}

pub async fn held(config: &Config, action: HeldAction) -> anyhow::Result<ExitCode> {
    let (method, path, body) = match &action {
        HeldAction::List => (axum::http::Method::GET, "/held".to_owned(), None),
        HeldAction::Release { id, operator } | HeldAction::Discard { id, operator } => {
            let verb = match action {
                HeldAction::Release { .. } => "release",
                _ => "discard",
            };
            let body = serde_json::json!({ "operator": operator });
            (
                axum::http::Method::POST,
                format!("/held/{id}/{verb}"),
                Some(body),
            )
        }
    };
    let answer = call(&config.server.operator_socket, method, &path, body).await?;
    if answer.status != 200 {
        let why = answer.body["error"]
            .as_str()
            .unwrap_or("the daemon refused the request");
        eprintln!("error: {why}");
        return Ok(ExitCode::FAILURE);
    }
    let view = |v: &serde_json::Value| serde_json::from_value::<HeldView>(v.clone());
    match action {
        HeldAction::List => {
            let ops: Vec<HeldView> = serde_json::from_value(answer.body)?;
            if ops.is_empty() {
                println!("no held operations");
            }
            for op in ops {
                println!(
                    "{:<6} {:<10} {:<20} {:<10} {:<26} {:<24} {}\n       id {}; {}",
                    op.id,
                    op.operation,
                    op.login,
                    op.school,
                    op.held_at,
                    op.client,
                    op.target_dn,
                    op.target_id,
                    op.reason
                );
            }
        }
        HeldAction::Release { .. } => {
            let op = view(&answer.body["released"])?;
            let to = answer.body["applied_to"].as_str().unwrap_or("");
            println!(
                "released {}: {} {} applied to {to}",
                op.id, op.operation, op.login
            );
        }
        HeldAction::Discard { .. } => {
            let op = view(&answer.body["discarded"])?;
            println!(
                "discarded {}: {} {} (not applied)",
                op.id, op.operation, op.login
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
