/* Test driver for the SSL configuration API against real servers (used by
 * test_ssl_api.py). Each mode prints one line per request:
 *   "<label> OK <status> <alpn>"  or  "<label> ERROR <STATUS_NAME> <message>"
 *
 *   ssl_clients isolation URL CA.pem
 *       client "verified" (cafile=CA) and client "default" (embedded roots),
 *       alternating on the same origin: the second never reuses the first's
 *       connection and keeps failing verification; client "insecure" works.
 *   ssl_clients cadata URL CA.pem
 *       a context whose roots come from memory (PEM, then DER) works; an
 *       empty context (no roots) fails.
 *   ssl_clients shared URL CA.pem CERT KEY [PASSWORD]
 *       one context (cafile + client certificate) shared by two clients;
 *       the context is immutable afterwards; freed before the clients.
 *   ssl_clients certmem URL CA.pem CERT KEY [PASSWORD]
 *       client certificate and key given as in-memory buffers.
 *   ssl_clients versions URL13 URL12 CA.pem
 *       TLS versions: URL13 allows TLS 1.2 and 1.3, URL12 only TLS 1.2.
 *       Default, min 1.3, max 1.2 (options) and a context with
 *       hxc_ssl_context_set_tls_versions; the lines end with the version;
 *       invalid ranges are refused with HXC_E_CONFIG.
 *   ssl_clients crl URL BUNDLE ADDR:PORT      (test_crl.py)
 *       contexts with load_verify_locations(BUNDLE: roots and CRLs), URL's
 *       host resolved to ADDR:PORT: "default" (no verify flags: CRLs loaded,
 *       not consulted), "leaf" (HXC_VERIFY_CRL_CHECK_LEAF), "chain"
 *       (HXC_VERIFY_CRL_CHECK_CHAIN); unknown flags ("flags-unknown") and a
 *       change once a client uses the context ("frozen") are refused with
 *       HXC_E_CONFIG.
 */
#include <hxc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        exit(2);
    }
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    fclose(f);
    if (buf == NULL)
        exit(2);
    *len = n;
    return buf;
}

static int fetch(hxc_client *c, const char *label, const char *url)
{
    hxc_request req;
    hxc_request_init(&req);
    req.url = url;
    hxc_response *resp = NULL;
    hxc_error err;
    if (hxc_client_request(c, &req, &resp, &err) != HXC_OK) {
        printf("%s ERROR %s %s\n", label, hxc_status_name(err.code), err.message);
        return 1;
    }
    const hxc_tls_info *tls = hxc_response_tls(resp);
    printf("%s OK %d %s %s\n", label, hxc_response_status(resp), tls ? tls->alpn : "-",
           tls ? tls->version : "-");
    hxc_response_free(resp);
    return 0;
}

static hxc_client *client_with(const hxc_client_options *o)
{
    hxc_error err;
    hxc_client *c = hxc_client_new(o, &err);
    if (c == NULL) {
        printf("client ERROR %s %s\n", hxc_status_name(err.code), err.message);
        exit(1);
    }
    return c;
}

static void base_options(hxc_client_options *o)
{
    hxc_client_options_init(o);
    o->ssl.trust_env = HXC_TRUST_ENV_OFF;
}

static int isolation(const char *url, const char *ca)
{
    hxc_client_options o;
    base_options(&o);
    o.ssl.cafile = ca;
    hxc_client *verified = client_with(&o);
    base_options(&o);
    hxc_client *dflt = client_with(&o);
    base_options(&o);
    o.ssl.insecure = 1;
    hxc_client *insecure = client_with(&o);
    for (int i = 0; i < 2; i++) {
        fetch(verified, "verified", url);
        fetch(dflt, "default", url);
        fetch(insecure, "insecure", url);
    }
    hxc_client_free(verified);
    hxc_client_free(dflt);
    hxc_client_free(insecure);
    return 0;
}

/* PEM -> DER of the first certificate, via the library's own verify path:
 * here simply by base64-decoding between the markers. */
static unsigned char *pem_to_der(const char *pem, size_t *out_len)
{
    const char *b = strstr(pem, "-----BEGIN CERTIFICATE-----");
    const char *e = strstr(pem, "-----END CERTIFICATE-----");
    if (b == NULL || e == NULL)
        exit(2);
    b += strlen("-----BEGIN CERTIFICATE-----");
    unsigned char *der = malloc((size_t)(e - b));
    size_t n = 0;
    unsigned acc = 0;
    int bits = 0;
    for (const char *p = b; p < e; p++) {
        const char *tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const char *k = *p ? strchr(tbl, *p) : NULL;
        if (k == NULL)
            continue;
        acc = (acc << 6) | (unsigned)(k - tbl);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            der[n++] = (unsigned char)(acc >> bits);
        }
    }
    *out_len = n;
    return der;
}

static int cadata(const char *url, const char *ca)
{
    size_t pem_len, der_len;
    char *pem = slurp(ca, &pem_len);
    pem = realloc(pem, pem_len + 1);
    pem[pem_len] = '\0';
    unsigned char *der = pem_to_der(pem, &der_len);
    hxc_error err;
    struct {
        const char *label;
        const void *data;
        size_t len;
    } forms[] = {{"pem", pem, pem_len}, {"der", der, der_len}, {"empty", NULL, 0}};
    for (size_t i = 0; i < 3; i++) {
        hxc_ssl_context *ctx = hxc_ssl_context_new(&err);
        if (forms[i].data &&
            hxc_ssl_context_load_verify_locations(ctx, NULL, NULL, forms[i].data, forms[i].len,
                                                  &err) != HXC_OK) {
            printf("%s ERROR %s %s\n", forms[i].label, hxc_status_name(err.code), err.message);
            hxc_ssl_context_free(ctx);
            continue;
        }
        hxc_client_options o;
        base_options(&o);
        o.ssl_context = ctx;
        hxc_client *c = client_with(&o);
        hxc_ssl_context_free(ctx);
        fetch(c, forms[i].label, url);
        hxc_client_free(c);
    }
    free(pem);
    free(der);
    return 0;
}

static int shared(const char *url, const char *ca, const char *cert, const char *key,
                  const char *password)
{
    hxc_error err;
    hxc_ssl_context *ctx = hxc_ssl_context_new(&err);
    if (hxc_ssl_context_load_verify_locations(ctx, ca, NULL, NULL, 0, &err) != HXC_OK ||
        hxc_ssl_context_load_cert_chain(ctx, cert, key, password, &err) != HXC_OK) {
        printf("context ERROR %s %s\n", hxc_status_name(err.code), err.message);
        hxc_ssl_context_free(ctx);
        return 1;
    }
    hxc_client_options o;
    base_options(&o);
    o.ssl_context = ctx;
    hxc_client *a = client_with(&o);
    hxc_client *b = client_with(&o);
    if (hxc_ssl_context_set_verify(ctx, 0, &err) == HXC_OK)
        printf("immutable ERROR context changed after use\n");
    else
        printf("immutable OK %s\n", hxc_status_name(err.code));
    hxc_ssl_context_free(ctx); /* clients keep their references */
    fetch(a, "client-a", url);
    fetch(b, "client-b", url);
    hxc_client_free(a);
    hxc_client_free(b);
    return 0;
}

static int certmem(const char *url, const char *ca, const char *cert, const char *key,
                   const char *password)
{
    size_t cl, kl;
    void *cb = slurp(cert, &cl);
    void *kb = slurp(key, &kl);
    hxc_client_options o;
    base_options(&o);
    o.ssl.cafile = ca;
    o.ssl.cert_data = cb;
    o.ssl.cert_data_len = cl;
    o.ssl.key_data = kb;
    o.ssl.key_data_len = kl;
    o.ssl.key_password = password;
    hxc_error err;
    hxc_client *c = hxc_client_new(&o, &err);
    free(cb);
    free(kb);
    if (c == NULL) {
        printf("certmem ERROR %s %s\n", hxc_status_name(err.code), err.message);
        return 1;
    }
    fetch(c, "certmem", url);
    hxc_client_free(c);
    return 0;
}

static void fetch_with_versions(const char *label, const char *url, const char *ca, int min,
                                int max)
{
    hxc_client_options o;
    base_options(&o);
    o.ssl.cafile = ca;
    o.ssl.min_tls_version = min;
    o.ssl.max_tls_version = max;
    hxc_client *c = client_with(&o);
    fetch(c, label, url);
    hxc_client_free(c);
}

static int versions(const char *url13, const char *url12, const char *ca)
{
    fetch_with_versions("default-13", url13, ca, 0, 0);
    fetch_with_versions("default-12", url12, ca, 0, 0);
    fetch_with_versions("min13-12", url12, ca, HXC_TLS_1_3, 0);
    fetch_with_versions("max12-13", url13, ca, 0, HXC_TLS_1_2);

    hxc_error err;
    hxc_ssl_context *ctx = hxc_ssl_context_new(&err);
    if (hxc_ssl_context_set_tls_versions(ctx, HXC_TLS_1_3, HXC_TLS_1_2, &err) == HXC_OK)
        printf("inverted ERROR accepted\n");
    else
        printf("inverted OK %s %s\n", hxc_status_name(err.code), err.message);
    if (hxc_ssl_context_set_tls_versions(ctx, 0x0302, 0, &err) == HXC_OK)
        printf("tls11 ERROR accepted\n");
    else
        printf("tls11 OK %s %s\n", hxc_status_name(err.code), err.message);
    if (hxc_ssl_context_load_verify_locations(ctx, ca, NULL, NULL, 0, &err) != HXC_OK ||
        hxc_ssl_context_set_tls_versions(ctx, HXC_TLS_1_3, HXC_TLS_1_3, &err) != HXC_OK) {
        printf("context ERROR %s %s\n", hxc_status_name(err.code), err.message);
        hxc_ssl_context_free(ctx);
        return 1;
    }
    hxc_client_options o;
    base_options(&o);
    o.ssl_context = ctx;
    hxc_client *c = client_with(&o);
    hxc_ssl_context_free(ctx);
    fetch(c, "ctx13-13", url13);
    fetch(c, "ctx13-12", url12);
    hxc_client_free(c);
    return 0;
}

static int crl(const char *url, const char *bundle, const char *target)
{
    static const char *const labels[] = {"default", "leaf", "chain"};
    static const unsigned flags[] = {HXC_VERIFY_DEFAULT, HXC_VERIFY_CRL_CHECK_LEAF,
                                     HXC_VERIFY_CRL_CHECK_CHAIN};
    char addr[64];
    unsigned port = 0;
    const char *colon = strrchr(target, ':');
    if (colon == NULL || (size_t)(colon - target) >= sizeof addr)
        return 2;
    memcpy(addr, target, (size_t)(colon - target));
    addr[colon - target] = '\0';
    port = (unsigned)atoi(colon + 1);
    hxc_resolve res = {"localhost", port, addr};
    for (size_t i = 0; i < 3; i++) {
        hxc_error err;
        hxc_ssl_context *ctx = hxc_ssl_context_new(&err);
        if (hxc_ssl_context_load_verify_locations(ctx, bundle, NULL, NULL, 0, &err) != HXC_OK) {
            printf("context ERROR %s %s\n", hxc_status_name(err.code), err.message);
            hxc_ssl_context_free(ctx);
            return 1;
        }
        if (i == 0) {
            hxc_status st = hxc_ssl_context_set_verify_flags(ctx, 0x10, &err);
            printf("flags-unknown %s %s\n", st == HXC_E_CONFIG ? "OK" : "ERROR",
                   hxc_status_name(st));
        }
        if (hxc_ssl_context_set_verify_flags(ctx, flags[i], &err) != HXC_OK)
            printf("%s ERROR %s %s\n", labels[i], hxc_status_name(err.code), err.message);
        hxc_client_options o;
        base_options(&o);
        o.ssl_context = ctx;
        o.resolve = &res;
        o.nresolve = 1;
        hxc_client *c = client_with(&o);
        if (i == 2) {
            hxc_status st = hxc_ssl_context_set_verify_flags(ctx, HXC_VERIFY_DEFAULT, &err);
            printf("frozen %s %s\n", st == HXC_E_CONFIG ? "OK" : "ERROR", hxc_status_name(st));
        }
        hxc_ssl_context_free(ctx);
        fetch(c, labels[i], url);
        hxc_client_free(c);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 5 && strcmp(argv[1], "crl") == 0)
        return crl(argv[2], argv[3], argv[4]);
    if (argc >= 5 && strcmp(argv[1], "versions") == 0)
        return versions(argv[2], argv[3], argv[4]);
    if (argc >= 4 && strcmp(argv[1], "isolation") == 0)
        return isolation(argv[2], argv[3]);
    if (argc >= 4 && strcmp(argv[1], "cadata") == 0)
        return cadata(argv[2], argv[3]);
    if (argc >= 6 && strcmp(argv[1], "shared") == 0)
        return shared(argv[2], argv[3], argv[4], argv[5], argc > 6 ? argv[6] : NULL);
    if (argc >= 6 && strcmp(argv[1], "certmem") == 0)
        return certmem(argv[2], argv[3], argv[4], argv[5], argc > 6 ? argv[6] : NULL);
    fprintf(stderr, "usage: see the comment at the top of ssl_clients.c\n");
    return 2;
}
