//! A template as a permission set: its policies merged into the inline policy, its boundary
//! referenced by name, its session duration. A shared resource: created, or brought up to date
//! and re-provisioned, never undone; one of that name this tool did not make is refused. The
//! revoke entries in its inline policy (see `revoke`) are not drift: ensuring keeps every one
//! that has not expired, so a later onboarding never lifts a revocation.

use crate::aws::{
    AwsError, AwsErrorKind, AwsResult, PermissionSetSpec, Sso, SsoInstance, partition_of,
};
use crate::clock::Clock;
use crate::clock::rfc3339;
use crate::error::{Error, InputError};
use crate::outcome::PermissionSetAction;
use crate::quotas::{PERMISSION_SET_INLINE_POLICY, policy_chars};
use crate::revoke::{Fitted, Revocations, session_seconds};
use crate::sso::operations::{Patience, retrying_conflicts, wait_for};
use crate::template::{AwsManagedPolicy, FORCE_MFA_POLICY, IAM_PATH, Template};
use futures_util::future::try_join_all;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Starts the description of every permission set this tool manages; one without it is
/// someone else's and is not changed.
pub(crate) const PERMISSION_SET_MARKER: &str = "[iam-onboard]";
/// Permission sets described at once while looking for the template's by name: Identity
/// Center answers about 20 requests a second.
pub(crate) const MAX_DESCRIBES_AT_ONCE: usize = 10;
/// Room a template's merged policy leaves in a permission set's inline policy for cutting
/// sessions at offboarding: the older-sessions statement and one person's entry (about 330
/// non-whitespace characters), so an offboarding always fits.
pub(crate) const REVOCATION_ROOM: usize = 512;

/// What a template becomes in Identity Center.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PermissionSetDesign {
    pub(crate) spec: PermissionSetSpec,
    pub(crate) inline_policy: Value,
    /// The customer-managed policy (name, path) used as the permissions boundary.
    pub(crate) boundary: (String, String),
    /// The AWS managed policies attached beside the inline policy.
    pub(crate) aws_managed: Vec<AwsManagedPolicy>,
}

impl PermissionSetDesign {
    /// The ARNs of its AWS managed policies, in the partition of the Identity Center instance.
    fn aws_managed_arns(&self, instance_arn: &str) -> Vec<String> {
        let partition = partition_of(instance_arn);
        self.aws_managed.iter().map(|p| p.arn(partition)).collect()
    }
}

/// The template's policies merged into one inline policy. `force-mfa` is left out: Identity
/// Center enforces MFA at sign-in, and its sessions do not carry `aws:MultiFactorAuthPresent`,
/// so the policy would deny them everything.
pub(crate) fn design_permission_set(
    template: &Template,
) -> Result<PermissionSetDesign, InputError> {
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
    let size = policy_chars(&inline_policy.to_string());
    let room = PERMISSION_SET_INLINE_POLICY - REVOCATION_ROOM;
    if size > room {
        return Err(InputError::new(
            "policies",
            format!("merged into a permission set's inline policy, the policies are {size} non-whitespace characters; AWS takes {PERMISSION_SET_INLINE_POLICY}, of which {REVOCATION_ROOM} are kept for cutting sessions at offboarding, so at most {room}"),
        )
        .in_file(&template.source));
    }
    let description = format!("{PERMISSION_SET_MARKER} {}", template.description);
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
        aws_managed: template.aws_managed_policies.clone(),
    })
}

/// Describes permission sets, `MAX_DESCRIBES_AT_ONCE` at a time: each ARN with what it is, in
/// the order given.
pub(crate) async fn describe_all(
    api: &impl Sso,
    instance_arn: &str,
    arns: &[String],
) -> AwsResult<Vec<(String, PermissionSetSpec)>> {
    let mut described = Vec::with_capacity(arns.len());
    for batch in arns.chunks(MAX_DESCRIBES_AT_ONCE) {
        let specs = try_join_all(
            batch
                .iter()
                .map(|arn| api.describe_permission_set(instance_arn, arn)),
        )
        .await?;
        described.extend(batch.iter().cloned().zip(specs));
    }
    Ok(described)
}

/// What happened to the template's permission set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PermissionSetOutcome {
    pub(crate) arn: String,
    pub(crate) action: PermissionSetAction,
    pub(crate) warnings: Vec<String>,
    /// The people whose sessions the set still denies (offboarded less than a session ago):
    /// identity-store user id → until when (Unix seconds).
    pub(crate) denied_until: BTreeMap<String, u64>,
}

/// Finds the permission set by name; creates it, or brings a changed one up to date and
/// re-provisions it to the accounts it is provisioned to. A permission set of that name that
/// this tool did not create is refused.
pub(crate) async fn ensure_permission_set(
    api: &impl Sso,
    instance: &SsoInstance,
    design: &PermissionSetDesign,
    clock: &dyn Clock,
    patience: Patience,
) -> Result<PermissionSetOutcome, Error> {
    let instance_arn = &instance.arn;
    let listed = api
        .list_permission_sets(instance_arn)
        .await
        .map_err(Error::from_aws)?;
    let mut existing = None;
    for batch in listed.chunks(MAX_DESCRIBES_AT_ONCE) {
        let described = try_join_all(
            batch
                .iter()
                .map(|arn| api.describe_permission_set(instance_arn, arn)),
        )
        .await
        .map_err(Error::from_aws)?;
        existing = batch
            .iter()
            .zip(described)
            .find(|(_, spec)| spec.name == design.spec.name)
            .map(|(arn, spec)| (arn.clone(), spec));
        if existing.is_some() {
            break;
        }
    }
    let Some((arn, current)) = existing else {
        let arn = api
            .create_permission_set(instance_arn, &design.spec, &crate::tags::managed_by())
            .await
            .map_err(Error::from_aws)?;
        api.put_inline_policy(instance_arn, &arn, &design.inline_policy.to_string())
            .await
            .map_err(Error::from_aws)?;
        attach_missing(api, instance_arn, &arn, design, &[]).await?;
        let warnings = put_boundary(api, instance_arn, &arn, design)
            .await
            .err()
            .into_iter()
            .collect();
        return Ok(PermissionSetOutcome {
            arn,
            action: PermissionSetAction::Created,
            warnings,
            denied_until: BTreeMap::new(),
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
    let (policy, boundary, managed) = tokio::join!(
        api.get_inline_policy(instance_arn, &arn),
        api.get_permissions_boundary(instance_arn, &arn),
        api.list_managed_policies(instance_arn, &arn),
    );
    let policy = policy.map_err(Error::from_aws)?;
    let managed = managed.map_err(Error::from_aws)?;
    let Desired {
        policy: desired,
        denied_until,
        mut warnings,
    } = with_unexpired_revocations(design, &current, policy.as_ref(), clock)?;
    let spec_changed = current.description != design.spec.description
        || current.session_duration != design.spec.session_duration;
    if spec_changed {
        api.update_permission_set(instance_arn, &arn, &design.spec)
            .await
            .map_err(Error::from_aws)?;
    }
    let policy_changed = policy.as_ref() != Some(&desired);
    if policy_changed {
        api.put_inline_policy(instance_arn, &arn, &desired.to_string())
            .await
            .map_err(Error::from_aws)?;
    }
    let boundary_changed = match boundary {
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
    let managed_changed = attach_missing(api, instance_arn, &arn, design, &managed).await?;
    if !(spec_changed || policy_changed || boundary_changed || managed_changed) {
        return Ok(PermissionSetOutcome {
            arn,
            action: PermissionSetAction::Unchanged,
            warnings,
            denied_until,
        });
    }
    reprovision(api, instance_arn, &arn, patience).await?;
    Ok(PermissionSetOutcome {
        arn,
        action: PermissionSetAction::Updated,
        warnings,
        denied_until,
    })
}

/// What the set's inline policy should be, and what to say about it.
struct Desired {
    policy: Value,
    /// Until when each person revoked from the set stays denied (Unix seconds).
    denied_until: BTreeMap<String, u64>,
    warnings: Vec<String>,
}

/// The template's inline policy with the set's revoke entries that have not expired (or, when
/// they no longer fit, the revocation of every older session), until when each person stays
/// denied, and a warning when the older sessions were revoked. Entries are kept for the longer of the set's session
/// durations before and after the update, since sessions already started keep the duration
/// they started with.
fn with_unexpired_revocations(
    design: &PermissionSetDesign,
    current: &PermissionSetSpec,
    policy: Option<&Value>,
    clock: &dyn Clock,
) -> Result<Desired, Error> {
    let now = clock.unix_now();
    let session_secs = session_seconds(&current.session_duration)
        .max(session_seconds(&design.spec.session_duration));
    let mut entries = Revocations::read(policy, now);
    let fitted = entries
        .fit(
            Some(&design.inline_policy),
            None,
            now,
            session_secs,
            PERMISSION_SET_INLINE_POLICY,
        )
        .map_err(|why| {
            InputError::new(
                "policies",
                format!("permission set {:?}: {why}", design.spec.name),
            )
        })?;
    let mut warnings = Vec::new();
    let desired = match fitted {
        Some(Fitted {
            policy,
            older_sessions_cut: Some(at),
        }) => {
            warnings.push(format!(
                "the revoke entries of permission set {:?} no longer fit beside its policy: every session from it issued before {} is denied instead, so the people assigned must sign in again from the access portal",
                design.spec.name,
                rfc3339(at)
            ));
            policy
        }
        Some(fitted) => fitted.policy,
        None => design.inline_policy.clone(),
    };
    Ok(Desired {
        policy: desired,
        denied_until: entries.denied_until(session_secs),
        warnings,
    })
}

/// Re-provisions the set to every account it is provisioned to and waits for it to finish,
/// retrying a ConflictException or throttling.
pub(crate) async fn reprovision(
    api: &impl Sso,
    instance_arn: &str,
    arn: &str,
    patience: Patience,
) -> Result<(), Error> {
    let started = retrying_conflicts(|| api.provision_permission_set(instance_arn, arn), patience)
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
    })
}

/// Attaches the design's AWS managed policies that `attached` lacks and detaches those it no
/// longer names (the set is the tool's own, so nothing else is attached to it by design);
/// whether anything changed. One call at a time: Identity Center answers ConflictException to
/// concurrent changes of one permission set.
async fn attach_missing(
    api: &impl Sso,
    instance_arn: &str,
    arn: &str,
    design: &PermissionSetDesign,
    attached: &[String],
) -> Result<bool, Error> {
    let wanted = design.aws_managed_arns(instance_arn);
    let attach = wanted.iter().filter(|p| !attached.contains(p));
    let detach = attached.iter().filter(|p| !wanted.contains(p));
    let mut changed = false;
    for policy in attach {
        api.attach_managed_policy(instance_arn, arn, policy)
            .await
            .map_err(Error::from_aws)?;
        changed = true;
    }
    for policy in detach {
        api.detach_managed_policy(instance_arn, arn, policy)
            .await
            .map_err(Error::from_aws)?;
        changed = true;
    }
    Ok(changed)
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
