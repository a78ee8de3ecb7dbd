// hostnet_v1 constants shared by the host's main thread and its worker.
// The normative description is wasm/README.md; the C side is wasm/hostnet_v1.h.

// WASI preview1 errno numbers (results are their negation).
export const E = Object.freeze({
  EACCES: 2, EAGAIN: 6, EBADF: 8, ECONNREFUSED: 14, ECONNRESET: 15, EFAULT: 21,
  EHOSTUNREACH: 23, EINPROGRESS: 26, EINVAL: 28, ENETUNREACH: 40, ENOBUFS: 42,
  ENOENT: 44, ENOTCONN: 53, EPIPE: 64, ETIMEDOUT: 73,
});

export const POLLIN = 0x1;
export const POLLOUT = 0x2;
export const POLLERR = 0x1000;
export const POLLHUP = 0x2000;
export const POLLNVAL = 0x4000;

// Worker -> main call protocol over a SharedArrayBuffer (Int32Array slots).
// The worker writes OP/A0..A2, bumps REQ and Atomics.notify()s it; the main
// thread waits for REQ to change with Atomics.waitAsync (no postMessage: a
// message costs about three times the latency), writes RESULT, sets RSP to
// the REQ it answered and notifies RSP, on which the worker blocks in
// Atomics.wait. STOP tells the main thread's wait loop that the worker is gone.
export const OP = Object.freeze({ CONNECT: 1, STATUS: 2, SEND: 3, RECV: 4, POLL: 5, SHUTDOWN: 6, CLOSE: 7 });
export const CTL = Object.freeze({ REQ: 0, RSP: 1, OP: 2, A0: 3, A1: 4, A2: 5, RESULT: 6, STOP: 7, SIZE: 8 });

export const SEND_MAX = 64 * 1024; // bytes one send call takes at most
// One recv call fetches up to this many bytes from the main thread (the
// worker keeps what the module did not ask for yet: see worker.mjs).
export const RECV_MAX = 256 * 1024;
export const DATA_SIZE = RECV_MAX; // the shared payload buffer
export const MAX_POLL_FDS = 8192;
export const MAX_HOST_LEN = 253 + 2; // a DNS name, or [IPv6 literal]
