#![allow(clippy::unused_unit)] // `-> ()` fixes the return type of callbacks that only panic
//! Node-level `Server` and `Socket`: events in Node's order and with Node's timing. The
//! expected sequences are what Node 20 logs for the same programs (`net.createServer`,
//! `net.connect`, `server.close`, `socket.setTimeout`).

use ruv_core::{Code, Loop, RunMode};
use ruv_net::node::{codes, Server, ServerEvent, ServerOptions, Socket, SocketEvent};

mod common;
use common::{any_port, guard};

fn describe(ev: &SocketEvent<'_>) -> String {
    match ev {
        SocketEvent::Connect => "connect".into(),
        SocketEvent::Data(d) => format!("data {}", String::from_utf8_lossy(d)),
        SocketEvent::End => "end".into(),
        SocketEvent::Drain => "drain".into(),
        SocketEvent::Finish => "finish".into(),
        SocketEvent::Timeout => "timeout".into(),
        SocketEvent::Error(e) => format!("error {}", e.code()),
        SocketEvent::Close { had_error } => format!("close {had_error}"),
    }
}

fn only<'a>(log: &'a [String], prefix: &str) -> Vec<&'a str> {
    log.iter()
        .filter_map(|l| l.strip_prefix(prefix))
        .collect::<Vec<_>>()
}

/// Node 20, for the same exchange (server answers "bye" to "hi" with `end`, the client
/// ends on the server's end, the server closes after its socket's close):
/// client: connect, data bye, end, finish, close false;
/// server socket: data hi, finish, end, close false; server: listening, connection, close.
#[test]
fn an_exchange_emits_nodes_events_in_nodes_order() {
    let mut lp: Loop<Vec<String>> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let server = Server::create(&mut lp, ServerOptions::default(), |lp, log, server, ev| {
        match ev {
            ServerEvent::Listening => {
                log.push("server: listening".into());
                let addr = server.address(lp)?;
                Socket::connect(lp, addr, Default::default(), |lp, log, me, ev| {
                    log.push(format!("client: {}", describe(&ev)));
                    if let SocketEvent::Connect = ev {
                        assert!(me.write(lp, b"hi")?);
                    }
                    Ok::<(), ruv_core::Error>(())
                })?;
            }
            ServerEvent::Connection(sock) => {
                log.push("server: connection".into());
                sock.on(lp, move |lp, log, me, ev| {
                    log.push(format!("server socket: {}", describe(&ev)));
                    match ev {
                        SocketEvent::Data(_) => me.end(lp, Some(b"bye".to_vec()))?,
                        SocketEvent::Close { .. } => {
                            assert_eq!(server.connections(lp)?, 0);
                            server.close(lp)?;
                        }
                        _ => {}
                    }
                    Ok::<(), ruv_core::Error>(())
                })?;
                assert_eq!(server.connections(lp)?, 1);
            }
            ServerEvent::Close => log.push("server: close".into()),
            ServerEvent::Error(e) => return Err(e),
        }
        Ok(())
    })
    .unwrap();
    server.listen(&mut lp, any_port()).unwrap();
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(
        only(&log, "client: "),
        ["connect", "data bye", "end", "finish", "close false"]
    );
    assert_eq!(
        only(&log, "server socket: "),
        ["data hi", "finish", "end", "close false"]
    );
    assert_eq!(only(&log, "server: "), ["listening", "connection", "close"]);
    let pos = |l: &str| log.iter().position(|x| x == l).unwrap();
    assert!(pos("server socket: close false") < pos("server: close"));
    // The server's id is stale after Close.
    assert_eq!(server.connections(&lp).unwrap_err().code(), Code::EBADF);
}

/// Node 20: `server.close()` with no connection emits 'close' on the next tick, after the
/// code that called it and before a tick queued after it, and before immediates:
/// listening, after close, close, tick, immediate.
#[test]
fn close_without_connections_emits_close_on_the_next_tick() {
    let mut lp: Loop<Vec<&'static str>> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let server = Server::create(&mut lp, ServerOptions::default(), |lp, log, server, ev| {
        match ev {
            ServerEvent::Listening => {
                log.push("listening");
                server.close(lp)?;
                log.push("after close");
                ruv_node::set_immediate(lp, |_, log| log.push("immediate"))?;
                ruv_node::next_tick(lp, |_, log| log.push("tick"))?;
            }
            ServerEvent::Close => log.push("close"),
            _ => {}
        }
        Ok::<(), ruv_core::Error>(())
    })
    .unwrap();
    server.listen(&mut lp, any_port()).unwrap();
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(
        log,
        ["listening", "after close", "close", "tick", "immediate"]
    );
}

#[test]
fn closing_a_server_that_is_not_listening_is_err_server_not_running() {
    let mut lp: Loop<()> = Loop::new().unwrap();
    let server = Server::create(&mut lp, ServerOptions::default(), |_, _, _, _| {}).unwrap();
    let e = server.close(&mut lp).unwrap_err();
    assert_eq!(e.code(), codes::ERR_SERVER_NOT_RUNNING);
    assert_eq!(
        e.to_string(),
        "ERR_SERVER_NOT_RUNNING: Server is not running."
    );
    server.listen(&mut lp, any_port()).unwrap();
    let again = server.listen(&mut lp, any_port()).unwrap_err();
    assert_eq!(again.code(), codes::ERR_SERVER_ALREADY_LISTEN);
    server.close(&mut lp).unwrap();
    lp.run(RunMode::Default, &mut ()).unwrap();
}

/// Node 20 (`setTimeout(50)` on a client that never hears from the server, which ends on
/// 'timeout'): client: timeout, end, close false. The server socket gets 'end' first and
/// closes; the client's own end comes back after.
#[test]
fn an_idle_socket_times_out_and_the_timeout_closes_nothing() {
    let mut lp: Loop<Vec<String>> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let server = Server::create(&mut lp, ServerOptions::default(), |lp, _, server, ev| {
        match ev {
            ServerEvent::Listening => {
                let addr = server.address(lp)?;
                let c = Socket::connect(lp, addr, Default::default(), |lp, log, me, ev| {
                    log.push(format!("client: {}", describe(&ev)));
                    if let SocketEvent::Timeout = ev {
                        // still open: the program decides
                        assert!(!me.is_destroyed(lp));
                        me.end(lp, None)?;
                    }
                    Ok::<(), ruv_core::Error>(())
                })?;
                c.set_timeout(lp, 50)?;
            }
            ServerEvent::Connection(sock) => {
                sock.on(lp, move |lp, log, _, ev| {
                    log.push(format!("server socket: {}", describe(&ev)));
                    if let SocketEvent::Close { .. } = ev {
                        server.close(lp)?;
                    }
                    Ok::<(), ruv_core::Error>(())
                })?;
            }
            _ => {}
        }
        Ok::<(), ruv_core::Error>(())
    })
    .unwrap();
    server.listen(&mut lp, any_port()).unwrap();
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(
        only(&log, "client: "),
        ["connect", "timeout", "finish", "end", "close false"]
    );
    assert_eq!(
        only(&log, "server socket: "),
        ["end", "finish", "close false"]
    );
}

/// `allow_half_open`: the server socket stays writable after the peer's end, answers, and
/// closes once it ended too. Node 20 logs, for the same program: client: connect, finish;
/// server socket: data question, end, finish; server: close; server socket: close false;
/// client: data answer, end, close false.
#[test]
fn a_half_open_socket_answers_after_the_peers_end() {
    let mut lp: Loop<Vec<String>> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let opts = ServerOptions {
        allow_half_open: true,
    };
    let server = Server::create(&mut lp, opts, |lp, log, server, ev| {
        match ev {
            ServerEvent::Listening => {
                let addr = server.address(lp)?;
                Socket::connect(lp, addr, Default::default(), |lp, log, me, ev| {
                    log.push(format!("client: {}", describe(&ev)));
                    if let SocketEvent::Connect = ev {
                        me.end(lp, Some(b"question".to_vec()))?;
                    }
                    Ok::<(), ruv_core::Error>(())
                })?;
            }
            ServerEvent::Connection(sock) => {
                server.close(lp)?; // closes once this connection is gone
                sock.on(lp, |lp, log, me, ev| {
                    log.push(format!("server socket: {}", describe(&ev)));
                    if let SocketEvent::End = ev {
                        assert!(!me.is_destroyed(lp), "half-open: still writable");
                        me.end(lp, Some(b"answer".to_vec()))?;
                    }
                    Ok::<(), ruv_core::Error>(())
                })?;
            }
            ServerEvent::Close => log.push("server: close".into()),
            _ => {}
        }
        Ok::<(), ruv_core::Error>(())
    })
    .unwrap();
    server.listen(&mut lp, any_port()).unwrap();
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(
        only(&log, "server socket: "),
        ["data question", "end", "finish", "close false"]
    );
    assert_eq!(
        only(&log, "client: "),
        ["connect", "finish", "data answer", "end", "close false"]
    );
    // As Node: the server counts the socket off when it is destroyed, so its 'close' (next
    // tick) comes before the socket's (the handle's close callback).
    let pos = |l: &str| log.iter().position(|x| x == l).unwrap();
    assert!(pos("server: close") < pos("server socket: close false"));
}

#[test]
fn a_failed_connect_is_error_then_close_with_had_error() {
    let holder = std::net::TcpListener::bind(any_port()).unwrap();
    let addr = holder.local_addr().unwrap();
    drop(holder); // nothing listens there now
    let mut lp: Loop<Vec<String>> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let c = Socket::connect(&mut lp, addr, Default::default(), |lp, log, me, ev| {
        log.push(describe(&ev));
        if let SocketEvent::Error(_) = ev {
            assert!(me.is_destroyed(lp));
        }
    })
    .unwrap();
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log, ["error ECONNREFUSED", "close true"]);
    assert!(c.is_destroyed(&lp));
}

#[test]
fn writes_after_end_or_destroy_are_nodes_errors() {
    let mut lp: Loop<Vec<String>> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let server = Server::create(&mut lp, ServerOptions::default(), |lp, _, server, ev| {
        if let ServerEvent::Connection(sock) = ev {
            server.close(lp)?;
            sock.destroy(lp, None);
        }
        Ok::<(), ruv_core::Error>(())
    })
    .unwrap();
    server.listen(&mut lp, any_port()).unwrap();
    let addr = server.address(&lp).unwrap();
    let c = Socket::connect(&mut lp, addr, Default::default(), |_, log, _, ev| {
        log.push(describe(&ev))
    })
    .unwrap();
    c.end(&mut lp, None).unwrap();
    let e = c.write(&mut lp, b"late").unwrap_err();
    assert_eq!(e.code(), Code::ERR_STREAM_WRITE_AFTER_END);
    c.end(&mut lp, None).unwrap(); // ending twice is a no-op
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log.last().unwrap(), "close false");
    assert_eq!(
        c.write(&mut lp, b"x").unwrap_err().code(),
        Code::ERR_STREAM_DESTROYED
    );
    c.destroy(&mut lp, None); // no-op
    assert_eq!(c.set_timeout(&mut lp, 10).unwrap_err().code(), Code::EBADF);
}
