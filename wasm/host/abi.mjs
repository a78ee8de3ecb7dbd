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
export const OP = Object.freeze({ CONNECT: 1, STATUS: 2, SEND: 3, RECV: 4, POLL: 5, SHUTDOWN: 6, CLOSE: 7 });
export const CTL = Object.freeze({ STATE: 0, OP: 1, A0: 2, A1: 3, A2: 4, RESULT: 5, SIZE: 8 });

export const DATA_SIZE = 64 * 1024; // bytes moved per send/recv call at most
export const MAX_POLL_FDS = DATA_SIZE / 8;
export const MAX_HOST_LEN = 253 + 2; // a DNS name, or [IPv6 literal]
