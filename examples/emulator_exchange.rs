//! The exchange from Rust: the core builds and signs the request, hyper sends it, the core reads
//! the answer. `npm test` runs it against the local emulator (scripts/test.js):
//!
//! ```sh
//! EKS_AUTH_ENDPOINT=http://127.0.0.1:PORT EKS_AUTH_CLUSTER_NAME=my-cluster EKS_AUTH_TOKEN=... \
//! AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... \
//!   cargo run --example emulator_exchange --features native-example
//! ```
//!
//! It prints the container-credentials JSON SDKs read (the secrets in it are the emulator's fakes).
use eks_auth_wasm::credentials::to_container_credentials;
use eks_auth_wasm::request::{build_assume_role_request, AssumeRoleRequest};
use eks_auth_wasm::response::parse_http_response;
use eks_auth_wasm::sign::Credentials;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use std::time::SystemTime;

fn setting(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("{name} is not set"))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let input = AssumeRoleRequest {
        region: Some(std::env::var("EKS_AUTH_REGION").unwrap_or_else(|_| "us-west-2".into())),
        cluster_name: setting("EKS_AUTH_CLUSTER_NAME")?,
        token: setting("EKS_AUTH_TOKEN")?,
        credentials: Some(Credentials {
            access_key_id: setting("AWS_ACCESS_KEY_ID")?,
            secret_access_key: setting("AWS_SECRET_ACCESS_KEY")?,
            session_token: std::env::var("AWS_SESSION_TOKEN").ok().filter(|t| !t.is_empty()),
        }),
        now: SystemTime::now(),
        use_fips: false,
        endpoint: Some(setting("EKS_AUTH_ENDPOINT")?),
        eks_node_name: None,
        instance_id: None,
        zone: None,
    };
    let request: http::Request<Vec<u8>> = build_assume_role_request(&input)?.try_into()?;

    // hyper's connection-level client: the TCP connection is ours to open, and the request goes in
    // origin form with the `Host` it was signed with.
    let authority = request.uri().authority().ok_or("the endpoint has no host")?.clone();
    let stream = tokio::net::TcpStream::connect(authority.as_str()).await?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let (mut parts, body) = request.into_parts();
    parts.uri = parts.uri.path_and_query().ok_or("no path")?.as_str().parse()?;
    parts.headers.insert(http::header::HOST, authority.as_str().parse()?);
    let response = sender.send_request(http::Request::from_parts(parts, Full::new(hyper::body::Bytes::from(body)))).await?;

    let (parts, body) = response.into_parts();
    let body = body.collect().await?.to_bytes();
    let result = parse_http_response(&parts, &body)?;
    println!("{}", serde_json::to_string(&to_container_credentials(&result)?)?);
    Ok(())
}
