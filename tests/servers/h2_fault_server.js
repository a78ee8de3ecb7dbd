#!/usr/bin/env node
// An HTTP/2 (TLS, ALPN h2 only) server that misbehaves on purpose, for hxc's
// integration tests. Node built-ins only.
//
// Usage: node h2_fault_server.js --key K --cert C [--host 127.0.0.1] [--port 0]
//                                [--mode http2|goaway]
// Prints "READY <port>" once listening.
//
// --mode goaway: raw frames over TLS (ALPN h2): after the client's preface
// and first request it sends SETTINGS and GOAWAY(last-stream-id 0,
// PROTOCOL_ERROR), then closes: the request was never processed.
//
// --mode http2 (default) routes, with Node's http2 module:
//   /hello    200 "h2 hello\n"
//   /reset    RST_STREAM (INTERNAL_ERROR) instead of a response
//   /goaway   GOAWAY (PROTOCOL_ERROR; Node sets last-stream-id to this
//             request's) and the connection closed
//   /partial  200 with content-length 1000, 10 bytes, then RST_STREAM
'use strict';

const fs = require('fs');
const http2 = require('http2');
const tls = require('tls');

const o = { host: '127.0.0.1', port: 0, mode: 'http2' };
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i].replace(/^--/, '');
  o[k] = process.argv[i + 1];
}
if (!o.key || !o.cert) throw new Error('--key and --cert are required');

const { NGHTTP2_INTERNAL_ERROR, NGHTTP2_PROTOCOL_ERROR } = http2.constants;
const sessions = new Set();

const creds = { key: fs.readFileSync(o.key), cert: fs.readFileSync(o.cert) };

function frame(type, flags, streamId, payload) {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(streamId, 5);
  return Buffer.concat([h, payload]);
}

function rawGoaway(sock) {
  sessions.add(sock);
  sock.on('close', () => sessions.delete(sock));
  sock.on('error', () => {});
  let got = 0;
  let sent = false;
  sock.on('data', (d) => {
    got += d.length;
    // 24-byte preface + SETTINGS + a HEADERS frame: wait for more than the preface.
    if (sent || got <= 24 + 9) return;
    sent = true;
    const goaway = Buffer.alloc(8);
    goaway.writeUInt32BE(0, 0);                       // last-stream-id
    goaway.writeUInt32BE(NGHTTP2_PROTOCOL_ERROR, 4);  // error code
    sock.write(Buffer.concat([frame(4, 0, 0, Buffer.alloc(0)), frame(7, 0, 0, goaway)]),
      () => setTimeout(() => sock.end(), 50));
  });
}

const server = o.mode === 'goaway'
  ? tls.createServer({ ...creds, ALPNProtocols: ['h2'] }, rawGoaway)
  : http2.createSecureServer({ ...creds, allowHTTP1: false });

server.on('session', (s) => {  // http2 mode only
  sessions.add(s);
  s.on('close', () => sessions.delete(s));
  s.on('error', () => {});
});

server.on('stream', (stream, headers) => {
  stream.on('error', () => {});
  const path = headers[':path'];
  if (path === '/reset') {
    stream.close(NGHTTP2_INTERNAL_ERROR);
  } else if (path === '/goaway') {
    stream.session.goaway(NGHTTP2_PROTOCOL_ERROR);
    setTimeout(() => stream.session.destroy(), 50);
  } else if (path === '/partial') {
    stream.respond({ ':status': 200, 'content-length': '1000' });
    stream.write(Buffer.alloc(10, 'p'), () => setTimeout(() => stream.close(NGHTTP2_INTERNAL_ERROR), 50));
  } else {
    stream.respond({ ':status': path === '/hello' ? 200 : 404, 'content-type': 'text/plain' });
    stream.end(path === '/hello' ? 'h2 hello\n' : 'not found\n');
  }
});

server.listen(Number(o.port), o.host, () => {
  process.stdout.write(`READY ${server.address().port}\n`);
});

function shutdown() {
  for (const s of sessions) s.destroy();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 200).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
