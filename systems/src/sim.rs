//! A simulation: the world, its tick schedule and the thread pool that runs it.

use crate::config::{ConfigError, SimConfig};
use crate::engine::chunk_plan::ChunkPlan;
use crate::engine::lookup::Lookup;
use crate::engine::network::Network;
use crate::engine::scratch::Scratch;
use crate::model::blocks::{BlockBook, BlockRecord, RetiredBlocks};
use crate::model::faults::Faults;
use crate::model::ledger::Ledger;
use crate::model::metrics::Metrics;
use crate::model::peer::PeerState;
use crate::model::ring::Ring;
use crate::model::tokens::TokenBook;
use crate::model::trace::{Trace, TraceEvent, TraceSet};
use crate::model::workload::Workload;
use crate::model::world::{Clock, Peers, Settings};
use crate::protocol::{Protocol, with_protocol};
use crate::schedule::tick_schedule;
use crate::summary::RunSummary;
use bevy_ecs::prelude::*;
use rayon::prelude::*;

pub struct Simulation {
    pub world: World,
    schedule: Schedule,
    pool: rayon::ThreadPool,
}

/// Thread pool failures are environment errors, not configuration errors.
#[derive(Debug)]
pub enum BuildError {
    Config(ConfigError),
    Threads(String),
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::Config(e) => e.fmt(f),
            BuildError::Threads(e) => write!(f, "threads: {e}"),
        }
    }
}

impl std::error::Error for BuildError {}

impl From<ConfigError> for BuildError {
    fn from(e: ConfigError) -> Self {
        BuildError::Config(e)
    }
}

impl Simulation {
    /// Validates `config` and builds the world; `threads = 0` means one per core.
    pub fn new(config: SimConfig, threads: usize) -> Result<Self, BuildError> {
        config.validate()?;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("ecrust-worker-{i}"))
            .build()
            .map_err(|e| BuildError::Threads(e.to_string()))?;
        let kind = config.protocol.kind;
        let world = pool.install(|| build_world(config));
        Ok(Self {
            world,
            schedule: with_protocol!(kind, |p| schedule_for(p)),
            pool,
        })
    }

    pub fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }

    pub fn config(&self) -> &SimConfig {
        &self.world.resource::<Settings>().0
    }

    /// Ticks completed so far.
    pub fn tick(&self) -> u32 {
        self.world.resource::<Clock>().tick
    }

    /// Runs one tick.
    pub fn step(&mut self) {
        let (world, schedule) = (&mut self.world, &mut self.schedule);
        self.pool.install(|| schedule.run(world));
    }

    /// Runs every remaining tick of the configuration, then drains.
    pub fn run(&mut self) {
        while !self.finished() {
            self.step();
        }
    }

    /// Whether the run is over: its ticks are done and every submitted block has an outcome
    /// at its origin. After the configured ticks nothing new is submitted (the drain), and a
    /// block still pending times out `entry_ttl` ticks after its submission, so the drain
    /// takes at most that long; the cap only guards against a bug.
    pub fn finished(&self) -> bool {
        let config = self.config();
        let tick = self.tick();
        tick >= config.ticks
            && (self.world.resource::<Workload>().active == 0
                || tick >= config.ticks + config.protocol.entry_ttl + 2)
    }

    pub fn metrics(&self) -> &Metrics {
        self.world.resource::<Metrics>()
    }

    /// Asks the garbage collector to keep records of retired blocks for export.
    pub fn keep_block_records(&mut self) {
        self.world.resource_mut::<RetiredBlocks>().enabled = true;
    }

    /// Blocks retired since the last call (only kept after `keep_block_records`).
    pub fn take_retired_blocks(&mut self) -> Vec<BlockRecord> {
        std::mem::take(&mut self.world.resource_mut::<RetiredBlocks>().records)
    }

    /// Traces the blocks of `set`: every message about them and every change of their
    /// entries, taken with `take_trace_events`. Only observes: the run is unchanged.
    pub fn trace_blocks(&mut self, set: TraceSet) {
        self.world.resource_mut::<Trace>().set = Some(set);
    }

    /// Trace events recorded since the last call, in the order they happened.
    pub fn take_trace_events(&mut self) -> Vec<TraceEvent> {
        std::mem::take(&mut self.world.resource_mut::<Trace>().log)
    }

    /// Records of every block still held: in flight, or finished but not yet retired.
    pub fn held_blocks(&self) -> Vec<BlockRecord> {
        self.world
            .resource::<BlockBook>()
            .iter()
            .map(|(idx, b)| b.record(idx))
            .collect()
    }

    /// Tokens whose committee holds more Byzantine peers than the protocol's claim tolerates
    /// (`Protocol::captured`); `None` for a protocol without committees. Random placement
    /// makes this rare below the claimed bound; targeted placement makes it the rule (the
    /// fuzzer judges such runs beyond the bound).
    pub fn captured_committees(&self) -> Option<u32> {
        fn count<P: crate::protocol::Protocol>(p: &P, sim: &Simulation) -> Option<u32> {
            let lookup = crate::engine::lookup::Lookup::new(sim.world.resource::<Ring>());
            let adversary = sim.world.resource::<crate::model::adversary::Adversary>();
            let byzantine = |peer| !adversary.is_honest(peer);
            let params = &sim.config().protocol;
            let tokens = sim.world.resource::<TokenBook>();
            let mut captured = 0;
            for &key in &tokens.ids {
                captured += u32::from(p.captured(lookup, params, key, &byzantine)?);
            }
            Some(captured)
        }
        with_protocol!(self.config().protocol.kind, |p| count(p, self))
    }

    /// Whether every peer's hints are safe (see `Peers::hints_are_consistent`; for tests).
    pub fn hints_are_consistent(&self) -> bool {
        fn hints<P: Protocol>(_: &P, world: &World) -> bool {
            world.resource::<Peers<P::Peer>>().hints_are_consistent()
        }
        with_protocol!(self.config().protocol.kind, |p| hints(p, &self.world))
    }

    /// The run's figures so far. Also runs the end-of-run owner-view check.
    pub fn summary(&mut self) -> RunSummary {
        let kind = self.config().protocol.kind;
        with_protocol!(kind, |p| check_owner_views(p, &mut self.world));
        RunSummary::from_world(&self.world, self.threads())
    }
}

/// The tick, built for protocol `P`.
fn schedule_for<P: Protocol>(_: &P) -> Schedule {
    tick_schedule::<P>()
}

/// Every peer with an empty mempool and the own range protocol `P` gives it.
fn peers_for<P: Protocol>(protocol: &P, ring: &Ring) -> Peers<P::Peer> {
    let lookup = Lookup::new(ring);
    Peers::new(
        (0..ring.len())
            .into_par_iter()
            .map(|p| {
                let (lo, hi) = protocol.own_range(lookup, p);
                PeerState::with_range(lo, hi)
            })
            .collect(),
    )
}

/// The end-of-run owner-view check over the honest peers' stores.
fn check_owner_views<P: Protocol>(_: &P, world: &mut World) {
    world.resource_scope(|world, mut ledger: Mut<Ledger>| {
        let adversary = world.resource::<crate::model::adversary::Adversary>();
        let peers = &world.resource::<Peers<P::Peer>>().states;
        ledger.check_owner_views_of(peers, |p| adversary.is_honest(p as u32));
    });
}

/// Builds every resource for `config` (already validated).
pub fn build_world(config: SimConfig) -> World {
    let ring = Ring::new(&config);
    let tokens = TokenBook::new(&config);
    build_world_from(config, ring, tokens)
}

/// Builds every resource around a given ring and token book; tests hand-build tiny ones.
pub fn build_world_from(config: SimConfig, ring: Ring, tokens: TokenBook) -> World {
    let mut world = World::new();
    let plan = ChunkPlan::new(ring.len());
    world.insert_resource(Network::new(
        plan,
        crate::model::links::LinkBehaviour::new(config.network.loss, config.network.delay)
            .with_spread(config.network.loss_spread, config.seed),
        Faults::new(&config),
        ring.routes().cloned(),
    ));
    with_protocol!(config.protocol.kind, |p| {
        world.insert_resource(peers_for(p, &ring))
    });
    // Targeted placement reads the tokens' keys on the ring; random placement reads neither.
    let committee = crate::protocol::v2::committee::size(ring.len());
    world.insert_resource(crate::model::adversary::Adversary::new(
        &config, &ring, &tokens, committee,
    ));
    world.insert_resource(ring);
    world.insert_resource(tokens);
    world.insert_resource(Ledger::new(config.tokens() as usize, config.check));
    let mut workload = Workload::new(config.tokens());
    workload.resubmit_timed_out = config.protocol.kind == crate::config::ProtocolKind::V2;
    workload.block_ids = crate::protocol::block_ids(config.protocol.kind);
    workload.submissions_end = config.ticks;
    world.insert_resource(workload);
    world.insert_resource(BlockBook::default());
    world.insert_resource(crate::model::signatures::Signatures::default());
    world.insert_resource(crate::model::adversary::LateSpends::default());
    world.insert_resource(crate::model::certificates::CertificateChecker::default());
    world.insert_resource(crate::model::families::Families::default());
    world.insert_resource(RetiredBlocks::default());
    world.insert_resource(crate::model::trace::Trace::default());
    world.insert_resource(Scratch::default());
    world.insert_resource(Metrics {
        recovery: crate::model::metrics::Recovery::new(&config.faults.partitions),
        ..Metrics::default()
    });
    world.insert_resource(Clock::default());
    world.insert_resource(crate::protocol::starting_threshold(&config.protocol));
    world.insert_resource(Settings(config));
    world
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Placement;
    use crate::model::adversary::Adversary;
    use crate::protocol::v2::committee;

    fn byzantine(peers: u32, seed: u64, fraction: f64, placement: Placement) -> Simulation {
        let mut c = SimConfig {
            peers,
            seed,
            ..SimConfig::default()
        };
        c.workload.tokens = Some(40.min(peers / 16));
        c.adversary.fraction = fraction;
        c.adversary.placement = placement;
        Simulation::new(c, 1).expect("a valid config")
    }

    fn members(sim: &Simulation) -> Vec<u32> {
        sim.world.resource::<Adversary>().members().collect()
    }

    /// Random placement draws the same peers as before targeted placement existed (recorded),
    /// so every digest stays as it was.
    #[test]
    fn random_placement_is_unchanged() {
        assert_eq!(
            members(&byzantine(64, 1, 0.1, Placement::Random)),
            [38, 52, 55]
        );
        assert_eq!(
            members(&byzantine(200, 7, 0.1, Placement::Random)),
            [
                9, 17, 22, 24, 33, 36, 54, 66, 77, 117, 124, 134, 138, 145, 153, 190
            ]
        );
    }

    /// Targeted placement has as many Byzantine peers as random, and they fill the first
    /// tokens' committees: token 0's wholly, far beyond b.
    #[test]
    fn targeted_placement_captures_the_first_committees() {
        let random = byzantine(2000, 3, 0.1, Placement::Random);
        let sim = byzantine(2000, 3, 0.1, Placement::Targeted);
        let count = members(&sim).len();
        assert_eq!(count, members(&random).len());
        let ring = sim.world.resource::<Ring>();
        let key = sim.world.resource::<TokenBook>().id(0);
        let adversary = sim.world.resource::<Adversary>();
        let in_first = committee::members(crate::engine::lookup::Lookup::new(ring), key)
            .filter(|&p| !adversary.is_honest(p))
            .count() as u32;
        assert_eq!(in_first, committee::COMMITTEE);
        assert!(in_first > committee::tolerated(committee::COMMITTEE, 10));
        // ~200 peers fill at least 6 committees of 32; neighbouring keys' committees overlap
        // the filled ones, so more are captured.
        let captured = sim.captured_committees().expect("v2 has committees");
        assert!(captured as usize >= count / 32, "{captured} of {count}");
        assert_eq!(random.captured_committees(), Some(0), "random: rare at 0.1");
        // No more than b in all: no committee can hold more than b.
        let few = byzantine(2000, 3, 0.004, Placement::Targeted);
        assert!(members(&few).len() <= 10);
        assert_eq!(few.captured_committees(), Some(0));
    }
}
