/* Unit tests for the HTTP/1.1 engine (src/h1): bytes in, bytes out, events;
 * no sockets. */
#include <stdarg.h>
#include <stdlib.h>

#include "base/proto.h"
#include "h1/h1.h"
#include "harness.h"

/* ------------------------------------------------------ event recorder */

struct rec {
    char log[8192];
    size_t loglen;
    char body[16384];
    size_t bodylen;
    int in_body;
    int completes;
    hxc_status status;
    hxc_error err;
    int err_null;
    const char *abort_on; /* "status", "header", "done", "body" */
    /* submit another request from inside on_complete */
    struct hxc__h1 *h;
    const struct hxc__req_desc *next;
    hxc_status next_rc;
};

static void logf_(struct rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void logf_(struct rec *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(r->log + r->loglen, sizeof r->log - r->loglen, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n < sizeof r->log - r->loglen)
        r->loglen += (size_t)n;
}

static int ev_status(void *u, int status, int version, const char *reason, size_t reason_len,
                     int interim)
{
    struct rec *r = u;
    r->in_body = 0;
    logf_(r, "status %d v%d '%.*s'%s\n", status, version, (int)reason_len, reason,
          interim ? " interim" : "");
    return r->abort_on && strcmp(r->abort_on, "status") == 0;
}

static int ev_header(void *u, const char *name, size_t name_len, const char *value,
                     size_t value_len)
{
    struct rec *r = u;
    r->in_body = 0;
    logf_(r, "header '%.*s' '%.*s'\n", (int)name_len, name, (int)value_len, value);
    return r->abort_on && strcmp(r->abort_on, "header") == 0;
}

static int ev_done(void *u)
{
    struct rec *r = u;
    r->in_body = 0;
    logf_(r, "done\n");
    return r->abort_on && strcmp(r->abort_on, "done") == 0;
}

static int ev_body(void *u, const uint8_t *data, size_t len)
{
    struct rec *r = u;
    if (!r->in_body)
        logf_(r, "body\n");
    r->in_body = 1;
    if (r->bodylen + len <= sizeof r->body) {
        memcpy(r->body + r->bodylen, data, len);
        r->bodylen += len;
    }
    return r->abort_on && strcmp(r->abort_on, "body") == 0;
}

static void ev_complete(void *u, hxc_status status, const hxc_error *err)
{
    struct rec *r = u;
    r->completes++;
    r->status = status;
    r->err_null = err == NULL;
    if (err)
        r->err = *err;
    logf_(r, "complete %s\n", hxc_status_name(status));
    if (r->next) {
        r->next_rc = hxc__h1_submit(r->h, r->next, 0, NULL);
        r->next = NULL;
    }
}

static const struct hxc__msg_events events = {
    .on_status = ev_status,
    .on_header = ev_header,
    .on_headers_done = ev_done,
    .on_body = ev_body,
    .on_complete = ev_complete,
};

static void rec_init(struct rec *r)
{
    memset(r, 0, sizeof *r);
}

static struct hxc__req_desc get_req(struct rec *r, const char *method)
{
    struct hxc__req_desc d;
    memset(&d, 0, sizeof d);
    d.method = method;
    d.scheme = "https";
    d.authority = "example.com";
    d.path = "/x";
    d.user = r;
    return d;
}

/* New engine with a GET (or HEAD) in flight whose request bytes are drained. */
static struct hxc__h1 *start(struct rec *r, size_t max, const char *method)
{
    struct hxc__h1 *h = hxc__h1_new(&events, max);
    struct hxc__req_desc d = get_req(r, method);
    hxc_error err;
    ASSERT_EQ(hxc__h1_submit(h, &d, strcmp(method, "HEAD") == 0, &err), HXC_OK);
    const uint8_t *p;
    size_t n = hxc__h1_pending_out(h, &p);
    CHECK(n > 0);
    hxc__h1_consume_out(h, n);
    ASSERT_EQ(hxc__h1_pending_out(h, &p), 0);
    return h;
}

static hxc_status feed_str(struct hxc__h1 *h, const char *s, hxc_error *err)
{
    return hxc__h1_feed(h, (const uint8_t *)s, strlen(s), err);
}

/* Feeds resp in two parts split at `split`, or byte by byte when split < 0. */
static hxc_status feed_split(struct hxc__h1 *h, const char *resp, size_t len, long split,
                             hxc_error *err)
{
    hxc_status st = HXC_OK;
    if (split < 0) {
        for (size_t i = 0; i < len && st == HXC_OK; i++)
            st = hxc__h1_feed(h, (const uint8_t *)resp + i, 1, err);
        return st;
    }
    st = hxc__h1_feed(h, (const uint8_t *)resp, (size_t)split, err);
    if (st == HXC_OK)
        st = hxc__h1_feed(h, (const uint8_t *)resp + split, len - (size_t)split, err);
    return st;
}

/* Parses resp whole, then split at every position and byte by byte: every
 * run must log the same events and body. Returns the reference log. */
static void check_all_splits(const char *method, const char *resp, int with_eof,
                             const char *want_log, const char *want_body, int want_reusable)
{
    size_t len = strlen(resp);
    int mismatches = 0;
    for (long split = -1; split <= (long)len; split++) {
        struct rec r;
        rec_init(&r);
        struct hxc__h1 *h = start(&r, 0, method);
        hxc_error err;
        hxc_status st = split == (long)len ? hxc__h1_feed(h, (const uint8_t *)resp, len, &err)
                                            : feed_split(h, resp, len, split, &err);
        if (with_eof)
            hxc__h1_eof(h);
        r.log[r.loglen] = '\0';
        r.body[r.bodylen < sizeof r.body ? r.bodylen : sizeof r.body - 1] = '\0';
        int ok = st == HXC_OK && strcmp(r.log, want_log) == 0 &&
                 strcmp(r.body, want_body) == 0 && r.completes == 1 &&
                 hxc__h1_reusable(h) == want_reusable && !hxc__h1_busy(h);
        if (!ok && mismatches++ == 0) {
            fprintf(stderr, "split %ld: st=%d reusable=%d log:\n%s\nbody: '%s'\n", split, st,
                    hxc__h1_reusable(h), r.log, r.body);
            ASSERT_STREQ(r.log, want_log);
            ASSERT_STREQ(r.body, want_body);
        }
        hxc__h1_free(h);
    }
    ASSERT_EQ(mismatches, 0);
}

/* -------------------------------------------------------------- writer */

static void test_request_bytes(void)
{
    struct rec r;
    rec_init(&r);
    struct hxc__h1 *h = hxc__h1_new(&events, 0);
    struct hxc__hdr hs[] = {
        {"X-Trace", 7, "abc def", 7},
        {"Accept-Language", 15, "en", 2},
    };
    struct hxc__req_desc d = get_req(&r, "GET");
    d.path = "/p?q=1";
    d.authority = "example.com:8443";
    d.headers = hs;
    d.nheaders = 2;
    hxc_error err;
    ASSERT_EQ(hxc__h1_submit(h, &d, 0, &err), HXC_OK);
    CHECK(hxc__h1_busy(h));
    const uint8_t *p;
    size_t n = hxc__h1_pending_out(h, &p);
    char got[512];
    memcpy(got, p, n);
    got[n] = '\0';
    ASSERT_STREQ(got, "GET /p?q=1 HTTP/1.1\r\n"
                      "Host: example.com:8443\r\n"
                      "User-Agent: hxc/" HXC_VERSION_STRING "\r\n"
                      "Accept: */*\r\n"
                      "X-Trace: abc def\r\n"
                      "Accept-Language: en\r\n"
                      "\r\n");
    /* partial consumption */
    hxc__h1_consume_out(h, 5);
    n = hxc__h1_pending_out(h, &p);
    CHECK(n > 5 && memcmp(p, "p?q=1 HTTP/1.1", 14) == 0);
    hxc__h1_free(h);
}

static void test_request_body_and_overrides(void)
{
    struct rec r;
    rec_init(&r);
    struct hxc__h1 *h = hxc__h1_new(&events, 0);
    struct hxc__hdr hs[] = {
        {"user-agent", 10, "me/1", 4},
        {"ACCEPT", 6, "text/plain", 10},
        {"Content-Type", 12, "application/json", 16},
    };
    static const uint8_t body[] = "{\"a\":1}";
    struct hxc__req_desc d = get_req(&r, "POST");
    d.headers = hs;
    d.nheaders = 3;
    d.body = body;
    d.body_len = 7;
    d.has_body = 1;
    hxc_error err;
    ASSERT_EQ(hxc__h1_submit(h, &d, 0, &err), HXC_OK);
    char got[512];
    size_t total = 0;
    const uint8_t *p;
    size_t n;
    /* drain in small steps across the head/body boundary */
    while ((n = hxc__h1_pending_out(h, &p)) > 0) {
        size_t take = n < 3 ? n : 3;
        memcpy(got + total, p, take);
        total += take;
        hxc__h1_consume_out(h, take);
    }
    got[total] = '\0';
    ASSERT_STREQ(got, "POST /x HTTP/1.1\r\n"
                      "Host: example.com\r\n"
                      "user-agent: me/1\r\n"
                      "ACCEPT: text/plain\r\n"
                      "Content-Type: application/json\r\n"
                      "Content-Length: 7\r\n"
                      "\r\n"
                      "{\"a\":1}");
    hxc__h1_free(h);

    /* caller's Content-Length and Host win; empty body still gets a length */
    rec_init(&r);
    h = hxc__h1_new(&events, 0);
    struct hxc__hdr hs2[] = {
        {"X-A", 3, "", 0},
        {"host", 4, "other.example", 13},
        {"content-length", 14, "0", 1},
    };
    d = get_req(&r, "PUT");
    d.headers = hs2;
    d.nheaders = 3;
    d.has_body = 1;
    ASSERT_EQ(hxc__h1_submit(h, &d, 0, &err), HXC_OK);
    n = hxc__h1_pending_out(h, &p);
    memcpy(got, p, n);
    got[n] = '\0';
    ASSERT_STREQ(got, "PUT /x HTTP/1.1\r\n"
                      "Host: other.example\r\n"
                      "User-Agent: hxc/" HXC_VERSION_STRING "\r\n"
                      "Accept: */*\r\n"
                      "X-A: \r\n"
                      "content-length: 0\r\n"
                      "\r\n");
    hxc__h1_free(h);

    rec_init(&r);
    h = hxc__h1_new(&events, 0);
    d = get_req(&r, "DELETE");
    d.has_body = 1;
    ASSERT_EQ(hxc__h1_submit(h, &d, 0, &err), HXC_OK);
    n = hxc__h1_pending_out(h, &p);
    memcpy(got, p, n);
    got[n] = '\0';
    ASSERT_CONTAINS(got, "\r\nContent-Length: 0\r\n\r\n");
    CHECK(strstr(got, "Connection") == NULL);
    hxc__h1_free(h);
}

static void expect_reject(const char *name, size_t nlen, const char *value, size_t vlen,
                          const char *want)
{
    struct rec r;
    rec_init(&r);
    struct hxc__h1 *h = hxc__h1_new(&events, 0);
    struct hxc__hdr hs[] = {{name, nlen, value, vlen}};
    struct hxc__req_desc d = get_req(&r, "GET");
    d.headers = hs;
    d.nheaders = 1;
    hxc_error err;
    memset(&err, 0, sizeof err);
    ASSERT_EQ(hxc__h1_submit(h, &d, 0, &err), HXC_E_INVALID_ARGUMENT);
    ASSERT_EQ(err.code, HXC_E_INVALID_ARGUMENT);
    ASSERT_CONTAINS(err.message, want);
    CHECK(!hxc__h1_busy(h));
    CHECK(hxc__h1_reusable(h));
    const uint8_t *p;
    ASSERT_EQ(hxc__h1_pending_out(h, &p), 0);
    ASSERT_EQ(r.completes, 0);
    /* the engine is still usable */
    d.nheaders = 0;
    ASSERT_EQ(hxc__h1_submit(h, &d, 0, &err), HXC_OK);
    hxc__h1_free(h);
}

static void test_header_injection(void)
{
    expect_reject("X-Evil", 6, "a\r\nSet-Cookie: x", 16,
                  "invalid request header 'X-Evil': its value contains a carriage return (CR)");
    expect_reject("X-Evil", 6, "a\nb", 3, "'X-Evil': its value contains a line feed (LF)");
    expect_reject("X-Nul", 5, "a\0b", 3, "'X-Nul': its value contains a NUL byte at offset 1");
    expect_reject("X Bad", 5, "v", 1, "invalid request header name 'X Bad': byte 0x20");
    expect_reject("X:Bad", 5, "v", 1, "invalid request header name 'X:Bad': byte 0x3a");
    expect_reject("X\r\nY", 4, "v", 1, "invalid request header name 'X\\x0d\\x0aY'");
    expect_reject("", 0, "v", 1, "empty name");

    struct rec r;
    rec_init(&r);
    struct hxc__h1 *h = hxc__h1_new(&events, 0);
    struct hxc__req_desc d = get_req(&r, "GET");
    hxc_error err;
    d.path = "/a b";
    ASSERT_EQ(hxc__h1_submit(h, &d, 0, &err), HXC_E_INVALID_ARGUMENT);
    ASSERT_CONTAINS(err.message, "request path '/a b'");
    d.path = "/a\r\nX: y";
    ASSERT_EQ(hxc__h1_submit(h, &d, 0, &err), HXC_E_INVALID_ARGUMENT);
    d.path = "/";
    d.method = "GE T";
    ASSERT_EQ(hxc__h1_submit(h, &d, 0, &err), HXC_E_INVALID_ARGUMENT);
    ASSERT_CONTAINS(err.message, "request method");
    d.method = "GET";
    d.authority = "a.example\r\nX: y";
    ASSERT_EQ(hxc__h1_submit(h, &d, 0, &err), HXC_E_INVALID_ARGUMENT);
    ASSERT_CONTAINS(err.message, "authority");
    hxc__h1_free(h);
}

/* -------------------------------------------------------------- parser */

static void test_content_length(void)
{
    check_all_splits("GET",
                     "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Empty:\r\nX-A: b c \r\n\r\nhello",
                     0,
                     "status 200 v11 'OK'\n"
                     "header 'Content-Length' '5'\n"
                     "header 'X-Empty' ''\n"
                     "header 'X-A' 'b c '\n"
                     "done\nbody\ncomplete HXC_OK\n",
                     "hello", 1);
    /* no reason phrase, zero length */
    check_all_splits("GET", "HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n", 0,
                     "status 404 v11 ''\nheader 'Content-Length' '0'\ndone\ncomplete HXC_OK\n",
                     "", 1);
}

static void test_chunked(void)
{
    check_all_splits("GET",
                     "HTTP/1.1 200 OK\r\n"
                     "Transfer-Encoding: chunked\r\n"
                     "\r\n"
                     "5;name=value\r\nhello\r\n"
                     "1;flag\r\n,\r\n"
                     "A;x=\"quoted\"\r\n0123456789\r\n"
                     "0;last=1\r\n"
                     "X-Checksum: abc\r\n"
                     "X-Other: 1\r\n"
                     "\r\n",
                     0,
                     "status 200 v11 'OK'\n"
                     "header 'Transfer-Encoding' 'chunked'\n"
                     "done\nbody\n"
                     "header 'X-Checksum' 'abc'\n"
                     "header 'X-Other' '1'\n"
                     "complete HXC_OK\n",
                     "hello,0123456789", 1);
    /* no trailers */
    check_all_splits("GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
                     0,
                     "status 200 v11 'OK'\nheader 'Transfer-Encoding' 'chunked'\ndone\nbody\n"
                     "complete HXC_OK\n",
                     "abc", 1);
}

static void test_close_delimited(void)
{
    check_all_splits("GET", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it\n", 1,
                     "status 200 v11 'OK'\nheader 'Content-Type' 'text/plain'\ndone\nbody\n"
                     "complete HXC_OK\n",
                     "all of it\n", 0);
    /* without eof it is still in flight */
    struct rec r;
    rec_init(&r);
    struct hxc__h1 *h = start(&r, 0, "GET");
    hxc_error err;
    ASSERT_EQ(feed_str(h, "HTTP/1.1 200 OK\r\n\r\nabc", &err), HXC_OK);
    ASSERT_EQ(r.completes, 0);
    CHECK(hxc__h1_busy(h));
    hxc__h1_eof(h);
    ASSERT_EQ(r.completes, 1);
    ASSERT_EQ(r.status, HXC_OK);
    CHECK(r.err_null);
    CHECK(!hxc__h1_reusable(h));
    ASSERT_EQ(hxc__h1_submit(h, &(struct hxc__req_desc){.method = "GET", .authority = "a",
                                                         .path = "/"},
                             0, &err),
              HXC_E_CONN_CLOSED);
    ASSERT_CONTAINS(err.message, "cannot carry another request");
    hxc__h1_free(h);
}

static void test_head(void)
{
    check_all_splits("HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", 0,
                     "status 200 v11 'OK'\nheader 'Content-Length' '1234'\ndone\n"
                     "complete HXC_OK\n",
                     "", 1);
    check_all_splits("HEAD", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 0,
                     "status 200 v11 'OK'\nheader 'Transfer-Encoding' 'chunked'\ndone\n"
                     "complete HXC_OK\n",
                     "", 1);
}

static void test_204_304(void)
{
    check_all_splits("GET", "HTTP/1.1 204 No Content\r\nX: y\r\n\r\n", 0,
                     "status 204 v11 'No Content'\nheader 'X' 'y'\ndone\ncomplete HXC_OK\n", "",
                     1);
    check_all_splits("GET", "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n", 0,
                     "status 304 v11 'Not Modified'\nheader 'Content-Length' '99'\ndone\n"
                     "complete HXC_OK\n",
                     "", 1);
}

static void test_interim(void)
{
    check_all_splits("GET",
                     "HTTP/1.1 100 Continue\r\n\r\n"
                     "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
                     "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                     0,
                     "status 100 v11 'Continue' interim\n"
                     "status 103 v11 'Early Hints' interim\n"
                     "status 200 v11 'OK'\nheader 'Content-Length' '2'\ndone\nbody\n"
                     "complete HXC_OK\n",
                     "ok", 1);
    /* an HTTP/1.0 interim response does not end parsing */
    check_all_splits("GET",
                     "HTTP/1.0 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz",
                     0,
                     "status 100 v10 'Continue' interim\n"
                     "status 200 v11 'OK'\nheader 'Content-Length' '1'\ndone\nbody\n"
                     "complete HXC_OK\n",
                     "z", 1);

    struct rec r;
    rec_init(&r);
    struct hxc__h1 *h = start(&r, 0, "GET");
    hxc_error err;
    ASSERT_EQ(feed_str(h,
                       "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                       "Connection: upgrade\r\n\r\n",
                       &err),
              HXC_E_HTTP_PARSE);
    ASSERT_EQ(r.completes, 1);
    ASSERT_EQ(r.status, HXC_E_HTTP_PARSE);
    ASSERT_CONTAINS(r.err.message, "101 Switching Protocols");
    ASSERT_CONTAINS(err.message, "does not support");
    CHECK(!hxc__h1_reusable(h));
    hxc__h1_free(h);
}

static void test_headers_too_large(void)
{
    const char *resp = "HTTP/1.1 204 OK\r\nX-Long: 0123456789\r\n\r\n"; /* 39 bytes of head */
    size_t head = strlen(resp);
    ASSERT_EQ(head, 39);
    for (int delta = 0; delta <= 1; delta++) {
        for (long split = -1; split <= (long)head; split++) {
            struct rec r;
            rec_init(&r);
            struct hxc__h1 *h = start(&r, head - (size_t)delta, "GET");
            hxc_error err;
            memset(&err, 0, sizeof err);
            hxc_status st = split == (long)head ? feed_str(h, resp, &err)
                                                : feed_split(h, resp, head, split, &err);
            if (delta == 0) {
                ASSERT_EQ(st, HXC_OK);
                ASSERT_EQ(r.completes, 1);
                ASSERT_EQ(r.status, HXC_OK);
            } else {
                ASSERT_EQ(st, HXC_E_HTTP_HEADERS_TOO_LARGE);
                ASSERT_EQ(r.completes, 1);
                ASSERT_EQ(r.status, HXC_E_HTTP_HEADERS_TOO_LARGE);
                ASSERT_STREQ(r.err.message, "response headers exceed the 38-byte limit");
                CHECK(!hxc__h1_reusable(h));
            }
            hxc__h1_free(h);
        }
    }

    /* the default limit, with many headers over many feeds */
    struct rec r;
    rec_init(&r);
    struct hxc__h1 *h = start(&r, 0, "GET");
    hxc_error err;
    hxc_status st = feed_str(h, "HTTP/1.1 200 OK\r\n", &err);
    for (int i = 0; i < 10000 && st == HXC_OK; i++)
        st = feed_str(h, "X-Filler: 0123456789abcdef\r\n", &err);
    ASSERT_EQ(st, HXC_E_HTTP_HEADERS_TOO_LARGE);
    ASSERT_STREQ(err.message, "response headers exceed the 65536-byte limit");
    ASSERT_EQ(r.completes, 1);
    hxc__h1_free(h);

    /* interim responses count towards the same budget */
    rec_init(&r);
    h = start(&r, 100, "GET");
    st = HXC_OK;
    for (int i = 0; i < 10 && st == HXC_OK; i++)
        st = feed_str(h, "HTTP/1.1 100 Continue\r\n\r\n", &err);
    ASSERT_EQ(st, HXC_E_HTTP_HEADERS_TOO_LARGE);
    ASSERT_EQ(r.completes, 1);
    hxc__h1_free(h);

    /* trailers have their own budget */
    rec_init(&r);
    h = start(&r, 64, "GET");
    st = feed_str(h, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n", &err);
    ASSERT_EQ(st, HXC_OK);
    for (int i = 0; i < 10 && st == HXC_OK; i++)
        st = feed_str(h, "X-T: 0123456789\r\n", &err);
    ASSERT_EQ(st, HXC_E_HTTP_HEADERS_TOO_LARGE);
    ASSERT_STREQ(err.message, "response trailers exceed the 64-byte limit");
    ASSERT_EQ(r.completes, 1);
    hxc__h1_free(h);
}

static void test_malformed(void)
{
    static const char *bad[] = {
        "HTTP/1.1 2x0 OK\r\n\r\n",
        "HTTX/1.1 200 OK\r\n\r\n",
        "garbage\r\n\r\n",
        "HTTP/1.1 200 OK\r\n Folded: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-A\x01: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/2.0 200 OK\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct rec r;
        rec_init(&r);
        struct hxc__h1 *h = start(&r, 0, "GET");
        hxc_error err;
        memset(&err, 0, sizeof err);
        ASSERT_EQ(feed_str(h, bad[i], &err), HXC_E_HTTP_PARSE);
        ASSERT_EQ(r.completes, 1);
        ASSERT_EQ(r.status, HXC_E_HTTP_PARSE);
        ASSERT_STREQ(r.err.message, err.message);
        ASSERT_CONTAINS(err.message, "malformed HTTP/1.1 response: ");
        CHECK(!hxc__h1_reusable(h));
        CHECK(!hxc__h1_busy(h));
        /* further bytes and eof do not report again */
        ASSERT_EQ(feed_str(h, "more", &err), HXC_E_HTTP_PARSE);
        hxc__h1_eof(h);
        ASSERT_EQ(r.completes, 1);
        hxc__h1_free(h);
    }
    struct rec r;
    rec_init(&r);
    struct hxc__h1 *h = start(&r, 0, "GET");
    hxc_error err;
    ASSERT_EQ(feed_str(h, "HTTP/1.1 2x0 OK\r\n", &err), HXC_E_HTTP_PARSE);
    ASSERT_STREQ(err.message, "malformed HTTP/1.1 response: Invalid response status at byte 10");
    hxc__h1_free(h);
}

static void test_truncated(void)
{
    struct rec r;
    rec_init(&r);
    struct hxc__h1 *h = start(&r, 0, "GET");
    hxc_error err;
    ASSERT_EQ(feed_str(h, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", &err), HXC_OK);
    ASSERT_EQ(r.completes, 0);
    hxc__h1_eof(h);
    ASSERT_EQ(r.completes, 1);
    ASSERT_EQ(r.status, HXC_E_HTTP_TRUNCATED);
    ASSERT_STREQ(r.err.message, "response body truncated: got 3 of 10 bytes");
    CHECK(!hxc__h1_reusable(h));
    hxc__h1_eof(h);
    ASSERT_EQ(r.completes, 1);
    hxc__h1_free(h);

    rec_init(&r);
    h = start(&r, 0, "GET");
    ASSERT_EQ(feed_str(h, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n2\r\nx",
                       &err),
              HXC_OK);
    hxc__h1_eof(h);
    ASSERT_EQ(r.status, HXC_E_HTTP_TRUNCATED);
    ASSERT_CONTAINS(r.err.message, "response body truncated: got 5 bytes of a chunked body");
    hxc__h1_free(h);

    rec_init(&r);
    h = start(&r, 0, "GET");
    ASSERT_EQ(feed_str(h, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\r\n",
                       &err),
              HXC_OK);
    hxc__h1_eof(h);
    ASSERT_EQ(r.status, HXC_E_HTTP_TRUNCATED);
    ASSERT_CONTAINS(r.err.message, "inside the trailers");
    hxc__h1_free(h);

    rec_init(&r);
    h = start(&r, 0, "GET");
    hxc__h1_eof(h);
    ASSERT_EQ(r.status, HXC_E_CONN_CLOSED);
    ASSERT_STREQ(r.err.message, "the server closed the connection before sending a response");
    hxc__h1_free(h);

    rec_init(&r);
    h = start(&r, 0, "GET");
    ASSERT_EQ(feed_str(h, "HTTP/1.1 200 OK\r\nX-", &err), HXC_OK);
    hxc__h1_eof(h);
    ASSERT_EQ(r.status, HXC_E_CONN_CLOSED);
    ASSERT_CONTAINS(r.err.message, "after 19 bytes, before the end of the response headers");
    hxc__h1_free(h);
}

static void test_keep_alive(void)
{
    struct rec r;
    rec_init(&r);
    struct hxc__h1 *h = start(&r, 0, "GET");
    hxc_error err;
    ASSERT_EQ(feed_str(h, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none", &err), HXC_OK);
    ASSERT_EQ(r.completes, 1);
    CHECK(hxc__h1_reusable(h));

    struct rec r2;
    rec_init(&r2);
    struct hxc__req_desc d = get_req(&r2, "GET");
    d.path = "/second";
    ASSERT_EQ(hxc__h1_submit(h, &d, 0, &err), HXC_OK);
    const uint8_t *p;
    size_t n = hxc__h1_pending_out(h, &p);
    CHECK(n > 16 && memcmp(p, "GET /second HTTP/1.1\r\n", 22) == 0);
    hxc__h1_consume_out(h, n);
    ASSERT_EQ(feed_str(h, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n",
                       &err),
              HXC_OK);
    ASSERT_EQ(r.completes, 1);
    ASSERT_EQ(r2.completes, 1);
    r2.body[r2.bodylen] = '\0';
    ASSERT_STREQ(r2.body, "two");
    CHECK(hxc__h1_reusable(h));

    /* the next request submitted from inside on_complete */
    struct rec r3, r4;
    rec_init(&r3);
    rec_init(&r4);
    struct hxc__req_desc d4 = get_req(&r4, "GET");
    d = get_req(&r3, "GET");
    r3.h = h;
    r3.next = &d4;
    r3.next_rc = HXC_E_INTERNAL;
    ASSERT_EQ(hxc__h1_submit(h, &d, 0, &err), HXC_OK);
    hxc__h1_consume_out(h, hxc__h1_pending_out(h, &p));
    ASSERT_EQ(feed_str(h, "HTTP/1.1 204 No Content\r\n\r\n", &err), HXC_OK);
    ASSERT_EQ(r3.completes, 1);
    ASSERT_EQ(r3.next_rc, HXC_OK);
    CHECK(hxc__h1_busy(h));
    n = hxc__h1_pending_out(h, &p);
    CHECK(n > 0);
    hxc__h1_consume_out(h, n);
    ASSERT_EQ(feed_str(h, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nfour", &err), HXC_OK);
    ASSERT_EQ(r4.completes, 1);
    ASSERT_EQ(r4.status, HXC_OK);
    CHECK(hxc__h1_reusable(h));
    hxc__h1_free(h);
}

static void test_not_reusable(void)
{
    static const char *resps[] = {
        "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 2\r\n\r\nhi",
        "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi",
        "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhi",
    };
    for (size_t i = 0; i < sizeof resps / sizeof resps[0]; i++) {
        struct rec r;
        rec_init(&r);
        struct hxc__h1 *h = start(&r, 0, "GET");
        hxc_error err;
        ASSERT_EQ(feed_str(h, resps[i], &err), HXC_OK);
        ASSERT_EQ(r.completes, 1);
        ASSERT_EQ(r.status, HXC_OK);
        CHECK(!hxc__h1_reusable(h));
        CHECK(!hxc__h1_busy(h));
        r.body[r.bodylen] = '\0';
        ASSERT_STREQ(r.body, "hi");
        if (i >= 2)
            ASSERT_CONTAINS(r.log, "status 200 v10 'OK'");
        /* server closes afterwards: fine, nothing more reported */
        hxc__h1_eof(h);
        ASSERT_EQ(r.completes, 1);
        hxc__h1_free(h);
    }
    /* HTTP/1.0 close-delimited */
    check_all_splits("GET", "HTTP/1.0 200 OK\r\n\r\nold", 1,
                     "status 200 v10 'OK'\ndone\nbody\ncomplete HXC_OK\n", "old", 0);
}

static void test_stray_bytes(void)
{
    /* after a complete response: the request succeeded, the connection is dead */
    struct rec r;
    rec_init(&r);
    struct hxc__h1 *h = start(&r, 0, "GET");
    hxc_error err;
    ASSERT_EQ(feed_str(h, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiXYZ", &err),
              HXC_E_HTTP_PARSE);
    ASSERT_EQ(r.completes, 1);
    ASSERT_EQ(r.status, HXC_OK);
    ASSERT_CONTAINS(err.message, "3 unexpected bytes after the end of the response");
    CHECK(!hxc__h1_reusable(h));
    hxc__h1_free(h);

    /* while idle (e.g. a 408 on an idle keep-alive connection) */
    rec_init(&r);
    h = start(&r, 0, "GET");
    ASSERT_EQ(feed_str(h, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", &err), HXC_OK);
    CHECK(hxc__h1_reusable(h));
    ASSERT_EQ(feed_str(h, "HTTP/1.1 408 Request Timeout\r\n\r\n", &err), HXC_E_HTTP_PARSE);
    ASSERT_CONTAINS(err.message, "while no request was in flight");
    CHECK(!hxc__h1_reusable(h));
    ASSERT_EQ(r.completes, 1);
    hxc__h1_free(h);

    /* a clean close while idle makes it unusable, silently */
    rec_init(&r);
    h = start(&r, 0, "GET");
    ASSERT_EQ(feed_str(h, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", &err), HXC_OK);
    hxc__h1_eof(h);
    CHECK(!hxc__h1_reusable(h));
    ASSERT_EQ(r.completes, 1);
    hxc__h1_free(h);
}

static void test_callback_abort(void)
{
    static const char *where[] = {"status", "header", "done", "body"};
    for (size_t i = 0; i < 4; i++) {
        struct rec r;
        rec_init(&r);
        r.abort_on = where[i];
        struct hxc__h1 *h = start(&r, 0, "GET");
        hxc_error err;
        ASSERT_EQ(feed_str(h, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", &err),
                  HXC_E_CALLBACK_ABORT);
        ASSERT_EQ(r.completes, 1);
        ASSERT_EQ(r.status, HXC_E_CALLBACK_ABORT);
        ASSERT_CONTAINS(r.err.message, where[i]);
        ASSERT_CONTAINS(r.err.message, "callback aborted the request");
        CHECK(!hxc__h1_reusable(h));
        hxc__h1_eof(h);
        ASSERT_EQ(r.completes, 1);
        hxc__h1_free(h);
    }
}

static void test_early_response_and_abort(void)
{
    /* the server answers before the body was sent: not reusable */
    struct rec r;
    rec_init(&r);
    struct hxc__h1 *h = hxc__h1_new(&events, 0);
    static const uint8_t body[] = "0123456789";
    struct hxc__req_desc d = get_req(&r, "POST");
    d.body = body;
    d.body_len = 10;
    d.has_body = 1;
    hxc_error err;
    ASSERT_EQ(hxc__h1_submit(h, &d, 0, &err), HXC_OK);
    const uint8_t *p;
    ASSERT_EQ(feed_str(h, "HTTP/1.1 413 Too Large\r\nContent-Length: 0\r\n\r\n", &err), HXC_OK);
    ASSERT_EQ(r.completes, 1);
    ASSERT_EQ(r.status, HXC_OK);
    CHECK(!hxc__h1_reusable(h));
    ASSERT_EQ(hxc__h1_pending_out(h, &p), 0);
    hxc__h1_free(h);

    /* driver abort (timeout) */
    rec_init(&r);
    h = start(&r, 0, "GET");
    hxc_error to;
    to.code = HXC_E_TIMEOUT_READ;
    to.detail = 0;
    snprintf(to.message, sizeof to.message, "read timed out after 30000 ms");
    hxc__h1_abort(h, &to);
    ASSERT_EQ(r.completes, 1);
    ASSERT_EQ(r.status, HXC_E_TIMEOUT_READ);
    ASSERT_STREQ(r.err.message, "read timed out after 30000 ms");
    CHECK(!hxc__h1_reusable(h));
    hxc__h1_abort(h, &to);
    hxc__h1_eof(h);
    ASSERT_EQ(r.completes, 1);
    hxc__h1_free(h);

    /* a second submit while busy is refused */
    rec_init(&r);
    h = start(&r, 0, "GET");
    d = get_req(&r, "GET");
    ASSERT_EQ(hxc__h1_submit(h, &d, 0, &err), HXC_E_INTERNAL);
    ASSERT_CONTAINS(err.message, "already in flight");
    hxc__h1_free(h);
    hxc__h1_free(NULL);
}


/* ------------------------------------------------- streamed uploads */

/* A body source handing out `script` pieces in turn: "" pauses (no bytes,
 * no eof); the last piece carries eof unless eof_apart (then one more call
 * gives eof alone). A NULL piece makes the source fail. */
struct src {
    const char *const *script;
    size_t n, next;
    int eof_apart;
    int calls;
    size_t max_cap;
    struct rec rec; /* the request's events (user points at the src) */
};

static int src_read(void *u, uint8_t *buf, size_t cap, size_t *len, int *eof)
{
    struct src *s = u;
    s->calls++;
    if (cap > s->max_cap)
        s->max_cap = cap;
    *len = 0;
    *eof = 0;
    if (s->next == s->n) {
        *eof = 1;
        return 0;
    }
    const char *piece = s->script[s->next++];
    if (piece == NULL)
        return 1;
    size_t n = strlen(piece);
    CHECK(n <= cap);
    memcpy(buf, piece, n);
    *len = n;
    *eof = s->next == s->n && !s->eof_apart;
    return 0;
}

/* Events for sources: user is the struct src; forward to its rec. */
static int sv_status(void *u, int st, int v, const char *r, size_t rl, int i)
{
    return ev_status(&((struct src *)u)->rec, st, v, r, rl, i);
}
static int sv_header(void *u, const char *n, size_t nl, const char *v, size_t vl)
{
    return ev_header(&((struct src *)u)->rec, n, nl, v, vl);
}
static int sv_done(void *u)
{
    return ev_done(&((struct src *)u)->rec);
}
static int sv_body(void *u, const uint8_t *d, size_t n)
{
    return ev_body(&((struct src *)u)->rec, d, n);
}
static void sv_complete(void *u, hxc_status st, const hxc_error *e)
{
    ev_complete(&((struct src *)u)->rec, st, e);
}
static const struct hxc__msg_events src_events = {
    .on_status = sv_status,
    .on_header = sv_header,
    .on_headers_done = sv_done,
    .on_body = sv_body,
    .on_complete = sv_complete,
};

static struct hxc__req_desc src_req(struct src *s, int64_t length)
{
    struct hxc__req_desc d;
    memset(&d, 0, sizeof d);
    d.method = "PUT";
    d.scheme = "https";
    d.authority = "example.com";
    d.path = "/up";
    d.has_body = 1;
    d.body_read = src_read;
    d.body_read_length = length;
    d.user = s;
    return d;
}

/* Drains everything pending (in steps of `step`) into out; returns bytes. */
static size_t drain_all(struct hxc__h1 *h, char *out, size_t cap, size_t step)
{
    size_t total = 0, n;
    const uint8_t *p;
    while ((n = hxc__h1_pending_out(h, &p)) > 0) {
        size_t take = n < step ? n : step;
        if (total + take < cap)
            memcpy(out + total, p, take);
        total += take;
        hxc__h1_consume_out(h, take);
    }
    out[total < cap ? total : cap - 1] = '\0';
    return total;
}

#define UP_HEAD                                                                            \
    "PUT /up HTTP/1.1\r\nHost: example.com\r\nUser-Agent: hxc/" HXC_VERSION_STRING "\r\n" \
    "Accept: */*\r\n"

static void test_upload_known_length(void)
{
    static const char *const script[] = {"hello ", "world"};
    struct src s = {.script = script, .n = 2, .eof_apart = 1};
    struct hxc__h1 *h = hxc__h1_new(&src_events, 0);
    struct hxc__req_desc d = src_req(&s, 11);
    hxc_error err;
    char got[1024];
    ASSERT_EQ(hxc__h1_submit(h, &d, 0, &err), HXC_OK);
    ASSERT_EQ(s.calls, 0); /* nothing is pulled before the driver asks */
    drain_all(h, got, sizeof got, 5);
    ASSERT_STREQ(got, UP_HEAD "Content-Length: 11\r\n\r\nhello world");
    ASSERT_EQ(s.calls, 3); /* two pieces, then eof on its own */
    /* the announced length caps what a pull may give (+1 to spot excess) */
    CHECK(s.max_cap <= 12);
    ASSERT_EQ(feed_str(h, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", &err), HXC_OK);
    ASSERT_EQ(s.rec.completes, 1);
    ASSERT_EQ(s.rec.status, HXC_OK);
    CHECK(hxc__h1_reusable(h));
    hxc__h1_free(h);

    /* length 0: the source is asked once and must say eof */
    struct src z = {.script = script, .n = 0};
    h = hxc__h1_new(&src_events, 0);
    d = src_req(&z, 0);
    ASSERT_EQ(hxc__h1_submit(h, &d, 0, &err), HXC_OK);
    drain_all(h, got, sizeof got, 1000);
    ASSERT_STREQ(got, UP_HEAD "Content-Length: 0\r\n\r\n");
    ASSERT_EQ(z.calls, 1);
    ASSERT_EQ(feed_str(h, "HTTP/1.1 204 No Content\r\n\r\n", &err), HXC_OK);
    CHECK(hxc__h1_reusable(h));
    hxc__h1_free(h);
}

static void test_upload_chunked_pause(void)
{
    static const char *const script[] = {"hello", "", "world!", "x"};
    struct src s = {.script = script, .n = 4, .eof_apart = 1};
    struct hxc__h1 *h = hxc__h1_new(&src_events, 0);
    struct hxc__req_desc d = src_req(&s, -1);
    hxc_error err;
    char got[1024], all[2048];
    ASSERT_EQ(hxc__h1_submit(h, &d, 0, &err), HXC_OK);
    size_t n = drain_all(h, got, sizeof got, 7);
    memcpy(all, got, n + 1);
    ASSERT_STREQ(got, UP_HEAD "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    ASSERT_EQ(s.calls, 2); /* "hello", then "" paused the upload */
    const uint8_t *p;
    /* paused: asking again pulls nothing */
    ASSERT_EQ(hxc__h1_pending_out(h, &p), 0);
    ASSERT_EQ(s.calls, 2);
    CHECK(hxc__h1_busy(h));
    hxc__h1_resume(h);
    size_t m = drain_all(h, got, sizeof got, 1000);
    ASSERT_STREQ(got, "6\r\nworld!\r\n1\r\nx\r\n0\r\n\r\n");
    memcpy(all + n, got, m + 1);
    ASSERT_EQ(s.calls, 5);
    ASSERT_EQ(hxc__h1_pending_out(h, &p), 0);
    ASSERT_EQ(s.calls, 5); /* after eof the source is not asked again */
    ASSERT_STREQ(all, UP_HEAD "Transfer-Encoding: chunked\r\n\r\n"
                              "5\r\nhello\r\n6\r\nworld!\r\n1\r\nx\r\n0\r\n\r\n");
    ASSERT_EQ(feed_str(h, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", &err), HXC_OK);
    ASSERT_EQ(s.rec.status, HXC_OK);
    CHECK(hxc__h1_reusable(h));
    hxc__h1_free(h);

    /* the last bytes and eof in one pull; nothing but eof at all */
    static const char *const one[] = {"abc"};
    struct src t = {.script = one, .n = 1};
    h = hxc__h1_new(&src_events, 0);
    d = src_req(&t, -1);
    ASSERT_EQ(hxc__h1_submit(h, &d, 0, &err), HXC_OK);
    drain_all(h, got, sizeof got, 1000);
    ASSERT_STREQ(got, UP_HEAD "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
    ASSERT_EQ(t.calls, 1);
    hxc__h1_free(h);
    struct src e = {.script = one, .n = 0};
    h = hxc__h1_new(&src_events, 0);
    d = src_req(&e, -1);
    ASSERT_EQ(hxc__h1_submit(h, &d, 0, &err), HXC_OK);
    drain_all(h, got, sizeof got, 1000);
    ASSERT_STREQ(got, UP_HEAD "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    hxc__h1_free(h);
}

/* A big source is pulled as the output drains, never read whole. */
struct big_src {
    uint64_t total, given;
    struct rec rec;
};

static uint8_t big_byte(uint64_t i)
{
    return (uint8_t)(i * 7 + (i >> 10));
}

static int big_read(void *u, uint8_t *buf, size_t cap, size_t *len, int *eof)
{
    struct big_src *b = u;
    size_t n = cap;
    if (n > 5000) /* uneven pieces */
        n = 5000 + (size_t)(b->given % 3000);
    if (n > cap)
        n = cap;
    if (n > b->total - b->given)
        n = (size_t)(b->total - b->given);
    for (size_t i = 0; i < n; i++)
        buf[i] = big_byte(b->given + i);
    b->given += n;
    *len = n;
    *eof = b->given == b->total;
    return 0;
}

static void big_complete(void *u, hxc_status st, const hxc_error *e)
{
    ev_complete(&((struct big_src *)u)->rec, st, e);
}

static const struct hxc__msg_events big_events = {.on_complete = big_complete};

static void upload_big(int64_t announced)
{
    struct big_src b;
    memset(&b, 0, sizeof b);
    b.total = 4u << 20;
    struct hxc__h1 *h = hxc__h1_new(&big_events, 0);
    struct hxc__req_desc d;
    memset(&d, 0, sizeof d);
    d.method = "POST";
    d.authority = "example.com";
    d.path = "/big";
    d.has_body = 1;
    d.body_read = big_read;
    d.body_read_length = announced;
    d.user = &b;
    hxc_error err;
    ASSERT_EQ(hxc__h1_submit(h, &d, 0, &err), HXC_OK);
    /* the receiver: skip the head, then check every body byte (de-chunking) */
    size_t sent = 0, max_pending = 0, head_len = 0;
    uint64_t body = 0, max_ahead = 0;
    int bad = 0, in_head = 1;
    char line[32];
    size_t line_len = 0;
    uint64_t chunk_left = 0;
    int chunk_state = 0; /* 0 size line, 1 data, 2 CRLF after data, 3 done */
    const uint8_t *p;
    size_t n;
    while ((n = hxc__h1_pending_out(h, &p)) > 0) {
        if (n > max_pending)
            max_pending = n;
        uint64_t ahead = b.given - body;
        if (ahead > max_ahead)
            max_ahead = ahead;
        size_t take = n < 1000 ? n : 1000; /* a slow socket */
        for (size_t i = 0; i < take; i++) {
            uint8_t c = p[i];
            if (in_head) {
                head_len++;
                if (head_len >= 4 && c == '\n' && line_len == 1)
                    in_head = 0;
                line_len = c == '\n' ? 0 : line_len + 1;
                continue;
            }
            if (announced >= 0 || chunk_state == 1) {
                bad += c != big_byte(body);
                body++;
                if (announced < 0 && --chunk_left == 0)
                    chunk_state = 2;
            } else if (chunk_state == 0 || chunk_state == 2) {
                if (c != '\n') {
                    if (line_len < sizeof line - 1)
                        line[line_len++] = (char)c;
                    continue;
                }
                line[line_len] = '\0';
                line_len = 0;
                if (chunk_state == 2) {
                    chunk_state = 0;
                    continue;
                }
                chunk_left = strtoull(line, NULL, 16);
                chunk_state = chunk_left ? 1 : 3;
            }
        }
        sent += take;
        hxc__h1_consume_out(h, take);
    }
    ASSERT_EQ(body, b.total);
    ASSERT_EQ(bad, 0);
    ASSERT_EQ(b.given, b.total);
    if (announced < 0)
        ASSERT_EQ(chunk_state, 3);
    /* bounded: at most 64 KiB (+ the head) pulled ahead of the receiver */
    CHECK(max_pending <= 65536 + head_len);
    CHECK(max_ahead <= 65536);
    CHECK(max_ahead > 0);
    ASSERT_EQ(feed_str(h, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", &err), HXC_OK);
    ASSERT_EQ(b.rec.status, HXC_OK);
    CHECK(hxc__h1_reusable(h));
    hxc__h1_free(h);
}

static void test_upload_big_bounded(void)
{
    upload_big(4 << 20);
    upload_big(-1);
}

static void expect_upload_error(const char *const *script, size_t n, int64_t length,
                                hxc_status want, const char *msg)
{
    struct src s = {.script = script, .n = n};
    struct hxc__h1 *h = hxc__h1_new(&src_events, 0);
    struct hxc__req_desc d = src_req(&s, length);
    hxc_error err;
    char got[1024];
    ASSERT_EQ(hxc__h1_submit(h, &d, 0, &err), HXC_OK);
    drain_all(h, got, sizeof got, 1000);
    ASSERT_EQ(s.rec.completes, 1);
    ASSERT_EQ(s.rec.status, want);
    ASSERT_STREQ(s.rec.err.message, msg);
    CHECK(!hxc__h1_busy(h) && !hxc__h1_reusable(h));
    /* nothing more happens on it */
    const uint8_t *p;
    ASSERT_EQ(hxc__h1_pending_out(h, &p), 0);
    hxc__h1_eof(h);
    ASSERT_EQ(s.rec.completes, 1);
    hxc__h1_free(h);
}

static void test_upload_errors(void)
{
    static const char *const five[] = {"12345"};
    static const char *const fail[] = {"ab", NULL};
    expect_upload_error(five, 1, 10, HXC_E_INVALID_ARGUMENT,
                        "the request body source ended after 5 of 10 bytes");
    static const char *const four[] = {"12", "34"};
    expect_upload_error(four, 2, 3, HXC_E_INVALID_ARGUMENT,
                        "the request body source produced more than the 3 bytes it announced");
    expect_upload_error(fail, 2, -1, HXC_E_CALLBACK_ABORT,
                        "the request body source aborted the upload after 2 bytes");
    /* the caller may not frame a streamed body */
    struct src s = {.script = five, .n = 1};
    struct hxc__hdr hs[] = {{"content-length", 14, "5", 1}};
    struct hxc__h1 *h = hxc__h1_new(&src_events, 0);
    struct hxc__req_desc d = src_req(&s, 5);
    hxc_error err;
    d.headers = hs;
    d.nheaders = 1;
    ASSERT_EQ(hxc__h1_submit(h, &d, 0, &err), HXC_E_INVALID_ARGUMENT);
    ASSERT_CONTAINS(err.message, "'Content-Length' conflicts with the streamed request body");
    d = src_req(&s, -2);
    ASSERT_EQ(hxc__h1_submit(h, &d, 0, &err), HXC_E_INVALID_ARGUMENT);
    ASSERT_CONTAINS(err.message, "invalid length -2");
    CHECK(hxc__h1_reusable(h));
    hxc__h1_free(h);
}

/* The server answers before the upload is done: the request completes and
 * the connection is not reused (the rest of the body was never sent). */
static void test_upload_early_response(void)
{
    static const char *const script[] = {"part1", ""};
    struct src s = {.script = script, .n = 2, .eof_apart = 1};
    struct hxc__h1 *h = hxc__h1_new(&src_events, 0);
    struct hxc__req_desc d = src_req(&s, -1);
    hxc_error err;
    char got[1024];
    ASSERT_EQ(hxc__h1_submit(h, &d, 0, &err), HXC_OK);
    drain_all(h, got, sizeof got, 1000);
    ASSERT_EQ(feed_str(h, "HTTP/1.1 413 Too Large\r\nContent-Length: 0\r\n\r\n", &err),
              HXC_OK);
    ASSERT_EQ(s.rec.status, HXC_OK);
    CHECK(!hxc__h1_reusable(h) && !hxc__h1_busy(h));
    hxc__h1_resume(h);
    const uint8_t *p;
    ASSERT_EQ(hxc__h1_pending_out(h, &p), 0);
    ASSERT_EQ(s.calls, 2);
    hxc__h1_free(h);
}

/* ------------------------------------------------------------- cancel */

static int cancel_in_body(void *u, const uint8_t *d, size_t n)
{
    struct rec *r = u;
    ev_body(u, d, n);
    hxc__h1_cancel(r->h);
    return 0;
}

static void test_cancel(void)
{
    struct rec r;
    rec_init(&r);
    struct hxc__h1 *h = start(&r, 0, "GET");
    hxc_error err;
    ASSERT_EQ(feed_str(h, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", &err), HXC_OK);
    hxc__h1_cancel(h);
    ASSERT_EQ(r.completes, 1);
    ASSERT_EQ(r.status, HXC_E_CANCELLED);
    ASSERT_STREQ(r.err.message, "transfer cancelled");
    CHECK(!hxc__h1_busy(h) && !hxc__h1_reusable(h));
    struct hxc__req_desc d = get_req(&r, "GET");
    ASSERT_EQ(hxc__h1_submit(h, &d, 0, &err), HXC_E_CONN_CLOSED);
    ASSERT_CONTAINS(err.message, "cancelled");
    hxc__h1_cancel(h); /* nothing in flight: no second completion */
    hxc__h1_eof(h);
    ASSERT_EQ(r.completes, 1);
    hxc__h1_free(h);

    /* cancel of a streamed upload that is paused */
    static const char *const script[] = {"abc", ""};
    struct src s = {.script = script, .n = 2, .eof_apart = 1};
    h = hxc__h1_new(&src_events, 0);
    d = src_req(&s, 100);
    char got[512];
    ASSERT_EQ(hxc__h1_submit(h, &d, 0, &err), HXC_OK);
    drain_all(h, got, sizeof got, 1000);
    hxc__h1_cancel(h);
    ASSERT_EQ(s.rec.completes, 1);
    ASSERT_EQ(s.rec.status, HXC_E_CANCELLED);
    hxc__h1_resume(h);
    const uint8_t *p;
    ASSERT_EQ(hxc__h1_pending_out(h, &p), 0);
    ASSERT_EQ(s.calls, 2);
    hxc__h1_free(h);

    /* cancel from inside on_body: parsing stops, feed says so */
    static const struct hxc__msg_events cev = {
        .on_status = ev_status, .on_body = cancel_in_body, .on_complete = ev_complete};
    rec_init(&r);
    h = hxc__h1_new(&cev, 0);
    r.h = h;
    d = get_req(&r, "GET");
    ASSERT_EQ(hxc__h1_submit(h, &d, 0, &err), HXC_OK);
    drain_all(h, got, sizeof got, 1000);
    ASSERT_EQ(feed_str(h, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n",
                       &err),
              HXC_E_CANCELLED);
    ASSERT_CONTAINS(err.message, "cancelled");
    ASSERT_EQ(r.completes, 1);
    ASSERT_EQ(r.status, HXC_E_CANCELLED);
    ASSERT_EQ(r.bodylen, 3); /* "def" never reported */
    CHECK(!hxc__h1_busy(h) && !hxc__h1_reusable(h));
    hxc__h1_free(h);
}

static void test_close_delimited_flag(void)
{
    struct rec r;
    rec_init(&r);
    struct hxc__h1 *h = start(&r, 0, "GET");
    hxc_error err;
    CHECK(!hxc__h1_close_delimited(h));
    ASSERT_EQ(feed_str(h, "HTTP/1.1 200 OK\r\nContent-Type: x\r\n\r\nab", &err), HXC_OK);
    CHECK(hxc__h1_close_delimited(h));
    hxc__h1_eof(h);
    CHECK(!hxc__h1_close_delimited(h));
    ASSERT_EQ(r.status, HXC_OK);
    hxc__h1_free(h);

    static const char *const framed[] = {
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n",
    };
    for (size_t i = 0; i < sizeof framed / sizeof framed[0]; i++) {
        rec_init(&r);
        h = start(&r, 0, "GET");
        ASSERT_EQ(feed_str(h, framed[i], &err), HXC_OK);
        CHECK(hxc__h1_busy(h));
        CHECK(!hxc__h1_close_delimited(h));
        hxc__h1_free(h);
    }
}

/* ------------------------------------------------------------ trailers */

static int ev_trailer(void *u, const char *name, size_t name_len, const char *value,
                      size_t value_len)
{
    struct rec *r = u;
    r->in_body = 0;
    logf_(r, "trailer '%.*s' '%.*s'\n", (int)name_len, name, (int)value_len, value);
    return r->abort_on && strcmp(r->abort_on, "trailer") == 0;
}

static void test_on_trailer(void)
{
    static const struct hxc__msg_events tev = {
        .on_status = ev_status,
        .on_header = ev_header,
        .on_headers_done = ev_done,
        .on_body = ev_body,
        .on_trailer = ev_trailer,
        .on_complete = ev_complete,
    };
    static const char resp[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                               "5\r\nhello\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n";
    for (int abort = 0; abort < 2; abort++) {
        struct rec r;
        rec_init(&r);
        r.abort_on = abort ? "trailer" : NULL;
        struct hxc__h1 *h = hxc__h1_new(&tev, 0);
        struct hxc__req_desc d = get_req(&r, "GET");
        hxc_error err;
        char got[512];
        ASSERT_EQ(hxc__h1_submit(h, &d, 0, &err), HXC_OK);
        drain_all(h, got, sizeof got, 1000);
        /* byte by byte: the trailer budget and events do not depend on splits */
        hxc_status st = feed_split(h, resp, strlen(resp), -1, &err);
        r.log[r.loglen] = '\0';
        if (!abort) {
            ASSERT_EQ(st, HXC_OK);
            ASSERT_STREQ(r.log, "status 200 v11 'OK'\n"
                                "header 'Transfer-Encoding' 'chunked'\n"
                                "done\nbody\n"
                                "trailer 'X-Checksum' 'abc'\n"
                                "trailer 'X-Other' '1'\n"
                                "complete HXC_OK\n");
            CHECK(hxc__h1_reusable(h));
        } else {
            ASSERT_EQ(st, HXC_E_CALLBACK_ABORT);
            ASSERT_STREQ(r.err.message, "the trailer callback aborted the request");
            ASSERT_EQ(r.completes, 1);
        }
        hxc__h1_free(h);
    }
}

int main(void)
{
    test_request_bytes();
    test_request_body_and_overrides();
    test_header_injection();
    test_content_length();
    test_chunked();
    test_close_delimited();
    test_head();
    test_204_304();
    test_interim();
    test_headers_too_large();
    test_malformed();
    test_truncated();
    test_keep_alive();
    test_not_reusable();
    test_stray_bytes();
    test_callback_abort();
    test_early_response_and_abort();
    test_upload_known_length();
    test_upload_chunked_pause();
    test_upload_big_bounded();
    test_upload_errors();
    test_upload_early_response();
    test_cancel();
    test_close_delimited_flag();
    test_on_trailer();
    return HARNESS_RESULT();
}
