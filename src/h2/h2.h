/*
 * HTTP/2 engine: nghttp2 session glue (mem_recv / mem_send). No I/O.
 * Many streams per session; ready for multiplexing.
 */
#ifndef HXC_H2_H2_H
#define HXC_H2_H2_H

#include "base/proto.h"

/*
 * Events and reentrancy. Response events (struct hxc__msg_events) run from
 * inside hxc__h2_feed(), hxc__h2_pending_out(), hxc__h2_eof() and
 * hxc__h2_abort(). on_complete runs exactly once per submitted request
 * (never for a submit that returned an error). From inside any event the
 * caller may call hxc__h2_submit() (e.g. the next request from
 * on_complete) and the read-only accessors; it must NOT call
 * hxc__h2_free(), hxc__h2_feed(), hxc__h2_pending_out(),
 * hxc__h2_consume_out(), hxc__h2_eof() or hxc__h2_abort() on the same
 * session. hxc__h2_free() calls no events.
 *
 * Failures per stream: HXC_E_H2_STREAM_RESET (detail = RFC 9113 error
 * code), HXC_E_H2_GOAWAY (detail = GOAWAY error code; the request was not
 * processed and may be retried elsewhere), HXC_E_H2_PROTOCOL (connection
 * error, or nghttp2 reset a malformed response), HXC_E_CALLBACK_ABORT,
 * HXC_E_HTTP_HEADERS_TOO_LARGE, HXC_E_CONN_CLOSED (EOF), or the error
 * given to hxc__h2_abort(). Headers of 1xx responses are not reported
 * (on_status is, with interim=1); trailers arrive as on_trailer calls (on_header
 * when on_trailer is NULL) after the body, with no second on_headers_done.
 *
 * Request headers: names are lowercased; connection-specific ones
 * (connection, keep-alive, proxy-connection, transfer-encoding, upgrade)
 * and te other than "trailers" are rejected with HXC_E_INVALID_ARGUMENT;
 * host and content-length are dropped (:authority and the body length
 * replace them); user-agent and accept get defaults unless given.
 */

struct hxc__h2;

/* Creates a client session and queues the preface + SETTINGS (push off,
 * large windows). NULL with err on failure. */
struct hxc__h2 *hxc__h2_new(const struct hxc__msg_events *ev, size_t max_header_bytes,
                            hxc_error *err);
void hxc__h2_free(struct hxc__h2 *h);

/* Submits a request on a new stream. Returns the stream id (> 0) or a
 * negative value with err set. Events for it go to req->user. */
int32_t hxc__h2_submit(struct hxc__h2 *h, const struct hxc__req_desc *req, hxc_error *err);

/* Bytes to send (from nghttp2_session_mem_send, buffered so a short write
 * loses nothing). Pointer valid until the next call on h. */
size_t hxc__h2_pending_out(struct hxc__h2 *h, const uint8_t **data);
void hxc__h2_consume_out(struct hxc__h2 *h, size_t n);

/* Feeds bytes from the peer. Connection-level errors complete every open
 * stream with the error and are returned (also by every later call). A
 * connection error that nghttp2 answers with its own GOAWAY is seen once
 * that GOAWAY is pulled into the output buffer: here unless 16 KiB of
 * output are already waiting, else in the next hxc__h2_pending_out(). */
hxc_status hxc__h2_feed(struct hxc__h2 *h, const uint8_t *data, size_t len, hxc_error *err);

/* Peer closed the transport: fails every open stream (HXC_E_CONN_CLOSED). */
void hxc__h2_eof(struct hxc__h2 *h);
/* Fails every open stream with err (timeouts, I/O errors). */
void hxc__h2_abort(struct hxc__h2 *h, const hxc_error *err);

/* The server's SETTINGS_MAX_CONCURRENT_STREAMS once its SETTINGS arrived
 * (unlimited reported as 0x7fffffff), 1 before that. */
int hxc__h2_max_streams(const struct hxc__h2 *h);
/* Cancels the stream carrying `user`: RST_STREAM(CANCEL) is queued and
 * on_complete(HXC_E_CANCELLED) runs from inside this call; nothing more is
 * reported for it. Returns 0, or -1 when no stream carries `user`. */
int hxc__h2_cancel(struct hxc__h2 *h, void *user);
/* A streamed upload on the stream carrying `user` can go on. */
void hxc__h2_resume(struct hxc__h2 *h, void *user);
/* Stream id carrying `user` (0 when none). */
/* Per-stream backpressure. A held stream's window (16 MiB) is reopened
 * only as its reader reports what it took (consumed); the other streams
 * and the connection are not held back. hold 0 releases all at once. */
void hxc__h2_hold(struct hxc__h2 *h, void *user, int hold);
void hxc__h2_consumed(struct hxc__h2 *h, void *user, size_t n);
int32_t hxc__h2_stream_id(const struct hxc__h2 *h, void *user);

int hxc__h2_open_streams(const struct hxc__h2 *h);
int hxc__h2_want_read(const struct hxc__h2 *h);
int hxc__h2_want_write(const struct hxc__h2 *h);
/* Queues a GOAWAY(NO_ERROR) for a clean shutdown. */
void hxc__h2_shutdown(struct hxc__h2 *h);

/* 1 once the server sent GOAWAY: submit no more requests on this session
 * (streams above its last_stream_id were completed with HXC_E_H2_GOAWAY
 * and may be retried on a new connection). */
int hxc__h2_goaway_received(const struct hxc__h2 *h);
/* 1 while a new request may be submitted (not closed, no GOAWAY either
 * way, stream ids left). */
int hxc__h2_can_submit(const struct hxc__h2 *h);
/* RFC 9113 error code name: "REFUSED_STREAM"; "unknown error code". */
const char *hxc__h2_error_code_name(uint32_t code);

#endif
