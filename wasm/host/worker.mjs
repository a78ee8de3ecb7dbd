// Worker side of the hostnet_v1 reference host: instantiates the WASI module
// and implements each import by handing the call to the main thread through a
// SharedArrayBuffer and blocking on Atomics.wait until it answers.
import { workerData, parentPort } from 'node:worker_threads';
import { WASI } from 'node:wasi';
import { OP, CTL, E, DATA_SIZE, MAX_POLL_FDS, MAX_HOST_LEN } from './abi.mjs';

const { ctlSab, dataSab, bytes, args, env, preopens, stdio } = workerData;
const ctl = new Int32Array(ctlSab);
const data = new Uint8Array(dataSab);
let memory = null;

function call(op, a0 = 0, a1 = 0, a2 = 0) {
  ctl[CTL.OP] = op;
  ctl[CTL.A0] = a0;
  ctl[CTL.A1] = a1;
  ctl[CTL.A2] = a2;
  Atomics.store(ctl, CTL.STATE, 1);
  parentPort.postMessage(0);
  Atomics.wait(ctl, CTL.STATE, 1);
  const r = ctl[CTL.RESULT];
  Atomics.store(ctl, CTL.STATE, 0);
  return r;
}

// A view of linear memory for [ptr, ptr+len), or a negative errno.
function region(ptr, len) {
  if (len < 0) return -E.EINVAL;
  const mem = new Uint8Array(memory.buffer);
  const p = ptr >>> 0;
  if (p + len > mem.length) return -E.EFAULT;
  return mem.subarray(p, p + len);
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
    const n = Math.min(len, DATA_SIZE);
    data.set(src.subarray(0, n), 0);
    return call(OP.SEND, h, n);
  },
  recv(h, ptr, len) {
    const dst = region(ptr, len);
    if (typeof dst === 'number') return dst;
    const r = call(OP.RECV, h, Math.min(len, DATA_SIZE));
    if (r > 0) new Uint8Array(memory.buffer).set(data.subarray(0, r), ptr >>> 0);
    return r;
  },
  poll(fdsPtr, nfds, timeoutMs) {
    if (nfds < 0 || nfds > MAX_POLL_FDS) return -E.EINVAL;
    const ents = region(fdsPtr, nfds * 8);
    if (typeof ents === 'number') return ents;
    data.set(ents, 0);
    const r = call(OP.POLL, nfds, timeoutMs);
    if (r >= 0) new Uint8Array(memory.buffer).set(data.subarray(0, nfds * 8), fdsPtr >>> 0);
    return r;
  },
  shutdown(h, how) {
    return call(OP.SHUTDOWN, h, how);
  },
  close(h) {
    return call(OP.CLOSE, h);
  },
};

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
