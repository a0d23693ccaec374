//! The tick: its systems, declared once by `tick!` below, always in that order.

use crate::model::world::Settings;
use crate::protocol::{Protocol, with_protocol};
use crate::systems::*;
use bevy_ecs::schedule::{IntoScheduleConfigs, Schedule, SingleThreadedExecutor};
use bevy_ecs::system::{RunSystemError, RunSystemOnce};
use bevy_ecs::world::World;

/// A tick's systems, one at a time: what [`run_tick_system`] calls.
type RunOnce = fn(&mut World) -> Result<(), RunSystemError>;

/// Declares the tick once: the chain of [`tick_schedule`], the names in [`TICK_SYSTEMS`] and
/// the one-at-a-time runner [`run_tick_system`] all come from this list, in its order, which is
/// the numbered list of `docs/architecture.md` ("One tick"; a test compares the two).
///
/// A system written `name::<P>` is generic over the protocol: the schedule is built for one
/// protocol, so each pass runs code specialised for its rules and its state's types.
macro_rules! tick {
    ($($system:ident $(::<$p:ident>)?),+ $(,)?) => {
        /// The tick's systems for protocol `P` as one chain, so bevy runs them one after
        /// another on the calling thread; each system spreads its own work over the rayon
        /// pool, chunk by chunk.
        pub fn tick_schedule<P: Protocol>() -> Schedule {
            let mut schedule = Schedule::default();
            schedule.set_executor(SingleThreadedExecutor::new());
            schedule.add_systems(($($system $(::<$p>)?,)+).chain());
            schedule
        }

        /// The tick's systems by name, in schedule order, for tools that run or time them one
        /// at a time (`benches/systems.rs`, `examples/system_times.rs`). A test checks that
        /// running them so gives the same run as [`tick_schedule`].
        pub const TICK_SYSTEMS: &[&str] = &[$(stringify!($system)),+];

        /// Runs system `index` of [`TICK_SYSTEMS`] once on `world`, built for protocol `P`.
        ///
        /// # Panics
        /// If `index` is not below `TICK_SYSTEMS.len()`.
        pub fn run_tick_system_for<P: Protocol>(
            world: &mut World,
            index: usize,
        ) -> Result<(), RunSystemError> {
            let runners: [RunOnce; TICK_SYSTEMS.len()] =
                [$(|world: &mut World| world.run_system_once($system $(::<$p>)?)),+];
            match runners.get(index) {
                Some(run) => run(world),
                None => panic!("no tick system {index}: there are {}", TICK_SYSTEMS.len()),
            }
        }
    };
}

/// Runs system `index` of [`TICK_SYSTEMS`] once on `world`, built for the protocol its
/// settings name.
///
/// # Panics
/// If `index` is not below `TICK_SYSTEMS.len()`.
pub fn run_tick_system(world: &mut World, index: usize) -> Result<(), RunSystemError> {
    fn run<P: Protocol>(_: &P, world: &mut World, index: usize) -> Result<(), RunSystemError> {
        run_tick_system_for::<P>(world, index)
    }
    let kind = world.resource::<Settings>().0.protocol.kind;
    with_protocol!(kind, |p| run(p, world, index))
}

// The tick, in order (numbered 1-12 in `docs/architecture.md`, "One tick").
tick![
    apply_faults,
    maintain_routing_tables,
    adapt_threshold::<P>,
    inject_transactions::<P>,
    byzantine_double_spend::<P>,
    byzantine_late_spend::<P>,
    deliver_messages::<P>,
    vote::<P>,
    byzantine_flood::<P>,
    commit_blocks::<P>,
    collect_garbage::<P>,
    record_metrics,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::blocks::{BlockBook, Outcome};
    use crate::model::ledger::Ledger;
    use crate::model::peer::EntryState;
    use crate::protocol::original::Original;
    use crate::testing::*;

    #[test]
    fn running_the_systems_one_by_one_is_the_schedule() {
        let config = tiny_config(2);
        let mut scheduled = tiny_world_with(config.clone());
        let mut one_by_one = tiny_world_with(config);
        let mut schedule = tick_schedule::<Original>();
        for _ in 0..20 {
            schedule.run(&mut scheduled);
            for index in 0..TICK_SYSTEMS.len() {
                run_tick_system(&mut one_by_one, index).expect("tick systems run");
            }
        }
        let digest = |w: &World| w.resource::<crate::model::metrics::Metrics>().digest.0;
        assert_ne!(
            digest(&scheduled),
            crate::model::metrics::Digest::default().0
        );
        assert_eq!(digest(&scheduled), digest(&one_by_one));
    }

    /// `docs/architecture.md` numbers the tick's systems ("One tick"); the numbers and names
    /// there are the order of `tick!`.
    #[test]
    fn the_architecture_doc_lists_the_tick_in_order() {
        let doc = include_str!("../../docs/architecture.md");
        let section = doc
            .split("\n## One tick\n")
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .expect("docs/architecture.md has a section \"One tick\"");
        let listed: Vec<(usize, &str)> = section
            .lines()
            .filter_map(|line| {
                let (number, rest) = line.split_once(". `")?;
                Some((number.parse().ok()?, rest.split('`').next()?))
            })
            .collect();
        let expected: Vec<(usize, &str)> = TICK_SYSTEMS
            .iter()
            .enumerate()
            .map(|(i, &name)| (i + 1, name))
            .collect();
        assert_eq!(listed, expected);
    }

    #[test]
    fn one_block_commits_on_a_tiny_lossless_world() {
        let mut world = tiny_world_with(tiny_config(1));
        let mut schedule = tick_schedule::<Original>();
        for _ in 0..12 {
            schedule.run(&mut world);
        }
        let book = world.resource::<BlockBook>();
        let first = book.get(0).expect("block 0 is still held");
        let (outcome, at) = first.outcome.expect("block 0 has an outcome");
        assert_eq!(outcome, Outcome::Committed);
        // Tick 0 asks, 1 learns of the block, 2-3 fetch the body, 4 votes travel, 5 decides.
        assert_eq!(at, 5);
        assert_eq!(
            first.commits,
            PEER_IDS.len() as u32,
            "every peer committed it"
        );
        // Every peer that committed it and holds token 0 stores the new owner.
        for p in 0..5 {
            let ps = peer(&world, p);
            let committed = ps
                .find(0)
                .is_ok_and(|i| ps.mempool[i].state == EntryState::Committed);
            if committed && ps.in_range(TOKEN_IDS[0]) {
                assert_ne!(ps.mapping(0).block, crate::model::ids::GENESIS, "peer {p}");
            }
        }
        assert_eq!(world.resource::<Ledger>().violations.total(), 0);
    }
}
