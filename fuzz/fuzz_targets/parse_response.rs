//! Any status, headers and body: parsing returns a result or a typed error, never panics, and no
//! error text carries an `x-amz-security-token` value.
#![no_main]
use eks_auth_wasm::credentials::{to_container_credentials, to_credential_process, to_shell_exports};
use eks_auth_wasm::response::{parse_assume_role_response, HttpResponse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let status = u16::from_le_bytes([data[0], data[1]]) % 600;
    let split = usize::from(data[2]).min(data.len() - 3);
    let (head, body) = data[3..].split_at(split);
    let head = String::from_utf8_lossy(head);
    let headers: Vec<(&str, &str)> = head.lines().filter_map(|l| l.split_once(':')).collect();
    match parse_assume_role_response(&HttpResponse { status, headers: &headers, body }) {
        Ok(result) => {
            let _ = to_container_credentials(&result);
            let _ = to_credential_process(&result);
            let _ = to_shell_exports(&result);
        }
        Err(e) => {
            let text = e.to_string();
            if let Some(i) = text.find("x-amz-security-token:") {
                let rest = &text[i + "x-amz-security-token:".len()..];
                assert!(rest.is_empty() || rest.starts_with("<redacted>") || rest.starts_with(['\n', '\'', '"', '\\']));
            }
        }
    }
});
