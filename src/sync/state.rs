//! The people this tool manages, as `sync` and `expire` plan from them, read with account-wide
//! listings whatever their number: IAM users with GetAccountAuthorizationDetails (a page a
//! call); Identity Center people from the one reading of Identity Center the audit makes too
//! (`audit::sso::gather_sso`: the store's users and groups, the members of this tool's groups,
//! a listing a group, and the assignments of the permission sets, a listing a set and
//! account). And the fingerprint of that reading, which a saved plan carries.

use crate::audit::sso::{SsoFacts, gather_sso};
use crate::aws::{AuthorizedUser, CallerIdentity, Iam, Principal, Sso};
use crate::error::Error;
use crate::iam::offboard::{OFFBOARDED_TAG, user_access_cut};
use crate::sso::end_date::date_of_group;
use crate::sso::groups::group_name;
use crate::sync::file::Kind;
use crate::tags::{MANAGED_BY_TAG, MANAGED_BY_VALUE, TEMPLATE_TAG, UNTIL_TAG};
use crate::template::TemplateSet;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// A person this tool manages, as found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct ManagedPerson {
    #[serde(default)]
    pub(crate) kind: Kind,
    pub(crate) name: String,
    /// The IAM user's ARN, or the identity-store user id.
    pub(crate) arn: String,
    pub(crate) template: Option<String>,
    pub(crate) until: Option<String>,
    /// Access cut (the deny-all in place): when, from the `iam-onboard:offboarded` tag, or
    /// an empty text when the tag is missing. Never for an Identity Center person: once their
    /// access is removed they hold nothing of this tool's.
    pub(crate) disabled_at: Option<String>,
}

/// Who is calling, and everything the account holds that a plan depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Account {
    pub(crate) caller: CallerIdentity,
    /// This tool's people, by kind and name.
    pub(crate) managed: Vec<ManagedPerson>,
    /// Every other IAM user's name: never touched, but a row naming one cannot join.
    pub(crate) unmanaged: Vec<String>,
    /// What was read: a plan changes no other kind of people.
    pub(crate) scope: ReadScope,
    /// Every user name of the identity store (lower case), when Identity Center was read: a
    /// joiner found there is given access, one not there must be created.
    pub(crate) identity_users: BTreeSet<String>,
}

/// What a sync reads: the kinds of people, and for Identity Center the accounts to look for
/// assignments in beside those each permission set is provisioned to (the export's and the
/// configuration's: a set assigned moments ago may not be listed as provisioned yet).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct ReadScope {
    pub(crate) kinds: Vec<Kind>,
    #[serde(default)]
    pub(crate) accounts: BTreeSet<String>,
}

impl ReadScope {
    /// IAM users only.
    pub(crate) fn iam() -> Self {
        ReadScope {
            kinds: vec![Kind::Iam],
            accounts: BTreeSet::new(),
        }
    }

    /// The kinds the export holds, and the accounts it and the configuration name.
    pub(crate) fn of(wanted: &[crate::sync::file::Wanted], config: &crate::config::Config) -> Self {
        ReadScope {
            kinds: [Kind::Iam, Kind::Sso]
                .into_iter()
                .filter(|kind| wanted.iter().any(|person| person.kind == *kind))
                .collect(),
            accounts: wanted
                .iter()
                .flat_map(|person| person.accounts.iter().cloned())
                .chain(config_accounts(config))
                .collect(),
        }
    }

    /// Both kinds, with the accounts the configuration names (`expire --sso`).
    pub(crate) fn both(config: &crate::config::Config) -> Self {
        ReadScope {
            kinds: vec![Kind::Iam, Kind::Sso],
            accounts: config_accounts(config).collect(),
        }
    }
}

/// The account ids the configuration's account sets name (not their tag or OU entries).
fn config_accounts(config: &crate::config::Config) -> impl Iterator<Item = String> + '_ {
    config
        .account_sets
        .values()
        .flatten()
        .filter(|entry| crate::names::validate_account_id(entry).is_ok())
        .cloned()
}

impl Account {
    /// The account as read, for the people of `scope`: the caller, and each kind's listings,
    /// at once.
    pub(crate) async fn read(
        iam: &impl Iam,
        sso: &impl Sso,
        scope: &ReadScope,
        templates: &TemplateSet,
    ) -> Result<Self, Error> {
        let reads_iam = scope.kinds.contains(&Kind::Iam);
        let reads_sso = scope.kinds.contains(&Kind::Sso);
        let iam_users = async {
            if reads_iam {
                iam.list_authorized_users().await.map_err(Error::from_aws)
            } else {
                Ok(Vec::new())
            }
        };
        let sso_people = async {
            if reads_sso {
                read_sso(sso, None, templates, &scope.accounts).await
            } else {
                Ok(SsoPeople::default())
            }
        };
        let (caller, users, people) = tokio::try_join!(
            async { iam.get_caller_identity().await.map_err(Error::from_aws) },
            iam_users,
            sso_people
        )?;
        let mut account = Self::of(caller, users);
        account.managed.extend(people.managed);
        account.identity_users = people.users;
        account.scope = scope.clone();
        Ok(account)
    }

    pub(crate) fn of(caller: CallerIdentity, users: Vec<AuthorizedUser>) -> Self {
        let mut managed = Vec::new();
        let mut unmanaged = Vec::new();
        for user in users {
            if user.tag(MANAGED_BY_TAG) != Some(MANAGED_BY_VALUE) {
                unmanaged.push(user.name);
                continue;
            }
            let denied = user_access_cut(&user);
            managed.push(ManagedPerson {
                kind: Kind::Iam,
                template: user.tag(TEMPLATE_TAG).map(str::to_string),
                until: user.tag(UNTIL_TAG).map(str::to_string),
                disabled_at: denied
                    .then(|| user.tag(OFFBOARDED_TAG).unwrap_or_default().to_string()),
                name: user.name,
                arn: user.arn,
            });
        }
        managed.sort_by(|a, b| a.name.cmp(&b.name));
        unmanaged.sort();
        Account {
            caller,
            managed,
            unmanaged,
            scope: ReadScope::iam(),
            identity_users: BTreeSet::new(),
        }
    }

    /// What a plan made from this reading depends on, a line a managed person, in name order:
    /// the account, then each person's name, template, end date and whether access is cut.
    pub(crate) fn read_lines(&self) -> Vec<String> {
        std::iter::once(format!("account {}", self.caller.account))
            .chain(self.managed.iter().map(|p| {
                let kind = match p.kind {
                    Kind::Iam => "",
                    Kind::Sso => "sso ",
                };
                format!(
                    "{kind}{} template={} until={} disabled={}",
                    p.name,
                    p.template.as_deref().unwrap_or("-"),
                    p.until.as_deref().unwrap_or("-"),
                    p.disabled_at.as_deref().unwrap_or("-"),
                )
            }))
            .collect()
    }

    /// The SHA-256 of `read_lines`, in hex.
    pub(crate) fn fingerprint(&self) -> String {
        let mut digest = Sha256::new();
        for line in self.read_lines() {
            digest.update(line.as_bytes());
            digest.update(b"\n");
        }
        digest
            .finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }
}

/// The Identity Center people this tool manages, and every user name of the store.
#[derive(Debug, Default)]
pub(crate) struct SsoPeople {
    pub(crate) managed: Vec<ManagedPerson>,
    pub(crate) users: BTreeSet<String>,
}

/// Reads Identity Center once (`audit::sso::gather_sso`) and finds this tool's people in it.
pub(crate) async fn read_sso(
    api: &impl Sso,
    instance_arn: Option<&str>,
    templates: &TemplateSet,
    known_accounts: &BTreeSet<String>,
) -> Result<SsoPeople, Error> {
    let facts = gather_sso(api, instance_arn, known_accounts).await?;
    Ok(managed_people(&facts, templates))
}

/// This tool's Identity Center people in what was read: a person is managed when in a
/// template's group or given a permission set of this tool's directly, with the earliest date
/// of their end-date groups.
pub(crate) fn managed_people(facts: &SsoFacts, templates: &TemplateSet) -> SsoPeople {
    let template_of_group: BTreeMap<String, String> = templates
        .iter()
        .map(|t| (group_name(&t.name), t.name.clone()))
        .collect();
    let mut templates_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut until_of: BTreeMap<&str, &str> = BTreeMap::new();
    for (group, members) in &facts.tool_groups {
        let meaning = match (
            template_of_group.get(&group.name),
            date_of_group(&group.name, &group.description),
        ) {
            (Some(template), _) => GroupMeaning::Template(template),
            (None, Some(date)) => GroupMeaning::Until(date),
            (None, None) => continue,
        };
        for user_id in members {
            match meaning {
                GroupMeaning::Template(template) => {
                    templates_of.entry(user_id).or_default().insert(template);
                }
                GroupMeaning::Until(date) => {
                    let earliest = until_of.entry(user_id).or_insert(date);
                    if date < *earliest {
                        *earliest = date;
                    }
                }
            }
        }
    }
    for assignment in facts
        .assignments
        .iter()
        .filter(|a| a.managed && a.principal == Principal::User)
    {
        templates_of
            .entry(&assignment.principal_id)
            .or_default()
            .insert(&assignment.permission_set);
    }
    let mut managed: Vec<ManagedPerson> = templates_of
        .into_iter()
        .filter_map(|(user_id, templates)| {
            Some(ManagedPerson {
                kind: Kind::Sso,
                name: facts.users.get(user_id)?.clone(),
                arn: user_id.to_string(),
                template: Some(templates.into_iter().collect::<Vec<_>>().join("+")),
                until: until_of.get(user_id).map(|date| date.to_string()),
                disabled_at: None,
            })
        })
        .collect();
    managed.sort_by(|a, b| a.name.cmp(&b.name));
    SsoPeople {
        managed,
        users: facts
            .users
            .values()
            .map(|name| name.to_ascii_lowercase())
            .collect(),
    }
}

/// What one of this tool's groups says of its members.
enum GroupMeaning<'a> {
    /// They hold the template's access.
    Template(&'a str),
    /// Their access ends after this date.
    Until(&'a str),
}
