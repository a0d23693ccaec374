//! Runs the checker on one scenario and keeps what the tests and the README need.

use crate::model::{CERTIFICATE_FORMS, LIVENESS, LockModel, SAFETY};
use crate::scenario::Scenario;
use crate::state::{Block, State};
use crate::transitions::Action;
use stateright::{Checker, Model, Path};
use std::collections::HashSet;

/// A counterexample: the states from the initial one, each with the action taken from it.
pub type Trace = Vec<(State, Option<Action>)>;

/// What an exhaustive breadth-first run found.
#[derive(Debug)]
pub struct Report {
    pub scenario: Scenario,
    /// Distinct states visited (after the model's own symmetry reduction).
    pub unique_states: usize,
    /// The search ended: every reachable state was visited, or every property has a discovery.
    pub done: bool,
    pub safety_violation: Option<Trace>,
    pub liveness_violation: Option<Trace>,
    pub certificate_formed: bool,
}

/// Checks `scenario` breadth-first on one thread (shortest counterexamples, and the tests
/// already run side by side).
pub fn run(scenario: Scenario) -> Report {
    let checker = LockModel::new(scenario)
        .checker()
        .threads(1)
        .spawn_bfs()
        .join();
    let trace = |name| checker.discovery(name).map(Path::into_vec);
    Report {
        scenario,
        unique_states: checker.unique_state_count(),
        done: checker.is_done(),
        safety_violation: trace(SAFETY),
        liveness_violation: if scenario.checks_liveness() {
            trace(LIVENESS)
        } else {
            None
        },
        certificate_formed: checker.discovery(CERTIFICATE_FORMS).is_some(),
    }
}

impl Report {
    /// The search visited every reachable state and found no two conflicting certificates,
    /// while some run did form one (so safety is not vacuous).
    pub fn exhaustively_safe(&self) -> bool {
        self.done && self.safety_violation.is_none() && self.certificate_formed
    }

    /// The safety counterexample's last state holds valid certificates for both X and Y.
    pub fn violation_ends_in_conflicting_certificates(&self) -> bool {
        let committee = self.scenario.committee;
        self.safety_violation
            .as_ref()
            .and_then(|trace| trace.last())
            .is_some_and(|(state, _)| {
                state.valid_certificate(committee, Block::X)
                    && state.valid_certificate(committee, Block::Y)
            })
    }

    /// The actions of the safety counterexample, in order.
    pub fn violation_actions(&self) -> Vec<Action> {
        self.safety_violation
            .iter()
            .flatten()
            .filter_map(|(_, action)| *action)
            .collect()
    }
}

/// Whether some state reachable under `scenario` satisfies `goal`: a plain search over the
/// same model, for questions the model's fixed properties do not ask. Small models only.
pub fn reachable(scenario: Scenario, goal: impl Fn(&State) -> bool) -> bool {
    let model = LockModel::new(scenario);
    let mut seen: HashSet<State> = HashSet::new();
    let mut frontier = model.init_states();
    while let Some(state) = frontier.pop() {
        if goal(&state) {
            return true;
        }
        if seen.insert(state.clone()) {
            frontier.extend(model.next_states(&state));
        }
    }
    false
}
