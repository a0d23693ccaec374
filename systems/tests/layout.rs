//! The layout's rules, checked on the source: `config` imports nothing of the crate, `model`
//! only `config`, `engine` nothing above `model`, `protocol` no system, and no system another
//! system; protocol code sees the world only through its node context (no block book, no
//! outcomes, no ring but the engine's lookups, no other peer's state, no vote registry but
//! the engine's certificate verifier, and no oracle).

mod common;

use common::sources;
use std::path::Path;

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

/// What protocol code may not name: the block book and its outcomes, the ring itself (the
/// engine's `Lookup` is the door to it), the dense peer table (another peer's state), the
/// adversary resource (a peer learns its own role through `Io::acts`), the vote registry (the
/// engine's `Verifier` is the door to it) and any oracle (v2's were removed by issue 24).
const BEYOND_THE_NODE: [&str; 10] = [
    "BlockBook",
    "Outcome",
    ".outcome",
    "model::ring::Ring",
    "&Ring",
    "Peers",
    "Adversary",
    ".book",
    "Signatures",
    "oracle",
];

/// The door itself: the node context and the services it carries.
const THE_DOOR: [&str; 3] = ["node.rs", "services.rs", "mod.rs"];

/// A source's code without comments and without its test module.
fn code_of(text: &str) -> String {
    let body = text.split("#[cfg(test)]").next().unwrap_or("");
    body.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// What in `code` reaches past the node context.
fn reaches_beyond_the_node(code: &str) -> Vec<&'static str> {
    BEYOND_THE_NODE
        .iter()
        .copied()
        .filter(|name| code.contains(name))
        .collect()
}

#[test]
fn protocol_code_sees_only_its_node_and_the_engine_services() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/protocol");
    let mut found = Vec::new();
    for file in sources(&root) {
        let rel = file
            .strip_prefix(&root)
            .expect("under protocol/")
            .to_string_lossy()
            .replace('\\', "/");
        let code = code_of(&std::fs::read_to_string(&file).expect("readable source"));
        if THE_DOOR.contains(&rel.as_str()) {
            continue;
        }
        for name in reaches_beyond_the_node(&code) {
            found.push(format!("protocol/{rel} names {name}"));
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_node_check_catches_a_rule_reading_an_outcome() {
    let sneaky = "fn certified(cx: &Cx, i: u32) -> bool {\n    cx.book.get(i).is_some_and(|b| b.outcome.is_some()) // fine?\n}";
    assert_eq!(
        reaches_beyond_the_node(&code_of(sneaky)),
        [".outcome", ".book"]
    );
    let forger =
        "fn certified(w: &Services, s: &Signatures, i: u32) -> bool { w.oracle.certified(i) }";
    assert_eq!(reaches_beyond_the_node(forger), ["Signatures", "oracle"]);
    // Comments and test modules do not count.
    assert!(
        reaches_beyond_the_node(&code_of("// the BlockBook\n#[cfg(test)]\nuse Peers;")).is_empty()
    );
}

/// Each function's parameters in `code` (not counting `self`), by name: `(name, count)`.
fn parameter_counts(code: &str) -> Vec<(String, usize)> {
    let code = code.replace("->", " ~");
    let mut out = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("fn ") {
        rest = &rest[at + 3..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let Some(open) = rest.find('(') else { break };
        let (mut depth, mut commas, mut any, mut selfish, mut trailing) =
            (0i32, 0, false, false, false);
        for (i, c) in rest[open + 1..].char_indices() {
            match c {
                '(' | '<' | '[' => depth += 1,
                ')' if depth == 0 => {
                    let params = rest[open + 1..open + 1 + i].trim();
                    selfish = params.starts_with("&self")
                        || params.starts_with("self")
                        || params.starts_with("&mut self");
                    trailing = params.ends_with(',');
                    break;
                }
                ')' | '>' | ']' => depth -= 1,
                ',' if depth == 0 => commas += 1,
                c if !c.is_whitespace() => any = true,
                _ => {}
            }
        }
        let count = if any {
            commas + 1 - usize::from(trailing)
        } else {
            0
        };
        out.push((name, count - usize::from(selfish && count > 0)));
        rest = &rest[open..];
    }
    out
}

#[test]
fn no_protocol_handler_takes_more_than_four_arguments() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/protocol");
    let mut found = Vec::new();
    for file in sources(&root) {
        let code = code_of(&std::fs::read_to_string(&file).expect("readable source"));
        for (name, n) in parameter_counts(&code) {
            if n > 4 {
                found.push(format!("{}: fn {name} takes {n}", file.display()));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_argument_count_reads_generics_closures_and_self() {
    let code = "fn a<const T: bool>(&self, node: &mut Node<'_, '_, T>, m: &Message) {}\n\
                fn b(io: &mut Io, block: BlockRef, w: impl Fn(PeerIdx, usize) -> bool, x: u8, y: u8) {}\n\
                fn c(\n    io: &mut Io,\n    w: impl Fn(PeerIdx, usize) -> bool,\n) {}";
    let counts = parameter_counts(code);
    assert_eq!(counts, [("a".into(), 2), ("b".into(), 5), ("c".into(), 2)]);
}
