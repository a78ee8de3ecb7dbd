/*
 * libFuzzer target for the certificate policy and path building: arbitrary
 * DER certificates go into a trust store (hxc__trust_store_add_mem) and into
 * the chain given to hxc__x509_verify, with one of a few host names and a
 * fixed time; CRLs among the anchors' bytes are loaded too and, on request,
 * checked. It relies only on hxc__trust_store_new, _add_mem,
 * _set_crl_mode, _free and hxc__x509_verify.
 *
 * Not a unit test (CMake only picks up test_*.c). Build and run from the
 * repository root after `just build`; the X.509 sources are compiled in (so
 * that they get coverage and sanitizer instrumentation), the rest of the
 * library (error helpers, embedded roots) comes from build/libhxc.a, which
 * needs nothing but BearSSL here. UBSan reports abort, so that libFuzzer
 * keeps the input:
 *
 *   clang-19 -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
 *       -fno-sanitize-recover=undefined -Iinclude -Isrc -Itests/unit \
 *       tests/unit/x509/fuzz_x509_chain.c $(find src/x509 -name '*.c' ! -name gen_anchors.c) \
 *       build/libhxc.a -lbearssl -o /tmp/fuzz_x509_chain
 *   mkdir -p /tmp/x509-corpus && python3 tests/unit/x509/fuzz_x509_seeds.py /tmp/x509-corpus
 *   /tmp/fuzz_x509_chain -max_total_time=300 -timeout=10 -rss_limit_mb=2048 /tmp/x509-corpus
 *
 * Input:
 *   byte 0  bits 0-3: host, an index into HOSTS below (DNS names, IPv4,
 *           IPv6 with and without brackets, a wildcard, invalid names);
 *           bit 4: summary pointer NULL; bit 5: revocation checked along
 *           the whole chain (HXC_CRL_CHAIN) with the CRLs among the anchors;
 *           bits 6-7: time, 0 and 1: 2026-06-01 00:00:00 UTC (the seeds'
 *           "now", x509mint.NOW), 2: 1990-01-01, 3: 2100-01-01.
 *   byte 1  bit 7 = 0, chain mode:
 *             bits 0-4: K, the number of leading blobs that are trust
 *             anchors (DER, added with hxc__trust_store_add_mem, which
 *             takes CRLs too);
 *             bit 5: the K anchors go in one add_mem call (concatenated)
 *             instead of one call each;
 *             bit 6: verify once more with the same store and the chain
 *             without its last certificate.
 *           then blobs, each a 2-byte big-endian length and that many bytes
 *           (the last one may be short: it takes what is left); the blobs
 *           after the first K are the chain, leaf first (at most 40, more
 *           than the verifier's own cap). Every blob is copied into its own
 *           allocation of exactly its size, so that reading past a
 *           certificate's end is caught by ASan.
 *           bit 7 = 1, bundle mode: the rest of the input goes whole to
 *           hxc__trust_store_add_mem (PEM text, DER, garbage); when that
 *           succeeds the same bytes are also verified as a one-certificate
 *           chain against that store (a self-signed DER leaf that is its
 *           own anchor).
 *
 * Invariants checked (__builtin_trap on violation): a failing call returns
 * the code it stores in err; err->message is non-empty and NUL-terminated
 * within its buffer (err is filled with 0xa5 before each call); verify
 * fails only with a certificate-category code, HXC_E_INVALID_ARGUMENT or
 * HXC_E_NOMEM (add_mem may also use HXC_E_CONFIG, its "not a certificate
 * file" code); the summary's strings are NUL-terminated, and all four are
 * filled when verify succeeds.
 *
 * FUZZ_X509_VERBOSE=1 prints each call's status and message, to see what
 * the seeds reach: FUZZ_X509_VERBOSE=1 /tmp/fuzz_x509_chain /tmp/x509-corpus/nc-ok
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "x509/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_BLOBS 40

static const char *const HOSTS[16] = {
    "localhost",
    "www.example.com",
    "example.com",
    "a.b.example.com",
    "127.0.0.1",
    "::1",
    "2001:db8::1",
    "[2001:db8::1]",
    "10.1.2.3",
    "Sub.Permitted.TEST.",
    "host.excluded.test",
    "*.example.com",   /* refused as a host name */
    "xn--caf-dma.example",
    "a..b",            /* refused */
    "",                /* refused */
    "fe80::1::2",      /* refused */
};

static const int64_t TIMES[4] = {
    1780272000, /* 2026-06-01 00:00:00 UTC */
    1780272000,
    631152000,  /* 1990-01-01 */
    4102444800, /* 2100-01-01 */
};

/* FUZZ_X509_VERBOSE=1 in the environment: print each call's outcome. */
static int verbose(void)
{
    static int v = -1;
    if (v < 0) {
        const char *e = getenv("FUZZ_X509_VERBOSE");
        v = e != NULL && e[0] == '1';
    }
    return v;
}

static void check_terminated(const char *s, size_t size)
{
    if (memchr(s, '\0', size) == NULL)
        __builtin_trap();
}

static void check_error(hxc_status st, const hxc_error *err, int from_add)
{
    if (st == HXC_OK)
        return;
    if (err->code != st)
        __builtin_trap();
    check_terminated(err->message, sizeof err->message);
    if (err->message[0] == '\0')
        __builtin_trap();
    if (hxc_status_category(st) == HXC_CAT_CERTIFICATE || st == HXC_E_INVALID_ARGUMENT ||
        st == HXC_E_NOMEM)
        return;
    if (from_add && st == HXC_E_CONFIG)
        return;
    __builtin_trap();
}

static hxc_status add(struct hxc__trust_store *ts, const void *p, size_t len)
{
    hxc_error err;
    memset(&err, 0xa5, sizeof err);
    hxc_status st = hxc__trust_store_add_mem(ts, p, len, "fuzz anchors", &err);
    check_error(st, &err, 1);
    if (verbose() && st != HXC_OK)
        fprintf(stderr, "  add_mem: %s: %s\n", hxc_status_name(st), err.message);
    return st;
}

static void verify(const struct hxc__trust_store *ts, const struct hxc__der *chain, size_t n,
                   const char *host, int64_t now, int no_summary)
{
    hxc_error err;
    struct hxc__cert_summary summary;
    memset(&err, 0xa5, sizeof err);
    memset(&summary, 0xa5, sizeof summary);
    hxc_status st =
        hxc__x509_verify(ts, chain, n, host, now, no_summary ? NULL : &summary, &err);
    check_error(st, &err, 0);
    if (verbose())
        fprintf(stderr, "  verify(n=%zu, '%s'): %s%s%s\n", n, host, hxc_status_name(st),
                st != HXC_OK ? ": " : "", st != HXC_OK ? err.message : "");
    if (no_summary)
        return;
    check_terminated(summary.subject, sizeof summary.subject);
    check_terminated(summary.issuer, sizeof summary.issuer);
    check_terminated(summary.not_before, sizeof summary.not_before);
    check_terminated(summary.not_after, sizeof summary.not_after);
    if (st == HXC_OK && (summary.subject[0] == '\0' || summary.issuer[0] == '\0' ||
                         summary.not_before[0] == '\0' || summary.not_after[0] == '\0'))
        __builtin_trap();
}

static void bundle_mode(const uint8_t *data, size_t size, const char *host, int64_t now,
                        int no_summary)
{
    struct hxc__trust_store *ts = hxc__trust_store_new();
    if (ts == NULL)
        return;
    /* A copy of exactly the input's size (libFuzzer's buffer is too, but
     * keep it explicit and independent of the header bytes). */
    unsigned char *copy = malloc(size ? size : 1);
    if (copy != NULL) {
        memcpy(copy, data, size);
        if (add(ts, copy, size) == HXC_OK && size > 0) {
            struct hxc__der leaf = {copy, size};
            verify(ts, &leaf, 1, host, now, no_summary);
        }
        free(copy);
    }
    hxc__trust_store_free(ts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const char *host = HOSTS[data[0] & 15];
    int no_summary = (data[0] >> 4) & 1;
    int crl_chain = (data[0] >> 5) & 1;
    int64_t now = TIMES[data[0] >> 6];
    unsigned opt = data[1];
    data += 2;
    size -= 2;

    if (opt & 0x80) {
        bundle_mode(data, size, host, now, no_summary);
        return 0;
    }

    /* Split into blobs, each copied to its own exact-size allocation. */
    struct hxc__der blobs[MAX_BLOBS];
    size_t nblobs = 0;
    while (size >= 2 && nblobs < MAX_BLOBS) {
        size_t len = ((size_t)data[0] << 8) | data[1];
        data += 2;
        size -= 2;
        if (len > size)
            len = size;
        unsigned char *p = malloc(len ? len : 1);
        if (p == NULL)
            break;
        memcpy(p, data, len);
        blobs[nblobs].data = p;
        blobs[nblobs].len = len;
        nblobs++;
        data += len;
        size -= len;
    }

    size_t k = opt & 31;
    if (k > nblobs)
        k = nblobs;
    struct hxc__trust_store *ts = hxc__trust_store_new();
    if (ts == NULL)
        goto out;
    if (crl_chain)
        hxc__trust_store_set_crl_mode(ts, HXC_CRL_CHAIN);
    if (opt & 0x20) {
        size_t total = 0;
        for (size_t i = 0; i < k; i++)
            total += blobs[i].len;
        unsigned char *cat = malloc(total ? total : 1);
        if (cat != NULL) {
            size_t pos = 0;
            for (size_t i = 0; i < k; i++) {
                memcpy(cat + pos, blobs[i].data, blobs[i].len);
                pos += blobs[i].len;
            }
            if (k > 0)
                add(ts, cat, total);
            free(cat);
        }
    } else {
        for (size_t i = 0; i < k; i++)
            add(ts, blobs[i].data, blobs[i].len);
    }

    /* The chain: an exact-size array, so that reading chain[n] is caught. */
    size_t n = nblobs - k;
    struct hxc__der *chain = malloc((n ? n : 1) * sizeof *chain);
    if (chain != NULL) {
        memcpy(chain, blobs + k, n * sizeof *chain);
        verify(ts, chain, n, host, now, no_summary);
        if ((opt & 0x40) && n > 1)
            verify(ts, chain, n - 1, host, now, no_summary);
        free(chain);
    }
    hxc__trust_store_free(ts);
out:
    for (size_t i = 0; i < nblobs; i++)
        free((void *)blobs[i].data);
    return 0;
}
