/*
 * libFuzzer target for the TLS 1.3 engine, fed as the server side of a
 * handshake: a client engine (RFC 8448's fixed random and key share, SNI,
 * ALPN, optionally a client certificate request answered with none, a
 * session ticket offered, TLS 1.2 allowed) gets arbitrary bytes as if from
 * the server, with its output, its plaintext and a little application data
 * of its own pumped as a driver would, then close and free.
 *
 * Built with -DHXC_FUZZING, which gives tls13.c a null cipher (records
 * carry their plaintext and 16 zero bytes of tag) and skips the signature
 * and Finished checks, so fuzzed messages reach every parser: ServerHello,
 * HelloRetryRequest, EncryptedExtensions, CertificateRequest, Certificate
 * (through the X.509 class, verification off), CertificateVerify,
 * Finished, NewSessionTicket, KeyUpdate, alerts, padding, record limits.
 *
 * Not a unit test (CMake only picks up test_*.c). Build and run from the
 * repository root after `just build` (the rest of the library from
 * build/libhxc.a):
 *
 *   clang-19 -std=gnu11 -g -O1 -DHXC_FUZZING -fsanitize=fuzzer,address,undefined \
 *       -Iinclude -Isrc -Itests/unit tests/unit/tls/fuzz_tls13.c src/tls/tls13.c \
 *       src/tls/tls13_crypto.c src/tls/rsapss.c build/libhxc.a -lbearssl -lnghttp2 \
 *       -lcares -o /tmp/fuzz_tls13
 *   mkdir -p /tmp/tls13-corpus && python3 tests/unit/tls/fuzz_tls13_seeds.py /tmp/tls13-corpus
 *   /tmp/fuzz_tls13 -max_total_time=60 /tmp/tls13-corpus
 *
 * Input: byte 0 = feed chunk size (1..256); byte 1 = options (bit 0: offer
 * a ticket, bit 1: TLS 1.2 allowed, bit 2: offer only "http/1.1", bit 3:
 * write application data once connected); the rest: the server's bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rfc8448_vectors.h"
#include "tls/tls.h"
#include "tls/tls13.h"
#include "x509/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void drain(struct hxc__tls13 *e, int write_data)
{
    size_t n;
    if (hxc__tls13_rec_out(e, &n) != NULL)
        hxc__tls13_rec_out_ack(e, n);
    uint8_t *in = hxc__tls13_app_in(e, &n);
    if (in != NULL)
        hxc__tls13_app_in_ack(e, n);
    if (write_data && (hxc__tls13_state(e) & HXC_TLS_SENDAPP)) {
        uint8_t *out = hxc__tls13_app_out(e, &n);
        if (out != NULL && n >= 5) {
            memcpy(out, "GET /", 5);
            hxc__tls13_app_out_ack(e, 5);
            hxc__tls13_flush(e);
        }
        if (hxc__tls13_rec_out(e, &n) != NULL)
            hxc__tls13_rec_out_ack(e, n);
    }
}

static void on_ticket(void *user, const struct hxc__tls13_ticket *t)
{
    (void)user;
    if (t->ticket_len == 0 || t->psk_len > sizeof t->psk)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t chunk = (size_t)data[0] + 1;
    unsigned opt = data[1];
    data += 2;
    size -= 2;

    static const char *const alpn[] = {"h2", "http/1.1"};
    static unsigned char ticket_bytes[32] = {1, 2, 3};
    struct hxc__tls13_ticket ticket = {
        .suite = 0x1301, .psk_len = 32, .age_add = 7, .lifetime_s = 3600,
        .ticket = ticket_bytes, .ticket_len = sizeof ticket_bytes,
    };
    struct hxc__tls13_fixed fx = {
        .random = rfc8448_1rtt_client_hello + 6,
        .x25519 = rfc8448_1rtt_c_x25519_priv,
        .p256 = rfc8448_hrr_c_p256_priv,
        .now_ms = 5000,
    };
    struct hxc__x509_ctx x;
    hxc__x509_ctx_init(&x, NULL, NULL, 0, 1700000000);
    struct hxc__tls13_params p = {
        .host = "server",
        .sni = "server",
        .alpn = (opt & 4) ? alpn + 1 : alpn,
        .nalpn = (opt & 4) ? 1 : 2,
        .x509 = &x.vtable,
        .offer_tls12 = (opt & 2) != 0,
        .ticket = (opt & 1) ? &ticket : NULL,
        .key_update_bytes = 64,
        .on_ticket = on_ticket,
        .fixed = &fx,
    };
    struct hxc__tls13 *e = hxc__tls13_new(&p, NULL);
    if (e == NULL) {
        hxc__x509_ctx_free(&x);
        return 0;
    }
    drain(e, 0);
    for (size_t off = 0; off < size;) {
        size_t n = size - off < chunk ? size - off : chunk;
        size_t space;
        uint8_t *in = hxc__tls13_rec_in(e, &space);
        if (in == NULL)
            break;
        if (n > space)
            n = space;
        memcpy(in, data + off, n);
        hxc__tls13_rec_in_ack(e, n);
        drain(e, (opt & 8) != 0);
        off += n;
    }
    hxc__tls13_close(e);
    drain(e, 0);
    hxc_error err;
    memset(&err, 0, sizeof err);
    if (hxc__tls13_result(e, &err) != HXC_OK && err.message[0] == 0)
        __builtin_trap(); /* every failure has words */
    (void)hxc__tls13_alpn(e);
    (void)hxc__tls13_cipher_name(e);
    hxc__tls13_free(e);
    hxc__x509_ctx_free(&x);
    return 0;
}
