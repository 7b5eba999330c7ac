//! The `assign` request, validated: the identity-store user name, and the accounts with the
//! template given in each (named, or from the template's account sets).

use crate::aws::NewPerson;
use crate::config::{Config, SsoAccess};
use crate::error::InputError;
use crate::fields::IDENTITY_TEXT;
use crate::names::validate_identity_user_name;
use crate::template::{Template, TemplateSet};

/// One account and the template whose access the person gets there.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) account: String,
    pub(crate) template: Template,
}

/// The accounts and the template given in each: the `accounts` named get `template`; without
/// any, each account set the template names (in the configuration file) gets the template it
/// says. An account given two different templates is refused.
pub(crate) fn resolve_targets(
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

/// `assign`'s values as an edge received them (flags, prompts, a CSV row), not yet checked.
#[derive(Debug, Clone, Default)]
pub(crate) struct AssignInput {
    pub(crate) user_name: String,
    pub(crate) template: String,
    pub(crate) accounts: Vec<String>,
    /// Who to create when the person is missing.
    pub(crate) create: Option<PersonInput>,
    pub(crate) instance_arn: Option<String>,
    /// `--until`: the person's end date, as given.
    pub(crate) until: Option<String>,
}

/// A person to create in the identity store, as given.
#[derive(Debug, Clone, Default)]
pub(crate) struct PersonInput {
    pub(crate) email: String,
    pub(crate) given_name: String,
    pub(crate) family_name: String,
    /// Default: the given and family name.
    pub(crate) display_name: Option<String>,
}

impl PersonInput {
    /// The person a CSV row names whole (email, given and family name, with a display name or
    /// not); `None` when it names none of the three, and an error when it names only some.
    pub(crate) fn named_whole(
        email: Option<String>,
        given_name: Option<String>,
        family_name: Option<String>,
        display_name: Option<String>,
    ) -> Result<Option<Self>, InputError> {
        match (email, given_name, family_name) {
            (Some(email), Some(given_name), Some(family_name)) => Ok(Some(PersonInput {
                email,
                given_name,
                family_name,
                display_name,
            })),
            (None, None, None) => Ok(None),
            _ => Err(InputError::new(
                "given_name",
                "email, given_name and family_name go together (all three create the person when missing)",
            )),
        }
    }
}

/// An identity-store name or email (given, family, display): not blank, and by the identity
/// store's rule for its text fields.
pub(crate) fn validate_person_name(field: &str, value: &str) -> Result<(), InputError> {
    let checked = if value.trim().is_empty() {
        Err("must not be blank".to_string())
    } else {
        IDENTITY_TEXT.check(value)
    };
    checked.map_err(|why| InputError::new(field, format!("{}: {why}", crate::names::shown(value))))
}

/// A validated `assign` request.
#[derive(Debug, Clone)]
pub(crate) struct AssignRequest {
    pub(crate) user_name: String,
    /// The template asked for.
    pub(crate) template: Template,
    /// Each account once, with the template to give there.
    pub(crate) targets: Vec<Target>,
    /// With `--create-user`: who to create when the person is missing.
    pub(crate) create: Option<NewPerson>,
    pub(crate) instance_arn: Option<String>,
    /// Through a group per template (the accounts came from the template's account sets and
    /// the configuration does not say `"sso_access": "users"`), or to the person.
    pub(crate) access: SsoAccess,
    /// The person's end date (`YYYY-MM-DD`), recorded with their access.
    pub(crate) until: Option<String>,
}

impl AssignRequest {
    /// The one constructor every edge calls, so the same value gets the same answer whether it
    /// came from a flag, a prompt or a CSV row.
    pub(crate) fn new(
        input: AssignInput,
        templates: &TemplateSet,
        config: &Config,
    ) -> Result<Self, InputError> {
        validate_identity_user_name(&input.user_name)?;
        let template = templates.get(&input.template)?.clone();
        for account in &input.accounts {
            crate::names::validate_account_id(account)?;
        }
        let targets = resolve_targets(&template, &input.accounts, templates, config)?;
        let until = input
            .until
            .as_deref()
            .map(|date| crate::iam::end_date::parse_date("--until", date))
            .transpose()?;
        let create = match input.create {
            None => None,
            Some(person) => {
                crate::names::validate_email("--email", &person.email)?;
                validate_person_name("--email", &person.email)?;
                validate_person_name("--given-name", &person.given_name)?;
                validate_person_name("--family-name", &person.family_name)?;
                let display_name = person
                    .display_name
                    .unwrap_or_else(|| format!("{} {}", person.given_name, person.family_name));
                validate_person_name("--display-name", &display_name)?;
                Some(NewPerson {
                    user_name: input.user_name.clone(),
                    display_name,
                    given_name: person.given_name,
                    family_name: person.family_name,
                    email: person.email,
                })
            }
        };
        let access = if input.accounts.is_empty() {
            config.sso_access
        } else {
            SsoAccess::Users
        };
        Ok(AssignRequest {
            user_name: input.user_name,
            template,
            targets,
            create,
            instance_arn: input.instance_arn,
            access,
            until,
        })
    }

    /// The distinct templates of the targets, in first-seen order.
    pub(crate) fn templates(&self) -> Vec<&Template> {
        let mut seen: Vec<&Template> = Vec::new();
        for target in &self.targets {
            if !seen.iter().any(|t| t.name == target.template.name) {
                seen.push(&target.template);
            }
        }
        seen
    }
}
