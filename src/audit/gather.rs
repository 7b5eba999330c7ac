//! The audit's reads, each account-wide, all at once: the caller, the credential report
//! (generated when needed), GetAccountAuthorizationDetails, the account summary, the password
//! policy and each template's shared resources. However many users the account has, this is a
//! handful of calls plus a few for each template. A read that fails (the caller may not make
//! it) becomes a warning naming the checks it skipped.

use super::IamFacts;
use crate::aws::{AwsResult, Iam};
use crate::iam::shared::observe_shared;
use crate::template::TemplateSet;
use futures_util::future::try_join_all;

/// The IAM facts, and a warning for each read that failed.
pub(crate) async fn gather_iam(api: &impl Iam, templates: &TemplateSet) -> (IamFacts, Vec<String>) {
    let shared = try_join_all(templates.iter().map(|template| async {
        Ok::<_, crate::aws::AwsError>((template.name.clone(), observe_shared(api, template).await?))
    }));
    let (caller, report, users, root, policy, shared) = tokio::join!(
        api.get_caller_identity(),
        api.credential_report(),
        api.list_authorized_users(),
        api.root_has_mfa(),
        api.get_account_password_policy(),
        shared,
    );
    let mut warnings = Vec::new();
    let mut kept = Kept(&mut warnings);
    let facts = IamFacts {
        caller: kept.of("the caller", &["template-drift (boundaries)"], caller),
        report: kept.of(
            "the credential report",
            &[
                "root-access-key",
                "root-used",
                "console-without-mfa",
                "access-key-old",
                "access-key-unused",
                "two-active-keys",
                "access-key-at-creation",
                "password-unused",
            ],
            report,
        ),
        users: kept.of(
            "the users (GetAccountAuthorizationDetails)",
            &[
                "template-drift (users)",
                "standing-admin",
                "policy-on-user",
                "unmanaged-user",
            ],
            users,
        ),
        root_has_mfa: kept.of("the account summary", &["root-mfa"], root),
        password_policy: kept.of("the password policy", &["password-policy"], policy),
        shared: kept.of(
            "the templates' policies and groups",
            &["template-drift (template policies)"],
            shared,
        ),
    };
    (facts, warnings)
}

/// Keeps what a read found, or notes why it failed and which checks that skips.
struct Kept<'a>(&'a mut Vec<String>);

impl Kept<'_> {
    fn of<T>(&mut self, what: &str, skipped: &[&str], result: AwsResult<T>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(err) => {
                self.0.push(format!(
                    "could not read {what} ({err}): skipped {}",
                    skipped.join(", ")
                ));
                None
            }
        }
    }
}
