//! Signals by Node's names (`os.constants.signals` on Linux).

use ruv_core::{Code, Error, Result};
use std::fmt;

/// Node's code for a signal name it does not know (`Unknown signal: SIGFOO`).
pub const ERR_UNKNOWN_SIGNAL: Code = Code::new("ERR_UNKNOWN_SIGNAL", "Unknown signal");

/// A signal number, named as Node names it (`Signal::SIGTERM` displays as `SIGTERM`).
///
/// ```
/// use ruv_process::child::Signal;
/// assert_eq!(Signal::SIGTERM.name(), Some("SIGTERM"));
/// assert_eq!("SIGKILL".parse::<Signal>()?, Signal::SIGKILL);
/// assert_eq!(Signal::from_raw(6).map(|s| s.to_string()).as_deref(), Some("SIGABRT"));
/// assert_eq!(
///     "SIGFOO".parse::<Signal>().unwrap_err().to_string(),
///     "ERR_UNKNOWN_SIGNAL: Unknown signal: SIGFOO"
/// );
/// # Ok::<(), ruv_core::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signal(i32);

/// Node's Linux table; where two names share a number, the first is the one Node reports
/// (6 is `SIGABRT`, 29 is `SIGIO`).
const TABLE: &[(&str, i32)] = &[
    ("SIGHUP", libc::SIGHUP),
    ("SIGINT", libc::SIGINT),
    ("SIGQUIT", libc::SIGQUIT),
    ("SIGILL", libc::SIGILL),
    ("SIGTRAP", libc::SIGTRAP),
    ("SIGABRT", libc::SIGABRT),
    ("SIGIOT", libc::SIGIOT),
    ("SIGBUS", libc::SIGBUS),
    ("SIGFPE", libc::SIGFPE),
    ("SIGKILL", libc::SIGKILL),
    ("SIGUSR1", libc::SIGUSR1),
    ("SIGSEGV", libc::SIGSEGV),
    ("SIGUSR2", libc::SIGUSR2),
    ("SIGPIPE", libc::SIGPIPE),
    ("SIGALRM", libc::SIGALRM),
    ("SIGTERM", libc::SIGTERM),
    ("SIGCHLD", libc::SIGCHLD),
    ("SIGSTKFLT", libc::SIGSTKFLT),
    ("SIGCONT", libc::SIGCONT),
    ("SIGSTOP", libc::SIGSTOP),
    ("SIGTSTP", libc::SIGTSTP),
    ("SIGTTIN", libc::SIGTTIN),
    ("SIGTTOU", libc::SIGTTOU),
    ("SIGURG", libc::SIGURG),
    ("SIGXCPU", libc::SIGXCPU),
    ("SIGXFSZ", libc::SIGXFSZ),
    ("SIGVTALRM", libc::SIGVTALRM),
    ("SIGPROF", libc::SIGPROF),
    ("SIGWINCH", libc::SIGWINCH),
    ("SIGIO", libc::SIGIO),
    ("SIGPOLL", libc::SIGPOLL),
    ("SIGPWR", libc::SIGPWR),
    ("SIGSYS", libc::SIGSYS),
];

impl Signal {
    /// Hang-up (1).
    pub const SIGHUP: Signal = Signal(libc::SIGHUP);
    /// Interrupt (2).
    pub const SIGINT: Signal = Signal(libc::SIGINT);
    /// Quit (3).
    pub const SIGQUIT: Signal = Signal(libc::SIGQUIT);
    /// Abort (6).
    pub const SIGABRT: Signal = Signal(libc::SIGABRT);
    /// Kill, which cannot be caught (9).
    pub const SIGKILL: Signal = Signal(libc::SIGKILL);
    /// User signal 1 (10).
    pub const SIGUSR1: Signal = Signal(libc::SIGUSR1);
    /// Segmentation fault (11).
    pub const SIGSEGV: Signal = Signal(libc::SIGSEGV);
    /// User signal 2 (12).
    pub const SIGUSR2: Signal = Signal(libc::SIGUSR2);
    /// Broken pipe (13).
    pub const SIGPIPE: Signal = Signal(libc::SIGPIPE);
    /// Alarm (14).
    pub const SIGALRM: Signal = Signal(libc::SIGALRM);
    /// Terminate: Node's default for `kill()` (15).
    pub const SIGTERM: Signal = Signal(libc::SIGTERM);
    /// Child status changed (17).
    pub const SIGCHLD: Signal = Signal(libc::SIGCHLD);
    /// Continue a stopped process (18).
    pub const SIGCONT: Signal = Signal(libc::SIGCONT);
    /// Stop, which cannot be caught (19).
    pub const SIGSTOP: Signal = Signal(libc::SIGSTOP);
    /// Terminal stop (20).
    pub const SIGTSTP: Signal = Signal(libc::SIGTSTP);

    /// The signal Node calls `name` (`"SIGTERM"`, `"SIGIOT"` …).
    pub fn from_name(name: &str) -> Option<Signal> {
        TABLE
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, v)| Signal(v))
    }

    /// The signal numbered `n`: 1 to 64, or 0 (no signal: `kill` then only checks that the
    /// child is there, as `kill(pid, 0)` does).
    pub fn from_raw(n: i32) -> Option<Signal> {
        (0..=64).contains(&n).then_some(Signal(n))
    }

    /// The signal's number.
    pub fn as_raw(self) -> i32 {
        self.0
    }

    /// Node's name for it (`None` for 0 and the real-time signals, which Node does not name).
    pub fn name(self) -> Option<&'static str> {
        TABLE.iter().find(|&&(_, v)| v == self.0).map(|&(n, _)| n)
    }
}

impl fmt::Display for Signal {
    /// The name, or the number for a signal Node does not name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "{}", self.0),
        }
    }
}

impl fmt::Debug for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::str::FromStr for Signal {
    type Err = Error;

    /// A name from Node's table; anything else is `ERR_UNKNOWN_SIGNAL`.
    fn from_str(s: &str) -> Result<Signal> {
        Signal::from_name(s).ok_or_else(|| {
            Error::new(ERR_UNKNOWN_SIGNAL).with_detail(format!("Unknown signal: {s}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_maps_back_to_its_first_name() {
        for &(name, n) in TABLE {
            let sig = Signal::from_name(name).unwrap();
            assert_eq!(sig.as_raw(), n);
            let first = TABLE.iter().find(|&&(_, v)| v == n).unwrap().0;
            assert_eq!(sig.name(), Some(first));
        }
        assert_eq!(Signal::from_raw(29).unwrap().name(), Some("SIGIO"));
        assert_eq!(Signal::from_raw(40).unwrap().to_string(), "40");
        assert_eq!(Signal::from_raw(65), None);
    }
}
