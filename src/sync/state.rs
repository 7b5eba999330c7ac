//! The people this tool manages, as `sync` and `expire` plan from them: read with one
//! account-wide listing (GetAccountAuthorizationDetails, a page a call), whatever their number;
//! and the fingerprint of that reading, which a saved plan carries.

use crate::aws::{AuthorizedUser, AwsResult, CallerIdentity, Iam};
use crate::iam::offboard::{OFFBOARDED_TAG, access_cut};
use crate::tags::{MANAGED_BY_TAG, MANAGED_BY_VALUE, TEMPLATE_TAG, UNTIL_TAG};
use sha2::{Digest, Sha256};

/// A person this tool made, as found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct ManagedPerson {
    pub(crate) name: String,
    pub(crate) arn: String,
    pub(crate) template: Option<String>,
    pub(crate) until: Option<String>,
    /// Access cut (the deny-all in place): when, from the `iam-onboard:offboarded` tag, or
    /// an empty text when the tag is missing.
    pub(crate) disabled_at: Option<String>,
}

/// Who is calling, and everything the account holds that a plan depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Account {
    pub(crate) caller: CallerIdentity,
    /// This tool's people, by name.
    pub(crate) managed: Vec<ManagedPerson>,
    /// Every other IAM user's name: never touched, but a row naming one cannot join.
    pub(crate) unmanaged: Vec<String>,
}

impl Account {
    /// The account as read, in two calls and the listing's pages, at once.
    pub(crate) async fn read(api: &impl Iam) -> AwsResult<Self> {
        let (caller, users) =
            tokio::try_join!(api.get_caller_identity(), api.list_authorized_users())?;
        Ok(Self::of(caller, users))
    }

    pub(crate) fn of(caller: CallerIdentity, users: Vec<AuthorizedUser>) -> Self {
        let mut managed = Vec::new();
        let mut unmanaged = Vec::new();
        for user in users {
            if user.tag(MANAGED_BY_TAG) != Some(MANAGED_BY_VALUE) {
                unmanaged.push(user.name);
                continue;
            }
            let denied = access_cut(&user.inline_policies, &user.attached_policies);
            managed.push(ManagedPerson {
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
        }
    }

    /// What a plan made from this reading depends on, a line a managed person, in name order:
    /// the account, then each person's name, template, end date and whether access is cut.
    pub(crate) fn read_lines(&self) -> Vec<String> {
        std::iter::once(format!("account {}", self.caller.account))
            .chain(self.managed.iter().map(|p| {
                format!(
                    "{} template={} until={} disabled={}",
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
