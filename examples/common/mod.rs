//! The examples' shared command line: `-h`/`--help`, flags with values (`--port 80` or
//! `--port=80`), and how they fail.
//!
//! Included by each example with `#[path = "common/mod.rs"] mod common;` (this directory has
//! no `main.rs`, so Cargo does not build it as an example of its own).
//!
//! * `-h` or `--help`: the example's usage text on stdout, exit status 0.
//! * A bad flag or value: `NAME: <what is wrong>` and `try 'NAME --help'` on stderr, exit
//!   status 2.
//! * A failure while running: `NAME: <error>` on stderr, the error's `Display` (Node's
//!   format for ruv's errors: `ENOENT: no such file or directory, open 'nope'`), exit status 1.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fmt::Display;
use std::str::FromStr;

/// Exit status for a bad command line.
pub const USAGE_ERROR: i32 = 2;

/// The arguments of one example, consumed front to back.
pub struct Args {
    name: &'static str,
    usage: String,
    rest: VecDeque<OsString>,
    /// The value glued to the last flag (`--port=80`), not yet taken: (flag, value).
    glued: Option<(String, OsString)>,
    /// After `--`: everything is positional.
    positional_only: bool,
}

/// One command-line item.
#[derive(Debug, PartialEq, Eq)]
pub enum Arg {
    /// `-x` or `--xyz` (with any `=value` split off, to be taken with [`Args::value`]).
    Flag(String),
    /// Anything else, including `-` alone and everything after `--` (as given: a path need
    /// not be UTF-8; [`Args::text`] for a string).
    Positional(OsString),
}

impl Args {
    /// The process's arguments. `usage` is the whole help text, starting with `usage: NAME`.
    pub fn from_env(name: &'static str, usage: impl Into<String>) -> Args {
        Args::new(name, usage, std::env::args_os().skip(1))
    }

    /// Arguments from a list (the program name not included).
    pub fn new(
        name: &'static str,
        usage: impl Into<String>,
        args: impl IntoIterator<Item = OsString>,
    ) -> Args {
        Args {
            name,
            usage: usage.into(),
            rest: args.into_iter().collect(),
            glued: None,
            positional_only: false,
        }
    }

    /// The next item. `-h`/`--help` prints the usage and exits with 0; a flag given a value
    /// that was not taken (`--json=1`) is a usage error.
    pub fn next(&mut self) -> Option<Arg> {
        if let Some((flag, v)) = self.glued.take() {
            self.bad(format!("{flag} takes no value, got {v:?}"));
        }
        let a = self.rest.pop_front()?;
        if self.positional_only || a == "-" || !a.as_encoded_bytes().starts_with(b"-") {
            return Some(Arg::Positional(a));
        }
        let a = a.to_string_lossy().into_owned();
        if a == "--" {
            self.positional_only = true;
            return self.next();
        }
        if a == "-h" || a == "--help" {
            print!("{}", self.usage);
            std::process::exit(0);
        }
        match a.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                self.glued = Some((flag.to_string(), value.into()));
                Some(Arg::Flag(flag.to_string()))
            }
            _ => Some(Arg::Flag(a)),
        }
    }

    /// The value of `flag` as given (a path): glued to it, or the next argument.
    pub fn value_os(&mut self, flag: &str) -> OsString {
        match self
            .glued
            .take()
            .map(|g| g.1)
            .or_else(|| self.rest.pop_front())
        {
            Some(v) => v,
            None => self.bad(format!("{flag} needs a value")),
        }
    }

    /// The value of `flag` as a string.
    pub fn value_str(&mut self, flag: &str) -> String {
        let v = self.value_os(flag);
        self.text(v, flag)
    }

    /// `v`, given for `name`, as a string; not UTF-8 is a usage error.
    pub fn text(&self, v: OsString, name: &str) -> String {
        v.into_string()
            .unwrap_or_else(|v| self.bad(format!("{name} must be UTF-8 text, got {v:?}")))
    }

    /// The value of `flag`, parsed; `what` says what it must be (`a port number`).
    pub fn value<T: FromStr>(&mut self, flag: &str, what: &str) -> T {
        let v = self.value_str(flag);
        self.parse(&v, flag, what)
    }

    /// Parses `v`, given for `name` (a flag or a positional's name), or fails with a usage
    /// error saying `name must be WHAT, got "v"`.
    pub fn parse<T: FromStr>(&self, v: &str, name: &str, what: &str) -> T {
        match v.parse() {
            Ok(x) => x,
            Err(_) => self.bad(format!("{name} must be {what}, got {v:?}")),
        }
    }

    /// A usage error: the message and a hint on stderr, exit status 2.
    pub fn bad(&self, msg: impl Display) -> ! {
        eprintln!("{}: {msg}", self.name);
        eprintln!("try '{} --help' for usage", self.name);
        std::process::exit(USAGE_ERROR);
    }

    /// The usage error for an item the example does not take.
    pub fn unexpected(&self, arg: Arg) -> ! {
        match arg {
            Arg::Flag(f) => self.bad(format!("unknown flag {f}")),
            Arg::Positional(p) => self.bad(format!("unexpected argument {p:?}")),
        }
    }
}

/// A failure while running: `NAME: <error>` on stderr, exit status 1.
pub fn fail(name: &str, e: impl Display) -> ! {
    eprintln!("{name}: {e}");
    std::process::exit(1);
}
