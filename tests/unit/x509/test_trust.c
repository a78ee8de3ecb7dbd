/* Trust store: embedded roots (count, DNs, usability), file loading (PEM
 * with text and CRLF, DER, errors naming the path and line), DER lists. */
#include <bearssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "x509/der.h"
#include "x509/verify.h"
#include "x509/x509.h"




/* PEM of DER bytes through BearSSL's encoder (crlf: BR_PEM_CRLF). */
static size_t pem_of(const unsigned char *der, size_t len, const char *banner, unsigned flags,
                     char *out, size_t outsz)
{
    size_t need = br_pem_encode(NULL, der, len, banner, flags | BR_PEM_LINE64);
    CHECK(need < outsz);
    if (need >= outsz)
        return 0;
    return br_pem_encode(out, der, len, banner, flags | BR_PEM_LINE64);
}

static void test_embedded_count_matches_bundle(void)
{
    const char *src = getenv("HXC_SOURCE_DIR");
    CHECK(src != NULL);
    if (src == NULL)
        return;
    char path[512];
    snprintf(path, sizeof path, "%s/certs/cacert.pem", src);
    size_t len;
    char *text = harness_read_file(path, &len);
    CHECK(text != NULL);
    if (text == NULL)
        return;
    size_t begins = 0;
    for (char *p = text; (p = strstr(p, "-----BEGIN CERTIFICATE-----")) != NULL; p++)
        begins++;
    CHECK(begins > 100);
    ASSERT_EQ(hxc__embedded_root_count, begins);

    /* The same file through the runtime loader gives the same anchors. */
    struct hxc__trust_store *ts = hxc__trust_store_new();
    hxc_error err;
    ASSERT_EQ(hxc__trust_store_add_embedded(ts, &err), HXC_OK);
    ASSERT_EQ(hxc__trust_store_count(ts), begins);
    ASSERT_EQ(hxc__trust_store_add_file(ts, path, &err), HXC_OK);
    ASSERT_EQ(hxc__trust_store_count(ts), begins); /* duplicates are not added twice */
    hxc__trust_store_free(ts);

    snprintf(path, sizeof path, "%s/certs/VERSION", src);
    char *version = harness_read_file(path, &len);
    CHECK(version != NULL);
    if (version) {
        version[strcspn(version, " \r\n")] = '\0';
        ASSERT_STREQ(hxc__certifi_version, version);
    }
    free(version);
    free(text);
}

/* notAfter of a DER certificate, with our own DER reader. */
static int64_t not_after(const unsigned char *der, size_t len)
{
    struct der_reader r;
    struct der_item it, validity, t;
    hxc__der_init(&r, der, len);
    hxc__der_expect(&r, DER_SEQUENCE, &it);
    hxc__der_enter(&r, &it);
    hxc__der_expect(&r, DER_SEQUENCE, &it);
    hxc__der_enter(&r, &it);
    hxc__der_optional(&r, DER_CTX_CONS(0), &it);
    for (int i = 0; i < 3; i++) /* serial, algorithm, issuer */
        hxc__der_next(&r, &it);
    int64_t when = 0;
    if (hxc__der_expect(&r, DER_SEQUENCE, &validity) == 0) {
        hxc__der_enter(&r, &validity);
        hxc__der_next(&r, &t);
        hxc__der_next(&r, &t);
        CHECK(hxc__der_time(&t, &when) == 0);
    }
    return when;
}

static void test_embedded_roots_are_usable(void)
{
    struct hxc__trust_store *ts = hxc__trust_store_new();
    hxc_error err;
    ASSERT_EQ(hxc__trust_store_add_embedded(ts, &err), HXC_OK);
    size_t bad_dn = 0, not_usable = 0;
    for (size_t i = 0; i < hxc__embedded_root_count; i++) {
        const struct hxc__embedded_root *r = &hxc__embedded_roots[i];
        struct der_item subject;
        size_t used;
        if (hxc__der_cert_subject(r->der, r->der_len, &subject, &used) != 0 ||
            used != r->der_len || subject.tlv_len != r->ta.dn.len ||
            memcmp(subject.tlv, r->ta.dn.data, subject.tlv_len) != 0)
            bad_dn++;
        CHECK(r->ta.flags & BR_X509_TA_CA);
        CHECK(r->ta.pkey.key_type == BR_KEYTYPE_RSA || r->ta.pkey.key_type == BR_KEYTYPE_EC);
        /* Every root meets the rules on anchors (RFC 5280 and the Baseline
         * Requirements as they apply to roots: basicConstraints critical,
         * keyCertSign, key sizes and curves, no unknown critical extension,
         * valid name constraints...) just before it expires. */
        if (hxc__x509_check_anchor(ts, i, not_after(r->der, r->der_len) - 1, &err) != HXC_OK) {
            not_usable++;
            fprintf(stderr, "embedded root %zu: %s\n", i, err.message);
        }
        /* Sent alone as the server's certificate, a root is refused by the
         * leaf profile (a CA used as an end entity; or first, for six roots,
         * its zero serial number, which only anchors may have). */
        struct hxc__der chain = {r->der, r->der_len};
        hxc_status st = hxc__x509_verify(ts, &chain, 1, "hxc.invalid",
                                         not_after(r->der, r->der_len) - 1, NULL, &err);
        if (st != HXC_E_CERT_PROFILE ||
            (strstr(err.message, "a CA certificate (basicConstraints cA=TRUE) cannot be the "
                                 "server's certificate") == NULL &&
             strstr(err.message, "serial number is zero") == NULL)) {
            not_usable++;
            fprintf(stderr, "embedded root %zu as a leaf: %s\n", i, err.message);
        }
    }
    ASSERT_EQ(bad_dn, 0);
    ASSERT_EQ(not_usable, 0);
    hxc__trust_store_free(ts);
}

static void test_pem_with_text_crlf_and_der(void)
{
    const struct hxc__embedded_root *a = &hxc__embedded_roots[0], *b = &hxc__embedded_roots[1];
    static char pa[8192], pb[8192], text[20000];
    size_t la = pem_of(a->der, a->der_len, "CERTIFICATE", BR_PEM_CRLF, pa, sizeof pa);
    size_t lb = pem_of(b->der, b->der_len, "CERTIFICATE", 0, pb, sizeof pb);
    CHECK(la > 0 && lb > 0);
    int n = snprintf(text, sizeof text, "Bundle comment\r\n%s\r\nsubject: something\n%s", pa, pb);
    const char *path = harness_write_file("two.pem", text, (size_t)n);

    struct hxc__trust_store *ts = hxc__trust_store_new();
    hxc_error err;
    ASSERT_EQ(hxc__trust_store_add_file(ts, path, &err), HXC_OK);
    ASSERT_EQ(hxc__trust_store_count(ts), 2);
    struct hxc__der cert, subject;
    hxc__trust_store_anchor(ts, 1, &cert, &subject);
    ASSERT_EQ(cert.len, b->der_len);
    CHECK(memcmp(cert.data, b->der, b->der_len) == 0);
    ASSERT_EQ(subject.len, b->ta.dn.len);

    struct hxc__der *list;
    size_t count;
    ASSERT_EQ(hxc__der_list_load_file(path, &list, &count, &err), HXC_OK);
    ASSERT_EQ(count, 2);
    if (count == 2) {
        ASSERT_EQ(list[0].len, a->der_len);
        CHECK(memcmp(list[0].data, a->der, a->der_len) == 0);
    }
    hxc__der_list_free(list, count);

    /* DER: one certificate, then two concatenated. */
    path = harness_write_file("one.der", a->der, a->der_len);
    ASSERT_EQ(hxc__der_list_load_file(path, &list, &count, &err), HXC_OK);
    ASSERT_EQ(count, 1);
    hxc__der_list_free(list, count);
    unsigned char *both = malloc(a->der_len + b->der_len);
    memcpy(both, a->der, a->der_len);
    memcpy(both + a->der_len, b->der, b->der_len);
    path = harness_write_file("two.der", both, a->der_len + b->der_len);
    free(both);
    hxc__trust_store_free(ts);
    ts = hxc__trust_store_new();
    ASSERT_EQ(hxc__trust_store_add_file(ts, path, &err), HXC_OK);
    ASSERT_EQ(hxc__trust_store_count(ts), 2);
    hxc__trust_store_free(ts);
}

static void expect_load_error(const char *name, const char *content, hxc_status code,
                              const char *needle)
{
    const char *path = harness_write_file(name, content, strlen(content));
    char saved[512];
    snprintf(saved, sizeof saved, "%s", path);
    struct hxc__trust_store *ts = hxc__trust_store_new();
    hxc_error err;
    memset(&err, 0, sizeof err);
    ASSERT_EQ(hxc__trust_store_add_file(ts, saved, &err), code);
    ASSERT_CONTAINS(err.message, saved);
    ASSERT_CONTAINS(err.message, needle);
    hxc__trust_store_free(ts);

    struct hxc__der *list = NULL;
    size_t n = 99;
    ASSERT_EQ(hxc__der_list_load_file(saved, &list, &n, &err), code);
    CHECK(list == NULL && n == 0);
    ASSERT_CONTAINS(err.message, needle);
}

static void test_loading_errors(void)
{
    hxc_error err;
    struct hxc__trust_store *ts = hxc__trust_store_new();
    ASSERT_EQ(hxc__trust_store_add_file(ts, harness_tmp_path("missing.pem"), &err), HXC_E_FILE_READ);
    ASSERT_CONTAINS(err.message, "missing.pem");
    ASSERT_CONTAINS(err.message, "No such file");
    ASSERT_EQ(hxc__trust_store_count(ts), 0);
    hxc__trust_store_free(ts);

    expect_load_error("text.pem", "just some text\nno certificates\n", HXC_E_CONFIG,
                      ": no certificate found");
    expect_load_error("empty.pem", "", HXC_E_CONFIG, "no certificate found (the file is empty)");
    expect_load_error("badb64.pem",
                      "line one\n-----BEGIN CERTIFICATE-----\nMIIB!!AAAA\n"
                      "-----END CERTIFICATE-----\n",
                      HXC_E_CONFIG, "badb64.pem:3: malformed PEM");
    expect_load_error("unterminated.pem",
                      "\n\n-----BEGIN CERTIFICATE-----\nMIIBAAAA\nAAAA\n", HXC_E_CONFIG,
                      "unterminated.pem:3: unterminated PEM block");
    expect_load_error("key.pem",
                      "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                      HXC_E_CONFIG, "key.pem: no certificate found");
    expect_load_error("notcert.pem",
                      "\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                      HXC_E_CONFIG, "notcert.pem:2: certificate block does not hold a DER");
    expect_load_error("garbage.der", "0\x05garbage", HXC_E_CONFIG,
                      "neither PEM nor a DER certificate (at byte 0)");
}

/* Runs the generator on `bundle`: exit status, stderr in out. */
static int run_generator(const char *bundle, const char *output, char *out, size_t outsz)
{
    const char *build = getenv("HXC_BUILD_DIR");
    char cmd[1600];
    snprintf(cmd, sizeof cmd, "'%s/hxc-gen-anchors' '%s' 9.9 '%s' 2>&1", build ? build : ".",
             bundle, output);
    return harness_run(cmd, out, outsz);
}

static void expect_generator_failure(const char *name, const char *content, const char *needle)
{
    char bundle[512], output[600], msg[2048], expected[700];
    snprintf(bundle, sizeof bundle, "%s", harness_write_file(name, content, strlen(content)));
    snprintf(output, sizeof output, "%s.c", bundle);
    CHECK(run_generator(bundle, output, msg, sizeof msg) == 1);
    snprintf(expected, sizeof expected, "%s:%s", bundle, needle);
    ASSERT_CONTAINS(msg, expected);
    CHECK(access(output, F_OK) != 0); /* nothing left behind */
}

static void test_generator(void)
{
    const char *build = getenv("HXC_BUILD_DIR");
    char path[1024], msg[2048];
    snprintf(path, sizeof path, "%s/hxc-gen-anchors", build ? build : ".");
    if (build == NULL || access(path, X_OK) != 0) {
        fprintf(stderr, "hxc-gen-anchors not found in HXC_BUILD_DIR: generator tests skipped\n");
        CHECK(build == NULL); /* under CTest the generator must be there */
        return;
    }
    expect_generator_failure("gen-badb64.pem",
                             "# header\n-----BEGIN CERTIFICATE-----\nMIIB!!AAAA\n"
                             "-----END CERTIFICATE-----\n",
                             "3: malformed PEM");
    expect_generator_failure("gen-unterminated.pem", "\n-----BEGIN CERTIFICATE-----\nMIIBAAAA\n",
                             "2: unterminated PEM block");
    expect_generator_failure("gen-empty.pem", "no certificates at all\n",
                             "1: no CERTIFICATE block");
    expect_generator_failure("gen-undecodable.pem",
                             "\n\n-----BEGIN CERTIFICATE-----\nMAMCAQE=\n"
                             "-----END CERTIFICATE-----\n",
                             "3: certificate BearSSL cannot decode");

    /* A good two-certificate bundle (CRLF, text between) generates. */
    static char pa[8192], pb[8192], text[20000];
    const struct hxc__embedded_root *a = &hxc__embedded_roots[0], *b = &hxc__embedded_roots[1];
    pem_of(a->der, a->der_len, "CERTIFICATE", BR_PEM_CRLF, pa, sizeof pa);
    pem_of(b->der, b->der_len, "CERTIFICATE", 0, pb, sizeof pb);
    int n = snprintf(text, sizeof text, "text\n%sbetween\n%s", pa, pb);
    char bundle[512], output[600];
    snprintf(bundle, sizeof bundle, "%s", harness_write_file("gen-good.pem", text, (size_t)n));
    snprintf(output, sizeof output, "%s.c", bundle);
    ASSERT_EQ(run_generator(bundle, output, msg, sizeof msg), 0);
    size_t len;
    char *src = harness_read_file(output, &len);
    CHECK(src != NULL);
    if (src) {
        ASSERT_CONTAINS(src, "hxc__embedded_root_count = 2;");
        ASSERT_CONTAINS(src, "hxc__certifi_version[] = \"9.9\";");
        ASSERT_CONTAINS(src, "#include \"x509/x509.h\"");
    }
    free(src);
}

int main(void)
{
    if (harness_tmp_init("trust") != 0)
        return 1;
    test_embedded_count_matches_bundle();
    test_embedded_roots_are_usable();
    test_pem_with_text_crlf_and_der();
    test_loading_errors();
    test_generator();
    return HARNESS_RESULT();
}
