//! The optional `tracing` feature: a span per loop phase and per callback.
//!
//! With the feature on, [`Loop::run`](crate::Loop::run) opens a `trace`-level span `phase`
//! (field `name`: `pending`, `idle`, `prepare`, `poll`, `check`, `closing`, `timers`) around
//! each phase, and every callback run by the dispatch helpers runs in a `trace`-level span
//! `callback` (fields `kind` and `site`, the registration site as `file:line:col`). With it
//! off (the default) both macros expand to nothing.

/// Runs `$e` inside a span named after the phase.
#[cfg(feature = "tracing")]
macro_rules! phase {
    ($name:literal, $e:expr) => {{
        let _span = tracing::trace_span!("phase", name = $name).entered();
        $e
    }};
}

/// Runs `$e` (no tracing).
#[cfg(not(feature = "tracing"))]
macro_rules! phase {
    ($name:literal, $e:expr) => {
        $e
    };
}

/// Opens a span for callback `$info` until the end of the enclosing block.
#[cfg(feature = "tracing")]
macro_rules! callback_span {
    ($info:expr) => {
        let info: crate::registry::CallbackInfo = $info;
        let _span = tracing::trace_span!(
            "callback",
            kind = info.kind,
            site = tracing::field::display(info.site)
        )
        .entered();
    };
}

/// Nothing (no tracing).
#[cfg(not(feature = "tracing"))]
macro_rules! callback_span {
    ($info:expr) => {};
}

pub(crate) use {callback_span, phase};
