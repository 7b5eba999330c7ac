//! Everything between the tool and the person at the terminal: the questions (`prompt`: the
//! `Prompter` trait and its dialoguer adapter; `helpdesk`: the menu and each command's
//! questions), MFA codes typed or piped in (`code_input`), how text looks here (`look`),
//! signals (`interrupt`) and writing to stdout and stderr (`output`).

pub(crate) mod code_input;
pub(crate) mod helpdesk;
pub(crate) mod interrupt;
pub(crate) mod look;
pub(crate) mod output;
pub(crate) mod prompt;
