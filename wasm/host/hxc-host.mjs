#!/usr/bin/env node
// hxc-host: run a WASI command module (hxc.wasm, a plugin) with TCP supplied
// through the hostnet_v1 imports, under a default-deny connection policy.
//
//   node --no-turbo-fast-api-calls wasm/host/hxc-host.mjs --allow localhost:8443 \
//        [--allow RULE ...] [--resolve NAME:ADDR] [--dir HOST::GUEST] [--env K=V] [--audit] \
//        [--max-conns N] [--max-total-conns N] [--max-bytes N] [--max-bytes-in N] \
//        [--max-bytes-out N] [--timeout-ms N] -- module.wasm [args...]
//
// Exit status: the module's own exit code; 124 when the wall-clock limit
// killed it; 125 for a host usage error; 126 when the module cannot be
// loaded; 134 when it trapped.
import { runModule, writeStderr } from './host.mjs';
import { Policy } from './policy.mjs';

const USAGE = `usage: hxc-host.mjs [options] -- module.wasm [args...]
  --allow RULE          allow connections (repeatable). RULE is HOST[:PORTS]; HOST is
                        an exact name, *.suffix, *, an IP literal ([v6]) or a CIDR range;
                        PORTS is *, or a list like 443 or 8443,8444 or 8000-8099
  --resolve NAME:ADDR   pin NAME to ADDR instead of asking DNS (repeatable)
  --dir HOST::GUEST     preopen host directory HOST as GUEST (HOST alone: same path)
  --env K=V             environment variable for the module (none by default)
  --audit               log every connection decision to stderr
  --max-conns N         concurrent connections          --max-total-conns N  connections in all
  --max-bytes N         bytes in and bytes out each     --max-bytes-in N / --max-bytes-out N
  --timeout-ms N        wall-clock limit; the module is terminated when it passes`;

import fs from 'node:fs';

function writeStdout(text) {
  fs.writeSync(1, text);
}

function fail(msg) {
  writeStderr(`hxc-host: ${msg}\n${USAGE}\n`);
  process.exit(125);
}

function parseArgs(argv) {
  const o = { allow: [], resolve: {}, dirs: [], env: {}, audit: false, limits: {}, module: null, args: [] };
  const num = { '--max-conns': 'maxConns', '--max-total-conns': 'maxTotalConns', '--max-bytes': 'maxBytes',
    '--max-bytes-in': 'maxBytesIn', '--max-bytes-out': 'maxBytesOut', '--timeout-ms': 'timeoutMs' };
  let i = 0;
  const value = (flag) => {
    if (i + 1 >= argv.length) fail(`${flag} needs a value`);
    return argv[++i];
  };
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { i++; break; }
    if (a === '-h' || a === '--help') { writeStdout(USAGE + '\n'); process.exit(0); }
    else if (a === '--allow') o.allow.push(value(a));
    else if (a === '--audit') o.audit = true;
    else if (a === '--dir') o.dirs.push(value(a));
    else if (a === '--env') {
      const kv = value(a);
      const eq = kv.indexOf('=');
      if (eq <= 0) fail(`--env expects K=V, got '${kv}'`);
      o.env[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else if (a === '--resolve') {
      const nv = value(a);
      const c = nv.indexOf(':');
      if (c <= 0) fail(`--resolve expects NAME:ADDR, got '${nv}'`);
      const name = nv.slice(0, c).toLowerCase();
      (o.resolve[name] ||= []).push(nv.slice(c + 1).replace(/^\[|\]$/g, ''));
    } else if (num[a]) {
      const v = value(a);
      if (!/^\d+$/.test(v)) fail(`${a} expects a non-negative integer, got '${v}'`);
      o.limits[num[a]] = Number(v);
    } else if (a.startsWith('-')) fail(`unknown option '${a}'`);
    else break; // first non-option: the module
  }
  if (i >= argv.length) fail('no module given');
  o.module = argv[i];
  o.args = argv.slice(i + 1);
  try {
    o.policy = new Policy(o.allow);
  } catch (e) {
    fail(`bad --allow rule: ${e.message}`);
  }
  return o;
}

const o = parseArgs(process.argv.slice(2));
let r;
try {
  r = await runModule(o);
} catch (e) {
  writeStderr(`hxc-host: cannot load module '${o.module}': ${e.message}\n`);
  process.exit(126);
}
if (r.timedOut) {
  writeStderr(`hxc-host: ${r.error}\n`);
  process.exit(124);
}
if (r.trapped) {
  writeStderr(`hxc-host: ${r.error}\n`);
  process.exit(134);
}
if (r.exitCode === null) {
  writeStderr(`hxc-host: ${r.error || 'the module ended without an exit status'}\n`);
  process.exit(126);
}
process.exitCode = r.exitCode;
// The module is done: runModule has closed its sockets, leaving at most a
// short flush (EXIT_FLUSH_MS in host.mjs). Should anything else still hold
// the event loop (say a DNS lookup of a terminated module), do not wait for it.
setTimeout(() => process.exit(), 3000).unref();
