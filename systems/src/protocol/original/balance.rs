//! The original's vote balances, kept vote by vote over the entry's views: which votes may
//! count, recording one, recounting all, and learning the views once the body arrives.

use super::state::{Counted, Entry, Tally, Views, WITNESS_SLOT};
use crate::model::ids::{PeerIdx, Tick};
use crate::model::peer::{Body, VoteRecord, record_newest};

impl Entry {
    /// Keeps the newest vote per voter; returns whether the tally changed.
    pub fn record_vote(&mut self, voter: PeerIdx, sent: Tick, mask: u8, holds: u8) -> bool {
        let new = VoteRecord {
            voter,
            sent,
            mask,
            holds,
        };
        let changed = record_newest(&mut self.protocol.votes, new);
        if changed {
            self.protocol.tally = Tally::Stale;
            self.protocol.counted = Counted::Recount;
        }
        changed
    }

    /// What one vote adds to `balance`, given the views.
    #[inline]
    fn contribution(&self, v: &VoteRecord, peers: u32, sign: i16, balance: &mut [i16; 7]) {
        let parts = self.protocol.views.len() - 1;
        for (i, view) in self.protocol.views[..parts].iter().enumerate() {
            let bit = 1 << i;
            if v.holds & bit != 0 && view.contains(v.voter, peers) {
                balance[i] += sign * if v.mask & bit != 0 { 1 } else { -1 };
            }
        }
        if self.protocol.views[parts].contains(v.voter, peers) {
            balance[WITNESS_SLOT] += sign;
        }
    }

    /// Recomputes `balance` from every recorded vote.
    pub fn recount(&mut self, peers: u32) {
        let mut balance = [0i16; 7];
        if !self.protocol.views.is_empty() {
            for v in &self.protocol.votes {
                self.contribution(v, peers, 1, &mut balance);
            }
        }
        self.protocol.balance = balance;
        self.protocol.counted = Counted::Exact;
    }

    /// Records a vote and keeps `balance` exact without a recount.
    pub fn record_vote_counted(&mut self, new: VoteRecord, peers: u32) -> bool {
        if self.protocol.counted != Counted::Exact || self.protocol.views.is_empty() {
            return self.record_vote(new.voter, new.sent, new.mask, new.holds);
        }
        let VoteRecord { voter, sent, .. } = new;
        let mut balance = self.protocol.balance;
        match self.protocol.votes.iter().position(|v| v.voter == voter) {
            Some(i) if sent > self.protocol.votes[i].sent => {
                let old = self.protocol.votes[i];
                self.contribution(&old, peers, -1, &mut balance);
                self.protocol.votes[i] = new;
            }
            Some(_) => return false,
            None => self.protocol.votes.push(new),
        }
        self.contribution(&new, peers, 1, &mut balance);
        self.protocol.balance = balance;
        self.protocol.tally = Tally::Stale;
        true
    }

    /// Can a vote from `voter` ever count here? Only voters inside one of this peer's views
    /// (a part's token neighbourhood or the witness's) are counted; until the body, and so
    /// the views, are known every vote is kept.
    #[inline]
    pub fn may_count(&self, voter: PeerIdx, peers: u32) -> bool {
        self.protocol.views.is_empty()
            || self.protocol.views.iter().any(|v| v.contains(voter, peers))
    }

    /// Sets the views once the body is known, and drops the votes that can never count.
    pub fn learn_views(&mut self, views: Views, peers: u32) {
        self.protocol.views = views;
        let views = &self.protocol.views;
        self.protocol
            .votes
            .retain(|v| views.iter().any(|view| view.contains(v.voter, peers)));
        self.body = Body::Known;
        self.protocol.tally = Tally::Stale;
        self.protocol.counted = Counted::Recount;
    }
}
