//! Graceful shutdown: a request already being served when the shutdown signal comes is
//! finished and answered, its audit record is on disk, then the audit store is closed and the
//! listener refuses new connections.

use crate::scim_support::{okta_user, ScimApp};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zszo_connector::app;
use zszo_connector::ports::AuditLog;

/// Reads from `stream` until the end of the head (`\r\n\r\n`), returns the head.
async fn read_head(stream: &mut tokio::net::TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert_eq!(
            stream.read(&mut byte).await.unwrap(),
            1,
            "connection closed early"
        );
        head.push(byte[0]);
    }
    String::from_utf8(head).unwrap()
}

#[tokio::test]
async fn shutdown_finishes_the_request_in_flight_and_closes_the_audit_store() {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let mut app = ScimApp::start_serving(Box::new(move |state, listener| {
        tokio::spawn(app::serve(state, listener, async move {
            let _ = stopped.await;
        }))
    }))
    .await;
    let addr = app
        .base
        .trim_start_matches("http://")
        .trim_end_matches("/scim/v2")
        .to_owned();
    let body = okta_user(&app.school_a, "Zdążyła", "Przedzamknięciem").to_string();

    // `Expect: 100-continue`: the server answers "100 Continue" only when the handler starts
    // reading the body, so once it has, the request is certainly in flight.
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /scim/v2/Users HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/scim+json\r\nContent-Length: {}\r\n\
         Expect: 100-continue\r\n\r\n",
        app.token_a,
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let interim = read_head(&mut stream).await;
    assert!(interim.starts_with("HTTP/1.1 100"), "{interim}");

    stop.send(()).unwrap();
    stream.write_all(body.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    let json = &answer[answer.find("\r\n\r\n").unwrap() + 4..];
    let created: serde_json::Value = serde_json::from_str(json).unwrap();
    let id = created["id"].as_str().unwrap();

    (&mut app.server)
        .await
        .expect("the serving task ended normally")
        .expect("serve returned Ok");
    // The finished request's record was committed before the store closed…
    let records = app.audit_about(id).await;
    assert!(
        records.iter().any(|r| r.record.action == "person.created"),
        "{records:?}"
    );
    // …and the store no longer takes writes; the listener is gone.
    assert!(app.audit.check_writable().await.is_err());
    assert!(tokio::net::TcpStream::connect(&addr).await.is_err());
}
