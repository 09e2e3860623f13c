//! `Server::close` with requests in flight: the answer that is a busy connection's last
//! says `Connection: close` (and the connection then ends), and `on_close` / `is_closed`
//! tell code outside the server's callback that the server has fully closed.

mod common;
use common::{client, read_all, read_responses};
use ruv_core::{Code, Loop, RunMode, Timer};
use ruv_http::{Response, Server, ServerEvent, ServerOptions};
use std::io::Write;

/// Answers `res` with its URL from a timer, after the current callback.
fn answer_later(lp: &mut Loop<Vec<String>>, res: Response, body: String) -> ruv_core::Result<()> {
    let t = Timer::new(lp)?;
    t.start(lp, 0, 0, move |lp, _, t| -> ruv_core::Result<()> {
        res.end(lp, body.clone())?;
        t.close(lp)?;
        Ok(())
    })
}

fn closing_server(lp: &mut Loop<Vec<String>>) -> (Server, u16) {
    let server = Server::create(
        lp,
        ServerOptions::default(),
        |lp, log: &mut Vec<String>, me, ev| {
            match ev {
                ServerEvent::Request(req, res) => {
                    let url = req.head(lp)?.url().to_string();
                    if url == "/1" {
                        me.close(lp)?;
                    }
                    answer_later(lp, res, format!("answer {url}"))?;
                }
                ServerEvent::Close => log.push("close event".into()),
                _ => {}
            }
            Ok::<(), ruv_core::Error>(())
        },
    )
    .unwrap();
    server.listen(lp, "127.0.0.1:0".parse().unwrap()).unwrap();
    let port = server.address(lp).unwrap().port();
    (server, port)
}

fn connection_header(head: &str) -> Option<String> {
    head.lines()
        .find_map(|l| l.strip_prefix("Connection: "))
        .map(str::to_string)
}

#[test]
fn a_response_finished_after_close_on_a_busy_connection_says_connection_close() {
    let mut lp: Loop<Vec<String>> = Loop::new().unwrap();
    let (_, port) = closing_server(&mut lp);
    let peer = std::thread::spawn(move || {
        let mut c = client(port);
        c.write_all(b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
        let r = read_responses(&mut c, 1);
        (r[0].1.clone(), r[0].2.clone(), read_all(&mut c))
    });
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    let (head, body, rest) = peer.join().unwrap();
    assert_eq!(body, b"answer /1");
    assert_eq!(connection_header(&head).as_deref(), Some("close"), "{head}");
    assert!(!head.contains("Keep-Alive"), "{head}");
    assert_eq!(rest, "", "the connection ends after its last answer");
    assert_eq!(log, ["close event"]);
}

#[test]
fn with_a_request_pipelined_behind_only_the_last_answer_says_connection_close() {
    let mut lp: Loop<Vec<String>> = Loop::new().unwrap();
    let (_, port) = closing_server(&mut lp);
    let peer = std::thread::spawn(move || {
        let mut c = client(port);
        c.write_all(b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n")
            .unwrap();
        let r = read_responses(&mut c, 2);
        (r, read_all(&mut c))
    });
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    let (r, rest) = peer.join().unwrap();
    assert_eq!(
        (r[0].2.as_slice(), r[1].2.as_slice()),
        (&b"answer /1"[..], &b"answer /2"[..])
    );
    assert_eq!(connection_header(&r[0].1).as_deref(), Some("keep-alive"));
    assert_eq!(connection_header(&r[1].1).as_deref(), Some("close"));
    assert_eq!(rest, "");
}

#[test]
fn on_close_runs_once_after_the_close_event_in_order_and_is_closed_turns_true() {
    let mut lp: Loop<Vec<String>> = Loop::new().unwrap();
    let server = Server::create(
        &mut lp,
        ServerOptions::default(),
        |_, log: &mut Vec<String>, _, ev| {
            if let ServerEvent::Close = ev {
                log.push("close event".into());
            }
        },
    )
    .unwrap();
    server
        .listen(&mut lp, "127.0.0.1:0".parse().unwrap())
        .unwrap();
    for n in 1..=2 {
        server
            .on_close(&mut lp, move |lp, log: &mut Vec<String>| {
                log.push(format!("on_close {n}, closed {}", server.is_closed(lp)));
            })
            .unwrap();
    }
    assert!(!server.is_closed(&lp));
    server.close(&mut lp).unwrap();
    assert!(!server.is_closed(&lp), "closing, not closed");
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(
        log,
        [
            "close event",
            "on_close 1, closed true",
            "on_close 2, closed true"
        ]
    );
    assert!(server.is_closed(&lp));
    let e = server.on_close(&mut lp, |_, _| {}).unwrap_err();
    assert_eq!(e.code(), Code::EBADF);
}
