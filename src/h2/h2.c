/*
 * HTTP/2 engine: an nghttp2 client session driven with mem_recv / mem_send.
 * No I/O here: the driver feeds received plaintext with hxc__h2_feed() and
 * drains what to send with hxc__h2_pending_out() / hxc__h2_consume_out().
 *
 * Streams. Each submitted request owns a struct h2_stream, allocated here,
 * attached to its nghttp2 stream as stream user data and linked into
 * h->head..h->tail (submission order) so that connection-level failures can
 * reach every stream, even one whose HEADERS frame is still queued.
 *
 * Completion. A stream is "completed" exactly once (on_complete); after that
 * its events are dropped and its body pointer forgotten, but the struct lives
 * on until nghttp2 lets go of the stream (on_stream_close, or a request
 * HEADERS frame that could not be sent), or until hxc__h2_free().
 *
 * Reentrancy. Events run inside hxc__h2_feed(), hxc__h2_pending_out(),
 * hxc__h2_eof(), hxc__h2_abort() and hxc__h2_cancel(). From inside an event
 * (on_complete in particular) the caller may call hxc__h2_submit(),
 * hxc__h2_cancel(), hxc__h2_resume() and the read-only accessors; it must not
 * call hxc__h2_free(), hxc__h2_feed(), hxc__h2_pending_out() or
 * hxc__h2_consume_out() on the same session. hxc__h2_stream_id() still
 * answers for a request from inside its own on_complete.
 *
 * Request bodies. An in-memory body is linked; a body source (body_read) is
 * pulled by nghttp2's data provider straight into its DATA frame buffer, one
 * frame at a time, and only while hxc__h2_pending_out() fills its 16 KiB
 * output buffer: an upload never sits in memory beyond that, and the
 * server's flow-control window paces it. A pull with no bytes and no eof
 * defers the stream (NGHTTP2_ERR_DEFERRED) until hxc__h2_resume(). A source
 * that fails, or gives fewer or more bytes than announced, cancels that
 * stream (RST_STREAM CANCEL) and completes it with the error.
 *
 * Cancel. hxc__h2_cancel() queues RST_STREAM(CANCEL) (or drops the request
 * HEADERS when still queued) and completes the request at once with
 * HXC_E_CANCELLED; the stream's struct lives on, silent, until nghttp2
 * closes the stream, and is freed exactly once like any other.
 *
 * Response bodies stream out through on_body as DATA frames arrive; nothing
 * is buffered here. Flow control is ours, not nghttp2's automatic
 * WINDOW_UPDATEs: every DATA byte is consumed at once at the connection
 * level (a 1 GiB window), and at the stream level (16 MiB windows) at once
 * too, unless the stream is held (hxc__h2_hold: a pull-style reader): then
 * only what the reader takes (hxc__h2_consumed) reopens that stream's
 * window, so an unread stream stops only itself, after at most its window,
 * while the others go on.
 */
#include "h2/h2.h"

#include <nghttp2/nghttp2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/err.h"

#define H2_STREAM_WINDOW (16 * 1024 * 1024) /* receive window of each stream */
#define H2_CONN_WINDOW (1024 * 1024 * 1024) /* the connection's: never the limit */
#define H2_OUT_TARGET 16384              /* buffer this much output before stopping */
#define H2_OUT_INITIAL 32768
#define H2_DEFAULT_MAX_HEADER_BYTES 65536
#define H2_MAX_CONTINUATIONS 16
#define H2_HEADER_OVERHEAD 32            /* RFC 9113 6.5.2: name + value + 32 */

enum phase {
    PH_HEAD, /* waiting for the final (non-1xx) response head */
    PH_BODY  /* final head done: a later HEADERS block is the trailers */
};

struct h2_stream {
    struct hxc__h2 *h;
    struct h2_stream *prev, *next;
    int32_t id;
    void *user;
    const uint8_t *body; /* linked request body, until completion */
    size_t body_len;
    size_t body_off;
    /* streamed request body (instead of body), until completion */
    int (*body_read)(void *user, uint8_t *buf, size_t cap, size_t *len, int *eof);
    int64_t read_length; /* announced length, or -1 */
    uint64_t read_bytes; /* pulled so far */
    int read_deferred;   /* the source had nothing: waiting for resume */
    int headers_sent;    /* the request HEADERS went out */
    enum phase phase;
    int block_final;     /* the HEADERS block being read carries a final :status */
    int block_interim;   /* ... carries a 1xx :status */
    int block_trailers;  /* ... is the trailer section */
    size_t block_bytes;  /* header list size of that block so far */
    int end_stream;      /* END_STREAM received */
    int remote_reset;    /* RST_STREAM received */
    int local_reset;     /* we sent RST_STREAM */
    uint32_t local_reset_code;
    int lib_error;       /* nghttp2 error that made us reset it, if any */
    int completed;
    int held;            /* stream window reopened only by hxc__h2_consumed */
    size_t held_bytes;   /* received on a held stream, not yet consumed */
};

struct hxc__h2 {
    nghttp2_session *s;
    const struct hxc__msg_events *ev;
    size_t max_header_bytes;
    struct h2_stream *head, *tail;
    int open; /* streams submitted and not yet completed */
    uint8_t *out;
    size_t out_off, out_len, out_cap;
    int dead;           /* no more I/O: EOF, abort, or a fatal nghttp2 error */
    int conn_failed;    /* a connection error completed every stream */
    hxc_error conn_err; /* ...with this error, returned by later feeds */
    int goaway_received;
    int32_t goaway_last_id;
    uint32_t goaway_code;
    int shutdown;
    int settings_received;           /* the server's first SETTINGS arrived */
    struct h2_stream *completing;    /* whose on_complete is running */
    int last_lib_error; /* from error_callback2 / invalid frames during this feed */
    char last_lib_msg[160];
};

/* ------------------------------------------------------------ names */

static const char *const h2_code_names[] = {
    "NO_ERROR",           "PROTOCOL_ERROR",      "INTERNAL_ERROR",     "FLOW_CONTROL_ERROR",
    "SETTINGS_TIMEOUT",   "STREAM_CLOSED",       "FRAME_SIZE_ERROR",   "REFUSED_STREAM",
    "CANCEL",             "COMPRESSION_ERROR",   "CONNECT_ERROR",      "ENHANCE_YOUR_CALM",
    "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED",
};

const char *hxc__h2_error_code_name(uint32_t code)
{
    if (code < sizeof h2_code_names / sizeof h2_code_names[0])
        return h2_code_names[code];
    return "unknown error code";
}

/* ------------------------------------------------------- completion */

static void complete(struct h2_stream *st, hxc_status status, const hxc_error *err)
{
    struct hxc__h2 *h = st->h;
    struct h2_stream *outer = h->completing;
    if (st->completed)
        return;
    st->completed = 1;
    st->body = NULL;
    st->body_len = st->body_off = 0;
    st->body_read = NULL;
    h->open--;
    h->completing = st;
    h->ev->on_complete(st->user, status, status == HXC_OK ? NULL : err);
    h->completing = outer;
}

static void complete_errf(struct h2_stream *st, hxc_status code, long detail, const char *fmt,
                          ...) HXC__PRINTF(4, 5);

static void complete_errf(struct h2_stream *st, hxc_status code, long detail, const char *fmt,
                          ...)
{
    hxc_error e;
    va_list ap;
    if (st->completed)
        return;
    e.code = code;
    e.detail = detail;
    va_start(ap, fmt);
    vsnprintf(e.message, sizeof e.message, fmt, ap);
    va_end(ap);
    complete(st, code, &e);
}

/* Completes every stream not yet completed with err. Callers set a flag
 * (dead / goaway_received) first so that a submit from on_complete is
 * refused and the list does not grow while we walk it. */
static void fail_all(struct hxc__h2 *h, const hxc_error *err)
{
    struct h2_stream *st, *next;
    for (st = h->head; st != NULL; st = next) {
        next = st->next;
        complete(st, err->code, err);
    }
}

static void conn_fail(struct hxc__h2 *h, hxc_status code, long detail, const char *fmt, ...)
    HXC__PRINTF(4, 5);

static void conn_fail(struct hxc__h2 *h, hxc_status code, long detail, const char *fmt, ...)
{
    va_list ap;
    if (h->conn_failed)
        return;
    h->conn_failed = 1;
    h->conn_err.code = code;
    h->conn_err.detail = detail;
    va_start(ap, fmt);
    vsnprintf(h->conn_err.message, sizeof h->conn_err.message, fmt, ap);
    va_end(ap);
    fail_all(h, &h->conn_err);
}

/* A response callback returned non-zero: cancel that stream only. */
static void abort_stream(struct h2_stream *st)
{
    if (st->completed)
        return;
    nghttp2_submit_rst_stream(st->h->s, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_CANCEL);
    complete_errf(st, HXC_E_CALLBACK_ABORT, 0,
                  "the response callback aborted the request (HTTP/2 stream %d)", (int)st->id);
}

static void unlink_free(struct hxc__h2 *h, struct h2_stream *st)
{
    if (st->prev)
        st->prev->next = st->next;
    else
        h->head = st->next;
    if (st->next)
        st->next->prev = st->prev;
    else
        h->tail = st->prev;
    if (!st->completed)
        h->open--;
    free(st);
}

static struct h2_stream *stream_of(struct hxc__h2 *h, int32_t id)
{
    struct h2_stream *st = nghttp2_session_get_stream_user_data(h->s, id);
    return (st != NULL && !st->completed) ? st : NULL;
}

static struct h2_stream *find_by_id(struct hxc__h2 *h, int32_t id)
{
    for (struct h2_stream *st = h->head; st != NULL; st = st->next)
        if (st->id == id)
            return st;
    return NULL;
}

/* The request carrying `user` that is not completed yet (newest first). */
static struct h2_stream *find_by_user(const struct hxc__h2 *h, const void *user)
{
    for (struct h2_stream *st = h->tail; st != NULL; st = st->prev)
        if (st->user == user && !st->completed)
            return st;
    return NULL;
}

/* ----------------------------------------------------- response head */

static void on_status_value(struct h2_stream *st, const uint8_t *v, size_t len)
{
    const struct hxc__msg_events *ev = st->h->ev;
    int status = 0;
    for (size_t i = 0; i < len && i < 3; i++)
        status = status * 10 + (v[i] - '0'); /* nghttp2 checked: 3 digits */
    st->block_interim = status >= 100 && status <= 199;
    st->block_final = !st->block_interim;
    if (ev->on_status && ev->on_status(st->user, status, 20, "", 0, st->block_interim) != 0)
        abort_stream(st);
}

static void headers_too_large(struct h2_stream *st)
{
    struct hxc__h2 *h = st->h;
    nghttp2_submit_rst_stream(h->s, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_CANCEL);
    complete_errf(st, HXC_E_HTTP_HEADERS_TOO_LARGE, (long)h->max_header_bytes,
                  "the server's HTTP/2 %s on stream %d exceed the limit of %zu bytes",
                  st->block_trailers ? "trailers" : "response headers", (int)st->id,
                  h->max_header_bytes);
}

static int cb_begin_headers(nghttp2_session *s, const nghttp2_frame *frame, void *ud)
{
    struct h2_stream *st;
    (void)s;
    if (frame->hd.type != NGHTTP2_HEADERS)
        return 0;
    st = stream_of(ud, frame->hd.stream_id);
    if (st == NULL)
        return 0;
    st->block_bytes = 0;
    st->block_final = st->block_interim = 0;
    st->block_trailers = st->phase == PH_BODY;
    return 0;
}

static int cb_header(nghttp2_session *s, const nghttp2_frame *frame, const uint8_t *name,
                     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                     void *ud)
{
    struct hxc__h2 *h = ud;
    struct h2_stream *st;
    (void)s;
    (void)flags;
    if (frame->hd.type != NGHTTP2_HEADERS)
        return 0;
    st = stream_of(h, frame->hd.stream_id);
    if (st == NULL)
        return 0;
    st->block_bytes += namelen + valuelen + H2_HEADER_OVERHEAD;
    if (st->block_bytes > h->max_header_bytes) {
        headers_too_large(st);
        return 0;
    }
    if (namelen > 0 && name[0] == ':') {
        if (namelen == 7 && memcmp(name, ":status", 7) == 0 && !st->block_trailers)
            on_status_value(st, value, valuelen);
        return 0;
    }
    if (st->block_interim)
        return 0; /* headers of 1xx responses are not reported */
    int (*fn)(void *, const char *, size_t, const char *, size_t) = h->ev->on_header;
    if (st->block_trailers && h->ev->on_trailer != NULL)
        fn = h->ev->on_trailer;
    if (fn != NULL && fn(st->user, (const char *)name, namelen, (const char *)value, valuelen))
        abort_stream(st);
    return 0;
}

static void headers_block_done(struct h2_stream *st)
{
    const struct hxc__msg_events *ev = st->h->ev;
    if (!st->block_final)
        return;
    st->block_final = 0;
    st->phase = PH_BODY;
    if (ev->on_headers_done && ev->on_headers_done(st->user) != 0)
        abort_stream(st);
}

/* ----------------------------------------------------------- GOAWAY */

static void goaway_received(struct hxc__h2 *h, const nghttp2_goaway *g)
{
    struct h2_stream *st, *next;
    h->goaway_received = 1;
    h->goaway_last_id = g->last_stream_id;
    h->goaway_code = g->error_code;
    /* RFC 9113 6.8: streams above last_stream_id were not processed and
     * can be retried on another connection; the others go on. */
    for (st = h->head; st != NULL; st = next) {
        next = st->next;
        if (st->id <= g->last_stream_id)
            continue;
        complete_errf(st, HXC_E_H2_GOAWAY, (long)g->error_code,
                      "the server sent GOAWAY (%s) before processing this request",
                      hxc__h2_error_code_name(g->error_code));
    }
}

/* --------------------------------------------------- frame callbacks */

static int cb_frame_recv(nghttp2_session *s, const nghttp2_frame *frame, void *ud)
{
    struct hxc__h2 *h = ud;
    struct h2_stream *st = NULL;
    (void)s;
    if (frame->hd.stream_id != 0)
        st = nghttp2_session_get_stream_user_data(h->s, frame->hd.stream_id);
    switch (frame->hd.type) {
    case NGHTTP2_HEADERS:
        if (st != NULL && !st->completed)
            headers_block_done(st);
        /* fall through */
    case NGHTTP2_DATA:
        if (st != NULL && (frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
            st->end_stream = 1;
        break;
    case NGHTTP2_RST_STREAM:
        if (st != NULL)
            st->remote_reset = 1;
        break;
    case NGHTTP2_GOAWAY:
        goaway_received(h, &frame->goaway);
        break;
    case NGHTTP2_SETTINGS:
        if (!(frame->hd.flags & NGHTTP2_FLAG_ACK))
            h->settings_received = 1;
        break;
    default:
        break;
    }
    return 0;
}

static int cb_data_chunk(nghttp2_session *s, uint8_t flags, int32_t stream_id,
                         const uint8_t *data, size_t len, void *ud)
{
    struct hxc__h2 *h = ud;
    struct h2_stream *st = stream_of(h, stream_id);
    (void)s;
    (void)flags;
    (void)nghttp2_session_consume_connection(s, len);
    if (st != NULL && h->ev->on_body != NULL && len > 0 &&
        h->ev->on_body(st->user, data, len) != 0)
        abort_stream(st);
    if (st != NULL && st->held && !st->completed)
        st->held_bytes += len; /* its reader reopens the window (hxc__h2_consumed) */
    else
        (void)nghttp2_session_consume_stream(s, stream_id, len);
    return 0;
}

static void stream_closed(struct h2_stream *st, uint32_t code)
{
    struct hxc__h2 *h = st->h;
    const char *name = hxc__h2_error_code_name(code);
    if (code == NGHTTP2_NO_ERROR && st->end_stream) {
        complete(st, HXC_OK, NULL);
    } else if (st->local_reset) {
        complete_errf(st, HXC_E_H2_PROTOCOL, st->lib_error ? st->lib_error : (long)code,
                      "HTTP/2 protocol error on stream %d: %s (the client reset the stream "
                      "with %s)",
                      (int)st->id,
                      st->lib_error ? nghttp2_strerror(st->lib_error)
                                    : "malformed response from the server",
                      hxc__h2_error_code_name(st->local_reset_code));
    } else if (h->goaway_received && st->id > h->goaway_last_id) {
        complete_errf(st, HXC_E_H2_GOAWAY, (long)h->goaway_code,
                      "the server sent GOAWAY (%s) before processing this request",
                      hxc__h2_error_code_name(h->goaway_code));
    } else if (st->remote_reset) {
        complete_errf(st, HXC_E_H2_STREAM_RESET, (long)code,
                      "stream reset by the server: %s (0x%x)", name, (unsigned)code);
    } else {
        complete_errf(st, HXC_E_H2_STREAM_RESET, (long)code,
                      "stream closed before the response was complete: %s (0x%x)", name,
                      (unsigned)code);
    }
}

/* Never returns a fatal error: that would tear down every other stream. */
static int cb_stream_close(nghttp2_session *s, int32_t stream_id, uint32_t error_code,
                           void *ud)
{
    struct hxc__h2 *h = ud;
    struct h2_stream *st = nghttp2_session_get_stream_user_data(s, stream_id);
    if (st == NULL)
        return 0;
    stream_closed(st, error_code);
    nghttp2_session_set_stream_user_data(s, stream_id, NULL);
    unlink_free(h, st);
    return 0;
}

/* We sent GOAWAY with an error: nghttp2 found a connection error in what
 * the server sent (it reports most of them this way, not through a
 * negative mem_recv). Describe it with the best text we have. */
static void connection_error_sent(struct hxc__h2 *h, const nghttp2_goaway *g)
{
    const char *code = hxc__h2_error_code_name(g->error_code);
    const char *desc = h->last_lib_msg[0]     ? h->last_lib_msg
                       : h->last_lib_error != 0 ? nghttp2_strerror(h->last_lib_error)
                                                : code;
    int why_len = g->opaque_data != NULL ? (int)g->opaque_data_len : 0;
    conn_fail(h, HXC_E_H2_PROTOCOL, h->last_lib_error ? h->last_lib_error : (long)g->error_code,
              "HTTP/2 protocol error: %s%s%.*s%s; the client closed the connection (GOAWAY %s)",
              desc, why_len ? " (" : "", why_len, why_len ? (const char *)g->opaque_data : "",
              why_len ? ")" : "", code);
}

static int cb_frame_send(nghttp2_session *s, const nghttp2_frame *frame, void *ud)
{
    struct hxc__h2 *h = ud;
    struct h2_stream *st;
    if (frame->hd.type == NGHTTP2_GOAWAY && frame->goaway.error_code != NGHTTP2_NO_ERROR) {
        connection_error_sent(h, &frame->goaway);
        return 0;
    }
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
        st = nghttp2_session_get_stream_user_data(s, frame->hd.stream_id);
        if (st != NULL)
            st->headers_sent = 1;
        return 0;
    }
    if (frame->hd.type != NGHTTP2_RST_STREAM)
        return 0;
    st = nghttp2_session_get_stream_user_data(s, frame->hd.stream_id);
    if (st != NULL) {
        st->local_reset = 1;
        st->local_reset_code = frame->rst_stream.error_code;
    }
    return 0;
}

static int cb_frame_not_send(nghttp2_session *s, const nghttp2_frame *frame, int lib_error,
                             void *ud)
{
    struct hxc__h2 *h = ud;
    struct h2_stream *st;
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0;
    st = find_by_id(h, frame->hd.stream_id);
    if (st == NULL)
        return 0;
    if (h->goaway_received)
        complete_errf(st, HXC_E_H2_GOAWAY, (long)h->goaway_code,
                      "the server sent GOAWAY (%s) before processing this request",
                      hxc__h2_error_code_name(h->goaway_code));
    else
        complete_errf(st, HXC_E_H2_PROTOCOL, lib_error,
                      "HTTP/2 request could not be sent on stream %d: %s", (int)st->id,
                      nghttp2_strerror(lib_error));
    nghttp2_session_set_stream_user_data(s, frame->hd.stream_id, NULL);
    unlink_free(h, st);
    return 0;
}

static int cb_invalid_frame(nghttp2_session *s, const nghttp2_frame *frame, int lib_error,
                            void *ud)
{
    struct hxc__h2 *h = ud;
    struct h2_stream *st = NULL;
    if (frame->hd.stream_id != 0)
        st = nghttp2_session_get_stream_user_data(s, frame->hd.stream_id);
    if (st != NULL)
        st->lib_error = lib_error;
    else
        h->last_lib_error = lib_error;
    return 0;
}

static int cb_error(nghttp2_session *s, int lib_error, const char *msg, size_t len, void *ud)
{
    struct hxc__h2 *h = ud;
    (void)s;
    h->last_lib_error = lib_error;
    snprintf(h->last_lib_msg, sizeof h->last_lib_msg, "%.*s", (int)len, msg);
    return 0;
}

/* ------------------------------------------------------- request body */

/* The body source failed: cancel this stream only. */
static ssize_t upload_failed(struct h2_stream *st, hxc_status code, const char *fmt, ...)
    HXC__PRINTF(3, 4);

static ssize_t upload_failed(struct h2_stream *st, hxc_status code, const char *fmt, ...)
{
    hxc_error e;
    va_list ap;
    va_start(ap, fmt);
    hxc__verr(&e, code, 0, fmt, ap);
    va_end(ap);
    nghttp2_submit_rst_stream(st->h->s, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_CANCEL);
    complete(st, code, &e);
    return NGHTTP2_ERR_DEFERRED; /* the reset closes the stream */
}

/* Checks one pull against the announced length. 0 when fine. */
static int pull_error(struct h2_stream *st, size_t n, size_t cap, int eof)
{
    unsigned long long want = (unsigned long long)st->read_length;
    int id = (int)st->id;
    if (n > cap)
        return (int)upload_failed(st, HXC_E_INVALID_ARGUMENT,
                                  "the request body source reported %zu bytes read into a "
                                  "%zu-byte buffer (HTTP/2 stream %d)",
                                  n, cap, id);
    if (st->read_length < 0)
        return 0;
    if (st->read_bytes + n > want)
        return (int)upload_failed(st, HXC_E_INVALID_ARGUMENT,
                                  "the request body source produced more than the %llu bytes "
                                  "it announced (HTTP/2 stream %d)",
                                  want, id);
    if (eof && st->read_bytes + n < want)
        return (int)upload_failed(st, HXC_E_INVALID_ARGUMENT,
                                  "the request body source ended after %llu of %llu bytes "
                                  "(HTTP/2 stream %d)",
                                  (unsigned long long)(st->read_bytes + n), want, id);
    return 0;
}

/* One DATA frame's worth from the body source, straight into nghttp2's
 * frame buffer. */
static ssize_t read_source(struct h2_stream *st, uint8_t *buf, size_t length,
                           uint32_t *data_flags)
{
    size_t cap = length, n = 0;
    int eof = 0;
    if (st->read_length >= 0 && (uint64_t)st->read_length - st->read_bytes < cap)
        cap = (size_t)((uint64_t)st->read_length - st->read_bytes) + 1; /* +1 spots excess */
    if (st->body_read(st->user, buf, cap, &n, &eof) != 0)
        return upload_failed(st, HXC_E_CALLBACK_ABORT,
                             "the request body source aborted the upload after %llu bytes "
                             "(HTTP/2 stream %d)",
                             (unsigned long long)st->read_bytes, (int)st->id);
    if (pull_error(st, n, cap, eof) != 0)
        return NGHTTP2_ERR_DEFERRED;
    st->read_bytes += n;
    if (eof) {
        *data_flags |= NGHTTP2_DATA_FLAG_EOF;
        return (ssize_t)n;
    }
    if (n == 0) {
        st->read_deferred = 1;
        return NGHTTP2_ERR_DEFERRED;
    }
    return (ssize_t)n;
}

static ssize_t read_body(nghttp2_session *s, int32_t stream_id, uint8_t *buf, size_t length,
                         uint32_t *data_flags, nghttp2_data_source *source, void *ud)
{
    struct h2_stream *st = source->ptr;
    size_t n;
    (void)s;
    (void)stream_id;
    (void)ud;
    if (st->completed)
        return NGHTTP2_ERR_DEFERRED; /* body unlinked; a reset is on its way */
    if (st->body_read != NULL)
        return read_source(st, buf, length, data_flags);
    n = st->body_len - st->body_off;
    if (n > length)
        n = length;
    if (n > 0)
        memcpy(buf, st->body + st->body_off, n);
    st->body_off += n;
    if (st->body_off == st->body_len)
        *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

/* ---------------------------------------------------------- session */

static int setup_callbacks(nghttp2_session_callbacks **out)
{
    nghttp2_session_callbacks *cb;
    int rv = nghttp2_session_callbacks_new(&cb);
    if (rv != 0)
        return rv;
    nghttp2_session_callbacks_set_on_begin_headers_callback(cb, cb_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cb, cb_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, cb_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, cb_data_chunk);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, cb_stream_close);
    nghttp2_session_callbacks_set_on_frame_send_callback(cb, cb_frame_send);
    nghttp2_session_callbacks_set_on_frame_not_send_callback(cb, cb_frame_not_send);
    nghttp2_session_callbacks_set_on_invalid_frame_recv_callback(cb, cb_invalid_frame);
    nghttp2_session_callbacks_set_error_callback2(cb, cb_error);
    *out = cb;
    return 0;
}

static int create_session(struct hxc__h2 *h)
{
    nghttp2_session_callbacks *cb;
    nghttp2_option *opt;
    int rv = setup_callbacks(&cb);
    if (rv != 0)
        return rv;
    rv = nghttp2_option_new(&opt);
    if (rv != 0) {
        nghttp2_session_callbacks_del(cb);
        return rv;
    }
    nghttp2_option_set_max_continuations(opt, H2_MAX_CONTINUATIONS);
    nghttp2_option_set_no_auto_window_update(opt, 1); /* cb_data_chunk consumes */
    rv = nghttp2_session_client_new2(&h->s, cb, h, opt);
    nghttp2_option_del(opt);
    nghttp2_session_callbacks_del(cb);
    return rv;
}

static int queue_settings(struct hxc__h2 *h)
{
    nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, H2_STREAM_WINDOW},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, (uint32_t)h->max_header_bytes},
    };
    int rv = nghttp2_submit_settings(h->s, NGHTTP2_FLAG_NONE, iv, sizeof iv / sizeof iv[0]);
    if (rv != 0)
        return rv;
    return nghttp2_session_set_local_window_size(h->s, NGHTTP2_FLAG_NONE, 0, H2_CONN_WINDOW);
}

struct hxc__h2 *hxc__h2_new(const struct hxc__msg_events *ev, size_t max_header_bytes,
                            hxc_error *err)
{
    struct hxc__h2 *h;
    int rv;
    if (ev == NULL || ev->on_complete == NULL) {
        hxc__err(err, HXC_E_INVALID_ARGUMENT, 0,
                 "HTTP/2 session needs response events with an on_complete callback");
        return NULL;
    }
    h = calloc(1, sizeof *h);
    if (h == NULL) {
        hxc__err(err, HXC_E_NOMEM, 0, "out of memory creating an HTTP/2 session");
        return NULL;
    }
    h->ev = ev;
    h->max_header_bytes = max_header_bytes ? max_header_bytes : H2_DEFAULT_MAX_HEADER_BYTES;
    if ((uint64_t)h->max_header_bytes > UINT32_MAX) /* SETTINGS values are 32-bit */
        h->max_header_bytes = UINT32_MAX;
    rv = create_session(h);
    if (rv == 0)
        rv = queue_settings(h);
    if (rv != 0) {
        hxc__err(err, rv == NGHTTP2_ERR_NOMEM ? HXC_E_NOMEM : HXC_E_INTERNAL, rv,
                 "could not create the HTTP/2 session: %s", nghttp2_strerror(rv));
        hxc__h2_free(h);
        return NULL;
    }
    return h;
}

void hxc__h2_free(struct hxc__h2 *h)
{
    struct h2_stream *st, *next;
    if (h == NULL)
        return;
    nghttp2_session_del(h->s); /* calls no callbacks */
    for (st = h->head; st != NULL; st = next) {
        next = st->next;
        free(st);
    }
    free(h->out);
    free(h);
}

/* ------------------------------------------------------------ submit */

static int ieq(const char *a, size_t alen, const char *lit)
{
    size_t n = strlen(lit);
    return alen == n && strncasecmp(a, lit, n) == 0;
}

static const char *const connection_specific[] = {
    "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade",
};

/* RFC 9113 8.2.2: connection-specific fields are malformed in HTTP/2. */
static hxc_status check_header(const struct hxc__hdr *hd, const uint8_t *lower, hxc_error *err)
{
    int nlen = (int)hd->name_len;
    if (hd->name_len == 0)
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0, "empty request header name");
    if (hd->name[0] == ':')
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0,
                        "request header '%.*s': pseudo-headers are set by hxc", nlen, hd->name);
    for (size_t i = 0; i < sizeof connection_specific / sizeof connection_specific[0]; i++)
        if (ieq(hd->name, hd->name_len, connection_specific[i]))
            return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0,
                            "request header '%s' is connection-specific and not allowed in "
                            "HTTP/2",
                            connection_specific[i]);
    if (ieq(hd->name, hd->name_len, "te") && !ieq(hd->value, hd->value_len, "trailers"))
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0,
                        "request header 'te' may only be 'trailers' in HTTP/2 (got '%.*s')",
                        (int)hd->value_len, hd->value);
    if (!nghttp2_check_header_name(lower, hd->name_len))
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0,
                        "request header name '%.*s' contains an invalid character", nlen,
                        hd->name);
    if (!nghttp2_check_header_value((const uint8_t *)hd->value, hd->value_len))
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0,
                        "value of request header '%.*s' contains an invalid character", nlen,
                        hd->name);
    return HXC_OK;
}

static nghttp2_nv make_nv(const void *name, size_t nlen, const void *value, size_t vlen)
{
    nghttp2_nv nv;
    nv.name = (uint8_t *)(uintptr_t)name;
    nv.namelen = nlen;
    nv.value = (uint8_t *)(uintptr_t)value;
    nv.valuelen = vlen;
    nv.flags = NGHTTP2_NV_FLAG_NONE; /* nghttp2 copies both */
    return nv;
}

static nghttp2_nv nv_str(const char *name, const char *value)
{
    return make_nv(name, strlen(name), value, strlen(value));
}

struct nv_list {
    nghttp2_nv *nv;
    size_t n;
    uint8_t *names; /* lowercased copies of the caller's names */
    char ua[64];
    char clen[32];
};

static hxc_status add_caller_headers(struct nv_list *l, const struct hxc__req_desc *req,
                                     hxc_error *err)
{
    int have_ua = 0, have_accept = 0;
    uint8_t *p = l->names;
    for (size_t i = 0; i < req->nheaders; i++) {
        const struct hxc__hdr *hd = &req->headers[i];
        for (size_t k = 0; k < hd->name_len; k++) {
            unsigned char c = (unsigned char)hd->name[k];
            p[k] = (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
        }
        if (check_header(hd, p, err) != HXC_OK)
            return err ? err->code : HXC_E_INVALID_ARGUMENT;
        /* :authority replaces Host; content-length is computed below */
        if (ieq(hd->name, hd->name_len, "host") || ieq(hd->name, hd->name_len, "content-length"))
            continue;
        have_ua |= ieq(hd->name, hd->name_len, "user-agent");
        have_accept |= ieq(hd->name, hd->name_len, "accept");
        l->nv[l->n++] = make_nv(p, hd->name_len, hd->value, hd->value_len);
        p += hd->name_len;
    }
    if (!have_ua) {
        snprintf(l->ua, sizeof l->ua, "hxc/%s", HXC_VERSION_STRING);
        l->nv[l->n++] = nv_str("user-agent", l->ua);
    }
    if (!have_accept)
        l->nv[l->n++] = nv_str("accept", "*/*");
    if (req->body_read != NULL && req->body_read_length >= 0) {
        snprintf(l->clen, sizeof l->clen, "%lld", (long long)req->body_read_length);
        l->nv[l->n++] = nv_str("content-length", l->clen);
    } else if (req->has_body && req->body_read == NULL) {
        snprintf(l->clen, sizeof l->clen, "%zu", req->body_len);
        l->nv[l->n++] = nv_str("content-length", l->clen);
    }
    return HXC_OK;
}

static hxc_status build_nv(struct nv_list *l, const struct hxc__req_desc *req, hxc_error *err)
{
    size_t names = 1;
    for (size_t i = 0; i < req->nheaders; i++)
        names += req->headers[i].name_len;
    l->nv = calloc(req->nheaders + 7, sizeof *l->nv);
    l->names = malloc(names);
    if (l->nv == NULL || l->names == NULL)
        return hxc__err(err, HXC_E_NOMEM, 0, "out of memory building HTTP/2 request headers");
    l->nv[l->n++] = nv_str(":method", req->method);
    l->nv[l->n++] = nv_str(":scheme", req->scheme);
    l->nv[l->n++] = nv_str(":authority", req->authority);
    l->nv[l->n++] = nv_str(":path", req->path);
    return add_caller_headers(l, req, err);
}

static hxc_status check_submit(struct hxc__h2 *h, const struct hxc__req_desc *req,
                               hxc_error *err)
{
    if (req == NULL || req->method == NULL || req->scheme == NULL || req->authority == NULL ||
        req->path == NULL || req->method[0] == '\0' || req->path[0] == '\0' ||
        (req->nheaders > 0 && req->headers == NULL) ||
        (req->body_len > 0 && req->body == NULL))
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0,
                        "HTTP/2 request needs a method, scheme, authority and path");
    if (req->body_read != NULL && (req->body != NULL || req->body_len != 0))
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0,
                        "the request has both an in-memory body and a body source");
    if (req->body_read != NULL && req->body_read_length < -1)
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, (long)req->body_read_length,
                        "invalid length %lld for the request body source (use -1 when unknown)",
                        (long long)req->body_read_length);
    if (h->conn_failed || h->dead)
        return hxc__err(err, HXC_E_CONN_CLOSED, 0,
                        "the HTTP/2 connection is closed; the request was not sent");
    if (h->goaway_received)
        return hxc__err(err, HXC_E_H2_GOAWAY, (long)h->goaway_code,
                        "the server sent GOAWAY (%s); no new requests on this connection",
                        hxc__h2_error_code_name(h->goaway_code));
    if (h->shutdown)
        return hxc__err(err, HXC_E_CONN_CLOSED, 0,
                        "the HTTP/2 connection is shutting down; the request was not sent");
    return HXC_OK;
}

static int32_t submit_nv(struct hxc__h2 *h, const struct nv_list *l,
                         const struct hxc__req_desc *req, hxc_error *err)
{
    struct h2_stream *st = calloc(1, sizeof *st);
    nghttp2_data_provider prd;
    int32_t id;
    if (st == NULL)
        return -(int32_t)hxc__err(err, HXC_E_NOMEM, 0, "out of memory submitting a request");
    st->h = h;
    st->user = req->user;
    st->body = req->body;
    st->body_len = req->body_len;
    st->body_read = req->body_read;
    st->read_length = req->body_read_length;
    prd.source.ptr = st;
    prd.read_callback = read_body;
    id = nghttp2_submit_request(h->s, NULL, l->nv, l->n,
                                req->body_read != NULL || (req->has_body && req->body_len > 0)
                                    ? &prd
                                    : NULL,
                                st);
    if (id < 0) {
        free(st);
        return -(int32_t)hxc__err(err, id == NGHTTP2_ERR_NOMEM ? HXC_E_NOMEM : HXC_E_H2_PROTOCOL,
                                  id, "could not submit the HTTP/2 request: %s",
                                  nghttp2_strerror(id));
    }
    st->id = id;
    st->prev = h->tail;
    if (h->tail)
        h->tail->next = st;
    else
        h->head = st;
    h->tail = st;
    h->open++;
    return id;
}

int32_t hxc__h2_submit(struct hxc__h2 *h, const struct hxc__req_desc *req, hxc_error *err)
{
    struct nv_list l;
    hxc_status rc;
    int32_t id;
    rc = check_submit(h, req, err);
    if (rc != HXC_OK)
        return -(int32_t)rc;
    memset(&l, 0, sizeof l);
    rc = build_nv(&l, req, err);
    id = rc == HXC_OK ? submit_nv(h, &l, req, err) : -(int32_t)rc;
    free(l.nv);
    free(l.names);
    return id;
}

/* ------------------------------------------------------------ output */

static int out_reserve(struct hxc__h2 *h, size_t more)
{
    size_t need, cap;
    uint8_t *p;
    if (h->out_off > 0) {
        memmove(h->out, h->out + h->out_off, h->out_len - h->out_off);
        h->out_len -= h->out_off;
        h->out_off = 0;
    }
    need = h->out_len + more;
    if (need <= h->out_cap)
        return 0;
    cap = h->out_cap ? h->out_cap : H2_OUT_INITIAL;
    while (cap < need)
        cap *= 2;
    p = realloc(h->out, cap);
    if (p == NULL)
        return -1;
    h->out = p;
    h->out_cap = cap;
    return 0;
}

static void fill_out(struct hxc__h2 *h)
{
    while (!h->dead && h->out_len - h->out_off < H2_OUT_TARGET) {
        const uint8_t *p;
        ssize_t n = nghttp2_session_mem_send(h->s, &p);
        if (n == 0)
            return;
        if (n < 0) {
            h->dead = 1;
            conn_fail(h, n == NGHTTP2_ERR_NOMEM ? HXC_E_NOMEM : HXC_E_H2_PROTOCOL, (long)n,
                      "HTTP/2 protocol error: %s", nghttp2_strerror((int)n));
            return;
        }
        if (out_reserve(h, (size_t)n) != 0) {
            h->dead = 1;
            conn_fail(h, HXC_E_NOMEM, 0, "out of memory buffering HTTP/2 output");
            return;
        }
        memcpy(h->out + h->out_len, p, (size_t)n);
        h->out_len += (size_t)n;
    }
}

size_t hxc__h2_pending_out(struct hxc__h2 *h, const uint8_t **data)
{
    fill_out(h);
    *data = h->out ? h->out + h->out_off : NULL;
    return h->out_len - h->out_off;
}

void hxc__h2_consume_out(struct hxc__h2 *h, size_t n)
{
    size_t avail = h->out_len - h->out_off;
    h->out_off += n < avail ? n : avail;
    if (h->out_off == h->out_len)
        h->out_off = h->out_len = 0;
}

/* ------------------------------------------------------------- input */

static hxc_status report_conn(const struct hxc__h2 *h, hxc_error *err)
{
    if (err != NULL)
        *err = h->conn_err;
    return h->conn_err.code;
}

hxc_status hxc__h2_feed(struct hxc__h2 *h, const uint8_t *data, size_t len, hxc_error *err)
{
    ssize_t rv;
    if (h->conn_failed)
        return report_conn(h, err);
    if (h->dead)
        return hxc__err(err, HXC_E_CONN_CLOSED, 0, "the HTTP/2 connection is closed");
    h->last_lib_error = 0;
    h->last_lib_msg[0] = '\0';
    rv = nghttp2_session_mem_recv(h->s, data, len);
    if (rv < 0) {
        h->dead = 1;
        conn_fail(h, rv == NGHTTP2_ERR_NOMEM ? HXC_E_NOMEM : HXC_E_H2_PROTOCOL, (long)rv,
                  "HTTP/2 protocol error: %s", nghttp2_strerror((int)rv));
        return report_conn(h, err);
    }
    /* A connection error nghttp2 handled itself shows as the GOAWAY it
     * queued: pull output now so the error surfaces from this call. */
    fill_out(h);
    if (h->conn_failed)
        return report_conn(h, err);
    return HXC_OK;
}

void hxc__h2_eof(struct hxc__h2 *h)
{
    int n = h->open;
    h->dead = 1;
    if (n == 0)
        return;
    if (h->goaway_received)
        conn_fail(h, HXC_E_CONN_CLOSED, (long)h->goaway_code,
                  "the server closed the connection with %d stream%s open (after GOAWAY %s)", n,
                  n == 1 ? "" : "s", hxc__h2_error_code_name(h->goaway_code));
    else
        conn_fail(h, HXC_E_CONN_CLOSED, 0,
                  "the server closed the connection with %d stream%s open", n,
                  n == 1 ? "" : "s");
}

void hxc__h2_abort(struct hxc__h2 *h, const hxc_error *err)
{
    h->dead = 1;
    if (h->conn_failed)
        return;
    h->conn_failed = 1;
    if (err != NULL)
        h->conn_err = *err;
    else
        hxc__err(&h->conn_err, HXC_E_INTERNAL, 0, "the HTTP/2 connection was aborted");
    fail_all(h, &h->conn_err);
}

/* --------------------------------------------------------- accessors */

int hxc__h2_max_streams(const struct hxc__h2 *h)
{
    uint32_t v;
    if (!h->settings_received)
        return 1; /* one stream until the server says how many */
    v = nghttp2_session_get_remote_settings(h->s, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
    return v > INT32_MAX ? INT32_MAX : (int)v; /* unlimited is 0xffffffff */
}

int hxc__h2_cancel(struct hxc__h2 *h, void *user)
{
    struct h2_stream *st = find_by_user(h, user);
    if (st == NULL)
        return -1;
    if (!h->dead)
        nghttp2_submit_rst_stream(h->s, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_CANCEL);
    complete_errf(st, HXC_E_CANCELLED, 0, "transfer cancelled");
    return 0;
}

void hxc__h2_resume(struct hxc__h2 *h, void *user)
{
    struct h2_stream *st = find_by_user(h, user);
    if (st == NULL || !st->read_deferred || h->dead)
        return;
    st->read_deferred = 0;
    (void)nghttp2_session_resume_data(h->s, st->id);
}

void hxc__h2_hold(struct hxc__h2 *h, void *user, int hold)
{
    struct h2_stream *st = find_by_user(h, user);
    if (st == NULL || h->dead)
        return;
    st->held = hold;
    if (!hold && st->held_bytes > 0) {
        (void)nghttp2_session_consume_stream(h->s, st->id, st->held_bytes);
        st->held_bytes = 0;
    }
}

void hxc__h2_consumed(struct hxc__h2 *h, void *user, size_t n)
{
    struct h2_stream *st = find_by_user(h, user);
    if (st == NULL || h->dead || !st->held)
        return;
    if (n > st->held_bytes)
        n = st->held_bytes;
    if (n > 0)
        (void)nghttp2_session_consume_stream(h->s, st->id, n);
    st->held_bytes -= n;
}

int32_t hxc__h2_stream_id(const struct hxc__h2 *h, void *user)
{
    const struct h2_stream *st = find_by_user(h, user);
    if (st == NULL && h->completing != NULL && h->completing->user == user)
        st = h->completing;
    return st != NULL && st->headers_sent ? st->id : 0;
}

int hxc__h2_open_streams(const struct hxc__h2 *h)
{
    return h->open;
}

int hxc__h2_want_read(const struct hxc__h2 *h)
{
    if (h->dead)
        return 0;
    return nghttp2_session_want_read(h->s);
}

int hxc__h2_want_write(const struct hxc__h2 *h)
{
    if (h->dead)
        return 0;
    return h->out_len > h->out_off || nghttp2_session_want_write(h->s);
}

int hxc__h2_goaway_received(const struct hxc__h2 *h)
{
    return h->goaway_received;
}

int hxc__h2_can_submit(const struct hxc__h2 *h)
{
    return !h->dead && !h->conn_failed && !h->goaway_received && !h->shutdown &&
           nghttp2_session_get_next_stream_id(h->s) <= INT32_MAX;
}

void hxc__h2_shutdown(struct hxc__h2 *h)
{
    if (h->dead || h->shutdown)
        return;
    h->shutdown = 1;
    nghttp2_submit_goaway(h->s, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(h->s),
                          NGHTTP2_NO_ERROR, NULL, 0);
}
