//! Every message due this tick reaches its receiver, which handles it by the
//! protocol's rules (records votes, answers queries, takes in block bodies). Replies leave
//! through the receiver's outbox.

use crate::engine::outbox::Outbox;
use crate::engine::parcel::Parcel;
use crate::engine::pass::PeerPass;
use crate::engine::prefetch;
use crate::model::ids::PeerIdx;
use crate::model::message::{ANSWER_SENDER, Kind, KindCounts, Message};
use crate::model::peer::{PeerPart, PeerState};
use crate::model::rng::{Stream, StreamKey};
use crate::model::signatures::Signatures;
use crate::model::trace::Fate;
use crate::protocol::{Io, Node, Protocol, RuleInputs, Services};
use bevy_ecs::prelude::Res;
use rand::seq::SliceRandom;
use rand_pcg::Pcg64Mcg;

/// Prefetch distances, in receivers: the peer's own state, then the entries it will read.
const FAR_AHEAD: usize = 16;
const NEAR_AHEAD: usize = 8;

pub fn deliver_messages<P: Protocol>(
    rules: RuleInputs,
    signatures: Res<Signatures>,
    mut pass: PeerPass<P::Peer>,
) {
    deliver_with(&P::default(), &rules, &signatures, &mut pass);
}

fn deliver_with<P: Protocol>(
    protocol: &P,
    rules: &RuleInputs,
    signatures: &Signatures,
    pass: &mut PeerPass<P::Peer>,
) {
    let cx = rules.services(signatures);
    let now = cx.now;
    let due = pass.network.take_due(now);
    let due_ref = &due;
    let inbox_streams = StreamKey::new(rules.settings.0.seed, Stream::Inbox, now);
    pass.for_each_chunk(now, |mut work| {
        let incoming = &due_ref[work.index];
        let mut arena = work.arena.lock().unwrap_or_else(|e| e.into_inner());
        arena.reset();
        // Counting sort by receiver: stable, so each inbox keeps sender-chunk order.
        let n = work.peers.len();
        let mut starts = bumpalo::vec![in &*arena; 0u32; n + 1];
        // Slice by slice, so the inner loops stay tight.
        let slices = || incoming.iter().flat_map(Parcel::slices);
        for slice in slices() {
            for m in slice {
                starts[(m.to - work.first) as usize + 1] += 1;
            }
        }
        for i in 0..n {
            starts[i + 1] += starts[i];
        }
        let total = starts[n] as usize;
        if total == 0 {
            return;
        }
        let mut cursor = bumpalo::collections::Vec::from_iter_in(starts.iter().copied(), &arena);
        let blank = slices().flatten().next().copied().unwrap_or(EMPTY);
        let mut inbox = bumpalo::vec![in &*arena; blank; total];
        for slice in slices() {
            for m in slice {
                let r = (m.to - work.first) as usize;
                inbox[cursor[r] as usize] = *m;
                cursor[r] += 1;
            }
        }
        // Receivers with mail, in order; their state is prefetched in two steps ahead of
        // use: the peer itself far ahead, then (once its keys are in cache) the entries its
        // messages are about.
        let mut receivers = bumpalo::collections::Vec::with_capacity_in(n.min(total), &arena);
        receivers.extend((0..n as u32).filter(|&r| starts[r as usize] != starts[r as usize + 1]));
        for k in 0..receivers.len() {
            if let Some(&far) = receivers.get(k + FAR_AHEAD) {
                prefetch::value(&work.peers[far as usize]);
            }
            if let Some(&near) = receivers.get(k + NEAR_AHEAD) {
                let near = near as usize;
                let ps = &work.peers[near];
                let (a, b) = (starts[near] as usize, starts[near + 1] as usize);
                for m in &inbox[a..b.min(a + 2)] {
                    prefetch::state_for(ps, m.block);
                    prefetch::value(&rules.ring.ids[m.from as usize]);
                }
            }
            let local = receivers[k] as usize;
            let (a, b) = (starts[local] as usize, starts[local + 1] as usize);
            let me = work.first + local as PeerIdx;
            let mut rng = inbox_streams.stream(me as u64);
            let slice = &mut inbox[a..b];
            slice.shuffle(&mut rng);
            let inbox = Inbox {
                me,
                ps: &mut work.peers[local],
                messages: slice,
                handles: match rules.adversary.withholds(me) {
                    true => Handles::Nothing,
                    false => Handles::Messages,
                },
            };
            // Picked once per inbox, so an untraced run's message loop is the same as before.
            if work.outbox.trace.is_some() {
                let out = &mut work.outbox.retag::<true>();
                receive_inbox(protocol, &cx, inbox, out, work.delivered, &mut rng);
            } else {
                let out = &mut work.outbox;
                receive_inbox(protocol, &cx, inbox, out, work.delivered, &mut rng);
            }
            work.hints.refresh(local, &work.peers[local]);
        }
    });
    pass.network.recycle(due);
    pass.settle_charges(&rules.book);
}

/// One receiver and its shuffled inbox.
struct Inbox<'a, S: PeerPart> {
    me: PeerIdx,
    ps: &'a mut PeerState<S>,
    messages: &'a [Message],
    handles: Handles,
}

/// Whether a receiver handles its mail: a silent Byzantine one's messages are delivered and
/// counted, never handled.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Handles {
    Messages,
    Nothing,
}

/// Hands a receiver's inbox to the protocol; a `TRACED` outbox also records each delivery
/// and the entry state it changed (see [`crate::engine::trace`]).
#[inline(always)]
fn receive_inbox<P: Protocol, const TRACED: bool>(
    protocol: &P,
    cx: &Services,
    inbox: Inbox<P::Peer>,
    out: &mut Outbox<'_, TRACED>,
    delivered: &mut KindCounts,
    rng: &mut Pcg64Mcg,
) {
    let (now, me) = (cx.now, inbox.me);
    let handles = inbox.handles;
    let mut node = Node {
        state: inbox.ps,
        io: Io {
            me,
            now,
            out,
            rng,
            world: cx,
        },
    };
    for m in inbox.messages {
        let out = &mut *node.io.out;
        // A partition or an offline receiver also stops what was already in flight.
        if !out.faults.can_send(m.from, m.to, now) {
            out.dropped.add(m.kind);
            *out.cut += 1;
            if TRACED && let Some(trace) = &mut out.trace {
                trace.message(now, m, Fate::Cut, Some(now));
            }
            continue;
        }
        delivered.add(m.kind);
        out.heard(me, m.from);
        let before = match &mut out.trace {
            Some(trace) if TRACED => Some(trace.delivered(now, m, node.state)),
            _ => None,
        };
        if handles == Handles::Messages {
            protocol.receive(&mut node, m);
        }
        if TRACED && let (Some(before), Some(trace)) = (before, &mut node.io.out.trace) {
            trace.after_receive(now, me, node.state, m.block, before);
        }
    }
}

const EMPTY: Message = Message {
    to: 0,
    from: 0,
    block: 0,
    sent: 0,
    target: ANSWER_SENDER,
    kind: Kind(0),
    mask: 0,
    holds: 0,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::message::{ALL_PARTS, COMMITTED_MASK};
    use crate::model::peer::{Body, Entry, EntryState, Role, Settled, Verdict, VoteRecord};
    use crate::protocol::original::Original;
    use crate::protocol::original::message::OriginalKind;
    use crate::testing::*;

    fn original(m: &Message) -> OriginalKind {
        OriginalKind::of(m.kind).expect("the original's kinds only")
    }
    use bevy_ecs::world::World;

    fn sent(world: &World) -> Vec<(OriginalKind, PeerIdx, PeerIdx, u8, u8)> {
        in_flight(world)
            .iter()
            .map(|m| (original(m), m.from, m.to, m.mask, m.holds))
            .collect()
    }

    fn request(from: PeerIdx, to: PeerIdx, block: crate::model::ids::BlockIdx) -> Message {
        Message {
            mask: 1,
            holds: 1,
            ..message(OriginalKind::VoteRequest, from, to, block, 0)
        }
    }

    #[test]
    fn a_vote_request_makes_a_relay_entry_and_the_body_follows() {
        let mut world = tiny_world();
        let b = submit_block(&mut world, 0, BLOCK_ID, &[0]);
        run_named(&mut world, "vote");

        set_tick(&mut world, 1);
        run(&mut world, deliver_messages::<Original>);
        for p in 1..=4 {
            let ps = peer(&world, p);
            assert_eq!(ps.mempool.len(), 1, "peer {p}");
            let e = &ps.mempool[0];
            assert_eq!((e.block, e.role, e.expires), (b, Role::Relay, TTL));
            assert_eq!(e.body, Body::Unknown { asked: 1 });
            let vote = VoteRecord {
                voter: 0,
                sent: 0,
                mask: 1,
                holds: 1,
            };
            assert_eq!(e.protocol.votes.as_slice(), &[vote]);
        }
        let query = |from| (OriginalKind::BlockQuery, from, 0, 0, 0);
        assert_eq!(sent(&world), vec![query(1), query(2), query(3), query(4)]);

        set_tick(&mut world, 2);
        run(&mut world, deliver_messages::<Original>);
        let reply = |to| (OriginalKind::BlockReply, 0, to, 0, 0);
        assert_eq!(sent(&world), vec![reply(1), reply(2), reply(3), reply(4)]);

        set_tick(&mut world, 3);
        run(&mut world, deliver_messages::<Original>);
        assert!(in_flight(&world).is_empty());
        for p in 1..=4 {
            let e = &peer(&world, p).mempool[0];
            assert_eq!(e.body, Body::Known, "peer {p}");
            assert_eq!(e.protocol.views.len(), 2);
            assert_eq!(
                e.protocol.tally,
                crate::protocol::original::state::Tally::Stale
            );
        }
        assert_eq!(messages_charged(&world, b), 12);
    }

    #[test]
    fn a_decided_peer_echoes_its_decision() {
        for (state, echoed) in [
            (Some(EntryState::Committed), COMMITTED_MASK),
            (Some(EntryState::Blocked), 0),
            (None, COMMITTED_MASK), // remembered after its entry expired
        ] {
            let mut world = tiny_world();
            let b = submit_block(&mut world, 0, BLOCK_ID, &[0]);
            let ps = peer_mut(&mut world, 2);
            match state {
                Some(state) => {
                    let mut e = Entry::new(b, TTL, Body::Known, Role::Relay);
                    e.settle(state);
                    ps.add_entry(e);
                }
                None => ps.remember(Settled {
                    block: b,
                    until: 30,
                    verdict: Verdict::Committed,
                }),
            }
            post(&mut world, request(0, 2, b), 1);
            // An echo is never answered: that would ping-pong forever.
            let echo = Message {
                mask: COMMITTED_MASK,
                holds: ALL_PARTS,
                ..message(OriginalKind::VoteEcho, 1, 2, b, 0)
            };
            post(&mut world, echo, 1);
            set_tick(&mut world, 1);
            run(&mut world, deliver_messages::<Original>);
            assert_eq!(
                sent(&world),
                vec![(OriginalKind::VoteEcho, 2, 0, echoed, ALL_PARTS)],
                "{state:?}"
            );
            assert_eq!(in_flight(&world)[0].sent, 1);
        }
    }

    #[test]
    fn a_pending_holder_answers_with_its_opinion_a_non_holder_only_records() {
        let mut world = tiny_world();
        let b = submit_block(&mut world, 0, BLOCK_ID, &[0]);
        for p in [1, 3] {
            let e = Entry::new(b, TTL, Body::Known, Role::Relay);
            peer_mut(&mut world, p).add_entry(e);
            post(&mut world, request(0, p, b), 1);
        }
        assert!(!peer(&world, 1).in_range(TOKEN_IDS[0]));
        assert!(peer(&world, 3).in_range(TOKEN_IDS[0]));
        set_tick(&mut world, 1);
        run(&mut world, deliver_messages::<Original>);
        assert_eq!(sent(&world), vec![(OriginalKind::VoteEcho, 3, 0, 1, 1)]);
        for p in [1, 3] {
            assert_eq!(
                peer(&world, p).mempool[0].protocol.votes.len(),
                1,
                "peer {p}"
            );
        }
    }

    #[test]
    fn a_holder_answers_no_to_the_later_of_two_spends_of_one_owner() {
        let mut world = tiny_world();
        let first = submit_block(&mut world, 0, BLOCK_ID, &[0]);
        world
            .resource_mut::<crate::model::workload::Workload>()
            .free
            .push(0);
        let later = submit_block(&mut world, 1, BLOCK_ID + 100, &[0]);
        for b in [first, later] {
            let e = Entry::new(b, TTL, Body::Known, Role::Relay);
            peer_mut(&mut world, 3).add_entry(e);
        }
        post(&mut world, request(0, 3, first), 1);
        post(&mut world, request(1, 3, later), 1);
        set_tick(&mut world, 1);
        run(&mut world, deliver_messages::<Original>);
        // D3: peer 3 holds token 0 and sees both pending: yes to the smaller id, no to the other.
        let echoes: Vec<_> = in_flight(&world)
            .iter()
            .map(|m| (original(m), m.to, m.block, m.mask, m.holds))
            .collect();
        assert_eq!(
            echoes,
            vec![
                (OriginalKind::VoteEcho, 0, first, 1, 1),
                (OriginalKind::VoteEcho, 1, later, 0, 1)
            ]
        );
    }

    #[test]
    fn a_query_for_an_unknown_body_is_forwarded_one_tick_in_four_never_answered() {
        // Forwarded when (block id ^ tick) is a multiple of 4: at tick 4 for id 4200, not at 1.
        for (tick, forwarded) in [(1, false), (4, true)] {
            let mut world = tiny_world();
            let b = submit_block(&mut world, 0, BLOCK_ID, &[0]);
            post(
                &mut world,
                message(OriginalKind::BlockQuery, 0, 1, b, 0),
                tick,
            );
            set_tick(&mut world, tick);
            run(&mut world, deliver_messages::<Original>);
            // Peer 1 has no body: no reply, and a forward keeps the asker as its target.
            let sent = in_flight(&world);
            assert_eq!(sent.len(), usize::from(forwarded), "tick {tick}: {sent:?}");
            for m in sent {
                assert_eq!(
                    (original(&m), m.from, m.target),
                    (OriginalKind::BlockQuery, 1, 0)
                );
            }
        }
    }
}
