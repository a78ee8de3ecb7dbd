#!/usr/bin/env node
// An HTTP/2 server (TLS, ALPN h2, with an HTTP/1.1 fallback) for hxc's
// multiplexing tests. It misbehaves on purpose where told to and counts what
// it saw, so that tests can assert on the server's side of the wire.
// Node built-ins only.
//
// Usage:
//   node h2_mux_server.js --key K --cert C [--host 127.0.0.1] [--port 0]
//        [--max-streams N]      SETTINGS_MAX_CONCURRENT_STREAMS (default 100)
//        [--delay-ms D]         /item/<i> answered after D ms (default 0)
//        [--goaway-after K]     on every connection, when its K-th request
//                               arrives: GOAWAY(NO_ERROR, last-stream-id = that
//                               request's stream); streams up to it are
//                               answered, later ones never processed nor
//                               reset (also those that arrived before the
//                               GOAWAY left: only last-stream-id tells the
//                               client); the connection closes once the
//                               answered streams are done
//        [--refuse-every M]     /item/<i> with i % M == 0: RST_STREAM
//                               REFUSED_STREAM the first time it is seen
//        [--reset-every M]      /item/<i> with i % M == 0: RST_STREAM
//                               INTERNAL_ERROR, every time
//        [--stall-every M]      /item/<i> with i % M == 0: never answered
//        [--stall-after-head]   ... but with the head and 10 body bytes sent
//        [--kill-after K]       the first connection: when its K-th request
//                               arrives, the TCP connection is cut (no GOAWAY,
//                               no close_notify) 30 ms later: a connection-level
//                               failure with streams in flight
// Prints "READY <port>" once listening.
//
// Routes (HTTP/2, and HTTP/1.1 for clients that do not offer h2):
//   /item/<i>      200 "item <i>\n" (subject to the options above); every
//                  answered /item/<i> is counted: "duplicates" lists ids
//                  answered more than once
//   /big/<n>       200, content-length n, n bytes generated on the fly with
//                  backpressure (byte at offset o is o % 251)
//   /upload        (any method) 200 "sha256=<hex> bytes=<n> te=<transfer-encoding>
//                  proto=<h2|http/1.1>\n" over the request body
//   /stats         200 JSON (see resetStats() for the fields: connections,
//                  maxConcurrent per connection, served ids and duplicates,
//                  RST_STREAMs received, HTTP/1.1 connections...); reset with
//                  /stats/reset. The same JSON is printed as "STATS {...}" on
//                  SIGTERM.
// Anything else: 404.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const http2 = require('http2');

const o = {
  host: '127.0.0.1', port: 0, 'max-streams': 100, 'delay-ms': 0, 'goaway-after': 0,
  'refuse-every': 0, 'reset-every': 0, 'stall-every': 0, 'stall-after-head': false,
  'kill-after': 0,
};
for (let i = 2; i < process.argv.length; i++) {
  const k = process.argv[i].replace(/^--/, '');
  if (!(k in o) && k !== 'key' && k !== 'cert') throw new Error(`unknown option --${k}`);
  if (typeof o[k] === 'boolean') { o[k] = true; continue; }
  if (i + 1 >= process.argv.length) throw new Error(`--${k} needs a value`);
  const v = process.argv[++i];
  o[k] = typeof o[k] === 'number' ? Number(v) : v;
}
if (!o.key || !o.cert) throw new Error('--key and --cert are required');

const C = http2.constants;

// ------------------------------------------------------------- counters

let st;
function resetStats() {
  st = {
    connections: 0,          // HTTP/2 sessions accepted
    h1Requests: 0,           // HTTP/1.1 requests (incl. /stats itself)
    streams: 0,              // HTTP/2 streams seen (all paths)
    open: 0,                 // HTTP/2 streams open now (all connections)
    maxConcurrent: 0,        // peak open streams on any one connection
    maxConcurrentTotal: 0,   // peak open streams over all connections
    served: {},              // /item/<i> -> times answered with 200
    refused: 0,              // REFUSED_STREAM sent by --refuse-every
    resets: 0,               // INTERNAL_ERROR sent by --reset-every
    goaways: 0,              // GOAWAYs sent by --goaway-after
    kills: 0,                // connections cut by --kill-after
    ignoredAfterGoaway: 0,   // streams above our GOAWAY's last-stream-id that
                             // reached us anyway (left unanswered)
    stalled: 0,              // requests never answered (--stall-every)
    cancelled: [],           // paths the client reset with CANCEL
    clientResets: [],        // other RST_STREAMs from the client: [path, code]
    h1Connections: 0,        // TLS connections that did not negotiate h2
    h1Open: 0,               // ... open now
    maxH1Open: 0,            // ... peak open at once
    sessionErrors: [],       // session-level errors and client GOAWAYs
    perConnection: [],       // [{streams, maxOpen}] in accept order
  };
}
resetStats();

function stats() {
  const served = Object.keys(st.served).length;
  const duplicates = Object.entries(st.served).filter(([, n]) => n > 1).map(([k]) => Number(k));
  return { ...st, served, servedIds: Object.keys(st.served).map(Number), duplicates };
}

// ------------------------------------------------------------- routes

const PATTERN = Buffer.alloc(251 * 256);
for (let i = 0; i < PATTERN.length; i++) PATTERN[i] = i % 251;

// Writes n pattern bytes to a writable (h2 stream or h1 response), waiting
// for 'drain' whenever write() says the buffer is full: memory stays flat.
function writeBig(w, n, onDone) {
  let left = n;
  let failed = false;
  w.on('error', () => { failed = true; });
  w.on('close', () => { failed = true; });
  const pump = () => {
    while (left > 0 && !failed) {
      const len = Math.min(left, PATTERN.length);
      left -= len;
      if (!w.write(len === PATTERN.length ? PATTERN : PATTERN.subarray(0, len))) {
        w.once('drain', pump);
        return;
      }
    }
    if (!failed) w.end(onDone);
  };
  pump();
}

// Decides what to do with /item/<i>: 'serve', 'refuse', 'reset', 'stall'.
const seenRefuse = new Set();
function itemAction(i) {
  if (o['reset-every'] && i % o['reset-every'] === 0) return 'reset';
  if (o['stall-every'] && i % o['stall-every'] === 0) return 'stall';
  if (o['refuse-every'] && i % o['refuse-every'] === 0 && !seenRefuse.has(i)) {
    seenRefuse.add(i);
    return 'refuse';
  }
  return 'serve';
}

function countServed(i) {
  st.served[i] = (st.served[i] || 0) + 1;
}

// ------------------------------------------------------------- HTTP/2

const sessions = new Set();

function onSession(session) {
  sessions.add(session);
  st.connections++;
  const info = { streams: 0, maxOpen: 0, open: 0, goawayLast: 0, answering: 0 };
  st.perConnection.push(info);
  session.mux = info;
  session.on('close', () => sessions.delete(session));
  session.on('error', (e) => st.sessionErrors.push(`session error: ${e.message}`));
  session.on('frameError', (type, code, id) =>
    st.sessionErrors.push(`frame error type ${type} code ${code} stream ${id}`));
  session.on('goaway', (code, last) => {
    if (code !== C.NGHTTP2_NO_ERROR) st.sessionErrors.push(`client GOAWAY code ${code} last ${last}`);
  });
}

// Graceful close once a draining connection has answered its streams; the
// ignored streams above last-stream-id would keep close() waiting, so the
// session is destroyed shortly after (the answers are flushed by then).
function maybeCloseDrained(session) {
  const info = session.mux;
  if (info.goawayLast && info.answering === 0 && !session.closed && !session.destroyed) {
    session.close();
    setTimeout(() => { if (!session.destroyed) session.destroy(); }, 200);
  }
}

function onStream(stream, headers) {
  const session = stream.session;
  const info = session.mux;
  const path = headers[':path'] || '';
  st.streams++;
  info.streams++;
  info.open++;
  st.open++;
  info.maxOpen = Math.max(info.maxOpen, info.open);
  st.maxConcurrent = Math.max(st.maxConcurrent, info.open);
  st.maxConcurrentTotal = Math.max(st.maxConcurrentTotal, st.open);
  let counted = true;
  const closeCount = () => {
    if (!counted) return;
    counted = false;
    info.open--;
    st.open--;
  };
  stream.on('error', () => {});
  stream.on('close', () => {
    closeCount();
    // A RST_STREAM from the client while the connection lives on.
    const code = stream.rstCode;
    if (code !== undefined && code !== C.NGHTTP2_NO_ERROR && !stream.mySent &&
        !session.destroyed) {
      if (code === C.NGHTTP2_CANCEL) st.cancelled.push(path);
      else st.clientResets.push([path, code]);
    }
  });

  // Draining: above our GOAWAY's last-stream-id, never processed.
  if (info.goawayLast && stream.id > info.goawayLast) {
    st.ignoredAfterGoaway++;
    stream.mySent = true;
    return;
  }
  if (o['goaway-after'] && info.streams === o['goaway-after'] && !info.goawayLast) {
    info.goawayLast = stream.id;
    st.goaways++;
    session.goaway(C.NGHTTP2_NO_ERROR, stream.id);
  }
  if (o['kill-after'] && info.streams === o['kill-after'] && st.perConnection[0] === info) {
    st.kills++;
    const raw = firstH2Socket;  // session.socket is a proxy that refuses destroy()
    setTimeout(() => raw.destroy(), 30);
  }
  // Answered (or reset by the client): a draining connection closes once
  // none is left.
  info.answering++;
  const done = () => {
    if (stream.myAnswered) return;
    stream.myAnswered = true;
    info.answering--;
    maybeCloseDrained(session);
  };
  stream.on('close', done);
  route(path, headers, {
    h2: true,
    reset: (code) => { stream.mySent = true; stream.close(code); },
    respond: (status, hdrs, body) => {
      if (stream.destroyed || stream.closed) return false;
      stream.respond({ ':status': status, ...hdrs });
      stream.end(body, done);
      return true;
    },
    respondBig: (n) => {
      stream.respond({ ':status': 200, 'content-length': String(n),
        'content-type': 'application/octet-stream' });
      writeBig(stream, n, done);
    },
    headAndStall: () => {
      stream.respond({ ':status': 200, 'content-length': '1000' });
      stream.write(Buffer.alloc(10, 's'));
    },
    body: stream,
    proto: 'h2',
  });
}

// ------------------------------------------------------------- HTTP/1.1

function onRequest(req, res) {
  if (req.httpVersionMajor === 2) return;  // handled by onStream
  st.h1Requests++;
  route(req.url, req.headers, {
    h2: false,
    reset: () => { req.socket.destroy(); },
    respond: (status, hdrs, body) => {
      if (res.destroyed) return false;
      res.writeHead(status, { 'content-length': Buffer.byteLength(body), ...hdrs });
      res.end(body);
      return true;
    },
    respondBig: (n) => {
      res.writeHead(200, { 'content-length': String(n) });
      writeBig(res, n, () => {});
    },
    headAndStall: () => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write(Buffer.alloc(10, 's'));
    },
    body: req,
    proto: 'http/1.1',
  });
}

// ------------------------------------------------------------- routing

function route(path, headers, r) {
  let m;
  if (path === '/stats') {
    r.respond(200, { 'content-type': 'application/json' }, JSON.stringify(stats()) + '\n');
  } else if (path === '/stats/reset') {
    resetStats();
    r.respond(200, {}, 'reset\n');
  } else if ((m = /^\/item\/(\d+)$/.exec(path))) {
    item(Number(m[1]), r);
  } else if ((m = /^\/big\/(\d+)$/.exec(path))) {
    r.respondBig(Number(m[1]));
  } else if (path === '/upload') {
    upload(headers, r);
  } else {
    r.respond(404, { 'content-type': 'text/plain' }, 'not found\n');
  }
}

function item(i, r) {
  const action = itemAction(i);
  if (action === 'refuse') {
    st.refused++;
    r.reset(C.NGHTTP2_REFUSED_STREAM);
  } else if (action === 'reset') {
    st.resets++;
    r.reset(C.NGHTTP2_INTERNAL_ERROR);
  } else if (action === 'stall') {
    st.stalled++;
    if (o['stall-after-head']) r.headAndStall();
  } else {
    setTimeout(() => {
      if (r.respond(200, { 'content-type': 'text/plain' }, `item ${i}\n`)) countServed(i);
    }, o['delay-ms']);
  }
}

function upload(headers, r) {
  const hash = crypto.createHash('sha256');
  let n = 0;
  r.body.on('data', (d) => { hash.update(d); n += d.length; });
  r.body.on('end', () => {
    const te = headers['transfer-encoding'] || '-';
    r.respond(200, { 'content-type': 'text/plain' },
      `sha256=${hash.digest('hex')} bytes=${n} te=${te} proto=${r.proto}\n`);
  });
}

// ------------------------------------------------------------- server

const server = http2.createSecureServer({
  key: fs.readFileSync(o.key),
  cert: fs.readFileSync(o.cert),
  allowHTTP1: true,
  settings: { maxConcurrentStreams: o['max-streams'] },
});
server.on('session', onSession);
server.on('stream', onStream);
server.on('request', onRequest);
server.on('tlsClientError', () => {});
let firstH2Socket = null;
server.on('secureConnection', (sock) => {
  if (sock.alpnProtocol === 'h2') {
    if (firstH2Socket === null) firstH2Socket = sock;
    return;
  }
  st.h1Connections++;
  st.h1Open++;
  st.maxH1Open = Math.max(st.maxH1Open, st.h1Open);
  const epoch = st;  // a /stats/reset in between starts a new count
  sock.on('close', () => { if (epoch === st) st.h1Open--; });
});

server.listen(o.port, o.host, () => {
  process.stdout.write(`READY ${server.address().port}\n`);
});

function shutdown() {
  process.stdout.write(`STATS ${JSON.stringify(stats())}\n`);
  for (const s of sessions) s.destroy();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 200).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
