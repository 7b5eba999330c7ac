//! Ctrl-C for the whole run. Before any change starts, it ends the program at once with exit
//! 130, after showing the terminal's cursor again (a confirmation prompt hides it). While
//! changes are being made, it is handed to the code making them instead, which undoes them
//! (`new-user`) or stops between removals (`offboard`).

use crate::error::exit;
use std::future::Future;
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::Notify;

/// The program's Ctrl-C handling; `listen` once at start.
#[derive(Clone)]
pub struct Interrupts {
    during_changes: Arc<AtomicBool>,
    pressed: Arc<Notify>,
}

impl Interrupts {
    /// Takes over Ctrl-C (SIGINT) from the default, which would kill the program mid-prompt.
    pub fn listen() -> Self {
        let interrupts = Interrupts {
            during_changes: Arc::new(AtomicBool::new(false)),
            pressed: Arc::new(Notify::new()),
        };
        let handler = interrupts.clone();
        tokio::spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() {
                if handler.during_changes.load(Ordering::SeqCst) {
                    handler.pressed.notify_one();
                } else {
                    restore_terminal();
                    eprintln!("\niam-onboard: interrupted; nothing was changed");
                    std::process::exit(i32::from(exit::INTERRUPTED));
                }
            }
        });
        interrupts
    }

    /// From now on Ctrl-C no longer ends the program: the returned future completes instead.
    pub fn during_changes(&self) -> impl Future<Output = ()> + use<> {
        self.during_changes.store(true, Ordering::SeqCst);
        let pressed = self.pressed.clone();
        async move { pressed.notified().await }
    }
}

/// Shows the cursor again, on a terminal, in case a prompt hid it.
pub fn restore_terminal() {
    if std::io::stderr().is_terminal() {
        let _ = dialoguer::console::Term::stderr().show_cursor();
    }
}
