//! `ruvjs`: runs a Node script on ruv (`ruvjs script.js [args]`).

use std::process::ExitCode;

const USAGE: &str = "usage: ruvjs [--max-old-space-size=MB] SCRIPT.js [ARGS...]

Runs a Node.js script (CommonJS) on ruv's event loop with QuickJS.

  SCRIPT.js                 the script; ARGS become process.argv[2..]
  --max-old-space-size=MB   the JavaScript heap limit in MiB (default: 4096); past it the
                            process ends with Node's `JavaScript heap out of memory`, exit 1
  -h, --help                this text
  -v, --version             the Node version ruvjs follows (process.version)";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1).peekable();
    let mut opts = ruv_js::Options::default();
    while let Some(flag) = args.next_if(|a| a.starts_with("--max-old-space-size")) {
        let value = match flag.split_once('=') {
            Some((_, v)) => Some(v.to_string()),
            None => args.next(),
        };
        match value.as_deref().map(str::parse::<usize>) {
            Some(Ok(mb)) if mb > 0 => opts.max_heap_mb = mb,
            _ => {
                let got = value.map_or_else(|| "nothing".to_string(), |v| format!("'{v}'"));
                eprintln!("ruvjs: --max-old-space-size takes a positive number of MiB, got {got}");
                return ExitCode::from(9);
            }
        }
    }
    let Some(script) = args.next() else {
        eprintln!("{USAGE}");
        return ExitCode::from(9);
    };
    match script.as_str() {
        "-h" | "--help" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        "-v" | "--version" => {
            println!("v20.20.2");
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    let rest: Vec<String> = args.collect();
    match ruv_js::run_file_with(script.as_ref(), &rest, &opts) {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            if e.is_node_report() {
                eprintln!("{e}");
            } else {
                eprintln!("ruvjs: {e}");
            }
            ExitCode::FAILURE
        }
    }
}
