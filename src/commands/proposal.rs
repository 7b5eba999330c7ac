//! What every change a person can ask for shows before it is made, written once: the account
//! and the caller, what is about to happen to whom, and each change in order (`Proposal`); and
//! how the person says yes to it (`Consent`): yes or no, or, for offboarding, the name typed.
//! `-y` gives the yes, not the plan: the plan is still shown (on stderr, unless `-q`), so a
//! run's log says what it did to which account, as whom.

use crate::error::Error;
use crate::report::Acting;
use crate::settings::Settings;
use crate::terminal::prompt::Prompter;

/// A plan as the person confirming it reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Proposal<'a> {
    pub(crate) acting: &'a Acting,
    /// What is about to happen, as in "onboard alice as developer".
    pub(crate) action: String,
    /// Each change, in order.
    pub(crate) changes: Vec<String>,
}

/// How the person says yes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Consent<'a> {
    YesNo,
    /// The name typed exactly: for changes that cannot be undone.
    TypedName(&'a str),
}

/// Whether the person is asked (on a terminal, without `-y`).
pub(crate) fn asks(settings: &Settings) -> bool {
    settings.terminal.interactive && !settings.yes
}

/// Whether what comes before a change is shown: always when the person is asked, else unless
/// `-q`.
pub(crate) fn shows(settings: &Settings) -> bool {
    asks(settings) || !settings.quiet
}

/// How many times a mistyped name may be typed again before giving up.
const TYPING_TRIES: u32 = 3;

impl Proposal<'_> {
    /// The heading, the action and the changes, as shown before the question (the action
    /// alone when the changes are not read beforehand, as `assign -y` does not).
    pub(crate) fn text(&self) -> String {
        if self.changes.is_empty() {
            return format!("{}\nAbout to {}.\n", self.acting.heading(), self.action);
        }
        let mut text = format!(
            "{}\nAbout to {}, in this order:\n",
            self.acting.heading(),
            self.action
        );
        for change in &self.changes {
            text.push_str(&format!("  {change}\n"));
        }
        text
    }

    /// Whether to go ahead: on a terminal without `-y`, the proposal shown and the person
    /// asked; else (`-y`, which is required off a terminal) the yes given, the proposal shown
    /// unless `-q`.
    pub(crate) fn agreed(
        &self,
        consent: Consent<'_>,
        settings: &Settings,
        prompter: &mut impl Prompter,
    ) -> Result<bool, Error> {
        if asks(settings) {
            return self.confirm(consent, prompter);
        }
        if shows(settings) {
            crate::report::print_err(&self.text());
        }
        Ok(true)
    }

    /// Shows the proposal on stderr and asks; whether the person said yes.
    fn confirm(&self, consent: Consent<'_>, prompter: &mut impl Prompter) -> Result<bool, Error> {
        crate::report::print_err(&self.text());
        let name = match consent {
            Consent::YesNo => return prompter.yes_no("Proceed?", false),
            Consent::TypedName(name) => name,
        };
        for attempt in 1..=TYPING_TRIES {
            let typed = prompter.text(&format!("Type {name} to confirm"), true, &|_| Ok(()))?;
            if typed == name {
                return Ok(true);
            }
            if attempt < TYPING_TRIES && !typed.is_empty() {
                prompter.tell(&format!(
                    "{typed:?} is not {name}; type it exactly, or press Enter to stop"
                ));
            } else {
                break;
            }
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proposal_names_the_account_the_caller_the_action_and_each_change_in_order() {
        let acting = Acting {
            account: "123456789012".to_string(),
            caller_arn: "arn:aws:iam::123456789012:user/admin".to_string(),
        };
        let proposal = Proposal {
            acting: &acting,
            action: "move dan".to_string(),
            changes: vec![
                "iam:RemoveUserFromGroup GroupName=iam-onboard-developers UserName=dan".to_string(),
                "iam:AddUserToGroup GroupName=iam-onboard-devops UserName=dan".to_string(),
            ],
        };
        assert_eq!(
            proposal.text(),
            "AWS account 123456789012, acting as arn:aws:iam::123456789012:user/admin\n\
             About to move dan, in this order:\n  \
             iam:RemoveUserFromGroup GroupName=iam-onboard-developers UserName=dan\n  \
             iam:AddUserToGroup GroupName=iam-onboard-devops UserName=dan\n"
        );
        let unread = Proposal {
            changes: Vec::new(),
            action: "give dan access".to_string(),
            ..proposal
        };
        assert_eq!(
            unread.text(),
            "AWS account 123456789012, acting as arn:aws:iam::123456789012:user/admin\n\
             About to give dan access.\n"
        );
    }
}
