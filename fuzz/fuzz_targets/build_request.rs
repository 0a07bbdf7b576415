//! Any text in every input field: building validates or fails with a typed error, never panics,
//! and a built request never carries a cluster name outside the model pattern.
#![no_main]
use eks_auth_wasm::request::{assume_role_signing_stages, build_assume_role_request, AssumeRoleRequest};
use eks_auth_wasm::sign::Credentials;
use libfuzzer_sys::fuzz_target;
use std::time::{Duration, UNIX_EPOCH};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut f = text.split('\u{0}');
    let mut next = || f.next().map(String::from);
    let (region, cluster, token, key, secret, session, endpoint, node) =
        (next(), next(), next(), next(), next(), next(), next(), next());
    let input = AssumeRoleRequest {
        region,
        cluster_name: cluster.unwrap_or_default(),
        token: token.unwrap_or_default(),
        credentials: key.map(|access_key_id| Credentials {
            access_key_id,
            secret_access_key: secret.unwrap_or_default(),
            session_token: session,
        }),
        now: UNIX_EPOCH + Duration::from_secs(u64::from(data.first().copied().unwrap_or(0)) << 24),
        use_fips: data.len() % 2 == 0,
        endpoint,
        eks_node_name: node,
        instance_id: None,
        zone: None,
    };
    if let Ok(request) = build_assume_role_request(&input) {
        assert!(input.cluster_name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert!(request.body.is_ascii());
        let stages = assume_role_signing_stages(&input).unwrap();
        if let Some(stages) = stages {
            let auth = &request.headers.iter().find(|(n, _)| n == "authorization").unwrap().1;
            assert_eq!(&stages.authorization, auth, "stages agree with aws-sigv4");
        }
    }
});
