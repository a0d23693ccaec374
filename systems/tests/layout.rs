//! The layout's import rules, checked on the source: `config` imports nothing of the crate,
//! `model` only `config`, `engine` nothing above `model`, `protocol` no system, and no system
//! another system.

use std::path::{Path, PathBuf};

fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("source folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// Files under `folder` that name `crate::X` for an `X` in `forbidden` (test modules too: a
/// test that needs another layer belongs beside that layer or in `testing.rs`).
fn offenders(folder: &str, forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(folder);
    let mut found = Vec::new();
    for file in sources(&root) {
        let text = std::fs::read_to_string(&file).expect("readable source");
        for layer in forbidden {
            if text.contains(&format!("crate::{layer}")) {
                found.push(format!("{} uses crate::{layer}", file.display()));
            }
        }
    }
    found
}

#[test]
fn each_layer_imports_only_the_layers_below_it() {
    let above_model = [
        "engine", "protocol", "systems", "schedule", "sim", "summary",
    ];
    let mut found = offenders("config", &["model", "engine", "protocol", "systems", "sim"]);
    found.extend(offenders("model", &above_model));
    found.extend(offenders("engine", &above_model[1..]));
    found.extend(offenders("protocol", &above_model[2..]));
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn no_system_imports_another() {
    let found = offenders("systems", &["systems"]);
    assert!(found.is_empty(), "{}", found.join("\n"));
}
