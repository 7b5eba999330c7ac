//! The `assign` request, validated: the identity-store user name, and the accounts with the
//! template given in each (named, or from the template's account sets).

use crate::aws::NewPerson;
use crate::config::Config;
use crate::error::InputError;
use crate::template::{Template, TemplateSet};

/// Identity Center user names: 1 to 128 characters, no spaces or control characters.
pub(crate) fn validate_identity_user_name(name: &str) -> Result<(), InputError> {
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
}

impl AssignRequest {
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
