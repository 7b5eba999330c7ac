//! Asking a person at the terminal: the `Prompter` trait (text, choices, yes/no, each answer
//! checked before it is taken), so the helpdesk's questions are tested with scripted answers,
//! and `Dialogue`, which asks them on stderr with dialoguer in the terminal's look.

use crate::error::Error;
use crate::terminal::look::Look;
use dialoguer::theme::ColorfulTheme;

/// A check an answer must pass before it is taken: the reason is shown and the question asked
/// again.
pub(crate) type Check<'a> = &'a dyn Fn(&str) -> Result<(), String>;

/// Asks a person questions. Every answer comes back trimmed.
pub(crate) trait Prompter {
    /// A line of text; `optional` takes an empty answer.
    fn text(&mut self, prompt: &str, optional: bool, check: Check<'_>) -> Result<String, Error>;
    /// One of `items`, chosen with the arrow keys.
    fn choose(&mut self, prompt: &str, items: &[String]) -> Result<usize, Error>;
    /// A choice that Esc or q may decline: `None`.
    fn choose_or_leave(&mut self, prompt: &str, items: &[String]) -> Result<Option<usize>, Error>;
    /// One of `items`, found by typing part of it.
    fn search(&mut self, prompt: &str, items: &[String]) -> Result<usize, Error>;
    fn yes_no(&mut self, prompt: &str, default: bool) -> Result<bool, Error>;
    /// A line for the person: why an answer cannot be used.
    fn tell(&mut self, line: &str);
}

/// The terminal's prompts (on stderr), in the terminal's look.
pub(crate) struct Dialogue {
    look: Look,
    theme: ColorfulTheme,
}

impl Dialogue {
    pub(crate) fn new(look: Look) -> Self {
        Dialogue {
            look,
            theme: look.theme(),
        }
    }
}

/// A prompt that got no answer. In the prompt's raw mode Ctrl-C is a key and comes back as
/// `Interrupted`; no prompt is asked once changes have started, so nothing has changed.
pub(crate) fn unanswered(err: dialoguer::Error) -> Error {
    let dialoguer::Error::IO(err) = err;
    if err.kind() == std::io::ErrorKind::Interrupted {
        Error::InterruptedBeforeChanges
    } else {
        Error::io("cannot read the answer", err)
    }
}

impl Prompter for Dialogue {
    fn text(&mut self, prompt: &str, optional: bool, check: Check<'_>) -> Result<String, Error> {
        dialoguer::Input::<String>::with_theme(&self.theme)
            .with_prompt(prompt)
            .allow_empty(optional)
            .validate_with(|answer: &String| -> Result<(), String> {
                match answer.trim() {
                    "" if optional => Ok(()),
                    answer => check(answer),
                }
            })
            .interact_text()
            .map(|answer| answer.trim().to_string())
            .map_err(unanswered)
    }

    fn choose(&mut self, prompt: &str, items: &[String]) -> Result<usize, Error> {
        dialoguer::Select::with_theme(&self.theme)
            .with_prompt(prompt)
            .items(items)
            .default(0)
            .interact()
            .map_err(unanswered)
    }

    fn choose_or_leave(&mut self, prompt: &str, items: &[String]) -> Result<Option<usize>, Error> {
        dialoguer::Select::with_theme(&self.theme)
            .with_prompt(prompt)
            .items(items)
            .default(0)
            .interact_opt()
            .map_err(unanswered)
    }

    fn search(&mut self, prompt: &str, items: &[String]) -> Result<usize, Error> {
        dialoguer::FuzzySelect::with_theme(&self.theme)
            .with_prompt(prompt)
            .items(items)
            .default(0)
            .max_length(15)
            .interact()
            .map_err(unanswered)
    }

    fn yes_no(&mut self, prompt: &str, default: bool) -> Result<bool, Error> {
        dialoguer::Confirm::with_theme(&self.theme)
            .with_prompt(prompt)
            .default(default)
            .interact()
            .map_err(unanswered)
    }

    fn tell(&mut self, line: &str) {
        eprintln!("{} {line}", self.look.problem());
    }
}
