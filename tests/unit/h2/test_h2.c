/*
 * HTTP/2 engine tests: the hxc client engine talks to an nghttp2 SERVER
 * session created here, with bytes pumped between the two in memory (no
 * sockets). The server answers by path:
 *   /size/N/S   200 with N bytes of pattern(S)
 *   /echo       200 with the request body's length as text
 *   /headers    200 echoing what it saw of user-agent, accept, x-test, te
 *   /trailers   200 "hello" + trailer x-checksum: abc
 *   /early      103 (with a link header), then 200 "ok"
 *   /refuse     RST_STREAM(REFUSED_STREAM)
 *   /reset0     RST_STREAM(NO_ERROR) with no response
 *   /big        200 with a 4000-byte header
 *   /badlen     200 with content-length: 10 and a 3-byte body
 *   /hold       nothing until the test calls srv_respond()
 */
#include <nghttp2/nghttp2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "h2/h2.h"
#include "harness.h"

/* ------------------------------------------------------------ server */

#define MAX_SRV_STREAMS 128

struct srv_stream {
    int32_t id;
    char path[128];
    char method[16];
    char seen[256]; /* request headers of interest, "name=value;" */
    size_t body_recv;
    size_t resp_len, resp_off;
    unsigned seed;
    const char *text; /* fixed response body, or NULL for the pattern */
    int trailers;
    char textbuf[64];
    uint32_t close_code;
    int closed;
};

struct server {
    nghttp2_session *s;
    struct srv_stream st[MAX_SRV_STREAMS];
    int n;
    int32_t rst_id; /* last RST_STREAM received */
    uint32_t rst_code;
};

static uint8_t pattern(size_t i, unsigned seed)
{
    return (uint8_t)((i * 31u + seed * 7u + (i >> 8)) & 0xff);
}

static ssize_t srv_read(nghttp2_session *s, int32_t id, uint8_t *buf, size_t length,
                        uint32_t *flags, nghttp2_data_source *src, void *ud)
{
    struct srv_stream *ss = src->ptr;
    size_t n = ss->resp_len - ss->resp_off;
    (void)ud;
    if (n > length)
        n = length;
    for (size_t i = 0; i < n; i++)
        buf[i] = ss->text ? (uint8_t)ss->text[ss->resp_off + i] : pattern(ss->resp_off + i, ss->seed);
    ss->resp_off += n;
    if (ss->resp_off == ss->resp_len) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        if (ss->trailers) {
            nghttp2_nv tr[] = {{(uint8_t *)"x-checksum", (uint8_t *)"abc", 10, 3, 0}};
            *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
            nghttp2_submit_trailer(s, id, tr, 1);
        }
    }
    return (ssize_t)n;
}

static void srv_send(struct server *sv, struct srv_stream *ss, const char *status,
                     const nghttp2_nv *extra, size_t nextra)
{
    nghttp2_nv nv[8];
    size_t n = 0;
    nghttp2_data_provider prd;
    nv[n++] = (nghttp2_nv){(uint8_t *)":status", (uint8_t *)status, 7, strlen(status), 0};
    for (size_t i = 0; i < nextra && n < 8; i++)
        nv[n++] = extra[i];
    prd.source.ptr = ss;
    prd.read_callback = srv_read;
    nghttp2_submit_response(sv->s, ss->id, nv, n, &prd);
}

static void srv_respond_text(struct server *sv, struct srv_stream *ss, const char *text)
{
    ss->text = text;
    ss->resp_len = strlen(text);
    srv_send(sv, ss, "200", NULL, 0);
}

/* Answers a /hold stream with a pattern body of n bytes. */
static void srv_respond(struct server *sv, int32_t id, size_t n)
{
    for (int i = 0; i < sv->n; i++) {
        if (sv->st[i].id != id)
            continue;
        sv->st[i].resp_len = n;
        sv->st[i].seed = (unsigned)id;
        srv_send(sv, &sv->st[i], "200", NULL, 0);
    }
}

static void srv_answer(struct server *sv, struct srv_stream *ss)
{
    static char big[4001];
    size_t n;
    unsigned seed;
    if (sscanf(ss->path, "/size/%zu/%u", &n, &seed) == 2) {
        ss->resp_len = n;
        ss->seed = seed;
        srv_send(sv, ss, "200", NULL, 0);
    } else if (strcmp(ss->path, "/echo") == 0) {
        snprintf(ss->textbuf, sizeof ss->textbuf, "%zu", ss->body_recv);
        srv_respond_text(sv, ss, ss->textbuf);
    } else if (strcmp(ss->path, "/headers") == 0) {
        srv_respond_text(sv, ss, ss->seen);
    } else if (strcmp(ss->path, "/trailers") == 0) {
        ss->trailers = 1;
        srv_respond_text(sv, ss, "hello");
    } else if (strcmp(ss->path, "/early") == 0) {
        nghttp2_nv hints[] = {{(uint8_t *)":status", (uint8_t *)"103", 7, 3, 0},
                              {(uint8_t *)"link", (uint8_t *)"</a.css>", 4, 8, 0}};
        nghttp2_submit_headers(sv->s, NGHTTP2_FLAG_NONE, ss->id, NULL, hints, 2, NULL);
        srv_respond_text(sv, ss, "ok");
    } else if (strcmp(ss->path, "/refuse") == 0) {
        nghttp2_submit_rst_stream(sv->s, NGHTTP2_FLAG_NONE, ss->id, NGHTTP2_REFUSED_STREAM);
    } else if (strcmp(ss->path, "/badlen") == 0) {
        nghttp2_nv cl = {(uint8_t *)"content-length", (uint8_t *)"10", 14, 2, 0};
        ss->text = "abc";
        ss->resp_len = 3;
        srv_send(sv, ss, "200", &cl, 1);
    } else if (strcmp(ss->path, "/reset0") == 0) {
        nghttp2_submit_rst_stream(sv->s, NGHTTP2_FLAG_NONE, ss->id, NGHTTP2_NO_ERROR);
    } else if (strcmp(ss->path, "/big") == 0) {
        memset(big, 'v', sizeof big - 1);
        nghttp2_nv h = {(uint8_t *)"x-big", (uint8_t *)big, 5, sizeof big - 1, 0};
        ss->text = "big";
        ss->resp_len = 3;
        srv_send(sv, ss, "200", &h, 1);
    }
    /* /hold: answered later by the test */
}

static struct srv_stream *srv_stream(nghttp2_session *s, int32_t id)
{
    return nghttp2_session_get_stream_user_data(s, id);
}

static int srv_begin_headers(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
    struct server *sv = ud;
    struct srv_stream *ss;
    if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST ||
        sv->n >= MAX_SRV_STREAMS)
        return 0;
    ss = &sv->st[sv->n++];
    ss->id = f->hd.stream_id;
    nghttp2_session_set_stream_user_data(s, ss->id, ss);
    return 0;
}

static void seen_add(struct srv_stream *ss, const uint8_t *n, size_t nl, const uint8_t *v,
                     size_t vl)
{
    size_t len = strlen(ss->seen);
    snprintf(ss->seen + len, sizeof ss->seen - len, "%.*s=%.*s;", (int)nl, (const char *)n,
             (int)vl, (const char *)v);
}

static int srv_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *n, size_t nl,
                      const uint8_t *v, size_t vl, uint8_t flags, void *ud)
{
    struct srv_stream *ss = srv_stream(s, f->hd.stream_id);
    (void)flags;
    (void)ud;
    if (ss == NULL)
        return 0;
    if (nl == 5 && memcmp(n, ":path", 5) == 0)
        snprintf(ss->path, sizeof ss->path, "%.*s", (int)vl, (const char *)v);
    else if (nl == 7 && memcmp(n, ":method", 7) == 0)
        snprintf(ss->method, sizeof ss->method, "%.*s", (int)vl, (const char *)v);
    else if ((nl == 10 && memcmp(n, "user-agent", 10) == 0) ||
             (nl == 6 && memcmp(n, "accept", 6) == 0) || (nl == 2 && memcmp(n, "te", 2) == 0) ||
             (nl == 6 && memcmp(n, "x-test", 6) == 0) ||
             (nl == 14 && memcmp(n, "content-length", 14) == 0) ||
             (nl == 4 && memcmp(n, "host", 4) == 0))
        seen_add(ss, n, nl, v, vl);
    return 0;
}

static int srv_data(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *d, size_t len,
                    void *ud)
{
    struct srv_stream *ss = srv_stream(s, id);
    (void)flags;
    (void)d;
    (void)ud;
    if (ss)
        ss->body_recv += len;
    return 0;
}

static int srv_frame_recv(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
    struct srv_stream *ss;
    struct server *sv = ud;
    if (f->hd.type == NGHTTP2_RST_STREAM) {
        sv->rst_id = f->hd.stream_id;
        sv->rst_code = f->rst_stream.error_code;
    }
    if ((f->hd.type != NGHTTP2_HEADERS && f->hd.type != NGHTTP2_DATA) ||
        !(f->hd.flags & NGHTTP2_FLAG_END_STREAM))
        return 0;
    ss = srv_stream(s, f->hd.stream_id);
    if (ss)
        srv_answer(sv, ss);
    return 0;
}

static int srv_close(nghttp2_session *s, int32_t id, uint32_t code, void *ud)
{
    struct srv_stream *ss = srv_stream(s, id);
    (void)ud;
    if (ss) {
        ss->closed = 1;
        ss->close_code = code;
    }
    return 0;
}

static void srv_init(struct server *sv)
{
    nghttp2_session_callbacks *cb;
    nghttp2_settings_entry iv[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100}};
    memset(sv, 0, sizeof *sv);
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_begin_headers_callback(cb, srv_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cb, srv_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, srv_data);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, srv_frame_recv);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, srv_close);
    nghttp2_session_server_new(&sv->s, cb, sv);
    nghttp2_session_callbacks_del(cb);
    nghttp2_submit_settings(sv->s, NGHTTP2_FLAG_NONE, iv, 1);
}

/* ----------------------------------------------------------- client */

struct resp {
    int status;
    int interim_status;
    int headers_done;
    int ncomplete;
    int late_events; /* events after on_complete: must stay 0 */
    hxc_status result;
    hxc_error err;
    char headers[512];
    char trailers[256];
    uint8_t *body;
    size_t body_len;
    int abort_on_body;
    /* reentrancy: on_complete submits this request */
    struct hxc__h2 *resubmit_h;
    const struct hxc__req_desc *resubmit;
    int32_t resubmit_id;
};

static void append(char *buf, size_t cap, const char *n, size_t nl, const char *v, size_t vl)
{
    size_t len = strlen(buf);
    snprintf(buf + len, cap - len, "%.*s: %.*s\n", (int)nl, n, (int)vl, v);
}

static int ev_status(void *u, int status, int version, const char *reason, size_t rlen,
                     int interim)
{
    struct resp *r = u;
    r->late_events += r->ncomplete;
    CHECK(version == 20 && rlen == 0 && reason != NULL);
    if (interim)
        r->interim_status = status;
    else
        r->status = status;
    return 0;
}

static int ev_header(void *u, const char *n, size_t nl, const char *v, size_t vl)
{
    struct resp *r = u;
    r->late_events += r->ncomplete;
    if (r->headers_done)
        append(r->trailers, sizeof r->trailers, n, nl, v, vl);
    else
        append(r->headers, sizeof r->headers, n, nl, v, vl);
    return 0;
}

static int ev_headers_done(void *u)
{
    struct resp *r = u;
    r->late_events += r->ncomplete;
    r->headers_done++;
    return 0;
}

static int ev_body(void *u, const uint8_t *d, size_t len)
{
    struct resp *r = u;
    r->late_events += r->ncomplete;
    if (r->abort_on_body)
        return 1;
    r->body = realloc(r->body, r->body_len + len);
    memcpy(r->body + r->body_len, d, len);
    r->body_len += len;
    return 0;
}

static void ev_complete(void *u, hxc_status status, const hxc_error *err)
{
    struct resp *r = u;
    r->ncomplete++;
    r->result = status;
    CHECK((status == HXC_OK) == (err == NULL));
    if (err)
        r->err = *err;
    if (r->resubmit) {
        const struct hxc__req_desc *req = r->resubmit;
        r->resubmit = NULL;
        r->resubmit_id = hxc__h2_submit(r->resubmit_h, req, NULL);
    }
}

static const struct hxc__msg_events events = {ev_status, ev_header, ev_headers_done, ev_body,
                                              ev_complete};

static struct hxc__h2 *client(size_t max_header_bytes)
{
    hxc_error err;
    struct hxc__h2 *h = hxc__h2_new(&events, max_header_bytes, &err);
    CHECK(h != NULL);
    return h;
}

static struct hxc__req_desc get(const char *path, struct resp *r)
{
    struct hxc__req_desc d;
    memset(&d, 0, sizeof d);
    d.method = "GET";
    d.scheme = "https";
    d.authority = "example.test";
    d.path = path;
    d.user = r;
    return d;
}

static int32_t submit(struct hxc__h2 *h, const char *path, struct resp *r)
{
    struct hxc__req_desc d = get(path, r);
    hxc_error err;
    int32_t id = hxc__h2_submit(h, &d, &err);
    CHECK(id > 0);
    return id;
}

/* Moves bytes both ways until neither side has anything to say. At most
 * `chunk` bytes go to the server per round (short writes by the driver);
 * the client is fed in pieces of `piece` bytes. Returns the first
 * non-OK feed status. */
static hxc_status pump2(struct hxc__h2 *h, struct server *sv, size_t chunk, size_t piece)
{
    hxc_status result = HXC_OK;
    for (int round = 0; round < 200000; round++) {
        const uint8_t *p;
        ssize_t m;
        int moved = 0;
        size_t n = hxc__h2_pending_out(h, &p);
        if (n > chunk)
            n = chunk;
        if (n > 0) {
            ssize_t r = nghttp2_session_mem_recv(sv->s, p, n);
            CHECK(r == (ssize_t)n);
            hxc__h2_consume_out(h, n);
            moved = 1;
        }
        while ((m = nghttp2_session_mem_send(sv->s, &p)) > 0) {
            for (size_t off = 0; off < (size_t)m; off += piece) {
                size_t k = (size_t)m - off < piece ? (size_t)m - off : piece;
                hxc_error err;
                hxc_status st = hxc__h2_feed(h, p + off, k, &err);
                if (st != HXC_OK && result == HXC_OK)
                    result = st;
                if (st != HXC_OK)
                    return result;
            }
            moved = 1;
        }
        if (!moved)
            return result;
    }
    CHECK(!"pump did not settle");
    return result;
}

static hxc_status pump(struct hxc__h2 *h, struct server *sv)
{
    return pump2(h, sv, (size_t)-1, (size_t)-1);
}

static int body_matches(const struct resp *r, size_t n, unsigned seed)
{
    if (r->body_len != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (r->body[i] != pattern(i, seed))
            return 0;
    return 1;
}

static void resp_free(struct resp *r)
{
    free(r->body);
}

/* ------------------------------------------------------------- tests */

static void test_get_small(void)
{
    struct server sv;
    struct resp r = {0};
    struct hxc__h2 *h = client(0);
    struct hxc__hdr hdrs[] = {{"X-Test", 6, "Yes", 3}, {"Host", 4, "ignored", 7}};
    struct hxc__req_desc d = get("/size/1024/5", &r);
    hxc_error err;
    int32_t id;
    srv_init(&sv);
    d.headers = hdrs;
    d.nheaders = 2;
    id = hxc__h2_submit(h, &d, &err);
    ASSERT_EQ(id, 1);
    ASSERT_EQ(hxc__h2_open_streams(h), 1);
    CHECK(hxc__h2_want_write(h));
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    ASSERT_EQ(r.ncomplete, 1);
    ASSERT_EQ(r.result, HXC_OK);
    ASSERT_EQ(r.status, 200);
    ASSERT_EQ(r.headers_done, 1);
    CHECK(body_matches(&r, 1024, 5));
    ASSERT_EQ(r.late_events, 0);
    ASSERT_EQ(hxc__h2_open_streams(h), 0);
    ASSERT_STREQ(sv.st[0].method, "GET");
    ASSERT_CONTAINS(sv.st[0].seen, "x-test=Yes;");
    ASSERT_CONTAINS(sv.st[0].seen, "user-agent=hxc/" HXC_VERSION_STRING ";");
    ASSERT_CONTAINS(sv.st[0].seen, "accept=*/*;");
    CHECK(strstr(sv.st[0].seen, "host=") == NULL);
    CHECK(strstr(sv.st[0].seen, "content-length=") == NULL);
    /* the client advertised push off and 16 MiB stream windows */
    ASSERT_EQ(nghttp2_session_get_remote_settings(sv.s, NGHTTP2_SETTINGS_ENABLE_PUSH), 0);
    ASSERT_EQ(nghttp2_session_get_remote_settings(sv.s, NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE),
              16 * 1024 * 1024);
    ASSERT_EQ(nghttp2_session_get_remote_settings(sv.s, NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE),
              65536);
    CHECK(nghttp2_session_get_remote_window_size(sv.s) >= 16 * 1024 * 1024 - 2048);
    CHECK(hxc__h2_can_submit(h));
    hxc__h2_free(h);
    nghttp2_session_del(sv.s);
    resp_free(&r);
}

static void test_large_body(void)
{
    struct server sv;
    struct resp r = {0};
    struct hxc__h2 *h = client(0);
    srv_init(&sv);
    submit(h, "/size/1048576/9", &r);
    /* short writes (1000 bytes per round) and small reads (777) */
    ASSERT_EQ(pump2(h, &sv, 1000, 777), HXC_OK);
    ASSERT_EQ(r.result, HXC_OK);
    ASSERT_EQ(r.ncomplete, 1);
    CHECK(body_matches(&r, 1048576, 9));
    hxc__h2_free(h);
    nghttp2_session_del(sv.s);
    resp_free(&r);
}

static void test_50_streams(void)
{
    enum { N = 50 };
    struct server sv;
    static struct resp r[N];
    struct hxc__h2 *h = client(0);
    char paths[N][64];
    int ok = 0, bodies = 0;
    srv_init(&sv);
    memset(r, 0, sizeof r);
    for (int i = 0; i < N; i++) {
        snprintf(paths[i], sizeof paths[i], "/size/%d/%d", 1000 + i * 997, i);
        ASSERT_EQ(submit(h, paths[i], &r[i]), 2 * i + 1);
    }
    ASSERT_EQ(hxc__h2_open_streams(h), N);
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    for (int i = 0; i < N; i++) {
        ok += r[i].ncomplete == 1 && r[i].result == HXC_OK && r[i].status == 200;
        bodies += body_matches(&r[i], (size_t)(1000 + i * 997), (unsigned)i);
        resp_free(&r[i]);
    }
    ASSERT_EQ(ok, N);
    ASSERT_EQ(bodies, N);
    ASSERT_EQ(sv.n, N);
    ASSERT_EQ(hxc__h2_open_streams(h), 0);
    hxc__h2_free(h);
    nghttp2_session_del(sv.s);
}

static void test_post_body(void)
{
    struct server sv;
    struct resp r = {0};
    struct hxc__h2 *h = client(0);
    struct hxc__req_desc d = get("/echo", &r);
    static uint8_t body[100000];
    hxc_error err;
    srv_init(&sv);
    memset(body, 'b', sizeof body);
    d.method = "POST";
    d.body = body;
    d.body_len = sizeof body;
    d.has_body = 1;
    CHECK(hxc__h2_submit(h, &d, &err) > 0);
    /* more than the server's 65535-byte window: needs its WINDOW_UPDATEs */
    ASSERT_EQ(pump2(h, &sv, 3000, (size_t)-1), HXC_OK);
    ASSERT_EQ(r.result, HXC_OK);
    ASSERT_EQ(sv.st[0].body_recv, sizeof body);
    ASSERT_STREQ(sv.st[0].method, "POST");
    ASSERT_CONTAINS(sv.st[0].seen, "content-length=100000;");
    r.body = realloc(r.body, r.body_len + 1);
    r.body[r.body_len] = 0;
    ASSERT_STREQ((char *)r.body, "100000");
    hxc__h2_free(h);
    nghttp2_session_del(sv.s);
    resp_free(&r);
}

static void test_empty_post(void)
{
    struct server sv;
    struct resp r = {0};
    struct hxc__h2 *h = client(0);
    struct hxc__req_desc d = get("/echo", &r);
    hxc_error err;
    srv_init(&sv);
    d.method = "POST";
    d.has_body = 1;
    CHECK(hxc__h2_submit(h, &d, &err) > 0);
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    ASSERT_EQ(r.result, HXC_OK);
    ASSERT_CONTAINS(sv.st[0].seen, "content-length=0;");
    ASSERT_EQ(r.body_len, 1);
    CHECK(r.body_len == 1 && r.body[0] == '0');
    hxc__h2_free(h);
    nghttp2_session_del(sv.s);
    resp_free(&r);
}

static void test_trailers(void)
{
    struct server sv;
    struct resp r = {0};
    struct hxc__h2 *h = client(0);
    srv_init(&sv);
    submit(h, "/trailers", &r);
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    ASSERT_EQ(r.result, HXC_OK);
    ASSERT_EQ(r.headers_done, 1);
    ASSERT_EQ(r.body_len, 5);
    CHECK(r.body_len == 5 && memcmp(r.body, "hello", 5) == 0);
    ASSERT_STREQ(r.trailers, "x-checksum: abc\n");
    CHECK(strstr(r.headers, "x-checksum") == NULL);
    hxc__h2_free(h);
    nghttp2_session_del(sv.s);
    resp_free(&r);
}

static void test_interim(void)
{
    struct server sv;
    struct resp r = {0};
    struct hxc__h2 *h = client(0);
    srv_init(&sv);
    submit(h, "/early", &r);
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    ASSERT_EQ(r.result, HXC_OK);
    ASSERT_EQ(r.interim_status, 103);
    ASSERT_EQ(r.status, 200);
    ASSERT_EQ(r.headers_done, 1);
    CHECK(strstr(r.headers, "link") == NULL); /* 1xx headers are not reported */
    hxc__h2_free(h);
    nghttp2_session_del(sv.s);
    resp_free(&r);
}

static void test_refused_stream(void)
{
    struct server sv;
    struct resp a = {0}, b = {0}, c = {0};
    struct hxc__h2 *h = client(0);
    srv_init(&sv);
    submit(h, "/refuse", &a);
    submit(h, "/size/100/3", &b);
    submit(h, "/reset0", &c);
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    /* NO_ERROR without a complete response is still a failure */
    ASSERT_EQ(c.result, HXC_E_H2_STREAM_RESET);
    ASSERT_EQ(c.err.detail, 0);
    ASSERT_STREQ(c.err.message, "stream reset by the server: NO_ERROR (0x0)");
    ASSERT_EQ(a.ncomplete, 1);
    ASSERT_EQ(a.result, HXC_E_H2_STREAM_RESET);
    ASSERT_EQ(a.err.code, HXC_E_H2_STREAM_RESET);
    ASSERT_EQ(a.err.detail, 7);
    ASSERT_STREQ(a.err.message, "stream reset by the server: REFUSED_STREAM (0x7)");
    ASSERT_EQ(b.ncomplete, 1);
    ASSERT_EQ(b.result, HXC_OK);
    CHECK(body_matches(&b, 100, 3));
    hxc__h2_free(h);
    nghttp2_session_del(sv.s);
    resp_free(&a);
    resp_free(&b);
}

/* nghttp2 finds a malformed response and resets the stream itself: that
 * stream fails with HXC_E_H2_PROTOCOL, its sibling is unharmed. */
static void test_malformed_response(void)
{
    struct server sv;
    struct resp a = {0}, b = {0};
    struct hxc__h2 *h = client(0);
    srv_init(&sv);
    submit(h, "/badlen", &a);
    submit(h, "/size/10/4", &b);
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    ASSERT_EQ(a.ncomplete, 1);
    ASSERT_EQ(a.result, HXC_E_H2_PROTOCOL);
    ASSERT_STREQ(a.err.message, "HTTP/2 protocol error on stream 1: malformed response from "
                                "the server (the client reset the stream with PROTOCOL_ERROR)");
    ASSERT_EQ(b.result, HXC_OK);
    CHECK(body_matches(&b, 10, 4));
    ASSERT_EQ(sv.rst_code, NGHTTP2_PROTOCOL_ERROR);
    hxc__h2_free(h);
    nghttp2_session_del(sv.s);
    resp_free(&a);
    resp_free(&b);
}

static void test_goaway(void)
{
    struct server sv;
    struct resp r[4];
    struct hxc__h2 *h = client(0);
    struct resp late = {0};
    struct hxc__req_desc d = get("/size/1/1", &late);
    hxc_error err;
    srv_init(&sv);
    memset(r, 0, sizeof r);
    for (int i = 0; i < 4; i++)
        submit(h, "/hold", &r[i]);
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    ASSERT_EQ(sv.n, 4);
    ASSERT_EQ(hxc__h2_goaway_received(h), 0);
    nghttp2_submit_goaway(sv.s, NGHTTP2_FLAG_NONE, 3, NGHTTP2_NO_ERROR, NULL, 0);
    srv_respond(&sv, 1, 10);
    srv_respond(&sv, 3, 20);
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    ASSERT_EQ(hxc__h2_goaway_received(h), 1);
    CHECK(!hxc__h2_can_submit(h));
    ASSERT_EQ(r[0].result, HXC_OK);
    CHECK(body_matches(&r[0], 10, 1));
    ASSERT_EQ(r[1].result, HXC_OK);
    CHECK(body_matches(&r[1], 20, 3));
    for (int i = 2; i < 4; i++) {
        ASSERT_EQ(r[i].ncomplete, 1);
        ASSERT_EQ(r[i].result, HXC_E_H2_GOAWAY);
        ASSERT_EQ(r[i].err.detail, 0);
        ASSERT_STREQ(r[i].err.message,
                     "the server sent GOAWAY (NO_ERROR) before processing this request");
    }
    ASSERT_EQ(hxc__h2_open_streams(h), 0);
    CHECK(hxc__h2_submit(h, &d, &err) < 0);
    ASSERT_EQ(err.code, HXC_E_H2_GOAWAY);
    ASSERT_EQ(late.ncomplete, 0);
    hxc__h2_free(h);
    nghttp2_session_del(sv.s);
    for (int i = 0; i < 4; i++)
        resp_free(&r[i]);
}

/* Requests queued but not yet sent when GOAWAY arrives fail the same way. */
static void test_goaway_unsent(void)
{
    struct server sv;
    struct resp a = {0}, b = {0};
    struct hxc__h2 *h = client(0);
    srv_init(&sv);
    submit(h, "/hold", &a);
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    submit(h, "/hold", &b); /* queued in the client, not yet written */
    nghttp2_submit_goaway(sv.s, NGHTTP2_FLAG_NONE, 1, NGHTTP2_ENHANCE_YOUR_CALM, NULL, 0);
    {
        const uint8_t *p;
        ssize_t m;
        while ((m = nghttp2_session_mem_send(sv.s, &p)) > 0)
            ASSERT_EQ(hxc__h2_feed(h, p, (size_t)m, NULL), HXC_OK);
    }
    ASSERT_EQ(b.ncomplete, 1);
    ASSERT_EQ(b.result, HXC_E_H2_GOAWAY);
    ASSERT_EQ(b.err.detail, 11);
    ASSERT_CONTAINS(b.err.message, "GOAWAY (ENHANCE_YOUR_CALM)");
    ASSERT_EQ(a.ncomplete, 0);
    srv_respond(&sv, 1, 5);
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    ASSERT_EQ(a.result, HXC_OK);
    ASSERT_EQ(b.ncomplete, 1);
    {
        struct resp c = {0};
        struct hxc__h2 *h2 = client(0);
        struct server sv2;
        srv_init(&sv2);
        submit(h2, "/hold", &c);
        ASSERT_EQ(pump(h2, &sv2), HXC_OK);
        nghttp2_submit_goaway(sv2.s, NGHTTP2_FLAG_NONE, 1, NGHTTP2_INTERNAL_ERROR, NULL, 0);
        ASSERT_EQ(pump(h2, &sv2), HXC_OK);
        ASSERT_EQ(c.ncomplete, 0); /* stream 1 <= last_stream_id goes on... */
        hxc__h2_eof(h2);            /* ...until the server hangs up */
        ASSERT_EQ(c.result, HXC_E_CONN_CLOSED);
        ASSERT_STREQ(c.err.message, "the server closed the connection with 1 stream open (after "
                                    "GOAWAY INTERNAL_ERROR)");
        hxc__h2_free(h2);
        nghttp2_session_del(sv2.s);
    }
    hxc__h2_free(h);
    nghttp2_session_del(sv.s);
    resp_free(&a);
    resp_free(&b);
}

static void test_garbage(void)
{
    static const char junk[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    struct server sv;
    struct resp a = {0}, b = {0}, c = {0};
    struct hxc__h2 *h = client(0);
    struct hxc__req_desc d = get("/size/1/1", &c);
    hxc_error err;
    srv_init(&sv);
    submit(h, "/hold", &a);
    submit(h, "/hold", &b);
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    ASSERT_EQ(hxc__h2_feed(h, (const uint8_t *)junk, sizeof junk - 1, &err), HXC_E_H2_PROTOCOL);
    ASSERT_EQ(err.code, HXC_E_H2_PROTOCOL);
    ASSERT_CONTAINS(err.message, "HTTP/2 protocol error: ");
    ASSERT_EQ(a.ncomplete, 1);
    ASSERT_EQ(b.ncomplete, 1);
    ASSERT_EQ(a.result, HXC_E_H2_PROTOCOL);
    ASSERT_EQ(b.result, HXC_E_H2_PROTOCOL);
    ASSERT_STREQ(b.err.message, "HTTP/2 protocol error: FRAME_SIZE_ERROR (too large frame "
                                "size); the client closed the connection (GOAWAY "
                                "FRAME_SIZE_ERROR)");
    ASSERT_EQ(hxc__h2_open_streams(h), 0);
    ASSERT_EQ(hxc__h2_feed(h, (const uint8_t *)junk, 4, &err), HXC_E_H2_PROTOCOL);
    CHECK(hxc__h2_submit(h, &d, &err) < 0);
    CHECK(!hxc__h2_can_submit(h));
    hxc__h2_free(h);
    nghttp2_session_del(sv.s);
}

/* An HTTP/1.1 server answering the preface: no SETTINGS frame first. */
static void test_garbage_first(void)
{
    static const char junk[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
    struct resp a = {0};
    struct hxc__h2 *h = client(0);
    const uint8_t *p;
    hxc_error err;
    submit(h, "/x", &a);
    hxc__h2_consume_out(h, hxc__h2_pending_out(h, &p));
    ASSERT_EQ(hxc__h2_feed(h, (const uint8_t *)junk, sizeof junk - 1, &err), HXC_E_H2_PROTOCOL);
    ASSERT_EQ(a.ncomplete, 1);
    ASSERT_EQ(a.result, HXC_E_H2_PROTOCOL);
    ASSERT_CONTAINS(a.err.message, "HTTP/2 protocol error: Remote peer returned unexpected "
                                   "data while we expected SETTINGS frame");
    hxc__h2_free(h);
}

/* A PING flood makes nghttp2_session_mem_recv itself fail (negative). */
static void test_flood(void)
{
    enum { NPING = 1200 };
    static uint8_t pings[NPING * 17];
    struct server sv;
    struct resp a = {0};
    struct hxc__h2 *h = client(0);
    hxc_error err;
    srv_init(&sv);
    submit(h, "/hold", &a);
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    memset(pings, 0, sizeof pings);
    for (int i = 0; i < NPING; i++) {
        pings[i * 17 + 2] = 8; /* length 8, type PING, stream 0 */
        pings[i * 17 + 3] = NGHTTP2_PING;
    }
    ASSERT_EQ(hxc__h2_feed(h, pings, sizeof pings, &err), HXC_E_H2_PROTOCOL);
    ASSERT_EQ(err.detail, NGHTTP2_ERR_FLOODED);
    ASSERT_STREQ(err.message, "HTTP/2 protocol error: Flooding was detected in this HTTP/2 "
                              "session, and it must be closed");
    ASSERT_EQ(a.ncomplete, 1);
    ASSERT_EQ(a.result, HXC_E_H2_PROTOCOL);
    ASSERT_EQ(a.err.detail, NGHTTP2_ERR_FLOODED);
    CHECK(!hxc__h2_want_read(h));
    CHECK(!hxc__h2_want_write(h));
    hxc__h2_free(h);
    nghttp2_session_del(sv.s);
}

static void test_eof(void)
{
    struct server sv;
    struct resp a = {0}, b = {0}, c = {0};
    struct hxc__h2 *h = client(0);
    srv_init(&sv);
    submit(h, "/hold", &a);
    submit(h, "/hold", &b);
    submit(h, "/size/10/1", &c);
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    ASSERT_EQ(c.result, HXC_OK);
    ASSERT_EQ(hxc__h2_open_streams(h), 2);
    hxc__h2_eof(h);
    ASSERT_EQ(a.result, HXC_E_CONN_CLOSED);
    ASSERT_EQ(b.result, HXC_E_CONN_CLOSED);
    ASSERT_EQ(a.ncomplete + b.ncomplete + c.ncomplete, 3);
    ASSERT_STREQ(a.err.message, "the server closed the connection with 2 streams open");
    ASSERT_EQ(hxc__h2_open_streams(h), 0);
    CHECK(!hxc__h2_want_read(h));
    hxc__h2_free(h);
    nghttp2_session_del(sv.s);
    resp_free(&c);
}

static void test_abort(void)
{
    struct resp a = {0};
    struct hxc__h2 *h = client(0);
    hxc_error e;
    submit(h, "/hold", &a);
    hxc__err(&e, HXC_E_TIMEOUT_READ, 0, "no data from example.test for 30 s");
    hxc__h2_abort(h, &e);
    ASSERT_EQ(a.ncomplete, 1);
    ASSERT_EQ(a.result, HXC_E_TIMEOUT_READ);
    ASSERT_STREQ(a.err.message, "no data from example.test for 30 s");
    hxc__h2_abort(h, &e);
    hxc__h2_eof(h);
    ASSERT_EQ(a.ncomplete, 1);
    hxc__h2_free(h);
}

static void expect_rejected(const char *name, const char *value, const char *needle)
{
    struct resp r = {0};
    struct hxc__h2 *h = client(0);
    struct hxc__hdr hd = {name, strlen(name), value, strlen(value)};
    struct hxc__req_desc d = get("/", &r);
    hxc_error err;
    memset(&err, 0, sizeof err);
    d.headers = &hd;
    d.nheaders = 1;
    CHECK(hxc__h2_submit(h, &d, &err) < 0);
    ASSERT_EQ(err.code, HXC_E_INVALID_ARGUMENT);
    ASSERT_CONTAINS(err.message, needle);
    ASSERT_EQ(hxc__h2_open_streams(h), 0);
    hxc__h2_eof(h);
    ASSERT_EQ(r.ncomplete, 0);
    hxc__h2_free(h);
}

static void test_connection_headers(void)
{
    struct server sv;
    struct resp r = {0};
    struct hxc__h2 *h = client(0);
    struct hxc__hdr hd[] = {{"TE", 2, "Trailers", 8}, {"Accept", 6, "text/plain", 10},
                            {"User-Agent", 10, "custom/1", 8}};
    struct hxc__req_desc d = get("/headers", &r);
    hxc_error err;
    expect_rejected("Connection", "close", "'connection' is connection-specific");
    expect_rejected("keep-alive", "timeout=5", "'keep-alive'");
    expect_rejected("Proxy-Connection", "x", "'proxy-connection'");
    expect_rejected("Transfer-Encoding", "chunked", "'transfer-encoding'");
    expect_rejected("Upgrade", "h2c", "'upgrade'");
    expect_rejected("te", "gzip", "'te' may only be 'trailers'");
    expect_rejected(":path", "/x", "pseudo-header");
    expect_rejected("bad name", "x", "invalid character");
    expect_rejected("x-ok", "a\r\nb", "invalid character");
    /* te: trailers is fine; given accept / user-agent replace the defaults */
    srv_init(&sv);
    d.headers = hd;
    d.nheaders = 3;
    CHECK(hxc__h2_submit(h, &d, &err) > 0);
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    ASSERT_EQ(r.result, HXC_OK);
    ASSERT_STREQ(sv.st[0].seen, "te=Trailers;accept=text/plain;user-agent=custom/1;");
    hxc__h2_free(h);
    nghttp2_session_del(sv.s);
    resp_free(&r);
}

static void test_callback_abort(void)
{
    struct server sv;
    struct resp a = {0}, b = {0};
    struct hxc__h2 *h = client(0);
    int32_t ida;
    srv_init(&sv);
    a.abort_on_body = 1;
    ida = submit(h, "/size/200000/1", &a);
    submit(h, "/size/200000/2", &b);
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    ASSERT_EQ(a.ncomplete, 1);
    ASSERT_EQ(a.result, HXC_E_CALLBACK_ABORT);
    ASSERT_CONTAINS(a.err.message, "aborted");
    ASSERT_EQ(a.late_events, 0);
    ASSERT_EQ(b.ncomplete, 1);
    ASSERT_EQ(b.result, HXC_OK);
    CHECK(body_matches(&b, 200000, 2));
    ASSERT_EQ(sv.rst_id, ida);
    ASSERT_EQ(sv.rst_code, NGHTTP2_CANCEL);
    ASSERT_EQ(hxc__h2_open_streams(h), 0);
    hxc__h2_free(h);
    nghttp2_session_del(sv.s);
    resp_free(&b);
}

static void test_headers_too_large(void)
{
    struct server sv;
    struct resp a = {0}, b = {0};
    struct hxc__h2 *h = client(1024);
    srv_init(&sv);
    submit(h, "/big", &a);
    submit(h, "/size/10/1", &b);
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    ASSERT_EQ(a.ncomplete, 1);
    ASSERT_EQ(a.result, HXC_E_HTTP_HEADERS_TOO_LARGE);
    ASSERT_CONTAINS(a.err.message, "1024 bytes");
    ASSERT_EQ(b.result, HXC_OK);
    hxc__h2_free(h);
    nghttp2_session_del(sv.s);
    resp_free(&a);
    resp_free(&b);
}

static void test_reentrant_submit(void)
{
    struct server sv;
    struct resp a = {0}, b = {0};
    struct hxc__h2 *h = client(0);
    struct hxc__req_desc next = get("/size/33/3", &b);
    srv_init(&sv);
    a.resubmit_h = h;
    a.resubmit = &next;
    submit(h, "/size/10/1", &a);
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    ASSERT_EQ(a.result, HXC_OK);
    ASSERT_EQ(a.resubmit_id, 3);
    ASSERT_EQ(b.ncomplete, 1);
    ASSERT_EQ(b.result, HXC_OK);
    CHECK(body_matches(&b, 33, 3));
    hxc__h2_free(h);
    nghttp2_session_del(sv.s);
    resp_free(&a);
    resp_free(&b);
}

/* Freeing with streams open calls no events. */
static void test_free_open(void)
{
    struct server sv;
    struct resp a = {0};
    struct hxc__h2 *h = client(0);
    static uint8_t body[300000];
    struct hxc__req_desc d = get("/hold", &a);
    srv_init(&sv);
    d.method = "PUT";
    d.body = body;
    d.body_len = sizeof body;
    d.has_body = 1;
    CHECK(hxc__h2_submit(h, &d, NULL) > 0);
    pump(h, &sv);
    hxc__h2_free(h);
    ASSERT_EQ(a.ncomplete, 0);
    nghttp2_session_del(sv.s);
}

static void test_names(void)
{
    ASSERT_STREQ(hxc__h2_error_code_name(0), "NO_ERROR");
    ASSERT_STREQ(hxc__h2_error_code_name(7), "REFUSED_STREAM");
    ASSERT_STREQ(hxc__h2_error_code_name(0xd), "HTTP_1_1_REQUIRED");
    ASSERT_STREQ(hxc__h2_error_code_name(0xe), "unknown error code");
}

int main(void)
{
    test_names();
    test_get_small();
    test_large_body();
    test_50_streams();
    test_post_body();
    test_empty_post();
    test_trailers();
    test_interim();
    test_refused_stream();
    test_malformed_response();
    test_goaway();
    test_goaway_unsent();
    test_garbage();
    test_garbage_first();
    test_flood();
    test_eof();
    test_abort();
    test_connection_headers();
    test_callback_abort();
    test_headers_too_large();
    test_reentrant_submit();
    test_free_open();
    return HARNESS_RESULT();
}
