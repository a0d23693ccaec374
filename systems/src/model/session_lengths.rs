//! Lengths of online sessions and offline periods, in whole ticks: Weibull (the exponential is
//! its shape 1) with a given mean.
//!
//! A length is drawn as a real number and rounded down or up at random in proportion
//! (`floor(x + u)`), so its mean is exactly the distribution's; it can be 0 (a period that
//! does not happen). A run starts in the steady state: the period a peer is in at tick 0 is
//! cut at a uniform point of a length-biased draw, which is the residual of a renewal process
//! seen at a random time, so the offline share holds from the first tick.

use crate::config::SessionLengths;
use crate::model::ids::Tick;
use rand::Rng;
use rand_pcg::Pcg64Mcg;

/// The longest period drawn: heavy tails are cut here, far beyond any run.
const LONGEST: f64 = 1.0e9;

/// Draws lengths of one kind of period (online, or offline).
#[derive(Clone, Copy, Debug)]
pub struct LengthDraw {
    shape: f64,
    scale: f64,
}

impl LengthDraw {
    /// Lengths from the family `lengths` with mean `mean` ticks.
    pub fn new(lengths: SessionLengths, mean: f64) -> Self {
        let shape = match lengths {
            SessionLengths::Exponential => 1.0,
            SessionLengths::Weibull { shape } => shape,
        };
        // A Weibull's mean is scale x Gamma(1 + 1/shape).
        let scale = mean / gamma(1.0 + 1.0 / shape);
        Self { shape, scale }
    }

    /// One period's length.
    pub fn draw(&self, rng: &mut Pcg64Mcg) -> Tick {
        // 1 - u lies in (0, 1], so the logarithm is finite.
        let u: f64 = rng.random();
        let x = self.scale * (-(1.0 - u).ln()).powf(1.0 / self.shape);
        round(x, rng)
    }

    /// What remains at tick 0 of the period a peer is in then. A length-biased Weibull is
    /// `scale x G^(1/shape)` with G ~ Gamma(1 + 1/shape); the point reached in it is uniform.
    pub fn residual(&self, rng: &mut Pcg64Mcg) -> Tick {
        let g = gamma_draw(1.0 + 1.0 / self.shape, rng);
        let length = self.scale * g.powf(1.0 / self.shape);
        let cut: f64 = rng.random();
        round(length * cut, rng)
    }
}

/// `x` rounded down or up at random, up with probability its fraction: the mean is kept.
fn round(x: f64, rng: &mut Pcg64Mcg) -> Tick {
    let u: f64 = rng.random();
    (x.min(LONGEST) + u).floor() as Tick
}

/// The gamma function for x > 0 (Lanczos, g = 7, 9 terms: about 15 digits).
fn gamma(x: f64) -> f64 {
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return pi / ((pi * x).sin() * gamma(1.0 - x));
    }
    let x = x - 1.0;
    let t = x + 7.5;
    let sum = C[0]
        + C[1..]
            .iter()
            .enumerate()
            .map(|(i, c)| c / (x + i as f64 + 1.0))
            .sum::<f64>();
    (2.0 * std::f64::consts::PI).sqrt() * t.powf(x + 0.5) * (-t).exp() * sum
}

/// A Gamma(a, 1) draw for a >= 1 (Marsaglia and Tsang, 2000).
fn gamma_draw(a: f64, rng: &mut Pcg64Mcg) -> f64 {
    let d = a - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let z = normal(rng);
        let v = (1.0 + c * z).powi(3);
        if v <= 0.0 {
            continue;
        }
        let u: f64 = rng.random();
        if u.ln() < 0.5 * z * z + d - d * v + d * v.ln() {
            return d * v;
        }
    }
}

/// A standard normal draw (Box-Muller).
fn normal(rng: &mut Pcg64Mcg) -> f64 {
    let u: f64 = rng.random();
    let v: f64 = rng.random();
    (-2.0 * (1.0 - u).ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::rng::{Stream, stream};

    fn mean_of(f: impl Fn(&mut Pcg64Mcg) -> Tick) -> f64 {
        let mut rng = stream(5, Stream::Sessions, 0, 0);
        let n = 200_000;
        (0..n).map(|_| f(&mut rng) as f64).sum::<f64>() / n as f64
    }

    #[test]
    fn the_gamma_function_is_right_where_we_use_it() {
        assert!((gamma(2.0) - 1.0).abs() < 1e-12);
        assert!((gamma(3.0) - 2.0).abs() < 1e-12);
        assert!((gamma(1.5) - std::f64::consts::PI.sqrt() / 2.0).abs() < 1e-12);
        assert!((gamma(6.0) - 120.0).abs() < 1e-9);
    }

    #[test]
    fn lengths_keep_their_mean_in_whole_ticks() {
        for lengths in [
            SessionLengths::Exponential,
            SessionLengths::Weibull { shape: 0.5 },
            SessionLengths::Weibull { shape: 2.0 },
        ] {
            for mean in [3.0, 11.1, 100.0] {
                let got = mean_of(|rng| LengthDraw::new(lengths, mean).draw(rng));
                // Shape 0.5 has a standard deviation of sqrt(5) x mean.
                assert!((got / mean - 1.0).abs() < 0.03, "{lengths:?} {mean}: {got}");
            }
        }
    }

    #[test]
    fn a_residual_has_the_steady_states_mean() {
        // The residual of a renewal process seen at a random time has mean E[L^2] / 2 E[L]:
        // the mean for the exponential, 3 x mean for Weibull 0.5, 2/pi x mean for Weibull 2.
        for (lengths, factor) in [
            (SessionLengths::Exponential, 1.0),
            (SessionLengths::Weibull { shape: 0.5 }, 3.0),
            (
                SessionLengths::Weibull { shape: 2.0 },
                2.0 / std::f64::consts::PI,
            ),
        ] {
            let got = mean_of(|rng| LengthDraw::new(lengths, 50.0).residual(rng));
            assert!(
                (got / (50.0 * factor) - 1.0).abs() < 0.04,
                "{lengths:?}: {got}"
            );
        }
    }
}
