//! An in-memory IAM Identity Center for unit tests, with AWS's asynchronous behaviour: each
//! assignment operation stays IN_PROGRESS for a set number of polls, may end FAILED with a
//! reason, may meet ConflictException first, and the most operations outstanding at once is
//! recorded. Inline policies over AWS's 10,240 non-whitespace characters are refused. With a
//! consistency lag, a person, group or permission set just made is unknown to SSO Admin's calls
//! (ResourceNotFoundException) for that long on tokio's clock, as between the identity store and
//! SSO Admin. `SsoAdmin` is answered here, `IdentityStore` in `identity_store`.

use super::latency::{Latency, Simulated};
use crate::aws::{
    Assignment, AwsError, AwsErrorKind, AwsResult, Grantee, GroupMembership, IdentityGroup,
    IdentityStore, IdentityUser, NewPerson, OperationState, OperationStatus, PermissionSetSpec,
    Principal, SsoAdmin, SsoInstance,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

mod identity_store;

pub(crate) const INSTANCE_ARN: &str = "arn:aws:sso:::instance/ssoins-test";
pub(crate) const STORE: &str = "d-test";
/// AWS's quota of managed policies (AWS and customer managed) attached to a permission set.
const MANAGED_POLICIES_A_PERMISSION_SET: usize = 20;

#[derive(Debug, Clone)]
pub(crate) struct MemoryPermissionSet {
    pub(crate) spec: PermissionSetSpec,
    pub(crate) inline: Option<serde_json::Value>,
    pub(crate) boundary: Option<(String, String)>,
    /// The ARNs of the AWS managed policies attached.
    pub(crate) managed: Vec<String>,
}

#[derive(Debug)]
struct Operation {
    polls_left: u32,
    outcome: OperationState,
}

/// How the model behaves.
#[derive(Debug, Default, Clone)]
pub(crate) struct Behaviour {
    /// Polls an operation answers IN_PROGRESS before its outcome.
    pub(crate) polls_before_done: u32,
    /// Operations that never finish.
    pub(crate) never_done: bool,
    /// Accounts whose assignment ends FAILED with this reason.
    pub(crate) failing_accounts: BTreeMap<String, String>,
    /// ConflictExceptions answered to the first create calls.
    pub(crate) conflicts: u32,
    /// The boundary calls fail, as on an emulator that lacks them.
    pub(crate) no_boundary_calls: bool,
    /// CreateUser makes the person, loses its answer, and the retry meets the duplicate.
    pub(crate) create_user_answer_lost: bool,
    /// Permission sets (by ARN) whose provisioning ends FAILED with this reason.
    pub(crate) failing_provisioning: BTreeMap<String, String>,
    /// Inline-policy writes that another writer overwrites at once with the policy as it was
    /// before, as a concurrent update from an older copy would.
    pub(crate) overwritten_puts: u32,
}

#[derive(Debug, Default)]
pub(crate) struct SsoState {
    pub(crate) users: BTreeMap<String, NewPerson>,
    pub(crate) permission_sets: BTreeMap<String, MemoryPermissionSet>,
    /// (assignment, principal id): a user's or a group's.
    pub(crate) assignments: BTreeSet<(Assignment, String)>,
    /// Group id → display name.
    pub(crate) groups: BTreeMap<String, String>,
    /// Group id → description.
    pub(crate) group_descriptions: BTreeMap<String, String>,
    /// (membership id, group id, user id).
    pub(crate) memberships: BTreeSet<(String, String, String)>,
    operations: BTreeMap<String, Operation>,
    pub(crate) calls: Vec<String>,
    pub(crate) in_flight: usize,
    pub(crate) max_in_flight: usize,
    /// The non-whitespace size of each inline policy written, in order.
    pub(crate) inline_sizes: Vec<usize>,
    /// How long what a create makes stays unknown to other calls.
    lag: std::time::Duration,
    /// Ids and ARNs made within the lag, and from when each is known.
    visible_from: BTreeMap<String, tokio::time::Instant>,
    next_id: u32,
}

impl SsoState {
    /// Records an id or ARN just made: unknown to other calls for the lag.
    fn made(&mut self, id: &str) {
        if !self.lag.is_zero() {
            let known = tokio::time::Instant::now() + self.lag;
            self.visible_from.insert(id.to_string(), known);
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct MemorySso {
    pub(crate) state: Mutex<SsoState>,
    pub(crate) behaviour: Mutex<Behaviour>,
    /// How long each call takes, as a round trip to AWS would (on tokio's clock).
    latency: Latency,
}

fn not_found(operation: &'static str, what: &str) -> AwsError {
    AwsError::new(
        operation,
        AwsErrorKind::NotFound,
        "ResourceNotFoundException",
        what,
    )
}

impl MemorySso {
    pub(crate) fn new(behaviour: Behaviour) -> Self {
        MemorySso {
            state: Mutex::default(),
            behaviour: Mutex::new(behaviour),
            latency: Latency::default(),
        }
    }

    async fn wait(&self) {
        self.latency.wait().await;
    }

    /// Fails a boundary call when the model lacks them.
    fn boundary_calls(&self, operation: &'static str) -> AwsResult<()> {
        if self.behaviour.lock().unwrap().no_boundary_calls {
            return Err(AwsError::new(
                operation,
                AwsErrorKind::Uncertain,
                "HTTP 500",
                "not implemented",
            ));
        }
        Ok(())
    }

    /// The assignments of a principal: a user or group id.
    fn assignments_of(&self, principal_id: &str) -> Vec<Assignment> {
        let state = self.state.lock().unwrap();
        state
            .assignments
            .iter()
            .filter(|(_, principal)| principal == principal_id)
            .map(|(a, _)| a.clone())
            .collect()
    }

    pub(crate) fn calls(&self) -> Vec<String> {
        self.state.lock().unwrap().calls.clone()
    }

    /// ResourceNotFoundException when one of `ids` was made too recently to be known.
    fn known(state: &SsoState, operation: &'static str, ids: &[&str]) -> AwsResult<()> {
        let now = tokio::time::Instant::now();
        match ids
            .iter()
            .find(|id| state.visible_from.get(**id).is_some_and(|from| now < *from))
        {
            Some(id) => Err(not_found(operation, id)),
            None => Ok(()),
        }
    }

    /// Reads a permission set: NotFound when there is none.
    fn read_set<T>(
        &self,
        operation: &'static str,
        arn: &str,
        read: impl FnOnce(&MemoryPermissionSet) -> T,
    ) -> AwsResult<T> {
        let state = self.state.lock().unwrap();
        let set = state
            .permission_sets
            .get(arn)
            .ok_or_else(|| not_found(operation, arn))?;
        Ok(read(set))
    }

    /// Changes a permission set, the call recorded as `operation ARN detail`: NotFound while
    /// it is not yet visible or when there is none.
    fn change_set<T>(
        &self,
        operation: &'static str,
        arn: &str,
        detail: &str,
        change: impl FnOnce(&mut MemoryPermissionSet) -> AwsResult<T>,
    ) -> AwsResult<T> {
        let mut state = self.state.lock().unwrap();
        state
            .calls
            .push(format!("{operation} {arn}{detail}").trim_end().to_string());
        Self::known(&state, operation, &[arn])?;
        let set = state
            .permission_sets
            .get_mut(arn)
            .ok_or_else(|| not_found(operation, arn))?;
        change(set)
    }

    /// Starts an asynchronous operation whose outcome is `outcome`.
    fn start(&self, state: &mut SsoState, outcome: OperationState) -> OperationStatus {
        let behaviour = self.behaviour.lock().unwrap().clone();
        state.next_id += 1;
        let request_id = format!("request-{}", state.next_id);
        if behaviour.polls_before_done == 0 && !behaviour.never_done {
            return OperationStatus {
                request_id,
                state: outcome,
            };
        }
        state.in_flight += 1;
        state.max_in_flight = state.max_in_flight.max(state.in_flight);
        let polls_left = if behaviour.never_done {
            u32::MAX
        } else {
            behaviour.polls_before_done
        };
        state.operations.insert(
            request_id.clone(),
            Operation {
                polls_left,
                outcome,
            },
        );
        OperationStatus {
            request_id,
            state: OperationState::InProgress,
        }
    }

    fn poll(&self, operation: &'static str, request_id: &str) -> AwsResult<OperationStatus> {
        let mut state = self.state.lock().unwrap();
        state.calls.push(format!("{operation} {request_id}"));
        let entry = state
            .operations
            .get_mut(request_id)
            .ok_or_else(|| not_found(operation, request_id))?;
        if entry.polls_left > 0 {
            entry.polls_left -= 1;
            return Ok(OperationStatus {
                request_id: request_id.to_string(),
                state: OperationState::InProgress,
            });
        }
        let outcome = entry.outcome.clone();
        state.operations.remove(request_id);
        state.in_flight -= 1;
        Ok(OperationStatus {
            request_id: request_id.to_string(),
            state: outcome,
        })
    }
}

impl SsoAdmin for MemorySso {
    fn region(&self) -> String {
        "us-east-1".to_string()
    }

    async fn list_instances(&self) -> AwsResult<Vec<SsoInstance>> {
        self.wait().await;
        Ok(vec![SsoInstance {
            arn: INSTANCE_ARN.to_string(),
            identity_store_id: STORE.to_string(),
        }])
    }

    async fn list_permission_sets(&self, _instance: &str) -> AwsResult<Vec<String>> {
        self.wait().await;
        Ok(self
            .state
            .lock()
            .unwrap()
            .permission_sets
            .keys()
            .cloned()
            .collect())
    }

    async fn describe_permission_set(
        &self,
        _instance: &str,
        arn: &str,
    ) -> AwsResult<PermissionSetSpec> {
        self.wait().await;
        let state = self.state.lock().unwrap();
        Self::known(&state, "sso:DescribePermissionSet", &[arn])?;
        state
            .permission_sets
            .get(arn)
            .map(|set| set.spec.clone())
            .ok_or_else(|| not_found("sso:DescribePermissionSet", arn))
    }

    async fn create_permission_set(
        &self,
        _instance: &str,
        spec: &PermissionSetSpec,
        _tags: &[(String, String)],
    ) -> AwsResult<String> {
        self.wait().await;
        let mut state = self.state.lock().unwrap();
        state
            .calls
            .push(format!("sso:CreatePermissionSet {}", spec.name));
        let arn = format!("{INSTANCE_ARN}/ps-{}", spec.name);
        state.made(&arn);
        state.permission_sets.insert(
            arn.clone(),
            MemoryPermissionSet {
                spec: spec.clone(),
                inline: None,
                boundary: None,
                managed: Vec::new(),
            },
        );
        Ok(arn)
    }

    async fn update_permission_set(
        &self,
        _instance: &str,
        arn: &str,
        spec: &PermissionSetSpec,
    ) -> AwsResult<()> {
        self.wait().await;
        let mut state = self.state.lock().unwrap();
        state.calls.push(format!("sso:UpdatePermissionSet {arn}"));
        let set = state
            .permission_sets
            .get_mut(arn)
            .ok_or_else(|| not_found("sso:UpdatePermissionSet", arn))?;
        set.spec.description = spec.description.clone();
        set.spec.session_duration = spec.session_duration.clone();
        Ok(())
    }

    async fn get_inline_policy(
        &self,
        _instance: &str,
        arn: &str,
    ) -> AwsResult<Option<serde_json::Value>> {
        self.wait().await;
        let state = self.state.lock().unwrap();
        Ok(state
            .permission_sets
            .get(arn)
            .and_then(|set| set.inline.clone()))
    }

    async fn put_inline_policy(&self, _instance: &str, arn: &str, document: &str) -> AwsResult<()> {
        self.wait().await;
        let mut state = self.state.lock().unwrap();
        state
            .calls
            .push(format!("sso:PutInlinePolicyToPermissionSet {arn}"));
        Self::known(&state, "sso:PutInlinePolicyToPermissionSet", &[arn])?;
        let written: serde_json::Value =
            serde_json::from_str(document).expect("the tool sends JSON");
        let size = crate::quotas::policy_chars(document);
        if size > crate::quotas::PERMISSION_SET_INLINE_POLICY {
            return Err(AwsError::new(
                "sso:PutInlinePolicyToPermissionSet",
                AwsErrorKind::Invalid,
                "ValidationException",
                &format!(
                    "Current size of the non-whitespace characters present in the InlinePolicy Document is {size} bytes which has exceeded the maximum limit of 10240 bytes"
                ),
            ));
        }
        state.inline_sizes.push(size);
        let set = state
            .permission_sets
            .get_mut(arn)
            .ok_or_else(|| not_found("sso:PutInlinePolicyToPermissionSet", arn))?;
        let mut behaviour = self.behaviour.lock().unwrap();
        if behaviour.overwritten_puts > 0 {
            behaviour.overwritten_puts -= 1;
        } else {
            set.inline = Some(written);
        }
        Ok(())
    }

    async fn get_permissions_boundary(
        &self,
        _instance: &str,
        arn: &str,
    ) -> AwsResult<Option<(String, String)>> {
        self.wait().await;
        const OP: &str = "sso:GetPermissionsBoundaryForPermissionSet";
        self.boundary_calls(OP)?;
        self.read_set(OP, arn, |set| set.boundary.clone())
    }

    async fn put_permissions_boundary(
        &self,
        _instance: &str,
        arn: &str,
        name: &str,
        path: &str,
    ) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "sso:PutPermissionsBoundaryToPermissionSet";
        self.boundary_calls(OP)?;
        self.change_set(OP, arn, "", |set| {
            set.boundary = Some((name.to_string(), path.to_string()));
            Ok(())
        })
    }

    async fn list_managed_policies(&self, _instance: &str, arn: &str) -> AwsResult<Vec<String>> {
        self.wait().await;
        self.read_set("sso:ListManagedPoliciesInPermissionSet", arn, |set| {
            set.managed.clone()
        })
    }

    async fn attach_managed_policy(
        &self,
        _instance: &str,
        arn: &str,
        policy_arn: &str,
    ) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "sso:AttachManagedPolicyToPermissionSet";
        self.change_set(OP, arn, &format!(" {policy_arn}"), |set| {
            if !crate::aws::memory::iam::is_known_aws_managed(policy_arn) {
                return Err(not_found(OP, policy_arn));
            }
            if set.managed.iter().any(|p| p == policy_arn) {
                return Err(AwsError::new(
                    OP,
                    AwsErrorKind::Conflict,
                    "ConflictException",
                    "the policy is attached already",
                ));
            }
            if set.managed.len() >= MANAGED_POLICIES_A_PERMISSION_SET {
                return Err(AwsError::new(
                    OP,
                    AwsErrorKind::LimitExceeded,
                    "ServiceQuotaExceededException",
                    "twenty managed policies a permission set",
                ));
            }
            set.managed.push(policy_arn.to_string());
            Ok(())
        })
    }

    async fn detach_managed_policy(
        &self,
        _instance: &str,
        arn: &str,
        policy_arn: &str,
    ) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "sso:DetachManagedPolicyFromPermissionSet";
        self.change_set(OP, arn, &format!(" {policy_arn}"), |set| {
            let before = set.managed.len();
            set.managed.retain(|p| p != policy_arn);
            if set.managed.len() == before {
                return Err(not_found(OP, policy_arn));
            }
            Ok(())
        })
    }

    async fn provision_permission_set(
        &self,
        _instance: &str,
        arn: &str,
    ) -> AwsResult<OperationStatus> {
        self.wait().await;
        let mut state = self.state.lock().unwrap();
        state
            .calls
            .push(format!("sso:ProvisionPermissionSet {arn}"));
        Self::known(&state, "sso:ProvisionPermissionSet", &[arn])?;
        let failure = self
            .behaviour
            .lock()
            .unwrap()
            .failing_provisioning
            .get(arn)
            .cloned();
        let outcome = failure.map_or(OperationState::Succeeded, OperationState::Failed);
        Ok(self.start(&mut state, outcome))
    }

    async fn describe_provisioning_status(
        &self,
        _instance: &str,
        request_id: &str,
    ) -> AwsResult<OperationStatus> {
        self.wait().await;
        self.poll("sso:DescribePermissionSetProvisioningStatus", request_id)
    }

    async fn list_assignments_for_user(
        &self,
        _instance: &str,
        user_id: &str,
    ) -> AwsResult<Vec<Assignment>> {
        self.wait().await;
        Ok(self.assignments_of(user_id))
    }

    async fn list_accounts_for_permission_set(
        &self,
        _instance: &str,
        permission_set_arn: &str,
    ) -> AwsResult<Vec<String>> {
        self.wait().await;
        let state = self.state.lock().unwrap();
        let accounts: BTreeSet<String> = state
            .assignments
            .iter()
            .filter(|(a, _)| a.permission_set_arn == permission_set_arn)
            .map(|(a, _)| a.account.clone())
            .collect();
        Ok(accounts.into_iter().collect())
    }

    async fn list_account_assignments(
        &self,
        _instance: &str,
        account: &str,
        permission_set_arn: &str,
    ) -> AwsResult<Vec<(Principal, String)>> {
        self.wait().await;
        let state = self.state.lock().unwrap();
        Ok(state
            .assignments
            .iter()
            .filter(|(a, _)| a.account == account && a.permission_set_arn == permission_set_arn)
            .map(|(_, principal)| {
                let kind = if principal.starts_with("g-") {
                    Principal::Group
                } else {
                    Principal::User
                };
                (kind, principal.clone())
            })
            .collect())
    }

    async fn list_assignments_for_group(
        &self,
        _instance: &str,
        group_id: &str,
    ) -> AwsResult<Vec<Assignment>> {
        self.wait().await;
        Ok(self.assignments_of(group_id))
    }

    async fn create_account_assignment(
        &self,
        _instance: &str,
        assignment: &Assignment,
        grantee: &Grantee,
    ) -> AwsResult<OperationStatus> {
        let user_id = &grantee.id;
        self.wait().await;
        const OP: &str = "sso:CreateAccountAssignment";
        let mut state = self.state.lock().unwrap();
        state.calls.push(format!("{OP} {}", assignment.account));
        Self::known(&state, OP, &[user_id, &assignment.permission_set_arn])?;
        {
            let mut behaviour = self.behaviour.lock().unwrap();
            if behaviour.conflicts > 0 {
                behaviour.conflicts -= 1;
                return Err(AwsError::new(
                    OP,
                    AwsErrorKind::Conflict,
                    "ConflictException",
                    "busy",
                ));
            }
        }
        let failure = self
            .behaviour
            .lock()
            .unwrap()
            .failing_accounts
            .get(&assignment.account)
            .cloned();
        let outcome = match failure {
            Some(reason) => OperationState::Failed(reason),
            None => {
                state
                    .assignments
                    .insert((assignment.clone(), user_id.to_string()));
                OperationState::Succeeded
            }
        };
        Ok(self.start(&mut state, outcome))
    }

    async fn describe_assignment_creation(
        &self,
        _instance: &str,
        request_id: &str,
    ) -> AwsResult<OperationStatus> {
        self.wait().await;
        self.poll("sso:DescribeAccountAssignmentCreationStatus", request_id)
    }

    async fn delete_account_assignment(
        &self,
        _instance: &str,
        assignment: &Assignment,
        grantee: &Grantee,
    ) -> AwsResult<OperationStatus> {
        let user_id = &grantee.id;
        self.wait().await;
        let mut state = self.state.lock().unwrap();
        state.calls.push(format!(
            "sso:DeleteAccountAssignment {}",
            assignment.account
        ));
        state
            .assignments
            .remove(&(assignment.clone(), user_id.to_string()));
        Ok(self.start(&mut state, OperationState::Succeeded))
    }

    async fn describe_assignment_deletion(
        &self,
        _instance: &str,
        request_id: &str,
    ) -> AwsResult<OperationStatus> {
        self.wait().await;
        self.poll("sso:DescribeAccountAssignmentDeletionStatus", request_id)
    }
}

impl Simulated for MemorySso {
    fn latency_mut(&mut self) -> &mut Latency {
        &mut self.latency
    }

    fn set_consistency_lag(&self, lag: std::time::Duration) {
        self.state.lock().unwrap().lag = lag;
    }
}
