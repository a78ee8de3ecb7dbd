/* Test driver for the concurrent API (include/hxc.h only). Submits N
 * transfers on ONE client, runs the loop, and reports what each transfer
 * got. Used by test_mux.py.
 *
 *   concurrent [options] N URL
 *
 * "{i}" in URL is replaced by the transfer's index (0..N-1).
 *
 * Options:
 *   --cacert F            trust anchors
 *   --insecure            no certificate verification
 *   --http1.1             offer only http/1.1
 *   --max-connections N   pool limit
 *   --max-keepalive N
 *   --keepalive-expiry-ms T
 *   --pool-timeout-ms T
 *   --connect-timeout-ms T
 *   --timeout-ms T        total (overall deadline) per transfer
 *   --read-timeout-ms T
 *   --step-ms T           drive with hxc_client_step(T) instead of hxc_client_run
 *   --cancel-every K      cancel transfers with i % K == 0 (step mode): once
 *                         their request went out (stream id != 0), or at once
 *                         after submit with --cancel-queued
 *   --cancel-queued
 *   --upload-bytes N      POST a generated body of N bytes through body_read
 *                         (byte at offset o: byte o%8 of the little-endian
 *                         uint64 o/8)
 *   --upload-chunk C      at most C bytes per body_read call (default 100000)
 *   --upload-unknown      body_read_length -1 (HTTP/1.1: chunked)
 *   --upload-pause P      every P-th body_read call returns no data; the
 *                         driver resumes the transfer after the next step
 *   --stream              hxc_client_open + hxc_stream_read, one after the
 *                         other on the same client
 *   --stream-close-after B  read only B bytes, then hxc_stream_close
 *   --held-stream URL     before the N transfers, hxc_client_open URL on the
 *                         same client and read nothing of it while they run;
 *                         then read it to the end (per-stream backpressure):
 *                         "held <http-status> <bytes> [pattern=...]" is
 *                         printed before the summary
 *   --verify-pattern      body byte at offset o must be o % 251
 *   --rounds R            submit the N transfers, run them to completion, then
 *                         again, R times in all on the same client (indices
 *                         continue: round r has r*N .. r*N+N-1); between
 *                         rounds the client sits idle for --pause-ms
 *   --pause-ms P          (default 0)
 *   --deadline-s S        the driver aborts (exit 3) after S seconds (default 50)
 *   --verbose             debug lines to stderr
 *
 * Output: one line per transfer, in index order:
 *   "<i> <http-status> <body-bytes> conn=<C> stream=<S> ver=<V> first=<line>"
 *   "<i> ERROR <HXC_E_NAME> conn=<C> stream=<S> <message>"
 * (first=: the first line of the body, up to 120 bytes, spaces as '_';
 * with --verify-pattern " pattern=ok" or " pattern=bad@<offset>")
 * then a summary:
 *   "done ok=X failed=Y connections=Z conn_ids=W max_inflight=M
 *    max_inflight_per_conn=P peak_rss_kb=R"
 * connections: "Connected to" debug lines; conn_ids: distinct
 * hxc_transfer_connection_id values; max_inflight*: transfers holding a
 * stream (stream id != 0) at the same time, sampled at every callback;
 * peak_rss_kb: VmHWM (see peak_rss_kb()).
 * Exit: 0 all transfers OK, 1 some failed, 2 usage, 3 deadline,
 * 4 the library broke a contract (on_done twice or never, run failed).
 */
#include <hxc.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define FIRST_MAX 120

struct xfer {
    int idx;
    char *url;
    hxc_transfer *t;        /* valid until on_done */
    int ndone;
    hxc_status status;
    hxc_error err;
    int http_status;
    char version[16];
    uint64_t bytes;
    unsigned conn;
    int32_t stream;
    char first[FIRST_MAX + 1];
    size_t firstlen;
    int first_done;
    long long bad_at;       /* first pattern mismatch, -1 none */
    uint64_t up_off;        /* upload: bytes produced so far */
    unsigned read_calls;
    int paused;
};

struct opts {
    int cancel_every;
    int cancel_queued;
    long step_ms;
    uint64_t upload_bytes;
    int upload;
    size_t upload_chunk;
    int upload_unknown;
    unsigned upload_pause;
    int stream;
    long rounds;
    long pause_ms;
    uint64_t stream_close_after;
    const char *held_url;
    int verify_pattern;
    int verbose;
};

static struct opts g_opt;
static struct xfer *g_x;
static int g_n;
static int g_connects;
static int g_max_inflight;
static int g_max_inflight_conn;
static int g_contract_broken;

/* ------------------------------------------------------------ sampling */

static void sample_inflight(void)
{
    enum { MAXC = 256 };
    int per[MAXC] = {0};
    int total = 0;
    for (int i = 0; i < g_n; i++) {
        if (g_x[i].t == NULL || hxc_transfer_stream_id(g_x[i].t) == 0)
            continue;
        total++;
        unsigned c = hxc_transfer_connection_id(g_x[i].t);
        if (c < MAXC && ++per[c] > g_max_inflight_conn)
            g_max_inflight_conn = per[c];
    }
    if (total > g_max_inflight)
        g_max_inflight = total;
}

/* ------------------------------------------------------------ callbacks */

static void on_debug(void *user, hxc_debug_kind kind, const char *text)
{
    (void)user;
    if (g_opt.verbose)
        fprintf(stderr, "%c %s\n", kind == HXC_DEBUG_INFO ? '*' :
                kind == HXC_DEBUG_HEADER_OUT ? '>' : '<', text);
    if (kind == HXC_DEBUG_INFO && strncmp(text, "Connected to ", 13) == 0)
        g_connects++;
}

static void keep_first_line(struct xfer *x, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len && !x->first_done; i++) {
        if (data[i] == '\n' || x->firstlen == FIRST_MAX) {
            x->first_done = 1;
            break;
        }
        char c = (char)data[i];
        x->first[x->firstlen++] = (c == ' ' || c < 0x21 || c > 0x7e) ? '_' : c;
    }
}

static void check_pattern(struct xfer *x, const uint8_t *data, size_t len)
{
    if (!g_opt.verify_pattern || x->bad_at >= 0)
        return;
    for (size_t i = 0; i < len; i++) {
        if (data[i] != (uint8_t)((x->bytes + i) % 251)) {
            x->bad_at = (long long)(x->bytes + i);
            return;
        }
    }
}

static void count_body(struct xfer *x, const uint8_t *data, size_t len)
{
    keep_first_line(x, data, len);
    check_pattern(x, data, len);
    x->bytes += len;
}

static int on_body(void *user, const uint8_t *data, size_t len)
{
    count_body(user, data, len);
    return 0;
}

static int on_head(void *user, const hxc_response *resp)
{
    (void)user;
    (void)resp;
    sample_inflight();
    return 0;
}

static void on_done(void *user, hxc_transfer *t, hxc_status status, const hxc_error *err,
                    hxc_response *resp)
{
    struct xfer *x = user;
    sample_inflight();
    if (++x->ndone > 1) {
        g_contract_broken = 1;
        fprintf(stderr, "concurrent: on_done called %d times for transfer %d\n", x->ndone,
                x->idx);
        hxc_response_free(resp);
        return;
    }
    x->conn = hxc_transfer_connection_id(t);
    x->stream = hxc_transfer_stream_id(t);
    x->status = status;
    x->t = NULL;
    if (status != HXC_OK) {
        if (err != NULL)
            x->err = *err;
        if (resp != NULL) {
            g_contract_broken = 1;
            fprintf(stderr, "concurrent: transfer %d failed but got a response\n", x->idx);
            hxc_response_free(resp);
        }
        return;
    }
    if (resp == NULL) {
        g_contract_broken = 1;
        fprintf(stderr, "concurrent: transfer %d OK without a response\n", x->idx);
        return;
    }
    x->http_status = hxc_response_status(resp);
    snprintf(x->version, sizeof x->version, "%s", hxc_response_http_version(resp));
    hxc_response_free(resp);
}

/* Upload source: byte o is byte o%8 of the little-endian uint64 o/8. */
static int on_read(void *user, uint8_t *buf, size_t cap, size_t *len, int *eof)
{
    struct xfer *x = user;
    x->read_calls++;
    *len = 0;
    *eof = 0;
    if (g_opt.upload_pause && x->read_calls % g_opt.upload_pause == 0 &&
        x->up_off < g_opt.upload_bytes) {
        x->paused = 1;
        return 0;
    }
    uint64_t left = g_opt.upload_bytes - x->up_off;
    size_t n = cap < g_opt.upload_chunk ? cap : g_opt.upload_chunk;
    if (n > left)
        n = (size_t)left;
    for (size_t i = 0; i < n; i++) {
        uint64_t o = x->up_off + i;
        buf[i] = (uint8_t)((o / 8) >> (8 * (o % 8)));
    }
    x->up_off += n;
    *len = n;
    *eof = x->up_off == g_opt.upload_bytes;
    return 0;
}

/* ------------------------------------------------------------ helpers */

static char *expand_url(const char *tmpl, int i)
{
    const char *p = strstr(tmpl, "{i}");
    size_t len = strlen(tmpl) + 16;
    char *out = malloc(len);
    if (out == NULL)
        return NULL;
    if (p == NULL)
        snprintf(out, len, "%s", tmpl);
    else
        snprintf(out, len, "%.*s%d%s", (int)(p - tmpl), tmpl, i, p + 3);
    return out;
}

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "concurrent: driver deadline exceeded (transfers never "
                              "completed)\n";
    if (write(2, msg, sizeof msg - 1) < 0) {
        /* nothing more to do */
    }
    _exit(3);
}

/* Peak RSS of this program: VmHWM from /proc/self/status. getrusage's
 * ru_maxrss is kept across execve on Linux, so it would report the parent's
 * peak (e.g. a test runner that forked us) rather than ours. */
static long peak_rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
            break;
    }
    if (f != NULL)
        fclose(f);
    if (kb >= 0)
        return kb;
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return -1;
    return ru.ru_maxrss;
}

static int parse_long(const char *s, long *out)
{
    char *end;
    *out = strtol(s, &end, 10);
    return *s != '\0' && *end == '\0';
}

static int usage(const char *msg)
{
    fprintf(stderr, "concurrent: %s\nusage: concurrent [options] N URL (see the source)\n", msg);
    return 2;
}

/* ------------------------------------------------------------ driving */

static void cancel_due(void)
{
    if (!g_opt.cancel_every)
        return;
    for (int i = 0; i < g_n; i += g_opt.cancel_every) {
        struct xfer *x = &g_x[i];
        if (x->t == NULL)
            continue;
        if (g_opt.cancel_queued || hxc_transfer_stream_id(x->t) != 0)
            hxc_transfer_cancel(x->t);
    }
}

static void resume_paused(void)
{
    for (int i = 0; i < g_n; i++) {
        if (g_x[i].paused && g_x[i].t != NULL) {
            g_x[i].paused = 0;
            hxc_transfer_resume(g_x[i].t);
        }
    }
}

static int remaining(void)
{
    int n = 0;
    for (int i = 0; i < g_n; i++)
        n += g_x[i].ndone == 0;
    return n;
}

static int drive_steps(hxc_client *client)
{
    hxc_error err;
    if (g_opt.cancel_queued)
        cancel_due();
    /* a held stream stays in progress: step until the N transfers are done */
    long ms = g_opt.step_ms > 0 || !g_opt.held_url ? g_opt.step_ms : 100;
    for (;;) {
        int left = hxc_client_step(client, ms, &err);
        if (left < 0) {
            printf("run ERROR %s %s\n", hxc_status_name(err.code), err.message);
            return -1;
        }
        sample_inflight();
        cancel_due();
        resume_paused();
        if (left == 0 || (g_opt.held_url && remaining() == 0))
            break;
    }
    return 0;
}

/* The client idle for ms milliseconds: the loop is stepped (so that
 * keep-alive expiry may run from it) and the time is spent even when a step
 * returns at once because nothing is in progress. */
static void idle(hxc_client *client, long ms)
{
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long spent = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
        if (spent >= ms)
            return;
        long left = ms - spent < 10 ? ms - spent : 10;
        hxc_error err;
        if (hxc_client_step(client, left, &err) < 0) {
            printf("idle ERROR %s %s\n", hxc_status_name(err.code), err.message);
            return;
        }
        struct timespec nap = {0, left * 1000000L};
        nanosleep(&nap, NULL);
    }
}

static int drive(hxc_client *client)
{
    if (g_opt.step_ms > 0 || g_opt.cancel_every || g_opt.upload_pause || g_opt.held_url)
        return drive_steps(client);
    hxc_error err;
    if (hxc_client_run(client, &err) != HXC_OK) {
        printf("run ERROR %s %s\n", hxc_status_name(err.code), err.message);
        return -1;
    }
    return 0;
}

static int submit_range(hxc_client *client, int from, int to)
{
    for (int i = from; i < to; i++) {
        struct xfer *x = &g_x[i];
        hxc_request req;
        hxc_request_init(&req);
        req.url = x->url;
        req.on_head = on_head;
        req.on_body = on_body;
        req.on_done = on_done;
        req.user = x;
        if (g_opt.upload) {
            req.method = "POST";
            req.body_read = on_read;
            req.body_read_length = g_opt.upload_unknown ? -1 : (int64_t)g_opt.upload_bytes;
        }
        hxc_error err;
        if (hxc_client_submit(client, &req, &x->t, &err) != HXC_OK) {
            x->ndone = 1;
            x->status = err.code;
            x->err = err;
            x->t = NULL;
        }
    }
    return 0;
}

/* hxc_client_open for x->url: the stream, or NULL with x's error set. */
static hxc_stream *open_stream(hxc_client *client, struct xfer *x)
{
    hxc_request req;
    hxc_request_init(&req);
    req.url = x->url;
    hxc_stream *s = NULL;
    x->ndone = 1;
    x->bad_at = -1;
    x->status = hxc_client_open(client, &req, &s, &x->err);
    if (x->status != HXC_OK)
        return NULL;
    const hxc_response *resp = hxc_stream_response(s);
    x->http_status = hxc_response_status(resp);
    snprintf(x->version, sizeof x->version, "%s", hxc_response_http_version(resp));
    return s;
}

/* Reads s to the end (or `limit` bytes when not 0) into x, then closes it. */
static void read_stream(hxc_stream *s, struct xfer *x, uint64_t limit)
{
    static uint8_t buf[16384];
    for (;;) {
        size_t cap = sizeof buf;
        if (limit && limit - x->bytes < cap)
            cap = (size_t)(limit - x->bytes);
        if (limit && cap == 0)
            break;
        size_t len = 0;
        hxc_error err;
        x->status = hxc_stream_read(s, buf, cap, &len, &err);
        if (x->status != HXC_OK) {
            x->err = err;
            break;
        }
        if (len == 0)
            break;
        if (len > cap) {
            g_contract_broken = 1;
            fprintf(stderr, "concurrent: hxc_stream_read returned %zu > cap %zu\n", len, cap);
            break;
        }
        count_body(x, buf, len);
    }
    hxc_stream_close(s);
}

/* Pull-style: one stream after the other on the same client. */
static void run_streams(hxc_client *client)
{
    for (int i = 0; i < g_n; i++) {
        hxc_stream *s = open_stream(client, &g_x[i]);
        if (s != NULL)
            read_stream(s, &g_x[i], g_opt.stream_close_after);
    }
}

static int report(void)
{
    int ok = 0;
    int failed = 0;
    unsigned seen[1024] = {0};
    int conn_ids = 0;
    for (int i = 0; i < g_n; i++) {
        struct xfer *x = &g_x[i];
        if (x->conn > 0 && x->conn < 1024 && !seen[x->conn]++)
            conn_ids++;
        if (x->ndone == 0) {
            g_contract_broken = 1;
            printf("%d ERROR MISSING conn=0 stream=0 on_done never called\n", i);
            failed++;
            continue;
        }
        if (x->status != HXC_OK) {
            printf("%d ERROR %s conn=%u stream=%d %s\n", i, hxc_status_name(x->status), x->conn,
                   (int)x->stream, x->err.message);
            failed++;
            continue;
        }
        ok++;
        printf("%d %d %llu conn=%u stream=%d ver=%s first=%.*s", i, x->http_status,
               (unsigned long long)x->bytes, x->conn, (int)x->stream,
               x->version[0] ? x->version : "-", (int)x->firstlen, x->first);
        if (g_opt.verify_pattern) {
            if (x->bad_at < 0)
                printf(" pattern=ok");
            else
                printf(" pattern=bad@%lld", x->bad_at);
        }
        printf("\n");
    }
    printf("done ok=%d failed=%d connections=%d conn_ids=%d max_inflight=%d "
           "max_inflight_per_conn=%d peak_rss_kb=%ld\n",
           ok, failed, g_connects, conn_ids, g_max_inflight, g_max_inflight_conn, peak_rss_kb());
    return failed;
}

static int parse_opts(int argc, char **argv, hxc_client_options *o, int *argi, long *deadline)
{
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n = 0;
        int takes = 1;
        if (strcmp(a, "--insecure") == 0) {
            o->ssl.insecure = 1;
            takes = 0;
        } else if (strcmp(a, "--http1.1") == 0) {
            o->http_version = HXC_HTTP_1_1;
            takes = 0;
        } else if (strcmp(a, "--cancel-queued") == 0) {
            g_opt.cancel_queued = 1;
            takes = 0;
        } else if (strcmp(a, "--upload-unknown") == 0) {
            g_opt.upload_unknown = 1;
            takes = 0;
        } else if (strcmp(a, "--stream") == 0) {
            g_opt.stream = 1;
            takes = 0;
        } else if (strcmp(a, "--verify-pattern") == 0) {
            g_opt.verify_pattern = 1;
            takes = 0;
        } else if (strcmp(a, "--verbose") == 0) {
            g_opt.verbose = 1;
            takes = 0;
        }
        if (!takes)
            continue;
        if (v == NULL)
            return usage("option needs a value");
        i++;
        if (strcmp(a, "--cacert") == 0) {
            o->ssl.cafile = v;
            continue;
        }
        if (strcmp(a, "--held-stream") == 0) {
            g_opt.held_url = v;
            continue;
        }
        if (!parse_long(v, &n) || n < 0) {
            fprintf(stderr, "concurrent: %s wants a number, not '%s'\n", a, v);
            return 2;
        }
        if (strcmp(a, "--max-connections") == 0)
            o->max_connections = (int)n;
        else if (strcmp(a, "--max-keepalive") == 0)
            o->max_keepalive = (int)n;
        else if (strcmp(a, "--keepalive-expiry-ms") == 0)
            o->keepalive_expiry_ms = n;
        else if (strcmp(a, "--pool-timeout-ms") == 0)
            o->pool_timeout_ms = n;
        else if (strcmp(a, "--connect-timeout-ms") == 0)
            o->connect_timeout_ms = n;
        else if (strcmp(a, "--timeout-ms") == 0)
            o->total_timeout_ms = n;
        else if (strcmp(a, "--read-timeout-ms") == 0)
            o->read_timeout_ms = n;
        else if (strcmp(a, "--step-ms") == 0)
            g_opt.step_ms = n;
        else if (strcmp(a, "--cancel-every") == 0)
            g_opt.cancel_every = (int)n;
        else if (strcmp(a, "--upload-bytes") == 0) {
            g_opt.upload_bytes = (uint64_t)n;
            g_opt.upload = 1;
        } else if (strcmp(a, "--upload-chunk") == 0)
            g_opt.upload_chunk = (size_t)n;
        else if (strcmp(a, "--upload-pause") == 0)
            g_opt.upload_pause = (unsigned)n;
        else if (strcmp(a, "--stream-close-after") == 0)
            g_opt.stream_close_after = (uint64_t)n;
        else if (strcmp(a, "--rounds") == 0)
            g_opt.rounds = n;
        else if (strcmp(a, "--pause-ms") == 0)
            g_opt.pause_ms = n;
        else if (strcmp(a, "--deadline-s") == 0)
            *deadline = n;
        else {
            fprintf(stderr, "concurrent: unknown option %s\n", a);
            return 2;
        }
    }
    *argi = i;
    return 0;
}

int main(int argc, char **argv)
{
    hxc_client_options o;
    hxc_client_options_init(&o);
    o.debug = on_debug;
    g_opt.upload_chunk = 100000;
    g_opt.step_ms = 0;
    long deadline = 50;
    int argi = 0;
    int rc = parse_opts(argc, argv, &o, &argi, &deadline);
    if (rc != 0)
        return rc;
    if (argc - argi != 2)
        return usage("want N and URL");
    long n;
    if (!parse_long(argv[argi], &n) || n <= 0 || n > 100000)
        return usage("N must be 1..100000");
    if (g_opt.rounds <= 0)
        g_opt.rounds = 1;
    if (g_opt.upload_chunk == 0 || (g_opt.cancel_every && g_opt.stream) ||
        n * g_opt.rounds > 100000)
        return usage("bad combination of options");
    int per_round = (int)n;
    n *= g_opt.rounds;
    signal(SIGALRM, on_alarm);
    alarm((unsigned)deadline);

    g_n = (int)n;
    g_x = calloc((size_t)g_n, sizeof *g_x);
    if (g_x == NULL)
        return usage("out of memory");
    for (int i = 0; i < g_n; i++) {
        g_x[i].idx = i;
        g_x[i].bad_at = -1;
        g_x[i].url = expand_url(argv[argi + 1], i);
        if (g_x[i].url == NULL)
            return usage("out of memory");
    }
    hxc_error err;
    hxc_client *client = hxc_client_new(&o, &err);
    if (client == NULL) {
        printf("client ERROR %s %s\n", hxc_status_name(err.code), err.message);
        return 1;
    }
    int broken = 0;
    struct xfer held = {.url = (char *)g_opt.held_url};
    hxc_stream *held_stream = g_opt.held_url ? open_stream(client, &held) : NULL;
    if (g_opt.stream) {
        run_streams(client);
    } else {
        for (long r = 0; r < g_opt.rounds && !broken; r++) {
            if (r > 0)
                idle(client, g_opt.pause_ms);
            submit_range(client, (int)r * per_round, (int)(r + 1) * per_round);
            broken = drive(client) != 0;
        }
        if (!broken && remaining() != 0) {
            fprintf(stderr, "concurrent: the loop returned with %d transfers not done\n",
                    remaining());
            broken = 1;
        }
    }
    if (g_opt.held_url) {
        if (held_stream != NULL)
            read_stream(held_stream, &held, 0);
        if (held.status != HXC_OK)
            printf("held ERROR %s %s\n", hxc_status_name(held.status), held.err.message);
        else
            printf("held %d %llu%s\n", held.http_status, (unsigned long long)held.bytes,
                   !g_opt.verify_pattern ? "" : held.bad_at < 0 ? " pattern=ok" : " pattern=bad");
    }
    hxc_client_free(client);
    int failed = report();
    for (int i = 0; i < g_n; i++)
        free(g_x[i].url);
    free(g_x);
    if (broken || g_contract_broken)
        return 4;
    return failed ? 1 : 0;
}
