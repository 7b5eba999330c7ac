//! Identity Center in the emulator, for the tests of `assign`, `offboard --sso`, `show --sso`
//! and `move --sso`: the instance, what a person holds (assignments, groups, the permission
//! set's inline policy), and the arguments and files those tests share. The tests take turns.

use super::{Run, block_on, sso, unique};
use std::sync::{Mutex, MutexGuard};

/// The emulator has one Identity Center instance, and the permission set of a template is
/// shared by everyone: these tests take turns.
static TURN: Mutex<()> = Mutex::new(());

/// This test's turn at Identity Center, until the guard is dropped (a test that failed in its
/// turn leaves it to the next).
pub(crate) fn sso_turn() -> MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub(crate) fn instance() -> (String, String) {
    block_on(async {
        let out = sso().0.list_instances().send().await.unwrap();
        let instance = &out.instances()[0];
        (
            instance.instance_arn().unwrap().to_string(),
            instance.identity_store_id().unwrap().to_string(),
        )
    })
}

pub(crate) fn identity_user_id(store: &str, name: &str) -> Option<String> {
    block_on(async {
        let attribute = aws_sdk_identitystore::types::UniqueAttribute::builder()
            .attribute_path("userName")
            .attribute_value(aws_smithy_types::Document::String(name.to_string()))
            .build()
            .unwrap();
        sso()
            .1
            .get_user_id()
            .identity_store_id(store)
            .alternate_identifier(
                aws_sdk_identitystore::types::AlternateIdentifier::UniqueAttribute(attribute),
            )
            .send()
            .await
            .ok()
            .map(|out| out.user_id().to_string())
    })
}

/// (account, permission set ARN) of every assignment of the person `user_id`.
pub(crate) fn assignments_of(instance_arn: &str, user_id: &str) -> Vec<(String, String)> {
    principal_assignments(
        instance_arn,
        aws_sdk_ssoadmin::types::PrincipalType::User,
        user_id,
    )
}

pub(crate) fn assign_args<'a>(name: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "assign",
        name,
        "--template",
        "developer",
        "--account",
        "111111111111",
        "--account",
        "222222222222",
    ];
    args.extend_from_slice(extra);
    args
}

/// A person `assign` made in the identity store and gave the developer template: where, and
/// the ids the checks need.
pub(crate) struct AssignedPerson {
    pub(crate) instance_arn: String,
    pub(crate) store: String,
    pub(crate) permission_set: String,
    pub(crate) user_id: String,
}

#[track_caller]
pub(crate) fn assigned_developer(name: &str) -> AssignedPerson {
    let (instance_arn, store) = instance();
    let assigned = Run::new(&assign_args(name, CREATE))
        .output()
        .exits(0)
        .json();
    let permission_set = assigned["permission_sets"][0]["arn"]
        .as_str()
        .unwrap()
        .to_string();
    let user_id = identity_user_id(&store, name).unwrap();
    AssignedPerson {
        instance_arn,
        store,
        permission_set,
        user_id,
    }
}

pub(crate) const CREATE: &[&str] = &[
    "--create-user",
    "--email",
    "bob@example.com",
    "--given-name",
    "Bob",
    "--family-name",
    "Example",
    "-y",
    "--output",
    "json",
];

/// The inline policy of a permission set, as stored.
pub(crate) fn inline_policy(instance_arn: &str, permission_set: &str) -> String {
    block_on(async {
        let out = sso()
            .0
            .get_inline_policy_for_permission_set()
            .instance_arn(instance_arn)
            .permission_set_arn(permission_set)
            .send()
            .await
            .unwrap();
        out.inline_policy().unwrap_or_default().to_string()
    })
}

/// A new identity-store group named `group` with the person in it.
pub(crate) fn join_group(store: &str, group: &str, user_id: &str) {
    block_on(async {
        let created = sso()
            .1
            .create_group()
            .identity_store_id(store)
            .display_name(group)
            .send()
            .await
            .unwrap();
        sso()
            .1
            .create_group_membership()
            .identity_store_id(store)
            .group_id(created.group_id())
            .member_id(aws_sdk_identitystore::types::MemberId::UserId(
                user_id.to_string(),
            ))
            .send()
            .await
            .unwrap();
    });
}

/// The ids of the groups the person is a member of.
pub(crate) fn groups_of_person(store: &str, user_id: &str) -> Vec<String> {
    block_on(async {
        let out = sso()
            .1
            .list_group_memberships_for_member()
            .identity_store_id(store)
            .member_id(aws_sdk_identitystore::types::MemberId::UserId(
                user_id.to_string(),
            ))
            .send()
            .await
            .unwrap();
        out.group_memberships()
            .iter()
            .filter_map(|m| m.group_id().map(str::to_string))
            .collect()
    })
}

/// (account, permission set ARN) of every assignment of a principal: a person (`User`) or a
/// group (`Group`), all pages followed.
pub(crate) fn principal_assignments(
    instance_arn: &str,
    kind: aws_sdk_ssoadmin::types::PrincipalType,
    id: &str,
) -> Vec<(String, String)> {
    block_on(async {
        let assigned: Vec<_> = sso()
            .0
            .list_account_assignments_for_principal()
            .instance_arn(instance_arn)
            .principal_id(id)
            .principal_type(kind)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .unwrap();
        let mut found: Vec<(String, String)> = assigned
            .iter()
            .map(|a| {
                (
                    a.account_id().unwrap().to_string(),
                    a.permission_set_arn().unwrap().to_string(),
                )
            })
            .collect();
        found.sort();
        found
    })
}

/// The id of the identity-store group with this display name.
pub(crate) fn group_id(store: &str, name: &str) -> Option<String> {
    block_on(async {
        sso()
            .1
            .get_group_id()
            .identity_store_id(store)
            .alternate_identifier(
                aws_sdk_identitystore::types::AlternateIdentifier::UniqueAttribute(
                    aws_sdk_identitystore::types::UniqueAttribute::builder()
                        .attribute_path("displayName")
                        .attribute_value(aws_smithy_types::Document::String(name.to_string()))
                        .build()
                        .unwrap(),
                ),
            )
            .send()
            .await
            .ok()
            .map(|out| out.group_id().to_string())
    })
}

pub(crate) fn config_file(dir: &std::path::Path, text: &str) -> String {
    let path = dir.join("config.json");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

pub(crate) fn assign_from_sets(name: &str, config: &str) -> serde_json::Value {
    let mut args = vec![
        "assign",
        name,
        "--template",
        "developer",
        "--config",
        config,
    ];
    args.extend_from_slice(CREATE);
    Run::new(&args).output().exits(0).json()
}

/// The organisation's root (made when the emulator has none), and a new OU below it holding
/// `accounts` new accounts: (OU id, account ids).
pub(crate) fn ou_with_accounts(accounts: usize) -> (String, Vec<String>) {
    block_on(async {
        let org = crate::support::organizations();
        let _ = org.create_organization().send().await;
        let roots = org.list_roots().send().await.unwrap();
        let root = roots.roots()[0].id().unwrap().to_string();
        let ou = org
            .create_organizational_unit()
            .parent_id(&root)
            .name(unique("ou"))
            .send()
            .await
            .unwrap();
        let ou_id = ou.organizational_unit().unwrap().id().unwrap().to_string();
        let mut ids = Vec::new();
        for _ in 0..accounts {
            let name = unique("acct");
            let made = org
                .create_account()
                .account_name(&name)
                .email(format!("{name}@example.com"))
                .send()
                .await
                .unwrap();
            let id = made
                .create_account_status()
                .unwrap()
                .account_id()
                .unwrap()
                .to_string();
            org.move_account()
                .account_id(&id)
                .source_parent_id(&root)
                .destination_parent_id(&ou_id)
                .send()
                .await
                .unwrap();
            ids.push(id);
        }
        ids.sort();
        (ou_id, ids)
    })
}
