#!/usr/bin/env node
// Generates reference vectors of how Node's HTTP/1.x server (llhttp, default
// options, no insecureHTTPParser) answers raw request bytes.
//
//   node gen_node_vectors.js > node_vectors.json
//
// Byte strings in the output ("input" pieces, response heads and bodies,
// request bodies) are "latin1 strings": every character U+0000..U+00FF
// stands for exactly one byte of the same value. An input piece may also be
// {"repeat": S, "count": N}, meaning S repeated N times.
//
// The echo server installs NO 'clientError' listener, so Node's own default
// error handling (write a canned response, destroy the socket) is what gets
// recorded. The error code is observed by wrapping server.emit, which sees
// the 'clientError' event pass without adding a listener (Node checks the
// return value of emit(), which stays false).
'use strict';

const http = require('http');
const net = require('net');

const SILENCE_MS = 500;
const PIECE_DELAY_MS = 50;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function stripDate(s) {
  return s.replace(/\r\nDate: [^\r\n]*/gi, '\r\nDate: <date>');
}

// A "byte string value": a latin1 string, {repeat, count}, or
// {concat: [values...]}.
function expand(p) {
  if (typeof p === 'string') return p;
  if (p.concat) return p.concat.map(expand).join('');
  return p.repeat.repeat(p.count);
}

function pieceBuf(p) {
  return Buffer.from(expand(p), 'latin1');
}

function pieceLen(p) {
  return expand(p).length;
}

// Run-length compaction of long strings for the JSON output: runs of 32+
// equal characters become {repeat, count}; short strings stay as they are.
function compact(str) {
  if (typeof str !== 'string' || str.length <= 256) return str;
  const segs = [];
  let lit = '';
  for (let i = 0; i < str.length;) {
    let j = i;
    while (j < str.length && str[j] === str[i]) j++;
    if (j - i >= 32) {
      if (lit) { segs.push(lit); lit = ''; }
      segs.push({ repeat: str[i], count: j - i });
    } else {
      lit += str.slice(i, j);
    }
    i = j;
  }
  if (lit) segs.push(lit);
  if (segs.length === 1) return segs[0];
  return { concat: segs };
}

function compactDeep(v) {
  if (typeof v === 'string') return compact(v);
  if (Array.isArray(v)) return v.map(compactDeep);
  if (v && typeof v === 'object') {
    const o = {};
    for (const k of Object.keys(v)) o[k] = compactDeep(v[k]);
    return o;
  }
  return v;
}

// ---------------------------------------------------------------- servers --

// Per-connection records, keyed by the client's local port.
const byPort = new Map();

function trackErrors(server) {
  const origEmit = server.emit;
  server.emit = function emit(ev, ...args) {
    if (ev === 'clientError') {
      const err = args[0];
      const sock = args[1];
      const rec = byPort.get(sock && sock.remotePort);
      if (rec && !rec.done) {
        rec.errors.push({
          code: err.code === undefined ? null : err.code,
          reason: err.reason === undefined ? null : err.reason,
          bytesParsed: err.bytesParsed === undefined ? null : err.bytesParsed,
          message: err.message,
        });
      }
    }
    return origEmit.apply(this, [ev, ...args]);
  };
}

function summarizeHeaders(rec, req) {
  const big = req.rawHeaders.length > 200;
  if (!big) {
    rec.headers = { ...req.headers };
    rec.rawHeaders = req.rawHeaders.slice();
    return;
  }
  const keys = Object.keys(req.headers);
  rec.headers_summary = {
    headers_key_count: keys.length,
    first_keys: keys.slice(0, 3),
    last_keys: keys.slice(-3),
    rawHeaders_length: req.rawHeaders.length,
    rawHeaders_last_pair: req.rawHeaders.slice(-2),
  };
}

function bodyRecord(rec, buf) {
  rec.body_length = buf.length;
  rec.body = buf.length < 200 ? buf.toString('latin1') : null;
}

const echo = http.createServer((req, res) => {
  const rec = { method: req.method, url: req.url, httpVersion: req.httpVersion };
  summarizeHeaders(rec, req);
  rec.events = [];
  const conn = byPort.get(req.socket.remotePort);
  if (conn && !conn.done) conn.requests.push(rec);
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('aborted', () => rec.events.push('aborted'));
  req.on('error', (e) => rec.events.push('error:' + e.code));
  req.on('end', () => {
    rec.trailers = { ...req.trailers };
    rec.rawTrailers = req.rawTrailers.slice();
    bodyRecord(rec, Buffer.concat(chunks));
    rec.events.push('end');
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(rec));
  });
});
trackErrors(echo);

// Response-shape server: one handler per URL path.
const handlers = {
  '/hello': (req, res) => res.end('hello'),
  '/empty': (req, res) => res.end(),
  '/chunked': (req, res) => { res.write('a'); res.end('b'); },
  '/write-end-empty': (req, res) => { res.write('a'); res.end(); },
  '/204': (req, res) => { res.statusCode = 204; res.end(); },
  '/304': (req, res) => { res.statusCode = 304; res.end(); },
  '/204-body': (req, res) => { res.statusCode = 204; res.end('hello'); },
  '/writehead-cl5': (req, res) => {
    res.writeHead(200, { 'Content-Length': 5 });
    res.end('hello');
  },
  '/writehead-reason': (req, res) => {
    res.writeHead(404, 'Nope', { 'X-A': '1' });
    res.end('gone');
  },
  '/set-cookie-array': (req, res) => {
    res.setHeader('Set-Cookie', ['a=1', 'b=2']);
    res.setHeader('X-Multi', ['x', 'y']);
    res.end('ok');
  },
  '/te-chunked-explicit': (req, res) => {
    res.writeHead(200, { 'Transfer-Encoding': 'chunked' });
    res.end('hello');
  },
  '/connection-close-header': (req, res) => {
    res.setHeader('Connection', 'close');
    res.end('hello');
  },
};
const shapes = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const h = handlers[req.url.split('?')[0]];
    if (h) h(req, res);
    else { res.statusCode = 404; res.end('no handler'); }
  });
});
trackErrors(shapes);

// ----------------------------------------------------------------- client --

// Minimal response splitter so every response's status can be listed.
function splitResponses(buf, requests) {
  const out = [];
  let off = 0;
  let final = 0;
  while (off < buf.length) {
    const end = buf.indexOf('\r\n\r\n', off, 'latin1');
    if (end < 0) {
      out.push({ partial: buf.toString('latin1', off) });
      break;
    }
    const head = buf.toString('latin1', off, end + 4);
    off = end + 4;
    const m = /^HTTP\/\d\.\d (\d{3})/.exec(head);
    const status = m ? Number(m[1]) : null;
    const r = { status, head: stripDate(head) };
    out.push(r);
    if (status !== null && status < 200) continue;
    const req = requests[final++];
    const bodyStart = off;
    const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    const chunked = /\r\ntransfer-encoding:[^\r]*chunked/i.test(head);
    let body;
    if (status === 204 || status === 304 || (req && req.method === 'HEAD')) {
      body = Buffer.alloc(0);
    } else if (cl) {
      body = buf.subarray(off, off + Number(cl[1]));
      off += body.length;
    } else if (chunked) {
      const parts = [];
      for (;;) {
        const le = buf.indexOf('\r\n', off, 'latin1');
        if (le < 0) { off = buf.length; break; }
        const size = parseInt(buf.toString('latin1', off, le), 16);
        off = le + 2;
        if (!(size > 0)) {
          const te = buf.indexOf('\r\n', off, 'latin1');
          off = te < 0 ? buf.length : te + 2;
          break;
        }
        parts.push(buf.subarray(off, off + size));
        off += size + 2;
      }
      body = Buffer.concat(parts);
      r.raw_chunked = true;
    } else {
      body = buf.subarray(off);
      off = buf.length;
    }
    r.body_length = body.length;
    if (body.length <= 512) r.body = body.toString('latin1');
    if (r.raw_chunked && off - bodyStart <= 512) r.body_wire = buf.toString('latin1', bodyStart, off);
  }
  return out;
}

// Sends one case to `port` and records what happened.
// opts.untilFirstResponse: stop as soon as one full response head arrived.
function exchange(port, c, opts = {}) {
  return new Promise((resolve) => {
    const rec = { requests: [], errors: [], done: false };
    const data = [];
    let closed = false;
    let reset = null;
    let finished = false;
    let timer = null;
    let writing = true;
    const sock = net.connect(port, '127.0.0.1');
    sock.setNoDelay(true);

    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      // Let server-side events for this connection drain before sealing.
      setImmediate(() => {
        rec.done = true;
        byPort.delete(sock.localPort);
        if (!sock.destroyed) sock.destroy();
        resolve({ data: Buffer.concat(data), closed, reset, rec });
      });
    };
    const arm = () => {
      clearTimeout(timer);
      if (!writing) timer = setTimeout(finish, opts.silenceMs ?? SILENCE_MS);
    };

    sock.on('data', (d) => {
      data.push(d);
      if (opts.untilFirstResponse && Buffer.concat(data).indexOf('\r\n\r\n') >= 0) {
        finish();
        return;
      }
      arm();
    });
    sock.on('end', () => { closed = true; });
    sock.on('error', (e) => { reset = e.code; closed = true; });
    sock.on('close', () => { closed = true; if (!writing) finish(); });
    sock.on('connect', async () => {
      byPort.set(sock.localPort, rec);
      const pieces = c.input;
      for (let i = 0; i < pieces.length && !closed; i++) {
        if (i > 0) await sleep(c.piece_delay_ms ?? PIECE_DELAY_MS);
        if (closed) break;
        const b = pieceBuf(pieces[i]);
        // Write big pieces in 64 KiB slices, honouring back-pressure.
        for (let o = 0; o < b.length && !closed; o += 65536) {
          if (!sock.write(b.subarray(o, o + 65536))) {
            await new Promise((r) => { sock.once('drain', r); sock.once('close', r); });
          }
        }
      }
      if (c.half_close && !closed) sock.end();
      writing = false;
      if (sock.destroyed) finish();
      else arm();
    });
  });
}

function inputLength(c) {
  return c.input.reduce((a, p) => a + pieceLen(p), 0);
}

async function runCase(port, c) {
  const { data, closed, reset, rec } = await exchange(port, c);
  const responses = splitResponses(data, rec.requests);
  const first = rec.errors[0];
  const smallSingle = c.input.length === 1 && inputLength(c) <= 4096;
  const out = {
    name: c.name,
    input: c.input.map((p) => (typeof p === 'string' ? compact(p) : p)),
    half_close: !!c.half_close,
  };
  if (c.note) out.note = c.note;
  Object.assign(out, {
    status: responses.filter((r) => r.status !== undefined).map((r) => r.status),
    closed,
    client_saw_reset: reset,
    error_code: first ? first.code : null,
    error_reason: first ? first.reason : null,
  });
  if (first && smallSingle) out.error_bytes_parsed = first.bytesParsed;
  if (rec.errors.length > 1) out.all_error_codes = rec.errors.map((e) => e.code);
  out.responses = responses;
  out.requests = compactDeep(rec.requests);
  return out;
}

// ------------------------------------------------------------------ cases --

const H = 'Host: a\r\n';
const get11 = 'GET / HTTP/1.1\r\n' + H + '\r\n';
const post = (hdrs, body) => 'POST / HTTP/1.1\r\n' + H + hdrs + '\r\n' + body;
const cl = (v, body = 'hello') => post('Content-Length:' + v + '\r\n', body);
const chunked = (body, te = 'chunked') => post('Transfer-Encoding: ' + te + '\r\n', body);
const withHeader = (line) => 'GET / HTTP/1.1\r\n' + H + line + '\r\n\r\n';
const c1 = (name, s, extra = {}) => ({ name, input: [s], ...extra });

const cases = [
  // basics
  c1('get_http11', get11),
  c1('get_http10', 'GET / HTTP/1.0\r\n\r\n'),
  c1('get_http10_keepalive', 'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'),
  c1('get_http11_connection_close', 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'),
  c1('get_http11_no_host', 'GET / HTTP/1.1\r\n\r\n'),
  c1('get_http10_no_host', 'GET / HTTP/1.0\r\n\r\n'),
  c1('get_http11_empty_host', 'GET / HTTP/1.1\r\nHost:\r\n\r\n'),
  c1('get_http11_two_hosts', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'),
  c1('post_content_length', cl(' 5')),
  c1('get_with_content_length_body', 'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc'),
  c1('get_body_without_length_is_next_request', 'GET / HTTP/1.1\r\nHost: a\r\n\r\nxyz'),
  c1('leading_crlf_before_request_line', '\r\n' + get11),
  c1('leading_two_crlf_before_request_line', '\r\n\r\n' + get11),
  c1('leading_lf_before_request_line', '\n' + get11),
  c1('leading_space_before_method', ' ' + get11),

  // Content-Length
  c1('cl_and_te_chunked', post('Content-Length: 5\r\nTransfer-Encoding: chunked\r\n', '5\r\nhello\r\n0\r\n\r\n')),
  c1('te_chunked_and_cl', post('Transfer-Encoding: chunked\r\nContent-Length: 5\r\n', '5\r\nhello\r\n0\r\n\r\n')),
  c1('cl_two_identical', post('Content-Length: 5\r\nContent-Length: 5\r\n', 'hello')),
  c1('cl_two_differing', post('Content-Length: 5\r\nContent-Length: 6\r\n', 'hello!')),
  c1('cl_plus5', cl(' +5')),
  c1('cl_minus5', cl(' -5')),
  c1('cl_no_ows', cl('5')),
  c1('cl_three_spaces_before', cl('   5')),
  c1('cl_tab_before', cl('\t5')),
  c1('cl_trailing_space', cl(' 5 ')),
  c1('cl_trailing_tab', cl(' 5\t')),
  c1('cl_inner_space', cl(' 5 5')),
  c1('cl_list_5_5', cl(' 5,5')),
  c1('cl_list_5_comma_space_5', cl(' 5, 5')),
  c1('cl_hex_0x5', cl(' 0x5')),
  c1('cl_leading_zeros', cl(' 005')),
  c1('cl_5a', cl(' 5a')),
  c1('cl_empty', cl('')),
  c1('cl_huge_100000000000', cl(' 100000000000')),
  c1('cl_overflow_99999999999999999999999', cl(' 99999999999999999999999')),
  c1('cl_u64_max_18446744073709551615', cl(' 18446744073709551615')),
  c1('cl_u64_max_plus1_18446744073709551616', cl(' 18446744073709551616')),
  c1('cl_body_then_pipelined_get', cl(' 5', 'hello' + get11)),

  // chunked bodies
  c1('te_chunked_valid_with_trailers', chunked('5\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t1\r\nX-Trailer: t2\r\nExpires: e1\r\nExpires: e2\r\n\r\n')),
  { name: 'te_chunked_valid_split', input: [chunked(''), '5\r\nhel', 'lo\r\n', '0\r\n', '\r\n'] },
  c1('chunk_size_zz', chunked('zz\r\nhello\r\n0\r\n\r\n')),
  c1('chunk_size_negative', chunked('-5\r\nhello\r\n0\r\n\r\n')),
  c1('chunk_size_overflow_17f', chunked('fffffffffffffffff\r\nhello\r\n0\r\n\r\n')),
  c1('chunk_size_16f_accepted_waits', chunked('ffffffffffffffff\r\nhello')),
  c1('chunk_size_uppercase_hex', chunked('A\r\n0123456789\r\n0\r\n\r\n')),
  c1('chunk_size_leading_zeros', chunked('0005\r\nhello\r\n0\r\n\r\n')),
  c1('chunk_ext_a_b', chunked('5;a=b\r\nhello\r\n0\r\n\r\n')),
  c1('chunk_ext_bare_token', chunked('5;foo\r\nhello\r\n0\r\n\r\n')),
  c1('chunk_ext_quoted', chunked('5;a="b c"\r\nhello\r\n0\r\n\r\n')),
  c1('chunk_ext_space_before_semicolon', chunked('5 ;a=b\r\nhello\r\n0\r\n\r\n')),
  c1('chunk_size_trailing_space', chunked('5 \r\nhello\r\n0\r\n\r\n')),
  c1('chunk_size_trailing_tab', chunked('5\t\r\nhello\r\n0\r\n\r\n')),
  c1('chunk_size_leading_space', chunked(' 5\r\nhello\r\n0\r\n\r\n')),
  c1('chunk_size_empty', chunked('\r\nhello\r\n0\r\n\r\n')),
  c1('chunk_ext_too_long_20000', chunked('5;a=' + 'x'.repeat(20000) + '\r\nhello\r\n0\r\n\r\n')),
  c1('chunk_data_not_followed_by_crlf', chunked('5\r\nhelloXX0\r\n\r\n')),
  c1('chunk_data_followed_by_bare_lf', chunked('5\r\nhello\n0\r\n\r\n')),
  c1('chunk_size_line_bare_lf', chunked('5\nhello\r\n0\r\n\r\n')),
  c1('last_chunk_bare_lf', chunked('5\r\nhello\r\n0\n\r\n')),
  c1('chunked_final_crlf_bare_lf', chunked('5\r\nhello\r\n0\r\n\n')),
  c1('chunked_missing_final_crlf_then_half_close', chunked('5\r\nhello\r\n0\r\n'), { half_close: true }),
  c1('chunked_trailer_bad_name', chunked('5\r\nhello\r\n0\r\nBad Name: x\r\n\r\n')),
  c1('te_gzip_chunked', chunked('5\r\nhello\r\n0\r\n\r\n', 'gzip, chunked')),
  c1('te_chunked_gzip_not_last', chunked('5\r\nhello\r\n0\r\n\r\n', 'chunked, gzip')),
  c1('te_identity', chunked('hello', 'identity')),
  c1('te_identity_with_cl', post('Transfer-Encoding: identity\r\nContent-Length: 5\r\n', 'hello')),
  c1('te_gzip_only', chunked('hello', 'gzip')),
  c1('te_Chunked_mixed_case', chunked('5\r\nhello\r\n0\r\n\r\n', 'Chunked')),
  c1('te_CHUNKED_upper', chunked('5\r\nhello\r\n0\r\n\r\n', 'CHUNKED')),
  c1('te_chunked_trailing_space', chunked('5\r\nhello\r\n0\r\n\r\n', 'chunked ')),
  c1('te_chunked_trailing_comma', chunked('5\r\nhello\r\n0\r\n\r\n', 'chunked,')),
  c1('te_x_chunked', chunked('5\r\nhello\r\n0\r\n\r\n', 'xchunked')),
  c1('te_chunked_twice_two_headers', post('Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n', '5\r\nhello\r\n0\r\n\r\n')),
  c1('te_chunked_on_http10', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'),

  // header syntax
  c1('header_space_before_colon', 'GET / HTTP/1.1\r\nHost : a\r\n\r\n'),
  c1('header_tab_before_colon', 'GET / HTTP/1.1\r\nHost\t: a\r\n\r\n'),
  c1('header_name_at_sign', withHeader('X@Y: z')),
  c1('header_name_ctl_0x01', withHeader('X\x01Y: z')),
  c1('header_name_obs_0x80', withHeader('X\x80Y: z')),
  c1('header_name_empty', withHeader(': v')),
  c1('header_no_colon', withHeader('NoColon')),
  c1('header_name_all_tchar', withHeader("!#$%&'*+-.^_`|~09azAZ: v")),
  c1('header_value_ctl_0x01', withHeader('X: a\x01b')),
  c1('header_value_del_0x7f', withHeader('X: a\x7fb')),
  c1('header_value_nul', withHeader('X: a\x00b')),
  c1('header_value_obs_text_80_ff', withHeader('X: a\x80\xa9\xff\xfeb')),
  c1('header_value_inner_tab', withHeader('X: a\tb')),
  c1('header_value_trailing_ows', withHeader('X: a b \t ')),
  c1('header_value_leading_tab', withHeader('X:\ta')),
  c1('header_value_empty', withHeader('X:')),
  c1('header_value_only_spaces', withHeader('X:    ')),
  c1('header_value_bare_cr_inside', withHeader('X: a\rb')),
  c1('header_value_bare_lf_inside_is_line_end', withHeader('X: a\nY: b')),

  // line endings
  c1('bare_lf_after_request_line', 'GET / HTTP/1.1\nHost: a\r\n\r\n'),
  c1('bare_lf_after_header', 'GET / HTTP/1.1\r\nHost: a\n\r\n'),
  c1('bare_lf_end_of_head', 'GET / HTTP/1.1\r\nHost: a\r\n\n'),
  c1('bare_lf_everywhere', 'GET / HTTP/1.1\nHost: a\n\n'),
  c1('bare_cr_after_request_line', 'GET / HTTP/1.1\rHost: a\r\n\r\n'),
  c1('bare_cr_after_header', 'GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n'),
  c1('bare_cr_end_of_head', 'GET / HTTP/1.1\r\nHost: a\r\n\rX'),
  c1('obs_fold_space', 'GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n'),
  c1('obs_fold_tab', 'GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n\tb\r\n\r\n'),
  c1('obs_fold_first_header_line', 'GET / HTTP/1.1\r\n Host: a\r\n\r\n'),

  // request line
  c1('method_lowercase_get', 'get / HTTP/1.1\r\n' + H + '\r\n'),
  c1('method_unknown_FOO', 'FOO / HTTP/1.1\r\n' + H + '\r\n'),
  c1('method_M_SEARCH', 'M-SEARCH * HTTP/1.1\r\n' + H + '\r\n'),
  c1('method_PURGE', 'PURGE / HTTP/1.1\r\n' + H + '\r\n'),
  c1('method_QUERY', 'QUERY / HTTP/1.1\r\n' + H + '\r\n'),
  c1('method_PRI_h2_preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
  c1('request_line_two_spaces_after_method', 'GET  / HTTP/1.1\r\n' + H + '\r\n'),
  c1('request_line_two_spaces_before_version', 'GET /  HTTP/1.1\r\n' + H + '\r\n'),
  c1('request_line_trailing_space', 'GET / HTTP/1.1 \r\n' + H + '\r\n'),
  c1('request_line_tab_separator', 'GET\t/ HTTP/1.1\r\n' + H + '\r\n'),
  c1('request_line_missing_version', 'GET /\r\n' + H + '\r\n'),
  c1('request_line_missing_url', 'GET HTTP/1.1\r\n' + H + '\r\n'),
  c1('version_http20', 'GET / HTTP/2.0\r\n' + H + '\r\n'),
  c1('version_http12', 'GET / HTTP/1.2\r\n' + H + '\r\n'),
  c1('version_http09', 'GET / HTTP/0.9\r\n' + H + '\r\n'),
  c1('version_http30', 'GET / HTTP/3.0\r\n' + H + '\r\n'),
  c1('version_http110', 'GET / HTTP/1.10\r\n' + H + '\r\n'),
  c1('version_lowercase_http', 'GET / http/1.1\r\n' + H + '\r\n'),
  c1('url_absolute_form', 'GET http://example.com:8080/x?y=1 HTTP/1.1\r\nHost: example.com\r\n\r\n'),
  c1('url_asterisk_options', 'OPTIONS * HTTP/1.1\r\n' + H + '\r\n'),
  c1('url_asterisk_get', 'GET * HTTP/1.1\r\n' + H + '\r\n'),
  c1('connect_authority_no_listener', 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'),
  c1('url_with_fragment', 'GET /a#frag HTTP/1.1\r\n' + H + '\r\n'),
  c1('url_with_del_0x7f', 'GET /a\x7fb HTTP/1.1\r\n' + H + '\r\n'),
  c1('url_with_ctl_0x01', 'GET /a\x01b HTTP/1.1\r\n' + H + '\r\n'),
  c1('url_with_obs_0x80_ff', 'GET /a\x80\xffb HTTP/1.1\r\n' + H + '\r\n'),
  c1('url_with_tab', 'GET /a\tb HTTP/1.1\r\n' + H + '\r\n'),
  c1('url_relative_no_slash', 'GET abc HTTP/1.1\r\n' + H + '\r\n'),
  c1('method_very_long_unknown', 'X'.repeat(100) + ' / HTTP/1.1\r\n' + H + '\r\n'),
  c1('request_line_only_http09_style', 'GET /\r\n\r\n'),

  // sizes (boundaries measured by the probes section; see notes)
  {
    name: 'request_line_1mib_streamed',
    input: ['GET /', { repeat: 'a', count: 1048576 }, ' HTTP/1.1\r\nHost: a\r\n\r\n'],
    piece_delay_ms: 0,
  },
  {
    name: 'headers_100000_streamed',
    input: ['GET / HTTP/1.1\r\nHost: a\r\n', { repeat: 'X-A: b\r\n', count: 100000 }, '\r\n'],
    piece_delay_ms: 0,
  },
  {
    name: 'request_line_1mib_streamed_pause_after_20kib',
    note: 'first 20 KiB, then 200 ms later the rest of the 1 MiB URL',
    input: ['GET /' + 'a'.repeat(20475), { repeat: 'a', count: 1048576 - 20475 }, ' HTTP/1.1\r\nHost: a\r\n\r\n'],
    piece_delay_ms: 200,
  },
  {
    name: 'headers_100000_streamed_pause_after_20kib',
    note: 'first ~20 KiB of headers, then 200 ms later the rest',
    input: [{ concat: ['GET / HTTP/1.1\r\nHost: a\r\n', { repeat: 'X-A: b\r\n', count: 2560 }] }, { repeat: 'X-A: b\r\n', count: 100000 - 2560 }, '\r\n'],
    piece_delay_ms: 200,
  },
  // Counted bytes = URL + every header name + every header value (leading
  // OWS excluded, trailing OWS included); accepted while < 16384.
  c1('head_counted_16383_one_value_accepted', 'GET / HTTP/1.1\r\nHost: a\r\nX: ' + 'v'.repeat(16383 - 1 - 4 - 1 - 1) + '\r\n\r\n'),
  c1('head_counted_16384_one_value_rejected', 'GET / HTTP/1.1\r\nHost: a\r\nX: ' + 'v'.repeat(16384 - 1 - 4 - 1 - 1) + '\r\n\r\n'),
  c1('head_counted_16383_url_accepted', 'GET /' + 'u'.repeat(16383 - 1 - 4 - 1) + ' HTTP/1.1\r\nHost: a\r\n\r\n'),
  c1('head_counted_16384_url_rejected', 'GET /' + 'u'.repeat(16384 - 1 - 4 - 1) + ' HTTP/1.1\r\nHost: a\r\n\r\n'),
  wireHead('head_wire_16384_bytes_accepted', 16384),
  wireHead('head_wire_16385_bytes_accepted', 16385),
  c1('head_many_small_headers_40kib_wire_accepted', { concat: ['GET / HTTP/1.1\r\nHost: a\r\n', { repeat: 'a:b\r\n', count: 8188 }, '\r\n'] },
    { note: '8188 x "a:b" -> counted 1 + 4 + 1 + 2*8188 = 16382; wire ~41 KiB' }),
  c1('head_leading_ows_100kib_accepted', 'GET / HTTP/1.1\r\nHost: a\r\nX:' + ' '.repeat(100000) + 'v\r\n\r\n',
    { note: 'leading OWS of a header value is not counted against maxHeaderSize' }),
  c1('head_trailing_ows_16380_rejected', 'GET / HTTP/1.1\r\nHost: a\r\nX: v' + ' '.repeat(16380) + '\r\n\r\n',
    { note: 'trailing OWS is counted: 1+4+1+1+1+16380 = 16388' }),
  {
    name: 'two_pipelined_heads_each_under_limit',
    note: 'each request counts 16383; the counter restarts per message',
    input: ['GET / HTTP/1.1\r\nHost: a\r\nX: ' + 'v'.repeat(16376) + '\r\n\r\n' +
      'GET / HTTP/1.1\r\nHost: a\r\nX: ' + 'v'.repeat(16376) + '\r\n\r\n'],
  },
  c1('trailer_counted_16384_rejected', chunked('0\r\nT: ' + 'v'.repeat(16383) + '\r\n\r\n')),
  manyHeaders('headers_2100_unique_small', 2100),
  manyDupHeaders('headers_2100_duplicate_x_a', 2100),

  // duplicates
  c1('duplicate_headers_every_class', 'GET / HTTP/1.1\r\nHost: a\r\n' +
    'Set-Cookie: s1\r\nset-cookie: s2\r\n' +
    'Content-Type: t1\r\nContent-Type: t2\r\n' +
    'User-Agent: u1\r\nUser-Agent: u2\r\n' +
    'Referer: r1\r\nReferer: r2\r\n' +
    'Authorization: a1\r\nAuthorization: a2\r\n' +
    'Proxy-Authorization: p1\r\nProxy-Authorization: p2\r\n' +
    'If-Modified-Since: m1\r\nIf-Modified-Since: m2\r\n' +
    'If-Unmodified-Since: n1\r\nIf-Unmodified-Since: n2\r\n' +
    'From: f1\r\nFrom: f2\r\n' +
    'Location: l1\r\nLocation: l2\r\n' +
    'Max-Forwards: 1\r\nMax-Forwards: 2\r\n' +
    'Retry-After: 1\r\nRetry-After: 2\r\n' +
    'ETag: e1\r\nETag: e2\r\n' +
    'Last-Modified: lm1\r\nLast-Modified: lm2\r\n' +
    'Server: sv1\r\nServer: sv2\r\n' +
    'Age: 1\r\nAge: 2\r\n' +
    'Expires: x1\r\nExpires: x2\r\n' +
    'Cookie: c1=1\r\nCookie: c2=2\r\n' +
    'Accept: ac1\r\nAccept: ac2\r\n' +
    'X-Custom: x1\r\nx-custom: x2\r\nX-CUSTOM: x3\r\n' +
    'X-Empty:\r\nX-Empty: e\r\n' +
    'Connection: keep-alive\r\nConnection: foo\r\n' +
    'Proxy-Connection: pc1\r\nProxy-Connection: pc2\r\n' +
    'Content-Disposition: cd1\r\nContent-Disposition: cd2\r\n' +
    '__proto__: pp\r\n' +
    '123: numeric-name\r\n' +
    '\r\n'),
  c1('duplicate_host_case_insensitive', 'GET / HTTP/1.1\r\nhost: a\r\nHOST: b\r\n\r\n'),

  // Expect
  {
    name: 'expect_100_continue_body_in_second_piece',
    input: ['POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n', 'hello'],
    piece_delay_ms: 100,
  },
  c1('expect_100_continue_body_in_same_write', 'POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello'),
  c1('expect_100_continue_uppercase', 'POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-CONTINUE\r\nContent-Length: 0\r\n\r\n'),
  c1('expect_100_continue_http10', 'POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello'),
  c1('expect_something_else', 'POST / HTTP/1.1\r\nHost: a\r\nExpect: something-else\r\nContent-Length: 5\r\n\r\nhello'),

  // Upgrade
  c1('upgrade_websocket_no_listener', 'GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'),
  c1('upgrade_websocket_no_listener_with_trailing_bytes', 'GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello'),
  c1('upgrade_header_without_connection_upgrade', 'GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n'),
  c1('upgrade_h2c_no_listener', 'GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n'),

  c1('upgrade_no_listener_then_get_same_write', 'GET /u HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n'),
  {
    name: 'upgrade_no_listener_then_get_later_write',
    input: ['GET /u HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n', 'GET /2 HTTP/1.1\r\nHost: a\r\n\r\n'],
    piece_delay_ms: 100,
  },
  c1('upgrade_post_with_body_no_listener', 'POST /u HTTP/1.1\r\nHost: a\r\nUpgrade: foo\r\nConnection: upgrade\r\nContent-Length: 5\r\n\r\nhello'),

  // Connection header variants
  c1('connection_close_uppercase', 'GET / HTTP/1.1\r\nHost: a\r\nConnection: CLOSE\r\n\r\n'),
  c1('connection_keepalive_close_list', 'GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, close\r\n\r\n'),
  c1('connection_close_in_second_header', 'GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n'),
  c1('http10_connection_Keep_Alive_mixed_case', 'GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n'),
  c1('get_with_te_chunked_body', 'GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'),
  c1('chunk_ext_10000_in_each_of_two_chunks', chunked('1;' + 'e'.repeat(10000) + '\r\nx\r\n1;' + 'e'.repeat(10000) + '\r\ny\r\n0\r\n\r\n'),
    { note: 'is the chunk-extension budget per message or per chunk?' }),

  // pipelining
  c1('pipelined_three_gets_one_write', 'GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nGET /3 HTTP/1.1\r\nHost: a\r\n\r\n'),
  c1('pipelined_middle_invalid', 'GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/9.9\r\nHost: a\r\n\r\nGET /3 HTTP/1.1\r\nHost: a\r\n\r\n'),
  c1('pipelined_after_connection_close', 'GET /1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n'),
  c1('pipelined_post_then_get', 'POST /1 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET /2 HTTP/1.1\r\nHost: a\r\n\r\n'),
  {
    name: 'keepalive_second_request_in_later_write',
    input: ['GET /1 HTTP/1.1\r\nHost: a\r\n\r\n', 'GET /2 HTTP/1.1\r\nHost: a\r\n\r\n'],
    piece_delay_ms: 100,
  },
  {
    name: 'keepalive_invalid_second_request_in_later_write',
    input: ['GET /1 HTTP/1.1\r\nHost: a\r\n\r\n', 'GET /2 HTTP/9.9\r\nHost: a\r\n\r\n'],
    piece_delay_ms: 100,
  },
  {
    name: 'connection_close_then_second_request_in_later_write',
    input: ['GET /1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', 'GET /2 HTTP/1.1\r\nHost: a\r\n\r\n'],
    piece_delay_ms: 100,
  },
  c1('pipelined_head_then_get', 'HEAD /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n'),
  c1('pipelined_http10_then_get', 'GET /1 HTTP/1.0\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n'),
  {
    name: 'request_split_byte_by_byte_pieces',
    input: Array.from('GET /x HTTP/1.1\r\nHost: a\r\nX: y\r\n\r\n'),
    piece_delay_ms: 5,
  },

  // half close / EOF
  c1('post_half_body_then_half_close', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhello', { half_close: true }),
  c1('post_half_body_keep_open', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhello'),
  c1('incomplete_head_then_half_close', 'GET / HTTP/1.1\r\nHost: a\r\n', { half_close: true }),
  c1('incomplete_request_line_then_half_close', 'GET / HT', { half_close: true }),
  c1('complete_get_then_half_close', get11, { half_close: true }),
  c1('complete_http10_get_then_half_close', 'GET / HTTP/1.0\r\n\r\n', { half_close: true }),
  c1('empty_connection_half_close', '', { half_close: true }),
  c1('chunked_incomplete_then_half_close', chunked('5\r\nhel'), { half_close: true }),
  c1('garbage_binary', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03'),
];

function wireHead(name, total) {
  const fixed = 'GET / HTTP/1.1\r\nHost: a\r\nX: \r\n\r\n'.length;
  const n = total - fixed;
  return c1(name, 'GET / HTTP/1.1\r\nHost: a\r\nX: ' + 'v'.repeat(n) + '\r\n\r\n',
    { note: `whole head is exactly ${total} bytes on the wire; counted bytes ${7 + n}` });
}

function manyHeaders(name, n) {
  // two-character unique names: tchar pairs (letters case-insensitive).
  const alpha = "abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~";
  let s = 'GET / HTTP/1.1\r\nHost: a\r\n';
  for (let i = 0; i < n; i++) {
    s += alpha[Math.floor(i / alpha.length)] + alpha[i % alpha.length] + ':1\r\n';
  }
  return { name, input: [s + '\r\n'], note: `Host + ${n} unique headers "xy:1"` };
}

function manyDupHeaders(name, n) {
  let s = 'GET / HTTP/1.1\r\nHost: a\r\n';
  s = { concat: [s, { repeat: 'X-A:1\r\n', count: n }, '\r\n'] };
  return { name, input: [s], note: `Host + ${n} times "X-A:1"` };
}

// --------------------------------------------------------------- probes --
// Binary searches for the largest n a template accepts under the default
// maxHeaderSize (16384), to pin down what Node counts.

async function probe(port, s) {
  const { data, rec } = await exchange(port, { input: [s] }, { untilFirstResponse: true });
  const m = /^HTTP\/1\.1 (\d{3})/.exec(data.toString('latin1'));
  return { status: m ? Number(m[1]) : null, code: rec.errors[0] ? rec.errors[0].code : null };
}

async function maxAccepted(port, tmpl, lo, hi) {
  // invariant: tmpl(lo) accepted (200), tmpl(hi) rejected
  const a = await probe(port, tmpl(lo));
  const b = await probe(port, tmpl(hi));
  if (a.status === 200 && b.status === 200) return { accepted_up_to_tested_n: hi };
  if (a.status !== 200 || b.status === 200) return { error: 'bad bracket', lo: a, hi: b };
  let rejected = b;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    const r = await probe(port, tmpl(mid));
    if (r.status === 200) lo = mid;
    else { hi = mid; rejected = r; }
  }
  return { max_n: lo, first_rejected_n: hi, rejected_status: rejected.status, rejected_code: rejected.code };
}

const conn = 'Connection: close\r\n'; // so each probe ends quickly
const probeTemplates = [
  {
    name: 'one_header_value',
    template: 'GET / HTTP/1.1\\r\\nHost: a\\r\\nConnection: close\\r\\nX: {v*n}\\r\\n\\r\\n',
    fn: (n) => 'GET / HTTP/1.1\r\nHost: a\r\n' + conn + 'X: ' + 'v'.repeat(n) + '\r\n\r\n',
    counted: (n) => 1 + 4 + 1 + 10 + 5 + 1 + n, // url + names + values
  },
  {
    name: 'url_length',
    template: 'GET /{u*n} HTTP/1.1\\r\\nHost: a\\r\\nConnection: close\\r\\n\\r\\n',
    fn: (n) => 'GET /' + 'u'.repeat(n) + ' HTTP/1.1\r\nHost: a\r\n' + conn + '\r\n',
    counted: (n) => 1 + n + 4 + 1 + 10 + 5,
  },
  {
    name: 'header_name_length',
    template: 'GET / HTTP/1.1\\r\\nHost: a\\r\\nConnection: close\\r\\n{N*n}: v\\r\\n\\r\\n',
    fn: (n) => 'GET / HTTP/1.1\r\nHost: a\r\n' + conn + 'N'.repeat(n) + ': v\r\n\r\n',
    counted: (n) => 1 + 4 + 1 + 10 + 5 + n + 1,
    lo: 1,
  },
  {
    name: 'url_length_method_options',
    template: 'OPTIONS /{u*n} HTTP/1.1\\r\\nHost: a\\r\\nConnection: close\\r\\n\\r\\n',
    fn: (n) => 'OPTIONS /' + 'u'.repeat(n) + ' HTTP/1.1\r\nHost: a\r\n' + conn + '\r\n',
    counted: (n) => 1 + n + 4 + 1 + 10 + 5,
  },
  {
    name: 'spaces_after_method',
    template: 'GET{" "*n}/ HTTP/1.1\\r\\nHost: a\\r\\nConnection: close\\r\\n\\r\\n',
    fn: (n) => 'GET' + ' '.repeat(n) + '/ HTTP/1.1\r\nHost: a\r\n' + conn + '\r\n',
    counted: () => 1 + 4 + 1 + 10 + 5,
    lo: 1,
  },
  {
    name: 'leading_crlf_before_request_line',
    template: '{"\\r\\n"*n}GET / HTTP/1.1\\r\\nHost: a\\r\\nConnection: close\\r\\n\\r\\n',
    fn: (n) => '\r\n'.repeat(n) + 'GET / HTTP/1.1\r\nHost: a\r\n' + conn + '\r\n',
    counted: () => 1 + 4 + 1 + 10 + 5,
    hi: 35000,
  },
  {
    name: 'many_headers_a_colon_b',
    template: 'GET / HTTP/1.1\\r\\nHost: a\\r\\nConnection: close\\r\\n{"a:b\\r\\n"*n}\\r\\n',
    fn: (n) => 'GET / HTTP/1.1\r\nHost: a\r\n' + conn + 'a:b\r\n'.repeat(n) + '\r\n',
    counted: (n) => 1 + 4 + 1 + 10 + 5 + 2 * n,
  },
  {
    name: 'leading_ows_spaces',
    template: 'GET / HTTP/1.1\\r\\nHost: a\\r\\nConnection: close\\r\\nX:{" "*n}{v*16000}\\r\\n\\r\\n',
    fn: (n) => 'GET / HTTP/1.1\r\nHost: a\r\n' + conn + 'X:' + ' '.repeat(n) + 'v'.repeat(16000) + '\r\n\r\n',
    counted: (n) => 1 + 4 + 1 + 10 + 5 + 1 + 16000,
  },
  {
    name: 'trailing_ows_spaces',
    template: 'GET / HTTP/1.1\\r\\nHost: a\\r\\nConnection: close\\r\\nX: {v*16000}{" "*n}\\r\\n\\r\\n',
    fn: (n) => 'GET / HTTP/1.1\r\nHost: a\r\n' + conn + 'X: ' + 'v'.repeat(16000) + ' '.repeat(n) + '\r\n\r\n',
    counted: (n) => 1 + 4 + 1 + 10 + 5 + 1 + 16000 + n,
  },
  {
    name: 'trailer_value_in_chunked_request',
    template: 'POST / HTTP/1.1\\r\\nHost: a\\r\\nConnection: close\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\nT: {v*n}\\r\\n\\r\\n',
    fn: (n) => 'POST / HTTP/1.1\r\nHost: a\r\n' + conn + 'Transfer-Encoding: chunked\r\n\r\n0\r\nT: ' + 'v'.repeat(n) + '\r\n\r\n',
    counted: (n) => 1 + n,
  },
  {
    name: 'chunk_extension_length',
    template: 'POST / HTTP/1.1\\r\\nHost: a\\r\\nConnection: close\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n1;{e*n}\\r\\nx\\r\\n0\\r\\n\\r\\n',
    fn: (n) => 'POST / HTTP/1.1\r\nHost: a\r\n' + conn + 'Transfer-Encoding: chunked\r\n\r\n1;' + 'e'.repeat(n) + '\r\nx\r\n0\r\n\r\n',
    counted: (n) => n,
    lo: 1,
  },
];

async function runProbes(port) {
  const out = [];
  for (const t of probeTemplates) {
    const hi = t.hi ?? 70000;
    const r = await maxAccepted(port, t.fn, t.lo ?? 0, hi);
    const row = { name: t.name, template: t.template, ...r };
    if (r.max_n !== undefined) {
      row.wire_bytes_at_max = t.fn(r.max_n).length;
      row.counted_bytes_at_max = t.counted(r.max_n);
    }
    out.push(row);
  }
  return out;
}

// How many header lines end up in req.headers / req.rawHeaders.
async function runHeaderCountProbes(port) {
  const alpha = "abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~";
  const out = [];
  for (const n of [31, 32, 33, 64, 65, 999, 1000, 1001, 1023, 1024, 1025, 1056, 1057, 2000, 2001, 2500]) {
    let s = 'GET / HTTP/1.1\r\nHost: a\r\n';
    for (let i = 1; i < n; i++) {
      s += alpha[Math.floor(i / alpha.length)] + alpha[i % alpha.length] + ':1\r\n';
    }
    const { rec } = await exchange(port, { input: [s + '\r\n'] }, { untilFirstResponse: true });
    const r = rec.requests[0];
    const row = { header_lines_sent: n };
    if (!r) row.no_request = rec.errors[0] ? rec.errors[0].code : true;
    else if (r.headers_summary) {
      row.headers_keys = r.headers_summary.headers_key_count;
      row.rawHeaders_entries = r.headers_summary.rawHeaders_length;
    } else {
      row.headers_keys = Object.keys(r.headers).length;
      row.rawHeaders_entries = r.rawHeaders.length;
    }
    out.push(row);
  }
  return out;
}

// ------------------------------------------------------------ responses --

const shapeRequests = [
  ['hello', 'GET /hello HTTP/1.1\r\nHost: a\r\n\r\n'],
  ['empty', 'GET /empty HTTP/1.1\r\nHost: a\r\n\r\n'],
  ['chunked', 'GET /chunked HTTP/1.1\r\nHost: a\r\n\r\n'],
  ['write_then_end_empty', 'GET /write-end-empty HTTP/1.1\r\nHost: a\r\n\r\n'],
  ['head_hello', 'HEAD /hello HTTP/1.1\r\nHost: a\r\n\r\n'],
  ['head_chunked', 'HEAD /chunked HTTP/1.1\r\nHost: a\r\n\r\n'],
  ['status_204', 'GET /204 HTTP/1.1\r\nHost: a\r\n\r\n'],
  ['status_304', 'GET /304 HTTP/1.1\r\nHost: a\r\n\r\n'],
  ['status_204_with_body_written', 'GET /204-body HTTP/1.1\r\nHost: a\r\n\r\n'],
  ['http10_write_then_end', 'GET /write-end-empty HTTP/1.0\r\n\r\n'],
  ['http10_hello', 'GET /hello HTTP/1.0\r\n\r\n'],
  ['http10_keepalive_hello', 'GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'],
  ['http10_keepalive_write_then_end', 'GET /write-end-empty HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'],
  ['writehead_content_length_5', 'GET /writehead-cl5 HTTP/1.1\r\nHost: a\r\n\r\n'],
  ['writehead_custom_reason', 'GET /writehead-reason HTTP/1.1\r\nHost: a\r\n\r\n'],
  ['set_cookie_array', 'GET /set-cookie-array HTTP/1.1\r\nHost: a\r\n\r\n'],
  ['explicit_te_chunked', 'GET /te-chunked-explicit HTTP/1.1\r\nHost: a\r\n\r\n'],
  ['request_connection_close', 'GET /hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'],
  ['request_connection_close_chunked', 'GET /chunked HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'],
  ['response_sets_connection_close', 'GET /connection-close-header HTTP/1.1\r\nHost: a\r\n\r\n'],
  ['no_handler_404', 'GET /nothing-here HTTP/1.1\r\nHost: a\r\n\r\n'],
];

async function runShapes(port) {
  const out = {};
  for (const [name, req] of shapeRequests) {
    const { data, closed } = await exchange(port, { input: [req] });
    const raw = stripDate(data.toString('latin1'));
    const i = raw.indexOf('\r\n\r\n');
    out[name] = {
      request: req,
      head: i < 0 ? raw : raw.slice(0, i + 4),
      body_raw: i < 0 ? '' : raw.slice(i + 4),
      closed,
    };
  }
  return out;
}

// 408: only reachable through the timeouts, so this one server shortens
// them (headersTimeout 500 ms, checked every 100 ms); everything else is
// the default.
async function runTimeoutCase() {
  const srv = http.createServer({ headersTimeout: 500, requestTimeout: 1000, connectionsCheckingInterval: 100 },
    (req, res) => res.end('x'));
  trackErrors(srv);
  const port = await listen(srv);
  const c = { input: ['GET / HTTP/1.1\r\nHost: a\r\n'] };
  const { data, closed, rec } = await exchange(port, c, { silenceMs: 2000 });
  srv.close();
  srv.closeAllConnections();
  return {
    note: 'server options headersTimeout 500, requestTimeout 1000, connectionsCheckingInterval 100; ' +
      'incomplete head sent, client waits 2000 ms',
    input: c.input,
    response_raw: stripDate(data.toString('latin1')),
    closed,
    error_code: rec.errors[0] ? rec.errors[0].code : null,
  };
}

// ----------------------------------------------------------------- main --

function listen(server) {
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server.address().port)));
}

async function main() {
  const echoPort = await listen(echo);
  const shapesPort = await listen(shapes);
  const results = [];
  for (const c of cases) results.push(await runCase(echoPort, c));
  const probes = await runProbes(echoPort);
  const countProbes = await runHeaderCountProbes(echoPort);
  const timeout = await runTimeoutCase();
  const responses = await runShapes(shapesPort);

  const defaults = {};
  for (const r of results) {
    if (r.error_code === null) continue;
    for (const resp of r.responses) {
      if (resp.status && resp.status >= 400 && !/\r\nDate:/.test(resp.head)) {
        defaults[resp.status] = resp.head;
      }
    }
  }

  const doc = {
    format: {
      description: 'How Node.js ' + process.version + ' (llhttp ' + process.versions.llhttp +
        ') http.Server with default options answers raw HTTP/1.x request bytes.',
      byte_strings: 'Every byte string (input pieces, response head/body, request body, ' +
        'request/response in "responses") is a latin1 string: each char U+0000..U+00FF is one byte.',
      byte_string_values: 'Where a byte string is expected, the JSON may instead hold {"repeat": S, "count": N} ' +
        '(S repeated N times) or {"concat": [v, ...]} (values concatenated). Long strings in ' +
        'input and requests are written this way (runs of 32+ equal bytes). JSON arrays in requests ' +
        'are always JS arrays (rawHeaders, set-cookie), never byte strings.',
      input: 'List of pieces (byte string values) written in order on one TCP connection, one write each, ' +
        'piece_delay_ms (default ' + PIECE_DELAY_MS + ') apart. half_close: client sends FIN after the last piece.',
      collection: 'Client reads until the server closes or ' + SILENCE_MS + ' ms of silence.',
      status: 'Status codes of all responses in order (1xx included).',
      closed: 'Server ended/closed the connection within the window.',
      client_saw_reset: 'Socket error code seen by the client (e.g. ECONNRESET, EPIPE) or null.',
      error_code: "err.code of the server's first 'clientError' for this connection (null if none); " +
        "the server has NO clientError listener, so the canned default response is sent.",
      error_bytes_parsed: 'err.bytesParsed (offset in the chunk where llhttp stopped); only for single-piece inputs <= 4096 bytes.',
      requests: "Server-side view of each 'request' event: method, url, httpVersion, headers (req.headers), " +
        'rawHeaders, trailers, rawTrailers, body_length, body (if < 200 bytes), events. Large header sets are ' +
        'summarized in headers_summary. JS objects list integer-like keys first (e.g. "123").',
      dates: 'Date header values are replaced by "<date>".',
    },
    node_version: process.version,
    llhttp_version: process.versions.llhttp,
    max_header_size: http.maxHeaderSize,
    default_error_responses: defaults,
    request_timeout_case: timeout,
    cases: results,
    header_size_probes: probes,
    header_count_probes: countProbes,
    responses,
  };
  process.stdout.write(JSON.stringify(doc, null, 1) + '\n');
  echo.close();
  shapes.close();
  echo.closeAllConnections();
  shapes.closeAllConnections();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
