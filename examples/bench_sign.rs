//! The native figure for `npm run bench`: the same signed request as the JavaScript peers, through
//! the core compiled for this machine. Prints `{"medianUs": ...}`.
use eks_auth_wasm::request::{build_assume_role_request, AssumeRoleRequest};
use eks_auth_wasm::sign::Credentials;
use std::time::{Duration, Instant, UNIX_EPOCH};

fn main() {
    let token = format!(
        "eyJhbGciOiJSUzI1NiIsImtpZCI6ImV4YW1wbGUifQ.{}.{}",
        "eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDphcHAifQ".repeat(14),
        "c2lnbmF0dXJl".repeat(8)
    );
    let input = AssumeRoleRequest {
        region: Some("us-west-2".into()),
        cluster_name: "my-cluster".into(),
        token,
        credentials: Some(Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: Some("IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN".repeat(8)),
        }),
        now: UNIX_EPOCH + Duration::from_millis(1_764_341_090_000),
        use_fips: false,
        endpoint: None,
        eks_node_name: None,
        instance_id: None,
        zone: None,
    };
    for _ in 0..2000 {
        std::hint::black_box(build_assume_role_request(&input).expect("the benchmark input is valid"));
    }
    let mut times: Vec<f64> = (0..20_000)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(build_assume_role_request(std::hint::black_box(&input)).expect("valid"));
            start.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!("{{\"medianUs\": {}}}", times[times.len() / 2]);
}
