//! A server's life: close with keep-alive connections open, closing idle or all
//! connections, adopted connections, handed listeners, requests per socket.

mod common;
use common::{client, read_all, read_responses};
use ruv_core::{Loop, RunMode, Timer};
use ruv_http::{Server, ServerEvent, ServerOptions};
use std::io::Write;
use std::net::SocketAddr;
use std::sync::mpsc;

fn any() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

#[test]
fn server_close_with_an_open_keep_alive_connection_completes() {
    let mut lp: Loop<Vec<String>> = Loop::new().unwrap();
    let server = Server::create(
        &mut lp,
        ServerOptions::default(),
        |lp, log: &mut Vec<String>, me, ev| {
            match ev {
                ServerEvent::Request(_, res) => {
                    res.end(lp, "bye")?;
                    me.close(lp)?;
                }
                ServerEvent::Close => log.push("close".into()),
                _ => {}
            }
            Ok::<(), ruv_core::Error>(())
        },
    )
    .unwrap();
    server.listen(&mut lp, any()).unwrap();
    let port = server.address(&lp).unwrap().port();
    let peer = std::thread::spawn(move || {
        let mut c = client(port);
        c.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
        let r = read_responses(&mut c, 1);
        // the connection stays open on our side; the server closes it
        (r[0].2.clone(), read_all(&mut c))
    });
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log, ["close"]);
    let (body, rest) = peer.join().unwrap();
    assert_eq!((body.as_slice(), rest.as_str()), (&b"bye"[..], ""));
}

#[test]
fn close_idle_connections_spares_busy_ones_and_close_all_does_not() {
    let mut lp: Loop<()> = Loop::new().unwrap();
    let server = Server::create(&mut lp, ServerOptions::default(), |lp, _, me, ev| {
        if let ServerEvent::Request(req, res) = ev {
            match req.head(lp)?.url() {
                "/busy" => {
                    // the idle connection goes, this one stays and is answered later
                    me.close_idle_connections(lp);
                    let t = Timer::new(lp)?;
                    t.start(lp, 5, 0, move |lp, _, t| -> ruv_core::Result<()> {
                        res.end(lp, "late")?;
                        t.close(lp)?;
                        Ok(())
                    })?;
                }
                "/all" => {
                    me.close_all_connections(lp);
                    me.close(lp)?;
                }
                _ => res.end(lp, "now")?,
            }
        }
        Ok::<(), ruv_core::Error>(())
    })
    .unwrap();
    server.listen(&mut lp, any()).unwrap();
    let port = server.address(&lp).unwrap().port();
    let peers = std::thread::spawn(move || {
        let mut idle = client(port);
        idle.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
            .unwrap();
        assert_eq!(read_responses(&mut idle, 1)[0].2, b"now");
        let mut busy = client(port);
        busy.write_all(b"GET /busy HTTP/1.1\r\nHost: a\r\n\r\n")
            .unwrap();
        let late = read_responses(&mut busy, 1)[0].2.clone();
        let idle_rest = read_all(&mut idle);
        busy.write_all(b"GET /all HTTP/1.1\r\nHost: a\r\n\r\n")
            .unwrap();
        (late, idle_rest, read_all(&mut busy))
    });
    // the loop ends once /all closed every connection and the server
    lp.run(RunMode::Default, &mut ()).unwrap();
    let (late, idle_rest, busy_rest) = peers.join().unwrap();
    assert_eq!(late, b"late");
    assert_eq!(idle_rest, "", "the idle connection was closed");
    assert_eq!(
        busy_rest, "",
        "close_all_connections closed the busy one unanswered"
    );
}

#[test]
fn an_adopted_connection_is_served_and_counts_its_requests() {
    let mut lp: Loop<Vec<usize>> = Loop::new().unwrap();
    let server = Server::create(
        &mut lp,
        ServerOptions::default(),
        |lp, log: &mut Vec<usize>, me, ev| {
            if let ServerEvent::Request(req, res) = ev {
                log.push(req.connection(lp)?.in_flight(lp)?);
                res.end(lp, "adopted")?;
                me.close(lp)?;
            }
            Ok::<(), ruv_core::Error>(())
        },
    )
    .unwrap();
    // a listener of our own, as a cluster worker's round-robin hands sockets over
    let listener = ruv_net::Tcp::bind(&mut lp, any()).unwrap();
    listener
        .listen(&mut lp, 16, move |lp, _, l, r| -> ruv_core::Result<()> {
            r?;
            let tcp = l.accept(lp)?;
            server.adopt(lp, tcp)?;
            l.close(lp)?;
            Ok(())
        })
        .unwrap();
    let port = listener.local_addr(&lp).unwrap().port();
    let peer = std::thread::spawn(move || {
        let mut c = client(port);
        c.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
        read_responses(&mut c, 1)[0].2.clone()
    });
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(peer.join().unwrap(), b"adopted");
    assert_eq!(log, [1], "one request in flight when it was emitted");
}

#[test]
fn a_server_listens_on_a_socket_it_was_handed() {
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = std_listener.local_addr().unwrap().port();
    let mut lp: Loop<()> = Loop::new().unwrap();
    let server = Server::create(&mut lp, ServerOptions::default(), |lp, _, me, ev| {
        if let ServerEvent::Request(_, res) = ev {
            res.end(lp, "handed")?;
            me.close(lp)?;
        }
        Ok::<(), ruv_core::Error>(())
    })
    .unwrap();
    let tcp = ruv_net::Tcp::open(&mut lp, std_listener.into()).unwrap();
    server.listen_on(&mut lp, tcp, 16).unwrap();
    assert_eq!(server.address(&lp).unwrap().port(), port);
    let peer = std::thread::spawn(move || {
        let mut c = client(port);
        c.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
        read_responses(&mut c, 1)[0].2.clone()
    });
    lp.run(RunMode::Default, &mut ()).unwrap();
    assert_eq!(peer.join().unwrap(), b"handed");
}

/// Runs a server with `opts` answering `hello` on its own thread; returns its port.
fn hello_server(opts: ServerOptions) -> u16 {
    common::serve(opts, common::hello)
}

#[test]
fn max_requests_per_socket_closes_after_the_last_one() {
    let port = hello_server(ServerOptions {
        max_requests_per_socket: 2,
        ..ServerOptions::default()
    });
    let mut c = client(port);
    c.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    let r = read_responses(&mut c, 2);
    assert!(r[0].1.contains("Connection: keep-alive\r\n"), "{}", r[0].1);
    assert!(r[1].1.contains("Connection: close\r\n"), "{}", r[1].1);
    assert_eq!(
        read_all(&mut c),
        "",
        "no third answer: the connection closed"
    );
}

#[test]
fn an_unknown_expectation_gets_417() {
    let port = hello_server(ServerOptions::default());
    let mut c = client(port);
    c.write_all(b"GET / HTTP/1.1\r\nHost: a\r\nExpect: teapots\r\n\r\n")
        .unwrap();
    assert_eq!(read_responses(&mut c, 1)[0].0, 417);
}

#[test]
fn check_continue_lets_the_server_refuse_the_body() {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lp: Loop<()> = Loop::new().unwrap();
        let opts = ServerOptions {
            check_continue: true,
            ..ServerOptions::default()
        };
        let server = Server::create(&mut lp, opts, |lp, _, _, ev| match ev {
            ServerEvent::CheckContinue(_, res) => {
                res.set_status_code(lp, 413)?;
                res.end(lp, b"")
            }
            ServerEvent::Request(_, res) => res.end(lp, "no"),
            _ => Ok(()),
        })
        .unwrap();
        server.listen(&mut lp, any()).unwrap();
        tx.send(server.address(&lp).unwrap().port()).unwrap();
        lp.run(RunMode::Default, &mut ()).unwrap();
    });
    let mut c = client(rx.recv().unwrap());
    c.write_all(b"PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
        .unwrap();
    assert_eq!(read_responses(&mut c, 1)[0].0, 413);
}

#[test]
fn listening_comes_on_the_next_tick_and_errors_are_synchronous() {
    let mut lp: Loop<Vec<&'static str>> = Loop::new().unwrap();
    let server = Server::create(
        &mut lp,
        ServerOptions::default(),
        |lp, log: &mut Vec<&'static str>, me, ev| {
            if let ServerEvent::Listening = ev {
                log.push("listening");
                me.close(lp)?;
            }
            if let ServerEvent::Close = ev {
                log.push("close");
            }
            Ok::<(), ruv_core::Error>(())
        },
    )
    .unwrap();
    server.listen(&mut lp, any()).unwrap();
    let taken = server.address(&lp).unwrap();
    let e = server.listen(&mut lp, any()).unwrap_err();
    assert_eq!(e.code().name(), "ERR_SERVER_ALREADY_LISTEN");
    let other = Server::create(&mut lp, ServerOptions::default(), |_, _, _, _| {}).unwrap();
    let e = other.listen(&mut lp, taken).unwrap_err();
    assert_eq!(e.code().name(), "EADDRINUSE");
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log, ["listening", "close"]);
}
