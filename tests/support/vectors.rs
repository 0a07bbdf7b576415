//! Reading the eks-auth vectors (tests/data/eks-auth, produced by the official AWS clients) into
//! the core's input, shared by the test files that replay them.

use eks_auth_wasm::request::AssumeRoleRequest;
use eks_auth_wasm::sign::Credentials;
use eks_auth_wasm::time;
use serde_json::Value;

/// A vector file of tests/data/eks-auth.
pub fn load(file: &str) -> Value {
    let path = format!("{}/tests/data/eks-auth/{file}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn opt(v: &Value) -> Option<String> {
    v.as_str().map(String::from)
}

/// A vector's input (time from the microseconds, floored to milliseconds as the JS API takes it).
pub fn input_of(input: &Value) -> AssumeRoleRequest {
    let millis = input["time"]["epochMicros"]
        .as_f64()
        .map(|us| (us / 1000.0).floor())
        .unwrap_or_else(|| input["time"]["epochMillis"].as_f64().unwrap());
    AssumeRoleRequest {
        region: opt(&input["region"]),
        cluster_name: input["clusterName"].as_str().unwrap().into(),
        token: input["token"].as_str().unwrap().into(),
        credentials: Some(Credentials {
            access_key_id: input["accessKeyId"].as_str().unwrap().into(),
            secret_access_key: input["secretAccessKey"].as_str().unwrap().into(),
            session_token: opt(&input["sessionToken"]),
        }),
        now: time::from_epoch_millis(millis).unwrap(),
        use_fips: input["useFips"].as_bool().unwrap_or(false),
        endpoint: opt(&input["endpoint"]),
        eks_node_name: opt(&input["eksNodeName"]),
        instance_id: opt(&input["instanceId"]),
        zone: opt(&input["zone"]),
    }
}
