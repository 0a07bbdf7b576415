//! The EKS Pod Identity credential exchange (EKS Auth `AssumeRoleForPodIdentity`) as a sans-IO
//! core: it resolves the endpoint, validates input, builds the SigV4-signed request, reads the
//! response, and formats the pod's credentials for SDKs — and does no IO, reads no clock and draws
//! no random number. The host (JavaScript through `wasm.rs`, or Rust) does the fetch: Rust
//! programs convert a built request into an `http::Request` and read the `http::Response` parts
//! back ([`response::parse_http_response`]). Every shape JavaScript sees is one of this crate's
//! types, converted by serde ([`boundary`], docs/boundary.md).
//!
//! ```text
//! host input ──► request (validate, build) ──► sign ──► host fetch ──► response (parse)
//!                                                                        │
//!              host output ◄── credentials (container JSON, credential_process, env) ◄┘
//! ```
//!
//! ```
//! use eks_auth_wasm::request::{build_assume_role_request, AssumeRoleRequest};
//! use eks_auth_wasm::response::{parse_assume_role_response, HttpResponse};
//! use eks_auth_wasm::sign::Credentials;
//! use std::time::{Duration, UNIX_EPOCH};
//!
//! // The AWS SigV4 suite's example key, and a fixed time: the core has no clock.
//! let input = AssumeRoleRequest {
//!     region: Some("us-east-1".into()),
//!     cluster_name: "my-cluster".into(),
//!     token: "a.b.c".into(),
//!     credentials: Some(Credentials {
//!         access_key_id: "AKIDEXAMPLE".into(),
//!         secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
//!         session_token: None,
//!     }),
//!     now: UNIX_EPOCH + Duration::from_secs(1_700_956_800),
//!     use_fips: false,
//!     endpoint: None,
//!     eks_node_name: None,
//!     instance_id: None,
//!     zone: None,
//! };
//! let request = build_assume_role_request(&input)?;
//! assert_eq!(request.url, "https://eks-auth.us-east-1.api.aws/clusters/my-cluster/assume-role-for-pod-identity");
//! assert_eq!(request.body, r#"{"token": "a.b.c"}"#);
//! assert!(request.headers.iter().any(|(n, v)| n == "authorization" && v.ends_with("Signature=8ad4f8af87ea315a620fb84a8a426e590928e097b3c7106fcdbf77cb76366caf")));
//!
//! // ... the host sends it, then hands the response back:
//! let body = br#"{"credentials":{"accessKeyId":"ASIA1","secretAccessKey":"s","sessionToken":"t","expiration":1764342000}}"#;
//! let result = parse_assume_role_response(&HttpResponse { status: 200, headers: &[], body })?;
//! assert_eq!(result.credentials.unwrap().expiration, Some(1_764_342_000.0));
//! # Ok::<(), eks_auth_wasm::error::Error>(())
//! ```
//!
//! Secrets (the token, secret access keys, session tokens) never appear in `Debug`, `Display` or
//! error text. Inputs the service model forbids are refused before signing, naming the field.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod agent;
pub mod boundary;
pub mod credentials;
pub mod endpoint;
pub mod error;
pub mod exchange;
pub mod inspect;
pub mod machines;
mod jitter;
pub mod rate_limit;
pub mod redact;
pub mod request;
pub mod response;
pub mod retry;
pub mod shape;
pub mod sign;
mod text;
pub mod time;
pub mod token;
pub mod validate;
#[cfg(target_arch = "wasm32")]
mod wasm;
