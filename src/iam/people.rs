//! What people have, read only: one IAM user in full (`show`), and the account's people a line
//! each (`list`). The list is built from two account-wide reads, GetAccountAuthorizationDetails
//! and the credential report, so thousands of users cost a handful of calls, never calls per
//! user. Nothing here is a secret: key ids and device serial numbers are identifiers.

use crate::accounts::{Across, Targets};
use crate::aws::{AuthorizedUser, AwsResult, CredentialRow, Iam, MfaDevice, Reach};
use crate::clock::parse_rfc3339;
use crate::iam::offboard::access_cut;
use crate::iam::plan::missing_as_empty;
use crate::iam::role_sessions::assumable_roles;
use crate::tags::{
    CREATED_BY_TAG, DISPLAY_NAME_TAG, EMAIL_TAG, MANAGED_BY_TAG, MANAGED_BY_VALUE, MFA_PENDING_TAG,
    TEMPLATE_TAG, TICKET_TAG,
};
use crate::template::TemplateSet;
use futures_util::future::try_join_all;
use serde::Serialize;

/// Everything about one IAM user.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct UserView {
    pub(crate) user_name: String,
    pub(crate) arn: String,
    pub(crate) created: Option<String>,
    /// Whether this tool made it (the `managed-by` tag).
    pub(crate) managed: bool,
    pub(crate) template: Option<String>,
    pub(crate) created_by: Option<String>,
    pub(crate) display_name: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) ticket: Option<String>,
    /// The last day of the person's access (`iam-onboard:until`).
    pub(crate) until: Option<String>,
    /// The day an access review last kept or moved the person (`iam-onboard:reviewed`).
    pub(crate) reviewed: Option<String>,
    pub(crate) groups: Vec<String>,
    /// The group the template gives, and whether the user's groups are exactly it.
    pub(crate) template_group: Option<String>,
    pub(crate) groups_match_template: Option<bool>,
    /// The job-function roles the user's groups let them assume (with MFA, as themselves).
    pub(crate) roles: Vec<RoleView>,
    /// Policies attached to the user itself rather than through a group: flagged, since least
    /// privilege gives access through the template's group.
    pub(crate) direct_policies: Vec<String>,
    pub(crate) permissions_boundary: Option<String>,
    pub(crate) console: Option<ConsoleView>,
    pub(crate) mfa_devices: Vec<MfaDevice>,
    pub(crate) mfa_pending: Option<String>,
    pub(crate) access_keys: Vec<KeyView>,
    /// Offboarding's deny-all left this user without access (`offboard --disable-only`, a sync
    /// leaver, `expire`).
    pub(crate) access_cut: bool,
    pub(crate) tags: Vec<(String, String)>,
}

/// A role a person can assume.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct RoleView {
    pub(crate) name: String,
    pub(crate) arn: String,
    pub(crate) max_session_secs: u64,
}

/// The console password: when made, when last used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct ConsoleView {
    pub(crate) created: Option<String>,
    pub(crate) last_used: Option<String>,
}

/// An access key, never its secret.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct KeyView {
    pub(crate) id: String,
    pub(crate) status: &'static str,
    pub(crate) created: Option<String>,
    pub(crate) age_days: Option<u64>,
    pub(crate) last_used: Option<String>,
}

/// Reads one user: the user, then everything attached at once, then when each access key was
/// last used beside the roles its groups let it assume. `None` when there is no such user.
pub(crate) async fn read_user(
    api: &impl Iam,
    user_name: &str,
    templates: &TemplateSet,
    now: u64,
) -> AwsResult<Option<UserView>> {
    let Some(user) = api.get_user(user_name).await? else {
        return Ok(None);
    };
    let (groups, attached, inline, profile, devices, keys) = tokio::try_join!(
        api.list_groups_for_user(user_name),
        api.list_attached_user_policies(user_name),
        api.list_user_policies(user_name),
        api.login_profile_created(user_name),
        api.list_mfa_devices_enabled(user_name),
        api.list_access_keys(user_name),
    )?;
    let group_names: Vec<String> = groups.iter().map(|g| g.name.clone()).collect();
    let (last_used, roles) = tokio::try_join!(
        try_join_all(
            keys.iter()
                .map(|key| missing_as_empty(api.get_access_key_last_used(&key.id)))
        ),
        assumable_roles(api, &group_names),
    )?;
    let roles = roles
        .into_iter()
        .map(|role| RoleView {
            name: role.name,
            arn: role.arn,
            max_session_secs: role.max_session_secs,
        })
        .collect();
    let keys = keys
        .into_iter()
        .zip(last_used)
        .map(|(key, last_used)| KeyView {
            age_days: key
                .created
                .as_deref()
                .and_then(parse_rfc3339)
                .map(|created| now.saturating_sub(created) / 86_400),
            id: key.id,
            status: if key.active { "Active" } else { "Inactive" },
            created: key.created,
            last_used,
        })
        .collect();
    let access_cut = access_cut(&inline, &attached);
    let mut direct_policies: Vec<String> = attached;
    direct_policies.extend(inline.iter().map(|name| format!("inline:{name}")));
    let tag = |key: &str| user.tag(key).map(str::to_string);
    let template = tag(TEMPLATE_TAG);
    let template_group = template
        .as_deref()
        .and_then(|name| templates.get(name).ok())
        .map(|t| t.group.clone());
    let groups: Vec<String> = groups.into_iter().map(|g| g.name).collect();
    let groups_match_template = template_group
        .as_ref()
        .map(|group| groups.len() == 1 && groups[0] == *group);
    Ok(Some(UserView {
        managed: user.tag(MANAGED_BY_TAG) == Some(MANAGED_BY_VALUE),
        created_by: tag(CREATED_BY_TAG),
        display_name: tag(DISPLAY_NAME_TAG),
        email: tag(EMAIL_TAG),
        ticket: tag(TICKET_TAG),
        until: tag(crate::tags::UNTIL_TAG),
        reviewed: tag(crate::tags::REVIEWED_TAG),
        mfa_pending: tag(MFA_PENDING_TAG),
        template,
        template_group,
        groups_match_template,
        groups,
        roles,
        direct_policies,
        access_cut,
        permissions_boundary: user.permissions_boundary.clone(),
        console: profile.map(|created| ConsoleView {
            created,
            last_used: user.password_last_used.clone(),
        }),
        mfa_devices: devices,
        access_keys: keys,
        user_name: user.name,
        arn: user.arn,
        created: user.created,
        tags: user.tags,
    }))
}

/// One person of `list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct PersonLine {
    /// The account, in a list across accounts (`--accounts`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) account: Option<String>,
    pub(crate) user_name: String,
    pub(crate) template: Option<String>,
    /// Made by this tool (`managed-by=iam-onboard`).
    pub(crate) managed: bool,
    pub(crate) console: bool,
    /// `enabled`, `pending` (waiting for `reset-mfa --enable-pending`), `deferred` (made by
    /// this tool without a device: enrols at first sign-in), or `none`.
    pub(crate) mfa: &'static str,
    pub(crate) created: Option<String>,
    /// The last day of the person's access (`iam-onboard:until`).
    pub(crate) until: Option<String>,
    /// The latest console sign-in or access key use, if any (the report writes every date
    /// alike, so the latest is the greatest).
    pub(crate) last_activity: Option<String>,
    /// The person's access is cut (offboarding's deny-all, as `offboard --disable-only`, a
    /// sync's leaver or `expire` leave it): listed, but holding nothing.
    pub(crate) access_cut: bool,
}

/// Which people to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ListFilter {
    pub(crate) template: Option<String>,
    /// Also users this tool did not make.
    pub(crate) all: bool,
}

/// The people of the account, from the two account-wide reads, sorted by name.
pub(crate) fn people(
    users: &[AuthorizedUser],
    report: &[CredentialRow],
    filter: &ListFilter,
) -> Vec<PersonLine> {
    let mut lines: Vec<PersonLine> = users
        .iter()
        .filter_map(|user| {
            let managed = user.tag(MANAGED_BY_TAG) == Some(MANAGED_BY_VALUE);
            let template = user.tag(TEMPLATE_TAG).map(str::to_string);
            if !(managed || filter.all) {
                return None;
            }
            if filter
                .template
                .as_ref()
                .is_some_and(|wanted| template.as_ref() != Some(wanted))
            {
                return None;
            }
            let row = report.iter().find(|row| row.user == user.name);
            let mfa = match (row.is_some_and(|r| r.mfa_active), user.tag(MFA_PENDING_TAG)) {
                (true, _) => "enabled",
                (false, Some(_)) => "pending",
                (false, None) if managed => "deferred",
                (false, None) => "none",
            };
            let last_activity = row.and_then(last_activity);
            Some(PersonLine {
                account: None,
                user_name: user.name.clone(),
                template,
                managed,
                console: row.is_some_and(|r| r.password_enabled),
                mfa,
                created: user.created.clone(),
                until: user.tag(crate::tags::UNTIL_TAG).map(str::to_string),
                last_activity,
                access_cut: crate::iam::offboard::user_access_cut(user),
            })
        })
        .collect();
    lines.sort_by(|a, b| a.user_name.cmp(&b.user_name));
    lines
}

/// The people of each account reached, each line naming its account: the same two reads in
/// every account, the accounts at once.
pub(crate) async fn list_people_across<R: Reach>(
    targets: &Targets<'_, R>,
    filter: &ListFilter,
) -> Across<Vec<PersonLine>> {
    targets
        .across(|account, api| async move {
            let mut lines = list_people(&api, filter)
                .await
                .map_err(|err| err.to_string())?;
            for line in &mut lines {
                line.account = Some(account.clone());
            }
            Ok(lines)
        })
        .await
}

/// The user `name` in each account reached that has one: `show` in every account at once.
pub(crate) async fn read_user_across<R: Reach>(
    targets: &Targets<'_, R>,
    name: &str,
    templates: &TemplateSet,
    now: u64,
) -> Across<Option<UserView>> {
    targets
        .across(|_, api| async move {
            read_user(&api, name, templates, now)
                .await
                .map_err(|err| err.to_string())
        })
        .await
}

/// The latest console sign-in or access key use of a credential report row, if any (the report
/// writes every date alike, so the latest is the greatest).
pub(crate) fn last_activity(row: &CredentialRow) -> Option<String> {
    row.access_keys_last_used
        .iter()
        .flatten()
        .chain(&row.password_last_used)
        .max()
        .cloned()
}

/// The account's people: the two account-wide reads at once, whatever the number of users.
pub(crate) async fn list_people(api: &impl Iam, filter: &ListFilter) -> AwsResult<Vec<PersonLine>> {
    let (users, report) = tokio::try_join!(api.list_authorized_users(), api.credential_report())?;
    Ok(people(&users, &report, filter))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::memory::{ACCOUNT, MEMORY_CREATED, MemoryIam};

    const NOW: u64 = 1_796_000_000;

    fn account() -> MemoryIam {
        let api = MemoryIam::new(NOW);
        api.add_everything(
            "hand-made",
            "ops",
            &format!("arn:aws:iam::{ACCOUNT}:policy/p"),
        );
        api.add_everything(
            "alice",
            "iam-onboard-developers",
            &format!("arn:aws:iam::{ACCOUNT}:policy/p"),
        );
        api.edit_user("alice", |alice| {
            alice.tags = vec![
                (MANAGED_BY_TAG.to_string(), MANAGED_BY_VALUE.to_string()),
                (TEMPLATE_TAG.to_string(), "developer".to_string()),
                (EMAIL_TAG.to_string(), "alice@example.com".to_string()),
            ];
            alice.mfa_devices.clear();
        });
        api
    }

    #[tokio::test]
    async fn show_reads_everything_and_flags_what_differs_from_the_template() {
        let api = account();
        let templates = TemplateSet::embedded().unwrap();
        let alice = read_user(&api, "alice", &templates, NOW)
            .await
            .unwrap()
            .unwrap();
        assert!(alice.managed);
        assert_eq!(alice.template.as_deref(), Some("developer"));
        assert_eq!(alice.email.as_deref(), Some("alice@example.com"));
        assert_eq!(alice.groups_match_template, Some(true));
        assert_eq!(
            alice.direct_policies,
            [
                format!("arn:aws:iam::{ACCOUNT}:policy/p"),
                "inline:inline-a".to_string(),
                "inline:inline-b".to_string()
            ],
            "policies attached to the user itself are flagged"
        );
        assert_eq!(
            alice.console.as_ref().unwrap().created.as_deref(),
            Some(MEMORY_CREATED)
        );
        let key = &alice.access_keys[0];
        assert_eq!((key.id.as_str(), key.status), ("AKIA1", "Active"));
        assert_eq!(key.last_used.as_deref(), Some("2026-11-01T09:30:00Z"));
        assert_eq!(key.age_days, Some((NOW - 1_793_523_600) / 86_400));
        let text = serde_json::to_string(&alice).unwrap();
        assert!(
            !text.contains("secret") && !text.contains("password\":\""),
            "{text}"
        );
        assert!(
            read_user(&api, "nobody", &templates, NOW)
                .await
                .unwrap()
                .is_none()
        );
    }

    #[tokio::test]
    async fn list_shows_the_tools_people_and_with_all_everyone() {
        let api = account();
        let managed = list_people(&api, &ListFilter::default()).await.unwrap();
        assert_eq!(managed.len(), 1, "{managed:?}");
        let alice = &managed[0];
        assert_eq!(
            (
                alice.user_name.as_str(),
                alice.template.as_deref(),
                alice.console,
                alice.mfa
            ),
            ("alice", Some("developer"), true, "deferred")
        );
        let everyone = list_people(
            &api,
            &ListFilter {
                all: true,
                ..ListFilter::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(everyone.len(), 2);
        assert_eq!(
            (everyone[1].user_name.as_str(), everyone[1].mfa),
            ("hand-made", "enabled")
        );
        let finance = list_people(
            &api,
            &ListFilter {
                template: Some("finance".to_string()),
                all: true,
            },
        )
        .await
        .unwrap();
        assert!(finance.is_empty());
        assert!(!alice.access_cut && !everyone[1].access_cut);
    }

    #[tokio::test]
    async fn list_says_whose_access_is_cut() {
        let api = account();
        api.edit_user("alice", |alice| {
            alice.inline_policies.insert(
                crate::iam::offboard::DENY_ALL_POLICY.to_string(),
                Default::default(),
            );
        });
        let managed = list_people(&api, &ListFilter::default()).await.unwrap();
        assert!(managed[0].access_cut, "{managed:?}");
    }

    #[test]
    fn last_activity_is_the_latest_sign_in_or_key_use() {
        let user = AuthorizedUser {
            name: "bob".to_string(),
            arn: "arn:aws:iam::1:user/bob".to_string(),
            created: None,
            tags: vec![(MANAGED_BY_TAG.to_string(), MANAGED_BY_VALUE.to_string())],
            groups: Vec::new(),
            permissions_boundary: None,
            held: Vec::new(),
        };
        let row = CredentialRow {
            user: "bob".to_string(),
            created: None,
            access_keys_last_rotated: vec![None, None],
            password_enabled: true,
            password_last_used: Some("2026-11-02T10:00:00+00:00".to_string()),
            mfa_active: false,
            access_keys_active: vec![true, false],
            access_keys_last_used: vec![Some("2026-11-20T08:00:00+00:00".to_string()), None],
        };
        let lines = people(&[user], &[row], &ListFilter::default());
        assert_eq!(
            lines[0].last_activity.as_deref(),
            Some("2026-11-20T08:00:00+00:00")
        );
    }
}
