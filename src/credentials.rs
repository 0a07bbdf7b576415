//! The formats AWS SDKs and tools read credentials in: the container-credentials JSON the EKS Pod
//! Identity Agent serves, `credential_process` JSON, and shell `export` lines.

use crate::error::Error;
use crate::response::AssumeRoleResult;
use serde::Serialize;
use crate::time;
use std::fmt;

/// What the EKS Pod Identity Agent answers on `/v1/credentials` (member names and order as it writes them).
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContainerCredentials {
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: String,
    /// Session token.
    pub token: String,
    /// Account of the assumed role, from its ARN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// RFC 3339 UTC.
    pub expiration: String,
}

/// The `credential_process` output (`Version: 1`).
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CredentialProcess {
    /// Always 1.
    pub version: u8,
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: String,
    /// Session token.
    pub session_token: String,
    /// RFC 3339 UTC.
    pub expiration: String,
}

macro_rules! redacted_debug {
    ($ty:ident) => {
        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("access_key_id", &self.access_key_id)
                    .field("expiration", &self.expiration)
                    .finish_non_exhaustive()
            }
        }
    };
}
redacted_debug!(ContainerCredentials);
redacted_debug!(CredentialProcess);

/// The four parts every format needs, or the first one missing.
struct Parts<'a> {
    access_key_id: &'a str,
    secret_access_key: &'a str,
    session_token: &'a str,
    expiration: String,
}

fn parts(result: &AssumeRoleResult) -> Result<Parts<'_>, Error> {
    let missing = |member: &str| Error::input(format!("credentials.{member}"), "is missing from the result");
    let c = result.credentials.as_ref().ok_or_else(|| Error::input("credentials", "is missing from the result"))?;
    Ok(Parts {
        access_key_id: c.access_key_id.as_deref().ok_or_else(|| missing("accessKeyId"))?,
        secret_access_key: c.secret_access_key.as_deref().ok_or_else(|| missing("secretAccessKey"))?,
        session_token: c.session_token.as_deref().ok_or_else(|| missing("sessionToken"))?,
        expiration: time::rfc3339(c.expiration.ok_or_else(|| missing("expiration"))?),
    })
}

/// The account id in an ARN (`arn:partition:service:region:account:resource`), when it has one.
pub fn account_id_from_arn(arn: &str) -> Option<String> {
    let mut fields = arn.splitn(6, ':');
    if fields.next()? != "arn" {
        return None;
    }
    let account = fields.nth(3)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then(|| account.to_string())
}

/// The agent's answer to SDKs.
///
/// # Errors
/// `InvalidInput` naming the credentials member the result lacks.
pub fn to_container_credentials(result: &AssumeRoleResult) -> Result<ContainerCredentials, Error> {
    let p = parts(result)?;
    Ok(ContainerCredentials {
        access_key_id: p.access_key_id.into(),
        secret_access_key: p.secret_access_key.into(),
        token: p.session_token.into(),
        account_id: result.assumed_role_user.as_ref().and_then(|u| u.arn.as_deref()).and_then(account_id_from_arn),
        expiration: p.expiration,
    })
}

/// `credential_process` JSON.
///
/// # Errors
/// As [`to_container_credentials`].
pub fn to_credential_process(result: &AssumeRoleResult) -> Result<CredentialProcess, Error> {
    let p = parts(result)?;
    Ok(CredentialProcess {
        version: 1,
        access_key_id: p.access_key_id.into(),
        secret_access_key: p.secret_access_key.into(),
        session_token: p.session_token.into(),
        expiration: p.expiration,
    })
}

/// `export` lines in the shape of `aws configure export-credentials --format env`.
///
/// # Errors
/// As [`to_container_credentials`].
pub fn to_shell_exports(result: &AssumeRoleResult) -> Result<String, Error> {
    let p = parts(result)?;
    let lines = [
        ("AWS_ACCESS_KEY_ID", p.access_key_id),
        ("AWS_SECRET_ACCESS_KEY", p.secret_access_key),
        ("AWS_SESSION_TOKEN", p.session_token),
        ("AWS_CREDENTIAL_EXPIRATION", &p.expiration),
    ];
    Ok(lines.iter().map(|(k, v)| format!("export {k}={}\n", shell_quote(v))).collect())
}

/// Single-quotes a value unless every character is shell-safe.
fn shell_quote(value: &str) -> String {
    let safe = !value.is_empty()
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-+/=.:,@%".contains(&b));
    if safe {
        value.to_string()
    } else {
        format!("'{}'", crate::text::replace(value, "'", "'\\''", usize::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids() {
        assert_eq!(account_id_from_arn("arn:aws:sts::111122223333:assumed-role/r/s").as_deref(), Some("111122223333"));
        assert_eq!(account_id_from_arn("arn:aws:sts::x:assumed-role/r/s"), None);
        assert_eq!(account_id_from_arn("nope"), None);
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("wJal/K7+="), "wJal/K7+=");
        assert_eq!(shell_quote("a b'c"), "'a b'\\''c'");
    }
}
