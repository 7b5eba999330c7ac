//! How text for people looks on this terminal: colour unless `NO_COLOR` is set (or stderr is
//! not a colour terminal), and Unicode symbols, half-block QR codes included, only when the
//! locale's character set is UTF-8; otherwise plain ASCII that any terminal shows.

use dialoguer::console::{Style, style};
use dialoguer::theme::ColorfulTheme;

/// The terminal's abilities, read once at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Look {
    pub(crate) color: bool,
    pub(crate) unicode: bool,
}

impl Look {
    /// Reads `NO_COLOR`, the colour support of stderr and the locale (`LC_ALL`, `LC_CTYPE`,
    /// `LANG`, the first one set), and applies the colour choice to every prompt.
    pub(crate) fn detect() -> Self {
        let look = Look::from_env(
            |name| std::env::var(name).ok(),
            dialoguer::console::colors_enabled_stderr(),
        );
        dialoguer::console::set_colors_enabled(look.color);
        dialoguer::console::set_colors_enabled_stderr(look.color);
        look
    }

    /// `NO_COLOR` with any non-empty value turns colour off (<https://no-color.org>). Without a
    /// locale the C locale applies, whose character set is ASCII.
    pub(crate) fn from_env(var: impl Fn(&str) -> Option<String>, color_terminal: bool) -> Self {
        let no_color = var("NO_COLOR").is_some_and(|value| !value.is_empty());
        let charset = ["LC_ALL", "LC_CTYPE", "LANG"]
            .into_iter()
            .find_map(|name| var(name).filter(|value| !value.is_empty()))
            .unwrap_or_default()
            .to_ascii_lowercase();
        Look {
            color: color_terminal && !no_color,
            unicode: charset.contains("utf-8") || charset.contains("utf8"),
        }
    }

    /// The mark before a line that went well.
    pub(crate) fn ok(&self) -> String {
        self.mark(if self.unicode { "✔" } else { "ok" }, Style::new().green())
    }

    /// The mark before a line that needs the person's attention.
    pub(crate) fn problem(&self) -> String {
        self.mark(if self.unicode { "✘" } else { "x" }, Style::new().red())
    }

    fn mark(&self, symbol: &str, colour: Style) -> String {
        if self.color {
            colour
                .for_stderr()
                .force_styling(true)
                .apply_to(symbol)
                .to_string()
        } else {
            symbol.to_string()
        }
    }

    /// The prompts' theme: dialoguer's colourful one, with ASCII symbols where Unicode cannot
    /// be shown (its colours already follow the colour choice).
    pub(crate) fn theme(&self) -> ColorfulTheme {
        let theme = ColorfulTheme::default();
        if self.unicode {
            return theme;
        }
        ColorfulTheme {
            prompt_suffix: style(">".to_string()).for_stderr().black().bright(),
            success_prefix: style("ok".to_string()).for_stderr().green(),
            success_suffix: style(":".to_string()).for_stderr().black().bright(),
            error_prefix: style("x".to_string()).for_stderr().red(),
            active_item_prefix: style(">".to_string()).for_stderr().green(),
            checked_item_prefix: style("[x]".to_string()).for_stderr().green(),
            unchecked_item_prefix: style("[ ]".to_string()).for_stderr().magenta(),
            picked_item_prefix: style(">".to_string()).for_stderr().green(),
            ..theme
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn look(vars: &[(&str, &str)], color_terminal: bool) -> Look {
        Look::from_env(
            |name| {
                vars.iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| value.to_string())
            },
            color_terminal,
        )
    }

    #[test]
    fn no_color_with_a_value_turns_colour_off() {
        assert!(look(&[], true).color);
        assert!(!look(&[("NO_COLOR", "1")], true).color);
        assert!(look(&[("NO_COLOR", "")], true).color, "empty means unset");
        assert!(!look(&[], false).color, "not a colour terminal");
    }

    #[test]
    fn unicode_follows_the_first_locale_variable_set() {
        assert!(look(&[("LANG", "en_GB.UTF-8")], false).unicode);
        assert!(look(&[("LC_CTYPE", "C.utf8"), ("LANG", "C")], false).unicode);
        assert!(!look(&[("LC_ALL", "C"), ("LANG", "en_US.UTF-8")], false).unicode);
        assert!(!look(&[("LANG", "de_DE.ISO-8859-1")], false).unicode);
        assert!(!look(&[], false).unicode, "no locale is the C locale");
    }

    #[test]
    fn plain_terminals_get_ascii_marks_without_escapes() {
        let plain = Look {
            color: false,
            unicode: false,
        };
        assert_eq!((plain.ok(), plain.problem()), ("ok".into(), "x".into()));
        let theme = plain.theme();
        assert!(theme.active_item_prefix.to_string().is_ascii());
        assert!(theme.error_prefix.to_string().is_ascii());
        let rich = Look {
            color: true,
            unicode: true,
        };
        assert!(rich.ok().contains('✔') && rich.ok().contains('\u{1b}'));
    }
}
