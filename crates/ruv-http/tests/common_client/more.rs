//! More client tests (part of the `client` test binary; split off to keep files short):
//! pausing, destroying, free connections the server closes, misuse, callback errors,
//! and Node's own server as the peer.

use super::common_client::*;
use super::{keep_alive, logged, opts_with, L};
use ruv_core::{Code, Error, Idle};
use ruv_http::client::{self, AgentChoice, AgentOptions, ClientEvent, RequestOptions};
use std::sync::mpsc;

#[test]
fn pause_holds_the_body_until_resume() {
    let (port, srv) = server(|l| {
        let mut c = accept(&l);
        read_request(&mut c).unwrap();
        send(
            &mut c,
            b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabcdef",
        );
        wait_eof(&mut c);
    });
    let mut lp: L = new_loop();
    let (o, agent) = opts_with(&mut lp, port, keep_alive());
    let req = client::request(&mut lp, o, |lp, log: &mut Log, req, ev| {
        log.note(&ev);
        if matches!(ev, ClientEvent::Response(_)) {
            req.pause(lp);
            ruv_node::set_immediate(lp, move |lp, log: &mut Log| {
                log.mark("resume");
                req.resume(lp);
            })?;
        }
        Ok(())
    });
    req.unwrap().end(&mut lp, None).unwrap();
    let mut log = Log::default();
    run(&mut lp, &mut log);
    assert_eq!(
        log.events,
        ["response 200 OK", "resume", "data abcdef", "end", "close"]
    );
    agent.destroy(&mut lp);
    drop(lp);
    srv.join().unwrap();
}

#[test]
fn destroy_ends_a_request_with_hang_up_or_its_error_and_unqueues_it() {
    // nobody accepts: the connections wait in the backlog
    let (_l, port) = listener();
    let mut lp: L = new_loop();
    let one = AgentOptions {
        max_sockets: 1,
        ..AgentOptions::default()
    };
    let (o, agent) = opts_with(&mut lp, port, one);
    let name = format!("127.0.0.1:{port}");
    let first = logged(&mut lp, o.clone());
    let second = client::request(&mut lp, o, |_, log: &mut Log, _, ev| {
        log.mark(format!("second {}", ev.name()));
    })
    .unwrap();
    assert_eq!(agent.requests(&lp, &name), 1);
    second.destroy(&mut lp, None);
    assert_eq!(agent.requests(&lp, &name), 0);
    assert!(second.is_destroyed(&lp));
    let e = second.write(&mut lp, b"x").unwrap_err();
    assert_eq!(e.code(), Code::ERR_STREAM_DESTROYED);
    first.destroy(
        &mut lp,
        Some(Error::new(Code::ECANCELED).with_detail("given up")),
    );
    let mut log = Log::default();
    run(&mut lp, &mut log);
    assert_eq!(
        log.events,
        [
            "second error",
            "second close",
            "error ECANCELED: given up",
            "close"
        ]
    );
    assert_eq!(agent.sockets(&lp, &name), 0);
}

#[test]
fn a_free_connection_the_server_closes_is_dropped_not_reused() {
    let (port, srv) = server(|l| {
        for body in ["one", "two"] {
            let mut c = accept(&l);
            read_request(&mut c).unwrap();
            let answer = format!("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n{body}");
            send(&mut c, answer.as_bytes());
            // closes while the client keeps the connection as free
        }
    });
    let mut lp: L = new_loop();
    let (o, agent) = opts_with(&mut lp, port, keep_alive());
    let name = format!("127.0.0.1:{port}");
    let again = o.clone();
    let req = client::request(&mut lp, o, move |lp, log: &mut Log, _, ev| {
        log.note(&ev);
        if !matches!(ev, ClientEvent::Close) {
            return Ok(());
        }
        // wait (on the loop) until the server's end has taken the connection off the list
        let idle = Idle::new(lp)?;
        let (name, again) = (name.clone(), again.clone());
        idle.start(lp, move |lp, _: &mut Log, me| -> ruv_core::Result<()> {
            if agent.free_sockets(lp, &name) == 0 && agent.sockets(lp, &name) == 0 {
                me.close(lp)?;
                logged(lp, again.clone()).end(lp, None)?;
            }
            Ok(())
        })
    });
    req.unwrap().end(&mut lp, None).unwrap();
    let mut log = Log::default();
    run(&mut lp, &mut log);
    assert_eq!(
        log.events,
        [
            "response 200 OK",
            "data one",
            "end",
            "close",
            "response 200 OK",
            "data two",
            "end",
            "close",
        ]
    );
    srv.join().unwrap();
}

#[test]
fn misuse_gets_typed_errors_not_panics() {
    let (l, port) = listener();
    drop(l);
    let mut lp: L = new_loop();
    let (o, _) = opts_with(&mut lp, port, AgentOptions::default());
    let code = |r: ruv_core::Result<client::ClientRequest>| r.unwrap_err().code().name();
    let bad_method = RequestOptions {
        method: "G T".into(),
        ..o.clone()
    };
    assert_eq!(
        code(client::request(
            &mut lp,
            bad_method,
            |_, _: &mut Log, _, _| {}
        )),
        "ERR_INVALID_HTTP_TOKEN"
    );
    let bad_path = RequestOptions {
        path: "/a b".into(),
        ..o.clone()
    };
    assert_eq!(
        code(client::request(
            &mut lp,
            bad_path,
            |_, _: &mut Log, _, _| {}
        )),
        "ERR_UNESCAPED_CHARACTERS"
    );
    assert_eq!(
        code(client::get(
            &mut lp,
            "https://h/",
            |_, _: &mut Log, _, _| {}
        )),
        "ERR_INVALID_PROTOCOL"
    );
    assert_eq!(
        code(client::get(&mut lp, "http//h/", |_, _: &mut Log, _, _| {})),
        "ERR_INVALID_URL"
    );
    let req = logged(&mut lp, o);
    req.end(&mut lp, None).unwrap();
    assert!(req.headers_sent(&lp));
    let e = req.set_header(&mut lp, "X", "1").unwrap_err();
    assert_eq!(e.code().name(), "ERR_HTTP_HEADERS_SENT");
    let e = req.write(&mut lp, b"x").unwrap_err();
    assert_eq!(e.code().name(), "ERR_STREAM_WRITE_AFTER_END");
    let mut log = Log::default();
    run(&mut lp, &mut log);
    assert_eq!(log.events.last().map(String::as_str), Some("close"));
    // the id is stale now: start-like calls are EBADF, the rest no-ops
    assert_eq!(req.write(&mut lp, b"x").unwrap_err().code(), Code::EBADF);
    assert_eq!(req.set_timeout(&mut lp, 5).unwrap_err().code(), Code::EBADF);
    req.end(&mut lp, None).unwrap();
    req.destroy(&mut lp, None);
    req.pause(&mut lp);
    req.resume(&mut lp);
    assert!(req.is_destroyed(&lp));
}

#[test]
fn an_error_returned_by_a_callback_reaches_run_and_close_still_comes() {
    let (l, port) = listener();
    drop(l);
    let mut lp: L = new_loop();
    let (o, _) = opts_with(&mut lp, port, AgentOptions::default());
    let req = client::request(&mut lp, o, |_, log: &mut Log, _, ev| {
        log.note(&ev);
        match ev {
            ClientEvent::Error(e) => Err(e),
            _ => Ok(()),
        }
    });
    req.unwrap().end(&mut lp, None).unwrap();
    let mut log = Log::default();
    let err = lp.run(ruv_core::RunMode::Default, &mut log).unwrap_err();
    assert_eq!(err.code(), Code::ECONNREFUSED);
    run(&mut lp, &mut log);
    assert_eq!(
        log.events,
        ["error ECONNREFUSED: connection refused, connect", "close"]
    );
}

#[test]
fn a_fresh_agent_sends_connection_close_and_leaves_nothing() {
    let (port, srv) = server(|l| {
        let mut c = accept(&l);
        let (head, _) = read_request(&mut c).unwrap();
        send(&mut c, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        wait_eof(&mut c); // the client closes it
        head
    });
    let mut lp: L = new_loop();
    let o = RequestOptions {
        host: "127.0.0.1".into(),
        port,
        agent: AgentChoice::Fresh,
        ..RequestOptions::default()
    };
    let req = logged(&mut lp, o);
    let agent = req.agent(&lp).unwrap();
    req.end(&mut lp, None).unwrap();
    let mut log = Log::default();
    run(&mut lp, &mut log);
    assert_eq!(log.events, ["response 200 OK", "data ok", "end", "close"]);
    assert!(
        agent.options(&lp).is_none(),
        "the request's own agent is gone"
    );
    assert!(srv.join().unwrap().contains("\r\nConnection: close\r\n"));
}

#[test]
fn node_interop_get_and_a_streamed_post_echo_over_one_connection() {
    let script = r#"
        const http = require('http');
        let conns = 0;
        const s = http.createServer((req, res) => {
            const chunks = [];
            req.on('data', c => chunks.push(c));
            req.on('end', () => {
                const body = Buffer.concat(chunks).toString();
                if (req.method === 'GET') return res.end('hello from node ' + req.url);
                res.setHeader('content-type', 'application/json');
                res.end(JSON.stringify({ method: req.method, te: req.headers['transfer-encoding'], body, conns }));
            });
        });
        s.on('connection', () => conns++);
        s.listen(0, '127.0.0.1', () => console.log(s.address().port));
    "#;
    let Some((_node, port)) = node_server(script) else {
        return;
    };
    let mut lp: L = new_loop();
    let url = format!("http://127.0.0.1:{port}/x?y=1");
    client::get(&mut lp, &url, move |lp, log: &mut Log, _, ev| {
        log.note(&ev);
        if !matches!(ev, ClientEvent::Close) {
            return Ok(());
        }
        // after 'free' (the next tick), so the connection is reused
        ruv_node::set_immediate(lp, move |lp, _: &mut Log| -> ruv_core::Result<()> {
            let o = RequestOptions {
                method: "POST".into(),
                host: "127.0.0.1".into(),
                port,
                path: "/echo".into(),
                ..RequestOptions::default()
            };
            let req = logged(lp, o);
            req.write(lp, "streamed ")?;
            req.write(lp, "body")?;
            req.end(lp, None)
        })?;
        Ok(())
    })
    .unwrap();
    let mut log = Log::default();
    run(&mut lp, &mut log);
    assert_eq!(
        &log.events[..4],
        [
            "response 200 OK",
            "data hello from node /x?y=1",
            "end",
            "close"
        ]
    );
    assert_eq!(log.events[4], "response 200 OK");
    let json: serde_json::Value = serde_json::from_str(&log.events[5]["data ".len()..]).unwrap();
    assert_eq!(json["method"], "POST");
    assert_eq!(json["te"], "chunked");
    assert_eq!(json["body"], "streamed body");
    assert_eq!(json["conns"], 1, "the global agent kept the connection");
    assert_eq!(&log.events[6..], ["end", "close"]);
}

#[test]
fn a_timeout_is_reported_and_aborts_nothing() {
    let (tx, rx) = mpsc::channel::<()>();
    let (port, srv) = server(move |l| {
        let mut c = accept(&l);
        read_request(&mut c).unwrap();
        // answer only once the client saw its timeout
        rx.recv_timeout(IO_TIMEOUT).expect("the client times out");
        send(&mut c, b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlate");
        wait_eof(&mut c);
    });
    let mut lp: L = new_loop();
    let (mut o, agent) = opts_with(&mut lp, port, keep_alive());
    o.timeout = Some(30);
    let req = client::request(&mut lp, o, move |_, log: &mut Log, _, ev| {
        log.note(&ev);
        if matches!(ev, ClientEvent::Timeout) {
            tx.send(()).unwrap();
        }
    });
    req.unwrap().end(&mut lp, None).unwrap();
    let mut log = Log::default();
    run(&mut lp, &mut log);
    assert_eq!(log.events[0], "timeout");
    let rest: Vec<&String> = log.events.iter().filter(|e| *e != "timeout").collect();
    assert_eq!(rest, ["response 200 OK", "data late", "end", "close"]);
    agent.destroy(&mut lp);
    drop(lp);
    srv.join().unwrap();
}

#[test]
fn a_free_connection_is_closed_after_the_agents_timeout() {
    let (port, srv) = server(|l| {
        let mut c = accept(&l);
        read_request(&mut c).unwrap();
        send(&mut c, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        wait_eof(&mut c); // the client's agent closes it
    });
    let mut lp: L = new_loop();
    let short = AgentOptions {
        timeout: Some(20),
        ..keep_alive()
    };
    let (mut o, agent) = opts_with(&mut lp, port, short);
    o.timeout = Some(0); // no idle timeout while in use, whatever the agent's
    let name = format!("127.0.0.1:{port}");
    let req = client::request(&mut lp, o, move |lp, log: &mut Log, _, ev| {
        log.note(&ev);
        if !matches!(ev, ClientEvent::Close) {
            return Ok(());
        }
        // the free connection's timer is unreferenced: keep the loop busy until it fired
        let name = name.clone();
        Idle::new(lp)?.start(lp, move |lp, log: &mut Log, me| -> ruv_core::Result<()> {
            if agent.sockets(lp, &name) + agent.free_sockets(lp, &name) == 0 {
                log.mark("closed");
                me.close(lp)?;
            }
            Ok(())
        })
    });
    req.unwrap().end(&mut lp, None).unwrap();
    let mut log = Log::default();
    run(&mut lp, &mut log);
    assert_eq!(
        log.events,
        ["response 200 OK", "data ok", "end", "close", "closed"]
    );
    srv.join().unwrap();
}

#[test]
fn destroy_inside_the_response_is_aborted_and_nothing_follows() {
    let (port, srv) = server(|l| {
        let mut c = accept(&l);
        read_request(&mut c).unwrap();
        send(&mut c, b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
        wait_eof(&mut c); // the client closes it
    });
    let mut lp: L = new_loop();
    let (o, agent) = opts_with(&mut lp, port, keep_alive());
    let req = client::request(&mut lp, o, |lp, log: &mut Log, req, ev| {
        log.note(&ev);
        if matches!(ev, ClientEvent::Response(_)) {
            req.destroy(lp, None);
        }
    });
    req.unwrap().end(&mut lp, None).unwrap();
    let mut log = Log::default();
    run(&mut lp, &mut log);
    assert_eq!(
        log.events,
        ["response 200 OK", "error ECONNRESET: aborted", "close"]
    );
    let name = format!("127.0.0.1:{port}");
    assert_eq!(
        (agent.sockets(&lp, &name), agent.free_sockets(&lp, &name)),
        (0, 0)
    );
    srv.join().unwrap();
}

#[test]
fn pausing_after_every_chunk_loses_and_reorders_nothing() {
    const CHUNKS: usize = 2000;
    let piece = |i: usize| vec![b'a' + (i % 26) as u8; 100];
    let (port, srv) = server(move |l| {
        let mut c = accept(&l);
        read_request(&mut c).unwrap();
        let mut answer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        for i in 0..CHUNKS {
            answer.extend_from_slice(b"64\r\n");
            answer.extend_from_slice(&piece(i));
            answer.extend_from_slice(b"\r\n");
        }
        answer.extend_from_slice(b"0\r\n\r\n");
        send(&mut c, &answer);
        wait_eof(&mut c);
    });
    let mut lp: L = new_loop();
    let (o, agent) = opts_with(&mut lp, port, keep_alive());
    let datas = std::rc::Rc::new(std::cell::Cell::new(0));
    let count = datas.clone();
    let req = client::request(&mut lp, o, move |lp, log: &mut Log, req, ev| {
        log.note(&ev);
        if matches!(ev, ClientEvent::Data(_)) {
            count.set(count.get() + 1);
            req.pause(lp);
            ruv_node::set_immediate(lp, move |lp, _: &mut Log| req.resume(lp))?;
        }
        Ok(())
    });
    req.unwrap().end(&mut lp, None).unwrap();
    let mut log = Log::default();
    run(&mut lp, &mut log);
    let body: Vec<u8> = (0..CHUNKS).flat_map(piece).collect();
    let want = format!("data {}", String::from_utf8(body).unwrap());
    assert_eq!(log.events.len(), 4);
    assert_eq!(
        (log.events[0].as_str(), &log.events[2..]),
        (
            "response 200 OK",
            &["end".to_string(), "close".to_string()][..]
        )
    );
    assert!(
        log.events[1] == want,
        "the body came out of order or incomplete"
    );
    assert!(datas.get() >= CHUNKS);
    agent.destroy(&mut lp);
    drop(lp);
    srv.join().unwrap();
}
