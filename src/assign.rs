//! `assign` and `offboard --sso`: a person's access through IAM Identity Center, from the same
//! job-function templates as IAM users.
//!
//! A template becomes a permission set (its policies merged into the inline policy, its
//! boundary referenced by name), which is a shared resource: created or updated, never undone.
//! Account assignments are asynchronous in AWS: each is created, then polled while
//! IN_PROGRESS with backoff up to a timeout, with at most `MAX_IN_FLIGHT` outstanding, and
//! ConflictException (another change to the same account in flight) retried with backoff. A
//! failure undoes this run's assignments, then the identity-store user it created.

use crate::aws::{
    Assignment, AwsError, AwsErrorKind, AwsResult, NewPerson, OperationState, OperationStatus,
    PermissionSetSpec, Sso, SsoInstance,
};
use crate::config::Config;
use crate::error::{Error, InputError};
use crate::template::{FORCE_MFA_POLICY, IAM_PATH, Template, TemplateSet};
use backon::{ExponentialBuilder, Retryable};
use serde_json::{Value, json};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Identity Center allows at most 10 account-assignment operations outstanding.
pub const MAX_IN_FLIGHT: usize = 10;
/// Starts the description of every permission set this tool manages; one without it is
/// someone else's and is not changed.
pub const PERMISSION_SET_MARKER: &str = "[iam-onboard]";
/// The longest inline policy a permission set takes.
pub const MAX_INLINE_POLICY_CHARS: usize = 32_768;

/// How long and how often to wait for asynchronous operations and conflicts.
#[derive(Debug, Clone, Copy)]
pub struct Patience {
    pub first_delay: Duration,
    pub max_delay: Duration,
    /// How long to poll one operation that stays IN_PROGRESS.
    pub timeout: Duration,
    /// How many times to retry a ConflictException or throttling.
    pub conflict_retries: usize,
}

impl Default for Patience {
    fn default() -> Self {
        Patience {
            first_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(10),
            timeout: Duration::from_secs(300),
            conflict_retries: 8,
        }
    }
}

/// AWS account ids are 12 digits.
pub fn validate_account_id(account: &str) -> Result<(), InputError> {
    if account.len() == 12 && account.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(InputError::new(
            "--account",
            format!(
                "{} is not an AWS account id (12 digits)",
                crate::names::shown(account)
            ),
        ))
    }
}

/// Identity Center user names: 1 to 128 characters, no spaces or control characters.
pub fn validate_identity_user_name(name: &str) -> Result<(), InputError> {
    let fits = !name.is_empty()
        && name.chars().count() <= 128
        && !name.chars().any(|c| c.is_whitespace() || c.is_control());
    if fits {
        Ok(())
    } else {
        Err(InputError::new(
            "username",
            format!(
                "{}: Identity Center user names are 1 to 128 characters without spaces",
                crate::names::shown(name)
            ),
        ))
    }
}

/// What a template becomes in Identity Center.
#[derive(Debug, Clone, PartialEq)]
pub struct PermissionSetDesign {
    pub spec: PermissionSetSpec,
    pub inline_policy: Value,
    /// The customer-managed policy (name, path) used as the permissions boundary.
    pub boundary: (String, String),
}

/// The template's policies merged into one inline policy. `force-mfa` is left out: Identity
/// Center enforces MFA at sign-in, and its sessions do not carry `aws:MultiFactorAuthPresent`,
/// so the policy would deny them everything.
pub fn design_permission_set(template: &Template) -> Result<PermissionSetDesign, InputError> {
    let mut statements = Vec::new();
    for policy in template
        .policies
        .iter()
        .filter(|p| p.name != FORCE_MFA_POLICY)
    {
        match &policy.document["Statement"] {
            Value::Array(items) => statements.extend(items.iter().cloned()),
            single => statements.push(single.clone()),
        }
    }
    let inline_policy = json!({ "Version": "2012-10-17", "Statement": statements });
    let size = inline_policy.to_string().len();
    if size > MAX_INLINE_POLICY_CHARS {
        return Err(InputError::new(
            "policies",
            format!("merged, the policies are {size} characters; a permission set takes {MAX_INLINE_POLICY_CHARS}"),
        )
        .in_file(&template.source));
    }
    let description: String = format!("{PERMISSION_SET_MARKER} {}", template.description)
        .chars()
        .take(700)
        .collect();
    Ok(PermissionSetDesign {
        spec: PermissionSetSpec {
            name: template.name.clone(),
            description,
            session_duration: template.session_duration.clone(),
        },
        inline_policy,
        boundary: (
            template.permissions_boundary.iam_name.clone(),
            IAM_PATH.to_string(),
        ),
    })
}

/// The instance to use: the only one, or the one named by `--instance-arn`.
pub async fn choose_instance(api: &impl Sso, wanted: Option<&str>) -> Result<SsoInstance, Error> {
    let instances = api.list_instances().await.map_err(Error::from_aws)?;
    match (wanted, instances.as_slice()) {
        (Some(arn), _) => instances
            .iter()
            .find(|i| i.arn == arn)
            .cloned()
            .ok_or_else(|| {
                InputError::new(
                    "--instance-arn",
                    format!("no Identity Center instance {arn}"),
                )
                .into()
            }),
        (None, [only]) => Ok(only.clone()),
        (None, []) => Err(InputError::new(
            "--instance-arn",
            "this account has no IAM Identity Center instance",
        )
        .into()),
        (None, several) => Err(InputError::new(
            "--instance-arn",
            format!(
                "there are {} Identity Center instances; name one: {}",
                several.len(),
                several
                    .iter()
                    .map(|i| i.arn.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .into()),
    }
}

/// Why an asynchronous operation did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OperationFailure {
    #[error("{0}")]
    Aws(AwsError),
    #[error("FAILED: {0}")]
    Failed(String),
    #[error("still IN_PROGRESS after {0:?}")]
    TimedOut(Duration),
}

/// What a poll saw: not finished yet is the one answer worth asking again.
enum Poll {
    StillRunning,
    Done(OperationFailure),
}

/// Waits for an operation: done at once, or polled with `describe` while IN_PROGRESS, backing
/// off from `first_delay` to `max_delay`, for at most `timeout`.
pub async fn wait_for<F, Fut>(
    first: OperationStatus,
    describe: F,
    patience: Patience,
) -> Result<(), OperationFailure>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = AwsResult<OperationStatus>>,
{
    match first.state {
        OperationState::Succeeded => return Ok(()),
        OperationState::Failed(reason) => return Err(OperationFailure::Failed(reason)),
        OperationState::InProgress => {}
    }
    let backoff = ExponentialBuilder::default()
        .with_min_delay(patience.first_delay)
        .with_max_delay(patience.max_delay)
        .with_max_times(usize::MAX)
        .with_total_delay(Some(patience.timeout));
    let poll = || async {
        let status = describe(first.request_id.clone())
            .await
            .map_err(|err| Poll::Done(OperationFailure::Aws(err)))?;
        match status.state {
            OperationState::InProgress => Err(Poll::StillRunning),
            OperationState::Succeeded => Ok(()),
            OperationState::Failed(reason) => Err(Poll::Done(OperationFailure::Failed(reason))),
        }
    };
    poll.retry(backoff)
        .sleep(tokio::time::sleep)
        .when(|seen| matches!(seen, Poll::StillRunning))
        .await
        .map_err(|seen| match seen {
            Poll::StillRunning => OperationFailure::TimedOut(patience.timeout),
            Poll::Done(failure) => failure,
        })
}

/// Runs `call` again, with backoff, while it meets ConflictException or throttling left after
/// the SDK's own retries.
pub async fn retrying_conflicts<T, F, Fut>(call: F, patience: Patience) -> AwsResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = AwsResult<T>>,
{
    let backoff = ExponentialBuilder::default()
        .with_min_delay(patience.first_delay)
        .with_max_delay(patience.max_delay)
        .with_max_times(patience.conflict_retries)
        .with_jitter();
    call.retry(backoff)
        .sleep(tokio::time::sleep)
        .when(|err: &AwsError| err.is(AwsErrorKind::Conflict) || err.is(AwsErrorKind::Throttled))
        .notify(|err, delay| tracing::info!(%err, ?delay, "retrying"))
        .await
}

/// What happened to the template's permission set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissionSetOutcome {
    pub arn: String,
    /// `created`, `updated` (and re-provisioned) or `unchanged`.
    pub action: &'static str,
    pub warnings: Vec<String>,
}

/// Finds the permission set by name; creates it, or brings a changed one up to date and
/// re-provisions it to the accounts it is provisioned to. A permission set of that name that
/// this tool did not create is refused.
pub async fn ensure_permission_set(
    api: &impl Sso,
    instance: &SsoInstance,
    design: &PermissionSetDesign,
    patience: Patience,
) -> Result<PermissionSetOutcome, Error> {
    let instance_arn = &instance.arn;
    let mut existing = None;
    for arn in api
        .list_permission_sets(instance_arn)
        .await
        .map_err(Error::from_aws)?
    {
        let spec = api
            .describe_permission_set(instance_arn, &arn)
            .await
            .map_err(Error::from_aws)?;
        if spec.name == design.spec.name {
            existing = Some((arn, spec));
            break;
        }
    }
    let Some((arn, current)) = existing else {
        let arn = api
            .create_permission_set(instance_arn, &design.spec)
            .await
            .map_err(Error::from_aws)?;
        api.put_inline_policy(instance_arn, &arn, &design.inline_policy.to_string())
            .await
            .map_err(Error::from_aws)?;
        let warnings = put_boundary(api, instance_arn, &arn, design)
            .await
            .err()
            .into_iter()
            .collect();
        return Ok(PermissionSetOutcome {
            arn,
            action: "created",
            warnings,
        });
    };
    if !current.description.starts_with(PERMISSION_SET_MARKER) {
        return Err(InputError::new(
            "--template",
            format!(
                "a permission set named {:?} exists and was not made by iam-onboard (its description does not start with {PERMISSION_SET_MARKER}); refusing to change it",
                design.spec.name
            ),
        )
        .into());
    }
    let spec_changed = current.description != design.spec.description
        || current.session_duration != design.spec.session_duration;
    if spec_changed {
        api.update_permission_set(instance_arn, &arn, &design.spec)
            .await
            .map_err(Error::from_aws)?;
    }
    let policy = api
        .get_inline_policy(instance_arn, &arn)
        .await
        .map_err(Error::from_aws)?;
    let policy_changed = policy.as_ref() != Some(&design.inline_policy);
    if policy_changed {
        api.put_inline_policy(instance_arn, &arn, &design.inline_policy.to_string())
            .await
            .map_err(Error::from_aws)?;
    }
    let mut warnings = Vec::new();
    let boundary_changed = match api.get_permissions_boundary(instance_arn, &arn).await {
        Ok(found) if found.as_ref() == Some(&design.boundary) => false,
        Ok(_) => match put_boundary(api, instance_arn, &arn, design).await {
            Ok(()) => true,
            Err(warning) => {
                warnings.push(warning);
                false
            }
        },
        Err(err) => {
            warnings.push(format!(
                "could not check the permissions boundary of permission set {arn}: {err}"
            ));
            false
        }
    };
    if !(spec_changed || policy_changed || boundary_changed) {
        return Ok(PermissionSetOutcome {
            arn,
            action: "unchanged",
            warnings,
        });
    }
    let started = api
        .provision_permission_set(instance_arn, &arn)
        .await
        .map_err(Error::from_aws)?;
    wait_for(
        started,
        |id| async move { api.describe_provisioning_status(instance_arn, &id).await },
        patience,
    )
    .await
    .map_err(|failure| {
        Error::Aws(AwsError::new(
            "sso:ProvisionPermissionSet",
            AwsErrorKind::Other,
            "ProvisioningFailed",
            &failure.to_string(),
        ))
    })?;
    Ok(PermissionSetOutcome {
        arn,
        action: "updated",
        warnings,
    })
}

/// Sets the template's boundary on the permission set; the warning to report when AWS refuses.
async fn put_boundary(
    api: &impl Sso,
    instance_arn: &str,
    arn: &str,
    design: &PermissionSetDesign,
) -> Result<(), String> {
    let (name, path) = &design.boundary;
    api.put_permissions_boundary(instance_arn, arn, name, path)
        .await
        .map_err(|err| format!("permission set {arn} has no permissions boundary: {err}"))
}

/// What happened in one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountOutcome {
    Created,
    AlreadyAssigned,
    Failed(String),
}

/// Assigns the permission set to the user in each account, at most `MAX_IN_FLIGHT` at once.
/// Every assignment this run created is pushed to `created` as soon as AWS accepted it.
pub async fn assign_accounts<A: Sso + Send + 'static>(
    api: Arc<A>,
    instance_arn: &str,
    user_id: &str,
    assignments: Vec<Assignment>,
    patience: Patience,
    created: Arc<Mutex<Vec<Assignment>>>,
) -> Vec<(Assignment, AccountOutcome)> {
    let permits = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
    let mut running = tokio::task::JoinSet::new();
    for (index, assignment) in assignments.into_iter().enumerate() {
        let (api, permits, created) = (api.clone(), permits.clone(), created.clone());
        let (instance_arn, user_id) = (instance_arn.to_string(), user_id.to_string());
        running.spawn(async move {
            let _permit = permits
                .acquire_owned()
                .await
                .expect("the semaphore stays open");
            let outcome = assign_one(
                api.as_ref(),
                &instance_arn,
                &user_id,
                &assignment,
                patience,
                &created,
            )
            .await;
            (index, assignment, outcome)
        });
    }
    let mut outcomes = Vec::new();
    while let Some(joined) = running.join_next().await {
        outcomes.push(joined.expect("an assignment task does not panic"));
    }
    outcomes.sort_by_key(|(index, _, _)| *index);
    outcomes
        .into_iter()
        .map(|(_, assignment, outcome)| (assignment, outcome))
        .collect()
}

async fn assign_one(
    api: &impl Sso,
    instance_arn: &str,
    user_id: &str,
    assignment: &Assignment,
    patience: Patience,
    created: &Mutex<Vec<Assignment>>,
) -> AccountOutcome {
    match api.list_assigned_users(instance_arn, assignment).await {
        Ok(users) if users.iter().any(|u| u == user_id) => return AccountOutcome::AlreadyAssigned,
        Ok(_) => {}
        Err(err) => return AccountOutcome::Failed(err.to_string()),
    }
    let started = retrying_conflicts(
        || api.create_account_assignment(instance_arn, assignment, user_id),
        patience,
    )
    .await;
    let started = match started {
        Ok(started) => started,
        Err(err) => return AccountOutcome::Failed(err.to_string()),
    };
    created
        .lock()
        .expect("not poisoned")
        .push(assignment.clone());
    let waited = wait_for(
        started,
        |id| async move { api.describe_assignment_creation(instance_arn, &id).await },
        patience,
    )
    .await;
    match waited {
        Ok(()) => AccountOutcome::Created,
        Err(failure) => AccountOutcome::Failed(failure.to_string()),
    }
}

/// Deletes assignments, at most `MAX_IN_FLIGHT` at once, each polled to the end. Returns the
/// ones that could not be deleted, with why.
pub async fn unassign<A: Sso + Send + 'static>(
    api: Arc<A>,
    instance_arn: &str,
    user_id: &str,
    assignments: Vec<Assignment>,
    patience: Patience,
) -> Vec<(Assignment, String)> {
    let permits = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
    let mut running = tokio::task::JoinSet::new();
    for assignment in assignments {
        let (api, permits) = (api.clone(), permits.clone());
        let (instance_arn, user_id) = (instance_arn.to_string(), user_id.to_string());
        running.spawn(async move {
            let _permit = permits
                .acquire_owned()
                .await
                .expect("the semaphore stays open");
            let api = api.as_ref();
            let started = retrying_conflicts(
                || api.delete_account_assignment(&instance_arn, &assignment, &user_id),
                patience,
            )
            .await;
            let result = match started {
                Err(err) if err.is(AwsErrorKind::NotFound) => Ok(()),
                Err(err) => Err(err.to_string()),
                Ok(started) => wait_for(
                    started,
                    |id| {
                        let instance_arn = instance_arn.clone();
                        async move { api.describe_assignment_deletion(&instance_arn, &id).await }
                    },
                    patience,
                )
                .await
                .map_err(|failure| failure.to_string()),
            };
            (assignment, result)
        });
    }
    let mut failures = Vec::new();
    while let Some(joined) = running.join_next().await {
        if let (assignment, Err(reason)) = joined.expect("an unassign task does not panic") {
            failures.push((assignment, reason));
        }
    }
    failures.sort();
    failures
}

/// One account and the template whose access the person gets there.
#[derive(Debug, Clone)]
pub struct Target {
    pub account: String,
    pub template: Template,
}

/// The accounts and the template given in each: the `accounts` named get `template`; without
/// any, each account set the template names (in the configuration file) gets the template it
/// says. An account given two different templates is refused.
pub fn resolve_targets(
    template: &Template,
    accounts: &[String],
    set: &TemplateSet,
    config: &Config,
) -> Result<Vec<Target>, InputError> {
    let mut targets: Vec<Target> = Vec::new();
    let mut add = |account: &str, template: &Template, field: &str| match targets
        .iter()
        .find(|t| t.account == account)
    {
        Some(t) if t.template.name != template.name => Err(InputError::new(
            field.to_string(),
            format!(
                "account {account} would get both {} and {}",
                t.template.name, template.name
            ),
        )),
        Some(_) => Ok(()),
        None => {
            targets.push(Target {
                account: account.to_string(),
                template: template.clone(),
            });
            Ok(())
        }
    };
    for account in accounts {
        add(account, template, "--account")?;
    }
    if accounts.is_empty() {
        if template.account_sets.is_empty() {
            return Err(InputError::new(
                "--account",
                format!(
                    "give --account ID; template {} names no account sets",
                    template.name
                ),
            ));
        }
        for (account_set, given) in &template.account_sets {
            let given = set.get(given)?;
            for account in config.accounts_of(account_set)? {
                add(account, given, &format!("account_sets.{account_set}"))?;
            }
        }
    }
    Ok(targets)
}

/// A validated `assign` request.
#[derive(Debug, Clone)]
pub struct AssignRequest {
    pub user_name: String,
    /// The template asked for.
    pub template: Template,
    /// Each account once, with the template to give there.
    pub targets: Vec<Target>,
    /// With `--create-user`: who to create when the person is missing.
    pub create: Option<NewPerson>,
    pub instance_arn: Option<String>,
}

/// What `assign` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assigned {
    pub instance_arn: String,
    pub user_id: String,
    pub user_created: bool,
    /// Template name and what happened to its permission set.
    pub permission_sets: Vec<(String, PermissionSetOutcome)>,
    /// Account, template name, outcome.
    pub accounts: Vec<(String, String, AccountOutcome)>,
}

impl AssignRequest {
    /// The distinct templates of the targets, in first-seen order.
    pub fn templates(&self) -> Vec<&Template> {
        let mut seen: Vec<&Template> = Vec::new();
        for target in &self.targets {
            if !seen.iter().any(|t| t.name == target.template.name) {
                seen.push(&target.template);
            }
        }
        seen
    }
}

/// The whole `assign`: instance, person, permission set, assignments; on failure or
/// interrupt, this run's assignments and the person it created are undone, newest first.
pub async fn assign<A: Sso + Send + 'static>(
    api: Arc<A>,
    request: &AssignRequest,
    patience: Patience,
    interrupted: impl Future<Output = ()>,
) -> Result<Assigned, Error> {
    let instance = choose_instance(api.as_ref(), request.instance_arn.as_deref()).await?;
    let store = &instance.identity_store_id;
    let designs = request
        .templates()
        .into_iter()
        .map(|t| Ok((t.name.clone(), design_permission_set(t)?)))
        .collect::<Result<Vec<_>, InputError>>()?;
    let found = api
        .find_user_id(store, &request.user_name)
        .await
        .map_err(Error::from_aws)?;
    if found.is_none() && request.create.is_none() {
        return Err(InputError::new(
            "username",
            format!(
                "{} is not in the identity store; add --create-user with --email, --given-name and --family-name",
                request.user_name
            ),
        )
        .into());
    }
    let mut permission_sets = Vec::new();
    for (name, design) in &designs {
        let outcome = ensure_permission_set(api.as_ref(), &instance, design, patience).await?;
        permission_sets.push((name.clone(), outcome));
    }
    assign_person(
        api,
        &instance,
        request,
        found,
        permission_sets,
        patience,
        interrupted,
    )
    .await
}

/// The person's part of `assign`, once the instance is chosen and the permission sets of every
/// target's template are ensured: create the person if `found` is `None`, assign, and on
/// failure undo this run's assignments, then the person it created.
pub async fn assign_person<A: Sso + Send + 'static>(
    api: Arc<A>,
    instance: &SsoInstance,
    request: &AssignRequest,
    found: Option<String>,
    permission_sets: Vec<(String, PermissionSetOutcome)>,
    patience: Patience,
    interrupted: impl Future<Output = ()>,
) -> Result<Assigned, Error> {
    let store = &instance.identity_store_id;
    let arn_of = |template: &str| {
        permission_sets
            .iter()
            .find(|(name, _)| name == template)
            .map(|(_, outcome)| outcome.arn.clone())
            .expect("every target's template has a permission set")
    };
    let (user_id, user_created) = match (found, &request.create) {
        (Some(id), _) => (id, false),
        (None, Some(person)) => (create_person(api.as_ref(), store, person).await?, true),
        (None, None) => {
            return Err(Error::Aws(AwsError::new(
                "identitystore:GetUserId",
                AwsErrorKind::NotFound,
                "ResourceNotFoundException",
                &format!("{} is not in the identity store", request.user_name),
            )));
        }
    };
    let created = Arc::new(Mutex::new(Vec::new()));
    let assignments: Vec<Assignment> = request
        .targets
        .iter()
        .map(|target| Assignment {
            account: target.account.clone(),
            permission_set_arn: arn_of(&target.template.name),
        })
        .collect();
    let outcomes = tokio::select! {
        outcomes = assign_accounts(api.clone(), &instance.arn, &user_id, assignments, patience, created.clone()) => Some(outcomes),
        () = interrupted => None,
    };
    let failed: Vec<String> = match &outcomes {
        None => vec!["interrupted".to_string()],
        Some(outcomes) => outcomes
            .iter()
            .filter_map(|(a, outcome)| match outcome {
                AccountOutcome::Failed(reason) => Some(format!("account {}: {reason}", a.account)),
                _ => None,
            })
            .collect(),
    };
    if let Some(outcomes) = outcomes.filter(|_| failed.is_empty()) {
        let accounts = outcomes
            .into_iter()
            .zip(&request.targets)
            .map(|((assignment, outcome), target)| {
                (assignment.account, target.template.name.clone(), outcome)
            })
            .collect();
        return Ok(Assigned {
            instance_arn: instance.arn.clone(),
            user_id,
            user_created,
            permission_sets,
            accounts,
        });
    }
    let cause = failed.join("; ");
    let mut to_undo = created.lock().expect("not poisoned").clone();
    to_undo.reverse();
    let mut undone: Vec<String> = to_undo
        .iter()
        .map(|a| {
            format!(
                "assignment of {} in account {}",
                a.permission_set_arn, a.account
            )
        })
        .collect();
    let mut leftovers: Vec<String> =
        unassign(api.clone(), &instance.arn, &user_id, to_undo, patience)
            .await
            .into_iter()
            .map(|(a, reason)| {
                let what = format!(
                    "assignment of {} in account {}",
                    a.permission_set_arn, a.account
                );
                undone.retain(|u| *u != what);
                format!("{what} ({reason})")
            })
            .collect();
    if user_created {
        let what = format!("identity-store user {user_id} ({})", request.user_name);
        match api.delete_user(store, &user_id).await {
            Ok(()) => undone.push(what),
            Err(err) => leftovers.push(format!("{what} ({err})")),
        }
    }
    Err(match (leftovers.is_empty(), cause.as_str()) {
        (false, _) => Error::UndoIncomplete { cause, leftovers },
        (true, "interrupted") => Error::Interrupted { undone },
        (true, _) => Error::RolledBack { cause, undone },
    })
}

/// Creates the person, who was not there a moment ago. A ConflictException (the name is taken)
/// is what the SDK's retry of a CreateUser whose answer was lost meets: the person found under
/// that name now is this run's, and is undone with the rest if the run fails.
async fn create_person(api: &impl Sso, store: &str, person: &NewPerson) -> Result<String, Error> {
    match api.create_user(store, person).await {
        Ok(id) => Ok(id),
        Err(err) if err.is(AwsErrorKind::Conflict) => {
            match api
                .find_user_id(store, &person.user_name)
                .await
                .map_err(Error::from_aws)?
            {
                Some(id) => Ok(id),
                None => Err(Error::from_aws(err)),
            }
        }
        Err(err) => Err(Error::from_aws(err)),
    }
}

/// What `assign` would do, found with read calls only: for `--dry-run` and the confirmation.
pub async fn preview(api: &impl Sso, request: &AssignRequest) -> Result<Vec<String>, Error> {
    let instance = choose_instance(api, request.instance_arn.as_deref()).await?;
    let mut planned = Vec::new();
    let user_id = api
        .find_user_id(&instance.identity_store_id, &request.user_name)
        .await
        .map_err(Error::from_aws)?;
    match (&user_id, &request.create) {
        (Some(id), _) => planned.push(format!(
            "use identity-store user {id} ({})",
            request.user_name
        )),
        (None, Some(_)) => planned.push(format!(
            "identitystore:CreateUser UserName={} IdentityStoreId={}",
            request.user_name, instance.identity_store_id
        )),
        (None, None) => {
            return Err(InputError::new(
                "username",
                format!(
                    "{} is not in the identity store; add --create-user",
                    request.user_name
                ),
            )
            .into());
        }
    }
    let mut permission_sets: Vec<(String, Option<String>)> = Vec::new();
    let mut sets_by_name = Vec::new();
    for arn in api
        .list_permission_sets(&instance.arn)
        .await
        .map_err(Error::from_aws)?
    {
        let spec = api
            .describe_permission_set(&instance.arn, &arn)
            .await
            .map_err(Error::from_aws)?;
        sets_by_name.push((spec.name, arn));
    }
    for template in request.templates() {
        let design = design_permission_set(template)?;
        let existing = sets_by_name
            .iter()
            .find(|(name, _)| *name == design.spec.name)
            .map(|(_, arn)| arn.clone());
        planned.push(match &existing {
            Some(arn) => format!("keep or update permission set {arn} to template {}", template.name),
            None => format!(
                "sso:CreatePermissionSet Name={} SessionDuration={} with the template's inline policy and boundary {}{}",
                design.spec.name, design.spec.session_duration, design.boundary.1, design.boundary.0
            ),
        });
        permission_sets.push((template.name.clone(), existing));
    }
    for target in &request.targets {
        let existing = permission_sets
            .iter()
            .find(|(name, _)| *name == target.template.name)
            .and_then(|(_, arn)| arn.clone());
        let assigned = match (&existing, &user_id) {
            (Some(arn), Some(id)) => {
                let assignment = Assignment {
                    account: target.account.clone(),
                    permission_set_arn: arn.clone(),
                };
                api.list_assigned_users(&instance.arn, &assignment)
                    .await
                    .map_err(Error::from_aws)?
                    .contains(id)
            }
            _ => false,
        };
        let shown =
            existing.unwrap_or_else(|| format!("<new permission set {}>", target.template.name));
        planned.push(if assigned {
            format!("account {}: already assigned {shown}", target.account)
        } else {
            format!(
                "sso:CreateAccountAssignment TargetId={} PermissionSetArn={shown}",
                target.account
            )
        });
    }
    Ok(planned)
}

/// What `offboard --sso` will remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoOffboardPlan {
    pub instance: SsoInstance,
    pub user_name: String,
    pub user_id: String,
    pub assignments: Vec<Assignment>,
    pub delete_identity: bool,
}

impl SsoOffboardPlan {
    pub fn removals(&self) -> Vec<String> {
        let mut removals: Vec<String> = self
            .assignments
            .iter()
            .map(|a| {
                format!(
                    "sso:DeleteAccountAssignment {} in account {}",
                    a.permission_set_arn, a.account
                )
            })
            .collect();
        if self.delete_identity {
            removals.push(self.identity_removal());
        }
        removals
    }

    fn identity_removal(&self) -> String {
        format!(
            "identitystore:DeleteUser {} ({})",
            self.user_id, self.user_name
        )
    }
}

/// Finds every assignment of the person, across the instance's accounts and permission sets.
/// `None` when the person is not in the identity store.
pub async fn plan_sso_offboard(
    api: &impl Sso,
    user_name: &str,
    instance_arn: Option<&str>,
    keep_identity: bool,
) -> Result<Option<SsoOffboardPlan>, Error> {
    let instance = choose_instance(api, instance_arn).await?;
    let Some(user_id) = api
        .find_user_id(&instance.identity_store_id, user_name)
        .await
        .map_err(Error::from_aws)?
    else {
        return Ok(None);
    };
    let mut assignments = api
        .list_assignments_for_user(&instance.arn, &user_id)
        .await
        .map_err(Error::from_aws)?;
    assignments.sort();
    Ok(Some(SsoOffboardPlan {
        instance,
        user_name: user_name.to_string(),
        user_id,
        assignments,
        delete_identity: !keep_identity,
    }))
}

/// Deletes every assignment, each polled to the end, then the identity-store user. Stops
/// before the user when an assignment could not be deleted, so none is left orphaned.
pub async fn offboard_sso<A: Sso + Send + 'static>(
    api: Arc<A>,
    plan: &SsoOffboardPlan,
    patience: Patience,
) -> Result<Vec<String>, Error> {
    let failures = unassign(
        api.clone(),
        &plan.instance.arn,
        &plan.user_id,
        plan.assignments.clone(),
        patience,
    )
    .await;
    let mut removed: Vec<String> = plan
        .assignments
        .iter()
        .filter(|a| !failures.iter().any(|(failed, _)| failed == *a))
        .map(|a| {
            format!(
                "sso:DeleteAccountAssignment {} in account {}",
                a.permission_set_arn, a.account
            )
        })
        .collect();
    let incomplete =
        |cause: String, removed: Vec<String>, remaining: Vec<String>| Error::OffboardIncomplete {
            user_arn: format!("identity-store user {} ({})", plan.user_id, plan.user_name),
            cause,
            removed,
            remaining,
        };
    if !failures.is_empty() {
        let cause = failures
            .iter()
            .map(|(a, why)| format!("account {}: {why}", a.account))
            .collect::<Vec<_>>()
            .join("; ");
        let mut remaining: Vec<String> = failures
            .iter()
            .map(|(a, _)| {
                format!(
                    "sso:DeleteAccountAssignment {} in account {}",
                    a.permission_set_arn, a.account
                )
            })
            .collect();
        if plan.delete_identity {
            remaining.push(plan.identity_removal());
        }
        return Err(incomplete(cause, removed, remaining));
    }
    if plan.delete_identity {
        match api
            .delete_user(&plan.instance.identity_store_id, &plan.user_id)
            .await
        {
            Ok(()) => removed.push(plan.identity_removal()),
            Err(err) if err.is(AwsErrorKind::NotFound) => {}
            Err(err) => {
                return Err(incomplete(
                    err.to_string(),
                    removed,
                    vec![plan.identity_removal()],
                ));
            }
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::memory_sso::{Behaviour, INSTANCE_ARN, MemorySso};
    use crate::error::exit;
    use crate::template::TemplateSet;
    use std::collections::BTreeMap;

    fn request(accounts: &[&str], create: bool) -> AssignRequest {
        let template = TemplateSet::embedded()
            .unwrap()
            .get("developer")
            .unwrap()
            .clone();
        AssignRequest {
            user_name: "bob".to_string(),
            targets: accounts
                .iter()
                .map(|account| Target {
                    account: account.to_string(),
                    template: template.clone(),
                })
                .collect(),
            template,
            create: create.then(|| NewPerson {
                user_name: "bob".to_string(),
                display_name: "Bob Example".to_string(),
                given_name: "Bob".to_string(),
                family_name: "Example".to_string(),
                email: "bob@example.com".to_string(),
            }),
            instance_arn: None,
        }
    }

    /// The same request, giving `template` in every account.
    fn giving(mut request: AssignRequest, template: Template) -> AssignRequest {
        for target in &mut request.targets {
            target.template = template.clone();
        }
        request.template = template;
        request
    }

    async fn run(api: &Arc<MemorySso>, request: &AssignRequest) -> Result<Assigned, Error> {
        assign(
            api.clone(),
            request,
            Patience::default(),
            std::future::pending(),
        )
        .await
    }

    fn accounts(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| format!("{:012}", 100_000_000_000u64 + i as u64))
            .collect()
    }

    fn count(api: &MemorySso, prefix: &str) -> usize {
        api.calls().iter().filter(|c| c.starts_with(prefix)).count()
    }

    #[test]
    fn the_permission_set_merges_the_policies_but_not_force_mfa() {
        let template = TemplateSet::embedded()
            .unwrap()
            .get("developer")
            .unwrap()
            .clone();
        let design = design_permission_set(&template).unwrap();
        assert_eq!(design.spec.name, "developer");
        assert!(design.spec.description.starts_with(PERMISSION_SET_MARKER));
        assert_eq!(design.spec.session_duration, "PT8H");
        let text = design.inline_policy.to_string();
        assert!(
            !text.contains("MultiFactorAuthPresent"),
            "force-mfa is left out"
        );
        assert!(text.contains("ChangeOnlyDevResources"));
        crate::policy::validate(&text).unwrap();
        assert_eq!(
            design.boundary,
            (
                "iam-onboard-people-boundary".to_string(),
                "/iam-onboard/".to_string()
            )
        );
    }

    #[test]
    fn account_ids_and_identity_names_are_checked() {
        validate_account_id("111111111111").unwrap();
        for bad in ["11111111111", "1111111111111", "11111111111a", ""] {
            assert_eq!(validate_account_id(bad).unwrap_err().field, "--account");
        }
        validate_identity_user_name("bob@example.com").unwrap();
        assert!(validate_identity_user_name("bob smith").is_err());
        assert!(validate_identity_user_name("").is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn assignments_in_progress_are_polled_until_they_succeed() {
        let api = Arc::new(MemorySso::new(Behaviour {
            polls_before_done: 3,
            ..Behaviour::default()
        }));
        let done = run(&api, &request(&["111111111111", "222222222222"], true))
            .await
            .unwrap();
        assert!(done.user_created);
        assert_eq!(done.permission_sets[0].1.action, "created");
        assert!(
            done.accounts
                .iter()
                .all(|(_, _, o)| *o == AccountOutcome::Created)
        );
        assert_eq!(
            count(&api, "sso:DescribeAccountAssignmentCreationStatus"),
            2 * 4
        );
        assert_eq!(api.state.lock().unwrap().assignments.len(), 2);
        let set = api
            .state
            .lock()
            .unwrap()
            .permission_sets
            .values()
            .next()
            .unwrap()
            .clone();
        assert!(set.inline.is_some() && set.boundary.is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn an_operation_that_stays_in_progress_times_out() {
        let first = OperationStatus {
            request_id: "r".to_string(),
            state: OperationState::InProgress,
        };
        let patience = Patience {
            timeout: Duration::from_secs(60),
            ..Patience::default()
        };
        let polls = std::sync::atomic::AtomicU32::new(0);
        let result = wait_for(
            first,
            |id| {
                polls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                async move {
                    Ok(OperationStatus {
                        request_id: id,
                        state: OperationState::InProgress,
                    })
                }
            },
            patience,
        )
        .await;
        assert_eq!(
            result,
            Err(OperationFailure::TimedOut(Duration::from_secs(60)))
        );
        let polls = polls.into_inner();
        assert!(
            (5..=60).contains(&polls),
            "backed off, not busy-polled: {polls} polls"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_assignment_reports_its_reason_and_undoes_the_run() {
        let mut failing = BTreeMap::new();
        failing.insert(
            "333333333333".to_string(),
            "the permission set's boundary policy does not exist in the account".to_string(),
        );
        let api = Arc::new(MemorySso::new(Behaviour {
            polls_before_done: 1,
            failing_accounts: failing,
            ..Behaviour::default()
        }));
        let err = run(
            &api,
            &request(&["111111111111", "222222222222", "333333333333"], true),
        )
        .await
        .unwrap_err();
        assert_eq!(err.exit_code(), exit::FAILED, "{err}");
        assert!(
            err.to_string().contains("boundary policy does not exist"),
            "{err}"
        );
        let state = api.state.lock().unwrap();
        assert!(
            state.assignments.is_empty(),
            "this run's assignments are undone"
        );
        assert!(
            state.users.is_empty(),
            "the user this run created is deleted"
        );
        let calls = &state.calls;
        let last_delete = calls
            .iter()
            .rposition(|c| c.starts_with("sso:DeleteAccountAssignment"))
            .unwrap();
        let user_delete = calls
            .iter()
            .position(|c| c.starts_with("identitystore:DeleteUser"))
            .unwrap();
        assert!(
            last_delete < user_delete,
            "assignments go before the user: {calls:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn conflicts_are_retried_with_backoff() {
        let api = Arc::new(MemorySso::new(Behaviour {
            conflicts: 3,
            ..Behaviour::default()
        }));
        let done = run(&api, &request(&["111111111111"], true)).await.unwrap();
        assert_eq!(done.accounts[0].2, AccountOutcome::Created);
        assert_eq!(count(&api, "sso:CreateAccountAssignment"), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn conflicts_that_never_end_fail_the_account() {
        let api = Arc::new(MemorySso::new(Behaviour {
            conflicts: 100,
            ..Behaviour::default()
        }));
        let err = run(&api, &request(&["111111111111"], true))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("ConflictException"), "{err}");
        assert_eq!(
            count(&api, "sso:CreateAccountAssignment"),
            1 + Patience::default().conflict_retries
        );
    }

    #[tokio::test(start_paused = true)]
    async fn at_most_ten_operations_are_in_flight() {
        let api = Arc::new(MemorySso::new(Behaviour {
            polls_before_done: 3,
            ..Behaviour::default()
        }));
        let many = accounts(25);
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        run(&api, &request(&refs, true)).await.unwrap();
        let state = api.state.lock().unwrap();
        assert_eq!(state.assignments.len(), 25);
        assert_eq!(
            state.max_in_flight, MAX_IN_FLIGHT,
            "the cap is used, and not passed"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_second_run_creates_no_duplicates() {
        let api = Arc::new(MemorySso::new(Behaviour::default()));
        let both = request(&["111111111111", "222222222222"], true);
        run(&api, &both).await.unwrap();
        let again = run(&api, &both).await.unwrap();
        assert!(!again.user_created);
        assert_eq!(again.permission_sets[0].1.action, "unchanged");
        assert!(
            again
                .accounts
                .iter()
                .all(|(_, _, o)| *o == AccountOutcome::AlreadyAssigned)
        );
        assert_eq!(count(&api, "sso:CreateAccountAssignment"), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_changed_template_updates_and_reprovisions_the_permission_set() {
        let api = Arc::new(MemorySso::new(Behaviour::default()));
        run(&api, &request(&["111111111111"], true)).await.unwrap();
        let mut shorter = request(&["111111111111"], false).template;
        shorter.session_duration = "PT2H".to_string();
        let changed = giving(request(&["111111111111"], false), shorter);
        let done = run(&api, &changed).await.unwrap();
        assert_eq!(done.permission_sets[0].1.action, "updated");
        assert_eq!(count(&api, "sso:ProvisionPermissionSet"), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_person_whose_creation_answer_was_lost_is_adopted_and_undone_on_failure() {
        let api = Arc::new(MemorySso::new(Behaviour {
            create_user_answer_lost: true,
            ..Behaviour::default()
        }));
        let done = run(&api, &request(&["111111111111"], true)).await.unwrap();
        assert!(done.user_created);
        assert_eq!(api.state.lock().unwrap().users.len(), 1);

        let mut failing = BTreeMap::new();
        failing.insert("333333333333".to_string(), "refused".to_string());
        let api = Arc::new(MemorySso::new(Behaviour {
            create_user_answer_lost: true,
            failing_accounts: failing,
            ..Behaviour::default()
        }));
        let err = run(&api, &request(&["111111111111", "333333333333"], true))
            .await
            .unwrap_err();
        assert_eq!(err.exit_code(), exit::FAILED, "{err}");
        let state = api.state.lock().unwrap();
        assert!(state.users.is_empty(), "nothing half-made: {err}");
        assert!(state.assignments.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn a_permission_set_left_without_its_boundary_is_repaired_and_reprovisioned() {
        let api = Arc::new(MemorySso::new(Behaviour::default()));
        run(&api, &request(&["111111111111"], true)).await.unwrap();
        for set in api.state.lock().unwrap().permission_sets.values_mut() {
            set.boundary = None;
        }
        let done = run(&api, &request(&["111111111111"], false)).await.unwrap();
        assert_eq!(done.permission_sets[0].1.action, "updated");
        assert!(done.permission_sets[0].1.warnings.is_empty());
        let state = api.state.lock().unwrap();
        let set = state.permission_sets.values().next().unwrap();
        assert_eq!(
            set.boundary,
            Some((
                "iam-onboard-people-boundary".to_string(),
                "/iam-onboard/".to_string()
            ))
        );
        drop(state);
        assert_eq!(count(&api, "sso:ProvisionPermissionSet"), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_boundary_that_cannot_be_set_or_checked_is_a_warning_every_time() {
        let api = Arc::new(MemorySso::new(Behaviour {
            no_boundary_calls: true,
            ..Behaviour::default()
        }));
        let created = run(&api, &request(&["111111111111"], true)).await.unwrap();
        assert!(
            created.permission_sets[0].1.warnings[0].contains("has no permissions boundary"),
            "{:?}",
            created.permission_sets[0].1.warnings
        );
        let again = run(&api, &request(&["111111111111"], false)).await.unwrap();
        assert_eq!(again.permission_sets[0].1.action, "unchanged");
        assert!(
            again.permission_sets[0].1.warnings[0]
                .contains("could not check the permissions boundary"),
            "{:?}",
            again.permission_sets[0].1.warnings
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_permission_set_this_tool_did_not_make_is_refused() {
        let api = Arc::new(MemorySso::new(Behaviour::default()));
        let spec = PermissionSetSpec {
            name: "developer".to_string(),
            description: "hand-made".to_string(),
            session_duration: "PT1H".to_string(),
        };
        api.create_permission_set(INSTANCE_ARN, &spec)
            .await
            .unwrap();
        let err = run(&api, &request(&["111111111111"], true))
            .await
            .unwrap_err();
        assert_eq!(err.exit_code(), exit::BAD_INPUT, "{err}");
        assert!(
            api.state.lock().unwrap().users.is_empty(),
            "nothing created"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_missing_person_without_create_user_is_bad_input() {
        let api = Arc::new(MemorySso::new(Behaviour::default()));
        let err = run(&api, &request(&["111111111111"], false))
            .await
            .unwrap_err();
        assert_eq!(err.exit_code(), exit::BAD_INPUT);
        assert!(api.calls().is_empty(), "nothing changed: {:?}", api.calls());
    }

    #[tokio::test(start_paused = true)]
    async fn an_interrupt_undoes_the_assignments_made() {
        // Each operation takes 20 polls (about a minute of backoff): Ctrl-C comes after 2 s,
        // while the assignment is IN_PROGRESS; undoing it then takes its own 20 polls.
        let api = Arc::new(MemorySso::new(Behaviour {
            polls_before_done: 20,
            ..Behaviour::default()
        }));
        let interrupted = tokio::time::sleep(Duration::from_secs(2));
        let err = assign(
            api.clone(),
            &request(&["111111111111"], true),
            Patience::default(),
            interrupted,
        )
        .await
        .unwrap_err();
        assert_eq!(err.exit_code(), exit::INTERRUPTED, "{err}");
        let state = api.state.lock().unwrap();
        assert!(state.assignments.is_empty());
        assert!(state.users.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn offboarding_from_sso_removes_every_assignment_then_the_person() {
        let api = Arc::new(MemorySso::new(Behaviour {
            polls_before_done: 2,
            ..Behaviour::default()
        }));
        run(&api, &request(&["111111111111", "222222222222"], true))
            .await
            .unwrap();
        let finance = TemplateSet::embedded()
            .unwrap()
            .get("finance")
            .unwrap()
            .clone();
        run(&api, &giving(request(&["333333333333"], false), finance))
            .await
            .unwrap();

        let plan = plan_sso_offboard(api.as_ref(), "bob", None, false)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            plan.assignments.len(),
            3,
            "across accounts and permission sets"
        );
        let removed = offboard_sso(api.clone(), &plan, Patience::default())
            .await
            .unwrap();
        assert_eq!(removed.len(), 4);
        assert!(
            removed
                .last()
                .unwrap()
                .starts_with("identitystore:DeleteUser")
        );
        {
            let state = api.state.lock().unwrap();
            assert!(state.assignments.is_empty() && state.users.is_empty());
        }
        assert!(
            plan_sso_offboard(api.as_ref(), "bob", None, false)
                .await
                .unwrap()
                .is_none()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn keep_identity_leaves_the_person_in_the_store() {
        let api = Arc::new(MemorySso::new(Behaviour::default()));
        run(&api, &request(&["111111111111"], true)).await.unwrap();
        let plan = plan_sso_offboard(api.as_ref(), "bob", None, true)
            .await
            .unwrap()
            .unwrap();
        offboard_sso(api.clone(), &plan, Patience::default())
            .await
            .unwrap();
        let state = api.state.lock().unwrap();
        assert!(state.assignments.is_empty());
        assert_eq!(state.users.len(), 1);
    }
}
