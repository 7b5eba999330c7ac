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

pub(super) fn man() -> Result<(), Error> {
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
