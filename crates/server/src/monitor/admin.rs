//! The AdminServer: HTTP/1.1 on `admin.serverAddress:admin.serverPort` with ZooKeeper's URL
//! scheme, `<commandURL>` (the command list) and `<commandURL>/<name>` (a command or alias,
//! query parameters as keyword arguments), answering JSON as `JsonOutputter` writes it.
//!
//! Counterpart of `admin/JettyAdminServer` (its `CommandServlet`). Built on `hyper` 1.x
//! (`http1` only, as Jetty's default connector): the HTTP crate the tokio project maintains,
//! small, and running on the server's own runtime. Each request asks the core task through
//! the core channel and waits for its reply; nothing here locks the core.

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch};
use tracing::debug;

use super::commands::{command_links, AdminReply, AdminRequest};
use super::{MonitorRequest, PROMETHEUS_CONTENT_TYPE};
use crate::runtime::CoreMsg;

/// What an HTTP endpoint serves.
#[derive(Debug, Clone)]
pub enum Endpoint {
    /// The AdminServer under this command URL.
    Admin {
        /// `admin.commandURL`, e.g. `/commands`.
        command_url: String,
    },
    /// The Prometheus `/metrics` endpoint.
    Prometheus,
}

/// Serves HTTP on `listener` until `shutdown` flips, asking the core through `core`.
pub async fn serve(
    listener: TcpListener,
    endpoint: Endpoint,
    core: mpsc::Sender<CoreMsg>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shutdown.changed() => break,
        };
        let stream = match accepted {
            Ok((s, _)) => s,
            Err(e) => {
                debug!("monitoring endpoint: accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        let core = core.clone();
        let endpoint = endpoint.clone();
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            let io = hyper_util::rt::TokioIo::new(stream);
            let svc = hyper::service::service_fn(move |req| {
                let core = core.clone();
                let endpoint = endpoint.clone();
                async move { Ok::<_, Infallible>(handle(req, &endpoint, &core).await) }
            });
            let conn = hyper::server::conn::http1::Builder::new().serve_connection(io, svc);
            tokio::pin!(conn);
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        debug!("monitoring endpoint: connection error: {e}");
                    }
                }
                _ = stop.changed() => {}
            }
        });
    }
}

async fn handle(
    req: Request<Incoming>,
    endpoint: &Endpoint,
    core: &mpsc::Sender<CoreMsg>,
) -> Response<Full<Bytes>> {
    match endpoint {
        Endpoint::Admin { command_url } => handle_admin(req, command_url, core).await,
        Endpoint::Prometheus => handle_prometheus(req, core).await,
    }
}

async fn handle_prometheus(
    req: Request<Incoming>,
    core: &mpsc::Sender<CoreMsg>,
) -> Response<Full<Bytes>> {
    if req.uri().path() != "/metrics" {
        return plain(StatusCode::NOT_FOUND, "Not Found\n");
    }
    let (tx, rx) = oneshot::channel();
    if core
        .send(CoreMsg::Monitor(MonitorRequest::Metrics { reply: tx }))
        .await
        .is_err()
    {
        return plain(StatusCode::SERVICE_UNAVAILABLE, "server stopping\n");
    }
    let Ok(snapshot) = rx.await else {
        return plain(StatusCode::SERVICE_UNAVAILABLE, "server stopping\n");
    };
    let text = super::prometheus::render(&snapshot, &super::process::ProcessStats::read());
    Response::builder()
        .status(StatusCode::OK)
        .header("Content-Type", PROMETHEUS_CONTENT_TYPE)
        .body(Full::new(Bytes::from(text)))
        .expect("static headers are valid")
}

async fn handle_admin(
    req: Request<Incoming>,
    command_url: &str,
    core: &mpsc::Sender<CoreMsg>,
) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_owned();
    let Some(rest) = path.strip_prefix(command_url) else {
        return plain(StatusCode::NOT_FOUND, "Not Found\n");
    };
    if !(rest.is_empty() || rest.starts_with('/')) {
        return plain(StatusCode::NOT_FOUND, "Not Found\n");
    }
    let post = match *req.method() {
        Method::GET | Method::HEAD => false,
        Method::POST => true,
        _ => return plain(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed\n"),
    };
    // `getPathInfo`: null or "/" lists the commands.
    if rest.is_empty() || rest == "/" {
        return Response::builder()
            .status(StatusCode::OK)
            .body(Full::new(Bytes::from(command_links(command_url))))
            .expect("static headers are valid");
    }
    let name = percent_decode(&rest[1..]);
    let params = req.uri().query().map(parse_query).unwrap_or_default();
    let auth = req
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if post {
        // Drain the body: restore would read a snapshot from it.
        let _ = req.into_body().collect().await;
    }
    let request = AdminRequest {
        name,
        params,
        auth,
        post,
    };
    let (tx, rx) = oneshot::channel();
    if core
        .send(CoreMsg::Monitor(MonitorRequest::Admin {
            req: request,
            reply: tx,
        }))
        .await
        .is_err()
    {
        return plain(StatusCode::SERVICE_UNAVAILABLE, "server stopping\n");
    }
    match rx.await {
        Ok(reply) => json_response(reply),
        Err(_) => plain(StatusCode::SERVICE_UNAVAILABLE, "server stopping\n"),
    }
}

fn json_response(reply: AdminReply) -> Response<Full<Bytes>> {
    Response::builder()
        .status(StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK))
        .header("Content-Type", "application/json")
        .body(Full::new(Bytes::from(reply.body.to_pretty())))
        .expect("static headers are valid")
}

fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("Content-Type", "text/plain;charset=utf-8")
        .body(Full::new(Bytes::from_static(text.as_bytes())))
        .expect("static headers are valid")
}

/// `application/x-www-form-urlencoded` query parameters; the first value of a repeated key
/// wins (`getParameterMap().get(k)[0]`).
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = percent_decode(&k.replace('+', " "));
        let v = percent_decode(&v.replace('+', " "));
        if !out.iter().any(|(key, _)| *key == k) {
            out.push((k, v));
        }
    }
    out
}

/// Decodes `%XX` escapes (invalid ones are kept as they are), then UTF-8 lossily.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_decode_and_keep_the_first_value() {
        assert_eq!(
            parse_query("traceMask=306&traceMask=1&a+b=c%20d&flag"),
            vec![
                ("traceMask".to_owned(), "306".to_owned()),
                ("a b".to_owned(), "c d".to_owned()),
                ("flag".to_owned(), String::new()),
            ]
        );
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%2Fzk"), "/zk");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
