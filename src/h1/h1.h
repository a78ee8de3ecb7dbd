/*
 * HTTP/1.1 engine: request writer and response parser (llhttp). No I/O.
 * One request in flight at a time per connection; after a complete response
 * the connection may be reused when hxc__h1_reusable() says so.
 */
#ifndef HXC_H1_H1_H
#define HXC_H1_H1_H

#include "base/proto.h"

struct hxc__h1;

/* max_header_bytes: limit on the status line + headers (0 = 65536);
 * over it the request fails with HXC_E_HTTP_HEADERS_TOO_LARGE. */
struct hxc__h1 *hxc__h1_new(const struct hxc__msg_events *ev, size_t max_header_bytes);
void hxc__h1_free(struct hxc__h1 *h);

/* Queues the request bytes (request line, Host, given headers,
 * Content-Length when has_body, body). Fails when a request is in flight. */
hxc_status hxc__h1_submit(struct hxc__h1 *h, const struct hxc__req_desc *req, int is_head,
                          hxc_error *err);

/* Bytes waiting to be sent (pointer valid until the next call on h). With a
 * streamed body this pulls from body_read, so on_complete may run from
 * here (a failing source), as from hxc__h1_cancel. */
size_t hxc__h1_pending_out(struct hxc__h1 *h, const uint8_t **data);
void hxc__h1_consume_out(struct hxc__h1 *h, size_t n);

/* Feeds bytes from the peer. Events fire from inside. Returns HXC_OK or the
 * connection-level error (the in-flight request is completed with it first). */
hxc_status hxc__h1_feed(struct hxc__h1 *h, const uint8_t *data, size_t len, hxc_error *err);

/* The peer closed the stream cleanly (EOF / close_notify): completes a
 * close-delimited body, or fails the request with HXC_E_HTTP_TRUNCATED /
 * HXC_E_CONN_CLOSED when the response was incomplete. */
void hxc__h1_eof(struct hxc__h1 *h);

/* Fails the in-flight request (if any) with this error (timeouts, I/O). */
void hxc__h1_abort(struct hxc__h1 *h, const hxc_error *err);

/* A streamed upload paused (body_read gave no data) can go on. */
void hxc__h1_resume(struct hxc__h1 *h);
/* Cancels the in-flight request: on_complete(HXC_E_CANCELLED) from inside
 * this call; the connection is no longer reusable. */
void hxc__h1_cancel(struct hxc__h1 *h);
/* The in-flight response's body is delimited by the connection's close. */
int hxc__h1_close_delimited(const struct hxc__h1 *h);

int hxc__h1_busy(const struct hxc__h1 *h);     /* a request is in flight */
int hxc__h1_reusable(const struct hxc__h1 *h); /* idle and keep-alive allowed */

#endif
