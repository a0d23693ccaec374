//! The tick's systems, one per file; their order is declared once, in `crate::schedule`
//! (`tick!`). A system imports `model`, `engine` and `protocol`, never another system.

pub mod adapt_threshold;
pub mod apply_faults;
pub mod byzantine_double_spend;
pub mod byzantine_flood;
pub mod byzantine_late_spend;
pub mod collect_garbage;
pub mod commit;
pub mod deliver_messages;
pub mod inject_transactions;
pub mod maintain_routing_tables;
pub mod record_metrics;
pub mod vote;

pub use adapt_threshold::adapt_threshold;
pub use apply_faults::apply_faults;
pub use byzantine_double_spend::byzantine_double_spend;
pub use byzantine_flood::byzantine_flood;
pub use byzantine_late_spend::byzantine_late_spend;
pub use collect_garbage::collect_garbage;
pub use commit::commit_blocks;
pub use deliver_messages::deliver_messages;
pub use inject_transactions::inject_transactions;
pub use maintain_routing_tables::maintain_routing_tables;
pub use record_metrics::record_metrics;
pub use vote::vote;
