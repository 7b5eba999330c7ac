//! One shape for every change a person can ask for (new-user, assign, offboard, move, the MFA
//! and password resets, and what later work adds), so that the command, a batch row and the
//! menu run the same code: an `Operation` reads what is there and plans, refusing a protected
//! person or the caller, without changing anything (`prepare`); then carries the plan out with
//! its undo (`apply`). `drive` is the one flow every edge runs it through: nothing to do is
//! already done, a dry run stops at the plan, and only then is the edge's own question asked
//! (a terminal's confirmation; a batch row's is the file's, asked once for all rows).

use crate::aws::{CallerIdentity, UserInfo};
use crate::error::{Error, InputError};
use crate::protect::{Person, Protected};
use std::future::Future;

/// An operation, prepared: who asked, what it acts on, and its changes in order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Prepared<P> {
    /// The identity running it, read with the rest.
    pub(crate) caller: CallerIdentity,
    /// What it acts on: an ARN, or an identity-store user id.
    pub(crate) subject: String,
    /// Each change a real run makes, in order, in the words of its API call.
    pub(crate) changes: Vec<String>,
    /// Nothing of the person would change.
    pub(crate) done: bool,
    pub(crate) plan: P,
}

/// A change a person can ask for.
pub(crate) trait Operation {
    type Plan;
    type Done;

    /// Reads what is there, refuses a protected person or the caller, and plans. Changes
    /// nothing, so a dry run runs exactly the checks of a real one.
    fn prepare(
        &self,
        protected: &Protected,
    ) -> impl Future<Output = Result<Prepared<Self::Plan>, Error>>;

    /// Carries the plan out, each change's undo recorded before it is made; on failure or
    /// interrupt, undone.
    fn apply(
        &mut self,
        plan: &Self::Plan,
        interrupted: impl Future<Output = ()>,
    ) -> impl Future<Output = Result<Self::Done, Error>>;
}

/// The IAM user an operation changes, as found with what it needs (`found`): refused when
/// protected or the caller; bad input when there is no such user.
pub(crate) fn existing_user<S>(
    protected: &Protected,
    caller: &CallerIdentity,
    user_name: &str,
    found: Option<S>,
    user: impl Fn(&S) -> &UserInfo,
) -> Result<S, Error> {
    protected.guard(caller.clone()).check(Person::IamUser {
        name: user_name,
        found: found.as_ref().map(&user),
    })?;
    found
        .ok_or_else(|| InputError::new("username", format!("no IAM user named {user_name}")).into())
}

/// How a driven operation ended.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Driven<P, D> {
    /// `--dry-run`: the plan, nothing changed.
    Planned(Prepared<P>),
    /// Nothing to change.
    AlreadyDone(Prepared<P>),
    /// Carried out.
    Applied(Prepared<P>, D),
}

/// Runs `operation` the one way every edge does: prepared; already done, or a dry run, stops
/// there; then `consent` (the edge's question: `Ok(false)` declines, exit 130) and the change.
pub(crate) async fn drive<O: Operation>(
    operation: &mut O,
    protected: &Protected,
    dry_run: bool,
    consent: impl FnOnce(&Prepared<O::Plan>) -> Result<bool, Error>,
    interrupted: impl Future<Output = ()>,
) -> Result<Driven<O::Plan, O::Done>, Error> {
    let prepared = operation.prepare(protected).await?;
    if dry_run {
        return Ok(Driven::Planned(prepared));
    }
    if prepared.done {
        return Ok(Driven::AlreadyDone(prepared));
    }
    if !consent(&prepared)? {
        return Err(Error::Declined);
    }
    let done = operation.apply(&prepared.plan, interrupted).await?;
    Ok(Driven::Applied(prepared, done))
}
