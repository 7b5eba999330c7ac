//! Helpdesk mode driven as a person would, through a real pseudo-terminal: the menu, prompts for
//! missing values, the QR code read off the screen, codes typed, Ctrl-C; and the same commands
//! without a terminal, which must not prompt.

use crate::support::{
    DOWN, Run, a_wrong_code, answer, choose_from_menu, current_and_next_codes, decode_terminal_qr,
    enabled_mfa_devices, exit_code, finished_with, groups_of, on_a_terminal, on_a_terminal_columns,
    onboarding_at_the_code_prompt, plain_onboarding, press, shown_until, tags_of,
    taken_and_cleared, type_codes, unique, user_exists, utf8_from_pty,
};
use rexpect::session::PtySession;

/// Reads the QR code on screen, then types the code the app shows and the next one.
fn enrol(session: &mut PtySession) -> String {
    let screen = shown_until(session, "First code");
    type_codes(session, &decode_terminal_qr(&screen));
    screen
}

#[test]
fn a_whole_onboarding_through_the_menu_ends_with_an_enabled_mfa_device() {
    let name = unique("desk");
    let mut session = on_a_terminal(Run::new(&[]));
    choose_from_menu(&mut session, 0);
    answer(&mut session, "User name", &name);
    let choices = shown_until(&mut session, "security-auditor");
    assert!(
        choices.contains("finance") && choices.contains("read-only cost"),
        "each template with its description: {choices}"
    );
    // The list is in name order: developer, developer-readonly, devops, finance, ...
    press(&mut session, &DOWN.repeat(3));
    press(&mut session, "\r");
    answer(&mut session, "Display name", "Pat Example");
    answer(&mut session, "Email", "pat@example.com");
    answer(&mut session, "Change ticket", "CHG-42");
    session.exp_string("Console access").unwrap();
    press(&mut session, "y");
    let plan = shown_until(&mut session, "Proceed?");
    assert!(
        plan.contains(&format!("About to onboard {name} as finance")),
        "{plan}"
    );
    assert!(
        plan.contains(&format!("iam:CreateUser UserName={name} ")),
        "{plan}"
    );
    assert!(!user_exists(&name), "nothing before the confirmation");
    press(&mut session, "y");
    let instructions = enrol(&mut session);
    assert!(
        instructions.contains("scan this code with an authenticator app"),
        "{instructions}"
    );
    let before_clearing = shown_until(&mut session, "Press Enter once they have them");
    let after = taken_and_cleared(&mut session);
    assert!(
        after.contains(&format!("Onboarded {name}.")),
        "the summary comes after: {after}"
    );
    let rest = format!("{before_clearing}{after}");

    let password = rest
        .split("changed at first sign-in):")
        .nth(1)
        .and_then(|after| after.split_whitespace().next())
        .unwrap_or_else(|| panic!("the one-time password is shown: {rest}"));
    assert_eq!(
        rest.matches(password).count(),
        1,
        "the password is shown once, not repeated in the summary: {rest}"
    );
    let handover = &rest[rest.find(&format!("Tell {name}:")).expect(&rest)..];
    assert!(
        handover.contains("https://123456789012.signin.aws.amazon.com/console"),
        "{handover}"
    );
    assert!(
        handover.contains(&format!("user name  {name}")),
        "{handover}"
    );
    assert!(
        handover.contains("AWS asks for a new one at first sign-in"),
        "{handover}"
    );
    assert_eq!(enabled_mfa_devices(&name), 1);
    let tags = tags_of(&name);
    for expected in [
        ("display-name", "Pat Example"),
        ("email", "pat@example.com"),
        ("iam-onboard:ticket", "CHG-42"),
    ] {
        assert!(
            tags.contains(&(expected.0.to_string(), expected.1.to_string())),
            "{tags:?}"
        );
    }
}

#[test]
fn a_wrong_code_is_explained_and_the_second_try_enrols_on_a_plain_ascii_terminal() {
    let name = unique("retry");
    let run = Run::new(&["new-user", &name, "--template", "finance", "--yes"]).env("LANG", "C");
    let mut session = on_a_terminal_columns(run, 120);
    let screen = shown_until(&mut session, "First code");
    assert!(
        screen.is_ascii(),
        "no Unicode on a C-locale terminal: {screen}"
    );
    assert!(!screen.contains('\x1b'), "no colour with NO_COLOR set");
    let uri = decode_terminal_qr(&screen);
    let wrong = a_wrong_code(&uri);
    session.send_line(&wrong).unwrap();
    answer(&mut session, "Next code", "12345");
    let refused = shown_until(&mut session, "Next code");
    assert!(refused.contains("a code is 6 digits"), "{refused}");
    session.send_line(&wrong).unwrap();
    let feedback = shown_until(&mut session, "First code");
    assert!(
        feedback.contains("Not accepted: the same code was entered twice"),
        "{feedback}"
    );
    assert!(feedback.contains("(2 tries left)"), "{feedback}");
    assert_eq!(
        enabled_mfa_devices(&name),
        0,
        "not enabled after a wrong pair"
    );
    type_codes(&mut session, &uri);
    let rest = finished_with(&mut session, 0);
    assert!(rest.contains(&format!("ok Tell {name}:")), "{rest}");
    assert_eq!(enabled_mfa_devices(&name), 1);
}

#[test]
fn a_wrong_first_code_is_refused_before_anything_is_enabled() {
    let name = unique("wrong");
    let (mut session, uri) = onboarding_at_the_code_prompt(&name, &[]);
    let (_, next) = current_and_next_codes(&uri);
    session.send_line(&a_wrong_code(&uri)).unwrap();
    answer(&mut session, "Next code", &next);
    let feedback = shown_until(&mut session, "First code");
    assert!(
        feedback.contains("Not accepted: the first code is not valid now"),
        "{feedback}"
    );
    type_codes(&mut session, &uri);
    finished_with(&mut session, 0);
    assert_eq!(enabled_mfa_devices(&name), 1);
}

#[test]
fn ctrl_c_at_the_template_prompt_exits_130_and_creates_nothing() {
    let name = unique("quit");
    let mut session = on_a_terminal(Run::new(&["new-user", &name]));
    session.exp_string("Job function").unwrap();
    session.send_control('c').unwrap();
    let rest = utf8_from_pty(&session.exp_eof().unwrap());
    assert!(rest.contains("interrupted; nothing was changed"), "{rest}");
    assert_eq!(exit_code(&mut session), 130);
    assert!(!user_exists(&name));
}

#[test]
fn without_a_terminal_missing_values_are_a_usage_error_not_a_prompt() {
    let cases: [(&[&str], &str, &str); 7] = [
        (
            &["new-user"],
            "missing <USERNAME>, --template <NAME>",
            "Usage: iam-onboard new-user",
        ),
        (
            &["assign", "-y", "--template", "developer"],
            "missing <USERNAME>",
            "Usage: iam-onboard assign",
        ),
        (
            &["offboard", "--yes"],
            "missing <USERNAME>",
            "Usage: iam-onboard offboard",
        ),
        (
            &["rotate-key", "-y"],
            "missing <USERNAME>",
            "Usage: iam-onboard rotate-key",
        ),
        (&[], "missing a command", "Usage: iam-onboard [OPTIONS]"),
        (&["batch"], "missing <FILE>", "Usage: iam-onboard batch"),
        (
            &["templates", "show"],
            "missing <NAME>",
            "Usage: iam-onboard templates show",
        ),
    ];
    for (args, missing, usage) in cases {
        let out = Run::new(args).output();
        out.exits(2).stderr_has(missing).stderr_has(usage);
        for prompt in ["User name", "Job function", "What do you want to do?"] {
            assert!(!out.stderr.contains(prompt), "{args:?}: {}", out.stderr);
        }
    }
    let name = unique("nameonly");
    Run::new(&["new-user", "-y", &name]).output().exits(2);
    assert!(!user_exists(&name));
}

#[test]
fn offboarding_from_the_menu_finds_the_user_by_part_of_the_name() {
    let name = unique("leaver");
    plain_onboarding(&name, "finance").output().exits(0);
    let mut session = on_a_terminal(Run::new(&[]));
    choose_from_menu(&mut session, 2);
    answer(&mut session, "IAM user to offboard", &name);
    let plan = shown_until(&mut session, &format!("Type {name} to confirm"));
    assert!(plan.contains("iam:DeleteUser"), "{plan}");
    session.send_line(&name).unwrap();
    let rest = finished_with(&mut session, 0);
    assert!(
        rest.contains(&format!(
            "Offboarded arn:aws:iam::123456789012:user/{name}."
        )),
        "{rest}"
    );
    assert!(!user_exists(&name));
}

#[test]
fn templates_show_without_a_name_offers_the_list() {
    let mut session = on_a_terminal(Run::new(&["templates", "show"]));
    session.exp_string("Job function").unwrap();
    press(&mut session, &format!("{}\r", DOWN.repeat(2)));
    let shown = finished_with(&mut session, 0);
    assert!(shown.contains("devops: DevOps engineer"), "{shown}");
    assert!(shown.contains("Permissions boundary"), "{shown}");
}

/// A user made with MFA deferred and a console password written to a file.
fn deferred_with_console(prefix: &str) -> String {
    let name = unique(prefix);
    let dir = tempfile::tempdir().unwrap();
    Run::new(&[
        "new-user",
        "-y",
        &name,
        "--template",
        "finance",
        "--mfa",
        "deferred",
        "--password-file",
        dir.path().join("pw").to_str().unwrap(),
    ])
    .output()
    .exits(0);
    name
}

#[test]
fn the_menu_resets_an_mfa_device_with_the_qr_code() {
    let name = deferred_with_console("desk-mfa");
    let mut session = on_a_terminal(Run::new(&[]));
    choose_from_menu(&mut session, 4);
    answer(&mut session, "IAM user to reset the MFA of", &name);
    let plan = shown_until(&mut session, "Proceed?");
    assert!(plan.contains("iam:CreateVirtualMFADevice"), "{plan}");
    session.send_line("y").unwrap();
    enrol(&mut session);
    session
        .exp_string("Press Enter once they have them")
        .unwrap();
    session.send_line("").unwrap();
    finished_with(&mut session, 0);
    assert_eq!(enabled_mfa_devices(&name), 1);
}

#[test]
fn the_menu_resets_a_password_shows_a_user_and_lists_people() {
    let name = deferred_with_console("desk-pw");
    let mut session = on_a_terminal(Run::new(&[]));
    choose_from_menu(&mut session, 7);
    answer(&mut session, "IAM user to give a new password", &name);
    answer(&mut session, "Proceed?", "y");
    let rest = finished_with(&mut session, 0);
    assert!(
        rest.contains("it must be changed at next sign-in"),
        "{rest}"
    );

    let mut session = on_a_terminal(Run::new(&[]));
    choose_from_menu(&mut session, 9);
    answer(&mut session, "IAM user to show", &name);
    let shown = finished_with(&mut session, 0);
    assert!(
        shown.contains("by iam-onboard, template finance"),
        "{shown}"
    );

    let mut session = on_a_terminal(Run::new(&[]));
    choose_from_menu(&mut session, 11);
    let listed = finished_with(&mut session, 0);
    assert!(listed.contains(&name), "{listed}");
}

#[test]
fn the_menu_rotates_an_access_key_and_shows_the_new_one_once_on_the_terminal() {
    let account = crate::support::OwnAccount::new(54);
    let name = unique("desk-key");
    let old = account.user_with_keys(&name, 1).remove(0);
    let mut session = on_a_terminal(account.run(Run::new(&[])));
    choose_from_menu(&mut session, 8);
    answer(&mut session, "IAM user to rotate the access key of", &name);
    let plan = shown_until(&mut session, "Proceed?");
    assert!(
        plan.contains("the secret goes to this terminal, shown once"),
        "{plan}"
    );
    session.send_line("y").unwrap();
    let shown = shown_until(&mut session, "Press Enter once they have them");
    let keys = crate::support::access_keys_in(&account.iam(), &name);
    let new = &keys.iter().find(|(id, _)| *id != old).unwrap().0;
    assert!(
        shown.contains(&format!("    aws_access_key_id = {new}")),
        "{shown}"
    );
    assert!(shown.contains("    aws_secret_access_key = "), "{shown}");
    let rest = taken_and_cleared(&mut session);
    assert!(
        rest.contains(&format!("New access key {new} for ")) && rest.contains("shown once above"),
        "{rest}"
    );
    assert_eq!(keys.len(), 2, "the old key stays until the new one is used");
}

#[test]
fn the_menu_moves_a_user_to_a_template_chosen_from_the_list() {
    let name = deferred_with_console("desk-move");
    let mut session = on_a_terminal(Run::new(&[]));
    choose_from_menu(&mut session, 5);
    answer(&mut session, "IAM user to move", &name);
    session.exp_string("Job function").unwrap();
    press(&mut session, "\r");
    let plan = shown_until(&mut session, "Proceed?");
    assert!(
        plan.contains("iam:RemoveUserFromGroup GroupName=iam-onboard-finance"),
        "{plan}"
    );
    session.send_line("y").unwrap();
    let rest = finished_with(&mut session, 0);
    assert!(rest.contains("Moved"), "{rest}");
    assert_eq!(groups_of(&name).len(), 1);
    assert_ne!(groups_of(&name), ["iam-onboard-finance"]);
}

#[test]
fn the_menu_can_be_left_with_q() {
    let mut session = on_a_terminal(Run::new(&[]));
    session.exp_string("What do you want to do?").unwrap();
    press(&mut session, "q");
    session.exp_eof().unwrap();
    assert_eq!(exit_code(&mut session), 0);
}

#[test]
fn after_three_wrong_pairs_the_helper_can_keep_the_person_with_mfa_deferred() {
    let name = unique("wrong3");
    let (mut session, uri) = onboarding_at_the_code_prompt(&name, &["--no-console"]);
    let wrong = a_wrong_code(&uri);
    for _ in 0..3 {
        session.send_line(&wrong).unwrap();
        answer(&mut session, "Next code", &wrong);
    }
    session.exp_string("What now?").unwrap();
    press(&mut session, &format!("{DOWN}\r"));
    let rest = finished_with(&mut session, 0);
    assert!(rest.contains("deferred"), "{rest}");
    assert!(user_exists(&name), "the person is kept");
    assert_eq!(enabled_mfa_devices(&name), 0);
}
