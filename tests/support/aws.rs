//! What exists in the emulator afterwards, read with the SDK: outcomes are checked by listing,
//! never by trusting that a call succeeded.

use crate::support::run::endpoint;
use aws_sdk_iam::config::{BehaviorVersion, Credentials, Region};

pub(crate) fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// An IAM client on the emulator, to check outcomes by listing what exists.
pub(crate) fn iam() -> aws_sdk_iam::Client {
    iam_as(Credentials::new("testing", "testing", None, None, "tests"))
}

/// An STS client on the emulator acting with an access key.
pub(crate) fn sts_as(key_id: &str, secret: &str) -> aws_sdk_sts::Client {
    let config = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint())
        .credentials_provider(Credentials::new(key_id, secret, None, None, "tests"))
        .build();
    aws_sdk_sts::Client::from_conf(config)
}

/// An IAM client on the emulator acting with `credentials`.
fn iam_as(credentials: Credentials) -> aws_sdk_iam::Client {
    let config = aws_sdk_iam::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint())
        .credentials_provider(credentials)
        .build();
    aws_sdk_iam::Client::from_conf(config)
}

/// SSO Admin and Identity Store clients on the emulator.
pub(crate) fn sso() -> (aws_sdk_ssoadmin::Client, aws_sdk_identitystore::Client) {
    let credentials =
        aws_sdk_ssoadmin::config::Credentials::new("testing", "testing", None, None, "tests");
    let admin = aws_sdk_ssoadmin::Config::builder()
        .behavior_version(aws_sdk_ssoadmin::config::BehaviorVersion::latest())
        .region(aws_sdk_ssoadmin::config::Region::new("us-east-1"))
        .endpoint_url(endpoint())
        .credentials_provider(credentials.clone())
        .build();
    let store = aws_sdk_identitystore::Config::builder()
        .behavior_version(aws_sdk_identitystore::config::BehaviorVersion::latest())
        .region(aws_sdk_identitystore::config::Region::new("us-east-1"))
        .endpoint_url(endpoint())
        .credentials_provider(credentials)
        .build();
    (
        aws_sdk_ssoadmin::Client::from_conf(admin),
        aws_sdk_identitystore::Client::from_conf(store),
    )
}

/// An Organizations client for the emulator.
pub(crate) fn organizations() -> aws_sdk_organizations::Client {
    let credentials =
        aws_sdk_organizations::config::Credentials::new("testing", "testing", None, None, "tests");
    let config = aws_sdk_organizations::Config::builder()
        .behavior_version(aws_sdk_organizations::config::BehaviorVersion::latest())
        .region(aws_sdk_organizations::config::Region::new("us-east-1"))
        .endpoint_url(endpoint())
        .credentials_provider(credentials)
        .build();
    aws_sdk_organizations::Client::from_conf(config)
}

/// The names of the groups `user` is in.
#[track_caller]
pub(crate) fn groups_of(user: &str) -> Vec<String> {
    block_on(async {
        let out = iam()
            .list_groups_for_user()
            .user_name(user)
            .send()
            .await
            .unwrap();
        out.groups()
            .iter()
            .map(|g| g.group_name().to_string())
            .collect()
    })
}

#[track_caller]
pub(crate) fn user_exists(name: &str) -> bool {
    user_exists_in(&iam(), name)
}

/// Whether the user `name` exists in the account `iam` acts in.
#[track_caller]
pub(crate) fn user_exists_in(iam: &aws_sdk_iam::Client, name: &str) -> bool {
    block_on(async {
        match iam.get_user().user_name(name).send().await {
            Ok(_) => true,
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_no_such_entity_exception()) =>
            {
                false
            }
            Err(err) => panic!("GetUser: {err:?}"),
        }
    })
}

/// Virtual MFA devices (assigned or not) whose serial ends with `/name`.
#[track_caller]
pub(crate) fn virtual_devices_named(name: &str) -> Vec<String> {
    block_on(async {
        let out = iam().list_virtual_mfa_devices().send().await.unwrap();
        out.virtual_mfa_devices()
            .iter()
            .map(|d| d.serial_number().to_string())
            .filter(|serial| serial.ends_with(&format!("/{name}")))
            .collect()
    })
}

/// The user's tags, as (key, value).
#[track_caller]
pub(crate) fn tags_of(user: &str) -> Vec<(String, String)> {
    tags_in(&iam(), user)
}

/// The tags of `user`, as (key, value), in the account `iam` acts in.
#[track_caller]
pub(crate) fn tags_in(iam: &aws_sdk_iam::Client, user: &str) -> Vec<(String, String)> {
    block_on(async {
        let out = iam.list_user_tags().user_name(user).send().await.unwrap();
        out.tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect()
    })
}

/// Sets the tag `key` of `user` to `value` behind the tool's back, in the account `iam` acts
/// in: the state another run, a person or time left.
#[track_caller]
pub(crate) fn tag_user_in(iam: &aws_sdk_iam::Client, user: &str, key: &str, value: &str) {
    block_on(async {
        let tag = aws_sdk_iam::types::Tag::builder()
            .key(key)
            .value(value)
            .build()
            .unwrap();
        iam.tag_user()
            .user_name(user)
            .tags(tag)
            .send()
            .await
            .unwrap();
    });
}

/// The serial numbers of the MFA devices enabled for the user.
#[track_caller]
pub(crate) fn mfa_devices_of(user: &str) -> Vec<String> {
    block_on(async {
        let out = iam()
            .list_mfa_devices()
            .user_name(user)
            .send()
            .await
            .unwrap();
        out.mfa_devices()
            .iter()
            .map(|d| d.serial_number().to_string())
            .collect()
    })
}

/// How many MFA devices are enabled for the user.
#[track_caller]
pub(crate) fn enabled_mfa_devices(user: &str) -> usize {
    mfa_devices_of(user).len()
}

/// Whether the user has a console password (a login profile).
#[track_caller]
pub(crate) fn has_login_profile(user: &str) -> bool {
    block_on(async {
        iam()
            .get_login_profile()
            .user_name(user)
            .send()
            .await
            .is_ok()
    })
}

/// The user's access keys: each id, and its status (`Active` or `Inactive`).
#[track_caller]
pub(crate) fn access_keys_of(user: &str) -> Vec<(String, String)> {
    access_keys_in(&iam(), user)
}

/// The access keys of `user`, each id and its status, in the account `iam` acts in.
#[track_caller]
pub(crate) fn access_keys_in(iam: &aws_sdk_iam::Client, user: &str) -> Vec<(String, String)> {
    block_on(async {
        let out = iam.list_access_keys().user_name(user).send().await.unwrap();
        out.access_key_metadata()
            .iter()
            .map(|k| {
                let status = k.status().map(|s| s.as_str().to_string());
                (
                    k.access_key_id().unwrap().to_string(),
                    status.unwrap_or_default(),
                )
            })
            .collect()
    })
}

/// The names of the user's inline policies.
#[track_caller]
pub(crate) fn inline_policies_of(user: &str) -> Vec<String> {
    inline_policies_in(&iam(), user)
}

/// The names of the inline policies of `user`, in the account `iam` acts in.
#[track_caller]
pub(crate) fn inline_policies_in(iam: &aws_sdk_iam::Client, user: &str) -> Vec<String> {
    block_on(async {
        let out = iam
            .list_user_policies()
            .user_name(user)
            .send()
            .await
            .unwrap();
        out.policy_names().to_vec()
    })
}

/// The value of the user's tag `key`, if it has one.
#[track_caller]
pub(crate) fn tag_of(user: &str, key: &str) -> Option<String> {
    tags_of(user)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, value)| value)
}

/// Creates an IAM user by hand; one that exists already (a re-run on the same server) is fine.
pub(crate) fn create_user(name: &str) {
    block_on(async {
        let created = iam().create_user().user_name(name).send().await;
        if let Err(err) = created {
            let code = aws_sdk_iam::error::ProvideErrorMetadata::code(&err);
            assert_eq!(code, Some("EntityAlreadyExists"), "{err:?}");
        }
    });
}

/// An access key of `name`: moto answers GetCallerIdentity with the key's owner.
pub(crate) fn access_key_of(name: &str) -> (String, String) {
    block_on(async {
        let out = iam()
            .create_access_key()
            .user_name(name)
            .send()
            .await
            .unwrap();
        let key = out.access_key().unwrap();
        (
            key.access_key_id().to_string(),
            key.secret_access_key().to_string(),
        )
    })
}

/// Credentials for an account of its own (moto acts in the account of a role assumed into
/// it), so a test that reads every user of an account (sync, expire) sees only its own.
pub(crate) struct OwnAccount {
    /// The account's id.
    pub(crate) id: String,
    key_id: String,
    secret: String,
    token: String,
}

impl OwnAccount {
    /// A new account, numbered from `seed` and the process id so parallel runs differ.
    pub(crate) fn new(seed: u32) -> Self {
        Self::with_id(format!("{:06}{:06}", std::process::id() % 1_000_000, seed))
    }

    /// The account `id` (one an organisation made, say), acted in through AssumeRole.
    pub(crate) fn with_id(id: String) -> Self {
        let credentials = block_on(async {
            sts_as("testing", "testing")
                .assume_role()
                .role_arn(format!("arn:aws:iam::{id}:role/tests"))
                .role_session_name("tests")
                .send()
                .await
                .expect("moto issues credentials into another account")
        });
        let credentials = credentials.credentials().unwrap();
        OwnAccount {
            id,
            key_id: credentials.access_key_id().to_string(),
            secret: credentials.secret_access_key().to_string(),
            token: credentials.session_token().to_string(),
        }
    }

    /// `run` acting in this account.
    pub(crate) fn run(&self, run: crate::support::Run) -> crate::support::Run {
        run.env("AWS_ACCESS_KEY_ID", &self.key_id)
            .env("AWS_SECRET_ACCESS_KEY", &self.secret)
            .env("AWS_SESSION_TOKEN", &self.token)
    }

    /// A user made by hand in this account with `keys` access keys: their ids.
    pub(crate) fn user_with_keys(&self, name: &str, keys: usize) -> Vec<String> {
        let iam = self.iam();
        block_on(async {
            iam.create_user().user_name(name).send().await.unwrap();
            let mut ids = Vec::new();
            for _ in 0..keys {
                let out = iam
                    .create_access_key()
                    .user_name(name)
                    .send()
                    .await
                    .unwrap();
                ids.push(out.access_key().unwrap().access_key_id().to_string());
            }
            ids
        })
    }

    /// An IAM client acting in this account.
    pub(crate) fn iam(&self) -> aws_sdk_iam::Client {
        iam_as(Credentials::new(
            self.key_id.clone(),
            self.secret.clone(),
            Some(self.token.clone()),
            None,
            "tests",
        ))
    }
}
