/* hxc: the command-line client, `hxc [options] URL`, in curl's vocabulary.
 * It sees only the public header include/hxc.h.
 *
 * Exit codes (curl-compatible where curl has one):
 *    0  success
 *    1  any other error (internal errors, codes without a class below)
 *    2  usage: unknown option, bad option value, no URL; invalid argument or
 *       configuration rejected by the library (HXC_E_INVALID_ARGUMENT, HXC_E_CONFIG)
 *    3  malformed URL or unsupported scheme (HXC_E_URL, HXC_E_UNSUPPORTED_SCHEME)
 *    6  could not resolve the host name (HXC_E_DNS)
 *    7  could not connect (HXC_E_CONNECT: refused, unreachable)
 *    8  HTTP/1 protocol error: malformed or truncated response, headers too
 *       large, invalid redirect location (HXC_E_HTTP_PARSE, _TRUNCATED,
 *       _HEADERS_TOO_LARGE, _BAD_REDIRECT)
 *   16  HTTP/2 protocol error, stream reset, GOAWAY (category HXC_CAT_HTTP2)
 *   22  HTTP status >= 400 with --fail (HXC_E_HTTP_STATUS)
 *   23  write error: output file or standard output (HXC_E_FILE_WRITE)
 *   26  read error: --data / --data-binary @file unreadable (HXC_E_FILE_READ)
 *   27  out of memory (HXC_E_NOMEM)
 *   28  timeout: connect, read, write or --max-time (HXC_E_TIMEOUT_*)
 *   35  TLS handshake / protocol / alert / ALPN / truncation (HXC_CAT_TLS)
 *   42  aborted by callback (HXC_E_CALLBACK_ABORT not caused by the above)
 *   47  too many redirects (HXC_E_HTTP_TOO_MANY_REDIRECTS)
 *   55  failed sending data (HXC_E_SEND)
 *   56  failed receiving data, connection closed unexpectedly (HXC_E_RECV,
 *       HXC_E_CONN_CLOSED)
 *   58  problem with the local client certificate: --cert / --key unreadable,
 *       malformed, encrypted without (or with a wrong) --pass, key not
 *       matching the certificate (curl's CURLE_SSL_CERTPROBLEM)
 *   60  certificate verification failed (HXC_CAT_CERTIFICATE)
 *   77  problem with the CA certificates: --cacert file or --capath directory
 *       missing, unreadable or without certificates; the same for --ca-native
 *       and for SSL_CERT_FILE / SSL_CERT_DIR from the environment
 *       ("problem with the CA cert")
 *
 * `hxc verify ...` is dispatched to hxc__cli_verify (src/cli/verify.c).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "verify.h"

struct run {
    const struct cli_opts *opts;
    struct cli_output out;
    int heads_seen;
    int fail_status;   /* --fail triggered by this HTTP status */
    char fail_reason[128];
    int write_failed;
};

static int quiet_errors(const struct cli_opts *opts)
{
    return opts->silent && !opts->show_error;
}

static int exit_code_for(hxc_status code)
{
    switch (code) {
    case HXC_OK: return CLI_EXIT_OK;
    case HXC_E_INVALID_ARGUMENT:
    case HXC_E_CONFIG: return CLI_EXIT_USAGE;
    case HXC_E_URL:
    case HXC_E_UNSUPPORTED_SCHEME: return CLI_EXIT_URL;
    case HXC_E_NOMEM: return CLI_EXIT_NOMEM;
    case HXC_E_FILE_READ: return CLI_EXIT_READ;
    case HXC_E_FILE_WRITE: return CLI_EXIT_WRITE;
    case HXC_E_CALLBACK_ABORT: return CLI_EXIT_ABORTED;
    case HXC_E_DNS: return CLI_EXIT_DNS;
    case HXC_E_CONNECT: return CLI_EXIT_CONNECT;
    case HXC_E_TIMEOUT_CONNECT:
    case HXC_E_TIMEOUT_READ:
    case HXC_E_TIMEOUT_WRITE:
    case HXC_E_TIMEOUT_TOTAL: return CLI_EXIT_TIMEOUT;
    case HXC_E_SEND: return CLI_EXIT_SEND;
    case HXC_E_RECV:
    case HXC_E_CONN_CLOSED: return CLI_EXIT_RECV;
    case HXC_E_HTTP_PARSE:
    case HXC_E_HTTP_HEADERS_TOO_LARGE:
    case HXC_E_HTTP_TRUNCATED:
    case HXC_E_HTTP_BAD_REDIRECT: return CLI_EXIT_HTTP;
    case HXC_E_HTTP_TOO_MANY_REDIRECTS: return CLI_EXIT_REDIRECTS;
    case HXC_E_HTTP_STATUS: return CLI_EXIT_HTTP_STATUS;
    default: break;
    }
    switch (hxc_status_category(code)) {
    case HXC_CAT_TLS: return CLI_EXIT_TLS;
    case HXC_CAT_CERTIFICATE: return CLI_EXIT_CERT;
    case HXC_CAT_HTTP2: return CLI_EXIT_HTTP2;
    default: return CLI_EXIT_OTHER;
    }
}

static const char *error_text(const hxc_error *err)
{
    return err->message[0] != '\0' ? err->message : hxc_strerror(err->code);
}

static int report(const struct cli_opts *opts, int exit_code, const char *msg)
{
    if (!quiet_errors(opts))
        fprintf(stderr, "hxc: %s\n", msg);
    return exit_code;
}

/* ---------------------------------------------------------------- -v */

/* Prints text (one or more lines, CRLF or LF) with prefix on each line. */
static void print_prefixed(const char *prefix, const char *text)
{
    while (*text != '\0') {
        size_t n = strcspn(text, "\r\n");
        if (n > 0)
            fprintf(stderr, "%s%.*s\n", prefix, (int)n, text);
        text += n;
        while (*text == '\r' || *text == '\n')
            text++;
    }
}

static void on_debug(void *user, hxc_debug_kind kind, const char *text)
{
    (void)user;
    if (text == NULL)
        return;
    const char *prefix = kind == HXC_DEBUG_HEADER_OUT  ? "> "
                         : kind == HXC_DEBUG_HEADER_IN ? "< "
                                                       : "* ";
    print_prefixed(prefix, text);
}

/* ------------------------------------------------------ body and heads */

static int emit(struct run *r, const void *data, size_t len)
{
    if (hxc__cli_output_write(&r->out, data, len) != 0) {
        r->write_failed = 1;
        return -1;
    }
    return 0;
}

static int emit_str(struct run *r, const char *s)
{
    return emit(r, s, strlen(s));
}

/* The head as curl -i prints it: status line, headers, blank line (CRLF). */
static int print_head(struct run *r, const hxc_response *resp)
{
    char line[64];
    const char *version = hxc_response_http_version(resp);
    const char *reason = hxc_response_reason(resp);
    snprintf(line, sizeof(line), " %d", hxc_response_status(resp));
    if (emit_str(r, version ? version : "HTTP") || emit_str(r, line))
        return -1;
    if (reason != NULL && reason[0] != '\0' && (emit_str(r, " ") || emit_str(r, reason)))
        return -1;
    if (emit_str(r, "\r\n"))
        return -1;
    size_t n = hxc_response_header_count(resp);
    for (size_t i = 0; i < n; i++) {
        const char *name = NULL, *value = NULL;
        if (hxc_response_header_at(resp, i, &name, &value) != 0 || name == NULL)
            continue;
        if (emit_str(r, name) || emit_str(r, ": ") || emit_str(r, value ? value : "") ||
            emit_str(r, "\r\n"))
            return -1;
    }
    return emit_str(r, "\r\n");
}

static int fails_request(struct run *r, const hxc_response *resp)
{
    int status = hxc_response_status(resp);
    if (!r->opts->fail || status < 400)
        return 0;
    const char *reason = hxc_response_reason(resp);
    r->fail_status = status;
    snprintf(r->fail_reason, sizeof(r->fail_reason), "%s", reason ? reason : "");
    return 1;
}

static int on_head(void *user, const hxc_response *resp)
{
    struct run *r = user;
    r->heads_seen++;
    if (fails_request(r, resp))
        return 1;
    if (r->opts->include_head || r->opts->head_only)
        return print_head(r, resp) != 0;
    return 0;
}

static int on_body(void *user, const uint8_t *data, size_t len)
{
    struct run *r = user;
    if (r->fail_status != 0)
        return 1;
    if (r->opts->head_only)
        return 0;
    return emit(r, data, len) != 0;
}

/* ------------------------------------------------------------ request */

static int has_header(const struct cli_opts *opts, const char *name)
{
    for (size_t i = 0; i < opts->nheaders; i++) {
        if (strcasecmp(opts->headers[i].name, name) == 0)
            return 1;
    }
    return 0;
}

static void fill_client_options(const struct cli_opts *opts, hxc_client_options *co)
{
    hxc_client_options_init(co);
    co->ssl.insecure = opts->insecure;
    co->ssl.cafile = opts->cacert;
    co->ssl.capath = opts->capath;
    co->ssl.ca_native = opts->ca_native;
    co->ssl.cert_file = opts->cert;
    co->ssl.key_file = opts->key;
    co->ssl.key_password = opts->password;
    co->ssl.keylog_file = opts->keylog;
    co->ssl.trust_env = opts->no_trust_env ? HXC_TRUST_ENV_OFF : HXC_TRUST_ENV_ON;
    co->ssl.http_version = opts->http_version;
    co->http_version = opts->http_version;
    co->http2_prior_knowledge = opts->h2_prior_knowledge;
    co->connect_to = opts->connect_to;
    co->nconnect_to = opts->nconnect_to;
    co->follow_redirects = opts->follow;
    if (opts->max_redirs_set) {
        /* curl: 0 = none allowed, -1 = unlimited; library: -1 = none. */
        co->max_redirects = opts->max_redirs == 0    ? -1
                            : opts->max_redirs == -1 ? 1000000
                                                     : opts->max_redirs;
    }
    co->connect_timeout_ms = opts->connect_timeout_ms;
    co->total_timeout_ms = opts->max_time_ms;
    co->resolve = opts->resolve;
    co->nresolve = opts->nresolve;
    if (opts->verbose)
        co->debug = on_debug;
}

static int names(const hxc_error *err, const char *what)
{
    return what != NULL && what[0] != '\0' && strstr(err->message, what) != NULL;
}

/* hxc_client_new failed: the SSL configuration is read there, CA sources
 * first, then the client certificate. The source a message names decides
 * between 77 (CA certificates) and 58 (client certificate or key). */
static int client_error(const struct cli_opts *opts, const hxc_error *err)
{
    int file_like = err->code == HXC_E_FILE_READ || err->code == HXC_E_CONFIG ||
                    hxc_status_category(err->code) == HXC_CAT_CERTIFICATE;
    int cert_named = names(err, opts->cert) || names(err, opts->key);
    int code = exit_code_for(err->code);
    if (file_like && (names(err, opts->cacert) || names(err, opts->capath) ||
                      strncmp(err->message, "SSL_CERT_", 9) == 0))
        code = CLI_EXIT_CACERT;
    else if (file_like && cert_named)
        code = CLI_EXIT_CLIENT_CERT;
    else if (file_like && (opts->cacert != NULL || opts->capath != NULL || opts->ca_native))
        code = CLI_EXIT_CACERT;
    return report(opts, code, error_text(err));
}

/* Writes what the library buffered when it did not stream (defensive), and
 * the final head when -i was asked and no head callback came. */
static void emit_leftovers(struct run *r, const hxc_response *resp)
{
    if (r->heads_seen == 0 && (r->opts->include_head || r->opts->head_only))
        print_head(r, resp);
    size_t len = 0;
    const uint8_t *body = hxc_response_body(resp, &len);
    if (body != NULL && len > 0 && !r->opts->head_only)
        emit(r, body, len);
}

static int finish(struct run *r, hxc_status st, const hxc_error *err, hxc_response *resp)
{
    const struct cli_opts *opts = r->opts;
    char msg[512];
    if (st == HXC_OK && resp != NULL) {
        emit_leftovers(r, resp);
        if (r->fail_status == 0)
            fails_request(r, resp);
    }
    if (r->fail_status != 0) {
        hxc__cli_output_close(&r->out, 0);
        snprintf(msg, sizeof(msg), "the requested URL returned error: %d%s%s", r->fail_status,
                 r->fail_reason[0] ? " " : "", r->fail_reason);
        return report(opts, CLI_EXIT_HTTP_STATUS, msg);
    }
    if (r->write_failed || r->out.failed) {
        hxc__cli_output_close(&r->out, 0);
        return report(opts, CLI_EXIT_WRITE, r->out.error);
    }
    if (st != HXC_OK) {
        hxc__cli_output_close(&r->out, 0);
        return report(opts, exit_code_for(st), error_text(err));
    }
    if (hxc__cli_output_close(&r->out, 1) != 0)
        return report(opts, CLI_EXIT_WRITE, r->out.error);
    return CLI_EXIT_OK;
}

static void fill_request(const struct cli_opts *opts, struct run *r, hxc_header *headers,
                         size_t *nheaders, hxc_request *req)
{
    hxc_request_init(req);
    req->url = opts->url;
    req->method = opts->method ? opts->method : opts->head_only ? "HEAD" : NULL;
    if (opts->nheaders > 0)
        memcpy(headers, opts->headers, opts->nheaders * sizeof(*headers));
    *nheaders = opts->nheaders;
    if (opts->has_data && !has_header(opts, "Content-Type")) {
        headers[*nheaders].name = "Content-Type";
        headers[*nheaders].value = "application/x-www-form-urlencoded";
        (*nheaders)++;
    }
    req->headers = headers;
    req->nheaders = *nheaders;
    if (opts->has_data) {
        /* A non-NULL body marks a POST even when empty (-d ''). */
        static const uint8_t empty[1];
        req->body = opts->data.data ? (const void *)opts->data.data : (const void *)empty;
        req->body_len = opts->data.len;
    }
    req->on_head = on_head;
    req->on_body = on_body;
    req->user = r;
}

static int run_request(const struct cli_opts *opts)
{
    hxc_client_options co;
    hxc_error err;
    memset(&err, 0, sizeof(err));
    fill_client_options(opts, &co);
    if (opts->insecure && !opts->silent)
        fprintf(stderr, "hxc: warning: certificate verification is disabled (--insecure)\n");
    hxc_client *client = hxc_client_new(&co, &err);
    if (client == NULL)
        return client_error(opts, &err);

    struct run r;
    memset(&r, 0, sizeof(r));
    r.opts = opts;
    if (hxc__cli_output_open(&r.out, opts->output) != 0) {
        hxc_client_free(client);
        hxc__cli_output_close(&r.out, 0);
        return report(opts, CLI_EXIT_WRITE, r.out.error);
    }
    hxc_header *headers = calloc(opts->nheaders + 1, sizeof(*headers));
    if (headers == NULL) {
        hxc_client_free(client);
        hxc__cli_output_close(&r.out, 0);
        return report(opts, CLI_EXIT_NOMEM, "out of memory");
    }
    hxc_request req;
    size_t nheaders = 0;
    fill_request(opts, &r, headers, &nheaders, &req);
    hxc_response *resp = NULL;
    hxc_status st = hxc_client_request(client, &req, &resp, &err);
    int rc = finish(&r, st, &err, resp);
    hxc_response_free(resp);
    free(headers);
    hxc_client_free(client);
    return rc;
}

/* ------------------------------------------------------------ version */

static const char *or_unknown(const char *s)
{
    return s != NULL && s[0] != '\0' ? s : "unknown";
}

static int print_version(void)
{
    hxc_version_info v;
    memset(&v, 0, sizeof(v));
    hxc_version(&v);
    printf("hxc %s\n", or_unknown(v.hxc));
    printf("BearSSL %s\n", or_unknown(v.bearssl));
    printf("nghttp2 %s\n", or_unknown(v.nghttp2));
    printf("llhttp %s\n", or_unknown(v.llhttp));
    printf("certifi %s\n", or_unknown(v.certifi));
    printf("trust anchors: %zu\n", v.trust_anchors);
    printf("protocols: https http\n");
    printf("features: HTTP2 HTTP1.1 TLSv1.2\n");
    return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_WRITE;
}

int main(int argc, char **argv)
{
    /* A closed stdout pipe must become a write error (23), not a signal. */
    signal(SIGPIPE, SIG_IGN);
    if (argc >= 2 && strcmp(argv[1], "verify") == 0)
        return hxc__cli_verify(argc - 1, argv + 1);

    struct cli_opts opts;
    int rc = hxc__cli_parse_args(argc, argv, &opts);
    if (rc == CLI_EXIT_OK) {
        if (opts.action == CLI_ACTION_HELP) {
            hxc__cli_print_help();
        } else if (opts.action == CLI_ACTION_VERSION) {
            rc = print_version();
        } else {
            rc = run_request(&opts);
        }
    }
    hxc__cli_opts_free(&opts);
    return rc;
}
