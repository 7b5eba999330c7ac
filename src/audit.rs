//! `audit`: the monthly IAM checklist and drift from the templates. The checks are pure
//! functions of what `gather` read in a bounded number of calls (the credential report,
//! GetAccountAuthorizationDetails, the account summary and password policy, the templates'
//! shared resources, and with `--sso` the Identity Center assignments), the thresholds and the
//! time; each finding says what to run to fix it.

pub(crate) mod across;
pub(crate) mod gather;
pub(crate) mod sso;
mod standing_admin;

use crate::aws::{AuthorizedUser, CallerIdentity, CredentialRow, PasswordRules};
use crate::clock::parse_rfc3339;
use crate::iam::offboard::{DENY_ALL_POLICY, is_deny_all_managed, user_access_cut};
use crate::iam::shared::{PolicyState, SharedState};
use crate::tags::{MANAGED_BY_TAG, MANAGED_BY_VALUE, TEMPLATE_TAG};
use crate::template::{IAM_PATH, Template, TemplateSet};
use serde::Serialize;

/// How much a finding matters; ordered, so `--fail-on` compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

/// A check: its fixed id and severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Check {
    RootMfa,
    RootAccessKey,
    RootUsed,
    ConsoleWithoutMfa,
    AccessPastEndDate,
    TemplateDrift,
    StandingAdmin,
    AccessKeyOld,
    AccessKeyUnused,
    TwoActiveKeys,
    AccessKeyAtCreation,
    PolicyOnUser,
    PasswordPolicy,
    TemplateWildcard,
    PasswordUnused,
    UnmanagedUser,
    SsoOrphanAssignment,
    SsoDirectAssignment,
    NotReviewed,
}

impl Check {
    pub(crate) fn id(self) -> &'static str {
        match self {
            Check::RootMfa => "root-mfa",
            Check::RootAccessKey => "root-access-key",
            Check::RootUsed => "root-used",
            Check::ConsoleWithoutMfa => "console-without-mfa",
            Check::AccessPastEndDate => "access-past-end-date",
            Check::TemplateDrift => "template-drift",
            Check::StandingAdmin => "standing-admin",
            Check::AccessKeyOld => "access-key-old",
            Check::AccessKeyUnused => "access-key-unused",
            Check::TwoActiveKeys => "two-active-keys",
            Check::AccessKeyAtCreation => "access-key-at-creation",
            Check::PolicyOnUser => "policy-on-user",
            Check::PasswordPolicy => "password-policy",
            Check::TemplateWildcard => "template-wildcard",
            Check::PasswordUnused => "password-unused",
            Check::UnmanagedUser => "unmanaged-user",
            Check::SsoOrphanAssignment => "sso-orphan-assignment",
            Check::SsoDirectAssignment => "sso-direct-assignment",
            Check::NotReviewed => "not-reviewed",
        }
    }

    pub(crate) fn severity(self) -> Severity {
        match self {
            Check::RootMfa
            | Check::RootAccessKey
            | Check::RootUsed
            | Check::ConsoleWithoutMfa
            | Check::AccessPastEndDate
            | Check::TemplateDrift
            | Check::StandingAdmin
            | Check::SsoOrphanAssignment => Severity::High,
            Check::AccessKeyOld
            | Check::AccessKeyUnused
            | Check::TwoActiveKeys
            | Check::PolicyOnUser
            | Check::PasswordPolicy
            | Check::TemplateWildcard
            | Check::NotReviewed => Severity::Medium,
            Check::PasswordUnused
            | Check::UnmanagedUser
            | Check::SsoDirectAssignment
            | Check::AccessKeyAtCreation => Severity::Low,
        }
    }
}

/// One finding: what, about whom, the facts, and the fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Finding {
    /// The account, in an audit across accounts (`--accounts`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) account: Option<String>,
    pub(crate) check: &'static str,
    pub(crate) severity: Severity,
    /// The ARN or name of what the finding is about.
    pub(crate) subject: String,
    pub(crate) detail: String,
    /// The `iam-onboard` command that fixes it, or the AWS step.
    pub(crate) fix: String,
}

impl Finding {
    fn new(check: Check, subject: impl Into<String>, detail: String, fix: String) -> Self {
        Finding {
            account: None,
            check: check.id(),
            severity: check.severity(),
            subject: subject.into(),
            detail,
            fix,
        }
    }
}

/// The limits the checks compare with, in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct Thresholds {
    pub(crate) key_max_age_days: u64,
    pub(crate) unused_days: u64,
    pub(crate) mfa_grace_days: u64,
    /// How long a person may go without an access review that kept them.
    pub(crate) review_days: u64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            key_max_age_days: 90,
            unused_days: 90,
            mfa_grace_days: 7,
            review_days: 90,
        }
    }
}

/// The weakest account password policy that passes: 14 characters, every class, expiry at most
/// 90 days, reuse prevention.
const POLICY_MIN_LENGTH: usize = 14;
const POLICY_MAX_AGE_DAYS: u32 = 90;

/// What the IAM checks read. A part that could not be read is `None`, and its checks are
/// skipped (with a warning from `gather`).
#[derive(Debug, Clone, Default)]
pub(crate) struct IamFacts {
    pub(crate) caller: Option<CallerIdentity>,
    pub(crate) report: Option<Vec<CredentialRow>>,
    pub(crate) users: Option<Vec<AuthorizedUser>>,
    pub(crate) root_has_mfa: Option<bool>,
    /// `Some(None)`: the account has no password policy.
    pub(crate) password_policy: Option<Option<PasswordRules>>,
    /// Each template's shared resources as found, by template name.
    pub(crate) shared: Option<Vec<(String, SharedState)>>,
}

fn days_since(when: &str, now: u64) -> Option<u64> {
    parse_rfc3339(when).map(|then| now.saturating_sub(then) / 86_400)
}

fn is_managed(user: &AuthorizedUser) -> bool {
    user.tag(MANAGED_BY_TAG) == Some(MANAGED_BY_VALUE)
}

/// Every IAM check that its facts allow, in the order of the table in the README.
pub(crate) fn iam_findings(
    facts: &IamFacts,
    templates: &TemplateSet,
    thresholds: Thresholds,
    now: u64,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    if facts.root_has_mfa == Some(false) {
        findings.push(Finding::new(
            Check::RootMfa,
            "root",
            "the root user has no MFA device (GetAccountSummary AccountMFAEnabled = 0)".to_string(),
            "sign in as the root user and assign an MFA device (IAM console > Security credentials > Assign MFA)".to_string(),
        ));
    }
    let users = facts.users.as_deref().unwrap_or_default();
    let user_named = |name: &str| users.iter().find(|u| u.name == name);
    if let Some(report) = &facts.report {
        for row in report {
            let user = user_named(&row.user);
            findings.extend(credential_findings(row, user, thresholds, now));
        }
    }
    for user in users {
        findings.extend(user_findings(user, facts, templates));
        findings.extend(past_end_date(user, now));
        findings.extend(not_reviewed(user, thresholds.review_days, now));
    }
    if let Some(policy) = &facts.password_policy {
        findings.extend(password_policy_finding(policy.as_ref()));
    }
    for template in templates.iter() {
        findings.extend(wildcard_findings(template));
    }
    if let Some(shared) = &facts.shared {
        // A template nobody uses (no group made, nobody tagged with it) is no risk: its
        // policies missing from AWS are made by the first run that uses it.
        let used = |name: &str, state: &SharedState| {
            state.group_exists || users.iter().any(|u| u.tag(TEMPLATE_TAG) == Some(name))
        };
        for (name, state) in shared.iter().filter(|(name, state)| used(name, state)) {
            if let Ok(template) = templates.get(name) {
                findings.extend(shared_drift(template, state, facts.caller.as_ref()));
                findings.extend(role_drift(template, state, facts.caller.as_ref()));
            }
        }
    }
    findings
}

/// A person whose end date (`iam-onboard:until`) has passed while their access is not cut.
fn past_end_date(user: &AuthorizedUser, now: u64) -> Option<Finding> {
    let until = user.tag(crate::tags::UNTIL_TAG)?;
    let denied = user_access_cut(user);
    let today = crate::iam::end_date::today(now);
    (crate::iam::end_date::has_passed(until, &today) && !denied).then(|| {
        Finding::new(
            Check::AccessPastEndDate,
            user.arn.clone(),
            format!("end date {until} has passed (today is {today}), and the access is not cut"),
            format!(
                "iam-onboard expire (disables everyone past their date), or iam-onboard offboard {} --disable-only",
                user.name
            ),
        )
    })
}

/// A person this tool made whose access no review has kept for `days` (counted from their
/// last review, or from their creation when never reviewed): the periodic access review.
fn not_reviewed(user: &AuthorizedUser, days: u64, now: u64) -> Option<Finding> {
    if !is_managed(user) || user_access_cut(user) {
        return None;
    }
    let reviewed = user.tag(crate::tags::REVIEWED_TAG);
    let since = reviewed
        .map(|day| format!("{day}T00:00:00Z"))
        .or_else(|| user.created.clone())?;
    let age = days_since(&since, now)?;
    (age >= days).then(|| {
        let last = match reviewed {
            Some(day) => format!("last kept by the review of {day}, {age} days ago"),
            None => format!("never reviewed, made {age} days ago"),
        };
        Finding::new(
            Check::NotReviewed,
            user.arn.clone(),
            format!("{last} (the check allows {days})"),
            "iam-onboard review start --out DIR, the reviewer decides, then iam-onboard review apply DIR".to_string(),
        )
    })
}

/// The credential report's checks for one user.
/// The credential report's name for the root user's row.
const ROOT_ROW: &str = "<root_account>";
/// How recent a use of the root user is reported: the practice's 90 days.
const ROOT_USE_DAYS: u64 = 90;
/// A key made this close to its user (seconds) was made at the user's creation.
const AT_CREATION_SECS: u64 = 10 * 60;

/// The root user's row: access keys at all, and any use in the last 90 days.
fn root_findings(row: &CredentialRow, now: u64) -> Vec<Finding> {
    let mut findings = Vec::new();
    let active: Vec<String> = row
        .access_keys_active
        .iter()
        .enumerate()
        .filter(|(_, active)| **active)
        .map(|(index, _)| (index + 1).to_string())
        .collect();
    if !active.is_empty() {
        findings.push(Finding::new(
            Check::RootAccessKey,
            "root",
            format!(
                "the root user has active access key {} (no policy can limit it)",
                active.join(" and ")
            ),
            "sign in as the root user and delete its access keys (IAM console > Security credentials > Access keys); use an IAM role or Identity Center instead".to_string(),
        ));
    }
    let uses = std::iter::once(("password", row.password_last_used.as_deref())).chain(
        row.access_keys_last_used
            .iter()
            .map(|used| ("access key", used.as_deref())),
    );
    let recent = uses
        .filter_map(|(what, used)| Some((what, used?, days_since(used?, now)?)))
        .filter(|(_, _, days)| *days < ROOT_USE_DAYS)
        .min_by_key(|(_, _, days)| *days);
    if let Some((what, when, days)) = recent {
        findings.push(Finding::new(
            Check::RootUsed,
            "root",
            format!("the root user's {what} was used {when} ({days} days ago; the check looks back {ROOT_USE_DAYS})"),
            "keep the root user for the few tasks only it can do: work through IAM roles or Identity Center, and check CloudTrail for what root did".to_string(),
        ));
    }
    findings
}

fn credential_findings(
    row: &CredentialRow,
    user: Option<&AuthorizedUser>,
    thresholds: Thresholds,
    now: u64,
) -> Vec<Finding> {
    if row.user == ROOT_ROW {
        return root_findings(row, now);
    }
    let mut findings = Vec::new();
    let subject = user.map_or_else(|| row.user.clone(), |u| u.arn.clone());
    let name = &row.user;
    let age = row.created.as_deref().and_then(|c| days_since(c, now));
    let managed = user.is_some_and(is_managed);
    if row.password_enabled && !row.mfa_active {
        let in_grace = managed && age.is_some_and(|days| days < thresholds.mfa_grace_days);
        if !in_grace {
            findings.push(Finding::new(
                Check::ConsoleWithoutMfa,
                subject.clone(),
                format!(
                    "console password and no MFA device; created {} days ago",
                    age.map_or("?".to_string(), |d| d.to_string())
                ),
                format!("iam-onboard reset-mfa {name} (enrol a device), or iam-onboard offboard {name} --disable-only"),
            ));
        }
    }
    if row.password_enabled {
        let unused = match &row.password_last_used {
            Some(used) => days_since(used, now).filter(|d| *d >= thresholds.unused_days),
            None => age.filter(|d| *d >= thresholds.unused_days),
        };
        if let Some(days) = unused {
            let when = row.password_last_used.as_deref().unwrap_or("never");
            findings.push(Finding::new(
                Check::PasswordUnused,
                subject.clone(),
                format!("console password last used {when} ({days} days)"),
                format!("aws iam delete-login-profile --user-name {name} (or iam-onboard offboard {name} --disable-only)"),
            ));
        }
    }
    for (index, active) in row.access_keys_active.iter().enumerate() {
        if !active {
            continue;
        }
        let key = index + 1;
        let rotated = row.access_keys_last_rotated.get(index).cloned().flatten();
        let key_age = rotated.as_deref().and_then(|r| days_since(r, now));
        if let Some(days) = key_age.filter(|d| *d >= thresholds.key_max_age_days) {
            findings.push(Finding::new(
                Check::AccessKeyOld,
                format!("{subject} (access key {key})"),
                format!(
                    "active access key {key} created {} ({days} days; limit {})",
                    rotated.as_deref().unwrap_or("?"),
                    thresholds.key_max_age_days
                ),
                format!("iam-onboard rotate-key {name} --key-file FILE (the new key to a new 0600 file; run it again to deactivate, then delete, the old one)"),
            ));
        }
        let used = row.access_keys_last_used.get(index).cloned().flatten();
        let unused = match &used {
            Some(used) => days_since(used, now).filter(|d| *d >= thresholds.unused_days),
            None => key_age.filter(|d| *d >= thresholds.unused_days),
        };
        if let Some(days) = unused {
            findings.push(Finding::new(
                Check::AccessKeyUnused,
                format!("{subject} (access key {key})"),
                format!(
                    "active access key {key} last used {} ({days} days)",
                    used.as_deref().unwrap_or("never")
                ),
                format!("aws iam update-access-key --user-name {name} --access-key-id <id> --status Inactive, then delete it (ids: aws iam list-access-keys --user-name {name})"),
            ));
        }
        let made_with_user = match (&rotated, &row.created) {
            (Some(made), Some(created)) => parse_rfc3339(made)
                .zip(parse_rfc3339(created))
                .is_some_and(|(made, created)| made.abs_diff(created) <= AT_CREATION_SECS),
            _ => false,
        };
        if made_with_user && used.is_none() {
            findings.push(Finding::new(
                Check::AccessKeyAtCreation,
                format!("{subject} (access key {key})"),
                format!(
                    "active access key {key} was made with the user ({}) and never used",
                    row.created.as_deref().unwrap_or("?")
                ),
                format!("make keys only when a person needs one: aws iam update-access-key --user-name {name} --access-key-id <id> --status Inactive, then delete it"),
            ));
        }
    }
    if row
        .access_keys_active
        .iter()
        .filter(|active| **active)
        .count()
        >= 2
    {
        findings.push(Finding::new(
            Check::TwoActiveKeys,
            subject.clone(),
            "two active access keys: one is left over from a rotation, or shared".to_string(),
            format!("find the one in use (aws iam get-access-key-last-used), then deactivate and delete the other: aws iam update-access-key --user-name {name} --access-key-id <id> --status Inactive"),
        ));
    }
    findings
}

/// The checks of one user's attachments and tags.
fn user_findings(user: &AuthorizedUser, facts: &IamFacts, templates: &TemplateSet) -> Vec<Finding> {
    let mut findings = Vec::new();
    let name = &user.name;
    let direct: Vec<String> = user
        .attached_policies()
        .into_iter()
        .filter(|arn| !is_deny_all_managed(arn))
        .chain(
            user.inline_policies()
                .into_iter()
                .filter(|p| p != DENY_ALL_POLICY)
                .map(|p| format!("inline {p}")),
        )
        .collect();
    if !direct.is_empty() {
        let through = if is_managed(user) {
            format!("a template's group (iam-onboard move {name} --template <T>)")
        } else {
            "a group (iam-onboard changes only the people it made: see unmanaged-user)".to_string()
        };
        findings.push(Finding::new(
            Check::PolicyOnUser,
            user.arn.clone(),
            format!("attached to the user itself: {}", direct.join(", ")),
            format!("give the access through {through}, then detach: aws iam detach-user-policy / delete-user-policy --user-name {name}"),
        ));
    }
    if let Some(finding) = standing_admin::standing_admin(user) {
        findings.push(finding);
    }
    if !is_managed(user) {
        findings.push(Finding::new(
            Check::UnmanagedUser,
            user.arn.clone(),
            format!("no {MANAGED_BY_TAG}={MANAGED_BY_VALUE} tag: onboarded some other way"),
            format!("onboard the person with iam-onboard (iam-onboard show {name} shows what they have), or iam-onboard offboard {name}"),
        ));
        return findings;
    }
    let template_name = user.tag(TEMPLATE_TAG);
    let Some(template) = template_name.and_then(|t| templates.get(t).ok()) else {
        findings.push(Finding::new(
            Check::TemplateDrift,
            user.arn.clone(),
            format!(
                "template tag {} names no template of this set",
                template_name.unwrap_or("(missing)")
            ),
            format!("iam-onboard move {name} --template <T>"),
        ));
        return findings;
    };
    let mut differs = Vec::new();
    let mut fixes = Vec::new();
    if user.groups != [template.group.clone()] {
        differs.push(format!(
            "groups {:?}, the template gives [{:?}]",
            user.groups, template.group
        ));
        fixes.push(format!(
            "iam-onboard move {name} --template {}",
            template.name
        ));
    }
    if let Some(caller) = &facts.caller {
        let boundary = format!(
            "arn:{}:iam::{}:policy{IAM_PATH}{}",
            caller.partition(),
            caller.account,
            template.permissions_boundary.iam_name
        );
        if user.permissions_boundary.as_deref() != Some(boundary.as_str()) {
            differs.push(format!(
                "permissions boundary {}, the template names {boundary}",
                user.permissions_boundary.as_deref().unwrap_or("none")
            ));
            fixes.push(format!(
                "aws iam put-user-permissions-boundary --user-name {name} --permissions-boundary {boundary}"
            ));
        }
    }
    if !differs.is_empty() {
        findings.push(Finding::new(
            Check::TemplateDrift,
            user.arn.clone(),
            format!("{} (template {})", differs.join("; "), template.name),
            fixes.join("; "),
        ));
    }
    findings
}

fn password_policy_finding(policy: Option<&PasswordRules>) -> Option<Finding> {
    let fix = format!(
        "aws iam update-account-password-policy --minimum-password-length {POLICY_MIN_LENGTH} --require-uppercase-characters --require-lowercase-characters --require-numbers --require-symbols --max-password-age {POLICY_MAX_AGE_DAYS} --password-reuse-prevention 24"
    );
    let Some(policy) = policy else {
        return Some(Finding::new(
            Check::PasswordPolicy,
            "account password policy",
            "the account has no password policy".to_string(),
            fix,
        ));
    };
    let mut weaker = Vec::new();
    if policy.minimum_length < POLICY_MIN_LENGTH {
        weaker.push(format!("minimum length {}", policy.minimum_length));
    }
    for (required, class) in [
        (policy.require_uppercase, "uppercase"),
        (policy.require_lowercase, "lowercase"),
        (policy.require_numbers, "numbers"),
        (policy.require_symbols, "symbols"),
    ] {
        if !required {
            weaker.push(format!("{class} not required"));
        }
    }
    match policy.max_age_days {
        None => weaker.push("passwords never expire".to_string()),
        Some(days) if days > POLICY_MAX_AGE_DAYS => {
            weaker.push(format!("passwords expire after {days} days"));
        }
        Some(_) => {}
    }
    if policy.reuse_prevention.is_none() {
        weaker.push("earlier passwords may be reused".to_string());
    }
    (!weaker.is_empty()).then(|| {
        Finding::new(
            Check::PasswordPolicy,
            "account password policy",
            weaker.join("; "),
            fix,
        )
    })
}

/// A template policy that allows a whole service, or write actions on every resource.
fn wildcard_findings(template: &Template) -> Vec<Finding> {
    template
        .policies
        .iter()
        .filter_map(|policy| {
            let broad = crate::policy::broad_grants(&policy.document);
            (!broad.is_empty()).then(|| {
                Finding::new(
                    Check::TemplateWildcard,
                    format!("template {} policy {}", template.name, policy.name),
                    broad.join("; "),
                    format!(
                        "name the actions and resources the job needs in {} (then any iam-onboard run with the template updates the policy in AWS){}",
                        template.file_to_edit(&policy.source),
                        template.how_to_edit()
                    ),
                )
            })
        })
        .collect()
}

/// A template's policy whose document in AWS differs from its file, or a missing one.
fn shared_drift(
    template: &Template,
    state: &SharedState,
    caller: Option<&CallerIdentity>,
) -> Vec<Finding> {
    let (partition, account) = caller.map_or(("aws", "<account>"), |c| {
        (c.partition(), c.account.as_str())
    });
    template
        .managed_policies()
        .zip(&state.policies)
        .filter_map(|(policy, found)| {
            let arn = format!(
                "arn:{partition}:iam::{account}:policy{IAM_PATH}{}",
                policy.iam_name
            );
            let detail = match found {
                PolicyState::Current => return None,
                PolicyState::Missing => format!("policy {} is missing in AWS", policy.iam_name),
                PolicyState::Outdated { .. } => format!(
                    "the default version of {} differs from {}'s file",
                    policy.iam_name, template.name
                ),
            };
            Some(Finding::new(
                Check::TemplateDrift,
                arn,
                detail,
                format!(
                    "any iam-onboard new-user, move or batch run with template {} brings it up to date (a new default version)",
                    template.name
                ),
            ))
        })
        .collect()
}

/// A role template's role against the template: missing, a trust that no longer requires MFA
/// or the session named after the person (edited by hand), or a trust, maximum session,
/// boundary, attached policies or group assume-role policy other than the template's.
fn role_drift(
    template: &Template,
    state: &SharedState,
    caller: Option<&CallerIdentity>,
) -> Vec<Finding> {
    let (Some(name), Some(role)) = (template.role_name(), &state.role) else {
        return Vec::new();
    };
    let converge = format!(
        "any iam-onboard new-user, move or batch run with template {} brings the role back to the template",
        template.name
    );
    let Some(found) = &role.found else {
        return vec![Finding::new(
            Check::TemplateDrift,
            format!("role {name}"),
            format!(
                "role {name} of template {} is missing in AWS",
                template.name
            ),
            converge,
        )];
    };
    let mut differs = Vec::new();
    let weakened = crate::iam::role::trust_weakened(&found.trust);
    if !weakened.is_empty() {
        differs.push(format!(
            "its trust policy no longer requires {}: anyone it trusts can assume it without",
            weakened.join(" or ")
        ));
    }
    if let Some(caller) = caller {
        let ensured = SharedState::ensured(template, caller);
        let wanted = ensured
            .role
            .expect("a role template's ensured state has its role");
        let designed = wanted.found.expect("the ensured role exists");
        if weakened.is_empty() && found.trust != designed.trust {
            differs.push("its trust policy differs from the template's design".to_string());
        }
        if found.permissions_boundary != designed.permissions_boundary {
            differs.push(format!(
                "permissions boundary {}, the template names {}",
                found.permissions_boundary.as_deref().unwrap_or("none"),
                designed.permissions_boundary.as_deref().unwrap_or("none")
            ));
        }
        let mut attached = role.attached.clone();
        attached.sort();
        let mut policies = wanted.attached.clone();
        policies.sort();
        if attached != policies {
            differs.push(format!(
                "attached policies {attached:?}, the template gives {policies:?}"
            ));
        }
        if state.group_assume_policy != ensured.group_assume_policy {
            differs.push(format!(
                "group {}'s assume-role policy is missing or differs",
                template.group
            ));
        }
    }
    if found.max_session_secs != template.session_secs() {
        differs.push(format!(
            "maximum session {} s, the template's session_duration is {} ({} s)",
            found.max_session_secs,
            template.session_duration,
            template.session_secs()
        ));
    }
    if differs.is_empty() {
        return Vec::new();
    }
    vec![Finding::new(
        Check::TemplateDrift,
        found.arn.clone(),
        format!("{} (template {})", differs.join("; "), template.name),
        converge,
    )]
}

/// Findings in report order: most severe first, then by check and subject.
pub(crate) fn sorted(mut findings: Vec<Finding>) -> Vec<Finding> {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.check.cmp(b.check))
            .then(a.subject.cmp(&b.subject))
    });
    findings
}

#[cfg(test)]
mod tests;
