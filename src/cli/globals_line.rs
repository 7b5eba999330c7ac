//! The line that ends each subcommand's `--help`, naming the global options that apply to it
//! (`iam-onboard --help` describes them), and the command description that carries it, for
//! parsing, completions and the manual page.

use super::Cli;
use clap::CommandFactory;

/// The command line as clap describes it, for parsing, completions and the manual page, each
/// subcommand's help brief (`brief_globals`).
pub(crate) fn description() -> clap::Command {
    brief_globals(Cli::command())
}

/// A subcommand's `--help` shows its own options and names the global ones in a line
/// (`iam-onboard --help` describes them): each subcommand gets hidden copies of them, which
/// clap then propagates instead of the shown ones, still accepted. The line, on every
/// subcommand at every depth, names only those that apply there (`global_applies`); a group's
/// line names those that apply to any command under it.
fn brief_globals(mut command: clap::Command) -> clap::Command {
    let globals: Vec<clap::Arg> = command
        .get_arguments()
        .filter(|arg| arg.is_global_set())
        .cloned()
        .collect();
    for name in subcommand_names(&command) {
        command = command.mut_subcommand(&name, |sub| {
            let own = own_ids(&sub);
            let mut sub = with_globals_line(sub, &name, &globals);
            for global in globals.iter().filter(|g| !own.contains(g.get_id())) {
                sub = sub.arg(global.clone().hide(true));
            }
            sub
        });
    }
    command
}

/// The names of `command`'s subcommands.
fn subcommand_names(command: &clap::Command) -> Vec<String> {
    command
        .get_subcommands()
        .map(|sub| sub.get_name().to_string())
        .collect()
}

/// The ids of the arguments `command` defines itself.
fn own_ids(command: &clap::Command) -> Vec<clap::Id> {
    command
        .get_arguments()
        .map(|arg| arg.get_id().clone())
        .collect()
}

/// `sub` (at `path`, such as `templates rightsize`) and the subcommands under it, each with the
/// line naming the global options that apply to it and that it does not define itself.
fn with_globals_line(mut sub: clap::Command, path: &str, globals: &[clap::Arg]) -> clap::Command {
    let own = own_ids(&sub);
    let named: Vec<String> = globals
        .iter()
        .filter(|global| !own.contains(global.get_id()))
        .filter(|global| applies_under(&sub, path, global.get_id().as_str()))
        .map(flag_of)
        .collect();
    for child in subcommand_names(&sub) {
        sub = sub.mut_subcommand(&child, |command| {
            with_globals_line(command, &format!("{path} {child}"), globals)
        });
    }
    sub.after_help(format!(
        "Global options (iam-onboard --help describes them): {}",
        named.join(", ")
    ))
}

/// Whether the global option `id` applies to the command at `path` or to any command under it.
fn applies_under(command: &clap::Command, path: &str, id: &str) -> bool {
    if command.has_subcommands() {
        command
            .get_subcommands()
            .any(|child| applies_under(child, &format!("{path} {}", child.get_name()), id))
    } else {
        global_applies(path, id)
    }
}

/// Whether the global option `id` means something to the command at `path`: no AWS option for
/// the commands that call no AWS, no `--output` or `--templates` for those that print a script or
/// a page, no `--dry-run` for those that change nothing, and no `--yes` for those that ask nothing.
fn global_applies(path: &str, id: &str) -> bool {
    const PRINTS_A_FILE: &[&str] = &["completions", "man"];
    const OFFLINE: &[&str] = &[
        "completions",
        "man",
        "templates list",
        "templates show",
        "templates lint",
        "templates export",
    ];
    const READS_ONLY: &[&str] = &["show", "list", "audit", "templates rightsize"];
    let offline = OFFLINE.contains(&path);
    let changes_nothing = offline || READS_ONLY.contains(&path);
    match id {
        "output" | "templates" => !PRINTS_A_FILE.contains(&path),
        "dry_run" => !changes_nothing,
        "yes" => !changes_nothing && path != "review start",
        id if AWS_ONLY.contains(&id) => !offline,
        _ => true,
    }
}

/// The global options that only say where and how AWS is called.
const AWS_ONLY: &[&str] = &[
    "profile",
    "region",
    "sso_region",
    "endpoint_url",
    "call_timeout",
    "propagation_timeout",
    "protect",
    "config",
];

fn flag_of(arg: &clap::Arg) -> String {
    match (arg.get_short(), arg.get_long()) {
        (Some(short), Some(long)) => format!("-{short}/--{long}"),
        (None, Some(long)) => format!("--{long}"),
        (Some(short), None) => format!("-{short}"),
        (None, None) => arg.get_id().to_string(),
    }
}
