/*
 * libFuzzer target for the HTTP/1.1 engine (src/h1): arbitrary bytes are fed
 * as the server's response after a submitted GET (or HEAD), in slices, then
 * EOF. When the first response leaves the connection reusable, a second
 * request is submitted and the remaining bytes answer it.
 *
 * Invariants checked (abort() on violation, so the fuzzer reports them):
 *  - on_complete is called exactly once per submitted request;
 *  - no event for a request arrives after its on_complete;
 *  - a failed request always carries an error with a message;
 *  - busy / reusable agree with what was reported.
 *
 * Not a unit test: CMake only registers tests/unit/.../test_*.c. Build and
 * run it by hand from the repository root:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *       -Iinclude -Isrc -I/usr/share/include/llhttp \
 *       tests/unit/h1/fuzz_h1.c src/h1/h1.c src/base/error.c \
 *       /usr/share/llhttp/api.c /usr/share/llhttp/http.c /usr/share/llhttp/llhttp.c \
 *       -o /tmp/fuzz_h1
 *   mkdir -p /tmp/fuzz_h1_corpus && /tmp/fuzz_h1 -max_total_time=60 /tmp/fuzz_h1_corpus
 *
 * Input layout: byte 0 = flags (bit 0: HEAD request, bit 1: 200-byte header
 * limit, bit 2: abort from on_body, bit 3: no EOF at the end, bit 4: cancel
 * the first request from inside on_body, bit 5: the first request is a POST
 * with a chunked streamed body), byte 1 = feed
 * slice length (0 = all at once), the rest = the response bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "base/proto.h"
#include "h1/h1.h"

struct fz_req {
    int completes;
    int events_after_complete;
    int abort_on_body;
    int cancel_on_body; /* hxc__h1_cancel() from inside on_body */
    int pieces;         /* streamed upload: pulls so far */
};

static struct hxc__h1 *fz_h;

static void check(int cond)
{
    if (!cond)
        abort();
}

static int fz_status(void *u, int status, int version, const char *reason, size_t len,
                     int interim)
{
    struct fz_req *r = u;
    check(r->completes == 0);
    check(status >= 100 && status <= 999);
    check(version == 10 || version == 11);
    check(len == 0 || reason != NULL);
    check(interim == (status < 200));
    return 0;
}

static int fz_header(void *u, const char *name, size_t nlen, const char *value, size_t vlen)
{
    struct fz_req *r = u;
    check(r->completes == 0);
    check(nlen == 0 || name != NULL);
    check(vlen == 0 || value != NULL);
    /* touch every byte so ASan sees out-of-bounds spans */
    volatile unsigned sum = 0;
    for (size_t i = 0; i < nlen; i++)
        sum += (unsigned char)name[i];
    for (size_t i = 0; i < vlen; i++)
        sum += (unsigned char)value[i];
    (void)sum;
    return 0;
}

static int fz_done(void *u)
{
    struct fz_req *r = u;
    check(r->completes == 0);
    return 0;
}

static int fz_body(void *u, const uint8_t *data, size_t len)
{
    struct fz_req *r = u;
    check(r->completes == 0);
    check(len > 0 && data != NULL);
    volatile unsigned sum = data[0] + data[len - 1];
    (void)sum;
    if (r->cancel_on_body) {
        hxc__h1_cancel(fz_h);
        check(r->completes == 1);
        return 0;
    }
    return r->abort_on_body;
}

static void fz_complete(void *u, hxc_status status, const hxc_error *err)
{
    struct fz_req *r = u;
    r->completes++;
    if (status == HXC_OK) {
        check(err == NULL);
    } else {
        check(err != NULL && err->code == status && err->message[0] != '\0');
        check(memchr(err->message, '\0', sizeof err->message) != NULL);
    }
}

static const struct hxc__msg_events fz_events = {
    .on_status = fz_status,
    .on_header = fz_header,
    .on_headers_done = fz_done,
    .on_body = fz_body,
    .on_trailer = fz_header,
    .on_complete = fz_complete,
};

/* Chunked upload source: three pieces, then eof. */
static int fz_read(void *u, uint8_t *buf, size_t cap, size_t *len, int *eof)
{
    struct fz_req *r = u;
    size_t n = cap < 10 ? cap : 10;
    memset(buf, 'x', n);
    *len = n;
    *eof = ++r->pieces == 3;
    return 0;
}

static void drain(struct hxc__h1 *h)
{
    const uint8_t *p;
    size_t n = hxc__h1_pending_out(h, &p);
    hxc__h1_consume_out(h, n);
}

static int submit(struct hxc__h1 *h, struct fz_req *r, int is_head, int upload)
{
    struct hxc__req_desc d;
    memset(&d, 0, sizeof d);
    d.method = is_head ? "HEAD" : "GET";
    if (upload) {
        d.method = "POST";
        d.has_body = 1;
        d.body_read = fz_read;
        d.body_read_length = -1;
    }
    d.scheme = "https";
    d.authority = "fuzz.example";
    d.path = "/";
    d.user = r;
    if (hxc__h1_submit(h, &d, is_head, NULL) != HXC_OK)
        return 0;
    drain(h);
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    unsigned flags = data[0];
    size_t step = data[1];
    data += 2;
    size -= 2;
    if (step == 0)
        step = size ? size : 1;

    struct hxc__h1 *h = hxc__h1_new(&fz_events, (flags & 2) ? 200 : 0);
    check(h != NULL);
    struct fz_req reqs[2];
    memset(reqs, 0, sizeof reqs);
    reqs[0].abort_on_body = (flags & 4) != 0;
    reqs[1].abort_on_body = (flags & 4) != 0;
    reqs[0].cancel_on_body = (flags & 16) != 0;
    fz_h = h;
    int submitted = submit(h, &reqs[0], flags & 1, (flags & 32) && !(flags & 1));
    check(submitted == 1);

    size_t off = 0;
    while (off < size) {
        size_t n = size - off < step ? size - off : step;
        hxc_status st = hxc__h1_feed(h, data + off, n, NULL);
        off += n;
        if (st != HXC_OK) {
            check(!hxc__h1_busy(h) && !hxc__h1_reusable(h));
            break;
        }
        if (!hxc__h1_busy(h)) {
            check(reqs[submitted - 1].completes == 1);
            if (submitted == 2 || !hxc__h1_reusable(h))
                break;
            submitted += submit(h, &reqs[1], 0, 0);
            check(submitted == 2);
        }
    }
    if (!(flags & 8))
        hxc__h1_eof(h);
    if (hxc__h1_busy(h)) {
        check(flags & 8);
        hxc_error e;
        memset(&e, 0, sizeof e);
        e.code = HXC_E_TIMEOUT_READ;
        strcpy(e.message, "fuzz: read timed out");
        hxc__h1_abort(h, &e);
    }
    check(!hxc__h1_busy(h));
    for (int i = 0; i < submitted; i++)
        check(reqs[i].completes == 1);
    hxc__h1_free(h);
    return 0;
}
