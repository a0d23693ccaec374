//! The original's vote balances, kept vote by vote over the entry's views: which votes may
//! count, recording one, recounting all, and learning the views once the body arrives.
//! Methods of the shared `Entry` (defined here, with the rule, rather than in `model/`)
//! until entries are per protocol.

use crate::model::ids::PeerIdx;
use crate::model::peer::{Body, Counted, Entry, Tally, Views, VoteRecord, WITNESS_SLOT};

impl Entry {
    /// What one vote adds to `balance`, given the views.
    #[inline]
    fn contribution(&self, v: &VoteRecord, peers: u32, sign: i16, balance: &mut [i16; 7]) {
        let parts = self.views.len() - 1;
        for (i, view) in self.views[..parts].iter().enumerate() {
            let bit = 1 << i;
            if v.holds & bit != 0 && view.contains(v.voter, peers) {
                balance[i] += sign * if v.mask & bit != 0 { 1 } else { -1 };
            }
        }
        if self.views[parts].contains(v.voter, peers) {
            balance[WITNESS_SLOT] += sign;
        }
    }

    /// Recomputes `balance` from every recorded vote.
    pub fn recount(&mut self, peers: u32) {
        let mut balance = [0i16; 7];
        if !self.views.is_empty() {
            for v in &self.votes {
                self.contribution(v, peers, 1, &mut balance);
            }
        }
        self.balance = balance;
        self.counted = Counted::Exact;
    }

    /// Records a vote and keeps `balance` exact without a recount.
    pub fn record_vote_counted(&mut self, new: VoteRecord, peers: u32) -> bool {
        if self.counted != Counted::Exact || self.views.is_empty() {
            return self.record_vote(new.voter, new.sent, new.mask, new.holds);
        }
        let VoteRecord { voter, sent, .. } = new;
        let mut balance = self.balance;
        match self.votes.iter().position(|v| v.voter == voter) {
            Some(i) if sent > self.votes[i].sent => {
                let old = self.votes[i];
                self.contribution(&old, peers, -1, &mut balance);
                self.votes[i] = new;
            }
            Some(_) => return false,
            None => self.votes.push(new),
        }
        self.contribution(&new, peers, 1, &mut balance);
        self.balance = balance;
        self.tally = Tally::Stale;
        true
    }

    /// Can a vote from `voter` ever count here? Only voters inside one of this peer's views
    /// (a part's token neighbourhood or the witness's) are counted; until the body, and so
    /// the views, are known every vote is kept.
    #[inline]
    pub fn may_count(&self, voter: PeerIdx, peers: u32) -> bool {
        self.views.is_empty() || self.views.iter().any(|v| v.contains(voter, peers))
    }

    /// Sets the views once the body is known, and drops the votes that can never count.
    pub fn learn_views(&mut self, views: Views, peers: u32) {
        self.views = views;
        let views = &self.views;
        self.votes
            .retain(|v| views.iter().any(|view| view.contains(v.voter, peers)));
        self.body = Body::Known;
        self.tally = Tally::Stale;
        self.counted = Counted::Recount;
    }
}
