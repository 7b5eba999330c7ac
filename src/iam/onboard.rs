//! `new-user` as an operation, as the command, a batch row and the menu run it: read what is
//! there (everything at once, or, for a batch row, the person alone beside what the batch read
//! once for the template), refuse a protected person or the caller, plan, and check what the
//! plan needs before any change (new secret files; a place to deliver a password); then the
//! apply loop with its undo.

use crate::aws::{CallerIdentity, Iam, PasswordRules};
use crate::clock::Clock;
use crate::error::{Error, InputError};
use crate::iam::apply::{Effects, Onboarded, apply_or_roll_back};
use crate::iam::enrol::CodeSource;
use crate::iam::plan::{self, Observed, Plan};
use crate::iam::request::NewUserRequest;
use crate::iam::shared::SharedState;
use crate::operation::{Operation, Prepared};
use crate::protect::{Person, Protected};
use std::future::Future;

/// What a batch read once, before its rows, for every person of a template.
#[derive(Debug, Clone)]
pub(crate) struct ReadOnce {
    pub(crate) caller: CallerIdentity,
    pub(crate) shared: SharedState,
    pub(crate) password_rules: PasswordRules,
}

/// Where a one-time console password goes when the request names no file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PasswordDelivery {
    /// Shown on this terminal.
    Terminal,
    /// No terminal: a run that makes a password needs `--password-file`.
    FileOnly,
    /// Into the batch's report.
    Report,
}

/// `new-user` for one person.
pub(crate) struct Onboard<'a, A, C> {
    pub(crate) api: &'a A,
    pub(crate) request: &'a NewUserRequest,
    /// `None`: read here, with the person.
    pub(crate) read_once: Option<ReadOnce>,
    pub(crate) delivery: PasswordDelivery,
    /// Where the MFA codes come from.
    pub(crate) codes: C,
    pub(crate) clock: &'a dyn Clock,
}

impl<A: Iam, C: CodeSource> Operation for Onboard<'_, A, C> {
    type Plan = (Observed, Plan);
    type Done = Onboarded;

    async fn prepare(&self, protected: &Protected) -> Result<Prepared<Self::Plan>, Error> {
        let observed = match &self.read_once {
            None => plan::observe(self.api, self.request).await,
            Some(once) => plan::observe_person(self.api, self.request)
                .await
                .map(|person| {
                    Observed::of(
                        once.caller.clone(),
                        once.shared.clone(),
                        once.password_rules.clone(),
                        person,
                    )
                }),
        }
        .map_err(Error::from_aws)?;
        protected
            .guard(observed.caller.clone())
            .check(Person::IamUser {
                name: &self.request.user_name,
                found: observed.user.as_ref().map(|user| &user.info),
            })?;
        let plan = plan::plan_new_user(self.request, &observed)?;
        plan.check_files_are_new(self.request)?;
        // Decided by the plan, the same for a dry run as for the real one: only a run that
        // makes a password needs somewhere to deliver it.
        if plan.makes_password()
            && self.request.password_file.is_none()
            && self.delivery == PasswordDelivery::FileOnly
        {
            return Err(InputError::new(
                "console access",
                format!(
                    "{} gets a console password (template {}), which is only shown on a terminal: without one, give --password-file FILE for it, or --no-console",
                    self.request.user_name, self.request.template.name
                ),
            )
            .into());
        }
        Ok(Prepared {
            caller: observed.caller.clone(),
            subject: plan.user_arn.clone(),
            changes: plan.steps.iter().map(ToString::to_string).collect(),
            done: plan.is_empty(),
            plan: (observed, plan),
        })
    }

    async fn apply(
        &mut self,
        (observed, plan): &Self::Plan,
        interrupted: impl Future<Output = ()>,
    ) -> Result<Onboarded, Error> {
        let effects = Effects {
            codes: &mut self.codes,
            clock: self.clock,
            rng: &mut rand::rng(),
        };
        apply_or_roll_back(self.api, self.request, observed, plan, effects, interrupted).await
    }
}
