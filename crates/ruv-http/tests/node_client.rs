//! Node's `http` client against ruv's server: keep-alive reuse through Node's Agent,
//! chunked and Content-Length uploads, HEAD, headers as Node parses them. Skips with a
//! message where `node` is not installed.

mod common;
use common::{echo, serve, Log};
use ruv_core::Loop;
use ruv_http::{Request, Response, ServerOptions};
use std::process::Command;

fn node_available() -> bool {
    Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn routes(lp: &mut Loop<Log>, log: &mut Log, req: Request, res: Response) -> ruv_core::Result<()> {
    let url = req.head(lp)?.url().to_string();
    match url.as_str() {
        "/echo" => echo(lp, log, req, res),
        _ => {
            let port = req.connection(lp)?.remote_addr(lp)?.port();
            res.set_header(lp, "Content-Type", "text/plain")?;
            res.set_header(lp, "X-Peer-Port", port)?;
            res.append_header(lp, "Set-Cookie", "a=1")?;
            res.append_header(lp, "Set-Cookie", "b=2")?;
            res.end(lp, "hello")
        }
    }
}

const SCRIPT: &str = r#"
const http = require('http');
const port = Number(process.argv[1]);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function get(path, method) {
  return new Promise((resolve, reject) => {
    const req = http.request({ port, path, method: method || 'GET', agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}
function post(body, chunked) {
  return new Promise((resolve, reject) => {
    const headers = chunked ? {} : { 'Content-Length': Buffer.byteLength(body) };
    const req = http.request({ port, path: '/echo', method: 'POST', agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    if (chunked) { req.write(body.slice(0, 3)); req.write(body.slice(3)); req.end(); } else { req.end(body); }
  });
}
(async () => {
  const a = await get('/');
  const b = await get('/again');
  const h = await get('/', 'HEAD');
  const p1 = await post('hello world', false);
  const p2 = await post('chunked body', true);
  agent.destroy();
  console.log(JSON.stringify({ a, b, h, p1, p2 }));
})().catch((e) => { console.error(e); process.exit(1); });
"#;

#[test]
fn node_http_client_talks_to_ruv_server() {
    if !node_available() {
        eprintln!("skipped: node is not installed");
        return;
    }
    let port = serve(ServerOptions::default(), routes);
    let out = Command::new("node")
        .args(["-e", SCRIPT, &port.to_string()])
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON from node");
    assert_eq!(v["a"]["status"], 200);
    assert_eq!(v["a"]["body"], "hello");
    assert_eq!(v["a"]["headers"]["content-length"], "5");
    assert_eq!(v["a"]["headers"]["connection"], "keep-alive");
    assert_eq!(
        v["a"]["headers"]["set-cookie"],
        serde_json::json!(["a=1", "b=2"])
    );
    // Node's keep-alive agent reused the connection: the same peer port
    assert_eq!(
        v["a"]["headers"]["x-peer-port"],
        v["b"]["headers"]["x-peer-port"]
    );
    assert_eq!(v["h"]["body"], "");
    assert_eq!(v["p1"]["body"], "hello world");
    assert_eq!(v["p2"]["body"], "chunked body");
}
