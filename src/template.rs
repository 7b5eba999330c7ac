//! Job-function templates: what a developer, a devops engineer, an auditor or a finance person
//! gets. Owns the template file format, the embedded set, loading a replacement set from
//! `--templates DIR`, and validation (structure, names, tags and every policy document).
//!
//! A template set is a folder: one `NAME.json` per template and `policies/POLICY.json` for the
//! policy documents templates refer to. Each policy becomes the customer-managed policy
//! `iam-onboard-POLICY` under the IAM path `/iam-onboard/`.

use crate::aws::aws_managed_policy_name;
use crate::error::InputError;
use crate::names;
use crate::policy;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The IAM path of every policy and group the tool manages.
pub(crate) const IAM_PATH: &str = "/iam-onboard/";
/// Prefix of the IAM name of each template policy.
pub(crate) const POLICY_NAME_PREFIX: &str = "iam-onboard-";
/// The shared policy that keeps a person to MFA self-service until MFA is present.
pub(crate) const FORCE_MFA_POLICY: &str = "force-mfa";

include!(concat!(env!("OUT_DIR"), "/embedded_templates.rs"));

/// How a template's users use MFA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum MfaRequirement {
    /// The force-MFA policy applies: nothing but MFA self-service until MFA is present.
    Required,
    /// MFA is offered but not enforced by policy.
    Optional,
}

impl MfaRequirement {
    /// As the template file writes it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            MfaRequirement::Required => "required",
            MfaRequirement::Optional => "optional",
        }
    }
}

/// How a template's people get its permissions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Access {
    /// The template's group holds its policies: the person's own credentials carry them.
    #[default]
    Group,
    /// The role `iam-onboard-<template>` holds them; the person assumes it with MFA, as
    /// themselves, and their group grants only MFA self-service and that one assumption.
    Role,
}

/// A template file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateFile {
    description: String,
    group: String,
    policies: Vec<String>,
    permissions_boundary: String,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    console_access: bool,
    mfa: MfaRequirement,
    /// Through the group (the default) or a role assumed with MFA.
    #[serde(default)]
    access: Access,
    /// Session length, ISO 8601 whole hours (`PT8H`), 1 to 12 hours: an Identity Center
    /// session's, and a role template's role's maximum session.
    #[serde(default = "default_session_duration")]
    session_duration: String,
    /// For `assign` without `--account`: the template to give in each named account set of
    /// the configuration file (`{"dev": "developer", "prod": "developer-readonly"}`).
    #[serde(default)]
    account_sets: BTreeMap<String, String>,
    /// Findings of `templates lint` this template carries on purpose, each with why.
    #[serde(default)]
    accepted: Vec<Accepted>,
    /// AWS managed policies, by name (`SecurityAudit`), path and name
    /// (`job-function/ViewOnlyAccess`) or ARN, attached beside the template's own policies.
    #[serde(default)]
    aws_managed_policies: Vec<String>,
}

/// An AWS managed policy a template names: AWS writes and keeps its document current.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct AwsManagedPolicy {
    /// Its path below `/` and its name: `SecurityAudit`, `job-function/ViewOnlyAccess`.
    pub(crate) path_and_name: String,
}

impl AwsManagedPolicy {
    /// Reads a reference as a template writes it: a name, a path and a name, or an ARN.
    pub(crate) fn parse(reference: &str) -> Result<Self, String> {
        let path_and_name = if reference.starts_with("arn:") {
            let partition = reference.split(':').nth(1).unwrap_or_default();
            match aws_managed_policy_name(reference) {
                Some(path_and_name) if ["aws", "aws-cn", "aws-us-gov"].contains(&partition) => {
                    path_and_name
                }
                _ => {
                    return Err(format!(
                        "{reference:?} is not the ARN of an AWS managed policy (arn:aws:iam::aws:policy/NAME)"
                    ));
                }
            }
        } else {
            reference.trim_start_matches('/')
        };
        let mut segments: Vec<&str> = path_and_name.split('/').collect();
        let name = segments.pop().unwrap_or_default();
        crate::fields::IAM_POLICY_NAME
            .check(name)
            .map_err(|why| format!("{reference:?}: the policy name {why}"))?;
        if let Some(bad) = segments
            .iter()
            .find(|s| crate::fields::IAM_POLICY_NAME.check(s).is_err())
        {
            return Err(format!(
                "{reference:?}: the path segment {bad:?} is not one IAM takes (A-Z a-z 0-9 + = , . @ _ -)"
            ));
        }
        Ok(AwsManagedPolicy {
            path_and_name: path_and_name.to_string(),
        })
    }

    /// Its ARN in a partition (`aws`, `aws-cn`, `aws-us-gov`).
    pub(crate) fn arn(&self, partition: &str) -> String {
        format!("arn:{partition}:iam::aws:policy/{}", self.path_and_name)
    }
}

/// A lint finding a template carries on purpose: the rule's id, and why, shown with it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Accepted {
    pub(crate) finding: String,
    pub(crate) why: String,
}

fn default_session_duration() -> String {
    "PT8H".to_string()
}

/// Identity Center accepts sessions of 1 to 12 hours.
fn validate_session_duration(text: &str) -> Result<(), String> {
    let hours = text
        .strip_prefix("PT")
        .and_then(|rest| rest.strip_suffix('H'))
        .and_then(|n| n.parse::<u8>().ok());
    match hours {
        Some(1..=12) => Ok(()),
        _ => Err(format!("{text:?}: give whole hours from PT1H to PT12H")),
    }
}

/// A policy document of the set, checked.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PolicyDocument {
    /// The file stem, as templates refer to it.
    pub(crate) name: String,
    /// The customer-managed policy's IAM name.
    pub(crate) iam_name: String,
    /// The document, parsed.
    pub(crate) document: serde_json::Value,
    /// Its file, as messages name it.
    pub(crate) source: String,
}

/// A checked template.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Template {
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) group: String,
    pub(crate) policies: Vec<PolicyDocument>,
    pub(crate) permissions_boundary: PolicyDocument,
    pub(crate) tags: Vec<(String, String)>,
    pub(crate) console_access: bool,
    pub(crate) mfa: MfaRequirement,
    pub(crate) access: Access,
    pub(crate) session_duration: String,
    /// Account set name → the template given there.
    pub(crate) account_sets: BTreeMap<String, String>,
    /// Lint findings carried on purpose.
    pub(crate) accepted: Vec<Accepted>,
    /// AWS managed policies attached beside its own: to the group, or a role template's role.
    pub(crate) aws_managed_policies: Vec<AwsManagedPolicy>,
    /// Where it was read from, for messages.
    pub(crate) source: String,
    /// Compiled into the binary (no `--templates DIR`): there is no file of it to edit.
    pub(crate) built_in: bool,
}

impl Template {
    /// A file of this template's set (`source`: the template's own, or a policy's), as a fix
    /// names it: its path, or for a built-in template its path in a copy of the built-in set.
    pub(crate) fn file_to_edit(&self, source: &str) -> String {
        match self.built_in {
            true => source.trim_start_matches("templates/").to_string(),
            false => source.to_string(),
        }
    }

    /// What a fix that names files of the set ends with: for a built-in template, how to get
    /// the copy to edit; nothing for a set of one's own.
    pub(crate) fn how_to_edit(&self) -> &'static str {
        match self.built_in {
            true => {
                "; edit a copy of the built-in set (iam-onboard templates export DIR), then run with --templates DIR"
            }
            false => "",
        }
    }

    /// The role a role template's people assume (`iam-onboard-<template>`); `None` for a
    /// group template.
    pub(crate) fn role_name(&self) -> Option<String> {
        (self.access == Access::Role).then(|| format!("{POLICY_NAME_PREFIX}{}", self.name))
    }

    /// Refuses a person this template cannot serve: a role template's people assume its role
    /// with their user name as the session name, which STS takes from 2 characters.
    pub(crate) fn admits(&self, user_name: &str) -> Result<(), InputError> {
        if self.role_name().is_none() {
            return Ok(());
        }
        crate::fields::STS_ROLE_SESSION_NAME
            .check(user_name)
            .map_err(|why| {
                InputError::new(
                    "username",
                    format!(
                        "{}: {why} (template {} works through a role assumed under the user name)",
                        names::shown(user_name),
                        self.name
                    ),
                )
            })
    }

    /// The session length in seconds: a role's `MaxSessionDuration`.
    pub(crate) fn session_secs(&self) -> u64 {
        crate::revoke::session_seconds(&self.session_duration)
    }

    /// The policies that give the template's permissions: attached to its role for a role
    /// template (all but the force-MFA policy, which keeps a user, not a role session, to MFA
    /// self-service), to its group otherwise.
    pub(crate) fn permission_policies(&self) -> impl Iterator<Item = &PolicyDocument> {
        let role = self.access == Access::Role;
        self.policies
            .iter()
            .filter(move |p| !role || p.name != FORCE_MFA_POLICY)
    }

    /// The managed policies attached to the template's group: all of its policies for a group
    /// template; for a role template only the force-MFA policy (beside the group's inline
    /// policy that allows assuming the role).
    pub(crate) fn group_policies(&self) -> impl Iterator<Item = &PolicyDocument> {
        let role = self.access == Access::Role;
        self.policies
            .iter()
            .filter(move |p| !role || p.name == FORCE_MFA_POLICY)
    }

    /// The template's policies and its boundary: every customer-managed policy it needs.
    pub(crate) fn managed_policies(&self) -> impl Iterator<Item = &PolicyDocument> {
        let boundary = &self.permissions_boundary;
        let boundary_listed = self.policies.contains(boundary);
        self.policies
            .iter()
            .chain((!boundary_listed).then_some(boundary))
    }
}

/// All templates of a set, by name.
#[derive(Debug, Clone)]
pub(crate) struct TemplateSet {
    templates: BTreeMap<String, Template>,
}

#[cfg(test)]
impl TemplateSet {
    /// Adds (or replaces) a template built by a test.
    pub(crate) fn insert_for_tests(&mut self, template: Template) {
        self.templates.insert(template.name.clone(), template);
    }
}

/// One file of a set: its path inside the set, the name to show in messages, its contents,
/// and whether it is compiled in.
struct SetFile {
    relative: String,
    shown_as: String,
    contents: String,
    built_in: bool,
}

impl TemplateSet {
    /// The templates compiled into the binary.
    pub(crate) fn embedded() -> Result<Self, InputError> {
        Self::from_files(
            EMBEDDED
                .iter()
                .map(|(relative, contents)| SetFile {
                    relative: (*relative).to_string(),
                    shown_as: format!("templates/{relative}"),
                    contents: (*contents).to_string(),
                    built_in: true,
                })
                .collect(),
        )
    }

    /// Writes the built-in set's files into `dir` (made when missing), to start a set of one's
    /// own from: every file new, or nothing written. Returns the paths written.
    pub(crate) fn export_built_in(dir: &Path) -> Result<Vec<std::path::PathBuf>, InputError> {
        let refuse = |why: String| InputError::new("<DIR>", why);
        let targets: Vec<(std::path::PathBuf, &str)> = EMBEDDED
            .iter()
            .map(|(relative, contents)| (dir.join(relative), *contents))
            .collect();
        if let Some((taken, _)) = targets.iter().find(|(path, _)| path.exists()) {
            return Err(refuse(format!(
                "{} exists already; export writes into a new or empty folder",
                taken.display()
            )));
        }
        for (path, contents) in &targets {
            let folder = path.parent().unwrap_or(dir);
            std::fs::create_dir_all(folder)
                .and_then(|()| std::fs::write(path, contents))
                .map_err(|err| refuse(format!("cannot write {}: {err}", path.display())))?;
        }
        Ok(targets.into_iter().map(|(path, _)| path).collect())
    }

    /// The set in `dir`, replacing the embedded one.
    pub(crate) fn from_dir(dir: &Path) -> Result<Self, InputError> {
        let unreadable = |path: &Path, err: std::io::Error| {
            InputError::new(
                "--templates",
                format!("cannot read {}: {err}", path.display()),
            )
        };
        let mut files = Vec::new();
        for (sub, prefix) in [(dir.to_path_buf(), ""), (dir.join("policies"), "policies/")] {
            if prefix.is_empty() || sub.is_dir() {
                let entries = std::fs::read_dir(&sub).map_err(|err| unreadable(&sub, err))?;
                for entry in entries {
                    let path = entry.map_err(|err| unreadable(&sub, err))?.path();
                    if path.extension().is_some_and(|ext| ext == "json") && path.is_file() {
                        let contents =
                            std::fs::read_to_string(&path).map_err(|err| unreadable(&path, err))?;
                        let file_name = path.file_name().unwrap_or_default().to_string_lossy();
                        files.push(SetFile {
                            relative: format!("{prefix}{file_name}"),
                            shown_as: path.display().to_string(),
                            contents,
                            built_in: false,
                        });
                    }
                }
            }
        }
        Self::from_files(files)
    }

    fn from_files(files: Vec<SetFile>) -> Result<Self, InputError> {
        let mut policies = BTreeMap::new();
        for file in files.iter().filter(|f| f.relative.starts_with("policies/")) {
            let name = stem(&file.relative, "policies/");
            validate_set_name(&name)
                .map_err(|reason| InputError::new("file name", reason).in_file(&file.shown_as))?;
            let document = policy::validate(&file.contents).map_err(|problem| {
                InputError::new(problem.field, problem.reason).in_file(&file.shown_as)
            })?;
            policies.insert(
                name.clone(),
                PolicyDocument {
                    iam_name: format!("{POLICY_NAME_PREFIX}{name}"),
                    name,
                    document,
                    source: file.shown_as.clone(),
                },
            );
        }
        let mut templates = BTreeMap::new();
        for file in files.iter().filter(|f| !f.relative.contains('/')) {
            let template = parse_template(file, &policies)?;
            templates.insert(template.name.clone(), template);
        }
        if templates.is_empty() {
            return Err(InputError::new(
                "--templates",
                "the set holds no template (NAME.json)",
            ));
        }
        for template in templates.values() {
            for (set, given) in &template.account_sets {
                validate_set_name(set).map_err(|reason| {
                    InputError::new(format!("account_sets.{set}"), reason).in_file(&template.source)
                })?;
                if !templates.contains_key(given) {
                    return Err(InputError::new(
                        format!("account_sets.{set}"),
                        format!("no template {} in the set", crate::names::shown(given)),
                    )
                    .in_file(&template.source));
                }
            }
        }
        Ok(TemplateSet { templates })
    }

    pub(crate) fn get(&self, name: &str) -> Result<&Template, InputError> {
        self.templates.get(name).ok_or_else(|| {
            InputError::new(
                "--template",
                format!(
                    "no template {}; there are: {}",
                    crate::names::shown(name),
                    self.templates
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Template> {
        self.templates.values()
    }
}

fn stem(relative: &str, prefix: &str) -> String {
    relative
        .trim_start_matches(prefix)
        .trim_end_matches(".json")
        .to_string()
}

/// Template and policy names: lower-case letters, digits and dashes, 1 to 32 characters (they
/// also name Identity Center permission sets, which allow 32).
fn validate_set_name(name: &str) -> Result<(), String> {
    let fits = !name.is_empty()
        && name.len() <= 32
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if fits {
        Ok(())
    } else {
        Err(format!(
            "{name:?}: names are 1 to 32 of lower-case letters, digits and dashes"
        ))
    }
}

/// IAM group names: 1 to 128 of letters, digits and `+ = , . @ _ -`.
fn validate_group_name(name: &str) -> Result<(), String> {
    crate::fields::IAM_GROUP_NAME
        .check(name)
        .map_err(|why| format!("{}: {why}", names::shown(name)))
}

/// The description, as the tool sends it after its marker: the description of a permission
/// set and of the template's identity-store group.
fn validate_description(description: &str) -> Result<(), String> {
    if description.trim().is_empty() {
        return Err("must not be empty".to_string());
    }
    let after_marker = |rule: &crate::fields::FieldRule| {
        let room = rule.max() - crate::sso::permission_set::PERMISSION_SET_MARKER.len() - 1;
        rule.check_within(description, room)
    };
    after_marker(&crate::fields::PERMISSION_SET_DESCRIPTION)?;
    after_marker(&crate::fields::IDENTITY_TEXT)
}

/// AWS's default quota of managed policies attached to one group or role.
pub(crate) const MAX_ATTACHED_POLICIES: usize = 10;

fn parse_template(
    file: &SetFile,
    policies: &BTreeMap<String, PolicyDocument>,
) -> Result<Template, InputError> {
    let at = |field: &str, reason: String| InputError::new(field, reason).in_file(&file.shown_as);
    let name = stem(&file.relative, "");
    validate_set_name(&name).map_err(|reason| at("file name", reason))?;
    let raw: TemplateFile = serde_json::from_str(&file.contents).map_err(|err| {
        at(
            &format!("line {} column {}", err.line(), err.column()),
            format!("not a valid template: {err}"),
        )
    })?;
    validate_description(&raw.description).map_err(|reason| at("description", reason))?;
    validate_group_name(&raw.group).map_err(|reason| at("group", reason))?;
    if raw.policies.is_empty() {
        return Err(at("policies", "must name at least one policy".to_string()));
    }
    let mut aws_managed = Vec::new();
    for (index, reference) in raw.aws_managed_policies.iter().enumerate() {
        let field = format!("aws_managed_policies[{index}]");
        let policy = AwsManagedPolicy::parse(reference).map_err(|why| at(&field, why))?;
        if aws_managed.contains(&policy) {
            return Err(at(&field, format!("{reference:?} is listed twice")));
        }
        aws_managed.push(policy);
    }
    let attached = raw.policies.len() + aws_managed.len();
    if attached > MAX_ATTACHED_POLICIES {
        return Err(at(
            "policies",
            format!(
                "{attached} policies with aws_managed_policies; AWS attaches at most {MAX_ATTACHED_POLICIES} to a group or role"
            ),
        ));
    }
    let lookup = |field: String, policy_name: &str| {
        policies.get(policy_name).cloned().ok_or_else(|| {
            at(
                &field,
                format!("no policy file policies/{policy_name}.json in the set"),
            )
        })
    };
    let mut documents = Vec::new();
    for (index, policy_name) in raw.policies.iter().enumerate() {
        if raw.policies[..index].contains(policy_name) {
            return Err(at(
                &format!("policies[{index}]"),
                format!("{policy_name:?} is listed twice"),
            ));
        }
        documents.push(lookup(format!("policies[{index}]"), policy_name)?);
    }
    let boundary = lookup(
        "permissions_boundary".to_string(),
        &raw.permissions_boundary,
    )?;
    if raw.mfa == MfaRequirement::Required && !raw.policies.iter().any(|p| p == FORCE_MFA_POLICY) {
        return Err(at(
            "policies",
            format!("mfa is \"required\", so the list must include {FORCE_MFA_POLICY:?}"),
        ));
    }
    validate_session_duration(&raw.session_duration)
        .map_err(|reason| at("session_duration", reason))?;
    if raw.access == Access::Role {
        if raw.mfa != MfaRequirement::Required {
            return Err(at(
                "mfa",
                "a role template's role is assumed with MFA only, so its people need MFA: set \"required\"".to_string(),
            ));
        }
        if raw.policies.iter().all(|p| p == FORCE_MFA_POLICY) && aws_managed.is_empty() {
            return Err(at(
                "policies",
                format!("a role template's role needs a policy besides {FORCE_MFA_POLICY:?}"),
            ));
        }
    }
    for (index, accepted) in raw.accepted.iter().enumerate() {
        if !crate::lint::is_rule(&accepted.finding) {
            return Err(at(
                &format!("accepted[{index}].finding"),
                format!(
                    "{:?} is not a finding of templates lint (its ids are in data/privilege-paths.json)",
                    accepted.finding
                ),
            ));
        }
        if accepted.why.trim().is_empty() {
            return Err(at(
                &format!("accepted[{index}].why"),
                "say why the template carries it".to_string(),
            ));
        }
    }
    let tags: Vec<(String, String)> = raw.tags.into_iter().collect();
    if let Some((key, _)) = tags.iter().find(|(key, _)| crate::tags::is_reserved(key)) {
        return Err(at(
            &format!("tags: tag {}", names::shown(key)),
            crate::tags::RESERVED_REASON.to_string(),
        ));
    }
    names::validate_tag_set(&tags)
        .map_err(|err| at(&format!("tags: {}", err.field), err.reason))?;
    let template = Template {
        name,
        description: raw.description,
        group: raw.group,
        policies: documents,
        permissions_boundary: boundary,
        tags,
        console_access: raw.console_access,
        mfa: raw.mfa,
        access: raw.access,
        session_duration: raw.session_duration,
        account_sets: raw.account_sets,
        accepted: raw.accepted,
        aws_managed_policies: aws_managed,
        source: file.shown_as.clone(),
        built_in: file.built_in,
    };
    if template.role_name().is_some() {
        // The longest account and partition the trust can be written for.
        let widest = crate::aws::CallerIdentity {
            account: "123456789012".to_string(),
            arn: "arn:aws-us-gov:iam::123456789012:root".to_string(),
            user_id: String::new(),
        };
        let trust = crate::iam::role::trust_policy(&template, &widest).to_string();
        if let Some(why) = crate::quotas::too_large(
            "the role's trust policy",
            &trust,
            crate::quotas::TRUST_POLICY,
        ) {
            return Err(at("access", why));
        }
    }
    Ok(template)
}

#[cfg(test)]
mod tests;
