//! Nobody protected is ever touched, on any path: `--protect`, `IAM_ONBOARD_PROTECTED` and the
//! configuration file together, and the caller recognised by its unique id.

use crate::support::{Run, access_key_of, create_user, unique, user_exists};

#[test]
fn protect_adds_to_the_environment_instead_of_replacing_it() {
    let keep = unique("keep4");
    create_user(&keep);
    Run::new(&["offboard", &keep, "-y", "--protect", "someoneelse"])
        .env("IAM_ONBOARD_PROTECTED", &keep)
        .refused("is protected");
    Run::new(&[
        "offboard",
        &keep,
        "-y",
        "--disable-only",
        "--protect",
        "x,y",
    ])
    .env("IAM_ONBOARD_PROTECTED", &format!("break-glass,{keep}"))
    .refused("IAM_ONBOARD_PROTECTED");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.json");
    std::fs::write(&config, format!(r#"{{"protected_users":["{keep}"]}}"#)).unwrap();
    Run::new(&["offboard", &keep, "-y", "--protect", "someoneelse"])
        .env("IAM_ONBOARD_CONFIG", config.to_str().unwrap())
        .refused("configuration file");
    assert!(user_exists(&keep));
}

#[test]
fn batch_rows_respect_the_environment_and_change_nothing() {
    let keep = unique("keep6");
    let leaver = unique("leaver");
    create_user(&keep);
    create_user(&leaver);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("people.csv");
    std::fs::write(
        &file,
        format!("action,username\noffboard,{leaver}\noffboard,{keep}\n"),
    )
    .unwrap();
    Run::new(&["batch", "-y", file.to_str().unwrap()])
        .env("IAM_ONBOARD_PROTECTED", &keep)
        .refused(":3: username")
        .stderr_has("is protected");
    assert!(user_exists(&keep));
    assert!(user_exists(&leaver), "nothing changes when a row is bad");
}

#[test]
fn new_user_and_identity_center_paths_refuse_protected_people() {
    let keep = unique("keep7");
    Run::new(&[
        "new-user",
        "-y",
        &keep,
        "--template",
        "developer",
        "--no-console",
    ])
    .env("IAM_ONBOARD_PROTECTED", &keep)
    .refused("is protected");
    assert!(!user_exists(&keep));
    Run::new(&["offboard", &keep, "--sso", "-y"])
        .env("IAM_ONBOARD_PROTECTED", &keep)
        .refused("is protected");
    Run::new(&[
        "assign",
        "-y",
        &keep,
        "--template",
        "developer",
        "--account",
        "111111111111",
    ])
    .env("IAM_ONBOARD_PROTECTED", &keep)
    .refused("is protected");
}

#[test]
fn the_caller_is_refused_by_unique_id_in_offboard_and_in_batch_rows() {
    let admin = unique("ops-admin");
    create_user(&admin);
    let (key_id, secret) = access_key_of(&admin);
    let as_admin = |run: Run| {
        run.env("AWS_ACCESS_KEY_ID", &key_id)
            .env("AWS_SECRET_ACCESS_KEY", &secret)
    };
    as_admin(Run::new(&["offboard", &admin, "-y"])).refused("identity running this command");
    as_admin(Run::new(&["offboard", &admin, "-y", "--disable-only"]))
        .refused("identity running this command");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("people.csv");
    std::fs::write(&file, format!("action,username\noffboard,{admin}\n")).unwrap();
    as_admin(Run::new(&["batch", "-y", file.to_str().unwrap()]))
        .output()
        .exits(1)
        .stdout_has("failed")
        .stderr_has(&format!(
            "AWS account 123456789012, acting as arn:aws:iam::123456789012:user/{admin}"
        ))
        .stderr_has("1 row: 1 offboard");
    assert!(user_exists(&admin));
}

#[test]
fn the_emulators_own_caller_is_refused_whatever_its_arn_form() {
    create_user("moto");
    Run::new(&["offboard", "moto", "-y"]).refused("identity running this command");
    assert!(user_exists("moto"));
}
