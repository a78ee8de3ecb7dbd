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

#include "base/err.h"
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
    size_t body_bad; /* request body bytes that differ from upload_byte() */
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

/* Request bodies of the upload tests. */
static uint8_t upload_byte(uint64_t i)
{
    return (uint8_t)(i * 13u + (i >> 12));
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
    (void)ud;
    if (ss == NULL)
        return 0;
    for (size_t i = 0; i < len; i++)
        ss->body_bad += d[i] != upload_byte(ss->body_recv + i);
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

/* max_streams 0: the server's SETTINGS do not mention the limit. */
static void srv_init_max(struct server *sv, uint32_t max_streams)
{
    nghttp2_session_callbacks *cb;
    nghttp2_settings_entry iv[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, max_streams}};
    memset(sv, 0, sizeof *sv);
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_begin_headers_callback(cb, srv_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cb, srv_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, srv_data);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, srv_frame_recv);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, srv_close);
    nghttp2_session_server_new(&sv->s, cb, sv);
    nghttp2_session_callbacks_del(cb);
    nghttp2_submit_settings(sv->s, NGHTTP2_FLAG_NONE, iv, max_streams ? 1 : 0);
}

static void srv_init(struct server *sv)
{
    srv_init_max(sv, 100);
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
    /* streaming checks: count and verify pattern(seed) instead of storing */
    int count_only;
    unsigned seed;
    size_t bad;
    struct hxc__h2 *self;   /* for calls from inside events */
    int cancel_on_body;     /* hxc__h2_cancel() from inside on_body */
    int32_t id_at_complete; /* hxc__h2_stream_id() inside on_complete */
    int ntrailer;           /* on_trailer calls */
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
    if (r->cancel_on_body) {
        ASSERT_EQ(hxc__h2_cancel(r->self, r), 0);
        return 0;
    }
    if (r->count_only) {
        for (size_t i = 0; i < len; i++)
            r->bad += d[i] != pattern(r->body_len + i, r->seed);
        r->body_len += len;
        return 0;
    }
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
    if (r->self)
        r->id_at_complete = hxc__h2_stream_id(r->self, r);
    if (r->resubmit) {
        const struct hxc__req_desc *req = r->resubmit;
        r->resubmit = NULL;
        r->resubmit_id = hxc__h2_submit(r->resubmit_h, req, NULL);
    }
}

static int ev_trailer(void *u, const char *n, size_t nl, const char *v, size_t vl)
{
    struct resp *r = u;
    r->late_events += r->ncomplete;
    r->ntrailer++;
    CHECK(r->headers_done == 1);
    append(r->trailers, sizeof r->trailers, n, nl, v, vl);
    return 0;
}

static const struct hxc__msg_events events = {
    .on_status = ev_status,
    .on_header = ev_header,
    .on_headers_done = ev_headers_done,
    .on_body = ev_body,
    .on_complete = ev_complete,
};

static const struct hxc__msg_events events_tr = {
    .on_status = ev_status,
    .on_header = ev_header,
    .on_headers_done = ev_headers_done,
    .on_body = ev_body,
    .on_trailer = ev_trailer,
    .on_complete = ev_complete,
};

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
/* Largest client output seen by pump2, and a hook run after every round. */
static size_t pump_max_out;
static void (*pump_hook)(void *ctx);
static void *pump_hook_ctx;

static hxc_status pump2(struct hxc__h2 *h, struct server *sv, size_t chunk, size_t piece)
{
    hxc_status result = HXC_OK;
    for (int round = 0; round < 200000; round++) {
        const uint8_t *p;
        ssize_t m;
        int moved = 0;
        size_t n = hxc__h2_pending_out(h, &p);
        if (n > pump_max_out)
            pump_max_out = n;
        if (pump_hook != NULL)
            pump_hook(pump_hook_ctx);
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


/* ------------------------------------------------- streamed uploads */

struct upload {
    struct resp r; /* first member: the events see a struct resp */
    uint64_t total, given;
    uint64_t pause_at; /* give nothing once when this much was given (0: never) */
    int pauses;
    int fail;          /* the source fails (returns non-zero) at fail_at */
    uint64_t fail_at;
    size_t max_cap;
    int calls;
};

static int up_read(void *u, uint8_t *buf, size_t cap, size_t *len, int *eof)
{
    struct upload *up = u;
    size_t n = cap;
    up->calls++;
    if (cap > up->max_cap)
        up->max_cap = cap;
    *len = 0;
    *eof = 0;
    if (up->fail && up->given >= up->fail_at)
        return 1;
    if (up->pause_at && up->given == up->pause_at && up->pauses == 0) {
        up->pauses++;
        return 0;
    }
    if (up->pause_at && up->given < up->pause_at && n > up->pause_at - up->given)
        n = (size_t)(up->pause_at - up->given);
    if (up->fail && n > up->fail_at - up->given)
        n = (size_t)(up->fail_at - up->given);
    if (n > up->total - up->given)
        n = (size_t)(up->total - up->given);
    for (size_t i = 0; i < n; i++)
        buf[i] = upload_byte(up->given + i);
    up->given += n;
    *len = n;
    *eof = up->given == up->total;
    return 0;
}

static int32_t submit_upload(struct hxc__h2 *h, struct upload *up, int64_t announced)
{
    struct hxc__req_desc d = get("/echo", &up->r);
    hxc_error err;
    d.method = "POST";
    d.has_body = 1;
    d.body_read = up_read;
    d.body_read_length = announced;
    int32_t id = hxc__h2_submit(h, &d, &err);
    CHECK(id > 0);
    return id;
}

static void check_echo(struct resp *r, uint64_t n)
{
    char want[32];
    snprintf(want, sizeof want, "%llu", (unsigned long long)n);
    r->body = realloc(r->body, r->body_len + 1);
    r->body[r->body_len] = 0;
    ASSERT_STREQ((char *)r->body, want);
}

static void test_upload_known_unknown(void)
{
    for (int known = 0; known < 2; known++) {
        struct server sv;
        struct upload up;
        struct hxc__h2 *h = client(0);
        memset(&up, 0, sizeof up);
        up.total = 200000; /* > the server's 65535-byte windows */
        srv_init(&sv);
        submit_upload(h, &up, known ? 200000 : -1);
        ASSERT_EQ(pump2(h, &sv, 5000, (size_t)-1), HXC_OK);
        ASSERT_EQ(up.r.ncomplete, 1);
        ASSERT_EQ(up.r.result, HXC_OK);
        ASSERT_EQ(sv.st[0].body_recv, 200000);
        ASSERT_EQ(sv.st[0].body_bad, 0);
        ASSERT_STREQ(sv.st[0].method, "POST");
        if (known)
            ASSERT_CONTAINS(sv.st[0].seen, "content-length=200000;");
        else
            CHECK(strstr(sv.st[0].seen, "content-length") == NULL);
        CHECK(up.max_cap <= 16384); /* one DATA frame per pull */
        check_echo(&up.r, 200000);
        hxc__h2_free(h);
        nghttp2_session_del(sv.s);
        resp_free(&up.r);
    }
}

/* A source of 0 bytes: asked once, eof; content-length: 0. */
static void test_upload_empty(void)
{
    struct server sv;
    struct upload up;
    struct hxc__h2 *h = client(0);
    memset(&up, 0, sizeof up);
    srv_init(&sv);
    submit_upload(h, &up, 0);
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    ASSERT_EQ(up.r.result, HXC_OK);
    ASSERT_EQ(up.calls, 1);
    ASSERT_CONTAINS(sv.st[0].seen, "content-length=0;");
    check_echo(&up.r, 0);
    hxc__h2_free(h);
    nghttp2_session_del(sv.s);
    resp_free(&up.r);
}

/* Cancelling a paused upload resets it; a later resume does nothing. */
static void test_upload_cancel_paused(void)
{
    struct server sv;
    struct upload up;
    struct hxc__h2 *h = client(0);
    memset(&up, 0, sizeof up);
    up.total = 10000;
    up.pause_at = 3000;
    srv_init(&sv);
    int32_t id = submit_upload(h, &up, 10000);
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    ASSERT_EQ(sv.st[0].body_recv, 3000);
    ASSERT_EQ(hxc__h2_cancel(h, &up.r), 0);
    ASSERT_EQ(up.r.result, HXC_E_CANCELLED);
    hxc__h2_resume(h, &up.r);
    int calls = up.calls;
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    ASSERT_EQ(up.calls, calls);
    ASSERT_EQ(sv.rst_id, id);
    ASSERT_EQ(sv.rst_code, NGHTTP2_CANCEL);
    ASSERT_EQ(sv.st[0].body_recv, 3000);
    ASSERT_EQ(up.r.ncomplete, 1);
    ASSERT_EQ(hxc__h2_open_streams(h), 0);
    hxc__h2_free(h);
    nghttp2_session_del(sv.s);
}

static void test_upload_pause_resume(void)
{
    struct server sv;
    struct upload up, other;
    struct hxc__h2 *h = client(0);
    memset(&up, 0, sizeof up);
    memset(&other, 0, sizeof other);
    up.total = 50000;
    up.pause_at = 1000;
    srv_init(&sv);
    submit_upload(h, &up, -1);
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    ASSERT_EQ(up.pauses, 1);
    ASSERT_EQ(sv.st[0].body_recv, 1000);
    ASSERT_EQ(up.r.ncomplete, 0);
    CHECK(!hxc__h2_want_write(h)); /* nothing to do until resumed */
    int calls = up.calls;
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    ASSERT_EQ(up.calls, calls); /* a deferred source is not polled */
    /* a sibling is not held up by the paused upload */
    submit(h, "/size/10/1", &other.r);
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    ASSERT_EQ(other.r.result, HXC_OK);
    hxc__h2_resume(h, &other.r); /* not an upload: nothing happens */
    hxc__h2_resume(h, &up.r);
    CHECK(hxc__h2_want_write(h));
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    ASSERT_EQ(up.r.ncomplete, 1);
    ASSERT_EQ(up.r.result, HXC_OK);
    ASSERT_EQ(sv.st[0].body_recv, 50000);
    ASSERT_EQ(sv.st[0].body_bad, 0);
    check_echo(&up.r, 50000);
    hxc__h2_free(h);
    nghttp2_session_del(sv.s);
    resp_free(&up.r);
    resp_free(&other.r);
}

static void test_upload_errors(void)
{
    struct server sv;
    struct upload shortb, longb, failb, sib;
    struct hxc__h2 *h = client(0);
    memset(&shortb, 0, sizeof shortb);
    memset(&longb, 0, sizeof longb);
    memset(&failb, 0, sizeof failb);
    memset(&sib, 0, sizeof sib);
    shortb.total = 500;  /* announced 1000 */
    longb.total = 40000; /* announced 30000 */
    failb.total = 100000;
    failb.fail = 1;
    failb.fail_at = 20000;
    srv_init(&sv);
    int32_t ids = submit_upload(h, &shortb, 1000);
    int32_t idl = submit_upload(h, &longb, 30000);
    int32_t idf = submit_upload(h, &failb, -1);
    submit(h, "/size/5000/2", &sib.r);
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    ASSERT_EQ(shortb.r.ncomplete, 1);
    ASSERT_EQ(shortb.r.result, HXC_E_INVALID_ARGUMENT);
    ASSERT_EQ(shortb.r.err.code, HXC_E_INVALID_ARGUMENT);
    ASSERT_STREQ(shortb.r.err.message,
                 "the request body source ended after 500 of 1000 bytes (HTTP/2 stream 1)");
    ASSERT_EQ(longb.r.ncomplete, 1);
    ASSERT_EQ(longb.r.result, HXC_E_INVALID_ARGUMENT);
    ASSERT_STREQ(longb.r.err.message, "the request body source produced more than the 30000 "
                                      "bytes it announced (HTTP/2 stream 3)");
    ASSERT_EQ(failb.r.ncomplete, 1);
    ASSERT_EQ(failb.r.result, HXC_E_CALLBACK_ABORT);
    ASSERT_STREQ(failb.r.err.message, "the request body source aborted the upload after 20000 "
                                      "bytes (HTTP/2 stream 5)");
    ASSERT_EQ(sib.r.ncomplete, 1);
    ASSERT_EQ(sib.r.result, HXC_OK);
    CHECK(body_matches(&sib.r, 5000, 2));
    /* each failed upload was reset with CANCEL, never half-finished */
    for (int i = 0; i < 3; i++) {
        CHECK(sv.st[i].id == ids || sv.st[i].id == idl || sv.st[i].id == idf);
        CHECK(sv.st[i].closed);
        ASSERT_EQ(sv.st[i].close_code, NGHTTP2_CANCEL);
    }
    ASSERT_EQ(shortb.r.late_events + longb.r.late_events + failb.r.late_events, 0);
    ASSERT_EQ(hxc__h2_open_streams(h), 0);
    /* invalid descriptions */
    struct hxc__req_desc d = get("/echo", &sib.r);
    static const uint8_t b[1] = {1};
    hxc_error err;
    d.has_body = 1;
    d.body_read = up_read;
    d.body_read_length = -2;
    CHECK(hxc__h2_submit(h, &d, &err) < 0);
    ASSERT_CONTAINS(err.message, "invalid length -2");
    d.body_read_length = 1;
    d.body = b;
    d.body_len = 1;
    CHECK(hxc__h2_submit(h, &d, &err) < 0);
    ASSERT_CONTAINS(err.message, "both an in-memory body and a body source");
    hxc__h2_free(h);
    nghttp2_session_del(sv.s);
    resp_free(&sib.r);
}

/* 64 MiB each way through the in-memory server, with bounded buffering. */
struct big_watch {
    struct server *sv;
    struct upload *up;
    struct resp *down;
    uint64_t max_ahead; /* upload: pulled from the source, not yet at the server */
    uint64_t max_lag;   /* download: sent by the server, not yet given to on_body */
};

static void big_hook(void *ctx)
{
    struct big_watch *w = ctx;
    if (w->up != NULL && w->sv->n > 0) {
        uint64_t ahead = w->up->given - w->sv->st[0].body_recv;
        if (ahead > w->max_ahead)
            w->max_ahead = ahead;
    }
    if (w->down != NULL && w->sv->n > 0) {
        uint64_t lag = w->sv->st[0].resp_off - w->down->body_len;
        if (lag > w->max_lag)
            w->max_lag = lag;
    }
}

#define BIG (64u << 20)

static void test_upload_64mib(void)
{
    struct server sv;
    static struct upload up;
    struct big_watch w;
    struct hxc__h2 *h = client(0);
    memset(&up, 0, sizeof up);
    memset(&w, 0, sizeof w);
    up.total = BIG;
    srv_init(&sv);
    w.sv = &sv;
    w.up = &up;
    submit_upload(h, &up, BIG);
    pump_max_out = 0;
    pump_hook = big_hook;
    pump_hook_ctx = &w;
    /* a socket taking 16000 bytes per round; the server's 64 KiB windows
     * refill with its WINDOW_UPDATEs */
    ASSERT_EQ(pump2(h, &sv, 16000, (size_t)-1), HXC_OK);
    pump_hook = NULL;
    ASSERT_EQ(up.r.ncomplete, 1);
    ASSERT_EQ(up.r.result, HXC_OK);
    ASSERT_EQ(sv.st[0].body_recv, BIG);
    ASSERT_EQ(sv.st[0].body_bad, 0);
    check_echo(&up.r, BIG);
    fprintf(stderr, "64 MiB upload: max output buffered %zu, max pulled ahead %llu\n",
            pump_max_out, (unsigned long long)w.max_ahead);
    CHECK(pump_max_out <= 64 * 1024);
    CHECK(w.max_ahead <= 64 * 1024);
    hxc__h2_free(h);
    nghttp2_session_del(sv.s);
    resp_free(&up.r);
}

static void test_download_64mib(void)
{
    struct server sv;
    struct resp r = {0};
    struct big_watch w;
    struct hxc__h2 *h = client(0);
    char path[64];
    memset(&w, 0, sizeof w);
    srv_init(&sv);
    r.count_only = 1;
    r.seed = 3;
    w.sv = &sv;
    w.down = &r;
    snprintf(path, sizeof path, "/size/%u/3", BIG);
    submit(h, path, &r);
    pump_max_out = 0;
    pump_hook = big_hook;
    pump_hook_ctx = &w;
    /* fed in 1000-byte pieces: partial DATA frames are delivered too */
    ASSERT_EQ(pump2(h, &sv, (size_t)-1, 1000), HXC_OK);
    pump_hook = NULL;
    ASSERT_EQ(r.ncomplete, 1);
    ASSERT_EQ(r.result, HXC_OK);
    ASSERT_EQ(r.body_len, BIG);
    ASSERT_EQ(r.bad, 0);
    /* 64 MiB through 16 MiB windows: WINDOW_UPDATEs kept it moving, and
     * every byte the server sent was handed to on_body by the end of the
     * round that carried it; the client only ever had control frames out */
    ASSERT_EQ(w.max_lag, 0);
    fprintf(stderr, "64 MiB download: max client output %zu\n", pump_max_out);
    CHECK(pump_max_out < 1024);
    hxc__h2_free(h);
    nghttp2_session_del(sv.s);
}

/* ------------------------------------------------------------- cancel */

static void test_cancel(void)
{
    struct server sv;
    struct resp a = {0}, b = {0}, c = {0};
    struct hxc__h2 *h = client(0);
    srv_init(&sv);
    b.self = h;
    submit(h, "/hold", &a);
    int32_t idb = submit(h, "/hold", &b);
    submit(h, "/hold", &c);
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    ASSERT_EQ(sv.n, 3);
    ASSERT_EQ(hxc__h2_open_streams(h), 3);
    ASSERT_EQ(hxc__h2_cancel(h, &b), 0);
    /* completed from inside the call, its slot freed at once */
    ASSERT_EQ(b.ncomplete, 1);
    ASSERT_EQ(b.result, HXC_E_CANCELLED);
    ASSERT_EQ(b.err.code, HXC_E_CANCELLED);
    ASSERT_STREQ(b.err.message, "transfer cancelled");
    ASSERT_EQ(b.id_at_complete, idb);
    ASSERT_EQ(hxc__h2_open_streams(h), 2);
    ASSERT_EQ(hxc__h2_cancel(h, &b), -1);
    ASSERT_EQ(hxc__h2_stream_id(h, &b), 0);
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    ASSERT_EQ(sv.rst_id, idb);
    ASSERT_EQ(sv.rst_code, NGHTTP2_CANCEL);
    CHECK(sv.st[1].closed);
    ASSERT_EQ(sv.st[1].close_code, NGHTTP2_CANCEL);
    /* the server answers all three anyway: the cancelled one stays quiet */
    srv_respond(&sv, 1, 100);
    srv_respond(&sv, idb, 100);
    srv_respond(&sv, 5, 300);
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    ASSERT_EQ(a.ncomplete, 1);
    ASSERT_EQ(a.result, HXC_OK);
    CHECK(body_matches(&a, 100, 1));
    ASSERT_EQ(c.ncomplete, 1);
    ASSERT_EQ(c.result, HXC_OK);
    CHECK(body_matches(&c, 300, 5));
    ASSERT_EQ(b.ncomplete, 1);
    ASSERT_EQ(b.late_events, 0);
    ASSERT_EQ(b.status, 0);
    ASSERT_EQ(hxc__h2_open_streams(h), 0);
    CHECK(hxc__h2_can_submit(h));
    hxc__h2_free(h);
    nghttp2_session_del(sv.s);
    resp_free(&a);
    resp_free(&c);
}

/* Cancel from inside on_body while the body streams; a sibling goes on. */
static void test_cancel_inside_body(void)
{
    struct server sv;
    struct resp a = {0}, b = {0};
    struct hxc__h2 *h = client(0);
    srv_init(&sv);
    a.self = h;
    a.cancel_on_body = 1;
    int32_t ida = submit(h, "/size/300000/1", &a);
    submit(h, "/size/300000/2", &b);
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    ASSERT_EQ(a.ncomplete, 1);
    ASSERT_EQ(a.result, HXC_E_CANCELLED);
    ASSERT_EQ(a.late_events, 0);
    ASSERT_EQ(sv.rst_id, ida);
    ASSERT_EQ(sv.rst_code, NGHTTP2_CANCEL);
    ASSERT_EQ(b.result, HXC_OK);
    CHECK(body_matches(&b, 300000, 2));
    ASSERT_EQ(hxc__h2_open_streams(h), 0);
    hxc__h2_free(h);
    nghttp2_session_del(sv.s);
    resp_free(&b);
}

/* ------------------------------------- concurrency limit and stream ids */

static void test_max_streams(void)
{
    enum { N = 7 };
    struct server sv;
    static struct resp r[N];
    struct hxc__h2 *h = client(0);
    const uint8_t *p;
    memset(r, 0, sizeof r);
    ASSERT_EQ(hxc__h2_max_streams(h), 1); /* before the server's SETTINGS */
    srv_init_max(&sv, 5);
    for (int i = 0; i < N; i++) {
        r[i].self = h;
        submit(h, "/hold", &r[i]);
        ASSERT_EQ(hxc__h2_stream_id(h, &r[i]), 0); /* not sent yet */
    }
    hxc__h2_pending_out(h, &p); /* preface, SETTINGS and HEADERS go out */
    ASSERT_EQ(hxc__h2_stream_id(h, &r[0]), 1);
    ASSERT_EQ(hxc__h2_max_streams(h), 1);
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    ASSERT_EQ(hxc__h2_max_streams(h), 5);
    /* nghttp2 sent all 7 HEADERS before it knew the limit: the server
     * refused the 2 extra ones (why the pool opens one stream until the
     * SETTINGS arrive, and retries REFUSED_STREAM) */
    for (int i = 0; i < 5; i++)
        ASSERT_EQ(hxc__h2_stream_id(h, &r[i]), 2 * i + 1);
    for (int i = 5; i < N; i++) {
        ASSERT_EQ(r[i].ncomplete, 1);
        ASSERT_EQ(r[i].result, HXC_E_H2_STREAM_RESET);
        ASSERT_EQ(r[i].err.detail, NGHTTP2_REFUSED_STREAM);
        ASSERT_EQ(r[i].id_at_complete, 2 * i + 1);
    }
    ASSERT_EQ(hxc__h2_open_streams(h), 5);
    hxc__h2_free(h);
    nghttp2_session_del(sv.s);

    /* SETTINGS without a limit: unlimited */
    h = client(0);
    srv_init_max(&sv, 0);
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    ASSERT_EQ(hxc__h2_max_streams(h), 0x7fffffff);
    hxc__h2_free(h);
    nghttp2_session_del(sv.s);
}

/* Once the limit is known, nghttp2 holds requests beyond it: no stream id
 * until sent; cancelling one still queued drops it without a trace. */
static void test_queued_beyond_limit(void)
{
    enum { N = 8 };
    struct server sv;
    static struct resp r[N];
    struct hxc__h2 *h = client(0);
    memset(r, 0, sizeof r);
    srv_init_max(&sv, 5);
    ASSERT_EQ(pump(h, &sv), HXC_OK); /* SETTINGS exchanged */
    ASSERT_EQ(hxc__h2_max_streams(h), 5);
    for (int i = 0; i < N; i++) {
        r[i].self = h;
        submit(h, "/hold", &r[i]);
    }
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    ASSERT_EQ(sv.n, 5);
    for (int i = 0; i < 5; i++)
        ASSERT_EQ(hxc__h2_stream_id(h, &r[i]), 2 * i + 1);
    for (int i = 5; i < N; i++)
        ASSERT_EQ(hxc__h2_stream_id(h, &r[i]), 0);
    /* cancel a queued one (r[6]): its HEADERS never leave */
    ASSERT_EQ(hxc__h2_cancel(h, &r[6]), 0);
    ASSERT_EQ(r[6].result, HXC_E_CANCELLED);
    ASSERT_EQ(r[6].id_at_complete, 0);
    ASSERT_EQ(hxc__h2_open_streams(h), N - 1);
    /* finish the first two: r[5] and r[7] go out, never r[6] */
    srv_respond(&sv, 1, 10);
    srv_respond(&sv, 3, 10);
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    ASSERT_EQ(sv.n, 7);
    ASSERT_EQ(hxc__h2_stream_id(h, &r[5]), 11);
    ASSERT_EQ(hxc__h2_stream_id(h, &r[7]), 15);
    for (int i = 2; i < N; i++)
        if (i != 6)
            srv_respond(&sv, hxc__h2_stream_id(h, &r[i]), 20);
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    int ok = 0;
    for (int i = 0; i < N; i++) {
        ASSERT_EQ(r[i].ncomplete, 1);
        ok += r[i].result == HXC_OK;
        resp_free(&r[i]);
    }
    ASSERT_EQ(ok, N - 1);
    ASSERT_EQ(r[7].id_at_complete, 15);
    ASSERT_EQ(hxc__h2_open_streams(h), 0);
    hxc__h2_free(h);
    nghttp2_session_del(sv.s);
}

static void test_on_trailer(void)
{
    struct server sv;
    struct resp r = {0};
    hxc_error err;
    struct hxc__h2 *h = hxc__h2_new(&events_tr, 0, &err);
    srv_init(&sv);
    submit(h, "/trailers", &r);
    ASSERT_EQ(pump(h, &sv), HXC_OK);
    ASSERT_EQ(r.result, HXC_OK);
    ASSERT_EQ(r.ntrailer, 1);
    ASSERT_STREQ(r.trailers, "x-checksum: abc\n");
    CHECK(strstr(r.headers, "x-checksum") == NULL);
    hxc__h2_free(h);
    nghttp2_session_del(sv.s);
    resp_free(&r);
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
    test_upload_known_unknown();
    test_upload_pause_resume();
    test_upload_empty();
    test_upload_cancel_paused();
    test_upload_errors();
    test_upload_64mib();
    test_download_64mib();
    test_cancel();
    test_cancel_inside_body();
    test_max_streams();
    test_queued_beyond_limit();
    test_on_trailer();
    return HARNESS_RESULT();
}
