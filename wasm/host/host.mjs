// hostnet_v1 reference host for Node.js: runs a WASI module in a worker thread
// and supplies TCP through the hostnet_v1 imports under a connection policy.
//
//   import { runModule } from './host.mjs';
//   const r = await runModule({ module: 'hxc.wasm', args: ['https://localhost:8443/'],
//                               allow: ['localhost:8443'], dirs: {'/certs': '/tmp/certs'},
//                               audit: true, limits: { timeoutMs: 30000 } });
//   // r = { exitCode, timedOut, trapped, error, stats }
//
// Only Node built-ins. See wasm/README.md for the ABI and the policy rules.
import { Worker } from 'node:worker_threads';
import { readFile } from 'node:fs/promises';
import fs from 'node:fs';
import net from 'node:net';
import dns from 'node:dns';
import path from 'node:path';
import { OP, CTL, E, DATA_SIZE, POLLIN, POLLOUT, POLLERR, POLLHUP, POLLNVAL } from './abi.mjs';
import { Policy, normalizeName, parseAddress } from './policy.mjs';

// Node 20's WASI can crash at exit once module memory passes ~48 MB unless
// V8's fast API calls are off (nodejs/node#46777). The worker turns them off
// itself before it compiles the module (see worker.mjs), so the flag is not
// needed on node's command line; not setting it here at import time keeps
// the worker's start-up fast (a changed flag makes V8 reject the code cache
// of Node's internal modules: about 20 ms more per worker).

export { Policy } from './policy.mjs';
export { E as ERRNO } from './abi.mjs';

const WBUF_HIGH = 1024 * 1024; // send -> EAGAIN above this many queued bytes
const RBUF_HIGH = 1024 * 1024; // pause reading above this many buffered bytes
const CLOSE_LINGER_MS = 5000; // a closed handle's socket may flush this long while the module runs
const EXIT_FLUSH_MS = 1000; // and this long once the module has exited

const NODE_ERRNO = {
  ECONNREFUSED: E.ECONNREFUSED, ECONNRESET: E.ECONNRESET, EHOSTUNREACH: E.EHOSTUNREACH,
  ENETUNREACH: E.ENETUNREACH, ETIMEDOUT: E.ETIMEDOUT, EPIPE: E.EPIPE, EACCES: E.EACCES,
  ENOTFOUND: E.ENOENT, EAI_AGAIN: E.ENOENT, EADDRNOTAVAIL: E.EHOSTUNREACH, ENETDOWN: E.ENETUNREACH,
};

function errnoOf(err, connecting) {
  return NODE_ERRNO[err && err.code] || (connecting ? E.ECONNREFUSED : E.ECONNRESET);
}

const NAME_RE = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.:-]+)$/;

// The socket side of hostnet_v1: handles, readiness, policy and quotas.
class HostNet {
  constructor(opts) {
    this.policy = opts.policy instanceof Policy ? opts.policy : new Policy(opts.allow || []);
    this.resolve = opts.resolve || {}; // name -> [addresses], overrides DNS
    this.lookup = opts.lookup || ((name) => dns.promises.lookup(name, { all: true, verbatim: true }));
    this.audit = opts.audit === true ? (line) => writeStderr(line + '\n') : opts.audit || null;
    const l = opts.limits || {};
    this.limits = {
      maxConns: l.maxConns ?? Infinity, maxTotalConns: l.maxTotalConns ?? Infinity,
      maxBytesIn: l.maxBytesIn ?? l.maxBytes ?? Infinity, maxBytesOut: l.maxBytesOut ?? l.maxBytes ?? Infinity,
    };
    this.handles = new Map();
    this.nextId = 1;
    this.stats = { connects: 0, denied: 0, bytesIn: 0, bytesOut: 0, open: 0, peakOpen: 0 };
    this.pendingPoll = null;
    this.closing = new Set(); // closed handles' sockets still flushing
    this.gone = false; // the module has exited: no new connections
  }

  log(verdict, name, port, address, detail) {
    if (!this.audit) return;
    const d = detail.rule ? `rule=${detail.rule}` : `rule=- reason="${detail.reason}"`;
    this.audit(`hxc-host audit: ${verdict} name=${name} port=${port} address=${address || '-'} ${d}`);
  }

  deny(name, port, address, reason, errno) {
    this.stats.denied++;
    this.log('deny', name, port, address, { reason });
    return -errno;
  }

  async connect(hostBytes, port, flags) {
    if (flags !== 0 || port < 1 || port > 65535) return -E.EINVAL;
    const raw = Buffer.from(hostBytes).toString('latin1');
    if (!NAME_RE.test(raw)) return -E.EINVAL;
    const name = normalizeName(raw);
    const pre = this.policy.precheck(name, port);
    if (pre) return this.deny(name, port, null, pre.reason, E.EACCES);
    const L = this.limits;
    if (this.stats.open >= L.maxConns) return this.deny(name, port, null, `quota: ${L.maxConns} concurrent connections already open (max-conns)`, E.ENOBUFS);
    if (this.stats.connects >= L.maxTotalConns) return this.deny(name, port, null, `quota: ${L.maxTotalConns} connections already made (max-total-conns)`, E.ENOBUFS);
    let addrs;
    if (parseAddress(name)) addrs = [name];
    else if (this.resolve[name]) addrs = [].concat(this.resolve[name]);
    else {
      try {
        addrs = (await this.lookup(name)).map((a) => a.address);
      } catch (e) {
        return this.deny(name, port, null, `cannot resolve '${name}': ${e.code || e.message}`, E.ENOENT);
      }
    }
    if (addrs.length === 0) return this.deny(name, port, null, `'${name}' has no addresses`, E.ENOENT);
    const allowed = [];
    for (const a of addrs) {
      const d = this.policy.check(name, port, a);
      this.log(d.allow ? 'allow' : 'deny', name, port, a, d);
      if (d.allow) allowed.push(a);
    }
    if (allowed.length === 0) {
      this.stats.denied++;
      return -E.EACCES;
    }
    // The lookup yielded: the module may have been terminated meanwhile.
    if (this.gone) return -E.ECONNRESET;
    const h = { id: this.nextId++, name, port, addrs: allowed, sock: null, connecting: true, err: 0,
      chunks: [], buffered: 0, eof: false, closed: false, shutRd: false, shutWr: false, quotaIn: false };
    this.handles.set(h.id, h);
    this.stats.connects++;
    this.stats.open++;
    this.stats.peakOpen = Math.max(this.stats.peakOpen, this.stats.open);
    this.dial(h);
    return h.id;
  }

  // Connect to the next allowed address (the address itself, never the name).
  dial(h) {
    const addr = h.addrs.shift();
    const sock = net.connect({ host: addr, port: h.port, allowHalfOpen: true, noDelay: true });
    h.sock = sock;
    sock.on('connect', () => { h.connecting = false; this.kick(); });
    sock.on('data', (chunk) => this.onData(h, chunk));
    sock.on('end', () => { h.eof = true; this.kick(); });
    sock.on('drain', () => this.kick());
    sock.on('close', () => { if (h.sock === sock) { h.closed = true; this.kick(); } });
    sock.on('error', (e) => {
      if (h.sock !== sock) return;
      if (h.connecting && h.addrs.length > 0 && this.handles.has(h.id)) return this.dial(h);
      h.err = errnoOf(e, h.connecting);
      this.kick();
    });
  }

  onData(h, chunk) {
    if (h.shutRd) return;
    const L = this.limits;
    const room = L.maxBytesIn - this.stats.bytesIn;
    if (chunk.length > room) {
      chunk = chunk.subarray(0, Math.max(0, room));
      h.quotaIn = true;
      h.sock.destroy();
      if (this.audit) this.audit(`hxc-host audit: quota name=${h.name} port=${h.port} reason="received bytes reached max-bytes-in ${L.maxBytesIn}"`);
    }
    if (chunk.length > 0) {
      h.chunks.push(chunk);
      h.buffered += chunk.length;
      this.stats.bytesIn += chunk.length;
    }
    if (h.buffered > RBUF_HIGH && !h.sock.destroyed) h.sock.pause();
    this.kick();
  }

  status(id) {
    const h = this.handles.get(id);
    if (!h) return -E.EBADF;
    if (h.err) return -h.err;
    return h.connecting ? -E.EINPROGRESS : 0;
  }

  send(id, data, n) {
    const h = this.handles.get(id);
    if (!h) return -E.EBADF;
    if (h.err) return -h.err;
    if (h.connecting) return -E.EAGAIN;
    if (h.shutWr) return -E.EPIPE;
    if (h.closed || h.sock.destroyed) return -E.ECONNRESET;
    if (n === 0) return 0;
    const room = this.limits.maxBytesOut - this.stats.bytesOut;
    if (room <= 0) return -E.ENOBUFS;
    if (h.sock.writableLength >= WBUF_HIGH) return -E.EAGAIN;
    n = Math.min(n, room);
    h.sock.write(Buffer.from(data.subarray(0, n)));
    this.stats.bytesOut += n;
    return n;
  }

  recv(id, data, n) {
    const h = this.handles.get(id);
    if (!h) return -E.EBADF;
    if (h.buffered > 0 && n > 0) {
      let off = 0;
      while (off < n && h.chunks.length > 0) {
        const c = h.chunks[0];
        const take = Math.min(c.length, n - off);
        data.set(c.subarray(0, take), off);
        off += take;
        if (take === c.length) h.chunks.shift();
        else h.chunks[0] = c.subarray(take);
      }
      h.buffered -= off;
      if (h.buffered <= RBUF_HIGH / 2 && h.sock.isPaused() && !h.sock.destroyed) h.sock.resume();
      return off;
    }
    if (h.quotaIn) return -E.ENOBUFS;
    if (h.err) return -h.err;
    if (h.eof || h.shutRd) return 0;
    if (n === 0) return 0;
    if (h.closed) return 0;
    return -E.EAGAIN;
  }

  revents(id, events) {
    const h = this.handles.get(id);
    if (!h) return POLLNVAL;
    let r = 0;
    if (h.err) return POLLERR | POLLHUP | (events & (POLLIN | POLLOUT));
    if (h.connecting) return 0;
    if (h.buffered > 0 || h.eof || h.shutRd || h.quotaIn || h.closed) r |= events & POLLIN;
    if (!h.shutWr && !h.closed && h.sock.writableLength < WBUF_HIGH) r |= events & POLLOUT;
    if (h.closed || (h.eof && h.shutWr)) r |= POLLHUP;
    return r;
  }

  // Fill revents in the 8-byte entries; returns the ready count.
  scan(view, nfds) {
    let ready = 0;
    for (let i = 0; i < nfds; i++) {
      const fd = view.getInt32(i * 8, true);
      const ev = view.getInt16(i * 8 + 4, true);
      const rev = fd < 0 ? 0 : this.revents(fd, ev);
      view.setInt16(i * 8 + 6, rev, true);
      if (rev) ready++;
    }
    return ready;
  }

  poll(view, nfds, timeoutMs) {
    const ready = this.scan(view, nfds);
    if (ready > 0 || timeoutMs === 0) return ready;
    return new Promise((resolve) => {
      const p = { view, nfds, resolve, timer: null };
      if (timeoutMs > 0) p.timer = setTimeout(() => { this.pendingPoll = null; resolve(0); }, timeoutMs);
      this.pendingPoll = p;
    });
  }

  // A socket event happened: answer a waiting poll if something is ready now.
  kick() {
    const p = this.pendingPoll;
    if (!p) return;
    const ready = this.scan(p.view, p.nfds);
    if (ready === 0) return;
    this.pendingPoll = null;
    clearTimeout(p.timer);
    p.resolve(ready);
  }

  shutdown(id, how) {
    if (how < 0 || how > 2) return -E.EINVAL;
    const h = this.handles.get(id);
    if (!h) return -E.EBADF;
    if (h.err) return -h.err;
    if (h.connecting) return -E.ENOTCONN;
    if (how !== 1) {
      h.shutRd = true;
      h.chunks = [];
      h.buffered = 0;
    }
    if (how !== 0 && !h.shutWr) {
      h.shutWr = true;
      h.sock.end();
    }
    return 0;
  }

  close(id) {
    const h = this.handles.get(id);
    if (!h) return -E.EBADF;
    this.handles.delete(id);
    this.stats.open--;
    const s = h.sock;
    if (h.connecting || h.err || s.destroyed) s.destroy();
    else {
      s.end();
      s.resume(); // drain and drop whatever still arrives
      const t = setTimeout(() => s.destroy(), CLOSE_LINGER_MS);
      t.unref(); // never what keeps the process alive
      this.closing.add(s);
      s.once('close', () => { clearTimeout(t); this.closing.delete(s); });
    }
    return 0;
  }

  destroyAll() {
    this.gone = true;
    if (this.pendingPoll) clearTimeout(this.pendingPoll.timer);
    this.pendingPoll = null;
    for (const h of this.handles.values()) if (h.sock) h.sock.destroy();
    this.handles.clear();
    // The module is gone: sockets it closed may finish flushing what it sent,
    // but briefly: a peer that does not read must not keep the host (or the
    // embedding application's connections) around.
    for (const s of this.closing) {
      if (s.writableLength === 0) {
        s.destroy();
        continue;
      }
      const t = setTimeout(() => s.destroy(), EXIT_FLUSH_MS);
      s.once('finish', () => s.destroy());
      s.once('close', () => clearTimeout(t));
    }
    this.closing.clear();
  }
}

// Synchronous write to fd 2 that never initialises process.stderr (which
// would switch a shared pipe to non-blocking mode under the module's feet).
export function writeStderr(text) {
  try {
    fs.writeSync(2, text);
  } catch {
    // nothing sensible to do when stderr is gone
  }
}

// The module writes its stdout/stderr synchronously through uvwasi. If the
// descriptor is a pipe that Node (or the embedder) has made non-blocking, such
// writes fail with EAGAIN once the pipe is full. A pipe reopened through
// /proc/self/fd is a separate open file description, blocking, to the same
// pipe: hand that to the module. Returns [fd, ownedFd|null].
function moduleFd(fd) {
  try {
    if (!fs.fstatSync(fd).isFIFO()) return [fd, null];
    const own = fs.openSync(`/proc/self/fd/${fd}`, 'w');
    return [own, own];
  } catch {
    return [fd, null];
  }
}

function toPreopens(dirs) {
  if (!dirs) return {};
  if (!Array.isArray(dirs)) return { ...dirs }; // {guest: host}
  const out = {};
  for (const d of dirs) {
    const i = d.indexOf('::');
    if (i < 0) out[d] = d;
    else out[d.slice(i + 2)] = d.slice(0, i);
  }
  return out;
}

/**
 * Run a WASI command module with hostnet_v1 sockets under a policy.
 * opts.module: path or bytes (Buffer/Uint8Array/ArrayBuffer); opts.args: argv[1..];
 * opts.argv0 (default: module file name without .wasm); opts.env: {K: V} (default none);
 * opts.dirs: ['HOST::GUEST', ...] or {guest: host}; opts.allow: rule strings;
 * opts.resolve: {name: [addr...]} (pins names, skips DNS); opts.audit: true | fn(line);
 * opts.limits: {maxConns, maxTotalConns, maxBytes, maxBytesIn, maxBytesOut, timeoutMs};
 * opts.stdio: {stdin, stdout, stderr} file descriptors for the module.
 * Resolves to {exitCode, timedOut, trapped, error, stats}; never rejects for module faults.
 */
export async function runModule(opts) {
  const bytes = typeof opts.module === 'string' ? await readFile(opts.module) : new Uint8Array(opts.module);
  const argv0 = opts.argv0 ?? (typeof opts.module === 'string' ? path.basename(opts.module).replace(/\.wasm$/, '') : 'module');
  const net_ = new HostNet(opts);
  const ctlSab = new SharedArrayBuffer(CTL.SIZE * 4);
  const dataSab = new SharedArrayBuffer(DATA_SIZE);
  const ctl = new Int32Array(ctlSab);
  const data = new Uint8Array(dataSab);
  const view = new DataView(dataSab);
  const owned = [];
  let stdio = opts.stdio;
  if (!stdio) {
    const [out, o1] = moduleFd(1);
    const [err, o2] = moduleFd(2);
    stdio = { stdout: out, stderr: err };
    owned.push(...[o1, o2].filter((x) => x !== null));
  }
  const worker = new Worker(new URL('./worker.mjs', import.meta.url), {
    workerData: {
      ctlSab, dataSab, bytes, args: [argv0, ...(opts.args || [])], env: opts.env || {},
      preopens: toPreopens(opts.dirs), stdio,
    },
    // stdout/stderr: true keeps the worker from piping into process.stdout,
    // which would make fd 1 non-blocking; the module writes through uvwasi.
    stdout: true, stderr: true, execArgv: ['--no-warnings'],
  });
  worker.stdout.resume();
  worker.stderr.on('data', (d) => writeStderr(d));
  const result = { exitCode: null, timedOut: false, trapped: false, error: null, stats: net_.stats };
  // The worker's calls: wait (without blocking the event loop) for CTL.REQ
  // to move past the last request answered, run it, answer, wait again.
  let seen = 0;
  const respond = (r) => {
    ctl[CTL.RESULT] = r;
    Atomics.store(ctl, CTL.RSP, seen);
    Atomics.notify(ctl, CTL.RSP);
    serve();
  };
  const onRequest = () => {
    if (Atomics.load(ctl, CTL.STOP) !== 0) return;
    const req = Atomics.load(ctl, CTL.REQ);
    if (req === seen) return serve();
    seen = req;
    let r;
    try {
      r = dispatch();
    } catch {
      r = -E.EINVAL;
    }
    if (typeof r === 'number') respond(r);
    else r.then(respond, () => respond(-E.EINVAL));
  };
  function serve() {
    if (Atomics.load(ctl, CTL.STOP) !== 0) return;
    const w = Atomics.waitAsync(ctl, CTL.REQ, seen);
    // 'not-equal': a request is already there; answer it in a fresh task,
    // never in a loop of synchronous answers that would starve socket events
    if (w.async) w.value.then(onRequest);
    else setImmediate(onRequest);
  }
  // A number, or a promise of one (connect, a poll that waits).
  function dispatch() {
    const op = ctl[CTL.OP], a0 = ctl[CTL.A0], a1 = ctl[CTL.A1], a2 = ctl[CTL.A2];
    switch (op) {
      case OP.CONNECT: return net_.connect(data.slice(0, a0), a1, a2);
      case OP.STATUS: return net_.status(a0);
      case OP.SEND: return net_.send(a0, data, a1);
      case OP.RECV: return net_.recv(a0, data, a1);
      case OP.POLL: return net_.poll(view, a0, a1);
      case OP.SHUTDOWN: return net_.shutdown(a0, a1);
      case OP.CLOSE: return net_.close(a0);
      default: return -E.EINVAL;
    }
  }
  return new Promise((resolve) => {
    let timer = null;
    const limit = opts.limits && opts.limits.timeoutMs;
    if (limit > 0) {
      timer = setTimeout(() => {
        result.timedOut = true;
        result.error = `the module exceeded the wall-clock limit of ${limit} ms and was terminated`;
        worker.terminate();
      }, limit);
    }
    serve();
    worker.on('message', (m) => {
      if (m.type === 'exit') result.exitCode = m.code;
      else if (m.type === 'trap') { result.trapped = true; result.error = `the module trapped: ${m.message}`; }
      else if (m.type === 'load-error') result.error = `the module could not be instantiated: ${m.message}`;
    });
    worker.on('error', (e) => { result.error = result.error || `worker failed: ${e && e.message}`; });
    worker.on('exit', () => {
      clearTimeout(timer);
      Atomics.store(ctl, CTL.STOP, 1); // ends serve()'s pending wait
      Atomics.notify(ctl, CTL.REQ);
      net_.destroyAll();
      for (const fd of owned) fs.closeSync(fd);
      resolve(result);
    });
  });
}
