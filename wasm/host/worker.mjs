// Worker side of the hostnet_v1 reference host: instantiates the WASI module
// and implements each import by handing the call to the main thread through a
// SharedArrayBuffer and blocking on Atomics.wait until it answers.
//
// recv reads ahead: it asks the main thread for up to RECV_MAX bytes whatever
// the module's buffer size, and keeps the rest for the handle's next recv
// calls, which then need no round trip (TLS reads a record header, then the
// record: without this a download costs two round trips per 16 KiB record).
// poll reports such kept bytes as POLLIN; shutdown of the read side and close
// drop them. Byte order and EOF/error order are unchanged: kept bytes always
// precede whatever the main thread still holds.
import { workerData, parentPort } from 'node:worker_threads';
import { WASI } from 'node:wasi';
import v8 from 'node:v8';
import { OP, CTL, E, SEND_MAX, RECV_MAX, MAX_POLL_FDS, MAX_HOST_LEN, POLLIN } from './abi.mjs';

const { ctlSab, dataSab, bytes, args, env, preopens, stdio } = workerData;
const ctl = new Int32Array(ctlSab);
const data = new Uint8Array(dataSab);
const kept = new Map(); // handle -> { buf, off, end }: buf[off, end) received, not yet read by the module
let memory = null;

function call(op, a0 = 0, a1 = 0, a2 = 0) {
  ctl[CTL.OP] = op;
  ctl[CTL.A0] = a0;
  ctl[CTL.A1] = a1;
  ctl[CTL.A2] = a2;
  const seq = (Atomics.add(ctl, CTL.REQ, 1) + 1) | 0;
  Atomics.notify(ctl, CTL.REQ);
  for (let r = Atomics.load(ctl, CTL.RSP); r !== seq; r = Atomics.load(ctl, CTL.RSP)) Atomics.wait(ctl, CTL.RSP, r);
  return ctl[CTL.RESULT];
}

// A view of linear memory for [ptr, ptr+len), or a negative errno.
function region(ptr, len) {
  if (len < 0) return -E.EINVAL;
  const mem = new Uint8Array(memory.buffer);
  const p = ptr >>> 0;
  if (p + len > mem.length) return -E.EFAULT;
  return mem.subarray(p, p + len);
}

// Holds bytes for handle h in its buffer, grown as needed up to RECV_MAX
// and then reused: no allocation per call.
function keep(h, k, bytes) {
  if (k === undefined) {
    k = { buf: new Uint8Array(0), off: 0, end: 0 };
    kept.set(h, k);
  }
  if (k.buf.length < bytes.length) k.buf = new Uint8Array(Math.min(RECV_MAX, Math.max(16384, 2 ** Math.ceil(Math.log2(bytes.length)))));
  k.buf.set(bytes, 0);
  k.off = 0;
  k.end = bytes.length;
}

// True when handle h has kept bytes the module has not read yet.
function hasKept(h) {
  const k = kept.get(h);
  return k !== undefined && k.off < k.end;
}

const hostnet = {
  connect(hostPtr, hostLen, port, flags) {
    if (hostLen <= 0 || hostLen > MAX_HOST_LEN) return -E.EINVAL;
    const src = region(hostPtr, hostLen);
    if (typeof src === 'number') return src;
    data.set(src, 0);
    return call(OP.CONNECT, hostLen, port, flags);
  },
  status(h) {
    return call(OP.STATUS, h);
  },
  send(h, ptr, len) {
    const src = region(ptr, len);
    if (typeof src === 'number') return src;
    const n = Math.min(len, SEND_MAX);
    data.set(src.subarray(0, n), 0);
    return call(OP.SEND, h, n);
  },
  recv(h, ptr, len) {
    const dst = region(ptr, len);
    if (typeof dst === 'number') return dst;
    const k = len > 0 ? kept.get(h) : undefined;
    if (k !== undefined && k.off < k.end) {
      const n = Math.min(len, k.end - k.off);
      dst.set(k.buf.subarray(k.off, k.off + n));
      k.off += n;
      return n;
    }
    const r = call(OP.RECV, h, len > 0 ? RECV_MAX : 0);
    if (r <= 0) return r;
    const n = Math.min(len, r);
    new Uint8Array(memory.buffer).set(data.subarray(0, n), ptr >>> 0);
    if (r > n) keep(h, k, data.subarray(n, r));
    return n;
  },
  poll(fdsPtr, nfds, timeoutMs) {
    if (nfds < 0 || nfds > MAX_POLL_FDS) return -E.EINVAL;
    const ents = region(fdsPtr, nfds * 8);
    if (typeof ents === 'number') return ents;
    data.set(ents, 0);
    // Kept bytes make their handle readable now: the main thread only
    // reports the others' state then, without waiting.
    let early = false;
    if (kept.size > 0) {
      const v = new DataView(ents.buffer, ents.byteOffset, ents.byteLength);
      for (let i = 0; i < nfds && !early; i++)
        early = (v.getInt16(i * 8 + 4, true) & POLLIN) !== 0 && hasKept(v.getInt32(i * 8, true));
    }
    let r = call(OP.POLL, nfds, early ? 0 : timeoutMs);
    if (r < 0) return r;
    const mem = new Uint8Array(memory.buffer);
    mem.set(data.subarray(0, nfds * 8), fdsPtr >>> 0);
    if (early) {
      const v = new DataView(mem.buffer, (fdsPtr >>> 0), nfds * 8);
      r = 0;
      for (let i = 0; i < nfds; i++) {
        let rev = v.getInt16(i * 8 + 6, true);
        if ((v.getInt16(i * 8 + 4, true) & POLLIN) && hasKept(v.getInt32(i * 8, true))) rev |= POLLIN;
        v.setInt16(i * 8 + 6, rev, true);
        if (rev) r++;
      }
    }
    return r;
  },
  shutdown(h, how) {
    const r = call(OP.SHUTDOWN, h, how);
    if (r === 0 && how !== 1) kept.delete(h);
    return r;
  },
  close(h) {
    kept.delete(h);
    return call(OP.CLOSE, h);
  },
};

// Node 20's WASI can crash once module memory passes ~48 MB when V8 makes
// fast API calls into it (nodejs/node#46777): turn them off before the
// module is compiled and instantiated, which is when V8 decides how the
// imports are called. The flag is process-wide; setting it only now, not in
// the main thread before the worker starts, keeps the worker's start-up fast.
v8.setFlagsFromString('--no-turbo-fast-api-calls');

try {
  const wasi = new WASI({ version: 'preview1', args, env, preopens, returnOnExit: true, ...stdio });
  const imports = { wasi_snapshot_preview1: wasi.wasiImport, hostnet_v1: hostnet };
  let instance;
  try {
    instance = await WebAssembly.instantiate(await WebAssembly.compile(bytes), imports);
  } catch (e) {
    parentPort.postMessage({ type: 'load-error', message: String(e && e.message || e) });
    process.exit(0);
  }
  memory = instance.exports.memory;
  const code = wasi.start(instance);
  parentPort.postMessage({ type: 'exit', code });
} catch (e) {
  parentPort.postMessage({ type: 'trap', message: String(e && e.stack || e) });
}
