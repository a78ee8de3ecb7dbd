/* CA directories (OpenSSL hashed names, plain *.pem / *.crt, files without
 * certificates skipped, errors naming the directory), the operating
 * system's bundle, and the public SSL context API: load_verify_locations
 * (cafile / capath / cadata as PEM and DER), create_ssl_context with
 * trust_env (SSL_CERT_FILE, SSL_CERT_DIR, SSLKEYLOGFILE) on and off, and
 * contexts shared by clients (immutable once used, freed in any order).
 *
 * Certificates: the embedded certifi roots, written out as PEM or DER.
 * Hashed names come from the openssl CLI (`openssl rehash`,
 * `openssl x509 -subject_hash`). */
#include <bearssl.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "tls/context.h"
#include "x509/verify.h"
#include "x509/x509.h"

#define NATIVE_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

static char tmpdir[] = "/tmp/hxc-test-trustdir-XXXXXX";

static const char *path_in(const char *name)
{
    static char bufs[4][512];
    static int next;
    char *p = bufs[next++ % 4];
    snprintf(p, sizeof bufs[0], "%s/%s", tmpdir, name);
    return p;
}

static void make_dir(const char *name)
{
    CHECK(mkdir(path_in(name), 0700) == 0);
}

static void write_bytes(const char *name, const void *data, size_t len)
{
    FILE *f = fopen(path_in(name), "wb");
    CHECK(f != NULL);
    if (f == NULL)
        return;
    CHECK(fwrite(data, 1, len, f) == len);
    fclose(f);
}

static const struct hxc__embedded_root *root(size_t i)
{
    return &hxc__embedded_roots[i];
}

/* PEM text of root i (static buffer, valid until the next call). */
static const char *pem_of_root(size_t i)
{
    static char pem[16384];
    size_t need = br_pem_encode(NULL, root(i)->der, root(i)->der_len, "CERTIFICATE",
                                BR_PEM_LINE64);
    CHECK(need < sizeof pem);
    if (need >= sizeof pem)
        return "";
    br_pem_encode(pem, root(i)->der, root(i)->der_len, "CERTIFICATE", BR_PEM_LINE64);
    return pem;
}

/* A PEM bundle of roots[0..n-1] with text before, between and after. */
static void write_pem_bundle(const char *name, const size_t *roots, size_t n)
{
    static char text[65536];
    size_t len = 0;
    len += (size_t)snprintf(text + len, sizeof text - len, "# bundle %s\n", name);
    for (size_t i = 0; i < n && len < sizeof text; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "subject of root %zu\n%s\n",
                                roots[i], pem_of_root(roots[i]));
    CHECK(len < sizeof text);
    write_bytes(name, text, len);
}

static void write_pem_root(const char *name, size_t i)
{
    write_pem_bundle(name, &i, 1);
}

static void write_der_root(const char *name, size_t i)
{
    write_bytes(name, root(i)->der, root(i)->der_len);
}

static int store_has_root(const struct hxc__trust_store *ts, size_t r)
{
    for (size_t i = 0; i < hxc__trust_store_count(ts); i++) {
        struct hxc__der cert, subject;
        hxc__trust_store_anchor(ts, i, &cert, &subject);
        if (cert.len == root(r)->der_len && memcmp(cert.data, root(r)->der, cert.len) == 0)
            return 1;
    }
    return 0;
}

/* `openssl x509 -subject_hash` of a certificate file (PEM, or DER when
 * der), in out[9]. */
static int subject_hash(const char *file, int der, char out[9])
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "openssl x509 -inform %s -noout -subject_hash -in '%s'",
             der ? "DER" : "PEM", file);
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return -1;
    char line[64] = "";
    char *got = fgets(line, sizeof line, p);
    int rc = pclose(p);
    if (got == NULL || rc != 0 || strlen(line) < 8)
        return -1;
    memcpy(out, line, 8);
    out[8] = '\0';
    return 0;
}

/* Number of entries named like OpenSSL's hash links: 8 hex digits, ".0". */
static size_t count_hash_names(const char *dir)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    if (d == NULL)
        return 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *s = de->d_name;
        if (strlen(s) == 10 && strspn(s, "0123456789abcdef") == 8 && strcmp(s + 8, ".0") == 0)
            n++;
    }
    closedir(d);
    return n;
}

/* ------------------------------------------------------------ fixtures */

/*
 * rehash/    a.pem (root 0), b.crt (root 1 PEM), + links from `openssl rehash`
 * hashed/    only hashed names: <h(2)>.0 -> ../store/c.pem, <h(3)>.0 ->
 *            ../store/d.pem, <h(4)>.0 a regular file holding root 4 as DER,
 *            a dangling link 00000000.0, and a CRL-style text file 11111111.r0
 * plain/     e.pem (roots 5 and 6 with text), f.crt (root 7 DER), g.cer (root
 *            11 PEM), README (no certificate), sub/ (root 8, not read)
 * empty/     nothing
 * readme/    only a README
 * only0/     root 0 again (h.pem)
 */
static void make_fixtures(void)
{
    make_dir("rehash");
    write_pem_root("rehash/a.pem", 0);
    write_pem_root("rehash/b.crt", 1);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "openssl rehash '%s' >/dev/null 2>&1", path_in("rehash"));
    CHECK(system(cmd) == 0);
    ASSERT_EQ(count_hash_names(path_in("rehash")), 2);

    make_dir("store");
    make_dir("hashed");
    write_pem_root("store/c.pem", 2);
    write_pem_root("store/d.pem", 3);
    write_der_root("store/e.der", 4);
    char h[9], link[64];
    const char *targets[] = {"store/c.pem", "store/d.pem"};
    for (size_t i = 0; i < 2; i++) {
        CHECK(subject_hash(path_in(targets[i]), 0, h) == 0);
        snprintf(link, sizeof link, "hashed/%s.0", h);
        char target[64];
        snprintf(target, sizeof target, "../%s", targets[i]);
        CHECK(symlink(target, path_in(link)) == 0);
    }
    CHECK(subject_hash(path_in("store/e.der"), 1, h) == 0);
    snprintf(link, sizeof link, "hashed/%s.0", h);
    write_der_root(link, 4);
    CHECK(symlink("../store/nonexistent.pem", path_in("hashed/00000000.0")) == 0);
    static const char crl_text[] = "not a certificate revocation list either\n";
    write_bytes("hashed/11111111.r0", crl_text, sizeof crl_text - 1);
    ASSERT_EQ(count_hash_names(path_in("hashed")), 4);

    make_dir("plain");
    size_t e_roots[] = {5, 6};
    write_pem_bundle("plain/e.pem", e_roots, 2);
    write_der_root("plain/f.crt", 7);
    write_pem_root("plain/g.cer", 11);
    static const char readme[] = "This directory holds the CA certificates.\n";
    write_bytes("plain/README", readme, sizeof readme - 1);
    make_dir("plain/sub");
    write_pem_root("plain/sub/h.pem", 8);

    make_dir("empty");
    make_dir("readme");
    write_bytes("readme/README", readme, sizeof readme - 1);
    make_dir("only0");
    write_pem_root("only0/h.pem", 0);
}

/* ------------------------------------------------------------ trust store */

static void test_dir_rehashed(void)
{
    struct hxc__trust_store *ts = hxc__trust_store_new();
    hxc_error err;
    memset(&err, 0, sizeof err);
    ASSERT_EQ(hxc__trust_store_add_dir(ts, path_in("rehash"), &err), HXC_OK);
    /* a.pem, b.crt and their two hash links: two certificates */
    ASSERT_EQ(hxc__trust_store_count(ts), 2);
    CHECK(store_has_root(ts, 0));
    CHECK(store_has_root(ts, 1));
    hxc__trust_store_free(ts);
}

static void test_dir_hashed_names_only(void)
{
    struct hxc__trust_store *ts = hxc__trust_store_new();
    hxc_error err;
    memset(&err, 0, sizeof err);
    ASSERT_EQ(hxc__trust_store_add_dir(ts, path_in("hashed"), &err), HXC_OK);
    ASSERT_EQ(hxc__trust_store_count(ts), 3);
    CHECK(store_has_root(ts, 2));
    CHECK(store_has_root(ts, 3));
    CHECK(store_has_root(ts, 4));
    hxc__trust_store_free(ts);
}

static void test_dir_plain_files(void)
{
    struct hxc__trust_store *ts = hxc__trust_store_new();
    hxc_error err;
    memset(&err, 0, sizeof err);
    ASSERT_EQ(hxc__trust_store_add_dir(ts, path_in("plain"), &err), HXC_OK);
    ASSERT_EQ(hxc__trust_store_count(ts), 4);
    CHECK(store_has_root(ts, 5));
    CHECK(store_has_root(ts, 6));
    CHECK(store_has_root(ts, 7));
    CHECK(store_has_root(ts, 11));
    CHECK(!store_has_root(ts, 8)); /* sub/ is not read */
    hxc__trust_store_free(ts);
}

static void expect_dir_error(const char *name, hxc_status code, const char *needle)
{
    struct hxc__trust_store *ts = hxc__trust_store_new();
    hxc_error err;
    memset(&err, 0, sizeof err);
    const char *dir = path_in(name);
    ASSERT_EQ(hxc__trust_store_add_dir(ts, dir, &err), code);
    ASSERT_EQ(err.code, code);
    ASSERT_CONTAINS(err.message, dir);
    ASSERT_CONTAINS(err.message, needle);
    ASSERT_EQ(hxc__trust_store_count(ts), 0);
    hxc__trust_store_free(ts);
}

static void test_dir_errors(void)
{
    expect_dir_error("missing", HXC_E_FILE_READ, "No such file or directory");
    expect_dir_error("missing", HXC_E_FILE_READ, "CA directory");
    expect_dir_error("empty", HXC_E_CONFIG, "holds no certificate");
    expect_dir_error("readme", HXC_E_CONFIG, "holds no certificate");
    expect_dir_error("plain/README", HXC_E_FILE_READ, "Not a directory");
}

/* Certificates already in the store still count as found: a directory of
 * roots loaded before is not "without any certificate". */
static void test_dir_after_same_roots(void)
{
    struct hxc__trust_store *ts = hxc__trust_store_new();
    hxc_error err;
    memset(&err, 0, sizeof err);
    ASSERT_EQ(hxc__trust_store_add_file(ts, path_in("rehash/a.pem"), &err), HXC_OK);
    ASSERT_EQ(hxc__trust_store_add_dir(ts, path_in("only0"), &err), HXC_OK);
    ASSERT_EQ(hxc__trust_store_count(ts), 1);
    ASSERT_EQ(hxc__trust_store_add_dir(ts, path_in("rehash"), &err), HXC_OK);
    ASSERT_EQ(hxc__trust_store_count(ts), 2);
    hxc__trust_store_free(ts);
}

static size_t native_count(void)
{
    struct hxc__trust_store *ts = hxc__trust_store_new();
    hxc_error err;
    size_t n = 0;
    if (hxc__trust_store_add_file(ts, NATIVE_BUNDLE, &err) == HXC_OK)
        n = hxc__trust_store_count(ts);
    hxc__trust_store_free(ts);
    return n;
}

static void test_native(void)
{
    struct hxc__trust_store *ts = hxc__trust_store_new();
    hxc_error err;
    memset(&err, 0, sizeof err);
    hxc_status st = hxc__trust_store_add_native(ts, &err);
    if (access(NATIVE_BUNDLE, R_OK) == 0) {
        /* Debian / Ubuntu: ca-certificates' bundle, well over 100 roots */
        ASSERT_EQ(st, HXC_OK);
        CHECK(hxc__trust_store_count(ts) > 100);
        ASSERT_EQ(hxc__trust_store_count(ts), native_count());
    } else {
        fprintf(stderr, "note: %s absent, checking the error instead\n", NATIVE_BUNDLE);
        ASSERT_EQ(st, HXC_E_FILE_READ);
        ASSERT_CONTAINS(err.message, NATIVE_BUNDLE);
    }
    hxc__trust_store_free(ts);
}

/* ------------------------------------------------------------ SSL contexts */

static void test_context_load_verify_locations(void)
{
    hxc_error err;
    memset(&err, 0, sizeof err);
    hxc_ssl_context *ctx = hxc_ssl_context_new(&err);
    CHECK(ctx != NULL);
    if (ctx == NULL)
        return;
    ASSERT_EQ(hxc_ssl_context_anchor_count(ctx), 0);
    ASSERT_EQ(hxc_ssl_context_anchor_count(NULL), 0);
    CHECK(ctx->verify == 1);

    ASSERT_EQ(hxc_ssl_context_load_verify_locations(ctx, NULL, NULL, NULL, 0, &err),
              HXC_E_INVALID_ARGUMENT);
    ASSERT_CONTAINS(err.message, "cafile");

    ASSERT_EQ(hxc_ssl_context_load_verify_locations(ctx, path_in("plain/e.pem"), NULL, NULL, 0,
                                                    &err),
              HXC_OK);
    ASSERT_EQ(hxc_ssl_context_anchor_count(ctx), 2);
    ASSERT_EQ(hxc_ssl_context_load_verify_locations(ctx, NULL, path_in("hashed"), NULL, 0,
                                                    &err),
              HXC_OK);
    ASSERT_EQ(hxc_ssl_context_anchor_count(ctx), 5);
    const char *pem = pem_of_root(9);
    ASSERT_EQ(hxc_ssl_context_load_verify_locations(ctx, NULL, NULL, pem, strlen(pem), &err),
              HXC_OK);
    ASSERT_EQ(hxc_ssl_context_anchor_count(ctx), 6);
    ASSERT_EQ(hxc_ssl_context_load_verify_locations(ctx, NULL, NULL, root(10)->der,
                                                    root(10)->der_len, &err),
              HXC_OK);
    ASSERT_EQ(hxc_ssl_context_anchor_count(ctx), 7);
    CHECK(store_has_root(ctx->trust, 9));
    CHECK(store_has_root(ctx->trust, 10));
    /* the same roots again: nothing new */
    ASSERT_EQ(hxc_ssl_context_load_verify_locations(ctx, path_in("plain/e.pem"),
                                                    path_in("hashed"), root(10)->der,
                                                    root(10)->der_len, &err),
              HXC_OK);
    ASSERT_EQ(hxc_ssl_context_anchor_count(ctx), 7);

    /* failures name their source and add nothing */
    ASSERT_EQ(hxc_ssl_context_load_verify_locations(ctx, path_in("nope.pem"), NULL, NULL, 0,
                                                    &err),
              HXC_E_FILE_READ);
    ASSERT_CONTAINS(err.message, path_in("nope.pem"));
    ASSERT_EQ(hxc_ssl_context_load_verify_locations(ctx, NULL, path_in("empty"), NULL, 0, &err),
              HXC_E_CONFIG);
    ASSERT_CONTAINS(err.message, path_in("empty"));
    static const char junk[] = "no certificate in here";
    ASSERT_EQ(hxc_ssl_context_load_verify_locations(ctx, NULL, NULL, junk, sizeof junk - 1,
                                                    &err),
              HXC_E_CONFIG);
    ASSERT_CONTAINS(err.message, "cadata");
    ASSERT_EQ(hxc_ssl_context_anchor_count(ctx), 7);
    ASSERT_EQ(hxc_ssl_context_load_verify_locations(NULL, path_in("plain/e.pem"), NULL, NULL, 0,
                                                    &err),
              HXC_E_INVALID_ARGUMENT);

    /* default (embedded) and native roots add to what is there */
    ASSERT_EQ(hxc_ssl_context_load_default_roots(ctx, &err), HXC_OK);
    CHECK(hxc_ssl_context_anchor_count(ctx) >= hxc__embedded_root_count);
    CHECK(hxc_ssl_context_anchor_count(ctx) <= hxc__embedded_root_count + 7);
    hxc_ssl_context_free(ctx);
    hxc_ssl_context_free(NULL);

    ctx = hxc_ssl_context_new(&err);
    if (access(NATIVE_BUNDLE, R_OK) == 0) {
        ASSERT_EQ(hxc_ssl_context_load_native_roots(ctx, &err), HXC_OK);
        ASSERT_EQ(hxc_ssl_context_anchor_count(ctx), native_count());
    }
    hxc_ssl_context_free(ctx);
}

static void clear_env(void)
{
    unsetenv("SSL_CERT_FILE");
    unsetenv("SSL_CERT_DIR");
    unsetenv("SSLKEYLOGFILE");
}

/* Anchor count of create_ssl_context(opts) (trust_env given), or -1 with
 * the error in err. */
static long created_count(hxc_trust_env trust_env, hxc_error *err)
{
    hxc_ssl_options o;
    hxc_ssl_options_init(&o);
    o.trust_env = trust_env;
    memset(err, 0, sizeof *err);
    hxc_ssl_context *ctx = hxc_create_ssl_context(&o, err);
    if (ctx == NULL)
        return -1;
    long n = (long)hxc_ssl_context_anchor_count(ctx);
    hxc_ssl_context_free(ctx);
    return n;
}

static void test_create_trust_env(void)
{
    hxc_error err;
    long embedded = (long)hxc__embedded_root_count;
    clear_env();
    hxc_ssl_context *ctx = hxc_create_ssl_context(NULL, &err);
    CHECK(ctx != NULL);
    if (ctx) {
        ASSERT_EQ(hxc_ssl_context_anchor_count(ctx), hxc__embedded_root_count);
        CHECK(ctx->verify == 1);
        CHECK(ctx->keylog_path == NULL);
        CHECK(ctx->client_cert == NULL);
    }
    hxc_ssl_context_free(ctx);
    ASSERT_EQ(created_count(HXC_TRUST_ENV_DEFAULT, &err), embedded);

    /* SSL_CERT_FILE replaces the embedded roots unless trust_env is off */
    setenv("SSL_CERT_FILE", path_in("plain/e.pem"), 1);
    ASSERT_EQ(created_count(HXC_TRUST_ENV_DEFAULT, &err), 2);
    ASSERT_EQ(created_count(HXC_TRUST_ENV_ON, &err), 2);
    ASSERT_EQ(created_count(HXC_TRUST_ENV_OFF, &err), embedded);
    /* SSL_CERT_DIR too; with both set, SSL_CERT_FILE wins (HTTPX's precedence) */
    setenv("SSL_CERT_DIR", path_in("hashed"), 1);
    ASSERT_EQ(created_count(HXC_TRUST_ENV_DEFAULT, &err), 2);
    unsetenv("SSL_CERT_FILE");
    ASSERT_EQ(created_count(HXC_TRUST_ENV_DEFAULT, &err), 3);
    ASSERT_EQ(created_count(HXC_TRUST_ENV_OFF, &err), embedded);
    /* empty values count as unset */
    setenv("SSL_CERT_DIR", "", 1);
    setenv("SSL_CERT_FILE", "", 1);
    ASSERT_EQ(created_count(HXC_TRUST_ENV_DEFAULT, &err), embedded);

    /* a path that does not exist is an error naming the variable and the path */
    setenv("SSL_CERT_FILE", path_in("nowhere.pem"), 1);
    ASSERT_EQ(created_count(HXC_TRUST_ENV_DEFAULT, &err), -1);
    ASSERT_EQ(err.code, HXC_E_FILE_READ);
    ASSERT_CONTAINS(err.message, "SSL_CERT_FILE");
    ASSERT_CONTAINS(err.message, path_in("nowhere.pem"));
    ASSERT_EQ(created_count(HXC_TRUST_ENV_OFF, &err), embedded);
    unsetenv("SSL_CERT_FILE");
    setenv("SSL_CERT_DIR", path_in("nowhere"), 1);
    ASSERT_EQ(created_count(HXC_TRUST_ENV_DEFAULT, &err), -1);
    ASSERT_CONTAINS(err.message, "SSL_CERT_DIR");
    ASSERT_CONTAINS(err.message, path_in("nowhere"));
    ASSERT_EQ(created_count(HXC_TRUST_ENV_OFF, &err), embedded);

    /* an explicit verify source wins over the environment (not even read) */
    setenv("SSL_CERT_FILE", path_in("nowhere.pem"), 1);
    hxc_ssl_options o;
    hxc_ssl_options_init(&o);
    o.cafile = path_in("rehash/a.pem");
    ctx = hxc_create_ssl_context(&o, &err);
    CHECK(ctx != NULL);
    ASSERT_EQ(hxc_ssl_context_anchor_count(ctx), 1);
    hxc_ssl_context_free(ctx);
    hxc_ssl_options_init(&o);
    o.capath = path_in("plain");
    ctx = hxc_create_ssl_context(&o, &err);
    ASSERT_EQ(hxc_ssl_context_anchor_count(ctx), 4);
    hxc_ssl_context_free(ctx);
    hxc_ssl_options_init(&o);
    o.cadata = root(3)->der;
    o.cadata_len = root(3)->der_len;
    ctx = hxc_create_ssl_context(&o, &err);
    ASSERT_EQ(hxc_ssl_context_anchor_count(ctx), 1);
    hxc_ssl_context_free(ctx);
    if (access(NATIVE_BUNDLE, R_OK) == 0) {
        hxc_ssl_options_init(&o);
        o.ca_native = 1;
        ctx = hxc_create_ssl_context(&o, &err);
        CHECK(ctx != NULL);
        ASSERT_EQ(hxc_ssl_context_anchor_count(ctx), native_count());
        hxc_ssl_context_free(ctx);
    }
    /* an explicit cafile that is missing fails at creation, naming it */
    hxc_ssl_options_init(&o);
    o.cafile = path_in("missing-ca.pem");
    CHECK(hxc_create_ssl_context(&o, &err) == NULL);
    ASSERT_EQ(err.code, HXC_E_FILE_READ);
    ASSERT_CONTAINS(err.message, path_in("missing-ca.pem"));
    clear_env();
}

static void test_create_keylog_and_flags(void)
{
    hxc_error err;
    clear_env();
    setenv("SSLKEYLOGFILE", path_in("keys.log"), 1);
    hxc_ssl_options o;
    hxc_ssl_options_init(&o);
    hxc_ssl_context *ctx = hxc_create_ssl_context(&o, &err);
    CHECK(ctx != NULL && ctx->keylog_path != NULL);
    if (ctx && ctx->keylog_path)
        ASSERT_STREQ(ctx->keylog_path, path_in("keys.log"));
    hxc_ssl_context_free(ctx);

    o.trust_env = HXC_TRUST_ENV_OFF;
    ctx = hxc_create_ssl_context(&o, &err);
    CHECK(ctx != NULL && ctx->keylog_path == NULL);
    hxc_ssl_context_free(ctx);

    /* an explicit key log is written even without trust_env */
    o.keylog_file = path_in("explicit.log");
    o.insecure = 1;
    o.http_version = HXC_HTTP_1_1;
    ctx = hxc_create_ssl_context(&o, &err);
    CHECK(ctx != NULL);
    if (ctx) {
        ASSERT_STREQ(ctx->keylog_path, path_in("explicit.log"));
        CHECK(ctx->verify == 0);
        ASSERT_EQ(ctx->http_version, HXC_HTTP_1_1);
        struct hxc__tls_config cfg;
        hxc__ssl_context_tls_config(ctx, HXC_HTTP_AUTO, &cfg);
        CHECK(cfg.offer_h2 == 0);
        CHECK(cfg.verify == 0);
        CHECK(cfg.trust == ctx->trust);
    }
    hxc_ssl_context_free(ctx);

    /* a key without a certificate is a configuration error */
    hxc_ssl_options_init(&o);
    o.key_file = path_in("some.key");
    CHECK(hxc_create_ssl_context(&o, &err) == NULL);
    ASSERT_EQ(err.code, HXC_E_CONFIG);
    ASSERT_CONTAINS(err.message, "without a certificate");
    clear_env();
}

static void expect_frozen(hxc_status st, const hxc_error *err)
{
    ASSERT_EQ(st, HXC_E_CONFIG);
    ASSERT_CONTAINS(err->message, "used by a client");
}

static void test_context_shared_and_frozen(void)
{
    hxc_error err;
    clear_env();
    hxc_ssl_context *ctx = hxc_ssl_context_new(&err);
    CHECK(ctx != NULL);
    if (ctx == NULL)
        return;
    ASSERT_EQ(hxc_ssl_context_load_verify_locations(ctx, path_in("plain/e.pem"), NULL, NULL, 0,
                                                    &err),
              HXC_OK);
    ASSERT_EQ(hxc_ssl_context_set_keylog_file(ctx, path_in("k.log"), &err), HXC_OK);
    ASSERT_EQ(hxc_ssl_context_set_verify(ctx, 1, &err), HXC_OK);

    hxc_client_options co;
    hxc_client_options_init(&co);
    co.ssl_context = ctx;
    /* ignored when a context is given: would fail if it were read */
    co.ssl.cafile = path_in("missing-ca.pem");
    hxc_client *c1 = hxc_client_new(&co, &err);
    CHECK(c1 != NULL);
    hxc_client *c2 = hxc_client_new(&co, &err);
    CHECK(c2 != NULL);

    expect_frozen(hxc_ssl_context_load_verify_locations(ctx, path_in("rehash/a.pem"), NULL,
                                                        NULL, 0, &err),
                  &err);
    expect_frozen(hxc_ssl_context_load_default_roots(ctx, &err), &err);
    expect_frozen(hxc_ssl_context_load_native_roots(ctx, &err), &err);
    expect_frozen(hxc_ssl_context_load_cert_chain(ctx, path_in("rehash/a.pem"), NULL, NULL,
                                                  &err),
                  &err);
    expect_frozen(hxc_ssl_context_load_cert_chain_mem(ctx, "x", 1, NULL, 0, NULL, &err), &err);
    expect_frozen(hxc_ssl_context_set_verify(ctx, 0, &err), &err);
    expect_frozen(hxc_ssl_context_set_keylog_file(ctx, NULL, &err), &err);
    expect_frozen(hxc_ssl_context_set_http_version(ctx, HXC_HTTP_1_1, &err), &err);
    ASSERT_EQ(hxc_ssl_context_anchor_count(ctx), 2);
    CHECK(ctx->verify == 1);
    ASSERT_STREQ(ctx->keylog_path, path_in("k.log"));
    ASSERT_EQ(ctx->http_version, HXC_HTTP_AUTO);

    /* the caller's reference first, then the clients' (ASan: no leak, no
     * use after free) */
    hxc_ssl_context_free(ctx);
    hxc_client_free(c1);
    hxc_client_free(c2);

    /* client, caller, client */
    ctx = hxc_create_ssl_context(NULL, &err);
    CHECK(ctx != NULL);
    co.ssl_context = ctx;
    c1 = hxc_client_new(&co, &err);
    c2 = hxc_client_new(&co, &err);
    CHECK(c1 != NULL && c2 != NULL);
    hxc_client_free(c1);
    expect_frozen(hxc_ssl_context_set_verify(ctx, 0, &err), &err);
    hxc_ssl_context_free(ctx);
    hxc_client_free(c2);

    /* clients first, caller last */
    ctx = hxc_ssl_context_new(&err);
    co.ssl_context = ctx;
    c1 = hxc_client_new(&co, &err);
    hxc_client_free(c1);
    hxc_ssl_context_free(ctx);

    /* without a context, the client's own SSL options are read at creation */
    hxc_client_options_init(&co);
    co.ssl.cafile = path_in("missing-ca.pem");
    memset(&err, 0, sizeof err);
    CHECK(hxc_client_new(&co, &err) == NULL);
    ASSERT_EQ(err.code, HXC_E_FILE_READ);
    ASSERT_CONTAINS(err.message, path_in("missing-ca.pem"));
    hxc_client_options_init(&co);
    co.ssl.capath = path_in("empty");
    CHECK(hxc_client_new(&co, &err) == NULL);
    ASSERT_CONTAINS(err.message, path_in("empty"));
    setenv("SSL_CERT_FILE", path_in("nowhere.pem"), 1);
    hxc_client_options_init(&co);
    CHECK(hxc_client_new(&co, &err) == NULL);
    ASSERT_CONTAINS(err.message, "SSL_CERT_FILE");
    co.ssl.trust_env = HXC_TRUST_ENV_OFF;
    c1 = hxc_client_new(&co, &err);
    CHECK(c1 != NULL);
    hxc_client_free(c1);
    clear_env();
}

int main(void)
{
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    if (hxc__embedded_root_count < 12) {
        fprintf(stderr, "need at least 12 embedded roots\n");
        return 1;
    }
    clear_env();
    make_fixtures();
    test_dir_rehashed();
    test_dir_hashed_names_only();
    test_dir_plain_files();
    test_dir_errors();
    test_dir_after_same_roots();
    test_native();
    test_context_load_verify_locations();
    test_create_trust_env();
    test_create_keylog_and_flags();
    test_context_shared_and_frozen();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    CHECK(system(cmd) == 0);
    return HARNESS_RESULT();
}
