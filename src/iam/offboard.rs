//! `offboard`: find everything attached to an IAM user and remove it in the order AWS needs,
//! so that DeleteUser, which refuses while any of nine kinds of attachment remains, succeeds.
//!
//! `discover` makes read calls only (concurrently; a call that fails becomes a warning, not a
//! crash). `plan_offboard` is pure: phases of changes, each independent inside. First a
//! deny-all inline policy, so what the person already holds stops working at once; then, with
//! the person unable to assume a role any more, a deny of their sessions issued until now in
//! each job-function role they could assume (see `role_sessions`); then the
//! console password, keys, MFA devices and everything else attached; then virtual MFA devices
//! and the deny itself; then the user. `execute` runs the phases, each phase's changes at once;
//! NoSuchEntity counts as already done, so an interrupted run finishes when run again.
//!
//! A user's inline policies hold 2,048 characters together (whitespace not counted): when the
//! deny-all does not fit beside the person's own, AWS's managed policy `AWSDenyAll` is attached
//! instead, so a full quota never leaves the person able to act; it goes where the deny-all
//! would, just before the user.

use crate::aws::{
    AccessKey, AuthorizedUser, AwsError, AwsErrorKind, AwsResult, CallerIdentity, GroupRef, Iam,
    ServiceCredential, UserInfo, aws_managed_policy_name, partition_of,
};
use crate::clock::{Clock, SystemClock};
use crate::error::{Error, InputError};
use crate::iam::role::REVOKED_POLICY_PREFIX;
use crate::iam::role_sessions::{AssumableRole, RoleSessionsCut, assumable_roles, cut_sessions};
use crate::names;
use crate::template::AwsManagedPolicy;
use futures_util::future::join_all;
use std::fmt;
use std::sync::{Arc, Mutex};

/// The inline policy that offboarding puts on the user first: it denies every action on every
/// resource, so what the person already holds (a console session, temporary credentials from
/// GetSessionToken, keys not yet deleted) stops working at once, even if the run stops part-way.
/// `--disable-only` keeps it; the full offboarding removes it just before the user.
pub(crate) const DENY_ALL_POLICY: &str = "iam-onboard-deny-all";
/// AWS's managed policy that denies every action, attached in the deny-all's place when the
/// user's inline policies are full.
const DENY_ALL_MANAGED: &str = "AWSDenyAll";

/// `AWSDenyAll`'s ARN in the partition of `user_arn`.
fn deny_all_managed_arn(user_arn: &str) -> String {
    AwsManagedPolicy {
        path_and_name: DENY_ALL_MANAGED.to_string(),
    }
    .arn(partition_of(user_arn))
}

/// Whether an offboarding's deny is on a user with these inline policy names and attached
/// policy ARNs: its deny-all, or `AWSDenyAll` in its place.
pub(crate) fn access_cut(inline_policies: &[String], attached_policies: &[String]) -> bool {
    inline_policies.iter().any(|name| name == DENY_ALL_POLICY)
        || attached_policies.iter().any(|arn| is_deny_all_managed(arn))
}

/// `access_cut` for a user as the account's details list it (its own policies, not its groups').
pub(crate) fn user_access_cut(user: &AuthorizedUser) -> bool {
    access_cut(&user.inline_policies(), &user.attached_policies())
}

/// Whether a managed policy is AWS's deny-all, as offboarding attaches it.
pub(crate) fn is_deny_all_managed(arn: &str) -> bool {
    aws_managed_policy_name(arn) == Some(DENY_ALL_MANAGED)
}

fn deny_all_document() -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "OffboardedByIamOnboard",
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*"
        }]
    })
    .to_string()
}

/// Tags that `--disable-only` puts on the user.
pub(crate) const OFFBOARDED_TAG: &str = "iam-onboard:offboarded";
pub(crate) const OFFBOARD_REASON_TAG: &str = "iam-onboard:offboard-reason";

/// An access key as found, with when it was last used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FoundKey {
    pub(crate) key: AccessKey,
    pub(crate) last_used: Option<String>,
}

/// Everything attached to a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Inventory {
    pub(crate) user: UserInfo,
    pub(crate) login_profile: bool,
    pub(crate) access_keys: Vec<FoundKey>,
    pub(crate) mfa_devices: Vec<String>,
    /// A virtual MFA device named after the user that no one holds (left by a deactivation).
    pub(crate) orphan_virtual_mfa: Option<String>,
    pub(crate) signing_certificates: Vec<String>,
    pub(crate) ssh_public_keys: Vec<String>,
    pub(crate) service_credentials: Vec<ServiceCredential>,
    pub(crate) inline_policies: Vec<String>,
    pub(crate) managed_policies: Vec<String>,
    pub(crate) groups: Vec<GroupRef>,
    /// The job-function roles the person's groups let them assume.
    pub(crate) roles: Vec<AssumableRole>,
    /// Discovery calls that failed: what they would have found is unknown.
    pub(crate) warnings: Vec<String>,
}

/// Discovery calls that failed in this run for a reason other than throttling (an endpoint
/// that lacks the call): later users of the same run skip them, with a warning, instead of
/// waiting through the retries again. A batch shares one; a single offboard has none.
#[derive(Debug, Default)]
pub(crate) struct KnownGaps(std::sync::Mutex<std::collections::BTreeSet<&'static str>>);

impl KnownGaps {
    fn has(&self, operation: &str) -> bool {
        self.0.lock().expect("not poisoned").contains(operation)
    }

    fn note(&self, err: &AwsError) {
        if !err.is(AwsErrorKind::Throttled) && !err.is(AwsErrorKind::NotFound) {
            self.0.lock().expect("not poisoned").insert(err.operation);
        }
    }
}

/// What a discovery call found, or a warning when it failed or was skipped as a known gap.
async fn found<T: Default>(
    operation: &'static str,
    call: impl std::future::Future<Output = AwsResult<T>>,
    gaps: Option<&KnownGaps>,
    warnings: &Mutex<Vec<String>>,
) -> T {
    let warn = |text: String| warnings.lock().expect("not poisoned").push(text);
    if gaps.is_some_and(|gaps| gaps.has(operation)) {
        warn(format!(
            "skipped {operation}: it failed earlier in this run"
        ));
        return T::default();
    }
    match call.await {
        Ok(value) => value,
        Err(err) => {
            if let Some(gaps) = gaps {
                gaps.note(&err);
            }
            warn(format!("could not list: {err}"));
            T::default()
        }
    }
}

/// Virtual MFA devices have ARN serial numbers under `:mfa/`; hardware and FIDO devices do not.
pub(crate) fn is_virtual_mfa(serial: &str) -> bool {
    serial.starts_with("arn:") && serial.contains(":mfa/")
}

/// Reads everything attached to `name`: the user and every list at once, then when each access
/// key was last used beside the roles its groups let it assume. `None` when the user does not
/// exist.
pub(crate) async fn discover(
    api: &impl Iam,
    name: &str,
    gaps: Option<&KnownGaps>,
) -> AwsResult<Option<Inventory>> {
    let warnings = Mutex::new(Vec::new());
    let w = &warnings;
    let (
        user,
        login_profile,
        access_keys,
        mfa_devices,
        unassigned,
        signing_certificates,
        ssh_public_keys,
        service_credentials,
        inline_policies,
        managed_policies,
        groups,
    ) = tokio::join!(
        api.get_user(name),
        found("iam:GetLoginProfile", api.has_login_profile(name), gaps, w),
        found("iam:ListAccessKeys", api.list_access_keys(name), gaps, w),
        found("iam:ListMFADevices", api.list_mfa_devices(name), gaps, w),
        found(
            "iam:ListVirtualMFADevices",
            api.list_unassigned_virtual_mfa_devices(),
            gaps,
            w
        ),
        found(
            "iam:ListSigningCertificates",
            api.list_signing_certificates(name),
            gaps,
            w
        ),
        found(
            "iam:ListSSHPublicKeys",
            api.list_ssh_public_keys(name),
            gaps,
            w
        ),
        found(
            "iam:ListServiceSpecificCredentials",
            api.list_service_specific_credentials(name),
            gaps,
            w
        ),
        found(
            "iam:ListUserPolicies",
            api.list_user_policies(name),
            gaps,
            w
        ),
        found(
            "iam:ListAttachedUserPolicies",
            api.list_attached_user_policies(name),
            gaps,
            w
        ),
        found(
            "iam:ListGroupsForUser",
            api.list_groups_for_user(name),
            gaps,
            w
        ),
    );
    // The lists of a user that does not exist answer NoSuchEntity: nothing to report.
    let Some(user) = user? else {
        return Ok(None);
    };
    let access_keys: Vec<AccessKey> = access_keys;
    let groups: Vec<GroupRef> = groups;
    let group_names: Vec<String> = groups.iter().map(|g| g.name.clone()).collect();
    let (keys, roles) = tokio::join!(
        join_all(access_keys.into_iter().map(|key| async {
            let last_used = found(
                "iam:GetAccessKeyLastUsed",
                api.get_access_key_last_used(&key.id),
                gaps,
                w,
            )
            .await;
            FoundKey { key, last_used }
        })),
        found(
            "iam:GetGroupPolicy",
            assumable_roles(api, &group_names),
            gaps,
            w
        ),
    );
    let own_device_suffix = format!(":mfa/{name}");
    let orphan_virtual_mfa = unassigned
        .into_iter()
        .find(|serial: &String| serial.ends_with(&own_device_suffix));
    Ok(Some(Inventory {
        user,
        login_profile,
        access_keys: keys,
        mfa_devices,
        orphan_virtual_mfa,
        signing_certificates,
        ssh_public_keys,
        service_credentials,
        inline_policies,
        managed_policies,
        groups,
        roles,
        warnings: warnings.into_inner().expect("not poisoned"),
    }))
}

/// Who is calling and everything attached to `name`, read at once: what `offboard` needs
/// before its plan.
async fn look(
    api: &impl Iam,
    name: &str,
    gaps: Option<&KnownGaps>,
) -> AwsResult<(CallerIdentity, Option<Inventory>)> {
    let (caller, inventory) = tokio::join!(api.get_caller_identity(), discover(api, name, gaps));
    Ok((caller?, inventory?))
}

/// When an earlier `--disable-only` cut the user's access: its tag, if its deny is still there.
pub(crate) fn cut_earlier(inventory: &Inventory) -> Option<String> {
    access_cut(&inventory.inline_policies, &inventory.managed_policies)
        .then(|| inventory.user.tag(OFFBOARDED_TAG).map(str::to_string))
        .flatten()
}

/// One removal, in the words of the API call that makes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Removal {
    /// The deny-all inline policy, put on before anything is removed; `AWSDenyAll`
    /// (`fallback_arn`) attached instead when the user's inline policies are full.
    DenyEverything {
        fallback_arn: String,
    },
    /// The deny-all taken off once nothing grants anything: the inline policy, or the managed
    /// one when it was attached instead (by this run, or an earlier one: `attached`).
    LiftDeny {
        fallback_arn: String,
        attached: bool,
    },
    /// A deny entry for the person's sessions of a role they could assume, issued before the
    /// time it is written, once the deny-all stops them assuming it again: what the role
    /// already issued them stops working.
    CutRoleSessions {
        role: AssumableRole,
        user: String,
    },
    DeleteLoginProfile {
        user_arn: String,
    },
    DeactivateAccessKey {
        id: String,
        last_used: Option<String>,
    },
    DeleteAccessKey {
        id: String,
    },
    DeactivateMfaDevice {
        serial: String,
    },
    DeleteVirtualMfaDevice {
        serial: String,
    },
    DeleteSigningCertificate {
        id: String,
    },
    DeleteSshPublicKey {
        id: String,
    },
    DeleteServiceCredential {
        id: String,
        service: String,
    },
    DeleteInlinePolicy {
        name: String,
    },
    DetachManagedPolicy {
        arn: String,
    },
    RemoveFromGroup {
        group: GroupRef,
    },
    TagOffboarded {
        tags: Vec<(String, String)>,
    },
    DeleteUser {
        user_arn: String,
    },
}

impl fmt::Display for Removal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Removal::DenyEverything { .. } => write!(
                f,
                "iam:PutUserPolicy PolicyName={DENY_ALL_POLICY} (denies every action: sessions and keys already handed out stop working at once; AWSDenyAll is attached instead if the user's inline policies are full)"
            ),
            Removal::LiftDeny { .. } => write!(f, "iam:DeleteUserPolicy {DENY_ALL_POLICY}"),
            Removal::CutRoleSessions { role, user, .. } => write!(
                f,
                "iam:PutRolePolicy RoleName={} PolicyName={REVOKED_POLICY_PREFIX}{user}.<now> (denies aws:userid {} issued until now: the person's sessions of the role already issued stop working)",
                role.name,
                role.session_of(user)
            ),
            Removal::DeleteLoginProfile { user_arn } => {
                write!(f, "iam:DeleteLoginProfile {user_arn} (console password)")
            }
            Removal::DeactivateAccessKey { id, last_used } => write!(
                f,
                "iam:UpdateAccessKey {id} Status=Inactive (last used {})",
                last_used.as_deref().unwrap_or("never")
            ),
            Removal::DeleteAccessKey { id } => write!(f, "iam:DeleteAccessKey {id}"),
            Removal::DeactivateMfaDevice { serial } => {
                write!(f, "iam:DeactivateMFADevice {serial}")
            }
            Removal::DeleteVirtualMfaDevice { serial } => {
                write!(f, "iam:DeleteVirtualMFADevice {serial}")
            }
            Removal::DeleteSigningCertificate { id } => {
                write!(f, "iam:DeleteSigningCertificate {id}")
            }
            Removal::DeleteSshPublicKey { id } => write!(f, "iam:DeleteSSHPublicKey {id}"),
            Removal::DeleteServiceCredential { id, service } => {
                write!(f, "iam:DeleteServiceSpecificCredential {id} ({service})")
            }
            Removal::DeleteInlinePolicy { name } => write!(f, "iam:DeleteUserPolicy {name}"),
            Removal::DetachManagedPolicy { arn } => write!(f, "iam:DetachUserPolicy {arn}"),
            Removal::RemoveFromGroup { group } => {
                write!(f, "iam:RemoveUserFromGroup {}", group.arn)
            }
            Removal::TagOffboarded { tags } => {
                let tags: Vec<String> = tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
                write!(f, "iam:TagUser {}", tags.join(" "))
            }
            Removal::DeleteUser { user_arn } => write!(f, "iam:DeleteUser {user_arn}"),
        }
    }
}

/// What the run's removals noted: how the deny was made, which the removals after it need to
/// know, and the roles whose sessions were cut, for the report.
#[derive(Debug, Default)]
struct DenyUsed {
    /// `AWSDenyAll` was attached in the deny-all's place.
    managed: std::sync::atomic::AtomicBool,
    roles_cut: Mutex<Vec<RoleSessionsCut>>,
}

impl Removal {
    async fn run(&self, api: &impl Iam, user: &str, deny: &DenyUsed, now: u64) -> AwsResult<()> {
        use std::sync::atomic::Ordering;
        match self {
            Removal::DenyEverything { fallback_arn } => {
                let put = api
                    .put_user_policy(user, DENY_ALL_POLICY, &deny_all_document())
                    .await;
                match put {
                    Err(err) if err.is(AwsErrorKind::LimitExceeded) => {
                        tracing::warn!(%err, "the user's inline policies are full: attaching AWSDenyAll instead");
                        api.attach_user_policy(user, fallback_arn).await?;
                        deny.managed.store(true, Ordering::SeqCst);
                        Ok(())
                    }
                    other => other,
                }
            }
            Removal::LiftDeny {
                fallback_arn,
                attached,
            } => {
                let managed = *attached || deny.managed.load(Ordering::SeqCst);
                let (inline, detached) =
                    tokio::join!(api.delete_user_policy(user, DENY_ALL_POLICY), async {
                        if managed {
                            api.detach_user_policy(user, fallback_arn).await
                        } else {
                            Ok(())
                        }
                    });
                let gone = |result: &AwsResult<()>| {
                    result.as_ref().is_err_and(|e| e.is(AwsErrorKind::NotFound))
                };
                match (inline, detached) {
                    (Err(err), _) | (_, Err(err)) if !err.is(AwsErrorKind::NotFound) => Err(err),
                    (inline, detached) if gone(&inline) && (!managed || gone(&detached)) => inline,
                    _ => Ok(()),
                }
            }
            Removal::CutRoleSessions { role, .. } => {
                let cut = cut_sessions(api, role, user, now).await?;
                deny.roles_cut.lock().expect("not poisoned").push(cut);
                Ok(())
            }
            Removal::DeleteLoginProfile { .. } => {
                crate::iam::undo::delete_login_profile(api, user).await
            }
            Removal::DeactivateAccessKey { id, .. } => {
                api.update_access_key_status(user, id, false).await
            }
            Removal::DeleteAccessKey { id } => api.delete_access_key(user, id).await,
            Removal::DeactivateMfaDevice { serial } => {
                api.deactivate_mfa_device(user, serial).await
            }
            Removal::DeleteVirtualMfaDevice { serial } => {
                api.delete_virtual_mfa_device(serial).await
            }
            Removal::DeleteSigningCertificate { id } => {
                api.delete_signing_certificate(user, id).await
            }
            Removal::DeleteSshPublicKey { id } => api.delete_ssh_public_key(user, id).await,
            Removal::DeleteServiceCredential { id, .. } => {
                api.delete_service_specific_credential(user, id).await
            }
            Removal::DeleteInlinePolicy { name } => api.delete_user_policy(user, name).await,
            Removal::DetachManagedPolicy { arn } => api.detach_user_policy(user, arn).await,
            Removal::RemoveFromGroup { group } => {
                api.remove_user_from_group(&group.name, user).await
            }
            Removal::TagOffboarded { tags } => api.tag_user(user, tags).await,
            Removal::DeleteUser { .. } => api.delete_user(user).await,
        }
    }
}

/// Remove everything and the user, or only cut access and keep the user for investigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OffboardMode {
    Delete,
    DisableOnly,
}

impl OffboardMode {
    /// The mode `--disable-only` asks for (given or not).
    pub(crate) fn asked(disable_only: bool) -> Self {
        if disable_only {
            OffboardMode::DisableOnly
        } else {
            OffboardMode::Delete
        }
    }
}

/// A validated `offboard` request for an IAM user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OffboardRequest {
    pub(crate) user_name: String,
    pub(crate) mode: OffboardMode,
    /// Why, kept in the `iam-onboard:offboard-reason` tag by `--disable-only`.
    pub(crate) reason: Option<String>,
}

impl OffboardRequest {
    /// The one constructor every edge calls (flags, the menu, a CSV row).
    pub(crate) fn new(
        user_name: String,
        mode: OffboardMode,
        reason: Option<String>,
    ) -> Result<Self, InputError> {
        names::validate_user_name(&user_name)?;
        if let Some(reason) = &reason {
            if mode != OffboardMode::DisableOnly {
                return Err(InputError::new(
                    "--reason",
                    "is kept in a tag only with --disable-only; a deleted user keeps no tags",
                ));
            }
            names::validate_tag(OFFBOARD_REASON_TAG, reason)
                .map_err(|err| InputError::new("--reason", err.reason))?;
        }
        Ok(OffboardRequest {
            user_name,
            mode,
            reason,
        })
    }
}

/// The removals, in phases: a phase's removals are independent of each other and may run at
/// once; each phase needs the ones before it done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OffboardPlan {
    pub(crate) user_name: String,
    pub(crate) user_arn: String,
    pub(crate) phases: Vec<Vec<Removal>>,
    /// What is deliberately left alone.
    pub(crate) kept: Vec<String>,
    pub(crate) warnings: Vec<String>,
}

impl OffboardPlan {
    pub(crate) fn removals(&self) -> impl Iterator<Item = &Removal> {
        self.phases.iter().flatten()
    }
}

/// Decides the removals. `offboarded_at` (RFC 3339) and `reason` go into the tags of
/// `--disable-only`.
pub(crate) fn plan_offboard(
    inventory: &Inventory,
    mode: OffboardMode,
    offboarded_at: &str,
    reason: Option<&str>,
) -> OffboardPlan {
    let user_arn = &inventory.user.arn;
    let mut remove = Vec::new();
    if inventory.login_profile {
        remove.push(Removal::DeleteLoginProfile {
            user_arn: user_arn.clone(),
        });
    }
    remove.extend(
        inventory
            .mfa_devices
            .iter()
            .map(|serial| Removal::DeactivateMfaDevice {
                serial: serial.clone(),
            }),
    );
    let mut then: Vec<Removal> = inventory
        .mfa_devices
        .iter()
        .chain(&inventory.orphan_virtual_mfa)
        .filter(|serial| is_virtual_mfa(serial))
        .map(|serial| Removal::DeleteVirtualMfaDevice {
            serial: serial.clone(),
        })
        .collect();
    let mut kept = Vec::new();
    let mut last = Vec::new();
    match mode {
        OffboardMode::Delete => {
            remove.extend(
                inventory
                    .access_keys
                    .iter()
                    .map(|k| Removal::DeleteAccessKey {
                        id: k.key.id.clone(),
                    }),
            );
            remove.extend(
                inventory
                    .signing_certificates
                    .iter()
                    .map(|id| Removal::DeleteSigningCertificate { id: id.clone() }),
            );
            remove.extend(
                inventory
                    .ssh_public_keys
                    .iter()
                    .map(|id| Removal::DeleteSshPublicKey { id: id.clone() }),
            );
            remove.extend(inventory.service_credentials.iter().map(|c| {
                Removal::DeleteServiceCredential {
                    id: c.id.clone(),
                    service: c.service.clone(),
                }
            }));
            remove.extend(
                inventory
                    .inline_policies
                    .iter()
                    .filter(|name| *name != DENY_ALL_POLICY)
                    .map(|name| Removal::DeleteInlinePolicy { name: name.clone() }),
            );
            remove.extend(
                inventory
                    .managed_policies
                    .iter()
                    .filter(|arn| !is_deny_all_managed(arn))
                    .map(|arn| Removal::DetachManagedPolicy { arn: arn.clone() }),
            );
            remove.extend(
                inventory
                    .groups
                    .iter()
                    .map(|group| Removal::RemoveFromGroup {
                        group: group.clone(),
                    }),
            );
            // Only once nothing grants anything any more does the deny go, just before the user.
            then.push(Removal::LiftDeny {
                fallback_arn: deny_all_managed_arn(user_arn),
                attached: inventory
                    .managed_policies
                    .iter()
                    .any(|arn| is_deny_all_managed(arn)),
            });
            if let Some(boundary) = &inventory.user.permissions_boundary {
                kept.push(format!(
                    "permissions boundary {boundary} (removing it could widen permissions)"
                ));
            }
            last.push(Removal::DeleteUser {
                user_arn: user_arn.clone(),
            });
        }
        OffboardMode::DisableOnly => {
            remove.extend(
                inventory
                    .access_keys
                    .iter()
                    .filter(|k| k.key.active)
                    .map(|found| Removal::DeactivateAccessKey {
                        id: found.key.id.clone(),
                        last_used: found.last_used.clone(),
                    }),
            );
            kept.push(format!(
                "user {} with its policies and groups, for investigation",
                inventory.user.arn
            ));
            kept.push(format!(
                "inline policy {DENY_ALL_POLICY}, which denies every action: nothing the person holds works"
            ));
            let mut tags = vec![(OFFBOARDED_TAG.to_string(), offboarded_at.to_string())];
            if let Some(reason) = reason {
                tags.push((OFFBOARD_REASON_TAG.to_string(), reason.to_string()));
            }
            remove.push(Removal::TagOffboarded { tags });
        }
    }
    let deny = vec![Removal::DenyEverything {
        fallback_arn: deny_all_managed_arn(user_arn),
    }];
    let sessions: Vec<Removal> = inventory
        .roles
        .iter()
        .map(|role| Removal::CutRoleSessions {
            role: role.clone(),
            user: inventory.user.name.clone(),
        })
        .collect();
    let phases = [deny, sessions, remove, then, last]
        .into_iter()
        .filter(|phase| !phase.is_empty())
        .collect();
    OffboardPlan {
        user_name: inventory.user.name.clone(),
        user_arn: inventory.user.arn.clone(),
        phases,
        kept,
        warnings: inventory.warnings.clone(),
    }
}

/// What a run removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Removed {
    pub(crate) done: Vec<String>,
    /// Already gone when removed (an earlier, interrupted run, or someone else).
    pub(crate) already_gone: Vec<String>,
    /// `AWSDenyAll` was attached in the deny-all's place (the user's inline policies were full).
    pub(crate) denied_by_managed_policy: bool,
    /// The roles whose sessions of the person were cut.
    pub(crate) roles_cut: Vec<RoleSessionsCut>,
}

/// Runs the phases in order, a phase's removals at once. After a phase in which something
/// failed, it stops: what is left is reported, and running again finishes.
pub(crate) async fn execute<A: Iam + Send + 'static>(
    api: Arc<A>,
    plan: &OffboardPlan,
) -> Result<Removed, Error> {
    execute_at(api, plan, &SystemClock).await
}

/// `execute` with the clock that times the role sessions' deny entries (each phase's start).
pub(crate) async fn execute_at<A: Iam + Send + 'static>(
    api: Arc<A>,
    plan: &OffboardPlan,
    clock: &dyn Clock,
) -> Result<Removed, Error> {
    let mut removed = Removed::default();
    let deny = Arc::new(DenyUsed::default());
    for (index, phase) in plan.phases.iter().enumerate() {
        let mut running = tokio::task::JoinSet::new();
        let now = clock.unix_now();
        for removal in phase.clone() {
            let (api, user, deny) = (api.clone(), plan.user_name.clone(), deny.clone());
            running.spawn(async move {
                tracing::info!(%removal, "removing");
                let result = removal.run(api.as_ref(), &user, &deny, now).await;
                (removal, result)
            });
        }
        let mut failures: Vec<(Removal, AwsError)> = Vec::new();
        while let Some(joined) = running.join_next().await {
            let (removal, result) = joined.expect("a removal task does not panic");
            match result {
                Ok(()) => removed.done.push(removal.to_string()),
                Err(err) if err.is(AwsErrorKind::NotFound) => {
                    removed.already_gone.push(removal.to_string())
                }
                Err(err) => failures.push((removal, err)),
            }
        }
        if !failures.is_empty() {
            let remaining = failures
                .iter()
                .map(|(removal, _)| removal.to_string())
                .chain(
                    plan.phases[index + 1..]
                        .iter()
                        .flatten()
                        .map(ToString::to_string),
                )
                .collect();
            let cause = failures
                .iter()
                .map(|(_, err)| err.to_string())
                .collect::<Vec<_>>()
                .join("; ");
            return Err(Error::OffboardIncomplete {
                user_arn: plan.user_arn.clone(),
                cause,
                removed: removed.done,
                remaining,
            });
        }
    }
    removed.denied_by_managed_policy = deny.managed.load(std::sync::atomic::Ordering::SeqCst);
    removed.roles_cut = std::mem::take(&mut *deny.roles_cut.lock().expect("not poisoned"));
    Ok(removed)
}

pub(crate) mod across;
mod operation;

pub(crate) use operation::{FoundAndPlanned, OffboardUser};

#[cfg(test)]
mod tests;
