//! The tick: six systems, always in this order.

use crate::systems::*;
use bevy_ecs::schedule::{IntoScheduleConfigs, Schedule, SingleThreadedExecutor};

/// inject transactions -> deliver messages -> vote -> commit -> collect garbage -> record metrics.
///
/// The order is a chain, so bevy runs the systems one after another on the calling thread;
/// each system spreads its own work over the rayon pool, chunk by chunk.
pub fn tick_schedule() -> Schedule {
    let mut schedule = Schedule::default();
    schedule.set_executor(SingleThreadedExecutor::new());
    schedule.add_systems(
        (
            inject_transactions,
            deliver_messages,
            vote,
            commit_blocks,
            collect_garbage,
            record_metrics,
        )
            .chain(),
    );
    schedule
}
