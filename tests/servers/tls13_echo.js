#!/usr/bin/env node
// A TLS 1.3 only HTTPS server (HTTP/2 with HTTP/1.1 fallback, ALPN h2 and
// http/1.1) that reports what it received, for hxc's TLS 1.3 tests. Node
// built-ins only.
//
// Usage: node tls13_echo.js --key K --cert C [--host 127.0.0.1] [--port 0]
//                           [--trace 1]
// Prints "READY <port>" once listening.
//
// Every request is answered 200 with one JSON line (application/json):
//   {"method", "path", "httpVersion", "alpn", "protocol" (TLSv1.3),
//    "cipher", "reused" (session resumed), "bytes" (request body length),
//    "sha256" (hex SHA-256 of the request body)}
// and the server logs the same object as "REQ <json>" on stdout.
//
// --trace 1: OpenSSL's protocol trace of every connection on stderr
// (the enableTrace option), so that a test can count the KeyUpdate
// messages the client sent ("Received Record ... KeyUpdate").
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const http2 = require('http2');

const o = { host: '127.0.0.1', port: 0, trace: '0' };
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i].replace(/^--/, '');
  o[k] = process.argv[i + 1];
}
if (!o.key || !o.cert) throw new Error('--key and --cert are required');

const server = http2.createSecureServer({
  key: fs.readFileSync(o.key),
  cert: fs.readFileSync(o.cert),
  minVersion: 'TLSv1.3',
  maxVersion: 'TLSv1.3',
  allowHTTP1: true,
  enableTrace: o.trace === '1',
});

server.on('request', (req, res) => {
  const tlsSock = req.httpVersion === '2.0' ? req.stream.session.socket : req.socket;
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  req.on('data', (d) => {
    bytes += d.length;
    hash.update(d);
  });
  req.on('end', () => {
    const cipher = tlsSock.getCipher();
    const report = {
      method: req.method,
      path: req.url,
      httpVersion: req.httpVersion,
      alpn: tlsSock.alpnProtocol || null,
      protocol: tlsSock.getProtocol(),
      cipher: cipher ? cipher.standardName || cipher.name : null,
      reused: tlsSock.isSessionReused(),
      bytes,
      sha256: hash.digest('hex'),
    };
    const line = JSON.stringify(report);
    process.stdout.write('REQ ' + line + '\n');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(line + '\n');
  });
});

server.on('sessionError', () => {});
server.on('tlsClientError', (err) => process.stdout.write('TLSERROR ' + err.code + '\n'));

server.listen(Number(o.port), o.host, () => {
  process.stdout.write('READY ' + server.address().port + '\n');
});

process.on('SIGTERM', () => process.exit(0));
