//! `Server::listen_remote`: a server whose port another process listens on (a cluster
//! primary's round-robin) behaves as a listening one — `Listening`, `address()`, and a
//! `close()` that works with or without a connection and emits `Close` once they are done.

mod common;
use common::{client, read_all, read_responses};
use ruv_core::{Loop, RunMode};
use ruv_http::codes::{ERR_SERVER_ALREADY_LISTEN, ERR_SERVER_NOT_RUNNING};
use ruv_http::{Server, ServerEvent, ServerOptions};
use ruv_net::Tcp;
use std::io::Write;
use std::net::{SocketAddr, TcpListener};

type Log = Vec<String>;

fn remote_server(lp: &mut Loop<Log>) -> Server {
    Server::create(lp, ServerOptions::default(), |lp, log: &mut Log, me, ev| {
        match ev {
            ServerEvent::Listening => log.push("listening".into()),
            ServerEvent::Request(_, res) => {
                log.push("request".into());
                me.close(lp)?;
                res.end(lp, "remote")?;
            }
            ServerEvent::Close => log.push("close".into()),
            _ => {}
        }
        Ok::<(), ruv_core::Error>(())
    })
    .unwrap()
}

#[test]
fn a_remote_listening_server_reports_its_address_and_closes_without_any_connection() {
    let mut lp: Loop<Log> = Loop::new().unwrap();
    let server = remote_server(&mut lp);
    let at: SocketAddr = "127.0.0.1:4321".parse().unwrap();
    assert_eq!(
        server.close(&mut lp).unwrap_err().code(),
        ERR_SERVER_NOT_RUNNING
    );
    server.listen_remote(&mut lp, at).unwrap();
    assert_eq!(server.address(&lp).unwrap(), at);
    let again = server.listen_remote(&mut lp, at).unwrap_err();
    assert_eq!(again.code(), ERR_SERVER_ALREADY_LISTEN);
    let own = server.listen(&mut lp, "127.0.0.1:0".parse().unwrap());
    assert_eq!(own.unwrap_err().code(), ERR_SERVER_ALREADY_LISTEN);
    server
        .on_close(&mut lp, |_, log: &mut Log| log.push("on_close".into()))
        .unwrap();
    let mut log = Log::new();
    lp.run(RunMode::NoWait, &mut log).unwrap();
    assert_eq!(log, ["listening"]);
    server.close(&mut lp).unwrap();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log, ["listening", "close", "on_close"]);
    assert!(server.is_closed(&lp));
}

#[test]
fn a_remote_listening_server_serves_adopted_connections_and_closes_after_the_last() {
    let mut lp: Loop<Log> = Loop::new().unwrap();
    let server = remote_server(&mut lp);
    // the "primary": a listener of this test's own, accepting for the server
    let primary = TcpListener::bind("127.0.0.1:0").unwrap();
    let at = primary.local_addr().unwrap();
    server.listen_remote(&mut lp, at).unwrap();
    let peer = std::thread::spawn(move || {
        let mut c = client(at.port());
        c.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
        let r = read_responses(&mut c, 1);
        (r[0].2.clone(), read_all(&mut c))
    });
    let (sock, _) = primary.accept().unwrap();
    let tcp = Tcp::open(&mut lp, sock.into()).unwrap();
    server.adopt(&mut lp, tcp).unwrap();
    let mut log = Log::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    let (body, rest) = peer.join().unwrap();
    assert_eq!(body, b"remote");
    assert_eq!(
        rest, "",
        "the closing server ends the connection after its answer"
    );
    assert_eq!(log, ["listening", "request", "close"]);
}
