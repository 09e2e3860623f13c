//! Sharing one `getaddrinfo` answer between identical lookups that were all waiting for it.
//!
//! A lookup takes a **ticket** when it is submitted: the number of resolver calls started so
//! far, process-wide. Each call takes the next number when it starts and publishes its answer
//! under its key (host, family, flags). When a lookup reaches a worker, it may take a published
//! answer for its key **only if that answer's call started after the lookup was submitted**
//! (call number > ticket); otherwise it makes its own call.
//!
//! So every answer a caller gets comes from a `getaddrinfo` call that began after the caller
//! asked and ended before the caller was answered: exactly what a call of its own, started at
//! that moment, could have returned. Nothing is ever served from before the request (this is
//! not a cache), and a lookup never waits for another one. What it saves is the repeated work
//! when many identical lookups are queued at once (a burst of connections to one host): the
//! first to reach a worker resolves, the others take its answer. The observable difference from
//! one call per lookup: concurrent lookups of one name get the same answer, where separate
//! calls might each have seen a different order (e.g. from a DNS server that rotates records).
//! [`set_coalescing`](crate::set_coalescing) turns it off.

use crate::error::Failure;
use crate::options::LookupAddress;
use std::ffi::CString;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// A resolver answer, shared between the lookups that take it.
pub(crate) type Outcome = Arc<Result<Vec<LookupAddress>, Failure>>;

/// What makes two lookups the same call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Key {
    pub(crate) host: CString,
    pub(crate) family: i32,
    pub(crate) flags: i32,
}

/// A published answer: the number of the call that produced it.
struct Entry {
    key: Key,
    call: u64,
    outcome: Outcome,
}

/// How many keys keep their latest answer. Only answers of calls newer than a queued lookup's
/// ticket are of use, so a handful of hot names is all this needs.
const CAPACITY: usize = 32;

/// A table of latest answers with its call counter. The process has one ([`GLOBAL`]); tests
/// make their own.
pub(crate) struct Coalescer {
    enabled: AtomicBool,
    calls: AtomicU64,
    recent: Mutex<Vec<Entry>>,
}

/// The process-wide table every lookup uses.
pub(crate) static GLOBAL: Coalescer = Coalescer::new();

impl Coalescer {
    pub(crate) const fn new() -> Coalescer {
        Coalescer {
            enabled: AtomicBool::new(true),
            calls: AtomicU64::new(0),
            recent: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn set_enabled(&self, on: bool) {
        self.enabled.store(on, Ordering::SeqCst);
        if !on {
            self.table().clear();
        }
    }

    /// The ticket of a lookup submitted now.
    pub(crate) fn ticket(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }

    fn table(&self) -> std::sync::MutexGuard<'_, Vec<Entry>> {
        // Nothing panics while the lock is held; a poisoned lock still holds a valid table.
        self.recent.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The answer for `key` for a lookup holding `ticket`: a published one from a call that
    /// started after the ticket was taken, else the result of `call` (then published).
    pub(crate) fn resolve(
        &self,
        key: &Key,
        ticket: u64,
        call: impl FnOnce() -> Result<Vec<LookupAddress>, Failure>,
    ) -> Outcome {
        let on = self.enabled.load(Ordering::Relaxed);
        if on {
            let table = self.table();
            if let Some(e) = table.iter().find(|e| e.key == *key) {
                if e.call > ticket {
                    return e.outcome.clone();
                }
            }
        }
        // This call's number: every lookup whose ticket is below it asked before it started.
        let number = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        let outcome = Arc::new(call());
        if on {
            let mut table = self.table();
            if let Some(e) = table.iter_mut().find(|e| e.key == *key) {
                if e.call < number {
                    e.call = number;
                    e.outcome = outcome.clone();
                }
            } else {
                if table.len() >= CAPACITY {
                    // Drop the entry of the oldest call: it is the least likely to serve anyone.
                    let oldest = (0..table.len()).min_by_key(|&i| table[i].call).unwrap_or(0);
                    table.swap_remove(oldest);
                }
                table.push(Entry {
                    key: key.clone(),
                    call: number,
                    outcome: outcome.clone(),
                });
            }
        }
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn key(h: &str) -> Key {
        Key {
            host: CString::new(h).unwrap(),
            family: 0,
            flags: 0,
        }
    }

    fn answer(last: u8) -> Result<Vec<LookupAddress>, Failure> {
        Ok(vec![LookupAddress::new(
            Ipv4Addr::new(10, 0, 0, last).into(),
        )])
    }

    #[test]
    fn shares_only_calls_started_after_the_ticket() {
        let c = Coalescer::new();
        let early = c.ticket();
        let a = c.resolve(&key("h"), early, || answer(1));
        // A lookup submitted before that call started takes its answer without calling.
        let b = c.resolve(&key("h"), early, || panic!("must share"));
        assert!(Arc::ptr_eq(&a, &b));
        // A lookup submitted after it started makes its own call.
        let late = c.ticket();
        let d = c.resolve(&key("h"), late, || answer(2));
        assert_eq!(*d, answer(2));
        // ... which the next such lookup shares, and an older ticket too.
        let e = c.resolve(&key("h"), early, || panic!("must share"));
        assert!(Arc::ptr_eq(&d, &e));
    }

    #[test]
    fn keys_differ_by_host_family_and_flags() {
        let c = Coalescer::new();
        let t = c.ticket();
        c.resolve(&key("h"), t, || answer(1));
        let mut k = key("h");
        k.family = libc::AF_INET;
        assert_eq!(*c.resolve(&k, t, || answer(2)), answer(2));
        k.flags = libc::AI_ADDRCONFIG;
        assert_eq!(*c.resolve(&k, t, || answer(3)), answer(3));
        assert_eq!(*c.resolve(&key("H"), t, || answer(4)), answer(4));
    }

    #[test]
    fn failures_are_shared_too_and_off_means_off() {
        let c = Coalescer::new();
        let t = c.ticket();
        let fail = Err(Failure::Eai {
            eai: libc::EAI_NONAME,
            errno: 0,
        });
        c.resolve(&key("x"), t, || fail.clone());
        assert_eq!(*c.resolve(&key("x"), t, || panic!("must share")), fail);
        c.set_enabled(false);
        assert_eq!(*c.resolve(&key("x"), t, || answer(9)), answer(9));
        assert_eq!(*c.resolve(&key("x"), t, || answer(8)), answer(8));
    }

    #[test]
    fn table_is_bounded() {
        let c = Coalescer::new();
        let t = c.ticket();
        for i in 0..100 {
            c.resolve(&key(&format!("h{i}")), t, || answer(1));
        }
        assert_eq!(c.table().len(), CAPACITY);
        // The newest keys are kept.
        c.resolve(&key("h99"), t, || panic!("must share"));
    }
}
