//! The stateright `Model`: initial state, enabled actions and the properties checked.

use crate::scenario::{OwnerKind, Scenario};
use crate::state::{Block, Member, State, Submission};
use crate::transitions::{Action, step};
use stateright::{Model, Property};

/// Safety: never two valid certificates (Q yes votes each) for the conflicting X and Y.
pub const SAFETY: &str = "never two valid certificates for conflicting blocks";
/// Non-vacuity: some run forms a certificate, so safety is not won by nothing ever happening.
pub const CERTIFICATE_FORMS: &str = "some run forms a valid certificate";
/// Liveness for an honest owner, checked only where `Scenario::checks_liveness` holds.
///
/// stateright's `eventually` assumes no fairness and, in BFS, misses paths that join a state
/// seen before, so it is not used. Instead: the model is finite and acyclic (every action
/// grows some set or flag), so every run ends in a terminal state (no action enabled), and in
/// the liveness set-up every action is one a fair, lossless run eventually takes (deliveries,
/// expiry, the owner's re-submission; the withholding origin and Byzantine members do
/// nothing). So "every terminal state has X certified" says every fair run certifies X.
pub const LIVENESS: &str = "every terminal state has the honest owner's X certified";

/// One token's lock rules under `scenario`.
#[derive(Clone, Debug)]
pub struct LockModel {
    pub scenario: Scenario,
}

impl LockModel {
    pub const fn new(scenario: Scenario) -> Self {
        Self { scenario }
    }

    /// Every action the state allows, enabled or not; `actions` keeps the enabled ones.
    fn candidate_actions(&self, state: &State) -> Vec<Action> {
        let members = state.members.len() as u8;
        // Equal members (the state is sorted) give equal successors: try the first only.
        let distinct =
            |m: u8| m == 0 || state.members[usize::from(m)] != state.members[usize::from(m - 1)];
        let mut candidates = Vec::new();
        for submission in 0..state.submissions.len() as u8 {
            for member in (0..members).filter(|&m| distinct(m)) {
                candidates.push(Action::DeliverProposal { submission, member });
                candidates.push(Action::DeliverVote { submission, member });
            }
            candidates.push(Action::ByzantineVote { submission });
            candidates.push(Action::Expire { submission });
        }
        for member in (0..members).filter(|&m| distinct(m)) {
            candidates.push(Action::ReleaseLock { member });
            for block in [Block::X, Block::Y] {
                candidates.push(Action::Renounce { member, block });
                candidates.push(Action::DeliverCertificate { block, member });
            }
        }
        candidates.push(Action::OwnerResubmits);
        candidates
    }

    /// Whether no action is enabled: the run is over.
    pub fn is_terminal(&self, state: &State) -> bool {
        self.candidate_actions(state)
            .into_iter()
            .all(|a| step(&self.scenario, state, a).is_none())
    }
}

impl Model for LockModel {
    type State = State;
    type Action = Action;

    fn init_states(&self) -> Vec<State> {
        let first = |block| Submission {
            block,
            origin: self.scenario.origin,
            expired: false,
            may_expire: true,
            byzantine_votes: 0,
        };
        let submissions = match self.scenario.owner {
            OwnerKind::Honest => vec![first(Block::X)],
            OwnerKind::DoubleSigning => vec![first(Block::X), first(Block::Y)],
        };
        let members = vec![Member::default(); usize::from(self.scenario.committee.honest())];
        vec![State {
            members,
            submissions,
        }]
    }

    fn actions(&self, state: &State, actions: &mut Vec<Action>) {
        actions.extend(
            self.candidate_actions(state)
                .into_iter()
                .filter(|&a| step(&self.scenario, state, a).is_some()),
        );
    }

    fn next_state(&self, state: &State, action: Action) -> Option<State> {
        step(&self.scenario, state, action)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        let mut properties = vec![
            Property::always(SAFETY, |model: &Self, state: &State| {
                let committee = model.scenario.committee;
                !(state.valid_certificate(committee, Block::X)
                    && state.valid_certificate(committee, Block::Y))
            }),
            Property::sometimes(CERTIFICATE_FORMS, |model: &Self, state: &State| {
                let committee = model.scenario.committee;
                state.valid_certificate(committee, Block::X)
                    || state.valid_certificate(committee, Block::Y)
            }),
        ];
        if self.scenario.checks_liveness() {
            properties.push(Property::always(LIVENESS, |model: &Self, state: &State| {
                !model.is_terminal(state)
                    || state.certified_for_honest_parties(model.scenario.committee, Block::X)
            }));
        }
        properties
    }
}
