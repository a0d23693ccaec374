//! The network's parameters: loss, delay, topology and degree, and the link model they give.

use serde::{Deserialize, Serialize};

/// Half the ring of 64-bit ids, as a float: 2^63.
pub const HALF_RING: f64 = 9_223_372_036_854_775_808.0;
/// The whole ring of 64-bit ids, as a float: 2^64.
pub const RING: f64 = 2.0 * HALF_RING;

/// Loss, delay and how peers are linked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetworkConfig {
    /// Probability that a message is lost (the mean over links).
    pub loss: f64,
    /// Per-link loss: each directed link's rate is `loss * (1 + loss_spread * u)`, u fixed per
    /// link in [-1, 1]. 0 = every link alike.
    pub loss_spread: f64,
    pub delay: DelayModel,
    pub topology: Topology,
    /// Expected number of seeded peers per node. `None` keeps the original's link
    /// probabilities: random 0.3, ring-gradient 0.1..0.7, ring-gaussian sigma 0.1. The
    /// topologies with a degree of their own (line-gradient, small-world, dht) ignore it.
    pub degree: Option<f64>,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        Self {
            loss: 0.02,
            loss_spread: 0.0,
            delay: DelayModel::Geometric { stay: 0.5 },
            topology: Topology::RingGradient,
            degree: None,
        }
    }
}

/// How peers are linked at set-up (each peer's seeded view of the ring).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Topology {
    /// Each peer knows each other peer with the same probability.
    Random,
    /// Link probability falls linearly with ring distance (max at distance 0, min at half a ring).
    RingGradient,
    /// Link probability falls as a Gaussian of ring distance.
    RingGaussian,
    /// The original simulator's own rule (EcNode f3a99ac `main.rs`): `a` links to `b` when
    /// `d & 3 == 0` and a fresh random u64 exceeds `d`, with `d = |a - b|` on the raw ids (a
    /// line, not a ring). Peers link only within their class of id mod 4, so the ring splits
    /// into four separate networks of about N/4 peers, each peer knowing about 2/3 of its own.
    LineGradient,
    /// Each peer knows its `SMALL_WORLD_NEAR` ring-nearest peers and about log2(N) far peers
    /// drawn with probability falling as 1 / ring distance; messages to peers it does not know
    /// travel hop by hop (see `docs/topology.md`).
    SmallWorld,
    /// A DHT: each peer holds a bounded routing table (ring-nearest peers and one contact per
    /// log-distance bucket) and a bounded contact cache; a message to a peer in neither costs
    /// a counted lookup first, then goes direct (see `docs/topology.md`).
    Dht,
}

/// DHT: ring-nearest peers in every routing table, half on each side.
pub const DHT_NEAR: u32 = 32;

/// DHT: the most contacts a routing table holds (near peers and bucket contacts).
pub const DHT_TABLE_MAX: u32 = 64;

/// DHT: a multicast whose entry its sender does not know yet is relayed towards it hop by hop
/// (recursive routing, one way a hop) instead of waiting for an iterative lookup's round
/// trips; false restores the lookup (a model choice: docs/topology.md).
pub const DHT_RELAY_UNKNOWN_ENTRY: bool = true;

/// DHT: contacts a peer's cache holds (peers it looked up or heard from).
pub const DHT_CACHE: usize = 256;

/// DHT: attempts a lookup makes at each hop before it gives up (a lost request or reply is
/// retried, at the next-closest contact).
pub const DHT_HOP_TRIES: u32 = 3;

/// DHT: ticks a querier waits for a lookup reply before it retries: a round trip of the
/// default delay model (a mean of 2 ticks each way).
pub const DHT_RPC_TIMEOUT: u32 = 4;

/// DHT maintenance: bucket contacts a peer pings each round, in turn through its table.
pub const DHT_PINGS_PER_ROUND: u32 = 2;

/// DHT maintenance: tries of one ping (a request and its reply) before the contact counts as
/// dead; two, so that one lost datagram does not evict a live contact.
pub const DHT_PING_TRIES: u32 = 2;

/// DHT maintenance: peers near a dead contact's band target that are pinged, one try each,
/// to find its stand-in; when none answers the dead contact stays until the next round.
pub const DHT_STAND_IN_TRIES: u32 = 3;

/// DHT: how many positions a table's near peers reach on each side (fewer on a tiny ring).
pub fn dht_near_reach(n: u32) -> u32 {
    (DHT_NEAR / 2).min(n.saturating_sub(1) / 2)
}

/// DHT: bucket contacts in each routing table on a ring of `n` peers: one per side per
/// power-of-two distance band beyond the near peers, capped so the table holds at most
/// `DHT_TABLE_MAX` (16 at 5k peers, 30 at 1M).
pub fn dht_buckets(n: u32) -> u32 {
    let half = dht_near_reach(n);
    let reach = n.saturating_sub(1) / 2;
    if reach <= half {
        return 0;
    }
    // Bands [2^j, 2^(j+1)) that hold a distance in half + 1 ..= reach.
    let lo = (half + 1).ilog2();
    let hi = reach.ilog2();
    (2 * (hi - lo + 1)).min(DHT_TABLE_MAX - 2 * half)
}

/// Small-world: ring-nearest peers every peer knows, half on each side.
pub const SMALL_WORLD_NEAR: u32 = 16;

/// Small-world: far links a peer draws on a ring of `n` peers, round(log2 n), so the degree is
/// at most `SMALL_WORLD_NEAR + 20` = 36 up to 1M peers (repeated draws are kept once).
pub fn small_world_far(n: u32) -> u32 {
    (n.max(2) as f64).log2().round() as u32
}

impl Topology {
    pub const NAMES: &'static str =
        "random, ring-gradient, ring-gaussian, line-gradient, small-world, dht";

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "random" => Some(Self::Random),
            "ring-gradient" => Some(Self::RingGradient),
            "ring-gaussian" => Some(Self::RingGaussian),
            "line-gradient" => Some(Self::LineGradient),
            "small-world" => Some(Self::SmallWorld),
            "dht" => Some(Self::Dht),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Random => "random",
            Self::RingGradient => "ring-gradient",
            Self::RingGaussian => "ring-gaussian",
            Self::LineGradient => "line-gradient",
            Self::SmallWorld => "small-world",
            Self::Dht => "dht",
        }
    }

    /// Whether a message to a peer its sender does not know takes more than one hop (routed
    /// on small-world, looked up on dht), so protocols send to groups through one entry.
    pub fn routed(self) -> bool {
        matches!(self, Self::SmallWorld | Self::Dht)
    }

    /// Whether `--degree` rescales this topology's links (the others have a degree of their own).
    pub fn takes_degree(self) -> bool {
        matches!(self, Self::Random | Self::RingGradient | Self::RingGaussian)
    }
}

/// How many ticks a message spends in flight (always at least 1).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum DelayModel {
    /// The original's model: each tick a message stays in flight with probability `stay`.
    Geometric { stay: f64 },
    /// Uniform over `min..=max` ticks.
    Uniform { min: u32, max: u32 },
    /// Jitter: normal around `mean` with standard deviation `sd`, rounded, at least 1 tick.
    Normal { mean: f64, sd: f64 },
    /// Long tail: Pareto with scale `min` ticks and shape `alpha` (smaller = heavier tail),
    /// truncated at `LONG_TAIL_CAP` ticks.
    Pareto { min: f64, alpha: f64 },
}

impl DelayModel {
    /// Accepts `MIN..MAX` (inclusive, uniform), `N` (fixed), `geometric:STAY`,
    /// `normal:MEAN,SD` or `pareto:MIN,ALPHA`.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let pair = |rest: &str| -> Option<(f64, f64)> {
            let (a, b) = rest.split_once(',')?;
            Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
        };
        if let Some(rest) = s.strip_prefix("normal:") {
            return pair(rest).map(|(mean, sd)| Self::Normal { mean, sd });
        }
        if let Some(rest) = s.strip_prefix("pareto:") {
            return pair(rest).map(|(min, alpha)| Self::Pareto { min, alpha });
        }
        if let Some(stay) = s.strip_prefix("geometric:") {
            return stay
                .trim()
                .parse()
                .ok()
                .map(|stay| Self::Geometric { stay });
        }
        if let Some((a, b)) = s.split_once("..") {
            let max = b.trim_start_matches('=').trim().parse().ok()?;
            return Some(Self::Uniform {
                min: a.trim().parse().ok()?,
                max,
            });
        }
        s.parse().ok().map(|d| Self::Uniform { min: d, max: d })
    }

    pub fn describe(&self) -> String {
        match *self {
            Self::Geometric { stay } => format!("geometric:{stay}"),
            Self::Uniform { min, max } => format!("{min}..{max}"),
            Self::Normal { mean, sd } => format!("normal:{mean},{sd}"),
            Self::Pareto { min, alpha } => format!("pareto:{min},{alpha}"),
        }
    }

    /// Largest delay the timing wheel must hold.
    pub fn horizon(&self) -> u32 {
        match *self {
            Self::Geometric { .. } => GEOMETRIC_DELAY_CAP,
            Self::Uniform { max, .. } => max,
            Self::Normal { mean, sd } => ((mean + 6.0 * sd).ceil() as u32).clamp(1, MAX_DELAY),
            Self::Pareto { .. } => LONG_TAIL_CAP,
        }
    }
}

/// Geometric delays are truncated here; with the default stay = 0.5 the chance of reaching it
/// is 2^-63.
pub const GEOMETRIC_DELAY_CAP: u32 = 64;

/// Long-tail delays are truncated here (ticks).
pub const LONG_TAIL_CAP: u32 = 200;

/// The largest uniform delay accepted.
pub const MAX_DELAY: u32 = 1000;

/// Link probability as a function of ring distance.
#[derive(Clone, Copy, Debug)]
pub enum LinkModel {
    Uniform {
        p: f64,
    },
    Gradient {
        min: f64,
        max: f64,
    },
    Gaussian {
        sigma_ring: f64,
        scale: f64,
    },
    /// The original's line rule (`Topology::LineGradient`): one pair in four (ids equal mod 4),
    /// kept with probability `1 - |a - b| / 2^64`.
    LineGradient,
    /// Links are drawn per peer, not per pair (`model::small_world`); `mean` is the share of
    /// the other peers a peer knows (its degree over N - 1).
    SmallWorld {
        mean: f64,
    },
    /// Routing tables are built per peer (`model::dht`); `mean` is a table's share of the
    /// other peers.
    Dht {
        mean: f64,
    },
}

impl LinkModel {
    /// The original's parameters, rescaled when a degree is asked for.
    pub fn new(peers: u32, network: &NetworkConfig) -> Self {
        let others = peers.saturating_sub(1).max(1) as f64;
        let wanted = network.degree.map(|d| (d / others).min(1.0));
        match network.topology {
            Topology::Random => LinkModel::Uniform {
                p: wanted.unwrap_or(0.3),
            },
            Topology::RingGradient => {
                // Keep the original's 0.1 : 0.7 shape; its mean is 0.4.
                let f = wanted.map(|w| w / 0.4).unwrap_or(1.0);
                let (min, max) = (0.1 * f, 0.7 * f);
                if max <= 1.0 {
                    LinkModel::Gradient { min, max }
                } else {
                    // Saturate: near peers are always known; keep the mean by raising the floor.
                    let w = wanted.unwrap_or(0.4);
                    LinkModel::Gradient {
                        min: (2.0 * w - 1.0).clamp(0.0, 1.0),
                        max: 1.0,
                    }
                }
            }
            // The degree is the topology's own (`--degree` does not apply): near peers plus
            // about log2 N far ones, never more than the other peers.
            Topology::SmallWorld => LinkModel::SmallWorld {
                mean: ((SMALL_WORLD_NEAR + small_world_far(peers)) as f64 / others).min(1.0),
            },
            Topology::LineGradient => LinkModel::LineGradient,
            Topology::Dht => LinkModel::Dht {
                mean: ((2 * dht_near_reach(peers) + dht_buckets(peers)) as f64 / others).min(1.0),
            },
            Topology::RingGaussian => {
                // s = sigma * 2^64 / 8 as in the original; mean probability ~ sigma * sqrt(2 pi) / 8.
                let sigma = wanted
                    .map(|w| w * 8.0 / (2.0 * std::f64::consts::PI).sqrt())
                    .unwrap_or(0.1);
                LinkModel::Gaussian {
                    sigma_ring: sigma * RING / 8.0,
                    scale: 1.0,
                }
            }
        }
    }

    /// Probability that a peer is seeded with a link to a peer at ring distance `d`.
    #[inline]
    pub fn probability(&self, d: u64) -> f64 {
        match *self {
            LinkModel::Uniform { p } => p,
            LinkModel::Gradient { min, max } => max - (max - min) * (d as f64 / HALF_RING),
            LinkModel::Gaussian { sigma_ring, scale } => {
                let x = d as f64 / sigma_ring;
                scale * (-0.5 * x * x).exp()
            }
            // No function of ring distance alone: near by position, far by a per-peer draw;
            // or, on the line, of the ids themselves.
            LinkModel::SmallWorld { .. } | LinkModel::Dht { .. } | LinkModel::LineGradient => {
                f64::NAN
            }
        }
    }

    /// Mean link probability over the ring (distance uniform on 0..2^63).
    pub fn mean_probability(&self) -> f64 {
        match *self {
            LinkModel::Uniform { p } => p,
            LinkModel::Gradient { min, max } => (min + max) / 2.0,
            LinkModel::Gaussian { sigma_ring, scale } => {
                let s = sigma_ring / HALF_RING;
                // Integral of exp(-x^2 / 2s^2) over 0..1, well approximated while s is small.
                (scale * s * (std::f64::consts::PI / 2.0).sqrt()).min(1.0)
            }
            LinkModel::SmallWorld { mean } | LinkModel::Dht { mean } => mean,
            // A quarter of the pairs, times E[1 - |x - y|] = 2/3 for two uniform ids.
            LinkModel::LineGradient => 1.0 / 6.0,
        }
    }
}
