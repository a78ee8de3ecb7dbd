/* hxc: the command-line client, `hxc [options] URL...`, in curl's vocabulary.
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
 *   28  timeout: connect, read, write, pool or --max-time (HXC_E_TIMEOUT_*)
 *   35  TLS handshake / protocol / alert / ALPN / truncation (HXC_CAT_TLS)
 *   42  aborted by callback or cancelled (HXC_E_CALLBACK_ABORT not caused by
 *       the above, HXC_E_CANCELLED)
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
 *   82  --crlfile missing, unreadable, malformed or without any CRL
 *       (curl's CURLE_SSL_CRL_BADFILE)
 *
 * Several URLs: the exit code is that of the first failing URL in
 * command-line order (src/cli/transfers.c).
 *
 * `hxc verify ...` is dispatched to hxc__cli_verify (src/cli/verify.c).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "verify.h"

static int quiet_errors(const struct cli_opts *opts)
{
    return opts->silent && !opts->show_error;
}

int hxc__cli_exit_code(hxc_status code)
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
    case HXC_E_CALLBACK_ABORT:
    case HXC_E_CANCELLED: return CLI_EXIT_ABORTED;
    case HXC_E_DNS: return CLI_EXIT_DNS;
    case HXC_E_CONNECT: return CLI_EXIT_CONNECT;
    case HXC_E_TIMEOUT_CONNECT:
    case HXC_E_TIMEOUT_READ:
    case HXC_E_TIMEOUT_WRITE:
    case HXC_E_TIMEOUT_TOTAL:
    case HXC_E_TIMEOUT_POOL: return CLI_EXIT_TIMEOUT;
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

/* ------------------------------------------------------------ request */

static void fill_client_options(const struct cli_opts *opts, hxc_client_options *co)
{
    hxc_client_options_init(co);
    co->ssl.insecure = opts->insecure;
    co->ssl.cafile = opts->cacert;
    co->ssl.capath = opts->capath;
    co->ssl.crlfile = opts->crlfile; /* curl: the whole chain is checked */
    co->ssl.ca_native = opts->ca_native;
    co->ssl.cert_file = opts->cert;
    co->ssl.key_file = opts->key;
    co->ssl.key_password = opts->password;
    co->ssl.keylog_file = opts->keylog;
    co->ssl.min_tls_version = opts->tls_min;
    co->ssl.max_tls_version = opts->tls_max;
    co->ssl.tls13_key_update_bytes = opts->tls_key_update;
    co->ssl.no_session_resumption = opts->no_sessionid;
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
 * first, then CRLs, then the client certificate. The source a message
 * names decides between 82 (--crlfile), 77 (CA certificates) and 58
 * (client certificate or key). */
static int client_error(const struct cli_opts *opts, const hxc_error *err)
{
    int file_like = err->code == HXC_E_FILE_READ || err->code == HXC_E_CONFIG ||
                    hxc_status_category(err->code) == HXC_CAT_CERTIFICATE;
    int cert_named = names(err, opts->cert) || names(err, opts->key);
    int code = hxc__cli_exit_code(err->code);
    if (file_like && names(err, opts->crlfile))
        code = CLI_EXIT_CRLFILE;
    else if (file_like && (names(err, opts->cacert) || names(err, opts->capath) ||
                      strncmp(err->message, "SSL_CERT_", 9) == 0))
        code = CLI_EXIT_CACERT;
    else if (file_like && cert_named)
        code = CLI_EXIT_CLIENT_CERT;
    else if (file_like && (opts->cacert != NULL || opts->capath != NULL || opts->ca_native))
        code = CLI_EXIT_CACERT;
    return report(opts, code, error_text(err));
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
    int rc = hxc__cli_run_transfers(opts, client);
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
    printf("public suffix list: %s (%zu rules)\n", or_unknown(v.psl), v.psl_rules);
    printf("protocols: https http\n");
    printf("features: HTTP2 HTTP1.1 TLSv1.3 TLSv1.2\n");
    printf("tls: TLS 1.3 (hxc's engine on BearSSL primitives), TLS 1.2 (BearSSL)\n");
    printf("crypto: %s\n", or_unknown(v.crypto));
    printf("transport: %s\n", or_unknown(v.transport));
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
