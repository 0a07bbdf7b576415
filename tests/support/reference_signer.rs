//! `aws-sigv4`'s full HTTP signer, the reference the core's own canonical request is held to.
//! The core links only `aws-sigv4`'s primitives (signing key, signature); this is the rest.

use aws_credential_types::Credentials as SdkCredentials;
use aws_sigv4::http_request::{
    self, PayloadChecksumKind, PercentEncodingMode, SessionTokenMode, SignableBody, SignableRequest,
    SigningSettings, UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;
use eks_auth_wasm::request::{AssumeRoleRequest, SignedRequest};
use eks_auth_wasm::sign::{HttpRequest, PathEncoding, PayloadHash, SessionTokenPlacement, SigningParams};

/// What `aws-sigv4` adds to the request: lowercase `(name, value)` pairs, and the signature.
pub struct ReferenceSigned {
    pub headers: Vec<(String, String)>,
    pub signature: String,
}

impl ReferenceSigned {
    #[allow(dead_code)] // not every test file that includes this module reads headers
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Signs `request` with `aws-sigv4`'s `http_request::sign`, with the same settings as `params`.
pub fn reference_sign(request: &HttpRequest<'_>, params: &SigningParams<'_>) -> Result<ReferenceSigned, String> {
    let identity = SdkCredentials::new(
        params.credentials.access_key_id.clone(),
        params.credentials.secret_access_key.clone(),
        params.credentials.session_token.clone(),
        None,
        "eks-auth-wasm-tests",
    )
    .into();
    let ours = params.settings();
    let mut settings = SigningSettings::default();
    (settings.uri_path_normalization_mode, settings.percent_encoding_mode) = match ours.path {
        PathEncoding::NormalizedEncodedTwice => (UriPathNormalizationMode::Enabled, PercentEncodingMode::Double),
        PathEncoding::Normalized => (UriPathNormalizationMode::Enabled, PercentEncodingMode::Single),
        PathEncoding::AsGiven => (UriPathNormalizationMode::Disabled, PercentEncodingMode::Single),
    };
    settings.payload_checksum_kind = match ours.payload_hash {
        PayloadHash::Header => PayloadChecksumKind::XAmzSha256,
        PayloadHash::NoHeader => PayloadChecksumKind::NoHeader,
    };
    settings.session_token_mode = match ours.session_token {
        SessionTokenPlacement::Signed => SessionTokenMode::Include,
        SessionTokenPlacement::AddedAfter => SessionTokenMode::Exclude,
    };
    let signing_params = v4::SigningParams::builder()
        .identity(&identity)
        .region(params.region)
        .name(params.service)
        .time(params.time)
        .settings(settings)
        .build()
        .map_err(|e| e.to_string())?
        .into();
    let authority = request.url.split("://").nth(1).and_then(|r| r.split(['/', '?']).next()).unwrap_or_default();
    let mut headers: Vec<(&str, &str)> = request.headers.to_vec();
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        headers.push(("host", authority));
    }
    let signable =
        SignableRequest::new(request.method, request.url, headers.into_iter(), SignableBody::Bytes(request.body))
            .map_err(|e| e.to_string())?;
    let (instructions, signature) =
        http_request::sign(signable, &signing_params).map_err(|e| e.to_string())?.into_parts();
    let (added, _) = instructions.into_parts();
    let headers = added.iter().map(|h| (h.name().to_ascii_lowercase(), h.value().to_string())).collect();
    Ok(ReferenceSigned { headers, signature })
}

/// The request the core built for `input`, signed again by `aws-sigv4`'s full HTTP signer.
#[allow(dead_code)] // not every test file that includes this module signs built requests
pub fn reference_sign_built(input: &AssumeRoleRequest, request: &SignedRequest) -> ReferenceSigned {
    let credentials = input.credentials.clone().expect("a signed input");
    let params = SigningParams::new(&credentials, input.region.as_deref().expect("a region"), "eks-auth", input.now);
    let http = HttpRequest {
        method: "POST",
        url: &request.url,
        headers: &[("content-type", "application/json")],
        body: request.body.as_bytes(),
    };
    reference_sign(&http, &params).expect("aws-sigv4 signs what the core signed")
}
