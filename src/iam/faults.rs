//! The fault matrix every change to an IAM person must pass, against the in-memory IAM: each
//! mutating call of a clean run, in turn, refused, failed with an HTTP 500 (nothing changed,
//! the outcome unknown to the caller), with its answer lost after the change was made, with its
//! answer lost once and the call retried, and refused on every call (the undo's included). The
//! end state must be the old one or the new one, or the run must end with exit 4 naming what is
//! left; and the same run again, with the faults gone, must reach the new state.

use crate::aws::AwsErrorKind;
use crate::aws::memory::{Injected, MemoryIam};
use crate::error::{Error, exit};
use std::fmt::Debug;
use std::sync::Arc;

/// One way a call goes wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    Refused,
    ServerError,
    AnswerLost,
    AnswerLostOnce,
    RefusedEveryTime,
}

const FAULTS: [Fault; 5] = [
    Fault::Refused,
    Fault::ServerError,
    Fault::AnswerLost,
    Fault::AnswerLostOnce,
    Fault::RefusedEveryTime,
];

impl Fault {
    fn inject(self, api: &MemoryIam, index: usize, operation: &str) {
        match self {
            Fault::Refused => api.fail_call(index, Injected::Refused(AwsErrorKind::Other)),
            Fault::ServerError => api.fail_call(index, Injected::Refused(AwsErrorKind::Uncertain)),
            Fault::AnswerLost => api.fail_call(index, Injected::AnswerLost),
            Fault::AnswerLostOnce => api.fail_call(index, Injected::AnswerLostThenRetried),
            Fault::RefusedEveryTime => api.refuse_always(operation, AwsErrorKind::AccessDenied),
        }
    }
}

/// Runs the matrix on a change: `setup` makes a fresh account, `run` makes the change on it
/// (`attempt` counts the runs on one account, for paths that must be new each time), `look`
/// reads what of the person the change is about, and `holds` is checked after every run with
/// its result (`Err` says what is wrong: a password nobody holds, a device nobody can use that
/// the run did not name as left).
/// Returns how many faulty runs were tried.
pub(crate) async fn every_fault<S, Setup, Run, Fut, Look, Holds>(
    setup: Setup,
    run: Run,
    look: Look,
    holds: Holds,
) -> usize
where
    S: PartialEq + Debug,
    Setup: Fn() -> Arc<MemoryIam>,
    Run: Fn(Arc<MemoryIam>, usize) -> Fut,
    Fut: Future<Output = Result<(), Error>>,
    Look: Fn(&MemoryIam) -> S,
    Holds: Fn(&MemoryIam, &Result<(), Error>) -> Result<(), String>,
{
    let clean = setup();
    let old = look(&clean);
    run(clean.clone(), 0)
        .await
        .expect("the change succeeds without faults");
    let new = look(&clean);
    assert_ne!(old, new, "the change changes the person");
    let calls = clean.calls();
    let mut tried = 0;
    for (index, call) in calls.iter().enumerate() {
        let operation = call.split(' ').next().unwrap_or_default();
        for fault in FAULTS {
            tried += 1;
            let api = setup();
            fault.inject(&api, index, operation);
            let result = run(api.clone(), 0).await;
            let state = look(&api);
            let case = format!("{fault:?} at {call}");
            if let Err(broken) = holds(&api, &result) {
                panic!("{case}: {broken}");
            }
            match &result {
                Ok(()) => assert_eq!(state, new, "{case}: succeeded, so the state is the new one"),
                Err(err) if err.exit_code() == exit::UNDO_INCOMPLETE => {
                    assert!(
                        !err.leftovers().is_empty(),
                        "{case}: exit 4 names what is left: {err}"
                    );
                    // An unanswered change may have left the old state; an undo that is
                    // said not to have finished must have left something.
                    if !matches!(err, Error::ChangeUnconfirmed { .. }) {
                        assert_ne!(state, old, "{case}: exit 4, yet nothing is left: {err}");
                    }
                }
                Err(err) => assert_eq!(
                    state,
                    old,
                    "{case}: exit {} must leave the old state: {err}",
                    err.exit_code()
                ),
            }
            api.heal();
            let again = run(api.clone(), 1).await;
            if let Err(err) = &again {
                panic!("{case}: the run again failed: {err}");
            }
            assert_eq!(look(&api), new, "{case}: the run again finishes");
            if let Err(broken) = holds(&api, &again) {
                panic!("{case}, run again: {broken}");
            }
        }
    }
    tried
}
