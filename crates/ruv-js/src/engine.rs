//! Small engine helpers: evaluation with a file name, error text, ruv errors as values.

use rquickjs::{Ctx, Value};

/// Evaluates `source` as a script named `name`.
pub(crate) fn eval<'js, V: rquickjs::FromJs<'js>>(
    ctx: &Ctx<'js>,
    source: &str,
    name: &str,
) -> rquickjs::Result<V> {
    let mut opts = rquickjs::context::EvalOptions::default();
    opts.strict = false;
    opts.filename = Some(name.to_string());
    ctx.eval_with_options(source, opts)
}

/// An engine error as text, with the exception's stack when there is one.
pub(crate) fn describe(ctx: &Ctx<'_>, e: rquickjs::Error) -> String {
    if !e.is_exception() {
        return e.to_string();
    }
    let v = ctx.catch();
    if let Some(o) = v.as_object() {
        let stack: Option<String> = o.get("stack").ok();
        let msg: Option<String> = o.get("message").ok();
        let name: Option<String> = o.get("name").ok();
        return format!(
            "{}: {}\n{}",
            name.unwrap_or_else(|| "Error".into()),
            msg.unwrap_or_default(),
            stack.unwrap_or_default()
        );
    }
    format!("{v:?}")
}

/// A ruv error as the prelude's `[message, code, errno, syscall, path]`.
pub(crate) fn error_spec<'js>(ctx: &Ctx<'js>, e: &ruv_core::Error) -> rquickjs::Result<Value<'js>> {
    let arr = rquickjs::Array::new(ctx.clone())?;
    arr.set(0, e.to_string())?;
    arr.set(1, e.code().to_string())?;
    // Node's `err.errno` is the negated errno (`-2` for ENOENT)
    match e.code().errno() {
        Some(n) => arr.set(2, -n)?,
        None => arr.set(2, Value::new_undefined(ctx.clone()))?,
    }
    arr.set(3, e.syscall())?;
    arr.set(4, e.path().map(|p| p.to_string_lossy().into_owned()))?;
    Ok(arr.into_value())
}
