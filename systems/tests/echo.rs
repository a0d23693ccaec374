//! A third protocol is its folder plus one row and one arm: `protocol/echo/` (the origin commits
//! after one round trip to its neighbours) runs end to end, and nothing outside its folder names
//! it but its row in `config/protocol.rs` and its `mod` line and arm in `protocol/mod.rs`.

use ecrust_systems::{ProtocolKind, SimConfig, Simulation};
mod common;

use common::sources;
use std::path::Path;

#[test]
fn the_echo_protocol_commits_every_block_after_one_round_trip() {
    let mut config = SimConfig {
        peers: 2000,
        ticks: 200,
        ..SimConfig::default()
    };
    config.protocol.kind = ProtocolKind::Echo;
    let mut sim = Simulation::new(config, 2).expect("a valid scenario");
    sim.run();
    let s = sim.summary();
    assert!(s.blocks_submitted > 50, "{} submitted", s.blocks_submitted);
    assert_eq!(s.blocks_committed, s.blocks_submitted);
    assert_eq!(s.safety_violations, 0);
    // At most 8 pings and 8 pongs per block, and a round trip takes a few ticks.
    let per_commit = s.messages_per_commit.expect("commits");
    assert!(
        (5.0..=20.0).contains(&per_commit),
        "{per_commit} msgs per commit"
    );
    assert!(s.sent_by_phase["ping"] > 0 && s.sent_by_phase["pong"] > 0);
    assert_eq!(
        s.sent_by_phase["vote_request"] + s.sent_by_phase["propose"],
        0
    );
}

/// Whether the code of `line` (not its comment) names the protocol: the word `Echo`, its
/// module `echo::` or `mod echo` (the original's `VoteEcho` and its `echo` replies are not it).
fn names_echo(line: &str) -> bool {
    let code = line.split("//").next().unwrap_or("");
    code.contains("echo::")
        || code.contains("mod echo")
        || code
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .any(|w| w == "Echo")
}

#[test]
fn nothing_outside_its_folder_names_the_echo_protocol_but_its_row_and_arm() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut naming: Vec<(String, usize)> = Vec::new();
    for file in sources(&src) {
        let rel = file
            .strip_prefix(&src)
            .expect("under src")
            .to_string_lossy()
            .replace('\\', "/");
        if rel.starts_with("protocol/echo/") {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("readable source");
        let lines = text.lines().filter(|l| names_echo(l)).count();
        if lines > 0 {
            naming.push((rel, lines));
        }
    }
    naming.sort();
    let files: Vec<&str> = naming.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        files,
        ["config/protocol.rs", "protocol/mod.rs"],
        "{naming:?}"
    );
    // The row in config/protocol.rs; in protocol/mod.rs the `mod` line and the arm's two.
    assert_eq!(
        naming.iter().map(|(_, n)| n).sum::<usize>(),
        4,
        "{naming:?}"
    );
    assert!(names_echo("let p = &crate::protocol::echo::Echo;"));
    assert!(!names_echo(
        "reply(out, echo(0)); // OriginalKind::VoteEcho"
    ));
}
