//! `offboard` of an IAM user as the one operation (see `crate::operation`): looked up with the
//! caller, guarded, planned; then the phases run under interrupts.

use super::{
    Inventory, KnownGaps, OffboardPlan, OffboardRequest, Removal, Removed, cut_earlier, execute,
    look, plan_offboard,
};
use crate::aws::Iam;
use crate::error::Error;
use crate::operation::{Operation, Prepared};
use crate::protect::{Person, Protected};
use std::sync::Arc;

/// `offboard` of an IAM user (or `--disable-only`), as the command, a batch row and the menu
/// run it. A user that does not exist is already offboarded: its plan is `None`.
pub(crate) struct OffboardUser<'a, A> {
    pub(crate) api: Arc<A>,
    pub(crate) request: &'a OffboardRequest,
    /// Discovery calls a batch found missing on this endpoint; `None` for one person.
    pub(crate) gaps: Option<&'a KnownGaps>,
    /// Now (RFC 3339): `--disable-only`'s `iam-onboard:offboarded` tag.
    pub(crate) now: String,
}

/// What an offboarding found and plans.
#[derive(Debug, Clone)]
pub(crate) struct FoundAndPlanned {
    pub(crate) inventory: Inventory,
    pub(crate) plan: OffboardPlan,
}

/// What an offboarding did: what it removed, and when the person's access was cut (an earlier
/// `--disable-only`'s time while its deny is still there, else now).
#[derive(Debug, Clone)]
pub(crate) struct Offboarded {
    pub(crate) removed: Removed,
    pub(crate) cut_at: String,
}

impl<A: Iam + Send + 'static> Operation for OffboardUser<'_, A> {
    type Plan = Option<FoundAndPlanned>;
    type Done = Offboarded;

    async fn prepare(&self, protected: &Protected) -> Result<Prepared<Self::Plan>, Error> {
        let user_name = &self.request.user_name;
        let (caller, found) = look(self.api.as_ref(), user_name, self.gaps)
            .await
            .map_err(Error::from_aws)?;
        protected.guard(caller.clone()).check(Person::IamUser {
            name: user_name,
            found: found.as_ref().map(|inventory| &inventory.user),
        })?;
        let Some(inventory) = found else {
            return Ok(Prepared {
                caller,
                subject: user_name.clone(),
                changes: Vec::new(),
                done: true,
                plan: None,
            });
        };
        let plan = plan_offboard(
            &inventory,
            self.request.mode,
            &self.now,
            self.request.reason.as_deref(),
        );
        let tagging: Vec<&str> = plan
            .removals()
            .filter_map(|removal| match removal {
                Removal::TagOffboarded { tags } => Some(tags.iter().map(|(key, _)| key.as_str())),
                _ => None,
            })
            .flatten()
            .collect();
        crate::names::check_room_for_tags(user_name, &inventory.user.tags, &tagging)?;
        Ok(Prepared {
            caller,
            subject: plan.user_arn.clone(),
            changes: plan.removals().map(ToString::to_string).collect(),
            done: false,
            plan: Some(FoundAndPlanned { inventory, plan }),
        })
    }

    async fn apply(
        &mut self,
        planned: &Self::Plan,
        interrupted: impl std::future::Future<Output = ()>,
    ) -> Result<Offboarded, Error> {
        let Some(FoundAndPlanned { inventory, plan }) = planned else {
            return Ok(Offboarded {
                removed: Removed::default(),
                cut_at: self.now.clone(),
            });
        };
        let cut_at = cut_earlier(inventory).unwrap_or_else(|| self.now.clone());
        tokio::select! {
            removed = execute(self.api.clone(), plan) => Ok(Offboarded { removed: removed?, cut_at }),
            () = interrupted => Err(Error::OffboardInterrupted { user_arn: plan.user_arn.clone() }),
        }
    }
}
