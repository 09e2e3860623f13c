//! Compiles the prelude (`src/js/*.js`, joined in order) to QuickJS bytecode at build time.
//!
//! Parsing and compiling the prelude's ten thousand lines was most of ruvjs's start-up (a
//! profile: QuickJS's tokenizer, atom table and scope resolution); loading bytecode skips
//! all of it. The bytecode is made by the same QuickJS (this crate's rquickjs version)
//! that loads it.

use std::path::PathBuf;

/// The prelude's parts, in the order they are joined (one function, `base.js` opens it and
/// `modules.js` closes it).
const PARTS: &[&str] = &[
    "base.js",
    "node.js",
    "timers.js",
    "stream.js",
    "stream_w.js",
    "worker.js",
    "http.js",
    "cluster.js",
    "http_client.js",
    "net.js",
    "errors.js",
    "fsx.js",
    "iostreams.js",
    "dns.js",
    "cp.js",
    "util2.js",
    "url.js",
    "sys.js",
    "modules.js",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("src/js");
    // a module whose default export is the prelude's function
    let mut source = String::from("export default ");
    for part in PARTS {
        println!("cargo:rerun-if-changed=src/js/{part}");
        source.push_str(&std::fs::read_to_string(dir.join(part))?);
    }
    let rt = rquickjs::Runtime::new()?;
    let ctx = rquickjs::Context::full(&rt)?;
    let bytes = ctx.with(|ctx| -> Result<Vec<u8>, String> {
        let compiled = rquickjs::Module::declare(ctx.clone(), "node:internal/prelude", source)
            .and_then(|m| m.write(rquickjs::module::WriteOptions::default()));
        compiled.map_err(|e| {
            let thrown = ctx.catch();
            format!("the prelude does not compile: {e}: {thrown:?}")
        })
    })?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?).join("prelude.qbc");
    std::fs::write(out, bytes)?;
    Ok(())
}
