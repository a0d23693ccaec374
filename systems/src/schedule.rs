//! The tick: the six protocol systems, with fault and adversary systems slotted in, always in
//! this order.

use crate::systems::*;
use bevy_ecs::schedule::{IntoScheduleConfigs, Schedule, SingleThreadedExecutor};
use bevy_ecs::system::{RunSystemError, RunSystemOnce};
use bevy_ecs::world::World;

/// apply faults -> inject transactions (+ Byzantine double spends, early and late) -> deliver messages ->
/// vote (+ Byzantine floods) -> commit -> collect garbage -> record metrics.
///
/// The order is a chain, so bevy runs the systems one after another on the calling thread;
/// each system spreads its own work over the rayon pool, chunk by chunk.
pub fn tick_schedule() -> Schedule {
    let mut schedule = Schedule::default();
    schedule.set_executor(SingleThreadedExecutor::new());
    schedule.add_systems(
        (
            apply_faults,
            adapt_threshold,
            inject_transactions,
            byzantine_double_spend,
            byzantine_late_spend,
            deliver_messages,
            vote,
            byzantine_flood,
            commit_blocks,
            collect_garbage,
            record_metrics,
        )
            .chain(),
    );
    schedule
}

/// The tick's systems by name, in schedule order, for tools that run or time them one at a
/// time (`benches/systems.rs`, `examples/system_times.rs`). A test checks that running them
/// so gives the same run as [`tick_schedule`].
pub const TICK_SYSTEMS: [&str; 11] = [
    "apply_faults",
    "adapt_threshold",
    "inject_transactions",
    "byzantine_double_spend",
    "byzantine_late_spend",
    "deliver_messages",
    "vote",
    "byzantine_flood",
    "commit_blocks",
    "collect_garbage",
    "record_metrics",
];

/// Runs system `index` of [`TICK_SYSTEMS`] once on `world`.
///
/// # Panics
/// If `index` is not below `TICK_SYSTEMS.len()`.
pub fn run_tick_system(world: &mut World, index: usize) -> Result<(), RunSystemError> {
    match index {
        0 => world.run_system_once(apply_faults),
        1 => world.run_system_once(adapt_threshold),
        2 => world.run_system_once(inject_transactions),
        3 => world.run_system_once(byzantine_double_spend),
        4 => world.run_system_once(byzantine_late_spend),
        5 => world.run_system_once(deliver_messages),
        6 => world.run_system_once(vote),
        7 => world.run_system_once(byzantine_flood),
        8 => world.run_system_once(commit_blocks),
        9 => world.run_system_once(collect_garbage),
        10 => world.run_system_once(record_metrics),
        _ => panic!("no tick system {index}: there are {}", TICK_SYSTEMS.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::blocks::{BlockBook, Outcome};
    use crate::model::ledger::Ledger;
    use crate::model::peer::EntryState;
    use crate::testing::*;

    #[test]
    fn running_the_systems_one_by_one_is_the_schedule() {
        let config = tiny_config(2);
        let mut scheduled = tiny_world_with(config.clone());
        let mut one_by_one = tiny_world_with(config);
        let mut schedule = tick_schedule();
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

    #[test]
    fn one_block_commits_on_a_tiny_lossless_world() {
        let mut world = tiny_world_with(tiny_config(1));
        let mut schedule = tick_schedule();
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
