//! Session churn: every peer alternates online sessions and offline periods, each drawn when
//! the last ends (`model/session_lengths.rs`), so a chosen share of the peers is offline at
//! any time.
//!
//! Offline periods have mean `S x f / (1 - f)` for sessions of mean `S` and an offline share
//! `f`; by the renewal-reward theorem the long-run share of time a peer spends offline is
//! then `f`, and the run starts in the steady state, so the share holds from tick 0. A peer
//! keeps its state while away (on disk): its store, locks and mempool wait for it, and
//! entries expire meanwhile as usual. Draws come from the peer's `Stream::Sessions` stream
//! for the tick of the change, so they do not depend on the thread count.

use crate::config::SessionChurn;
use crate::model::ids::{PeerIdx, Tick};
use crate::model::rng::{Stream, StreamKey};
use crate::model::session_lengths::LengthDraw;
use rand::Rng;

/// Changes a peer may make in one tick (periods of 0 ticks chain); a guard, never reached.
const MOST_CHANGES: u32 = 64;

/// Every peer's sessions.
#[derive(Debug)]
pub struct Sessions {
    online: LengthDraw,
    offline: LengthDraw,
    seed: u64,
    /// Per peer: the tick its current session ends, or (while offline) the one after the
    /// offline period; `Faults::offline_until` holds when the offline period ends.
    leave_at: Vec<Tick>,
    /// Peers back online this tick, in peer order.
    joined: Vec<PeerIdx>,
}

impl Sessions {
    /// `n` peers in the steady state at tick 0: each offline with the configured share, in a
    /// period already under way; `offline_until` (one per peer) is set accordingly.
    pub fn new(config: &SessionChurn, n: u32, seed: u64, offline_until: &mut [Tick]) -> Self {
        let online = LengthDraw::new(config.lengths, config.mean_session as f64);
        let offline = LengthDraw::new(config.lengths, config.mean_offline());
        // A key no tick uses: the start's draws stay apart from every change's.
        let start = StreamKey::new(seed, Stream::Sessions, Tick::MAX);
        let leave_at = (0..n)
            .map(|p| {
                let mut rng = start.stream(p as u64);
                if rng.random_bool(config.offline) {
                    offline_until[p as usize] = offline.residual(&mut rng);
                    offline_until[p as usize] + online.draw(&mut rng)
                } else {
                    online.residual(&mut rng)
                }
            })
            .collect();
        Self {
            online,
            offline,
            seed,
            leave_at,
            joined: Vec::new(),
        }
    }

    /// Peers leave and come back at `now`: a peer whose session ends leaves until the end of
    /// an offline period drawn then, and its next session is drawn with it.
    pub fn advance(&mut self, now: Tick, offline_until: &mut [Tick]) {
        self.joined.clear();
        let key = StreamKey::new(self.seed, Stream::Sessions, now);
        for (p, (until, leave)) in offline_until
            .iter_mut()
            .zip(self.leave_at.iter_mut())
            .enumerate()
        {
            // Offline at now - 1 (tick 0 has no before).
            let was_offline = now > 0 && *until >= now;
            if *until <= now && *leave <= now {
                let mut rng = key.stream(p as u64);
                for _ in 0..MOST_CHANGES {
                    if *until > now || *leave > now {
                        break;
                    }
                    let left = *leave;
                    *until = left + self.offline.draw(&mut rng);
                    *leave = *until + self.online.draw(&mut rng);
                }
            }
            if was_offline && *until <= now {
                self.joined.push(p as PeerIdx);
            }
        }
    }

    /// Peers that came back online this tick, in peer order.
    pub fn joined(&self) -> &[PeerIdx] {
        &self.joined
    }
}
