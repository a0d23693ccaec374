//! The network: loss, delay and a timing wheel of mailboxes.
//!
//! Peers are split into fixed chunks (independent of the thread count). Each chunk owns one
//! mailbox that only its own task writes, holding one buffer per (delivery slot, receiving
//! chunk). Sending is therefore lock-free and parallel; delivery of a receiving chunk gathers
//! its buffers from every sender chunk in chunk order, which makes the inbox order a function
//! of the seed alone.

use crate::config::DelayModel;
use crate::faults::Faults;
use crate::ids::{PeerIdx, Tick};
use crate::message::{KindCounts, Message};
use crate::parcel::Parcel;
use bevy_ecs::prelude::Resource;
use rand::Rng;
use rand_pcg::Pcg64Mcg;

/// How peers are cut into chunks of work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkPlan {
    pub peers: u32,
    pub size: u32,
    pub count: u32,
    /// `u64::MAX / size + 1`: turns `p / size` into a multiply on the send path (Lemire's
    /// exact division for 32-bit operands), where a hardware divide was a visible cost.
    reciprocal: u64,
}

impl ChunkPlan {
    /// Chunks of at least 256 peers, at most 16 of them: enough to balance the 2..8 threads
    /// of the machines this runs on; few enough that the chunks x chunks x wheel-slot message
    /// buffers stay large and few (their slack is what costs memory).
    pub fn new(peers: u32) -> Self {
        let size = peers.div_ceil(16).max(256).min(peers.max(1));
        Self {
            peers,
            size,
            count: peers.div_ceil(size),
            reciprocal: (u64::MAX / size as u64).wrapping_add(1),
        }
    }

    #[inline]
    pub fn chunk_of(&self, p: PeerIdx) -> usize {
        if self.size == 1 {
            // The reciprocal of 1 wraps to 0.
            return p as usize;
        }
        ((self.reciprocal as u128 * p as u128) >> 64) as usize
    }

    pub fn first(&self, chunk: usize) -> PeerIdx {
        chunk as u32 * self.size
    }
}

/// Whether every link loses messages at the same rate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LossSpread {
    Uniform,
    /// Each directed link's loss is `loss * (1 + spread * u)`, u uniform in [-1, 1] and fixed
    /// per link by the seed (capped at 0.5): some links are worse than others.
    PerLink {
        spread: f64,
        seed: u64,
    },
}

/// Loss and delay, sampled from the sender's stream.
#[derive(Clone, Copy, Debug)]
pub struct LinkBehaviour {
    loss_threshold: u64,
    loss: f64,
    spread: LossSpread,
    delay: DelayModel,
    inv_ln_stay: f64,
    /// Delays short enough that a slot still empty at them is about to receive a full tick's
    /// load, so it gets a recycled buffer (see [`Mailbox`]): near the model's shortest common
    /// delay.
    pub reuse_within: u32,
}

impl LinkBehaviour {
    pub fn new(loss: f64, delay: DelayModel) -> Self {
        let inv_ln_stay = match delay {
            DelayModel::Geometric { stay } if stay > 0.0 => 1.0 / stay.ln(),
            _ => 0.0,
        };
        Self {
            loss_threshold: (loss * (1u64 << 32) as f64) as u64,
            loss,
            spread: LossSpread::Uniform,
            delay,
            inv_ln_stay,
            reuse_within: match delay {
                DelayModel::Geometric { .. } => 2,
                DelayModel::Uniform { min, .. } => min + 1,
                DelayModel::Normal { mean, .. } => (mean.round() as u32).max(1),
                DelayModel::Pareto { min, .. } => (min.round() as u32).max(1) + 1,
            },
        }
    }

    /// Gives every directed link its own loss rate around the mean (see `LossSpread`).
    pub fn with_spread(mut self, spread: f64, seed: u64) -> Self {
        if spread > 0.0 {
            self.spread = LossSpread::PerLink { spread, seed };
        }
        self
    }

    /// Loss and delay of one message on the link `from -> to`.
    #[inline]
    pub fn sample_link(&self, from: PeerIdx, to: PeerIdx, rng: &mut Pcg64Mcg) -> Option<u32> {
        match self.spread {
            LossSpread::Uniform => self.sample(rng),
            LossSpread::PerLink { spread, seed } => {
                let h = crate::rng::mix64(seed ^ ((from as u64) << 32 | to as u64) ^ 0x1055);
                let u = (h >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0;
                let loss = (self.loss * (1.0 + spread * u)).clamp(0.0, 0.5);
                self.sample_with((loss * (1u64 << 32) as f64) as u64, rng)
            }
        }
    }

    /// `None` if lost, else the delay in ticks (>= 1).
    #[inline]
    pub fn sample(&self, rng: &mut Pcg64Mcg) -> Option<u32> {
        self.sample_with(self.loss_threshold, rng)
    }

    #[inline]
    fn sample_with(&self, loss_threshold: u64, rng: &mut Pcg64Mcg) -> Option<u32> {
        let r: u64 = rng.random();
        // One draw serves both: the high half decides loss, the low half the default delay.
        if r >> 32 < loss_threshold {
            return None;
        }
        Some(match self.delay {
            DelayModel::Geometric { stay } => {
                if stay == 0.5 {
                    // Each bit is a fair coin: the run of heads is the extra wait.
                    1 + (r as u32)
                        .trailing_ones()
                        .min(crate::config::GEOMETRIC_DELAY_CAP - 1)
                } else if stay <= 0.0 {
                    1
                } else {
                    let u: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
                    1 + ((u.ln() * self.inv_ln_stay) as u32)
                        .min(crate::config::GEOMETRIC_DELAY_CAP - 1)
                }
            }
            DelayModel::Uniform { min, max } => {
                if min == max {
                    min
                } else {
                    rng.random_range(min..=max)
                }
            }
            DelayModel::Normal { mean, sd } => {
                // Box-Muller; one normal per message is plenty.
                let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
                let u2: f64 = rng.random();
                let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
                ((mean + sd * z).round().max(1.0) as u32).min(self.delay.horizon())
            }
            DelayModel::Pareto { min, alpha } => {
                let u: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
                ((min / u.powf(1.0 / alpha)).round().max(1.0) as u32)
                    .min(crate::config::LONG_TAIL_CAP)
            }
        })
    }
}

/// One sender chunk's outgoing parcels: `slots[wheel_slot * chunks + receiver_chunk]`.
///
/// A delivered parcel's open buffer is not kept for its slot's next turn: slots far in the
/// future hold few messages, and pinning each one's high-water capacity cost more memory than
/// everything in flight. It goes to `spare` instead (its full pages to `spare_pages`), and a
/// slot this chunk starts filling at a short delay (see [`LinkBehaviour::reuse_within`])
/// takes it: such a slot is about to receive a full tick's load, so the buffer is not wasted,
/// and sending grows fewer buffers from nothing (growing them was a tenth of the time spent
/// in the allocator). Slots first touched at long
/// delays start empty and grow; handing them spares too cost 1.5x the peak RSS.
#[derive(Default)]
pub struct Mailbox {
    pub slots: Vec<Parcel>,
    pub spare: Vec<Vec<Message>>,
    /// Delivered full pages, for the next parcels that fill one. One size, so keeping them
    /// costs no more than the allocator would keep: at most what was once in flight at once.
    pub spare_pages: Vec<Vec<Message>>,
}

/// Everything in flight.
#[derive(Resource)]
pub struct Network {
    pub plan: ChunkPlan,
    pub wheel: u32,
    pub link: LinkBehaviour,
    pub mailboxes: Vec<Mailbox>,
    pub faults: Faults,
}

impl Network {
    pub fn new(plan: ChunkPlan, link: LinkBehaviour, faults: Faults) -> Self {
        let delay = link.delay;
        let wheel = delay.horizon() + 1;
        let slots = (wheel as usize) * plan.count as usize;
        Self {
            plan,
            wheel,
            link,
            mailboxes: (0..plan.count)
                .map(|_| Mailbox {
                    slots: (0..slots).map(|_| Parcel::default()).collect(),
                    spare: Vec::new(),
                    spare_pages: Vec::new(),
                })
                .collect(),
            faults,
        }
    }

    /// Takes every buffer due at `tick`, grouped by receiving chunk, sender chunks in order.
    pub fn take_due(&mut self, tick: Tick) -> Vec<Vec<Parcel>> {
        let c = self.plan.count as usize;
        let base = (tick % self.wheel) as usize * c;
        (0..c)
            .map(|r| {
                self.mailboxes
                    .iter_mut()
                    .map(|m| std::mem::take(&mut m.slots[base + r]))
                    .collect()
            })
            .collect()
    }

    /// Hands delivered buffers back to their sender chunks for reuse (see [`Mailbox`]).
    pub fn recycle(&mut self, due: Vec<Vec<Parcel>>) {
        let keep = self.plan.count as usize;
        for by_sender in due {
            for (mailbox, parcel) in self.mailboxes.iter_mut().zip(by_sender) {
                let mut buffer = parcel.unpack(&mut mailbox.spare_pages);
                if buffer.capacity() > 0 && mailbox.spare.len() < keep {
                    buffer.clear();
                    mailbox.spare.push(buffer);
                }
            }
        }
    }

    /// Messages currently in flight.
    pub fn in_flight(&self) -> u64 {
        self.mailboxes
            .iter()
            .flat_map(|m| m.slots.iter())
            .map(|s| s.len() as u64)
            .sum()
    }
}

/// A chunk's sending side for one system pass: its mailbox, its counters and its clock.
pub struct Outbox<'a> {
    pub mailbox: &'a mut Mailbox,
    pub plan: ChunkPlan,
    pub wheel: u32,
    pub link: LinkBehaviour,
    pub now: Tick,
    /// `now % wheel`.
    pub now_slot: u32,
    pub sent: &'a mut KindCounts,
    pub dropped: &'a mut KindCounts,
    pub faults: &'a Faults,
    /// Messages lost to a partition or an offline peer.
    pub cut: &'a mut u64,
    /// Messages charged to blocks, added to the book after the pass.
    pub charges: &'a mut crate::charges::Charges,
}

impl Outbox<'_> {
    /// Charges `n` messages to block `idx` (see [`crate::charges`]).
    #[inline]
    pub fn charge(&mut self, idx: crate::ids::BlockIdx, n: u64) {
        self.charges.add(idx, n);
    }

    /// Sends `msg`: it is lost, or queued for delivery after its sampled delay.
    // Always inlined: left to the compiler it stayed a call (two out-of-line copies), and
    // inlining it at every send site took 4-5 % off whole runs (alternating runs, 10k and 50k).
    #[inline(always)]
    pub fn send(&mut self, msg: Message, rng: &mut Pcg64Mcg) {
        self.sent.add(msg.kind);
        if !self.faults.can_send(msg.from, msg.to, self.now) {
            self.dropped.add(msg.kind);
            *self.cut += 1;
            return;
        }
        match self.link.sample_link(msg.from, msg.to, rng) {
            None => self.dropped.add(msg.kind),
            Some(delay) => {
                // delay <= horizon < wheel, so one subtraction replaces a modulo.
                debug_assert!(delay < self.wheel);
                let mut slot = self.now_slot + delay;
                if slot >= self.wheel {
                    slot -= self.wheel;
                }
                let slot = slot as usize;
                let idx = slot * self.plan.count as usize + self.plan.chunk_of(msg.to);
                let parcel = &mut self.mailbox.slots[idx];
                if parcel.open.capacity() == 0
                    && delay <= self.link.reuse_within
                    && let Some(spare) = self.mailbox.spare.pop()
                {
                    parcel.open = spare;
                }
                parcel.push(msg, &mut self.mailbox.spare_pages);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Stream, stream};

    #[test]
    fn chunk_plan_covers_all_peers() {
        for n in [16, 255, 256, 1000, 50_000, 1_000_000] {
            let plan = ChunkPlan::new(n);
            assert!(plan.count <= 16 && plan.count >= 1);
            assert_eq!(plan.chunk_of(n - 1), plan.count as usize - 1);
            for p in (0..n).step_by(97).chain([n - 1]) {
                assert_eq!(plan.chunk_of(p), (p / plan.size) as usize);
            }
        }
        let one = ChunkPlan::new(1);
        assert_eq!(one.chunk_of(0), 0);
    }

    #[test]
    fn geometric_delay_has_mean_two_and_loss_rate_holds() {
        let link = LinkBehaviour::new(0.3, DelayModel::Geometric { stay: 0.5 });
        let mut rng = stream(1, Stream::Deliver, 0, 0);
        let (mut lost, mut sum, mut n) = (0, 0u64, 0u64);
        for _ in 0..100_000 {
            match link.sample(&mut rng) {
                None => lost += 1,
                Some(d) => {
                    assert!(d >= 1);
                    sum += d as u64;
                    n += 1;
                }
            }
        }
        assert!((lost as f64 / 100_000.0 - 0.3).abs() < 0.01);
        assert!((sum as f64 / n as f64 - 2.0).abs() < 0.05);
        let link = LinkBehaviour::new(0.0, DelayModel::Geometric { stay: 0.25 });
        let mean: f64 = (0..100_000)
            .map(|_| link.sample(&mut rng).unwrap() as f64)
            .sum::<f64>()
            / 100_000.0;
        assert!((mean - 1.0 / 0.75).abs() < 0.03, "{mean}");
    }

    #[test]
    fn jitter_and_long_tail_delays() {
        let mut rng = stream(1, Stream::Deliver, 0, 0);
        let normal = LinkBehaviour::new(0.0, DelayModel::Normal { mean: 5.0, sd: 2.0 });
        let d: Vec<f64> = (0..20_000)
            .map(|_| normal.sample(&mut rng).unwrap() as f64)
            .collect();
        let mean = d.iter().sum::<f64>() / d.len() as f64;
        assert!((mean - 5.0).abs() < 0.1, "{mean}");
        assert!(d.iter().all(|&x| x >= 1.0));
        let pareto = LinkBehaviour::new(
            0.0,
            DelayModel::Pareto {
                min: 1.0,
                alpha: 1.5,
            },
        );
        let d: Vec<u32> = (0..20_000)
            .map(|_| pareto.sample(&mut rng).unwrap())
            .collect();
        let tail = d.iter().filter(|&&x| x >= 10).count() as f64 / d.len() as f64;
        // P(X >= 9.5) = 9.5^-1.5 ~ 0.034 for a Pareto(1, 1.5).
        assert!((tail - 0.034).abs() < 0.01, "{tail}");
        assert!(
            d.iter()
                .all(|&x| (1..=crate::config::LONG_TAIL_CAP).contains(&x))
        );
    }

    #[test]
    fn per_link_loss_varies_by_link_around_the_mean() {
        let link = LinkBehaviour::new(0.2, DelayModel::Geometric { stay: 0.5 }).with_spread(1.0, 9);
        let mut rng = stream(1, Stream::Deliver, 0, 0);
        let rate = |from, to, rng: &mut Pcg64Mcg| {
            (0..4000)
                .filter(|_| link.sample_link(from, to, rng).is_none())
                .count() as f64
                / 4000.0
        };
        let rates: Vec<f64> = (0..40).map(|p| rate(p, p + 1, &mut rng)).collect();
        let mean = rates.iter().sum::<f64>() / rates.len() as f64;
        assert!((mean - 0.2).abs() < 0.04, "{mean}");
        let (lo, hi) = rates
            .iter()
            .fold((1.0f64, 0.0f64), |(lo, hi), &r| (lo.min(r), hi.max(r)));
        assert!(lo < 0.1 && hi > 0.3, "links differ: {lo}..{hi}");
        // The same link keeps its rate.
        assert!((rate(3, 4, &mut rng) - rates[3]).abs() < 0.04);
    }

    #[test]
    fn uniform_delay_stays_in_range() {
        let link = LinkBehaviour::new(0.0, DelayModel::Uniform { min: 2, max: 4 });
        let mut rng = stream(1, Stream::Deliver, 0, 0);
        for _ in 0..1000 {
            let d = link.sample(&mut rng).unwrap();
            assert!((2..=4).contains(&d));
        }
    }
}
