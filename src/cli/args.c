/* Command-line parsing for hxc, in curl's vocabulary: short options may be
 * bundled (-sSL, -sSo FILE, -oFILE), long options take their value as the
 * next argument or after '=' (--max-time=2). */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum opt_id {
    OPT_OUTPUT, OPT_INCLUDE, OPT_HEAD, OPT_REQUEST, OPT_HEADER, OPT_DATA,
    OPT_DATA_ASCII, OPT_DATA_BINARY, OPT_DATA_RAW, OPT_SILENT, OPT_SHOW_ERROR,
    OPT_VERBOSE, OPT_LOCATION, OPT_MAX_REDIRS, OPT_CONNECT_TIMEOUT, OPT_MAX_TIME,
    OPT_CACERT, OPT_INSECURE, OPT_HTTP1_1, OPT_HTTP2, OPT_RESOLVE, OPT_FAIL,
    OPT_VERSION, OPT_HELP, OPT_URL, OPT_CAPATH, OPT_CA_NATIVE, OPT_NO_TRUST_ENV,
    OPT_CERT, OPT_KEY, OPT_PASS, OPT_KEYLOG, OPT_H2_PRIOR, OPT_CONNECT_TO,
    OPT_TLSV1_2, OPT_TLSV1_3, OPT_TLS_MAX, OPT_TLS_KEY_UPDATE, OPT_NO_SESSIONID,
    OPT_REMOTE_NAME, OPT_OUTPUT_DIR, OPT_PARALLEL, OPT_PARALLEL_MAX, OPT_CRLFILE
};

struct opt_def {
    char short_name;       /* 0 when there is none */
    const char *long_name; /* without the leading "--" */
    int has_arg;
    enum opt_id id;
};

static const struct opt_def opt_defs[] = {
    {'o', "output", 1, OPT_OUTPUT},
    {'i', "include", 0, OPT_INCLUDE},
    {'I', "head", 0, OPT_HEAD},
    {'X', "request", 1, OPT_REQUEST},
    {'H', "header", 1, OPT_HEADER},
    {'d', "data", 1, OPT_DATA},
    {0, "data-ascii", 1, OPT_DATA_ASCII},
    {0, "data-binary", 1, OPT_DATA_BINARY},
    {0, "data-raw", 1, OPT_DATA_RAW},
    {'s', "silent", 0, OPT_SILENT},
    {'S', "show-error", 0, OPT_SHOW_ERROR},
    {'v', "verbose", 0, OPT_VERBOSE},
    {'L', "location", 0, OPT_LOCATION},
    {0, "max-redirs", 1, OPT_MAX_REDIRS},
    {0, "connect-timeout", 1, OPT_CONNECT_TIMEOUT},
    {'m', "max-time", 1, OPT_MAX_TIME},
    {0, "cacert", 1, OPT_CACERT},
    {'k', "insecure", 0, OPT_INSECURE},
    {0, "http1.1", 0, OPT_HTTP1_1},
    {0, "http2", 0, OPT_HTTP2},
    {0, "resolve", 1, OPT_RESOLVE},
    {'f', "fail", 0, OPT_FAIL},
    {'V', "version", 0, OPT_VERSION},
    {'h', "help", 0, OPT_HELP},
    {0, "url", 1, OPT_URL},
    {0, "capath", 1, OPT_CAPATH},
    {0, "crlfile", 1, OPT_CRLFILE},
    {0, "ca-native", 0, OPT_CA_NATIVE},
    {0, "no-trust-env", 0, OPT_NO_TRUST_ENV},
    {'E', "cert", 1, OPT_CERT},
    {0, "key", 1, OPT_KEY},
    {0, "pass", 1, OPT_PASS},
    {0, "keylog", 1, OPT_KEYLOG},
    {0, "tlsv1.2", 0, OPT_TLSV1_2},
    {0, "tlsv1.3", 0, OPT_TLSV1_3},
    {0, "tls-max", 1, OPT_TLS_MAX},
    {0, "tls13-key-update", 1, OPT_TLS_KEY_UPDATE},
    {0, "no-sessionid", 0, OPT_NO_SESSIONID},
    {0, "http2-prior-knowledge", 0, OPT_H2_PRIOR},
    {0, "connect-to", 1, OPT_CONNECT_TO},
    {'O', "remote-name", 0, OPT_REMOTE_NAME},
    {0, "output-dir", 1, OPT_OUTPUT_DIR},
    {'Z', "parallel", 0, OPT_PARALLEL},
    {0, "parallel-max", 1, OPT_PARALLEL_MAX},
};

#define NOPT_DEFS (sizeof(opt_defs) / sizeof(opt_defs[0]))

static void usage_hint(void)
{
    fprintf(stderr, "hxc: try 'hxc --help' for more information\n");
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("hxc: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    usage_hint();
    return CLI_EXIT_USAGE;
}

void hxc__cli_print_help(void)
{
    fputs("Usage: hxc [options] URL...\n"
          "       hxc verify --roots ROOTS.pem --chain CHAIN.pem --host NAME [--time UNIX]\n"
          "                  [--crls CRLS.pem] [--crl-check leaf|chain] [--max-depth N]\n"
          "\n"
          "An HTTP/2-first HTTPS client (BearSSL, nghttp2, llhttp).\n"
          "\n"
          "Options:\n"
          "  -o, --output FILE         write the body to FILE (only when complete);\n"
          "                            one per URL: the n-th -o/-O goes with the n-th URL\n"
          "  -O, --remote-name         write the body to a file named like the URL's last\n"
          "                            path segment (without query), in the current\n"
          "                            directory or --output-dir\n"
          "      --output-dir DIR      put -o (relative names) and -O files in DIR\n"
          "  -i, --include             include the response head in the output\n"
          "  -I, --head                send a HEAD request and print the head\n"
          "  -X, --request METHOD      request method\n"
          "  -H, --header 'Name: value'  add a request header (repeatable)\n"
          "  -d, --data DATA           send DATA (POST); @FILE reads FILE without CR/LF\n"
          "      --data-binary DATA    send DATA; @FILE reads FILE byte for byte\n"
          "      --data-raw DATA       send DATA as is ('@' has no meaning)\n"
          "  -s, --silent              no warnings or error messages\n"
          "  -S, --show-error          show errors even with --silent\n"
          "  -v, --verbose             connection, TLS and header details on stderr,\n"
          "                            and which connection and HTTP/2 stream each\n"
          "                            request used ('* [N] using connection #C,\n"
          "                            stream S'; [N] is the URL's position with -Z)\n"
          "  -L, --location            follow redirects\n"
          "      --max-redirs N        at most N redirects (-1: unlimited)\n"
          "      --connect-timeout S   limit for TCP connect + TLS handshake (seconds)\n"
          "  -m, --max-time S          limit for the whole transfer (seconds)\n"
          "\n"
          "TLS (the server's certificate is checked against the embedded certifi roots\n"
          "unless --cacert, --capath or --ca-native says otherwise):\n"
          "      --cacert FILE         trust the CA certificates in FILE (PEM or DER)\n"
          "      --capath DIR          trust the certificates in DIR (hashed names as made\n"
          "                            by 'openssl rehash', or *.pem / *.crt files)\n"
          "      --crlfile FILE        check revocation with the CRLs in FILE (PEM or DER,\n"
          "                            several allowed): every certificate of the chain\n"
          "                            below the root needs a current CRL of its issuer\n"
          "                            that does not list it\n"
          "      --ca-native           trust the operating system's CA bundle\n"
          "  -k, --insecure            do not verify the server certificate (not\n"
          "                            recommended; the client certificate is still sent)\n"
          "  -E, --cert FILE           client certificate (PEM or DER); a PEM file may\n"
          "                            hold the private key too\n"
          "      --key FILE            client private key (PEM or DER; RSA or EC; PKCS#1,\n"
          "                            SEC1, PKCS#8, encrypted PKCS#8 or encrypted PEM)\n"
          "      --pass PHRASE         password of an encrypted key; env:VAR reads it from\n"
          "                            environment variable VAR, file:PATH from the first\n"
          "                            line of PATH, pass:PHRASE is PHRASE itself\n"
          "      --keylog FILE         append TLS secrets to FILE (NSS key log format, for\n"
          "                            Wireshark)\n"
          "      --tlsv1.2             TLS 1.2 or newer (the default: TLS 1.3 is offered\n"
          "                            first, a server that answers TLS 1.2 gets TLS 1.2)\n"
          "      --tlsv1.3             TLS 1.3 only\n"
          "      --tls-max VERSION     at most TLS VERSION (1.2 or 1.3)\n"
          "      --tls13-key-update N  TLS 1.3: new sending keys (KeyUpdate) after every N\n"
          "                            bytes sent (default 16 GiB)\n"
          "      --no-sessionid        no TLS session resumption (TLS 1.3 tickets and TLS 1.2\n"
          "                            sessions are neither kept nor offered)\n"
          "      --no-trust-env        ignore SSL_CERT_FILE, SSL_CERT_DIR and SSLKEYLOGFILE\n"
          "                            (read by default: the first two replace the\n"
          "                            embedded roots when no CA option is given)\n"
          "\n"
          "Protocol and routing:\n"
          "      --http1.1             offer only HTTP/1.1\n"
          "      --http2               offer HTTP/2, then HTTP/1.1 (default)\n"
          "      --http2-prior-knowledge  speak HTTP/2 directly on http:// URLs (h2c)\n"
          "      --resolve HOST:PORT:ADDR  connect to ADDR for HOST:PORT (repeatable)\n"
          "      --connect-to HOST1:PORT1:HOST2:PORT2  for HOST1:PORT1 connect to\n"
          "                            HOST2:PORT2 instead; SNI and certificate checks\n"
          "                            still use HOST1 (empty HOST1/PORT1 match any,\n"
          "                            empty PORT2 keeps the port; repeatable)\n"
          "\n"
          "Several URLs (hxc [options] URL1 URL2 ...): every option applies to every\n"
          "URL; they share one client, so connections are reused. Without -Z the URLs\n"
          "are fetched one after the other. A failing URL is reported as\n"
          "'hxc: URL: reason' and the others still run; the exit code is that of the\n"
          "first failing URL in command-line order.\n"
          "  -Z, --parallel            fetch the URLs concurrently, multiplexed over\n"
          "                            shared connections (HTTP/2 streams)\n"
          "      --parallel-max N      at most N transfers in flight with -Z (default 50)\n"
          "  Bodies of URLs without -o/-O go to standard output in URL order, never\n"
          "  interleaved: with -Z, a body that arrives early is held back (in memory,\n"
          "  large ones in a temporary file) until the URLs before it are written.\n"
          "\n"
          "Other:\n"
          "  -f, --fail                fail (exit 22) on HTTP status >= 400, no body\n"
          "  -V, --version             show versions, trust anchors and crypto code in use\n"
          "  -h, --help                this help\n"
          "\n"
          "Exit codes: 0 ok, 1 other error, 2 usage, 3 bad URL, 6 DNS, 7 connect,\n"
          "8 HTTP/1 protocol, 16 HTTP/2 protocol, 22 HTTP error with --fail, 23 write,\n"
          "26 read, 27 out of memory, 28 timeout, 35 TLS, 42 aborted, 47 too many\n"
          "redirects, 55 send, 56 receive, 58 client certificate or key, 60 certificate,\n"
          "77 CA certificate file or directory, 82 CRL file.\n",
          stdout);
}

int hxc__cli_buf_append(struct cli_buf *buf, const void *data, size_t len)
{
    if (len == 0)
        return 0;
    if (buf->len + len > buf->cap) {
        size_t cap = buf->cap ? buf->cap : 256;
        while (cap < buf->len + len)
            cap *= 2;
        uint8_t *p = realloc(buf->data, cap);
        if (p == NULL)
            return -1;
        buf->data = p;
        buf->cap = cap;
    }
    memcpy(buf->data + buf->len, data, len);
    buf->len += len;
    return 0;
}

int hxc__cli_buf_reserve(struct cli_buf *buf, size_t cap)
{
    if (cap <= buf->cap)
        return 0;
    uint8_t *p = realloc(buf->data, cap);
    if (p == NULL)
        return -1;
    buf->data = p;
    buf->cap = cap;
    return 0;
}

void hxc__cli_buf_free(struct cli_buf *buf)
{
    free(buf->data);
    memset(buf, 0, sizeof(*buf));
}

static void wipe_free(char *s)
{
    if (s == NULL)
        return;
    volatile char *v = s;
    while (*v)
        *v++ = 0;
    free(s);
}

void hxc__cli_opts_free(struct cli_opts *opts)
{
    for (size_t i = 0; i < opts->nheaders; i++) {
        free((char *)opts->headers[i].name);
        free((char *)opts->headers[i].value);
    }
    free(opts->headers);
    for (size_t i = 0; i < opts->nresolve; i++) {
        free((char *)opts->resolve[i].host);
        free((char *)opts->resolve[i].address);
    }
    free(opts->resolve);
    for (size_t i = 0; i < opts->nconnect_to; i++) {
        free((char *)opts->connect_to[i].host);
        free((char *)opts->connect_to[i].target_host);
    }
    free(opts->connect_to);
    free(opts->urls);
    free(opts->outputs);
    wipe_free(opts->password);
    hxc__cli_buf_free(&opts->data);
    memset(opts, 0, sizeof(*opts));
}

static const struct opt_def *find_long(const char *name, size_t len)
{
    for (size_t i = 0; i < NOPT_DEFS; i++) {
        const char *ln = opt_defs[i].long_name;
        if (strlen(ln) == len && memcmp(ln, name, len) == 0)
            return &opt_defs[i];
    }
    return NULL;
}

static const struct opt_def *find_short(char c)
{
    for (size_t i = 0; i < NOPT_DEFS; i++) {
        if (opt_defs[i].short_name == c)
            return &opt_defs[i];
    }
    return NULL;
}

/* Seconds with an optional fraction -> milliseconds (rounded up so that a
 * tiny positive limit stays a limit). */
static int parse_seconds(const char *opt, const char *s, long *ms)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < 0 || v > 31536000.0)
        return usage_error("option %s: expected a number of seconds, got '%s'", opt, s);
    double scaled = v * 1000.0;
    *ms = (long)scaled;
    if ((double)*ms < scaled)
        (*ms)++; /* round up without libm */
    return CLI_EXIT_OK;
}

static int parse_int(const char *opt, const char *s, long min, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
        return usage_error("option %s: expected a whole number, got '%s'", opt, s);
    *out = v;
    return CLI_EXIT_OK;
}

static char *dup_range(const char *s, size_t len)
{
    char *p = malloc(len + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

static int nomem(void)
{
    fprintf(stderr, "hxc: out of memory\n");
    return CLI_EXIT_NOMEM;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* "Name: value" adds a header; "Name;" adds one with an empty value. */
static int add_header(struct cli_opts *opts, const char *arg)
{
    const char *colon = strchr(arg, ':');
    const char *semi = strchr(arg, ';');
    const char *sep = colon;
    int empty = 0;
    if (semi != NULL && (colon == NULL || semi < colon) && semi[1] == '\0') {
        sep = semi;
        empty = 1;
    }
    if (sep == NULL || sep == arg)
        return usage_error("option -H: expected 'Name: value', got '%s'", arg);
    for (const char *p = arg; p < sep; p++) {
        if (is_blank(*p) || *p == '\r' || *p == '\n')
            return usage_error("option -H: invalid header name in '%s'", arg);
    }
    const char *v = sep + 1;
    while (!empty && is_blank(*v))
        v++;
    size_t vlen = empty ? 0 : strlen(v);
    while (vlen > 0 && (is_blank(v[vlen - 1]) || v[vlen - 1] == '\r' || v[vlen - 1] == '\n'))
        vlen--;
    hxc_header *h = realloc(opts->headers, (opts->nheaders + 1) * sizeof(*h));
    if (h == NULL)
        return nomem();
    opts->headers = h;
    char *name = dup_range(arg, (size_t)(sep - arg));
    char *value = dup_range(v, vlen);
    if (name == NULL || value == NULL) {
        free(name);
        free(value);
        return nomem();
    }
    h[opts->nheaders].name = name;
    h[opts->nheaders].value = value;
    opts->nheaders++;
    return CLI_EXIT_OK;
}

/* HOST:PORT:ADDR, ADDR may be a bracketed IPv6 literal ([::1]); HOST may be
 * bracketed too. */
static int add_resolve(struct cli_opts *opts, const char *arg)
{
    const char *host = arg, *host_end;
    if (*arg == '[') {
        host = arg + 1;
        host_end = strchr(host, ']');
        if (host_end == NULL || host_end[1] != ':')
            return usage_error("option --resolve: expected HOST:PORT:ADDR, got '%s'", arg);
    } else {
        host_end = strchr(arg, ':');
    }
    if (host_end == NULL || host_end == host)
        return usage_error("option --resolve: expected HOST:PORT:ADDR, got '%s'", arg);
    const char *port_s = host_end + (*host_end == ']' ? 2 : 1);
    const char *port_end = strchr(port_s, ':');
    if (port_end == NULL || port_end == port_s)
        return usage_error("option --resolve: expected HOST:PORT:ADDR, got '%s'", arg);
    char *end = NULL;
    long port = strtol(port_s, &end, 10);
    if (end != port_end || port < 1 || port > 65535)
        return usage_error("option --resolve: invalid port in '%s'", arg);
    const char *addr = port_end + 1;
    size_t alen = strlen(addr);
    if (alen >= 2 && addr[0] == '[' && addr[alen - 1] == ']') {
        addr++;
        alen -= 2;
    }
    if (alen == 0)
        return usage_error("option --resolve: missing address in '%s'", arg);
    hxc_resolve *r = realloc(opts->resolve, (opts->nresolve + 1) * sizeof(*r));
    if (r == NULL)
        return nomem();
    opts->resolve = r;
    char *h = dup_range(host, (size_t)(host_end - host));
    char *a = dup_range(addr, alen);
    if (h == NULL || a == NULL) {
        free(h);
        free(a);
        return nomem();
    }
    r[opts->nresolve].host = h;
    r[opts->nresolve].port = (unsigned)port;
    r[opts->nresolve].address = a;
    opts->nresolve++;
    return CLI_EXIT_OK;
}

/* One ':'-terminated field of --connect-to: a name, an IPv4 literal or a
 * bracketed IPv6 literal. *p advances past the ':' (or to the end when
 * last). Returns the length of the host text (brackets dropped) at *start,
 * or -1 when malformed. */
static long connect_to_host(const char **p, const char **start, int last)
{
    const char *s = *p, *end;
    if (*s == '[') {
        end = strchr(s + 1, ']');
        if (end == NULL || (last ? end[1] != '\0' : end[1] != ':'))
            return -1;
        *start = s + 1;
        *p = last ? end + 1 : end + 2;
        return end - (s + 1);
    }
    end = last ? s + strlen(s) : strchr(s, ':');
    if (end == NULL)
        return -1;
    *start = s;
    *p = last ? end : end + 1;
    return end - s;
}

/* A port field: empty (0 = any / same) or 1..65535, ending at ':' or the
 * end. */
static int connect_to_port(const char **p, int last, unsigned *port)
{
    const char *s = *p;
    const char *end = last ? s + strlen(s) : strchr(s, ':');
    if (end == NULL)
        return -1;
    *port = 0;
    if (end > s) {
        char *stop = NULL;
        long v = strtol(s, &stop, 10);
        if (stop != end || v < 1 || v > 65535 || *s == '+' || *s == '-')
            return -1;
        *port = (unsigned)v;
    }
    *p = last ? end : end + 1;
    return 0;
}

/* curl's HOST1:PORT1:HOST2:PORT2. Empty HOST1 / PORT1 match any; empty
 * PORT2 keeps the URL's port; HOST2 is required. IPv6 literals in
 * brackets. */
static int add_connect_to(struct cli_opts *opts, const char *arg)
{
    const char *p = arg, *h1 = NULL, *h2 = NULL;
    unsigned port1 = 0, port2 = 0;
    long n1 = connect_to_host(&p, &h1, 0);
    if (n1 < 0 || connect_to_port(&p, 0, &port1) != 0)
        return usage_error("option --connect-to: expected HOST1:PORT1:HOST2:PORT2, got '%s'",
                           arg);
    long n2 = connect_to_host(&p, &h2, 0);
    if (n2 < 0 || connect_to_port(&p, 1, &port2) != 0)
        return usage_error("option --connect-to: expected HOST1:PORT1:HOST2:PORT2, got '%s'",
                           arg);
    if (n2 == 0)
        return usage_error("option --connect-to: the target host (HOST2) is missing in '%s'",
                           arg);
    hxc_connect_to *c = realloc(opts->connect_to, (opts->nconnect_to + 1) * sizeof(*c));
    if (c == NULL)
        return nomem();
    opts->connect_to = c;
    char *host = dup_range(h1, (size_t)n1);
    char *target = dup_range(h2, (size_t)n2);
    if (host == NULL || target == NULL) {
        free(host);
        free(target);
        return nomem();
    }
    c[opts->nconnect_to].host = host;
    c[opts->nconnect_to].port = port1;
    c[opts->nconnect_to].target_host = target;
    c[opts->nconnect_to].target_port = port2;
    opts->nconnect_to++;
    return CLI_EXIT_OK;
}

/* The first line of path, without its line ending. */
static int read_pass_file(const char *path, char **out)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "hxc: option --pass: cannot read password file '%s': %s\n", path,
                strerror(errno));
        return CLI_EXIT_READ;
    }
    char line[1024];
    size_t n = 0;
    int c;
    while ((c = fgetc(f)) != EOF && c != '\n' && n + 1 < sizeof(line))
        line[n++] = (char)c;
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "hxc: option --pass: cannot read password file '%s'\n", path);
        return CLI_EXIT_READ;
    }
    if (n > 0 && line[n - 1] == '\r')
        n--;
    *out = dup_range(line, n);
    volatile char *v = line;
    for (size_t i = 0; i < sizeof(line); i++)
        v[i] = 0;
    return *out != NULL ? CLI_EXIT_OK : nomem();
}

/* --pass: env:VAR, file:PATH, pass:PHRASE, or the phrase itself. */
static int set_pass(struct cli_opts *opts, const char *arg)
{
    char *p = NULL;
    int rc = CLI_EXIT_OK;
    if (strncmp(arg, "env:", 4) == 0) {
        const char *v = getenv(arg + 4);
        if (arg[4] == '\0' || v == NULL)
            return usage_error("option --pass: environment variable '%s' is not set", arg + 4);
        p = strdup(v);
    } else if (strncmp(arg, "file:", 5) == 0) {
        rc = read_pass_file(arg + 5, &p);
        if (rc != CLI_EXIT_OK)
            return rc;
    } else {
        p = strdup(strncmp(arg, "pass:", 5) == 0 ? arg + 5 : arg);
    }
    if (p == NULL)
        return nomem();
    wipe_free(opts->password);
    opts->password = p;
    return CLI_EXIT_OK;
}

/* Appends the contents of path ("-" = stdin) to buf; strip drops CR and LF
 * bytes as curl's -d @file does. */
static int read_data_file(struct cli_buf *buf, const char *path, int strip)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "hxc: cannot read data file '%s': %s\n", path, strerror(errno));
        return CLI_EXIT_READ;
    }
    uint8_t chunk[16384];
    int rc = CLI_EXIT_OK;
    for (;;) {
        size_t n = fread(chunk, 1, sizeof(chunk), f);
        if (strip) {
            size_t k = 0;
            for (size_t i = 0; i < n; i++) {
                if (chunk[i] != '\r' && chunk[i] != '\n')
                    chunk[k++] = chunk[i];
            }
            n = k;
        }
        if (hxc__cli_buf_append(buf, chunk, n) != 0) {
            rc = nomem();
            break;
        }
        if (feof(f))
            break;
        if (ferror(f)) {
            fprintf(stderr, "hxc: cannot read data file '%s': %s\n", path, strerror(errno));
            rc = CLI_EXIT_READ;
            break;
        }
    }
    if (f != stdin)
        fclose(f);
    return rc;
}

static int add_data(struct cli_opts *opts, const char *arg, int at_file, int strip)
{
    if (opts->has_data && hxc__cli_buf_append(&opts->data, "&", 1) != 0)
        return nomem();
    opts->has_data = 1;
    if (at_file && arg[0] == '@')
        return read_data_file(&opts->data, arg + 1, strip);
    if (hxc__cli_buf_append(&opts->data, arg, strlen(arg)) != 0)
        return nomem();
    return CLI_EXIT_OK;
}

static int add_url(struct cli_opts *opts, const char *url)
{
    const char **u = realloc(opts->urls, (opts->nurls + 1) * sizeof(*u));
    if (u == NULL)
        return nomem();
    opts->urls = u;
    u[opts->nurls++] = url;
    return CLI_EXIT_OK;
}

/* -o FILE (path) or -O (path NULL): the next output of the URL list. */
static int add_output(struct cli_opts *opts, const char *path)
{
    struct cli_outspec *o = realloc(opts->outputs, (opts->noutputs + 1) * sizeof(*o));
    if (o == NULL)
        return nomem();
    opts->outputs = o;
    o[opts->noutputs].path = path;
    o[opts->noutputs].remote_name = path == NULL;
    opts->noutputs++;
    return CLI_EXIT_OK;
}

static int apply(struct cli_opts *opts, const struct opt_def *d, const char *name,
                 const char *arg)
{
    long v = 0;
    int rc;
    switch (d->id) {
    case OPT_OUTPUT: return add_output(opts, arg);
    case OPT_INCLUDE: opts->include_head = 1; return CLI_EXIT_OK;
    case OPT_HEAD: opts->head_only = 1; return CLI_EXIT_OK;
    case OPT_REQUEST: opts->method = arg; return CLI_EXIT_OK;
    case OPT_HEADER: return add_header(opts, arg);
    case OPT_DATA:
    case OPT_DATA_ASCII: return add_data(opts, arg, 1, 1);
    case OPT_DATA_BINARY: return add_data(opts, arg, 1, 0);
    case OPT_DATA_RAW: return add_data(opts, arg, 0, 0);
    case OPT_SILENT: opts->silent = 1; return CLI_EXIT_OK;
    case OPT_SHOW_ERROR: opts->show_error = 1; return CLI_EXIT_OK;
    case OPT_VERBOSE: opts->verbose = 1; return CLI_EXIT_OK;
    case OPT_LOCATION: opts->follow = 1; return CLI_EXIT_OK;
    case OPT_MAX_REDIRS:
        rc = parse_int(name, arg, -1, INT_MAX, &v);
        opts->max_redirs = (int)v;
        opts->max_redirs_set = 1;
        return rc;
    case OPT_CONNECT_TIMEOUT: return parse_seconds(name, arg, &opts->connect_timeout_ms);
    case OPT_MAX_TIME: return parse_seconds(name, arg, &opts->max_time_ms);
    case OPT_CACERT: opts->cacert = arg; return CLI_EXIT_OK;
    case OPT_INSECURE: opts->insecure = 1; return CLI_EXIT_OK;
    case OPT_HTTP1_1: opts->http_version = HXC_HTTP_1_1; return CLI_EXIT_OK;
    case OPT_HTTP2: opts->http_version = HXC_HTTP_2; return CLI_EXIT_OK;
    case OPT_RESOLVE: return add_resolve(opts, arg);
    case OPT_FAIL: opts->fail = 1; return CLI_EXIT_OK;
    case OPT_VERSION: opts->action = CLI_ACTION_VERSION; return CLI_EXIT_OK;
    case OPT_HELP: opts->action = CLI_ACTION_HELP; return CLI_EXIT_OK;
    case OPT_URL: return add_url(opts, arg);
    case OPT_CAPATH: opts->capath = arg; return CLI_EXIT_OK;
    case OPT_CRLFILE: opts->crlfile = arg; return CLI_EXIT_OK;
    case OPT_CA_NATIVE: opts->ca_native = 1; return CLI_EXIT_OK;
    case OPT_NO_TRUST_ENV: opts->no_trust_env = 1; return CLI_EXIT_OK;
    case OPT_CERT: opts->cert = arg; return CLI_EXIT_OK;
    case OPT_KEY: opts->key = arg; return CLI_EXIT_OK;
    case OPT_PASS: return set_pass(opts, arg);
    case OPT_KEYLOG: opts->keylog = arg; return CLI_EXIT_OK;
    case OPT_TLSV1_2: opts->tls_min = HXC_TLS_1_2; return CLI_EXIT_OK;
    case OPT_NO_SESSIONID: opts->no_sessionid = 1; return CLI_EXIT_OK;
    case OPT_TLSV1_3: opts->tls_min = HXC_TLS_1_3; return CLI_EXIT_OK;
    case OPT_TLS_MAX:
        if (strcmp(arg, "1.2") == 0)
            opts->tls_max = HXC_TLS_1_2;
        else if (strcmp(arg, "1.3") == 0)
            opts->tls_max = HXC_TLS_1_3;
        else
            return usage_error("--tls-max takes 1.2 or 1.3, not '%s'", arg);
        return CLI_EXIT_OK;
    case OPT_TLS_KEY_UPDATE:
        rc = parse_int(name, arg, 1, INT_MAX, &v);
        opts->tls_key_update = (uint64_t)v;
        return rc;
    case OPT_H2_PRIOR: opts->h2_prior_knowledge = 1; return CLI_EXIT_OK;
    case OPT_CONNECT_TO: return add_connect_to(opts, arg);
    case OPT_REMOTE_NAME: return add_output(opts, NULL);
    case OPT_OUTPUT_DIR: opts->output_dir = arg; return CLI_EXIT_OK;
    case OPT_PARALLEL: opts->parallel = 1; return CLI_EXIT_OK;
    case OPT_PARALLEL_MAX:
        rc = parse_int(name, arg, 1, 100000, &v);
        opts->parallel_max = v;
        return rc;
    }
    return CLI_EXIT_OTHER;
}

static int parse_long(int argc, char **argv, int *i, struct cli_opts *opts)
{
    const char *tok = argv[*i] + 2;
    const char *eq = strchr(tok, '=');
    size_t nlen = eq ? (size_t)(eq - tok) : strlen(tok);
    const struct opt_def *d = find_long(tok, nlen);
    if (d == NULL)
        return usage_error("option %s: is unknown", argv[*i]);
    if (!d->has_arg) {
        if (eq != NULL)
            return usage_error("option --%s: takes no value", d->long_name);
        return apply(opts, d, argv[*i], NULL);
    }
    if (eq != NULL)
        return apply(opts, d, argv[*i], eq + 1);
    if (*i + 1 >= argc)
        return usage_error("option %s: requires a value", argv[*i]);
    (*i)++;
    return apply(opts, d, argv[*i - 1], argv[*i]);
}

static int parse_short(int argc, char **argv, int *i, struct cli_opts *opts)
{
    const char *tok = argv[*i];
    for (size_t k = 1; tok[k] != '\0'; k++) {
        char name[3] = {'-', tok[k], '\0'};
        const struct opt_def *d = find_short(tok[k]);
        if (d == NULL)
            return usage_error("option %s: is unknown", name);
        if (!d->has_arg) {
            int rc = apply(opts, d, name, NULL);
            if (rc != CLI_EXIT_OK)
                return rc;
            continue;
        }
        if (tok[k + 1] != '\0')
            return apply(opts, d, name, tok + k + 1);
        if (*i + 1 >= argc)
            return usage_error("option %s: requires a value", name);
        (*i)++;
        return apply(opts, d, name, argv[*i]);
    }
    return CLI_EXIT_OK;
}

int hxc__cli_parse_args(int argc, char **argv, struct cli_opts *opts)
{
    memset(opts, 0, sizeof(*opts));
    int only_urls = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int rc;
        if (only_urls || a[0] != '-' || a[1] == '\0')
            rc = add_url(opts, a);
        else if (strcmp(a, "--") == 0) {
            only_urls = 1;
            continue;
        } else if (a[1] == '-')
            rc = parse_long(argc, argv, &i, opts);
        else
            rc = parse_short(argc, argv, &i, opts);
        if (rc != CLI_EXIT_OK)
            return rc;
    }
    if (opts->action != CLI_ACTION_REQUEST)
        return CLI_EXIT_OK;
    if (opts->nurls == 0)
        return usage_error("no URL specified");
    if (opts->noutputs > opts->nurls && !opts->silent)
        fprintf(stderr, "hxc: warning: %zu output options (-o/-O) for %zu URL%s; the extra "
                "ones are ignored\n", opts->noutputs, opts->nurls, opts->nurls == 1 ? "" : "s");
    if (opts->head_only && opts->has_data && opts->method == NULL)
        return usage_error("options -I and -d cannot be combined");
    if (opts->key != NULL && opts->cert == NULL)
        return usage_error("option --key needs --cert (the certificate that goes with the key)");
    return CLI_EXIT_OK;
}
