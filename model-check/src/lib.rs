//! A machine-checked model of protocol v2's per-token lock rules (issue 24, item 7): one
//! (token, owner), two conflicting blocks X and Y, a committee of C members of which b are
//! Byzantine, a network that reorders and duplicates, and dishonest owners and origins.
//! `check::run` explores every state breadth-first; the tests say which rules are safe.

pub mod check;
pub mod committee;
pub mod model;
pub mod scenario;
pub mod state;
pub mod transitions;

pub use committee::{CHECKED, Committee};
pub use model::LockModel;
pub use scenario::{LockRule, OriginKind, OwnerKind, Scenario};
