//! The agent's metrics, with its names, labels and meanings (the parity reference §2.8), as plain
//! counts the host exports (prom-client in Node).

use std::collections::BTreeMap;

/// `pod_identity_http_response{code}`: answers of the credentials handler by status. Answers of
/// the rate limit (429) and to other paths (404) are not counted, as in the agent, where neither
/// reaches the handler.
pub const HTTP_RESPONSE: &str = "pod_identity_http_response";
/// `pod_identity_cache_state{state}`: `hit` a background renewal that succeeded; `miss` a
/// request that found no credentials to serve; `evicted` an entry dropped, for any reason.
pub const CACHE_STATE: &str = "pod_identity_cache_state";
/// `pod_identity_cache_errors{type,code}`: background renewals that failed; `type`
/// `Recoverable` or `NonRecoverable`, `code` EKS Auth's error code or `Unknown`.
pub const CACHE_ERRORS: &str = "pod_identity_cache_errors";

/// Distinct `code` labels kept; later codes count as `Unknown` (EKS Auth names few; a bound
/// keeps a misbehaving endpoint from growing the label set).
const MAX_ERROR_CODES: usize = 32;

/// `type` of [`CACHE_ERRORS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorType {
    /// Kept the old credentials; retried later.
    Recoverable,
    /// The token is refused for good; the entry was dropped.
    NonRecoverable,
}

impl ErrorType {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorType::Recoverable => "Recoverable",
            ErrorType::NonRecoverable => "NonRecoverable",
        }
    }
}

/// One counter value with its labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    /// Metric name.
    pub name: &'static str,
    /// Label names and values.
    pub labels: Vec<(&'static str, String)>,
    /// Count since start.
    pub value: u64,
}

/// The counts since start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metrics {
    /// [`HTTP_RESPONSE`] by status.
    pub http_response: BTreeMap<u16, u64>,
    /// [`CACHE_STATE`] `hit`.
    pub cache_hit: u64,
    /// [`CACHE_STATE`] `miss`.
    pub cache_miss: u64,
    /// [`CACHE_STATE`] `evicted`.
    pub cache_evicted: u64,
    /// [`CACHE_ERRORS`] by type and code.
    pub cache_errors: BTreeMap<(ErrorType, String), u64>,
}

impl Metrics {
    pub(crate) fn response(&mut self, status: u16) {
        *self.http_response.entry(status).or_default() += 1;
    }

    pub(crate) fn error(&mut self, kind: ErrorType, code: &str) {
        let known = self.cache_errors.keys().any(|(_, c)| c == code);
        let code = if known || self.cache_errors.len() < MAX_ERROR_CODES { code } else { "Unknown" };
        *self.cache_errors.entry((kind, code.to_string())).or_default() += 1;
    }

    /// Every counter as name, labels and value, in a stable order.
    pub fn samples(&self) -> Vec<Sample> {
        let mut out: Vec<Sample> = self
            .http_response
            .iter()
            .map(|(code, n)| Sample { name: HTTP_RESPONSE, labels: vec![("code", code.to_string())], value: *n })
            .collect();
        for (state, n) in [("hit", self.cache_hit), ("miss", self.cache_miss), ("evicted", self.cache_evicted)] {
            out.push(Sample { name: CACHE_STATE, labels: vec![("state", state.to_string())], value: n });
        }
        out.extend(self.cache_errors.iter().map(|((kind, code), n)| Sample {
            name: CACHE_ERRORS,
            labels: vec![("type", kind.as_str().to_string()), ("code", code.clone())],
            value: *n,
        }));
        out
    }
}
