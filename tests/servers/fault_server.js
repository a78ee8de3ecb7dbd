#!/usr/bin/env node
// An HTTP/1.1 server that misbehaves on purpose, for hxc's integration tests.
// Node built-ins only. Requests are parsed by hand and responses written as
// raw bytes so that every fault (truncation, close without close_notify,
// huge heads, stalls) is under the script's control.
//
// Usage:
//   node fault_server.js [--host 127.0.0.1] [--port 0] [--tls --key K --cert C]
//                        [--mode http|blackhole]
// Prints "READY <port>" on stdout once listening.
//
// Modes:
//   http       (default) HTTP/1.1, over TLS (ALPN offers only http/1.1) with --tls
//   blackhole  accepts TCP connections, reads and never answers (a server
//              that never completes a TLS handshake: connect timeouts)
//
// Routes (any method; HEAD gets the head only):
//   /hello                 200, Content-Length body "hello from fault_server\n"
//   /echo                  200, JSON {method, path, headers, body, body_hex}
//   /chunked               200, chunked body in three delayed chunks
//   /close-delimited       200, no length, body ends when the server closes
//   /http10                HTTP/1.0 200, close-delimited
//   /truncated             Content-Length 1000, 100 bytes sent, clean close
//   /truncated-chunked     chunked, one chunk, clean close (no last chunk)
//   /tls-cut               Content-Length 1000, 100 bytes, TCP closed without
//                          close_notify (plain: same as /truncated)
//   /huge-headers          200 with ~200 KB of headers
//   /status/NNN            that status (204/304/1xx-free, no body for 204/304)
//   /redirect?code=C&to=U  redirect with status C to Location U
//   /chain/N               N redirects (302) to /chain/N-1 ... /chain/0 (200)
//   /loop                  302 to itself, forever
//   /stall-headers         reads the request, never answers
//   /close-now             reads the request, closes cleanly without answering
//   /stall-body            head + 10 of 1000 bytes, then silence
//   /slow?ms=N             waits N ms, then 200 "slow\n"
'use strict';

const fs = require('fs');
const net = require('net');
const tls = require('tls');

function parseArgs(argv) {
  const o = { host: '127.0.0.1', port: 0, tls: false, mode: 'http' };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--host') o.host = next();
    else if (a === '--port') o.port = Number(next());
    else if (a === '--tls') o.tls = true;
    else if (a === '--key') o.key = next();
    else if (a === '--cert') o.cert = next();
    else if (a === '--mode') o.mode = next();
    else throw new Error(`unknown argument ${a}`);
  }
  if (o.tls && (!o.key || !o.cert)) throw new Error('--tls needs --key and --cert');
  return o;
}

const opts = parseArgs(process.argv);
const sockets = new Set();

const REASONS = {
  200: 'OK', 204: 'No Content', 301: 'Moved Permanently', 302: 'Found',
  303: 'See Other', 304: 'Not Modified', 307: 'Temporary Redirect',
  308: 'Permanent Redirect', 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found',
  431: 'Request Header Fields Too Large', 500: 'Internal Server Error',
  503: 'Service Unavailable',
};

// ------------------------------------------------------------ responses

function head(status, headers, version) {
  const lines = [`${version || 'HTTP/1.1'} ${status} ${REASONS[status] || 'Status'}`];
  for (const [k, v] of headers) lines.push(`${k}: ${v}`);
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
}

// A complete response with Content-Length; keeps the connection open.
function respond(conn, req, status, body, extra) {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body || '');
  const headers = [['Content-Length', String(b.length)], ...(extra || [])];
  if (!headers.some(([k]) => k.toLowerCase() === 'content-type'))
    headers.push(['Content-Type', 'text/plain']);
  conn.write(head(status, headers));
  if (req.method !== 'HEAD' && status !== 204 && status !== 304) conn.write(b);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function writeAsync(conn, data) {
  return new Promise((resolve) => conn.write(data, () => resolve()));
}

// Ends the TLS session with close_notify (or TCP FIN for plain).
function closeClean(conn) {
  conn.end();
}

// Closes the TCP connection under TLS without close_notify.
function closeAbrupt(conn) {
  if (conn.rawSocket) conn.rawSocket.destroy();
  else conn.destroy();
}

async function route(conn, req) {
  const url = new URL(req.target, 'http://placeholder');
  const path = url.pathname;
  const q = url.searchParams;

  if (path === '/hello') return respond(conn, req, 200, 'hello from fault_server\n');

  if (path === '/echo') {
    const body = JSON.stringify({
      method: req.method,
      path: req.target,
      headers: req.headers,
      body: req.body.toString('latin1'),
      body_hex: req.body.toString('hex'),
    }) + '\n';
    return respond(conn, req, 200, body, [['Content-Type', 'application/json']]);
  }

  if (path === '/chunked') {
    conn.write(head(200, [['Transfer-Encoding', 'chunked'], ['Content-Type', 'text/plain']]));
    if (req.method === 'HEAD') return;
    for (const part of ['chunk-1\n', 'chunk-2\n', 'chunk-3\n']) {
      const b = Buffer.from(part);
      await writeAsync(conn, Buffer.concat([Buffer.from(b.length.toString(16) + '\r\n'), b,
        Buffer.from('\r\n')]));
      await sleep(30);
    }
    conn.write('0\r\n\r\n');
    return;
  }

  if (path === '/close-delimited' || path === '/http10') {
    const version = path === '/http10' ? 'HTTP/1.0' : 'HTTP/1.1';
    conn.write(head(200, [['Connection', 'close'], ['Content-Type', 'text/plain']], version));
    if (req.method !== 'HEAD') {
      await writeAsync(conn, 'close-delimited ');
      await sleep(30);
      await writeAsync(conn, 'body\n');
    }
    closeClean(conn);
    return 'closed';
  }

  if (path === '/truncated' || path === '/tls-cut') {
    conn.write(head(200, [['Content-Length', '1000'], ['Content-Type', 'text/plain']]));
    await writeAsync(conn, Buffer.alloc(100, 'x'));
    await sleep(50);
    if (path === '/truncated') closeClean(conn);
    else closeAbrupt(conn);
    return 'closed';
  }

  if (path === '/truncated-chunked') {
    conn.write(head(200, [['Transfer-Encoding', 'chunked']]));
    await writeAsync(conn, '6\r\npart-1\r\n');
    await sleep(50);
    closeClean(conn);
    return 'closed';
  }

  if (path === '/huge-headers') {
    const headers = [];
    for (let i = 0; i < 200; i++) headers.push([`X-Filler-${i}`, 'f'.repeat(1000)]);
    return respond(conn, req, 200, 'too big\n', headers);
  }

  const status = path.match(/^\/status\/(\d{3})$/);
  if (status) {
    const code = Number(status[1]);
    if (code === 304) {
      // A 304 may carry the would-be Content-Length; it never has a body.
      conn.write(head(304, [['Content-Length', '20'], ['ETag', '"v1"']]));
      return;
    }
    return respond(conn, req, code, `status ${code}\n`);
  }

  if (path === '/redirect') {
    const code = Number(q.get('code') || '302');
    return respond(conn, req, code, 'redirecting\n', [['Location', q.get('to') || '/hello']]);
  }

  const chain = path.match(/^\/chain\/(\d+)$/);
  if (chain) {
    const n = Number(chain[1]);
    if (n === 0) return respond(conn, req, 200, 'end of chain\n');
    return respond(conn, req, 302, 'next\n', [['Location', `/chain/${n - 1}`]]);
  }

  if (path === '/loop') return respond(conn, req, 302, 'again\n', [['Location', '/loop']]);

  if (path === '/stall-headers') return 'stalled';

  if (path === '/close-now') {
    closeClean(conn);
    return 'closed';
  }

  if (path === '/stall-body') {
    conn.write(head(200, [['Content-Length', '1000']]));
    conn.write(Buffer.alloc(10, 's'));
    return 'stalled';
  }

  if (path === '/slow') {
    await sleep(Number(q.get('ms') || '1000'));
    return respond(conn, req, 200, 'slow\n');
  }

  return respond(conn, req, 404, `no route for ${path}\n`);
}

// -------------------------------------------------------------- parsing

// Returns {req, rest} when a whole request is in buf, null when more bytes
// are needed; throws on a malformed request.
function parseRequest(buf) {
  // Not an HTTP request (e.g. a TLS ClientHello sent to the plain port).
  if (buf.length > 0 && !(buf[0] >= 0x41 && buf[0] <= 0x5a)) throw new Error('not HTTP');
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) {
    if (buf.length > 65536) throw new Error('request head too large');
    return null;
  }
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const [method, target, version] = lines[0].split(' ');
  if (!method || !target || !version) throw new Error(`bad request line '${lines[0]}'`);
  const headers = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i <= 0) throw new Error(`bad header line '${line}'`);
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  let pos = end + 4;
  let body = Buffer.alloc(0);
  if ((headers['transfer-encoding'] || '').toLowerCase() === 'chunked') {
    const parts = [];
    for (;;) {
      const eol = buf.indexOf('\r\n', pos);
      if (eol < 0) return null;
      const size = parseInt(buf.subarray(pos, eol).toString('latin1'), 16);
      if (Number.isNaN(size)) throw new Error('bad chunk size');
      if (size === 0) {
        const fin = buf.indexOf('\r\n\r\n', eol);
        if (fin < 0 && buf.length < eol + 4) return null;
        pos = fin >= 0 ? fin + 4 : eol + 4;
        break;
      }
      if (buf.length < eol + 2 + size + 2) return null;
      parts.push(buf.subarray(eol + 2, eol + 2 + size));
      pos = eol + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  } else if (headers['content-length']) {
    const len = Number(headers['content-length']);
    if (buf.length < pos + len) return null;
    body = buf.subarray(pos, pos + len);
    pos += len;
  }
  return { req: { method, target, version, headers, body: Buffer.from(body) },
           rest: buf.subarray(pos) };
}

function serve(conn) {
  let buf = Buffer.alloc(0);
  let busy = false;
  let done = false;
  const pump = async () => {
    if (busy || done) return;
    busy = true;
    try {
      for (;;) {
        const parsed = parseRequest(buf);
        if (!parsed) break;
        buf = parsed.rest;
        const outcome = await route(conn, parsed.req);
        if (outcome === 'closed' || outcome === 'stalled') {
          done = true;
          break;
        }
        if ((parsed.req.headers.connection || '').toLowerCase() === 'close') {
          closeClean(conn);
          done = true;
          break;
        }
      }
    } catch (e) {
      conn.write(head(400, [['Content-Length', '0'], ['Connection', 'close']]));
      closeClean(conn);
      done = true;
    }
    busy = false;
    if (!done && parseRequest(buf)) pump();
  };
  conn.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    pump();
  });
  conn.on('error', () => {});
}

// -------------------------------------------------------------- servers

function track(sock) {
  sockets.add(sock);
  sock.on('close', () => sockets.delete(sock));
  sock.on('error', () => {});
}

function onConnection(raw) {
  track(raw);
  if (opts.mode === 'blackhole') {
    raw.on('data', () => {});
    return;
  }
  if (!opts.tls) {
    serve(raw);
    return;
  }
  // Wrap by hand to keep the TCP socket: /tls-cut closes it under TLS.
  const conn = new tls.TLSSocket(raw, {
    isServer: true,
    secureContext,
    ALPNProtocols: ['http/1.1'],
  });
  conn.rawSocket = raw;
  track(conn);
  serve(conn);
}

let secureContext = null;
if (opts.tls) {
  secureContext = tls.createSecureContext({
    key: fs.readFileSync(opts.key),
    cert: fs.readFileSync(opts.cert),
  });
}

const server = net.createServer(onConnection);
server.listen(opts.port, opts.host, () => {
  process.stdout.write(`READY ${server.address().port}\n`);
});

function shutdown() {
  for (const s of sockets) s.destroy();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 200).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
