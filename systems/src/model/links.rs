//! Links: how each message fares in flight, lost or delayed, sampled from the sender's stream.

use crate::config::DelayModel;
use crate::model::ids::PeerIdx;
use rand::Rng;
use rand_pcg::Pcg64Mcg;

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

    /// The longest delay a message can get: the timing wheel must hold it.
    pub fn horizon(&self) -> u32 {
        self.delay.horizon()
    }

    /// Loss and delay of one message on the link `from -> to`.
    #[inline]
    pub fn sample_link(&self, from: PeerIdx, to: PeerIdx, rng: &mut Pcg64Mcg) -> Option<u32> {
        match self.spread {
            LossSpread::Uniform => self.sample(rng),
            LossSpread::PerLink { spread, seed } => {
                let h = crate::model::rng::mix64(seed ^ ((from as u64) << 32 | to as u64) ^ 0x1055);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::rng::{Stream, stream};

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
