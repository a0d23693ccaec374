//! Switches for the original protocol's rules where ours deviate from the original
//! simulator's (docs/protocol.md, "Rule switches"): each defaults to ours, and the other value
//! is the original's, so the cost of each deviation can be measured. `--rules` sets them.

use serde::{Deserialize, Serialize};

/// C4: does a peer with the block pending answer a vote request with its own opinion?
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HolderReply {
    /// Ours: a holder answers at once (a VoteEcho with its masks).
    #[default]
    AtOnce,
    /// The original: only committed or blocked peers answer; a pending one just records.
    Never,
}

/// D1: what a part whose balance falls below -T does to the block.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NegativeBalance {
    /// Ours (D1, binding): the block is Blocked at that peer.
    #[default]
    Rejects,
    /// The original's quirk: the part counts as decided and the block commits. For
    /// measurement only: the safety checker counts what it lets through.
    Commits,
}

/// What a holder does with a part that spends an owner newer than the one it stores.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BehindPart {
    /// Ours: send no vote requests for the block and ask for the parent until caught up.
    #[default]
    CatchUp,
    /// The seed-era original: it cannot verify the part, so it votes 0 on it and keeps
    /// voting; with `NegativeBalance::Commits` the block then commits anyway.
    VoteNo,
}

/// C3: whose "0" on a part counts as an objection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Objectors {
    /// Ours: only voters that hold the token speak for it; anyone else's 0 is no information.
    #[default]
    Holders,
    /// The original: every voter inside the view counts, a 0 as -1.
    AnyVoter,
}

/// A peer that learned of a block from a vote and asked the voter for its body: does it ask
/// again while the body does not come?
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BodyRequery {
    /// Ours: again every `REQUERY_TICKS` while votes keep coming.
    #[default]
    Repeat,
    /// The original: once; a lost reply leaves the peer without the body.
    Once,
}

/// The rule switches of the original protocol; the default is ours.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OriginalRules {
    pub holder_reply: HolderReply,
    pub negative_balance: NegativeBalance,
    pub behind: BehindPart,
    pub objectors: Objectors,
    pub requery: BodyRequery,
}

/// The switches and their values, as `--rules` spells them.
pub const RULE_NAMES: &str = "default, original (every switch the original's), holder-reply=at-once|never, negative-balance=rejects|commits, behind=catch-up|vote-no, objectors=holders|any-voter, requery=repeat|once";

impl OriginalRules {
    /// Every switch at the original simulator's value: the original as it ran itself
    /// (docs/protocol.md, "The original on its own network").
    pub const ORIGINAL: Self = Self {
        holder_reply: HolderReply::Never,
        negative_balance: NegativeBalance::Commits,
        behind: BehindPart::VoteNo,
        objectors: Objectors::AnyVoter,
        requery: BodyRequery::Once,
    };

    /// Parses `NAME=VALUE[,NAME=VALUE...]` over the defaults; `default` is ours, `original`
    /// sets every switch to the original's (later items override earlier ones).
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut rules = Self::default();
        for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            match item {
                "default" => {
                    rules = Self::default();
                    continue;
                }
                "original" => {
                    rules = Self::ORIGINAL;
                    continue;
                }
                _ => {}
            }
            let (name, value) = item
                .split_once('=')
                .ok_or_else(|| format!("'{item}' is not NAME=VALUE; allowed: {RULE_NAMES}"))?;
            let unknown = || format!("'{item}' is unknown; allowed: {RULE_NAMES}");
            match (name.trim(), value.trim()) {
                ("holder-reply", "at-once") => rules.holder_reply = HolderReply::AtOnce,
                ("holder-reply", "never") => rules.holder_reply = HolderReply::Never,
                ("negative-balance", "rejects") => {
                    rules.negative_balance = NegativeBalance::Rejects
                }
                ("negative-balance", "commits") => {
                    rules.negative_balance = NegativeBalance::Commits
                }
                ("behind", "catch-up") => rules.behind = BehindPart::CatchUp,
                ("behind", "vote-no") => rules.behind = BehindPart::VoteNo,
                ("objectors", "holders") => rules.objectors = Objectors::Holders,
                ("objectors", "any-voter") => rules.objectors = Objectors::AnyVoter,
                ("requery", "repeat") => rules.requery = BodyRequery::Repeat,
                ("requery", "once") => rules.requery = BodyRequery::Once,
                _ => return Err(unknown()),
            }
        }
        Ok(rules)
    }

    /// The switches that differ from ours, as `parse` reads them (`default` if none,
    /// `original` if all).
    pub fn describe(&self) -> String {
        if *self == Self::ORIGINAL {
            return "original".into();
        }
        let mut out = Vec::new();
        if self.holder_reply == HolderReply::Never {
            out.push("holder-reply=never");
        }
        if self.negative_balance == NegativeBalance::Commits {
            out.push("negative-balance=commits");
        }
        if self.behind == BehindPart::VoteNo {
            out.push("behind=vote-no");
        }
        if self.objectors == Objectors::AnyVoter {
            out.push("objectors=any-voter");
        }
        if self.requery == BodyRequery::Once {
            out.push("requery=once");
        }
        if out.is_empty() {
            "default".into()
        } else {
            out.join(",")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_and_describe_each_other() {
        let r =
            OriginalRules::parse("holder-reply=never, behind=vote-no,objectors=any-voter").unwrap();
        assert_eq!(r.objectors, Objectors::AnyVoter);
        assert_eq!(r.requery, BodyRequery::Repeat);
        assert_eq!(r.holder_reply, HolderReply::Never);
        assert_eq!(r.behind, BehindPart::VoteNo);
        assert_eq!(r.negative_balance, NegativeBalance::Rejects);
        assert_eq!(OriginalRules::parse(&r.describe()).unwrap(), r);
        assert_eq!(
            OriginalRules::parse("default").unwrap(),
            OriginalRules::default()
        );
        assert_eq!(OriginalRules::default().describe(), "default");
        let all = "holder-reply=never,negative-balance=commits,behind=vote-no,objectors=any-voter,requery=once";
        assert_eq!(OriginalRules::parse(all).unwrap(), OriginalRules::ORIGINAL);
        assert_eq!(OriginalRules::ORIGINAL.describe(), "original");
        let r = OriginalRules::parse("original,holder-reply=at-once").unwrap();
        assert_eq!(r.holder_reply, HolderReply::AtOnce);
        assert_eq!(r.requery, BodyRequery::Once);
        for bad in ["holder-reply", "holder-reply=sometimes", "quorum=2"] {
            let e = OriginalRules::parse(bad).unwrap_err();
            assert!(e.contains("holder-reply=at-once|never"), "{e}");
        }
    }
}
