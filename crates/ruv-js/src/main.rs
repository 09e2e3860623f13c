//! `ruvjs`: runs a Node script on ruv (`ruvjs script.js [args]`).

use std::process::ExitCode;

const USAGE: &str = "usage: ruvjs SCRIPT.js [ARGS...]

Runs a Node.js script (CommonJS) on ruv's event loop with QuickJS.

  SCRIPT.js   the script; ARGS become process.argv[2..]
  -h, --help  this text
  --version   the Node version ruvjs follows (process.version)";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
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
    match ruv_js::run_file(script.as_ref(), &rest) {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            eprintln!("ruvjs: {e}");
            ExitCode::FAILURE
        }
    }
}
