#!/usr/bin/env node
// Embedding example for hxc's sample plugin (issue 5): an application that
// loads fetch_digest.wasm with wasm/host/host.mjs's runModule() API, lets it
// connect to exactly the URL's host:port and nowhere else, and uses its result.
//
//   node --no-turbo-fast-api-calls wasm/plugin/run-plugin.mjs \
//        [--plugin build-wasm/fetch_digest.wasm] [--cacert FILE] [--allow RULE]... \
//        [--audit] [--timeout-ms N] URL
//
// Prints one JSON object on stdout:
//   {"url":"https://...","sha256":"<hex>","bytes":N,"status":200,"httpVersion":"HTTP/2",
//    "connects":1,"denied":0}
// and exits 0; when the plugin fails, its message goes to stderr
// ("run-plugin: the plugin failed (exit N): fetch_digest: connection to
// evil.example:443 refused by the host's policy (HXC_E_CONNECT)") and the
// exit status is the plugin's own (124 when the wall-clock limit killed it,
// 125 for a usage error here, 126 when it could not be loaded or trapped).
//
// --allow replaces the default rule (the URL's own host:port); --cacert
// hands the plugin a CA bundle through a read-only view of its directory
// (preopened as /ca); the plugin otherwise trusts hxc's embedded certifi roots.
// Node built-ins only.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runModule } from '../host/host.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const DEFAULT_PLUGIN = path.join(here, '..', '..', 'build-wasm', 'fetch_digest.wasm');

function usage(msg) {
  fs.writeSync(2, `run-plugin: ${msg}\nusage: run-plugin.mjs [--plugin FILE.wasm] [--cacert FILE] ` +
    '[--allow RULE]... [--audit] [--timeout-ms N] URL\n');
  process.exit(125);
}

function parseArgs(argv) {
  const o = { plugin: process.env.HXC_PLUGIN || DEFAULT_PLUGIN, cacert: null, allow: [], audit: false,
    timeoutMs: 60000, url: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
    if (a === '--plugin') o.plugin = value();
    else if (a === '--cacert') o.cacert = path.resolve(value());
    else if (a === '--allow') o.allow.push(value());
    else if (a === '--audit') o.audit = true;
    else if (a === '--timeout-ms') o.timeoutMs = Number(value());
    else if (a.startsWith('-')) usage(`unknown option '${a}'`);
    else if (o.url) usage('only one URL');
    else o.url = a;
  }
  if (!o.url) usage('no URL given');
  return o;
}

// The one rule the plugin needs: the URL's host and port, nothing else.
function ruleFor(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    usage(`'${url}' is not a URL`);
  }
  const port = u.port || (u.protocol === 'http:' ? '80' : '443');
  return `${u.hostname}:${port}`; // an IPv6 hostname keeps its brackets: [::1]:8443
}

// The plugin's stdout and stderr go to files the application reads back.
function capture(dir, name) {
  const file = path.join(dir, name);
  return { file, fd: fs.openSync(file, 'w+') };
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const allow = o.allow.length ? o.allow : [ruleFor(o.url)];
  const args = [o.url];
  const dirs = {};
  if (o.cacert) {
    dirs['/ca'] = path.dirname(o.cacert);
    args.push(`/ca/${path.basename(o.cacert)}`);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'run-plugin-'));
  const out = capture(tmp, 'stdout');
  const err = capture(tmp, 'stderr');
  let r;
  try {
    r = await runModule({
      module: o.plugin, argv0: 'fetch_digest', args, dirs, allow,
      audit: o.audit ? (line) => fs.writeSync(2, line + '\n') : undefined,
      limits: { maxConns: 2, maxTotalConns: 4, timeoutMs: o.timeoutMs },
      stdio: { stdout: out.fd, stderr: err.fd },
    });
  } catch (e) {
    fs.writeSync(2, `run-plugin: cannot load the plugin '${o.plugin}': ${e.message}\n`);
    return 126;
  } finally {
    fs.closeSync(out.fd);
    fs.closeSync(err.fd);
  }
  const stdout = fs.readFileSync(out.file, 'utf8');
  const stderr = fs.readFileSync(err.file, 'utf8').trim();
  fs.rmSync(tmp, { recursive: true, force: true });

  if (r.exitCode === null || r.trapped) {
    fs.writeSync(2, `run-plugin: ${r.error || 'the plugin ended without an exit status'}\n`);
    return r.timedOut ? 124 : 126;
  }
  const m = /^sha256 ([0-9a-f]{64}) (\d+) (\d+) (\S+)$/m.exec(stdout);
  if (r.exitCode !== 0 || !m) {
    fs.writeSync(2, `run-plugin: the plugin failed (exit ${r.exitCode})` +
      (stderr ? `: ${stderr}` : m ? '' : ': it printed no digest line') + '\n');
    return r.exitCode || 1;
  }
  const result = { url: o.url, sha256: m[1], bytes: Number(m[2]), status: Number(m[3]), httpVersion: m[4],
    connects: r.stats.connects, denied: r.stats.denied };
  fs.writeSync(1, JSON.stringify(result) + '\n');
  return 0;
}

process.exitCode = await main();
