/*
 * HTTP/1.1 engine: request writer and response parser (llhttp). No I/O:
 * the driver feeds received bytes with hxc__h1_feed(), drains bytes to send
 * with hxc__h1_pending_out()/hxc__h1_consume_out(), and reports EOF.
 *
 * Rules for the driver (stated once, here):
 *  - Events run from inside hxc__h1_feed(), hxc__h1_eof(), hxc__h1_abort()
 *    and hxc__h1_cancel(); on_complete also from hxc__h1_pending_out() when
 *    a streamed request body fails (its source aborts, or produces fewer or
 *    more bytes than announced). on_complete is required; the other event
 *    callbacks may be NULL.
 *  - on_status / on_header / on_headers_done / on_body / on_trailer must not
 *    call any hxc__h1_* function except hxc__h1_cancel() (the response is then
 *    dropped and hxc__h1_feed() returns HXC_E_CANCELLED); return non-zero to
 *    abort the request instead.
 *  - on_complete is the last thing the engine does in the call that fires
 *    it: all state is updated before. It MAY call hxc__h1_submit() (the next
 *    request on a kept-alive connection), hxc__h1_busy/reusable/pending_out.
 *    It MUST NOT call hxc__h1_free(), hxc__h1_feed(), hxc__h1_eof() or
 *    hxc__h1_abort(): free the engine after the outer call has returned.
 *  - A non-OK return from hxc__h1_feed() means "close this connection"; the
 *    in-flight request (if any) has already been completed through
 *    on_complete, and a request completed with HXC_OK stays successful (e.g.
 *    a complete response followed by stray bytes).
 *
 * Response handling:
 *  - 1xx interim responses (except 101, refused) fire on_status(interim=1);
 *    their headers are not reported (on_header has no interim flag) and
 *    parsing goes on with the final response.
 *  - HEAD responses, 1xx, 204 and 304 never have a body (RFC 9112 6.3),
 *    whatever Content-Length / Transfer-Encoding say: on_headers_complete
 *    returns 1 so llhttp skips the body.
 *  - Trailers of a chunked body are reported through on_trailer (or
 *    on_header when on_trailer is NULL) after the last on_body, before
 *    on_complete.
 *
 * Streamed request bodies (body_read): with body_read_length >= 0 the
 * request carries Content-Length and exactly that many bytes are pulled;
 * with -1 it uses Transfer-Encoding: chunked, each pull becoming one chunk
 * and end of source the final zero-size chunk. hxc__h1_pending_out() pulls
 * while less than H1_OUT_LOW bytes wait, keeping at most H1_OUT_MAX bytes
 * buffered (the source is never read whole). A pull that gives no bytes and
 * no eof pauses the upload until hxc__h1_resume().
 *  - The status line + headers (all interim responses included) are limited
 *    to max_header_bytes, counted exactly on the raw bytes; trailers have a
 *    budget of their own of the same size.
 */
#include "h1/h1.h"

#include <llhttp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/err.h"

#define H1_DEFAULT_MAX_HEADER_BYTES 65536
#define H1_OUT_LOW (16 * 1024)  /* pull from a body source below this */
#define H1_OUT_MAX (64 * 1024)  /* ... but never buffer more than this */
#define H1_CHUNK_HEAD 18        /* "<16 hex digits>\r\n" */

enum conn_state {
    ST_IDLE, /* no request in flight, the connection may carry one */
    ST_BUSY, /* a request is in flight */
    ST_DEAD  /* not reusable: closed, failed or not kept alive */
};

enum resp_phase {
    PH_HEAD,    /* before the end of the final response's headers */
    PH_BODY,    /* final headers done, body (if any) in progress */
    PH_TRAILER, /* after the last chunk, reading trailers */
    PH_DONE     /* final response complete */
};

struct buf {
    char *p;
    size_t len;
    size_t cap;
};

struct hxc__h1 {
    llhttp_t parser;
    const struct hxc__msg_events *ev;
    size_t max_header_bytes;

    enum conn_state state;
    const char *dead_reason; /* why the connection cannot be reused */

    /* output: the request head (copied) then the body (linked) */
    struct buf out;
    size_t out_off;
    const uint8_t *body;
    size_t body_len;
    size_t body_off;

    /* streamed request body (body_read), appended to out as it is pulled */
    int (*body_read)(void *user, uint8_t *buf, size_t cap, size_t *len, int *eof);
    int64_t read_length;  /* announced length, or -1: chunked */
    uint64_t read_bytes;  /* bytes pulled so far */
    int read_eof;         /* the source said eof (final chunk queued) */
    int read_paused;      /* the last pull gave nothing: wait for resume */

    /* the request in flight */
    void *user;
    int is_head;
    enum resp_phase phase;
    uint64_t resp_bytes;  /* response bytes consumed so far (all messages) */
    size_t counted;       /* bytes of head (or trailers) against the limit */
    int interim;          /* the message being parsed is a 1xx */
    int keep_alive;       /* final response allows reuse */
    int has_length;       /* final response had a Content-Length */
    int chunked;          /* final response is chunked */
    uint64_t declared;    /* its Content-Length */
    uint64_t body_bytes;  /* body bytes delivered */
    struct buf hdr;       /* reason phrase, or header name + value */
    size_t name_len;

    /* a failure decided inside a parser callback */
    hxc_status fail_code;
    hxc_error fail_err;
};

/* ------------------------------------------------------------ buffers */

static int buf_reserve(struct buf *b, size_t extra)
{
    if (extra <= b->cap - b->len)
        return 0;
    size_t need = b->len + extra;
    if (need < b->len)
        return -1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) {
        if (cap > SIZE_MAX / 2)
            return -1;
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (p == NULL)
        return -1;
    b->p = p;
    b->cap = cap;
    return 0;
}

static int buf_add(struct buf *b, const void *data, size_t n)
{
    if (n == 0)
        return 0;
    if (buf_reserve(b, n) != 0)
        return -1;
    memcpy(b->p + b->len, data, n);
    b->len += n;
    return 0;
}

static int buf_str(struct buf *b, const char *s)
{
    return buf_add(b, s, strlen(s));
}

static void buf_free(struct buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* ------------------------------------------------------ completion */

static void clear_output(struct hxc__h1 *h)
{
    h->out.len = 0;
    h->out_off = 0;
    h->body = NULL;
    h->body_len = 0;
    h->body_off = 0;
    h->body_read = NULL;
    h->read_length = 0;
    h->read_bytes = 0;
    h->read_eof = 0;
    h->read_paused = 0;
}

static int output_done(const struct hxc__h1 *h)
{
    return h->out_off == h->out.len && h->body_off == h->body_len &&
           (h->body_read == NULL || h->read_eof);
}

/* Ends the request in flight and reports it. Every state change happens
 * before on_complete, which may submit the next request. */
static void finish(struct hxc__h1 *h, hxc_status code, const hxc_error *err, int reusable,
                   const char *dead_reason)
{
    void *user = h->user;
    if (reusable && !output_done(h)) {
        reusable = 0;
        dead_reason = "the response arrived before the request body was fully sent";
    }
    h->user = NULL;
    h->phase = PH_DONE;
    h->state = reusable ? ST_IDLE : ST_DEAD;
    if (!reusable)
        h->dead_reason = dead_reason;
    clear_output(h); /* the linked body is released with on_complete */
    h->ev->on_complete(user, code, code == HXC_OK ? NULL : err);
}

/* Fails the request in flight with the error in e; copies it to err. */
static hxc_status fail_with(struct hxc__h1 *h, const hxc_error *e, hxc_error *err)
{
    if (err != NULL)
        *err = *e;
    finish(h, e->code, e, 0, "a previous request on it failed");
    return e->code;
}

/* Records a failure from inside a parser callback (reported after
 * llhttp_execute returns). */
static void set_fail(struct hxc__h1 *h, hxc_status code, long detail, const char *msg)
{
    if (h->fail_code != HXC_OK)
        return;
    h->fail_code = code;
    hxc__err(&h->fail_err, code, detail, "%s", msg);
}

static int cb_abort(struct hxc__h1 *h, const char *which)
{
    char msg[96];
    snprintf(msg, sizeof msg, "the %s callback aborted the request", which);
    set_fail(h, HXC_E_CALLBACK_ABORT, 0, msg);
    return -1;
}

/* After an event: stop parsing when the callback cancelled the request
 * (hxc__h1_cancel from inside) or asked to abort it. */
static int after_event(struct hxc__h1 *h, int rc, const char *which)
{
    if (h->state != ST_BUSY)
        return -1;
    return rc == 0 ? 0 : cb_abort(h, which);
}

/* ------------------------------------------------- parser callbacks */

static struct hxc__h1 *of(llhttp_t *p)
{
    return p->data;
}

static int nomem(struct hxc__h1 *h)
{
    set_fail(h, HXC_E_NOMEM, 0, "out of memory while parsing the HTTP/1.1 response headers");
    return -1;
}

static int on_message_begin(llhttp_t *p)
{
    struct hxc__h1 *h = of(p);
    h->hdr.len = 0;
    h->name_len = 0;
    h->interim = 0;
    return 0;
}

static int on_status_data(llhttp_t *p, const char *at, size_t len)
{
    struct hxc__h1 *h = of(p);
    return buf_add(&h->hdr, at, len) == 0 ? 0 : nomem(h);
}

static int on_status_complete(llhttp_t *p)
{
    struct hxc__h1 *h = of(p);
    int status = p->status_code;
    char msg[160];

    if (p->http_major != 1 || p->http_minor > 1) {
        snprintf(msg, sizeof msg,
                 "malformed HTTP/1.1 response: unsupported protocol version HTTP/%u.%u in the "
                 "status line",
                 (unsigned)p->http_major, (unsigned)p->http_minor);
        set_fail(h, HXC_E_HTTP_PARSE, status, msg);
        return -1;
    }
    if (status < 100) {
        snprintf(msg, sizeof msg, "malformed HTTP/1.1 response: invalid status code %03d", status);
        set_fail(h, HXC_E_HTTP_PARSE, status, msg);
        return -1;
    }
    if (status == 101) {
        set_fail(h, HXC_E_HTTP_PARSE, status,
                 "the server switched protocols (101 Switching Protocols), which hxc does not "
                 "support over HTTP/1.1");
        return -1;
    }
    h->interim = status < 200;
    int version = p->http_major * 10 + p->http_minor;
    int rc = 0;
    if (h->ev->on_status != NULL)
        rc = h->ev->on_status(h->user, status, version, h->hdr.len ? h->hdr.p : "", h->hdr.len,
                              h->interim);
    h->hdr.len = 0;
    return after_event(h, rc, "status");
}

static int on_header_field(llhttp_t *p, const char *at, size_t len)
{
    struct hxc__h1 *h = of(p);
    if (h->interim)
        return 0;
    return buf_add(&h->hdr, at, len) == 0 ? 0 : nomem(h);
}

static int on_header_field_complete(llhttp_t *p)
{
    struct hxc__h1 *h = of(p);
    h->name_len = h->hdr.len;
    return 0;
}

static int on_header_value(llhttp_t *p, const char *at, size_t len)
{
    struct hxc__h1 *h = of(p);
    if (h->interim)
        return 0;
    return buf_add(&h->hdr, at, len) == 0 ? 0 : nomem(h);
}

static int on_header_value_complete(llhttp_t *p)
{
    struct hxc__h1 *h = of(p);
    if (h->interim)
        return 0;
    const char *base = h->hdr.len ? h->hdr.p : "";
    int trailer = h->phase == PH_TRAILER && h->ev->on_trailer != NULL;
    int (*fn)(void *, const char *, size_t, const char *, size_t) =
        trailer ? h->ev->on_trailer : h->ev->on_header;
    int rc = 0;
    if (fn != NULL)
        rc = fn(h->user, base, h->name_len, base + h->name_len, h->hdr.len - h->name_len);
    h->hdr.len = 0;
    h->name_len = 0;
    return after_event(h, rc, trailer ? "trailer" : "header");
}

/* Return 1 tells llhttp the message has no body. */
static int on_headers_complete(llhttp_t *p)
{
    struct hxc__h1 *h = of(p);
    if (h->interim)
        return 1;
    h->phase = PH_BODY;
    h->chunked = (p->flags & F_CHUNKED) != 0;
    h->has_length = !h->chunked && (p->flags & F_CONTENT_LENGTH) != 0;
    h->declared = h->has_length ? p->content_length : 0;
    if (h->ev->on_headers_done != NULL &&
        after_event(h, h->ev->on_headers_done(h->user), "headers-done") != 0)
        return -1;
    int status = p->status_code;
    if (h->is_head || status == 204 || status == 304)
        return 1;
    return 0;
}

static int on_body(llhttp_t *p, const char *at, size_t len)
{
    struct hxc__h1 *h = of(p);
    h->body_bytes += len;
    if (h->ev->on_body == NULL)
        return 0;
    return after_event(h, h->ev->on_body(h->user, (const uint8_t *)at, len), "body");
}

/* The last chunk (size 0): pause so that the trailers get a budget counted
 * from their exact first byte. */
static int on_chunk_header(llhttp_t *p)
{
    struct hxc__h1 *h = of(p);
    if (p->content_length != 0)
        return 0;
    h->phase = PH_TRAILER;
    h->counted = 0;
    return HPE_PAUSED;
}

static int on_message_complete(llhttp_t *p)
{
    struct hxc__h1 *h = of(p);
    if (h->interim) {
        h->interim = 0;
        return 0;
    }
    h->phase = PH_DONE;
    h->keep_alive = llhttp_should_keep_alive(p) && p->http_major == 1 && p->http_minor == 1;
    return HPE_PAUSED; /* stop right after the final response */
}

static const llhttp_settings_t parser_settings = {
    .on_message_begin = on_message_begin,
    .on_status = on_status_data,
    .on_status_complete = on_status_complete,
    .on_header_field = on_header_field,
    .on_header_field_complete = on_header_field_complete,
    .on_header_value = on_header_value,
    .on_header_value_complete = on_header_value_complete,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_chunk_header = on_chunk_header,
    .on_message_complete = on_message_complete,
};

/* ------------------------------------------------------- lifecycle */

struct hxc__h1 *hxc__h1_new(const struct hxc__msg_events *ev, size_t max_header_bytes)
{
    if (ev == NULL || ev->on_complete == NULL)
        return NULL;
    struct hxc__h1 *h = calloc(1, sizeof *h);
    if (h == NULL)
        return NULL;
    h->ev = ev;
    h->max_header_bytes = max_header_bytes ? max_header_bytes : H1_DEFAULT_MAX_HEADER_BYTES;
    h->state = ST_IDLE;
    h->phase = PH_DONE;
    llhttp_init(&h->parser, HTTP_RESPONSE, &parser_settings);
    /* Only matters between an interim and the final response (an HTTP/1.0
     * "100 Continue"): reuse after the final one is decided here. */
    llhttp_set_lenient_keep_alive(&h->parser, 1);
    h->parser.data = h;
    return h;
}

void hxc__h1_free(struct hxc__h1 *h)
{
    if (h == NULL)
        return;
    buf_free(&h->out);
    buf_free(&h->hdr);
    free(h);
}

int hxc__h1_busy(const struct hxc__h1 *h)
{
    return h != NULL && h->state == ST_BUSY;
}

int hxc__h1_reusable(const struct hxc__h1 *h)
{
    return h != NULL && h->state == ST_IDLE;
}

/* ---------------------------------------------------- request writer */

static int is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Printable copy of untrusted text for error messages (cap >= 16). */
static const char *printable(char *out, size_t cap, const char *s, size_t n)
{
    size_t o = 0, i = 0;
    for (; i < n && o + 8 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f)
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
    }
    if (i < n) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
    return out;
}

static const char *bad_byte_name(unsigned char c)
{
    if (c == '\r')
        return "a carriage return (CR)";
    if (c == '\n')
        return "a line feed (LF)";
    return "a NUL byte";
}

static hxc_status check_header(const struct hxc__hdr *hd, hxc_error *err)
{
    char name[96];
    if (hd->name == NULL || hd->name_len == 0)
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0, "invalid request header: empty name");
    if (hd->value == NULL && hd->value_len != 0)
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0, "invalid request header '%s': no value",
                        printable(name, sizeof name, hd->name, hd->name_len));
    for (size_t i = 0; i < hd->name_len; i++) {
        unsigned char c = (unsigned char)hd->name[i];
        if (!is_tchar(c))
            return hxc__err(err, HXC_E_INVALID_ARGUMENT, c,
                            "invalid request header name '%s': byte 0x%02x at offset %zu is not "
                            "allowed in a header name",
                            printable(name, sizeof name, hd->name, hd->name_len), c, i);
    }
    for (size_t i = 0; i < hd->value_len; i++) {
        unsigned char c = (unsigned char)hd->value[i];
        if (c == '\r' || c == '\n' || c == '\0')
            return hxc__err(err, HXC_E_INVALID_ARGUMENT, c,
                            "invalid request header '%s': its value contains %s at offset %zu, "
                            "which is not allowed (header injection)",
                            printable(name, sizeof name, hd->name, hd->name_len),
                            bad_byte_name(c), i);
    }
    return HXC_OK;
}

/* Request-line parts: no controls, no spaces. */
static hxc_status check_part(const char *what, const char *s, int token, hxc_error *err)
{
    char shown[96];
    if (s == NULL || s[0] == '\0')
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0, "invalid HTTP/1.1 request: empty %s",
                        what);
    for (size_t i = 0; s[i] != '\0'; i++) {
        unsigned char c = (unsigned char)s[i];
        int bad = token ? !is_tchar(c) : (c <= 0x20 || c == 0x7f);
        if (bad)
            return hxc__err(err, HXC_E_INVALID_ARGUMENT, c,
                            "invalid HTTP/1.1 request %s '%s': byte 0x%02x at offset %zu is not "
                            "allowed",
                            what, printable(shown, sizeof shown, s, strlen(s)), c, i);
    }
    return HXC_OK;
}

static int hdr_is(const struct hxc__hdr *hd, const char *name)
{
    size_t n = strlen(name);
    return hd->name_len == n && strncasecmp(hd->name, name, n) == 0;
}

static int has_header(const struct hxc__req_desc *req, const char *name)
{
    for (size_t i = 0; i < req->nheaders; i++)
        if (hdr_is(&req->headers[i], name))
            return 1;
    return 0;
}

/* A streamed body: hxc frames it (Content-Length from the announced length,
 * or chunked), so the caller may not set the framing headers. */
static hxc_status check_stream_source(const struct hxc__req_desc *req, hxc_error *err)
{
    static const char *const framing[] = {"Content-Length", "Transfer-Encoding"};
    if (req->body != NULL || req->body_len != 0)
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0,
                        "the request has both an in-memory body and a body source");
    if (req->body_read_length < -1)
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, (long)req->body_read_length,
                        "invalid length %lld for the request body source (use -1 when unknown)",
                        (long long)req->body_read_length);
    for (size_t i = 0; i < sizeof framing / sizeof framing[0]; i++)
        if (has_header(req, framing[i]))
            return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0,
                            "request header '%s' conflicts with the streamed request body: hxc "
                            "frames it from the announced length (Content-Length, or chunked "
                            "when unknown)",
                            framing[i]);
    return HXC_OK;
}

static hxc_status check_request(const struct hxc__req_desc *req, hxc_error *err)
{
    hxc_status st;
    if (req == NULL)
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0, "no HTTP/1.1 request given");
    if ((st = check_part("method", req->method, 1, err)) != HXC_OK)
        return st;
    if ((st = check_part("path", req->path, 0, err)) != HXC_OK)
        return st;
    if ((st = check_part("authority (Host)", req->authority, 0, err)) != HXC_OK)
        return st;
    if (req->nheaders > 0 && req->headers == NULL)
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0, "request headers missing");
    for (size_t i = 0; i < req->nheaders; i++)
        if ((st = check_header(&req->headers[i], err)) != HXC_OK)
            return st;
    if (req->has_body && req->body == NULL && req->body_len != 0)
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0, "request body missing");
    if (req->body_read != NULL)
        return check_stream_source(req, err);
    return HXC_OK;
}

static int write_header(struct buf *b, const char *name, size_t nlen, const char *value,
                        size_t vlen)
{
    if (buf_add(b, name, nlen) || buf_str(b, ": ") || buf_add(b, value, vlen) ||
        buf_str(b, "\r\n"))
        return -1;
    return 0;
}

static int write_head(struct buf *b, const struct hxc__req_desc *req)
{
    if (buf_str(b, req->method) || buf_str(b, " ") || buf_str(b, req->path) ||
        buf_str(b, " HTTP/1.1\r\n"))
        return -1;
    /* A caller's Host replaces the automatic one, in the same place. */
    const struct hxc__hdr *host = NULL;
    for (size_t i = 0; i < req->nheaders && host == NULL; i++)
        if (hdr_is(&req->headers[i], "Host"))
            host = &req->headers[i];
    if (host != NULL ? write_header(b, "Host", 4, host->value, host->value_len)
                     : write_header(b, "Host", 4, req->authority, strlen(req->authority)))
        return -1;
    if (!has_header(req, "User-Agent") && buf_str(b, "User-Agent: hxc/" HXC_VERSION_STRING "\r\n"))
        return -1;
    if (!has_header(req, "Accept") && buf_str(b, "Accept: */*\r\n"))
        return -1;
    for (size_t i = 0; i < req->nheaders; i++) {
        const struct hxc__hdr *hd = &req->headers[i];
        if (hd == host)
            continue;
        if (write_header(b, hd->name, hd->name_len, hd->value ? hd->value : "", hd->value_len))
            return -1;
    }
    char cl[48];
    cl[0] = '\0';
    if (req->body_read != NULL && req->body_read_length < 0)
        snprintf(cl, sizeof cl, "Transfer-Encoding: chunked\r\n");
    else if (req->body_read != NULL)
        snprintf(cl, sizeof cl, "Content-Length: %lld\r\n", (long long)req->body_read_length);
    else if (req->has_body && !has_header(req, "Content-Length") &&
             !has_header(req, "Transfer-Encoding"))
        snprintf(cl, sizeof cl, "Content-Length: %zu\r\n", req->body_len);
    if (buf_str(b, cl))
        return -1;
    return buf_str(b, "\r\n");
}

hxc_status hxc__h1_submit(struct hxc__h1 *h, const struct hxc__req_desc *req, int is_head,
                          hxc_error *err)
{
    if (h == NULL)
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0, "no HTTP/1.1 connection given");
    if (h->state == ST_BUSY)
        return hxc__err(err, HXC_E_INTERNAL, 0,
                        "an HTTP/1.1 request is already in flight on this connection");
    if (h->state == ST_DEAD)
        return hxc__err(err, HXC_E_CONN_CLOSED, 0,
                        "this HTTP/1.1 connection cannot carry another request (%s)",
                        h->dead_reason ? h->dead_reason : "it is closed");
    hxc_status st = check_request(req, err);
    if (st != HXC_OK)
        return st;
    clear_output(h);
    if (write_head(&h->out, req) != 0) {
        clear_output(h);
        return hxc__err(err, HXC_E_NOMEM, 0, "out of memory writing the HTTP/1.1 request");
    }
    if (req->body_read != NULL) {
        h->body_read = req->body_read;
        h->read_length = req->body_read_length;
    } else if (req->has_body) {
        h->body = req->body;
        h->body_len = req->body_len;
    }
    llhttp_reset(&h->parser);
    h->state = ST_BUSY;
    h->user = req->user;
    h->is_head = is_head != 0;
    h->phase = PH_HEAD;
    h->resp_bytes = 0;
    h->counted = 0;
    h->interim = 0;
    h->keep_alive = 0;
    h->has_length = h->chunked = 0;
    h->declared = h->body_bytes = 0;
    h->hdr.len = 0;
    h->name_len = 0;
    h->fail_code = HXC_OK;
    return HXC_OK;
}

/* ---------------------------------------------- streamed request body */

static void fail_upload(struct hxc__h1 *h, hxc_status code, const char *fmt, ...)
    HXC__PRINTF(3, 4);

static void fail_upload(struct hxc__h1 *h, hxc_status code, const char *fmt, ...)
{
    hxc_error e;
    va_list ap;
    va_start(ap, fmt);
    hxc__verr(&e, code, 0, fmt, ap);
    va_end(ap);
    finish(h, code, &e, 0, "its request body could not be sent");
}

/* Moves the unsent output to the front of the buffer. */
static void compact_out(struct hxc__h1 *h)
{
    if (h->out_off == 0)
        return;
    memmove(h->out.p, h->out.p + h->out_off, h->out.len - h->out_off);
    h->out.len -= h->out_off;
    h->out_off = 0;
}

/* Checks what one pull gave against the announced length. 0: fine. */
static int check_pull(struct hxc__h1 *h, size_t n, size_t cap, int eof)
{
    unsigned long long want = (unsigned long long)h->read_length;
    if (n > cap) {
        fail_upload(h, HXC_E_INVALID_ARGUMENT,
                    "the request body source reported %zu bytes read into a %zu-byte buffer", n,
                    cap);
        return -1;
    }
    if (h->read_length < 0)
        return 0;
    if (h->read_bytes + n > want) {
        fail_upload(h, HXC_E_INVALID_ARGUMENT,
                    "the request body source produced more than the %llu bytes it announced",
                    want);
        return -1;
    }
    if (eof && h->read_bytes + n < want) {
        fail_upload(h, HXC_E_INVALID_ARGUMENT,
                    "the request body source ended after %llu of %llu bytes",
                    (unsigned long long)(h->read_bytes + n), want);
        return -1;
    }
    return 0;
}

/* Turns the n bytes read at out.len + H1_CHUNK_HEAD into one chunk. */
static void frame_chunk(struct hxc__h1 *h, size_t n)
{
    char head[H1_CHUNK_HEAD + 1];
    int hl = snprintf(head, sizeof head, "%zx\r\n", n);
    char *at = h->out.p + h->out.len;
    memmove(at + hl, at + H1_CHUNK_HEAD, n);
    memcpy(at, head, (size_t)hl);
    memcpy(at + hl + n, "\r\n", 2);
    h->out.len += (size_t)hl + n + 2;
}

/* One call to the body source, appending to the output. 0: go on;
 * -1: stop (paused, done or failed). */
static int pull_once(struct hxc__h1 *h)
{
    int chunked = h->read_length < 0;
    size_t room, cap, n = 0;
    int eof = 0;
    compact_out(h);
    room = H1_OUT_MAX - h->out.len;
    cap = chunked ? room - H1_CHUNK_HEAD - 2 - 5 : room; /* "\r\n", "0\r\n\r\n" */
    if (!chunked && (uint64_t)h->read_length - h->read_bytes < cap)
        cap = (size_t)((uint64_t)h->read_length - h->read_bytes) + 1; /* +1 spots excess */
    if (buf_reserve(&h->out, room) != 0) {
        fail_upload(h, HXC_E_NOMEM, "out of memory buffering the request body");
        return -1;
    }
    uint8_t *dst = (uint8_t *)h->out.p + h->out.len + (chunked ? H1_CHUNK_HEAD : 0);
    if (h->body_read(h->user, dst, cap, &n, &eof) != 0) {
        fail_upload(h, HXC_E_CALLBACK_ABORT,
                    "the request body source aborted the upload after %llu bytes",
                    (unsigned long long)h->read_bytes);
        return -1;
    }
    if (check_pull(h, n, cap, eof) != 0)
        return -1;
    h->read_bytes += n;
    if (chunked && n > 0)
        frame_chunk(h, n);
    else
        h->out.len += n;
    if (eof) {
        h->read_eof = 1;
        if (chunked)
            (void)buf_str(&h->out, "0\r\n\r\n"); /* room was reserved */
        return -1;
    }
    if (n == 0) {
        h->read_paused = 1;
        return -1;
    }
    return 0;
}

static void pull_body(struct hxc__h1 *h)
{
    while (h->state == ST_BUSY && h->body_read != NULL && !h->read_eof && !h->read_paused &&
           h->out.len - h->out_off < H1_OUT_LOW)
        if (pull_once(h) != 0)
            return;
}

void hxc__h1_resume(struct hxc__h1 *h)
{
    if (h != NULL && h->state == ST_BUSY)
        h->read_paused = 0;
}

size_t hxc__h1_pending_out(struct hxc__h1 *h, const uint8_t **data)
{
    if (h != NULL && h->state == ST_BUSY && h->body_read != NULL)
        pull_body(h); /* may fail the request: state becomes ST_DEAD */
    if (h == NULL || h->state == ST_DEAD) {
        *data = NULL;
        return 0;
    }
    if (h->out_off < h->out.len) {
        *data = (const uint8_t *)h->out.p + h->out_off;
        return h->out.len - h->out_off;
    }
    if (h->body_off < h->body_len) {
        *data = h->body + h->body_off;
        return h->body_len - h->body_off;
    }
    *data = NULL;
    return 0;
}

void hxc__h1_consume_out(struct hxc__h1 *h, size_t n)
{
    if (h == NULL)
        return;
    size_t head = h->out.len - h->out_off;
    size_t take = n < head ? n : head;
    h->out_off += take;
    n -= take;
    size_t rest = h->body_len - h->body_off;
    h->body_off += n < rest ? n : rest;
    if (h->out_off == h->out.len)
        h->out_off = h->out.len = 0;
}

/* --------------------------------------------------- response parser */

static hxc_status fail_parse(struct hxc__h1 *h, llhttp_errno_t rc, hxc_error *err)
{
    hxc_error e;
    if (h->fail_code != HXC_OK) {
        e = h->fail_err;
    } else {
        const char *why = llhttp_get_error_reason(&h->parser);
        hxc__err(&e, HXC_E_HTTP_PARSE, (long)rc,
                 "malformed HTTP/1.1 response: %s at byte %llu",
                 why && *why ? why : llhttp_errno_name(rc), (unsigned long long)h->resp_bytes);
    }
    return fail_with(h, &e, err);
}

static hxc_status fail_too_large(struct hxc__h1 *h, hxc_error *err)
{
    hxc_error e;
    hxc__err(&e, HXC_E_HTTP_HEADERS_TOO_LARGE, (long)h->max_header_bytes,
             "response %s exceed the %zu-byte limit",
             h->phase == PH_TRAILER ? "trailers" : "headers", h->max_header_bytes);
    return fail_with(h, &e, err);
}

/* The final response is complete; `leftover` bytes followed it. */
static hxc_status complete_ok(struct hxc__h1 *h, size_t leftover, hxc_error *err)
{
    int reusable = h->keep_alive && leftover == 0;
    const char *why = "the server ended the response with the connection";
    if (leftover > 0) {
        why = "the server sent bytes after the end of the response";
        hxc__err(err, HXC_E_HTTP_PARSE, (long)leftover,
                 "malformed HTTP/1.1 response: the server sent %zu unexpected bytes after the "
                 "end of the response",
                 leftover);
    }
    finish(h, HXC_OK, NULL, reusable, why);
    return leftover > 0 ? HXC_E_HTTP_PARSE : HXC_OK;
}

static int limited_phase(const struct hxc__h1 *h)
{
    return h->phase == PH_HEAD || h->phase == PH_TRAILER;
}

hxc_status hxc__h1_feed(struct hxc__h1 *h, const uint8_t *data, size_t len, hxc_error *err)
{
    if (h == NULL)
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0, "no HTTP/1.1 connection given");
    if (len == 0)
        return HXC_OK;
    if (h->state != ST_BUSY) {
        h->state = ST_DEAD;
        h->dead_reason = "the server sent bytes while no request was in flight";
        return hxc__err(err, HXC_E_HTTP_PARSE, (long)len,
                        "malformed HTTP/1.1 response: the server sent %zu bytes while no request "
                        "was in flight",
                        len);
    }
    while (len > 0) {
        size_t slice = len;
        enum resp_phase before = h->phase;
        if (limited_phase(h) && slice > h->max_header_bytes - h->counted)
            slice = h->max_header_bytes - h->counted;
        llhttp_errno_t rc = llhttp_execute(&h->parser, (const char *)data, slice);
        if (h->state != ST_BUSY) /* hxc__h1_cancel() from inside an event */
            return hxc__err(err, HXC_E_CANCELLED, 0,
                            "transfer cancelled while its response was being read; the "
                            "connection is closed");
        size_t used = slice;
        if (rc != HPE_OK)
            used = (size_t)(llhttp_get_error_pos(&h->parser) - (const char *)data);
        h->resp_bytes += used;
        if (h->phase == before && limited_phase(h))
            h->counted += used;
        data += used;
        len -= used;
        if (rc == HPE_PAUSED && h->phase == PH_DONE)
            return complete_ok(h, len, err);
        if (rc == HPE_PAUSED && h->phase == PH_TRAILER) {
            llhttp_resume(&h->parser);
            continue;
        }
        if (rc != HPE_OK)
            return fail_parse(h, rc, err);
        if (limited_phase(h) && h->counted >= h->max_header_bytes)
            return fail_too_large(h, err);
    }
    return HXC_OK;
}

static void fail_eof(struct hxc__h1 *h)
{
    hxc_error e;
    unsigned long long got = (unsigned long long)h->body_bytes;
    if (h->resp_bytes == 0)
        hxc__err(&e, HXC_E_CONN_CLOSED, 0,
                 "the server closed the connection before sending a response");
    else if (h->phase == PH_HEAD)
        hxc__err(&e, HXC_E_CONN_CLOSED, 0,
                 "the server closed the connection after %llu bytes, before the end of the "
                 "response headers",
                 (unsigned long long)h->resp_bytes);
    else if (h->phase == PH_TRAILER)
        hxc__err(&e, HXC_E_HTTP_TRUNCATED, 0,
                 "response truncated: the connection closed inside the trailers of the chunked "
                 "body (after %llu body bytes)",
                 got);
    else if (h->has_length)
        hxc__err(&e, HXC_E_HTTP_TRUNCATED, 0, "response body truncated: got %llu of %llu bytes",
                 got, (unsigned long long)h->declared);
    else if (h->chunked)
        hxc__err(&e, HXC_E_HTTP_TRUNCATED, 0,
                 "response body truncated: got %llu bytes of a chunked body that never ended "
                 "(no final zero-length chunk)",
                 got);
    else
        hxc__err(&e, HXC_E_HTTP_TRUNCATED, 0, "response body truncated after %llu bytes", got);
    fail_with(h, &e, NULL);
}

void hxc__h1_eof(struct hxc__h1 *h)
{
    if (h == NULL)
        return;
    if (h->state != ST_BUSY) {
        h->state = ST_DEAD;
        h->dead_reason = "the server closed the connection";
        return;
    }
    if (h->phase == PH_BODY) {
        (void)llhttp_finish(&h->parser);
        if (h->phase == PH_DONE) { /* a close-delimited body ends here */
            finish(h, HXC_OK, NULL, 0, "the server closed the connection");
            return;
        }
    }
    fail_eof(h);
}

void hxc__h1_abort(struct hxc__h1 *h, const hxc_error *err)
{
    if (h == NULL)
        return;
    if (h->state != ST_BUSY) {
        h->state = ST_DEAD;
        h->dead_reason = "it was aborted";
        return;
    }
    hxc_error e;
    if (err != NULL)
        e = *err;
    else
        hxc__err(&e, HXC_E_INTERNAL, 0, "the HTTP/1.1 request was aborted without a reason");
    finish(h, e.code, &e, 0, "it was aborted");
}

void hxc__h1_cancel(struct hxc__h1 *h)
{
    if (h == NULL || h->state != ST_BUSY)
        return;
    hxc_error e;
    hxc__err(&e, HXC_E_CANCELLED, 0, "transfer cancelled");
    finish(h, HXC_E_CANCELLED, &e, 0, "a request on it was cancelled");
}

int hxc__h1_close_delimited(const struct hxc__h1 *h)
{
    return h != NULL && h->state == ST_BUSY && h->phase == PH_BODY &&
           llhttp_message_needs_eof(&h->parser);
}
