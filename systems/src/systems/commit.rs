//! System 4: peers apply what the vote system decided: commit (write the token mappings they
//! hold) or block. The global bookkeeping (ledger, block outcomes) then hears of it in chunk
//! order.

use crate::blocks::{Block, BlockBook, Outcome};
use crate::ids::{BlockIdx, PeerIdx};
use crate::ledger::Ledger;
use crate::metrics::Metrics;
use crate::network::Network;
use crate::outcome::settle_outcome;
use crate::peer::{Claims, Decision, EntryState, Mapping, PeerState};
use crate::resources::{Clock, PeerEvent, Peers, Scratch, for_each_chunk};
use crate::systems::vote::{PartView, judge_part};
use crate::tokens::TokenBook;
use crate::workload::Workload;
use bevy_ecs::prelude::*;

#[allow(clippy::too_many_arguments)]
pub fn commit_blocks(
    settings: Res<crate::resources::Settings>,
    clock: Res<Clock>,
    tokens: Res<TokenBook>,
    mut book: ResMut<BlockBook>,
    mut ledger: ResMut<Ledger>,
    mut workload: ResMut<Workload>,
    mut metrics: ResMut<Metrics>,
    mut peers: ResMut<Peers>,
    mut network: ResMut<Network>,
    mut scratch: ResMut<Scratch>,
) {
    let now = clock.tick;
    let ttl = settings.0.entry_ttl;
    {
        let book = &*book;
        let tokens = &*tokens;
        for_each_chunk(&mut peers, &mut network, &mut scratch, now, |work| {
            for (local, ps) in work.peers.iter_mut().enumerate() {
                let me = work.first + local as PeerIdx;
                for ei in 0..ps.mempool.len() {
                    let decision = ps.mempool[ei].decision;
                    if decision == Decision::Undecided {
                        continue;
                    }
                    let idx = ps.mempool[ei].block;
                    let Some(block) = book.get(idx) else {
                        ps.mempool[ei].decision = Decision::Undecided;
                        continue;
                    };
                    // Another block decided this same tick may have moved a token first.
                    let still_valid = (0..block.parts.len())
                        .all(|i| judge_part(ps, block, idx, i, tokens) != PartView::Conflict);
                    ps.claims = Claims::Changed;
                    if decision == Decision::Commit && still_valid {
                        apply_commit(me, ps, idx, block, tokens, work.events);
                        ps.mempool[ei].settle(EntryState::Committed);
                    } else {
                        ps.mempool[ei].settle(EntryState::Blocked);
                        work.events.push(PeerEvent::Blocked {
                            peer: me,
                            block: idx,
                        });
                    }
                }
            }
        });
    }
    for chunk in &mut scratch.chunks {
        for ev in chunk.events.drain(..) {
            match ev {
                PeerEvent::Committed { peer, block } => {
                    metrics.current.peer_commits += 1;
                    let Some(b) = book.get_mut(block) else {
                        continue;
                    };
                    b.commits += 1;
                    let origin = b.origin == peer;
                    ledger.on_commit(block, book.get(block).expect("just seen"), now);
                    if origin {
                        settle_outcome(
                            &mut book,
                            &mut workload,
                            &mut metrics,
                            block,
                            Outcome::Committed,
                            now,
                            ttl,
                        );
                    }
                }
                PeerEvent::Blocked { peer, block } => {
                    if book.get(block).is_some_and(|b| b.origin == peer) {
                        settle_outcome(
                            &mut book,
                            &mut workload,
                            &mut metrics,
                            block,
                            Outcome::Rejected,
                            now,
                            ttl,
                        );
                    }
                }
                PeerEvent::DoubleSpend { .. } => ledger.violations.double_spends += 1,
                PeerEvent::TimedOut { .. } => {}
            }
        }
    }
}

/// Commits `block` at peer `me`: writes the mappings of the tokens in its own range.
///
/// This is where S2 is checked: each part must spend the mapping the peer stores. The vote and
/// commit systems never call it otherwise; a violation here means a faulty path got through.
pub fn apply_commit(
    me: PeerIdx,
    ps: &mut PeerState,
    idx: BlockIdx,
    block: &Block,
    tokens: &TokenBook,
    events: &mut Vec<PeerEvent>,
) {
    let mut double_spend = false;
    for part in &block.parts {
        if !ps.in_range(tokens.id(part.token)) {
            continue;
        }
        let mine = ps.mapping(part.token);
        if mine.block == idx {
            continue;
        }
        if mine.block != part.last {
            double_spend = true;
        }
        let written = ps.set_mapping(
            part.token,
            Mapping {
                block: idx,
                time: block.time,
                prev: part.last,
            },
        );
        if !written {
            double_spend = true;
        }
    }
    if double_spend {
        events.push(PeerEvent::DoubleSpend {
            peer: me,
            block: idx,
        });
    }
    events.push(PeerEvent::Committed {
        peer: me,
        block: idx,
    });
}
