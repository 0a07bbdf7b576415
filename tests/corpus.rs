//! The fuzz corpus kept in the repository (`fuzz/corpus/<target>/*`, minimized by `npm run fuzz`)
//! replayed through the stable build: every file goes to the same target function libFuzzer ran
//! (`fuzz/harness.rs`), which must answer a result or the core's typed error and keep its
//! properties — no panic, no secret in any error or `Debug` text.

#[path = "../fuzz/harness.rs"]
mod harness;

use std::fs;
use std::panic;
use std::path::{Path, PathBuf};

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join("corpus")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Replays one target's corpus; returns (files, results, typed errors).
fn replay(name: &str) -> (usize, usize, usize) {
    let target = harness::TARGETS.iter().find(|(n, _)| *n == name).unwrap().1;
    let dir = corpus_root().join(name);
    let (mut ok, mut err) = (0, 0);
    let mut failures = Vec::new();
    let files = files(&dir);
    for file in &files {
        let data = fs::read(file).unwrap();
        match panic::catch_unwind(|| target(&data)) {
            Ok(Ok(())) => ok += 1,
            // A typed error, already checked by the target (code, message, field).
            Ok(Err(_)) => err += 1,
            Err(_) => failures.push(file.display().to_string()),
        }
    }
    assert!(failures.is_empty(), "{name}: these corpus files break a property (reproduce with `cargo +nightly fuzz run {name} <file>`):\n{}", failures.join("\n"));
    (files.len(), ok, err)
}

#[test]
fn every_corpus_folder_has_a_target() {
    for entry in fs::read_dir(corpus_root()).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(harness::TARGETS.iter().any(|(n, _)| *n == name), "fuzz/corpus/{name} has no target in fuzz/harness.rs");
    }
}

macro_rules! corpus_test {
    ($name:ident) => {
        #[test]
        fn $name() {
            let (files, ok, err) = replay(stringify!($name));
            assert!(files > 0, "fuzz/corpus/{} is empty: run `npm run fuzz`", stringify!($name));
            // A corpus worth keeping reaches both outcomes.
            assert!(ok > 0 && err > 0, "{}: {ok} results, {err} errors out of {files}", stringify!($name));
        }
    };
}

corpus_test!(build_request);
corpus_test!(parse_response);
corpus_test!(parse_token);
corpus_test!(parse_text);
corpus_test!(boundary);
corpus_test!(exchange_machine);
corpus_test!(agent_machine);
