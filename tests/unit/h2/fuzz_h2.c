/*
 * libFuzzer target for the HTTP/2 receive path: a client session with two
 * submitted requests (a GET and a POST with a body) is fed arbitrary bytes
 * as if they came from the server, with its output drained as a driver
 * would, then the connection ends (EOF) and the session is freed.
 *
 * Not a unit test (CMake only picks up test_*.c). Build and run from the
 * repository root:
 *
 *   clang -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
 *       -Iinclude -Isrc tests/unit/h2/fuzz_h2.c src/h2/h2.c src/base/error.c \
 *       -lnghttp2 -o /tmp/fuzz_h2
 *   /tmp/fuzz_h2 -max_total_time=60
 *
 * The first input byte picks the feed chunk size (1..256) so that frame
 * boundaries fall everywhere (its top bit also cancels the GET after the
 * second piece); the second picks the event on which the POST's callbacks
 * abort (cancel path), whether an empty server SETTINGS frame goes first
 * (so that inputs reach the frame parser quickly), and whether the POST
 * body is streamed from a source (known or unknown length, with a pause
 * resumed now and then).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "h2/h2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_req {
    int completed;
    size_t body;
    int abort_at; /* abort on the N-th event, 0 = never */
    int events;
    size_t sent;  /* streamed upload: bytes given */
    int paused;
};

static int tick(struct fuzz_req *r)
{
    r->events++;
    return r->abort_at != 0 && r->events == r->abort_at;
}

static int f_status(void *u, int status, int version, const char *reason, size_t len,
                    int interim)
{
    (void)status;
    (void)version;
    (void)reason;
    (void)len;
    (void)interim;
    return tick(u);
}

static int f_header(void *u, const char *n, size_t nl, const char *v, size_t vl)
{
    (void)n;
    (void)nl;
    (void)v;
    (void)vl;
    return tick(u);
}

static int f_done(void *u)
{
    return tick(u);
}

static int f_body(void *u, const uint8_t *d, size_t len)
{
    struct fuzz_req *r = u;
    (void)d;
    r->body += len;
    return tick(u);
}

static void f_complete(void *u, hxc_status status, const hxc_error *err)
{
    struct fuzz_req *r = u;
    (void)status;
    (void)err;
    if (r->completed++)
        __builtin_trap(); /* on_complete must run exactly once */
}

static const struct hxc__msg_events fuzz_events = {
    .on_status = f_status,
    .on_header = f_header,
    .on_headers_done = f_done,
    .on_body = f_body,
    .on_trailer = f_header,
    .on_complete = f_complete,
};

/* Streamed upload source for the POST (every other input): 3000 bytes in
 * pieces of at most 700, with one pause. */
static int f_read(void *u, uint8_t *buf, size_t cap, size_t *len, int *eof)
{
    struct fuzz_req *r = u;
    size_t n = cap < 700 ? cap : 700;
    *eof = 0;
    *len = 0;
    if (r->sent == 1400 && !r->paused) {
        r->paused = 1;
        return 0;
    }
    if (n > 3000 - r->sent)
        n = 3000 - r->sent;
    memset(buf, 'u', n);
    r->sent += n;
    *len = n;
    *eof = r->sent == 3000;
    return 0;
}

static void drain(struct hxc__h2 *h)
{
    const uint8_t *p;
    size_t n;
    while ((n = hxc__h2_pending_out(h, &p)) > 0)
        hxc__h2_consume_out(h, n > 1000 ? n - 1000 : n); /* short writes too */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t body[3000];
    static const uint8_t settings[9] = {0, 0, 0, 4, 0, 0, 0, 0, 0}; /* empty SETTINGS */
    struct fuzz_req a = {0}, b = {0};
    struct hxc__hdr hd = {"X-Fuzz", 6, "1", 1};
    struct hxc__req_desc get = {.method = "GET", .scheme = "https", .authority = "fuzz.test",
                                .path = "/", .headers = &hd, .nheaders = 1, .user = &a};
    struct hxc__req_desc post = {.method = "POST", .scheme = "https", .authority = "fuzz.test",
                                 .path = "/p", .body = body, .body_len = sizeof body,
                                 .has_body = 1, .user = &b};
    struct hxc__h2 *h;
    size_t chunk;
    int settings_first;
    if (size < 2)
        return 0;
    chunk = (size_t)data[0] + 1;
    b.abort_at = data[1] & 7;
    settings_first = (data[1] & 8) != 0;
    if (data[1] & 16) { /* streamed upload; known length on every other such input */
        post.body = NULL;
        post.body_len = 0;
        post.body_read = f_read;
        post.body_read_length = (data[1] & 32) ? 3000 : -1;
    }
    data += 2;
    size -= 2;
    h = hxc__h2_new(&fuzz_events, 4096, NULL);
    if (h == NULL)
        return 0;
    a.completed = hxc__h2_submit(h, &get, NULL) < 0;
    b.completed = hxc__h2_submit(h, &post, NULL) < 0;
    drain(h);
    if (settings_first && hxc__h2_feed(h, settings, sizeof settings, NULL) == HXC_OK)
        drain(h);
    for (size_t off = 0; off < size; off += chunk) {
        size_t n = size - off < chunk ? size - off : chunk;
        if (hxc__h2_feed(h, data + off, n, NULL) != HXC_OK)
            break;
        if (off % 3 == 0)
            hxc__h2_resume(h, &b);
        if ((data[0] & 0x80) && off == chunk && hxc__h2_cancel(h, &a) == 0 && !a.completed)
            __builtin_trap(); /* cancel completes from inside the call */
        (void)hxc__h2_max_streams(h);
        (void)hxc__h2_stream_id(h, &b);
        drain(h);
    }
    hxc__h2_eof(h);
    if (!a.completed || !b.completed)
        __builtin_trap(); /* every request ends after EOF */
    hxc__h2_free(h);
    return 0;
}
