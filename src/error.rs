//! One error type for everything the core can refuse or receive.
//!
//! Caller mistakes (`InvalidInput`, `InvalidConfiguration`) are kept apart from what the service
//! answered (`Service`) and from answers the core could not read (`MalformedResponse`). No variant
//! ever carries a token, secret access key or session token.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why an exchange could not be built or what the service answered instead of credentials.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// An input broke a rule of the API model or of this crate; `field` is its property path
    /// (`clusterName`, `credentials.accessKeyId`, ...). Caught before anything is signed or sent.
    InvalidInput {
        /// Property path of the input, as the JavaScript API names it.
        field: String,
        /// The rule it broke, in words; never the value itself when the value is a secret.
        message: String,
    },
    /// The combination of settings cannot name an endpoint (missing region; FIPS with a custom
    /// endpoint). The text is the endpoint rule set's own.
    InvalidConfiguration {
        /// The rule set's error text, e.g. `Invalid Configuration: Missing Region`.
        message: String,
    },
    /// The service answered with an error (any non-2xx status).
    Service(ServiceError),
    /// A response that is not what the protocol allows: not JSON, truncated, members of the wrong type.
    MalformedResponse {
        /// What was wrong, naming the member where one is at fault.
        message: String,
        /// HTTP status of the response.
        status: u16,
        /// `x-amzn-requestid` of the response, when it had one.
        request_id: Option<String>,
    },
}

/// Fault side, as the EKS Pod Identity Agent reports it to SDKs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Fault {
    /// The request was at fault (4xx): sending it again unchanged will not help, except throttling.
    #[default]
    Client,
    /// The service was at fault (5xx).
    Server,
}

impl Fault {
    /// `client` or `server`, the agent's wording.
    pub fn as_str(self) -> &'static str {
        match self {
            Fault::Client => "client",
            Fault::Server => "server",
        }
    }
}

/// An error answer from EKS Auth (or from the AWS front end before it), read by the restJson1 rules.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceError {
    /// AWS error type (`InvalidTokenException`), or the HTTP status as text when the response names none.
    pub code: String,
    /// The service's message, or the status reason phrase when the response has none.
    pub message: String,
    /// HTTP status.
    pub status: u16,
    /// `x-amzn-requestid`, kept even where botocore drops it.
    pub request_id: Option<String>,
    /// Whether AWS standard retry mode sends the request again (throttling, transient 5xx).
    pub retryable: bool,
    /// Whether the EKS Pod Identity Agent gives up on the token (and evicts its cached credentials).
    pub irrecoverable: bool,
    /// Which side was at fault.
    pub fault: Fault,
}

impl Error {
    // Cold and out of line: error paths stay out of the signing and reading code they sit in.
    #[cold]
    #[inline(never)]
    pub(crate) fn input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            message: message.into(),
        }
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn configuration(message: impl Into<String>) -> Self {
        Error::InvalidConfiguration {
            message: message.into(),
        }
    }

    /// The stable code hosts switch on: the AWS error type for service errors, else the kind.
    pub fn code(&self) -> &str {
        match self {
            Error::InvalidInput { .. } => "InvalidInput",
            Error::InvalidConfiguration { .. } => "InvalidConfiguration",
            Error::Service(e) => &e.code,
            Error::MalformedResponse { .. } => "MalformedResponse",
        }
    }

    /// The message without the code.
    pub fn message(&self) -> &str {
        match self {
            Error::InvalidInput { message, .. }
            | Error::InvalidConfiguration { message }
            | Error::MalformedResponse { message, .. } => message,
            Error::Service(e) => &e.message,
        }
    }

    /// The input property at fault, for `InvalidInput`.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::InvalidInput { field, .. } => Some(field),
            _ => None,
        }
    }

    /// HTTP status of the response, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Service(e) => Some(e.status),
            Error::MalformedResponse { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Request id of the response, when there was one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Service(e) => e.request_id.as_deref(),
            Error::MalformedResponse { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// Whether sending the same request again may succeed. A garbled response may be a proxy's
    /// hiccup, so it is retryable when the status is; caller mistakes never are.
    pub fn retryable(&self) -> bool {
        match self {
            Error::Service(e) => e.retryable,
            Error::MalformedResponse { status, .. } => crate::retry::is_retryable_status(*status),
            _ => false,
        }
    }

    /// Whether the token itself is refused for good (the agent's irrecoverable errors).
    pub fn irrecoverable(&self) -> bool {
        matches!(self, Error::Service(e) if e.irrecoverable)
    }

    /// Fault side: caller mistakes are the client's; a malformed answer is the server's.
    pub fn fault(&self) -> Fault {
        match self {
            Error::Service(e) => e.fault,
            Error::MalformedResponse { .. } => Fault::Server,
            _ => Fault::Client,
        }
    }

    /// What `Display` writes: the message with the field, the code or the status in front.
    /// Written out rather than with `write!`: the JavaScript boundary sends it with every error,
    /// and the formatting machinery's code for it weighed more than this.
    pub fn text(&self) -> String {
        match self {
            Error::InvalidInput { field, message } => ["invalid ", field, ": ", message].concat(),
            Error::InvalidConfiguration { message } => message.clone(),
            Error::Service(e) => [e.code.as_str(), ": ", &e.message].concat(),
            Error::MalformedResponse { message, status, .. } => {
                let mut text = String::from("malformed response (HTTP ");
                text.push_str(&status.to_string());
                text.push_str("): ");
                text.push_str(message);
                text
            }
        }
    }
}

/// An error as it crosses to JavaScript, where it becomes an `EksAuthError` with these fields, and
/// as the agent's error answer reads one back (`agentErrorResponse`). Absent members are absent
/// properties; read back, `null` or `undefined` is the member's default.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ErrorFields {
    /// [`Error::code`]; empty when a caller's object names none.
    #[serde(deserialize_with = "crate::shape::or_default")]
    pub code: String,
    /// The service's own message for a service error, else [`Error::text`].
    #[serde(deserialize_with = "crate::shape::or_default")]
    pub message: String,
    /// [`Error::field`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// [`Error::status`]; read back, a number that is no HTTP status is none.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "crate::shape::status")]
    pub status: Option<u16>,
    /// [`Error::request_id`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// [`Error::retryable`].
    #[serde(deserialize_with = "crate::shape::or_default")]
    pub retryable: bool,
    /// [`Error::irrecoverable`].
    #[serde(deserialize_with = "crate::shape::or_default")]
    pub irrecoverable: bool,
    /// [`Error::fault`].
    #[serde(deserialize_with = "crate::shape::or_default")]
    pub fault: Fault,
}

impl From<&Error> for ErrorFields {
    fn from(error: &Error) -> Self {
        // A service error's message is the service's own (botocore's `Error.Message`); the code is
        // beside it. Every other kind reads best with the field or rule in front.
        let message = match error {
            Error::Service(e) => e.message.clone(),
            other => other.text(),
        };
        ErrorFields {
            code: error.code().to_string(),
            message,
            field: error.field().map(String::from),
            status: error.status(),
            request_id: error.request_id().map(String::from),
            retryable: error.retryable(),
            irrecoverable: error.irrecoverable(),
            fault: error.fault(),
        }
    }
}

impl ErrorFields {
    /// The error these fields describe, read back: `Err(self)` when they name no HTTP status and
    /// no caller's mistake (a network failure, a timeout, an abort: the host's, not the core's).
    ///
    /// # Errors
    /// The fields themselves, when they describe no core error.
    pub fn into_error(self) -> Result<Error, ErrorFields> {
        Ok(match (self.code.as_str(), self.status) {
            ("InvalidInput", _) => Error::input(self.field.unwrap_or_default(), self.message),
            ("InvalidConfiguration", _) => Error::configuration(self.message),
            ("MalformedResponse", Some(status)) => Error::MalformedResponse { message: self.message, status, request_id: self.request_id },
            (_, Some(status)) => Error::Service(ServiceError {
                retryable: crate::retry::is_retryable(status, &self.code),
                irrecoverable: self.irrecoverable,
                fault: if status >= 500 { Fault::Server } else { Fault::Client },
                code: self.code,
                message: self.message,
                status,
                request_id: self.request_id,
            }),
            _ => return Err(self),
        })
    }
}

impl Serialize for Error {
    /// As [`ErrorFields`]: the one shape an error has outside Rust.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ErrorFields::from(self).serialize(serializer)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts() {
        assert_eq!(Error::input("clusterName", "must not be empty").to_string(), "invalid clusterName: must not be empty");
        assert_eq!(Error::configuration("Invalid Configuration: Missing Region").to_string(), "Invalid Configuration: Missing Region");
        let malformed = Error::MalformedResponse { message: "body is not JSON".into(), status: 502, request_id: None };
        assert_eq!(malformed.to_string(), "malformed response (HTTP 502): body is not JSON");
        let service = Error::Service(ServiceError {
            code: "AccessDeniedException".into(),
            message: "no".into(),
            status: 400,
            request_id: None,
            retryable: false,
            irrecoverable: true,
            fault: Fault::Client,
        });
        assert_eq!(service.to_string(), "AccessDeniedException: no");
    }
}
