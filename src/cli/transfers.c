/* Fetching the URLs of one command line on one client, through the
 * concurrent API (hxc_client_submit + hxc_client_step / hxc_client_run).
 *
 * Without -Z at most one transfer is in flight: the URLs run one after the
 * other and reuse the client's connections. With -Z up to --parallel-max
 * are in flight; more are submitted as others complete.
 *
 * Outputs: each URL has its own sink, a file written atomically (output.c)
 * or standard output. Standard output keeps URL order: the first stdout URL
 * not yet completely written ("head of line") writes straight to stdout;
 * the others hold their bytes back (the spool: in memory up to
 * SPOOL_MEM_EACH bytes per URL and SPOOL_MEM_TOTAL for all, beyond that in
 * one anonymous temporary file shared by the batch) and copy them out when
 * their turn comes.
 *
 * Every failure is reported when it happens ("hxc: URL: reason"; just
 * "hxc: reason" for a single URL); the exit code is that of the first
 * failing URL in command-line order. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "cli.h"

enum xfer_state { XFER_PENDING = 0, XFER_RUNNING, XFER_DONE };

#define SPOOL_MEM_EACH (256u * 1024u)
#define SPOOL_MEM_TOTAL (16u * 1024u * 1024u)

/* A run of bytes of one URL in the shared spool file. */
struct extent {
    off_t off;
    size_t len;
};

/* Stdout bytes of one URL held back: first in memory, then in the file. */
struct spool {
    struct cli_buf mem;
    struct extent *ext;
    size_t next;
    size_t cap;
};

struct batch;

struct xfer {
    struct batch *b;
    size_t index;             /* position among the URLs, from 0 */
    const char *url;
    char *path;               /* heap: the output file; NULL for stdout */
    int to_stdout;
    int prep_rc;              /* the output name could not be made: exit code */
    char prep_error[256];
    struct cli_output out;
    int out_open;
    struct spool spool;       /* stdout bytes held back while earlier URLs print */
    int direct;               /* stdout target writing straight to stdout */
    hxc_transfer *t;          /* valid while XFER_RUNNING */
    enum xfer_state state;
    int heads_seen;
    int fail_status;          /* --fail triggered by this HTTP status */
    char fail_reason[128];
    int write_failed;
    char write_error[256];
    int rc;                   /* this URL's exit code */
};

struct batch {
    const struct cli_opts *opts;
    hxc_client *client;
    struct xfer *x;
    size_t n;
    size_t next_submit;
    size_t next_print;        /* first stdout URL not yet completely written */
    size_t inflight;
    size_t max_inflight;
    hxc_header *headers;      /* -H plus the default Content-Type; shared */
    size_t nheaders;
    int loop_failed;
    hxc_error loop_err;
    FILE *spool_file;         /* shared overflow of the spools; NULL until needed */
    int no_spool_file;        /* tmpfile() failed (no writable temp dir): memory only */
    off_t spool_end;
    size_t spool_mem;         /* bytes held in memory by all spools */
};

/* ------------------------------------------------------------ reports */

static const char *error_text(const hxc_error *err)
{
    return err->message[0] != '\0' ? err->message : hxc_strerror(err->code);
}

static int report(struct xfer *x, int exit_code, const char *msg)
{
    const struct cli_opts *opts = x->b->opts;
    if (opts->silent && !opts->show_error)
        return exit_code;
    if (x->b->n > 1)
        fprintf(stderr, "hxc: %s: %s\n", x->url, msg);
    else
        fprintf(stderr, "hxc: %s\n", msg);
    return exit_code;
}

/* -v: which connection and stream the request went on. */
static void show_connection(struct xfer *x, const hxc_response *resp)
{
    if (!x->b->opts->verbose || x->t == NULL)
        return;
    char tag[32] = "";
    if (x->b->opts->parallel)
        snprintf(tag, sizeof(tag), "[%zu] ", x->index + 1);
    unsigned conn = hxc_transfer_connection_id(x->t);
    int32_t stream = hxc_transfer_stream_id(x->t);
    if (stream > 0) {
        fprintf(stderr, "* %susing connection #%u, stream %ld\n", tag, conn, (long)stream);
        return;
    }
    const char *version = resp ? hxc_response_http_version(resp) : NULL;
    fprintf(stderr, "* %susing connection #%u (%s)\n", tag, conn, version ? version : "HTTP");
}

/* ------------------------------------------------------------- sinks */

static int write_fail(struct xfer *x, const char *msg)
{
    x->write_failed = 1;
    if (x->write_error[0] == '\0')
        snprintf(x->write_error, sizeof(x->write_error), "%s", msg);
    return -1;
}

static int spool_fail(struct xfer *x, const char *what)
{
    char msg[256];
    snprintf(msg, sizeof(msg), "%s the temporary file holding bodies until the earlier URLs "
             "are written: %s", what, strerror(errno));
    return write_fail(x, msg);
}

static int spool_to_file(struct xfer *x, const void *data, size_t len)
{
    struct batch *b = x->b;
    struct spool *sp = &x->spool;
    if (b->spool_file == NULL && (b->spool_file = tmpfile()) == NULL) {
        b->no_spool_file = 1;
        return -1;
    }
    if (fseeko(b->spool_file, b->spool_end, SEEK_SET) != 0 ||
        fwrite(data, 1, len, b->spool_file) != len)
        return spool_fail(x, "cannot write");
    if (sp->next > 0 && sp->ext[sp->next - 1].off + (off_t)sp->ext[sp->next - 1].len ==
                            b->spool_end) {
        sp->ext[sp->next - 1].len += len;
    } else {
        if (sp->next == sp->cap) {
            size_t cap = sp->cap ? sp->cap * 2 : 8;
            struct extent *e = realloc(sp->ext, cap * sizeof(*e));
            if (e == NULL)
                return write_fail(x, "out of memory holding a body back");
            sp->ext = e;
            sp->cap = cap;
        }
        sp->ext[sp->next].off = b->spool_end;
        sp->ext[sp->next].len = len;
        sp->next++;
    }
    b->spool_end += (off_t)len;
    return 0;
}

static int spool_to_memory(struct xfer *x, const void *data, size_t len)
{
    if (hxc__cli_buf_append(&x->spool.mem, data, len) != 0)
        return write_fail(x, "out of memory holding a body back");
    x->b->spool_mem += len;
    return 0;
}

/* Memory while small; the shared file beyond that (memory only when no
 * temporary file can be made). */
static int spool_write(struct xfer *x, const void *data, size_t len)
{
    struct batch *b = x->b;
    struct spool *sp = &x->spool;
    int small = sp->next == 0 && sp->mem.len + len <= SPOOL_MEM_EACH &&
                b->spool_mem + len <= SPOOL_MEM_TOTAL;
    if (small || (b->no_spool_file && sp->next == 0))
        return spool_to_memory(x, data, len);
    if (spool_to_file(x, data, len) == 0)
        return 0;
    if (b->no_spool_file && sp->next == 0)
        return spool_to_memory(x, data, len);
    return x->write_failed ? -1 : spool_fail(x, "cannot create");
}

static void spool_free(struct xfer *x)
{
    x->b->spool_mem -= x->spool.mem.len;
    hxc__cli_buf_free(&x->spool.mem);
    free(x->spool.ext);
    memset(&x->spool, 0, sizeof(x->spool));
}

/* Copies one extent of the shared file to the URL's output. */
static int copy_extent(struct xfer *x, const struct extent *e)
{
    FILE *f = x->b->spool_file;
    char buf[65536];
    if (fflush(f) != 0 || fseeko(f, e->off, SEEK_SET) != 0)
        return spool_fail(x, "cannot read back");
    size_t left = e->len;
    while (left > 0) {
        size_t n = fread(buf, 1, left < sizeof(buf) ? left : sizeof(buf), f);
        if (n == 0)
            return spool_fail(x, "cannot read back");
        if (hxc__cli_output_write(&x->out, buf, n) != 0)
            return write_fail(x, x->out.error);
        left -= n;
    }
    return 0;
}

/* Copies what the spool holds to stdout and drops the spool. */
static int flush_spool(struct xfer *x)
{
    struct spool *sp = &x->spool;
    int rc = 0;
    if (sp->mem.len > 0 && hxc__cli_output_write(&x->out, sp->mem.data, sp->mem.len) != 0)
        rc = write_fail(x, x->out.error);
    for (size_t i = 0; rc == 0 && i < sp->next; i++)
        rc = copy_extent(x, &sp->ext[i]);
    spool_free(x);
    return rc;
}

static int emit(struct xfer *x, const void *data, size_t len)
{
    if (x->write_failed)
        return -1;
    if (len == 0)
        return 0;
    if (x->to_stdout && !x->direct)
        return spool_write(x, data, len);
    if (hxc__cli_output_write(&x->out, data, len) != 0)
        return write_fail(x, x->out.error);
    return 0;
}

static int emit_str(struct xfer *x, const char *s)
{
    return emit(x, s, strlen(s));
}

/* Closes the sink: ok != 0 keeps the output (rename into place, flush
 * stdout), ok == 0 drops an output file. Returns 0 or -1 (write_error). */
static int close_sink(struct xfer *x, int ok)
{
    if (!x->out_open)
        return 0;
    x->out_open = 0;
    if (hxc__cli_output_close(&x->out, ok && !x->write_failed) != 0)
        return write_fail(x, x->out.error);
    return 0;
}

/* Stdout URLs complete in any order but are written in URL order. The URL
 * at next_print writes directly; when it is done the next one takes its
 * place after its spool was copied out. */
static void advance_printing(struct batch *b)
{
    while (b->next_print < b->n) {
        struct xfer *x = &b->x[b->next_print];
        if (!x->to_stdout) {
            b->next_print++;
            continue;
        }
        x->direct = 1;
        if (x->state != XFER_DONE) {
            /* On a write error the transfer is cancelled; its on_done
             * reports the error and carries on from here (re-entrantly). */
            if (flush_spool(x) != 0 && x->t != NULL)
                hxc_transfer_cancel(x->t);
            return;
        }
        int failed_before = x->write_failed;
        if ((flush_spool(x) != 0 || close_sink(x, 1) != 0) && !failed_before && x->rc == 0)
            x->rc = report(x, CLI_EXIT_WRITE, x->write_error);
        b->next_print++;
    }
}

/* ------------------------------------------------------ head and body */

/* The head as curl -i prints it: status line, headers, blank line (CRLF). */
static int print_head(struct xfer *x, const hxc_response *resp)
{
    char line[64];
    const char *version = hxc_response_http_version(resp);
    const char *reason = hxc_response_reason(resp);
    snprintf(line, sizeof(line), " %d", hxc_response_status(resp));
    if (emit_str(x, version ? version : "HTTP") || emit_str(x, line))
        return -1;
    if (reason != NULL && reason[0] != '\0' && (emit_str(x, " ") || emit_str(x, reason)))
        return -1;
    if (emit_str(x, "\r\n"))
        return -1;
    size_t n = hxc_response_header_count(resp);
    for (size_t i = 0; i < n; i++) {
        const char *name = NULL, *value = NULL;
        if (hxc_response_header_at(resp, i, &name, &value) != 0 || name == NULL)
            continue;
        if (emit_str(x, name) || emit_str(x, ": ") || emit_str(x, value ? value : "") ||
            emit_str(x, "\r\n"))
            return -1;
    }
    return emit_str(x, "\r\n");
}

static int fails_request(struct xfer *x, const hxc_response *resp)
{
    int status = hxc_response_status(resp);
    if (!x->b->opts->fail || status < 400)
        return 0;
    const char *reason = hxc_response_reason(resp);
    x->fail_status = status;
    snprintf(x->fail_reason, sizeof(x->fail_reason), "%s", reason ? reason : "");
    return 1;
}

/* A held-back body whose size the head announces gets its memory at once,
 * when it will be kept in memory: no growth copies while it arrives. */
static void reserve_spool(struct xfer *x, const hxc_response *resp)
{
    const char *cl = hxc_response_header(resp, "content-length");
    if (!x->to_stdout || x->direct || cl == NULL || x->spool.mem.len > 0 || x->spool.next > 0)
        return;
    char *end;
    unsigned long long n = strtoull(cl, &end, 10);
    if (end == cl || *end != '\0' || n == 0 || n > SPOOL_MEM_EACH ||
        x->b->spool_mem + n > SPOOL_MEM_TOTAL)
        return;
    hxc__cli_buf_reserve(&x->spool.mem, (size_t)n); /* on failure, growth does it */
}

static int on_head(void *user, const hxc_response *resp)
{
    struct xfer *x = user;
    x->heads_seen++;
    show_connection(x, resp);
    if (fails_request(x, resp))
        return 1;
    reserve_spool(x, resp);
    if (x->b->opts->include_head || x->b->opts->head_only)
        return print_head(x, resp) != 0;
    return 0;
}

static int on_body(void *user, const uint8_t *data, size_t len)
{
    struct xfer *x = user;
    if (x->fail_status != 0)
        return 1;
    if (x->b->opts->head_only)
        return 0;
    return emit(x, data, len) != 0;
}

/* ---------------------------------------------------------- completion */

/* Writes what the library buffered when it did not stream (defensive), and
 * the final head when -i was asked and no head callback came. */
static void emit_leftovers(struct xfer *x, const hxc_response *resp)
{
    const struct cli_opts *opts = x->b->opts;
    if (x->heads_seen == 0 && (opts->include_head || opts->head_only))
        print_head(x, resp);
    size_t len = 0;
    const uint8_t *body = hxc_response_body(resp, &len);
    if (body != NULL && len > 0 && !opts->head_only)
        emit(x, body, len);
}

/* A stdout URL that is not at the head of the line keeps its spool until
 * advance_printing copies it out; everything else is closed here. */
static int sink_is_deferred(const struct xfer *x)
{
    return x->to_stdout && !x->direct;
}

static int finish(struct xfer *x, hxc_status st, const hxc_error *err, hxc_response *resp)
{
    char msg[512];
    if (st == HXC_OK && resp != NULL) {
        emit_leftovers(x, resp);
        if (x->fail_status == 0)
            fails_request(x, resp);
    }
    int ok = st == HXC_OK && x->fail_status == 0 && !x->write_failed;
    /* A stdout URL keeps what arrived (as curl does); files only when complete. */
    if (!sink_is_deferred(x))
        close_sink(x, ok || x->to_stdout);
    if (x->fail_status != 0) {
        snprintf(msg, sizeof(msg), "the requested URL returned error: %d%s%s", x->fail_status,
                 x->fail_reason[0] ? " " : "", x->fail_reason);
        return report(x, CLI_EXIT_HTTP_STATUS, msg);
    }
    if (x->write_failed)
        return report(x, CLI_EXIT_WRITE, x->write_error);
    if (st != HXC_OK)
        return report(x, hxc__cli_exit_code(st), error_text(err));
    return CLI_EXIT_OK;
}

static void on_done(void *user, hxc_transfer *t, hxc_status status, const hxc_error *err,
                    hxc_response *resp)
{
    struct xfer *x = user;
    struct batch *b = x->b;
    hxc_error fallback;
    if (status != HXC_OK && err == NULL) {
        memset(&fallback, 0, sizeof(fallback));
        fallback.code = status;
        err = &fallback;
    }
    if (status == HXC_E_CANCELLED && b->loop_failed) {
        status = b->loop_err.code;
        err = &b->loop_err;
    }
    if (x->heads_seen == 0 && t != NULL && hxc_transfer_connection_id(t) != 0)
        show_connection(x, NULL);
    x->t = NULL;
    x->state = XFER_DONE;
    b->inflight--;
    x->rc = finish(x, status, err, resp);
    hxc_response_free(resp);
    advance_printing(b);
}

/* ------------------------------------------------------------- outputs */

/* -O: the last segment of the URL's path, without query or fragment. */
static int remote_name(const char *url, const char **name, size_t *len)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    p += strcspn(p, "/?#");           /* skip the authority */
    size_t plen = strcspn(p, "?#");
    const char *end = p + plen;
    const char *seg = end;
    while (seg > p && seg[-1] != '/')
        seg--;
    *name = seg;
    *len = (size_t)(end - seg);
    if (*len == 0 || (*len == 1 && seg[0] == '.') || (*len == 2 && seg[0] == '.' && seg[1] == '.'))
        return -1;
    return 0;
}

static char *join_dir(const char *dir, const char *name, size_t len)
{
    size_t dlen = dir ? strlen(dir) : 0;
    while (dlen > 1 && dir[dlen - 1] == '/')
        dlen--;
    size_t n = dlen + 1 + len + 1;
    char *p = malloc(n);
    if (p == NULL)
        return NULL;
    if (dlen > 0)
        snprintf(p, n, "%.*s/%.*s", (int)dlen, dir, (int)len, name);
    else
        snprintf(p, n, "%.*s", (int)len, name);
    return p;
}

/* Decides where URL i's body goes: x->path (heap) or stdout. */
static int prepare_output(struct batch *b, struct xfer *x)
{
    const struct cli_opts *opts = b->opts;
    const struct cli_outspec *o = x->index < opts->noutputs ? &opts->outputs[x->index] : NULL;
    const char *name = NULL;
    size_t len = 0;
    if (o == NULL || (!o->remote_name && strcmp(o->path, "-") == 0)) {
        x->to_stdout = 1;
        return 0;
    }
    if (o->remote_name && remote_name(x->url, &name, &len) != 0) {
        x->prep_rc = CLI_EXIT_WRITE;
        snprintf(x->prep_error, sizeof(x->prep_error),
                 "remote file name has no length (-O needs a URL whose path ends in a file "
                 "name)");
        return 0;
    }
    if (!o->remote_name) {
        name = o->path;
        len = strlen(name);
    }
    const char *dir = name[0] == '/' ? NULL : opts->output_dir;
    x->path = join_dir(dir, name, len);
    return x->path != NULL ? 0 : -1;
}

/* ---------------------------------------------------------- submission */

static int has_header(const struct cli_opts *opts, const char *name)
{
    for (size_t i = 0; i < opts->nheaders; i++) {
        if (strcasecmp(opts->headers[i].name, name) == 0)
            return 1;
    }
    return 0;
}

static int build_headers(struct batch *b)
{
    const struct cli_opts *opts = b->opts;
    b->headers = calloc(opts->nheaders + 1, sizeof(*b->headers));
    if (b->headers == NULL)
        return -1;
    if (opts->nheaders > 0)
        memcpy(b->headers, opts->headers, opts->nheaders * sizeof(*b->headers));
    b->nheaders = opts->nheaders;
    if (opts->has_data && !has_header(opts, "Content-Type")) {
        b->headers[b->nheaders].name = "Content-Type";
        b->headers[b->nheaders].value = "application/x-www-form-urlencoded";
        b->nheaders++;
    }
    return 0;
}

static void fill_request(struct batch *b, struct xfer *x, hxc_request *req)
{
    const struct cli_opts *opts = b->opts;
    hxc_request_init(req);
    req->url = x->url;
    req->method = opts->method ? opts->method : opts->head_only ? "HEAD" : NULL;
    req->headers = b->headers;
    req->nheaders = b->nheaders;
    if (opts->has_data) {
        /* A non-NULL body marks a POST even when empty (-d ''). */
        static const uint8_t empty[1];
        req->body = opts->data.data ? (const void *)opts->data.data : (const void *)empty;
        req->body_len = opts->data.len;
    }
    req->on_head = on_head;
    req->on_body = on_body;
    req->on_done = on_done;
    req->user = x;
}

/* A URL that ends before it was submitted. */
static void end_early(struct xfer *x, int exit_code, const char *msg)
{
    close_sink(x, 0);
    x->state = XFER_DONE;
    x->rc = report(x, exit_code, msg);
    advance_printing(x->b);
}

static void submit_next(struct batch *b)
{
    struct xfer *x = &b->x[b->next_submit++];
    if (x->prep_rc != 0) {
        end_early(x, x->prep_rc, x->prep_error);
        return;
    }
    if (b->loop_failed) {
        end_early(x, hxc__cli_exit_code(b->loop_err.code), error_text(&b->loop_err));
        return;
    }
    int rc = hxc__cli_output_open(&x->out, x->path);
    x->out_open = 1;
    if (rc != 0) {
        end_early(x, CLI_EXIT_WRITE, x->out.error);
        return;
    }
    hxc_request req;
    fill_request(b, x, &req);
    hxc_error err;
    memset(&err, 0, sizeof(err));
    x->state = XFER_RUNNING;
    b->inflight++;
    if (hxc_client_submit(b->client, &req, &x->t, &err) != HXC_OK) {
        b->inflight--;
        x->t = NULL;
        if (err.code == HXC_OK)
            err.code = HXC_E_INTERNAL;
        end_early(x, hxc__cli_exit_code(err.code), error_text(&err));
    }
}

/* The loop itself failed: the transfers in flight end with its error
 * (cancelled, their on_done substitutes it), those not yet submitted too. */
static void loop_failure(struct batch *b, const hxc_error *err)
{
    b->loop_failed = 1;
    b->loop_err = *err;
    if (b->loop_err.code == HXC_OK)
        b->loop_err.code = HXC_E_INTERNAL;
    for (size_t i = 0; i < b->n; i++) {
        if (b->x[i].state == XFER_RUNNING && b->x[i].t != NULL)
            hxc_transfer_cancel(b->x[i].t);
    }
    while (b->next_submit < b->n)
        submit_next(b);
}

static void run_loop(struct batch *b)
{
    hxc_error err;
    for (;;) {
        while (b->inflight < b->max_inflight && b->next_submit < b->n)
            submit_next(b);
        if (b->inflight == 0 && b->next_submit >= b->n)
            return;
        if (b->inflight == 0)
            continue;
        memset(&err, 0, sizeof(err));
        if (b->next_submit >= b->n) {
            /* Everything is submitted: let the loop run to the end. */
            if (hxc_client_run(b->client, &err) != HXC_OK || b->inflight > 0)
                break;
            return;
        }
        int left = hxc_client_step(b->client, -1, &err);
        if (left < 0 || (left == 0 && b->inflight > 0))
            break;
    }
    if (err.message[0] == '\0') {
        err.code = err.code != HXC_OK ? err.code : HXC_E_INTERNAL;
        snprintf(err.message, sizeof(err.message),
                 "the event loop stopped with %zu transfer%s unfinished", b->inflight,
                 b->inflight == 1 ? "" : "s");
    }
    loop_failure(b, &err);
}

static void free_batch(struct batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        struct xfer *x = &b->x[i];
        if (x->b == NULL)
            continue; /* never set up (out of memory) */
        close_sink(x, 0);
        spool_free(x);
        free(x->path);
    }
    free(b->x);
    free(b->headers);
    if (b->spool_file != NULL)
        fclose(b->spool_file);
}

int hxc__cli_run_transfers(const struct cli_opts *opts, hxc_client *client)
{
    struct batch b;
    memset(&b, 0, sizeof(b));
    b.opts = opts;
    b.client = client;
    b.n = opts->nurls;
    b.max_inflight = !opts->parallel        ? 1
                     : opts->parallel_max > 0 ? (size_t)opts->parallel_max
                                              : CLI_PARALLEL_MAX_DEFAULT;
    b.x = calloc(b.n, sizeof(*b.x));
    int nomem = b.x == NULL || build_headers(&b) != 0;
    for (size_t i = 0; !nomem && i < b.n; i++) {
        b.x[i].b = &b;
        b.x[i].index = i;
        b.x[i].url = opts->urls[i];
        nomem = prepare_output(&b, &b.x[i]) != 0;
    }
    if (nomem) {
        free_batch(&b);
        if (!opts->silent || opts->show_error)
            fprintf(stderr, "hxc: out of memory\n");
        return CLI_EXIT_NOMEM;
    }
    advance_printing(&b);
    run_loop(&b);
    advance_printing(&b);
    int rc = CLI_EXIT_OK;
    for (size_t i = 0; i < b.n && rc == CLI_EXIT_OK; i++)
        rc = b.x[i].rc;
    free_batch(&b);
    return rc;
}
