//! Job-function roles: what a role template's role is (`iam-onboard-<template>` under
//! `/iam-onboard/`), its trust policy, the inline policy of the template's group that lets its
//! people assume it, and what a person needs to use it (the console's switch-role link and an
//! AWS CLI profile). Also what an audit checks a trust policy still requires.
//!
//! The trust lets principals of this account assume the role only with MFA
//! (`aws:MultiFactorAuthPresent`), only as themselves (`sts:RoleSessionName` equal to
//! `${aws:username}`, so each session and each CloudTrail line names the person), and only as
//! IAM users tagged with this template (`aws:PrincipalTag/iam-onboard:template`, which the tool
//! sets when it makes a person and changes on `move`, and which the people boundary forbids them
//! to change). A tag, not a list of user ARNs: people live at the path `/`, so no ARN pattern
//! picks a template's people, and a list would need rewriting on every join and leave, grow
//! past the trust policy's 2,048 characters at about thirty people, and refuse a user made
//! seconds ago as not yet a valid principal.

use crate::aws::CallerIdentity;
use crate::policy::{statements, strings};
use crate::tags::TEMPLATE_TAG;
use crate::template::{IAM_PATH, Template};
use serde_json::{Value, json};

/// The group inline policy that allows assuming the template's role.
pub(crate) const ASSUME_POLICY: &str = "iam-onboard-assume-role";
/// How the role inline policies that deny the sessions of people offboarded or moved away
/// begin: `iam-onboard-revoked.<user>.<unix time>`, one per person and time.
pub(crate) const REVOKED_POLICY_PREFIX: &str = "iam-onboard-revoked.";
const TRUST_SID: &str = "IamOnboardPeopleOfTemplate";
const MFA_KEY: &str = "aws:MultiFactorAuthPresent";
const SESSION_NAME_KEY: &str = "sts:RoleSessionName";
const OWN_NAME: &str = "${aws:username}";

/// The ARN of the template's role in the caller's account.
pub(crate) fn role_arn(caller: &CallerIdentity, role_name: &str) -> String {
    format!(
        "arn:{}:iam::{}:role{IAM_PATH}{role_name}",
        caller.partition(),
        caller.account
    )
}

/// The role's trust policy, as the template wants it.
pub(crate) fn trust_policy(template: &Template, caller: &CallerIdentity) -> Value {
    let partition = caller.partition();
    let account = &caller.account;
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": TRUST_SID,
            "Effect": "Allow",
            "Principal": { "AWS": format!("arn:{partition}:iam::{account}:root") },
            "Action": "sts:AssumeRole",
            "Condition": {
                "Bool": { MFA_KEY: "true" },
                "StringEquals": {
                    SESSION_NAME_KEY: OWN_NAME,
                    format!("aws:PrincipalTag/{TEMPLATE_TAG}"): template.name,
                },
                "ArnLike": { "aws:PrincipalArn": format!("arn:{partition}:iam::{account}:user/*") },
            },
        }],
    })
}

/// The group's inline policy: `sts:AssumeRole` on the template's role, and nothing else.
pub(crate) fn assume_policy(role_arn: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "AssumeTheJobFunctionRole",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": role_arn,
        }],
    })
}

/// The roles an assume-role policy (the group's inline policy) allows assuming: its Allow
/// statements' `sts:AssumeRole` resources.
pub(crate) fn assumable_roles(policy: &Value) -> Vec<String> {
    statements(policy)
        .into_iter()
        .filter(|s| s["Effect"] == "Allow")
        .filter(|s| strings(&s["Action"]).contains(&"sts:AssumeRole"))
        .flat_map(|s| strings(&s["Resource"]))
        .map(str::to_string)
        .collect()
}

/// A role's name from its ARN (the part after the last `/`).
pub(crate) fn name_of(role_arn: &str) -> &str {
    role_arn.rsplit('/').next().unwrap_or(role_arn)
}

/// What a trust policy no longer requires of each session, of what the tool's trust requires:
/// MFA, and the session named after the person. Empty when both are required by every
/// statement that allows assuming the role.
pub(crate) fn trust_weakened(trust: &Value) -> Vec<&'static str> {
    let allowing: Vec<&Value> = statements(trust)
        .into_iter()
        .filter(|s| s["Effect"] == "Allow")
        .collect();
    let mut missing = Vec::new();
    let every = |check: &dyn Fn(&Value) -> bool| allowing.iter().all(|s| check(&s["Condition"]));
    if allowing.is_empty()
        || !every(&|c: &Value| c["Bool"][MFA_KEY] == "true" || c["Bool"][MFA_KEY] == true)
    {
        missing.push("MFA (aws:MultiFactorAuthPresent)");
    }
    if allowing.is_empty() || !every(&|c: &Value| c["StringEquals"][SESSION_NAME_KEY] == OWN_NAME) {
        missing.push("the session named after the person (sts:RoleSessionName = ${aws:username})");
    }
    missing
}

/// How a person uses their role: its ARN, the console link, and an AWS CLI profile.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct RoleAccess {
    pub(crate) role_arn: String,
    /// The console's switch-role link, with the account and role filled in.
    pub(crate) switch_role_link: String,
    pub(crate) cli_profile: CliProfile,
}

/// An AWS CLI profile that assumes the role with the person's MFA device, named after them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct CliProfile {
    /// The profile's name: `<user>-<template>`.
    pub(crate) name: String,
    pub(crate) role_arn: String,
    /// The profile that holds the person's own access key.
    pub(crate) source_profile: String,
    /// The person's MFA device: the one enrolled, or, while MFA is deferred, the virtual
    /// device named after them that they may make themselves.
    pub(crate) mfa_serial: String,
    pub(crate) role_session_name: String,
    pub(crate) duration_seconds: u64,
}

impl CliProfile {
    /// The profile as it goes into `~/.aws/config`.
    pub(crate) fn config_block(&self) -> String {
        format!(
            "[profile {}]\nrole_arn = {}\nsource_profile = {}\nmfa_serial = {}\nrole_session_name = {}\nduration_seconds = {}\n",
            self.name,
            self.role_arn,
            self.source_profile,
            self.mfa_serial,
            self.role_session_name,
            self.duration_seconds
        )
    }
}

impl RoleAccess {
    /// For `user_name` of `template` (a role template), whose MFA device is `mfa_serial`;
    /// `None` for a group template.
    pub(crate) fn of(
        template: &Template,
        caller: &CallerIdentity,
        user_name: &str,
        mfa_serial: &str,
    ) -> Option<Self> {
        let role_name = template.role_name()?;
        let role_arn = role_arn(caller, &role_name);
        let path = IAM_PATH.trim_matches('/');
        Some(RoleAccess {
            switch_role_link: format!(
                "https://{}/switchrole?account={}&roleName={path}/{role_name}&displayName={}",
                caller.sign_in_domain(),
                caller.account,
                template.name
            ),
            cli_profile: CliProfile {
                name: format!("{user_name}-{}", template.name),
                role_arn: role_arn.clone(),
                source_profile: user_name.to_string(),
                mfa_serial: mfa_serial.to_string(),
                role_session_name: user_name.to_string(),
                duration_seconds: template.session_secs(),
            },
            role_arn,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::TemplateSet;

    fn caller() -> CallerIdentity {
        CallerIdentity {
            account: "123456789012".to_string(),
            arn: "arn:aws:iam::123456789012:user/admin".to_string(),
            user_id: "AIDAADMIN".to_string(),
        }
    }

    #[test]
    fn the_trust_requires_mfa_the_person_s_own_name_and_the_template_tag() {
        let set = TemplateSet::embedded().unwrap();
        let devops = set.get("devops").unwrap();
        let trust = trust_policy(devops, &caller());
        let condition = &trust["Statement"][0]["Condition"];
        assert_eq!(condition["Bool"][MFA_KEY], "true");
        assert_eq!(
            condition["StringEquals"][SESSION_NAME_KEY],
            "${aws:username}"
        );
        assert_eq!(
            condition["StringEquals"]["aws:PrincipalTag/iam-onboard:template"],
            "devops"
        );
        assert_eq!(
            trust["Statement"][0]["Principal"]["AWS"],
            "arn:aws:iam::123456789012:root"
        );
        assert!(trust_weakened(&trust).is_empty());
        let longest = crate::quotas::policy_chars(&trust.to_string()) + 32 + 10;
        assert!(longest < crate::quotas::TRUST_POLICY, "{longest}");
    }

    #[test]
    fn a_trust_without_mfa_or_the_session_name_is_named_weakened() {
        let set = TemplateSet::embedded().unwrap();
        let mut trust = trust_policy(set.get("devops").unwrap(), &caller());
        trust["Statement"][0]["Condition"]
            .as_object_mut()
            .unwrap()
            .remove("Bool");
        assert_eq!(trust_weakened(&trust), ["MFA (aws:MultiFactorAuthPresent)"]);
        trust["Statement"][0]["Condition"] = Value::Null;
        assert_eq!(trust_weakened(&trust).len(), 2);
    }

    #[test]
    fn the_profile_names_the_role_the_device_and_the_person() {
        let set = TemplateSet::embedded().unwrap();
        let access = RoleAccess::of(
            set.get("devops").unwrap(),
            &caller(),
            "alice",
            "arn:aws:iam::123456789012:mfa/alice",
        )
        .unwrap();
        assert_eq!(
            access.role_arn,
            "arn:aws:iam::123456789012:role/iam-onboard/iam-onboard-devops"
        );
        assert_eq!(
            access.switch_role_link,
            "https://signin.aws.amazon.com/switchrole?account=123456789012&roleName=iam-onboard/iam-onboard-devops&displayName=devops"
        );
        assert_eq!(
            access.cli_profile.config_block(),
            "[profile alice-devops]\nrole_arn = arn:aws:iam::123456789012:role/iam-onboard/iam-onboard-devops\nsource_profile = alice\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\nrole_session_name = alice\nduration_seconds = 14400\n"
        );
        assert!(RoleAccess::of(set.get("finance").unwrap(), &caller(), "bob", "").is_none());
        assert_eq!(
            assumable_roles(&assume_policy(&access.role_arn)),
            std::slice::from_ref(&access.role_arn)
        );
        assert_eq!(name_of(&access.role_arn), "iam-onboard-devops");
    }
}
