//! Every repository path cited in the docs, the comments and the Cargo manifests exists, and
//! nothing outside the repository is cited (issue 23, item 6).
//!
//! Where it looks:
//! - whole text: README.md, BENCHMARKS.md, `docs/*.md`, profiles/README.md, `profiles/*.sh`,
//!   `.ci/run`, every file under scripts/, and both Cargo.toml files;
//! - comments only: `configs/*.toml` (after `#`) and every `*.rs` file under src/, systems/,
//!   tests/ and benches/ (line, doc and block comments; string literals are skipped).
//!
//! What counts as a cited path (the rule): a token (text between blanks, backticks, quotes,
//! brackets, `=`, `,`, `;` or `|`; trailing punctuation, a `#anchor` and a `:LINE` suffix
//! dropped) that either
//! - ends in one of the source extensions `.rs .md .toml .sh .py .txt` (a bare file name, with
//!   no `/`, included), or
//! - contains a `/` and ends in `/` (a folder).
//!
//! Not counted: URLs (`://`); tokens with a placeholder or glob character (`$ * { } < > ~ ? % [ ]
//! @ +`), `...` or a capitalised placeholder segment (`NAME`, `FILE`, `DIR`, `PATH`, `HASH`, `N`);
//! the token right after a redirection (`>`, `>>`, `->`); paths under the output and scratch
//! folders `out/`, `target/`, `tmp/` and `/tmp/`; and the bare names of the few source-like
//! files the project's commands write (`OUTPUT_NAMES`: the scenario file a sweep copies into
//! its output folder, `scripts/memory.sh`'s report). Other outputs a command writes (traces,
//! summaries, `.svg` flame graphs, `.jsonl`) have other extensions or sit under `out/`, so they
//! are not citations.
//!
//! How a cited path is resolved:
//! - a bare file name must name some file of the repository;
//! - one starting with `./` or `../` is taken from the citing file's folder;
//! - any other is tried from the citing file's folder and each folder above it, and from the
//!   roots `src/`, `systems/`, `systems/src/` and `systems/src/protocol/`, so that
//!   `protocol/v2/mod.rs` or `model/peer.rs` in a comment resolve as the reader would;
//! - failing that, one whose first segment is not a top-level folder of the repository (such
//!   as `vote/lock.rs` in the v2 docs) may end the path of any file or folder of the repository.
//!
//! A path that resolves nowhere is reported as missing. A path that climbs out of the repository
//! (`..` above its root), an absolute path other than `/tmp/`, or a path that exists only beside
//! the repository (in its parent folder) is reported as outside the repository: the project
//! restates what it needs instead of citing it.

use std::fs;
use std::path::{Path, PathBuf};

/// Extensions of the files a citation may name (anything else is taken for an output).
const EXTENSIONS: &[&str] = &["rs", "md", "toml", "sh", "py", "txt"];
/// Output and scratch folders: paths under them are never citations.
const SKIPPED: &[&str] = &["out/", "target/", "tmp/", "/tmp/"];
/// Characters that make a token a placeholder or a glob rather than a path.
const PLACEHOLDERS: &[char] = &[
    '$', '*', '{', '}', '<', '>', '~', '?', '%', '[', ']', '@', '+',
];
/// Folders a path without `./` may be written relative to, besides the citing file's folders.
const ROOTS: &[&str] = &["", "src", "systems", "systems/src", "systems/src/protocol"];
/// Path segments that stand for a name the reader fills in.
const PLACEHOLDER_SEGMENTS: &[&str] = &["NAME", "FILE", "DIR", "PATH", "HASH", "N"];
/// Files with a source extension that the project's commands write (bare names only).
const OUTPUT_NAMES: &[&str] = &["sweep.toml", "BENCHMARKS-memory.md"];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Problem {
    Missing,
    Outside,
}

/// How much of a file is scanned.
#[derive(Clone, Copy)]
enum Scan {
    Whole,
    HashComments,
    RustComments,
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file scanned, relative to the repository root, with what part of it is scanned.
fn scanned_files(root: &Path) -> Vec<(String, Scan)> {
    let mut files: Vec<(String, Scan)> = Vec::new();
    let fixed = [
        "README.md",
        "BENCHMARKS.md",
        "profiles/README.md",
        ".ci/run",
    ];
    for f in fixed
        .into_iter()
        .chain(["Cargo.toml", "systems/Cargo.toml"])
    {
        files.push((f.to_string(), Scan::Whole));
    }
    for f in walk(root, "docs") {
        if f.ends_with(".md") {
            files.push((f, Scan::Whole));
        }
    }
    for f in walk(root, "profiles") {
        if f.ends_with(".sh") {
            files.push((f, Scan::Whole));
        }
    }
    for f in walk(root, "scripts") {
        files.push((f, Scan::Whole));
    }
    for f in walk(root, "configs") {
        if f.ends_with(".toml") {
            files.push((f, Scan::HashComments));
        }
    }
    for dir in ["src", "systems", "tests", "benches"] {
        for f in walk(root, dir) {
            if f.ends_with(".rs") {
                files.push((f, Scan::RustComments));
            }
        }
    }
    files
}

/// Files under `dir` (relative to `root`), recursively, skipping `target` and hidden folders.
fn walk(root: &Path, dir: &str) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(root.join(dir)) else {
        return out;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let rel = format!("{dir}/{name}");
        let Ok(kind) = e.file_type() else { continue };
        if kind.is_dir() {
            if name != "target" && !name.starts_with('.') {
                out.extend(walk(root, &rel));
            }
        } else {
            out.push(rel);
        }
    }
    out.sort();
    out
}

/// The scanned text of a file as (line number, text) pairs.
fn scanned_text(src: &str, scan: Scan) -> Vec<(usize, String)> {
    match scan {
        Scan::Whole => src
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.to_string()))
            .collect(),
        Scan::HashComments => src
            .lines()
            .enumerate()
            .filter_map(|(i, l)| hash_comment(l).map(|c| (i + 1, c.to_string())))
            .collect(),
        Scan::RustComments => rust_comments(src),
    }
}

/// The comment of a TOML line: from the first `#` outside a string.
fn hash_comment(line: &str) -> Option<&str> {
    let mut quote = None;
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '#') => return Some(&line[i..]),
            _ => {}
        }
    }
    None
}

/// The comments of a Rust source as (line number, text) pairs: `//` comments (doc comments
/// included) and `/* */` comments line by line; string, raw string and char literals skipped.
fn rust_comments(src: &str) -> Vec<(usize, String)> {
    let b: Vec<char> = src.chars().collect();
    let at = |i: usize| b.get(i).copied().unwrap_or('\0');
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < b.len() {
        let c = b[i];
        if c == '/' && at(i + 1) == '/' {
            let start = i;
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
            out.push((line, b[start..i].iter().collect()));
        } else if c == '/' && at(i + 1) == '*' {
            let (mut depth, mut text) = (1, String::new());
            i += 2;
            while i < b.len() && depth > 0 {
                if b[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if b[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                } else {
                    if b[i] == '\n' {
                        out.push((line, std::mem::take(&mut text)));
                        line += 1;
                    } else {
                        text.push(b[i]);
                    }
                    i += 1;
                }
            }
            out.push((line, text));
        } else if c == 'r'
            && (at(i + 1) == '"' || at(i + 1) == '#')
            && (i == 0 || !ident(b[i - 1]) || (b[i - 1] == 'b' && (i == 1 || !ident(b[i - 2]))))
            && {
                let mut j = i + 1;
                while at(j) == '#' {
                    j += 1;
                }
                at(j) == '"'
            }
        {
            // A raw string: r"...", r#"..."#, ...
            let mut j = i + 1;
            let mut hashes = 0;
            while at(j) == '#' {
                hashes += 1;
                j += 1;
            }
            j += 1;
            while j < b.len() && !(b[j] == '"' && (1..=hashes).all(|k| at(j + k) == '#')) {
                if b[j] == '\n' {
                    line += 1;
                }
                j += 1;
            }
            i = j + 1 + hashes;
        } else if c == '"' {
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    i += 1;
                }
                if at(i) == '\n' {
                    line += 1;
                }
                i += 1;
            }
            i += 1;
        } else if c == '\'' && at(i + 1) == '\\' {
            // An escaped char literal: '\n', '\'', '\u{..}'.
            i += 3;
            while i < b.len() && b[i] != '\'' && b[i] != '\n' {
                i += 1;
            }
            i += 1;
        } else if c == '\'' && at(i + 2) == '\'' {
            i += 3; // a char literal such as '"'
        } else {
            if c == '\n' {
                line += 1;
            }
            i += 1;
        }
    }
    out
}

/// The tokens of a text that cite a repository path, as written (see the header for the rule).
fn citations(text: &str) -> Vec<String> {
    let separator = |c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '`' | '"' | '\'' | '(' | ')' | '=' | ',' | ';' | '|' | '\\' | '!' | '^'
            )
    };
    let mut out = Vec::new();
    let mut redirected = false;
    for raw in text.split(separator).filter(|t| !t.is_empty()) {
        let output = std::mem::replace(&mut redirected, matches!(raw, ">" | ">>" | "->"));
        if output || raw.contains("...") {
            continue;
        }
        // Markdown emphasis and trailing punctuation.
        let mut t = raw.trim_start_matches(['*', '_']);
        t = t.trim_end_matches(['.', ',', ':', ';', '*', '_']);
        if t.contains("://") || t.contains(PLACEHOLDERS) {
            continue;
        }
        if let Some(h) = t.find('#') {
            t = &t[..h];
        }
        // A `:LINE` or `:LINE:COL` suffix.
        while let Some((head, tail)) = t.rsplit_once(':') {
            if !tail.is_empty() && tail.chars().all(|c| c.is_ascii_digit()) {
                t = head;
            } else {
                break;
            }
        }
        if t.contains(':') {
            continue; // Rust paths (a::b) and the like
        }
        let inner = t.trim_end_matches('/');
        let folder = t.ends_with('/')
            && inner.contains(|c: char| c.is_alphanumeric())
            && (inner.contains('/') || top_level_folder(t));
        let file = t
            .rsplit('/')
            .next()
            .and_then(|name| name.rsplit_once('.'))
            .is_some_and(|(stem, ext)| !stem.is_empty() && EXTENSIONS.contains(&ext));
        if !(folder || file) || OUTPUT_NAMES.contains(&t) {
            continue;
        }
        let placeholder = |seg: &str| {
            let stem = seg.split_once('.').map_or(seg, |(stem, _)| stem);
            PLACEHOLDER_SEGMENTS.contains(&stem)
        };
        if t.split('/').any(placeholder) {
            continue;
        }
        let plain = t.trim_start_matches("./");
        if SKIPPED
            .iter()
            .any(|s| plain.starts_with(s) || t.starts_with(s))
        {
            continue;
        }
        out.push(t.to_string());
    }
    out
}

/// Whether a `name/` token names one of the repository's top-level folders.
fn top_level_folder(t: &str) -> bool {
    let name = t.trim_end_matches('/');
    !name.contains('/') && name != "." && name != ".." && repo().join(name).is_dir()
}

/// Joins `rel` to `base` (both relative to the repository root) and normalises `.` and `..`;
/// `None` if the result climbs above the root.
fn join(base: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for p in rel.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            _ => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

fn exists(root: &Path, rel: &str, folder: bool) -> bool {
    let p = root.join(rel);
    if folder { p.is_dir() } else { p.is_file() }
}

/// Checks one cited path, written in the file `citing` (relative to `root`).
fn check(root: &Path, citing: &str, path: &str) -> Option<Problem> {
    let folder = path.ends_with('/');
    if path.starts_with('/') {
        return Some(Problem::Outside);
    }
    let dir = citing.rsplit_once('/').map_or("", |(d, _)| d);
    if !path.contains('/') {
        // A bare file name: some file of the repository must have it.
        return (!any_file_named(root, path)).then_some(Problem::Missing);
    }
    if path.starts_with("./") || path.starts_with("../") {
        return match join(dir, path) {
            None => Some(Problem::Outside),
            Some(p) if exists(root, &p, folder) => None,
            Some(p) if outside_only(root, &p, folder) => Some(Problem::Outside),
            Some(_) => Some(Problem::Missing),
        };
    }
    let mut bases: Vec<String> = Vec::new();
    let mut d = dir.to_string();
    loop {
        bases.push(d.clone());
        match d.rsplit_once('/') {
            Some((up, _)) => d = up.to_string(),
            None if !d.is_empty() => d.clear(),
            None => break,
        }
    }
    bases.extend(ROOTS.iter().map(|r| r.to_string()));
    if bases
        .iter()
        .filter_map(|b| join(b, path))
        .any(|p| exists(root, &p, folder))
    {
        return None;
    }
    let first = path.split('/').next().unwrap_or_default();
    if !root.join(first).is_dir() && any_path_ending(root, "", path, folder) {
        return None;
    }
    if outside_only(root, path, folder) {
        return Some(Problem::Outside);
    }
    Some(Problem::Missing)
}

/// Whether some file (or folder) under `dir` has a path ending in `/tail`.
fn any_path_ending(root: &Path, dir: &str, tail: &str, folder: bool) -> bool {
    let Ok(entries) = fs::read_dir(root.join(dir)) else {
        return false;
    };
    entries.flatten().any(|e| {
        let name = e.file_name().to_string_lossy().into_owned();
        if name == "target" || name.starts_with('.') {
            return false;
        }
        let rel = if dir.is_empty() {
            name
        } else {
            format!("{dir}/{name}")
        };
        let is_dir = e.file_type().is_ok_and(|k| k.is_dir());
        let here = rel.ends_with(&format!("/{}", tail.trim_end_matches('/'))) && is_dir == folder;
        here || (is_dir && any_path_ending(root, &rel, tail, folder))
    })
}

/// Whether `rel` names something beside the repository (in its parent folder).
fn outside_only(root: &Path, rel: &str, folder: bool) -> bool {
    root.parent()
        .is_some_and(|parent| exists(parent, rel, folder))
}

fn any_file_named(root: &Path, name: &str) -> bool {
    fn find(dir: &Path, name: &str) -> bool {
        let Ok(entries) = fs::read_dir(dir) else {
            return false;
        };
        entries.flatten().any(|e| {
            let n = e.file_name();
            let n = n.to_string_lossy();
            match e.file_type() {
                Ok(k) if k.is_dir() => n != "target" && n != ".git" && find(&e.path(), name),
                Ok(_) => n == name,
                Err(_) => false,
            }
        })
    }
    find(root, name)
}

/// Every broken citation of the repository at `root`, one line each, and the number of
/// citations checked.
fn problems(root: &Path) -> (Vec<String>, usize) {
    let (mut out, mut checked) = (Vec::new(), 0);
    for (file, scan) in scanned_files(root) {
        let Ok(src) = fs::read_to_string(root.join(&file)) else {
            out.push(format!("{file}: cannot be read"));
            continue;
        };
        for (line, text) in scanned_text(&src, scan) {
            for path in citations(&text) {
                checked += 1;
                match check(root, &file, &path) {
                    None => {}
                    Some(Problem::Missing) => out.push(format!(
                        "{file}:{line}: `{path}` exists nowhere in the repository"
                    )),
                    Some(Problem::Outside) => {
                        out.push(format!("{file}:{line}: `{path}` is outside the repository"))
                    }
                }
            }
        }
    }
    (out, checked)
}

#[test]
fn every_cited_path_exists() {
    let (found, checked) = problems(&repo());
    // The scan sees the citations it should (about 370 when this was written).
    assert!(
        checked > 250,
        "only {checked} citations found: the scan went blind"
    );
    assert!(
        found.is_empty(),
        "{} broken citation(s):\n{}",
        found.len(),
        found.join("\n")
    );
}

/// The checker can fail: a made-up path is caught wherever it is written.
#[test]
fn the_checker_catches_a_made_up_path() {
    let root = repo();
    let text =
        "see `docs/no-such-decision.md`, systems/src/model/no_such.rs and protocol/v9/lock.rs";
    let found: Vec<_> = citations(text)
        .into_iter()
        .map(|p| (check(&root, "README.md", &p), p))
        .collect();
    assert_eq!(
        found,
        [
            (
                Some(Problem::Missing),
                "docs/no-such-decision.md".to_string()
            ),
            (
                Some(Problem::Missing),
                "systems/src/model/no_such.rs".to_string()
            ),
            (Some(Problem::Missing), "protocol/v9/lock.rs".to_string()),
        ]
    );
    // The same in a Rust comment, and not in a string.
    let src = "let s = \"docs/not-cited.md\"; // see docs/no-such-decision.md\n";
    let comments = rust_comments(src);
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert_eq!(citations(&comments[0].1), ["docs/no-such-decision.md"]);
}

#[test]
fn paths_that_exist_pass_from_every_plausible_root() {
    let root = repo();
    for (citing, path) in [
        ("README.md", "docs/protocol.md"),
        ("README.md", "docs/"),
        ("docs/protocol.md", "../README.md"),
        ("docs/architecture.md", "src/cli/mod.rs"),
        ("docs/architecture.md", "protocol/v2/mod.rs"),
        ("docs/architecture.md", "model/peer.rs"),
        ("systems/src/protocol/v2/mod.rs", "original/mod.rs"),
        ("docs/protocol-v2.md", "vote/lock.rs"),
        ("docs/protocol-v2.md", "certificate.rs"),
        ("tests/cli.rs", "common/mod.rs"),
        ("tests/cli.rs", "Cargo.toml"),
    ] {
        assert_eq!(check(&root, citing, path), None, "{citing} citing {path}");
    }
}

#[test]
fn citations_outside_the_repository_are_flagged() {
    let root = repo();
    assert_eq!(
        citations("(`../../elsewhere/NOTES.md`)"),
        ["../../elsewhere/NOTES.md"]
    );
    assert_eq!(
        check(&root, "docs/protocol.md", "../../elsewhere/NOTES.md"),
        Some(Problem::Outside)
    );
    assert_eq!(
        check(&root, "README.md", "/home/someone/NOTES.md"),
        Some(Problem::Outside)
    );
    // Beside the repository: reported as outside where the sibling exists, missing elsewhere.
    assert!(check(&root, "README.md", "elsewhere/NOTES.md").is_some());
}

#[test]
fn outputs_urls_and_placeholders_are_not_citations() {
    for text in [
        "ecrust-ecs --trace out/trace.parquet --summary json > out/summary.json",
        "cargo flamegraph -o profiles/run.svg",
        "target/release/ecrust-ecs and /tmp/x.toml",
        "https://example.org/a/b.md",
        "configs/sweep-*.toml, configs/$name.toml, systems/src/..., docs/{a,b}.md",
        "--config <path.toml>",
        "ecrust_systems::model::peer and I/O",
        "systems/src/systems/NAME.rs, systems/src/protocol/NAME/",
        "sort runs > tables.md; a copy (`sweep.toml`) -> summary.md",
    ] {
        assert_eq!(citations(text), Vec::<String>::new(), "{text}");
    }
    assert_eq!(
        citations("`src/main.rs:12`, [docs](docs/outputs.md#trace), scripts/results.py > x"),
        ["src/main.rs", "docs/outputs.md", "scripts/results.py"]
    );
}

/// `docs/architecture.md` is a map for newcomers, not a history: it stays under 200 lines.
#[test]
fn the_architecture_map_stays_under_200_lines() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/architecture.md");
    let lines = std::fs::read_to_string(path)
        .expect("docs/architecture.md is in the repository")
        .lines()
        .count();
    assert!(lines < 200, "docs/architecture.md has {lines} lines");
}
