//! The `AssumeRoleForPodIdentity` request: validated, built byte for byte as botocore builds it,
//! and signed.

use crate::endpoint::{resolve_endpoint, EndpointParams};
use crate::error::Error;
use crate::sign::{sign, signing_stages, Credentials, HttpRequest, SigningParams, SigningStages};
use crate::validate;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::SystemTime;

/// SigV4 signing name of EKS Auth.
pub const SIGNING_NAME: &str = "eks-auth";
/// The operation this crate speaks.
pub const OPERATION: &str = "AssumeRoleForPodIdentity";

/// Everything one exchange needs. `now` comes from the caller: the core has no clock. JavaScript's
/// `AssumeRoleInput` is this shape (`now` in epoch milliseconds); `null` reads as absent.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssumeRoleRequest {
    /// AWS region; required unless `endpoint` is given and the request is unsigned.
    #[serde(default)]
    pub region: Option<String>,
    /// EKS cluster name (URI label).
    pub cluster_name: String,
    /// The pod's projected service-account token (a JWT); never printed.
    pub token: String,
    /// Caller credentials; `None` builds the request unsigned (`--no-sign-request`).
    #[serde(default)]
    pub credentials: Option<Credentials>,
    /// Signing time.
    #[serde(deserialize_with = "crate::shape::epoch_millis")]
    pub now: SystemTime,
    /// Use the FIPS endpoint.
    #[serde(default, deserialize_with = "crate::shape::null_as_false")]
    pub use_fips: bool,
    /// Custom endpoint URL.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// Optional body member `eksNodeName`.
    #[serde(default)]
    pub eks_node_name: Option<String>,
    /// Optional body member `instanceId`.
    #[serde(default)]
    pub instance_id: Option<String>,
    /// Optional body member `zone` (an AZ id such as `usw2-az1`).
    #[serde(default)]
    pub zone: Option<String>,
}

impl fmt::Debug for AssumeRoleRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssumeRoleRequest")
            .field("region", &self.region)
            .field("cluster_name", &self.cluster_name)
            .field("token", &"** redacted **")
            .field("credentials", &self.credentials)
            .field("now", &self.now)
            .field("use_fips", &self.use_fips)
            .field("endpoint", &self.endpoint)
            .field("eks_node_name", &self.eks_node_name)
            .field("instance_id", &self.instance_id)
            .field("zone", &self.zone)
            .finish()
    }
}

/// A request ready for `fetch`: lowercase header names in botocore's order, `host` left to the
/// HTTP client (it is signed with the URL's authority). In JavaScript the headers are an object,
/// its properties in that order.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct SignedRequest {
    /// `POST`.
    pub method: String,
    /// Absolute URL.
    pub url: String,
    /// `content-type`, then `x-amz-date`, `x-amz-security-token`, `authorization` when signed.
    #[serde(serialize_with = "crate::shape::pairs_as_object")]
    pub headers: Vec<(String, String)>,
    /// JSON body, botocore's bytes.
    pub body: String,
}

impl fmt::Debug for SignedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), if n == "x-amz-security-token" { "** redacted **" } else { v.as_str() }))
            .collect();
        f.debug_struct("SignedRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body", &format_args!("<{} bytes, holds the token>", self.body.len()))
            .finish()
    }
}

impl TryFrom<SignedRequest> for http::Request<Vec<u8>> {
    type Error = Error;

    /// The request for a Rust HTTP client (hyper, reqwest): the absolute URL as its URI, the
    /// headers in botocore's order, the body's bytes. No `host` header: the client sets it from
    /// the URI, as fetch does (it was signed with the URL's authority).
    ///
    /// # Errors
    /// `InvalidInput` on `request.url` or a header that `http` refuses (neither happens to a
    /// request the core built: they are validated visible ASCII).
    fn try_from(request: SignedRequest) -> Result<Self, Error> {
        let mut builder = http::Request::builder().method(request.method.as_str()).uri(request.url.as_str());
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        builder.body(request.body.into_bytes()).map_err(|e| Error::input("request", e.to_string()))
    }
}

impl AssumeRoleRequest {
    /// Checks every input against the model and this crate's rules, in field order.
    ///
    /// # Errors
    /// `InvalidInput` naming the field; `InvalidConfiguration` for endpoint rule errors.
    pub fn validate(&self) -> Result<(), Error> {
        validate::cluster_name(&self.cluster_name)?;
        validate::signing_time("now", self.now)?;
        validate::token(&self.token)?;
        if let Some(region) = &self.region {
            validate::region(region)?;
        }
        validate::optional_member("eksNodeName", self.eks_node_name.as_deref())?;
        validate::optional_member("instanceId", self.instance_id.as_deref())?;
        validate::optional_member("zone", self.zone.as_deref())?;
        if let Some(credentials) = &self.credentials {
            credentials.validate()?;
            if self.region.is_none() {
                return Err(Error::configuration("Invalid Configuration: Missing Region"));
            }
        }
        Ok(())
    }

    /// The URL: endpoint + `/clusters/{clusterName}/assume-role-for-pod-identity`.
    ///
    /// # Errors
    /// As [`resolve_endpoint`].
    pub fn url(&self) -> Result<String, Error> {
        let endpoint = resolve_endpoint(&EndpointParams {
            region: self.region.as_deref(),
            use_fips: self.use_fips,
            endpoint: self.endpoint.as_deref(),
        })?;
        // The validated cluster name is all unreserved characters: it needs no escaping.
        Ok([endpoint.url().as_str(), "/clusters/", &self.cluster_name, "/assume-role-for-pod-identity"].concat())
    }

    /// The JSON body as botocore's `json.dumps` writes it: `{"token": "..."}`, then the optional
    /// members that are set, in model order; non-ASCII as `\uXXXX`.
    pub fn body(&self) -> String {
        let body = Body {
            token: &self.token,
            eks_node_name: self.eks_node_name.as_deref(),
            instance_id: self.instance_id.as_deref(),
            zone: self.zone.as_deref(),
        };
        // Sized for the members unescaped, so the ~1 KB token is copied once.
        let mut out = Vec::with_capacity(self.token.len() + 128);
        let mut serializer = serde_json::Serializer::with_formatter(&mut out, PythonFormatter);
        // Strings into a Vec: serializing cannot fail, and the bytes are UTF-8 (ASCII, in fact).
        if body.serialize(&mut serializer).is_err() {
            return String::new();
        }
        String::from_utf8(out).unwrap_or_default()
    }
}

/// The request body's members, in the model's order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    token: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    eks_node_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    instance_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    zone: Option<&'a str>,
}

/// JSON as Python's `json.dumps` writes it by default (botocore's request bodies): `", "` and
/// `": "` between members, and every character outside printable ASCII (0x7f included) as
/// `\uXXXX` in lowercase hex, per UTF-16 unit. serde_json escapes quotes, backslashes and control
/// characters as Python does.
struct PythonFormatter;

impl serde_json::ser::Formatter for PythonFormatter {
    fn begin_object_key<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, first: bool) -> std::io::Result<()> {
        if first { Ok(()) } else { writer.write_all(b", ") }
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        writer.write_all(b": ")
    }

    fn write_string_fragment<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, fragment: &str) -> std::io::Result<()> {
        // A token is all printable ASCII: written whole.
        let mut rest = fragment;
        while let Some(at) = rest.bytes().position(|b| !(b' '..=b'~').contains(&b)) {
            let (plain, tail) = rest.split_at_checked(at).unwrap_or((rest, ""));
            writer.write_all(plain.as_bytes())?;
            let mut chars = tail.chars();
            let Some(c) = chars.next() else { break };
            for unit in c.encode_utf16(&mut [0u16; 2]) {
                write!(writer, "\\u{unit:04x}")?;
            }
            rest = chars.as_str();
        }
        writer.write_all(rest.as_bytes())
    }
}

fn prepare(input: &AssumeRoleRequest) -> Result<(String, String), Error> {
    input.validate()?;
    Ok((input.url()?, input.body()))
}

const CONTENT_TYPE: (&str, &str) = ("content-type", "application/json");

/// Builds and signs the request (unsigned when `credentials` is `None`).
///
/// # Errors
/// `InvalidInput` naming the field, or `InvalidConfiguration`; nothing is signed then.
pub fn build_assume_role_request(input: &AssumeRoleRequest) -> Result<SignedRequest, Error> {
    let (url, body) = prepare(input)?;
    // Room for the four headers signing adds.
    let mut headers = Vec::with_capacity(5);
    headers.push((CONTENT_TYPE.0.to_string(), CONTENT_TYPE.1.to_string()));
    if let (Some(credentials), Some(region)) = (&input.credentials, &input.region) {
        let params = SigningParams::new(credentials, region, SIGNING_NAME, input.now);
        let signed = sign(
            &HttpRequest { method: "POST", url: &url, headers: &[CONTENT_TYPE], body: body.as_bytes() },
            &params,
        )?;
        headers.extend(signed.headers);
    }
    Ok(SignedRequest { method: "POST".into(), url, headers, body })
}

/// The signing stages of the request [`build_assume_role_request`] builds, for a debug trace or
/// the console; `None` when the request is unsigned. The stage signature equals the request's.
///
/// # Errors
/// As [`build_assume_role_request`].
pub fn assume_role_signing_stages(input: &AssumeRoleRequest) -> Result<Option<SigningStages>, Error> {
    let (url, body) = prepare(input)?;
    match (&input.credentials, &input.region) {
        (Some(credentials), Some(region)) => {
            let params = SigningParams::new(credentials, region, SIGNING_NAME, input.now);
            signing_stages(
                &HttpRequest { method: "POST", url: &url, headers: &[CONTENT_TYPE], body: body.as_bytes() },
                &params,
            )
            .map(Some)
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn a_built_request_as_an_http_request() {
        let input = AssumeRoleRequest {
            region: Some("us-east-1".into()),
            cluster_name: "c".into(),
            token: "a.b.c".into(),
            credentials: Some(Credentials { access_key_id: "AKID".into(), secret_access_key: "S".into(), session_token: None }),
            now: UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            use_fips: false,
            endpoint: None,
            eks_node_name: Some("é😀\u{7f}\n\"".into()),
            instance_id: None,
            zone: None,
        };
        let signed = build_assume_role_request(&input).unwrap();
        let request = http::Request::<Vec<u8>>::try_from(signed.clone()).unwrap();
        assert_eq!(request.method(), http::Method::POST);
        assert_eq!(request.uri().to_string(), signed.url);
        let names: Vec<&str> = request.headers().keys().map(http::HeaderName::as_str).collect();
        assert_eq!(names, ["content-type", "x-amz-date", "authorization"]);
        // Python's `json.dumps`: non-ASCII and DEL as `\u` escapes, surrogate pairs past the BMP.
        assert_eq!(request.body(), br#"{"token": "a.b.c", "eksNodeName": "\u00e9\ud83d\ude00\u007f\n\""}"#);
    }
}
