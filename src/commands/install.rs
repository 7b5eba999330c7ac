//! `completions` and `man`: what installing the tool puts beside the binary, generated from the
//! same command-line description as `--help` (clap_complete, clap_mangen).

use crate::error::Error;

pub(super) fn completions(shell: clap_complete::Shell) -> Result<(), Error> {
    let mut command = crate::cli::description();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "iam-onboard", &mut out);
    crate::report::print(&String::from_utf8_lossy(&out));
    Ok(())
}

/// The manual page on standard output, or with `dir` every page (the tool's and one a
/// subcommand, which its SEE ALSO and SUBCOMMANDS sections name) written into that folder.
pub(super) fn man(dir: Option<&std::path::Path>) -> Result<(), Error> {
    if let Some(dir) = dir {
        clap_mangen::generate_to(crate::cli::description(), dir).map_err(|source| Error::Io {
            context: format!("cannot write the manual pages into {}", dir.display()),
            source,
        })?;
        crate::report::print_err(&format!(
            "wrote the manual pages into {}; with it on MANPATH, man iam-onboard-new-user\n",
            dir.display()
        ));
        return Ok(());
    }
    let mut out = Vec::new();
    clap_mangen::Man::new(crate::cli::description())
        .render(&mut out)
        .map_err(|source| Error::Io {
            context: "cannot write the manual page".to_string(),
            source,
        })?;
    crate::report::print(&String::from_utf8_lossy(&out));
    Ok(())
}
