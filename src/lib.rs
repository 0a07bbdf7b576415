pub mod endpoint;
pub mod error;
pub mod sign;
pub mod time;
pub mod validate;
pub(crate) mod retry { pub fn is_retryable_status(s: u16) -> bool { matches!(s, 429 | 500 | 502 | 503 | 504) } }
