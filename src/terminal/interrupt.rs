//! Ctrl-C (SIGINT), SIGTERM (a cancelled CI job, `kill`) and SIGHUP (a closed terminal) for the
//! whole run, all handled alike. Before any change starts, a signal ends the program at once
//! with its exit code (130, 143, 129), after showing the terminal's cursor again (a
//! confirmation prompt hides it). While changes are being made, it is handed to the code making
//! them instead, which undoes them (`new-user`, `assign`, batch rows in flight; secret files
//! this run wrote are removed with them) or stops between removals (`offboard`); the program
//! then ends with the same exit code.

use crate::error::exit;
use std::future::Future;
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use tokio::sync::Notify;

/// A signal that stops a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    /// SIGINT: Ctrl-C.
    Interrupt,
    /// SIGTERM: asked to stop.
    Terminate,
    /// SIGHUP: the terminal went away.
    HangUp,
}

impl Signal {
    const ALL: [Signal; 3] = [Signal::Interrupt, Signal::Terminate, Signal::HangUp];

    /// The documented exit code: 128 plus the signal's number, as shells report it.
    pub(crate) fn exit_code(self) -> u8 {
        match self {
            Signal::Interrupt => exit::INTERRUPTED,
            Signal::Terminate => exit::TERMINATED,
            Signal::HangUp => exit::HANGUP,
        }
    }

    fn from_exit_code(code: u8) -> Option<Signal> {
        Signal::ALL.into_iter().find(|s| s.exit_code() == code)
    }

    /// How a message names what happened.
    pub(crate) fn what(self) -> &'static str {
        match self {
            Signal::Interrupt => "interrupted",
            Signal::Terminate => "terminated (SIGTERM)",
            Signal::HangUp => "hung up (SIGHUP)",
        }
    }

    #[cfg(unix)]
    fn kind(self) -> tokio::signal::unix::SignalKind {
        use tokio::signal::unix::SignalKind;
        match self {
            Signal::Interrupt => SignalKind::interrupt(),
            Signal::Terminate => SignalKind::terminate(),
            Signal::HangUp => SignalKind::hangup(),
        }
    }
}

/// The program's signal handling; `listen` once at start.
#[derive(Clone)]
pub(crate) struct Interrupts {
    during_changes: Arc<AtomicBool>,
    /// The exit code of the first signal received, 0 for none.
    received: Arc<AtomicU8>,
    pressed: Arc<Notify>,
}

impl Interrupts {
    /// Takes over SIGINT, SIGTERM and SIGHUP from their defaults, which would kill the program
    /// mid-change.
    pub(crate) fn listen() -> Self {
        let interrupts = Interrupts {
            during_changes: Arc::new(AtomicBool::new(false)),
            received: Arc::new(AtomicU8::new(0)),
            pressed: Arc::new(Notify::new()),
        };
        for signal in Signal::ALL {
            let handler = interrupts.clone();
            tokio::spawn(async move {
                let mut stream = match listen_for(signal) {
                    Ok(stream) => stream,
                    Err(err) => {
                        tracing::warn!(%err, ?signal, "cannot handle the signal");
                        return;
                    }
                };
                while stream.recv().await.is_some() {
                    handler.arrived(signal);
                }
            });
        }
        interrupts
    }

    fn arrived(&self, signal: Signal) {
        let _ = self.received.compare_exchange(
            0,
            signal.exit_code(),
            Ordering::SeqCst,
            Ordering::SeqCst,
        );
        if self.during_changes.load(Ordering::SeqCst) {
            self.pressed.notify_one();
        } else {
            restore_terminal();
            crate::terminal::output::print_err(&format!(
                "\niam-onboard: {}; nothing was changed\n",
                signal.what()
            ));
            std::process::exit(i32::from(signal.exit_code()));
        }
    }

    /// The first signal received, if any.
    pub(crate) fn received(&self) -> Option<Signal> {
        Signal::from_exit_code(self.received.load(Ordering::SeqCst))
    }

    /// From now on a signal no longer ends the program: the returned future completes instead.
    pub(crate) fn during_changes(&self) -> impl Future<Output = ()> + use<> {
        self.during_changes.store(true, Ordering::SeqCst);
        let pressed = self.pressed.clone();
        async move { pressed.notified().await }
    }
}

/// A stream of `signal`'s arrivals.
#[cfg(unix)]
fn listen_for(signal: Signal) -> std::io::Result<SignalStream> {
    tokio::signal::unix::signal(signal.kind()).map(SignalStream)
}

#[cfg(unix)]
struct SignalStream(tokio::signal::unix::Signal);

#[cfg(unix)]
impl SignalStream {
    async fn recv(&mut self) -> Option<()> {
        self.0.recv().await
    }
}

/// Elsewhere only Ctrl-C is there to handle.
#[cfg(not(unix))]
fn listen_for(signal: Signal) -> std::io::Result<SignalStream> {
    match signal {
        Signal::Interrupt => Ok(SignalStream),
        _ => Err(std::io::Error::other("not on this platform")),
    }
}

#[cfg(not(unix))]
struct SignalStream;

#[cfg(not(unix))]
impl SignalStream {
    async fn recv(&mut self) -> Option<()> {
        tokio::signal::ctrl_c().await.ok()
    }
}

/// Shows the cursor again, on a terminal, in case a prompt hid it.
pub(crate) fn restore_terminal() {
    if std::io::stderr().is_terminal() {
        let _ = dialoguer::console::Term::stderr().show_cursor();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_signal_ends_with_128_plus_its_number() {
        assert_eq!(Signal::Interrupt.exit_code(), 130);
        assert_eq!(Signal::Terminate.exit_code(), 143);
        assert_eq!(Signal::HangUp.exit_code(), 129);
        for signal in Signal::ALL {
            assert_eq!(Signal::from_exit_code(signal.exit_code()), Some(signal));
        }
        assert_eq!(Signal::from_exit_code(0), None);
    }
}
