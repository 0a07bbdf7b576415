pub mod agent;
pub mod credentials;
pub mod endpoint;
pub mod error;
pub mod redact;
pub mod request;
pub mod response;
pub mod retry;
pub mod sign;
pub mod time;
pub mod token;
pub mod validate;
#[cfg(target_arch = "wasm32")]
mod wasm;
