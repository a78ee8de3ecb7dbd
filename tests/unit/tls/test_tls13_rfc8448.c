/* The TLS 1.3 engine against RFC 8448's example handshake traces, byte for
 * byte: with the trace's fixed client random and key shares, hxc's
 * ClientHello records equal the RFC's; fed the RFC's server records, every
 * traffic secret (seen through the key log callback), the client Finished
 * record, the session ticket's PSK and the application data and alert
 * records equal the RFC's. The server's CertificateVerify in the traces is
 * RSA-PSS (rsa_pss_rsae_sha256), so tls/rsapss.c is checked too.
 *   section 3: simple 1-RTT handshake, NewSessionTicket, data, close
 *   section 4: resumption with that ticket (ClientHello with the PSK binder,
 *              PSK + ECDHE key schedule; the trace's 0-RTT part is skipped:
 *              hxc sends no early data, so its Finished differs there)
 *   section 5: HelloRetryRequest (cookie, P-256 key share, message_hash) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "rfc8448_vectors.h"
#include "tls/tls.h"
#include "tls/tls13.h"
#include "x509/x509.h"

static const uint16_t suites[] = {0x1301, 0x1303, 0x1302};
static const uint16_t groups_1rtt[] = {0x001d, 0x0017, 0x0018, 0x0019, 0x0100,
                                       0x0101, 0x0102, 0x0103, 0x0104};
static const uint16_t groups_hrr[] = {0x001d, 0x0017, 0x0018};
static const uint16_t sigalgs[] = {0x0403, 0x0503, 0x0603, 0x0203, 0x0804, 0x0805, 0x0806, 0x0401,
                                   0x0501, 0x0601, 0x0201, 0x0402, 0x0502, 0x0602, 0x0202};

/* What every trace's client offers: its random, X25519 key, suites,
 * groups and signature algorithms, and an empty renegotiation_info. */
static struct hxc__tls13_fixed trace_client(const unsigned char *client_hello,
                                            const unsigned char *x25519, const uint16_t *groups,
                                            size_t ngroups)
{
    struct hxc__tls13_fixed fx = {
        .random = client_hello + 6, /* after the type, length and legacy_version */
        .x25519 = x25519,
        .suites = suites, .nsuites = 3,
        .groups = groups, .ngroups = ngroups,
        .sigalgs = sigalgs, .nsigalgs = 15,
        .renegotiation_info = 1,
    };
    return fx;
}

/* Section 3's client (also sends an empty session_ticket extension). */
static struct hxc__tls13_fixed one_rtt_client(void)
{
    struct hxc__tls13_fixed fx =
        trace_client(rfc8448_1rtt_client_hello, rfc8448_1rtt_c_x25519_priv, groups_1rtt, 9);
    fx.session_ticket = 1;
    fx.now_ms = 1000000;
    return fx;
}

struct capture {
    size_t n;
    char label[8][40];
    unsigned char secret[8][48];
    size_t len[8];
    int tickets;
    struct hxc__tls13_ticket ticket;
    unsigned char ticket_data[256];
};

static void on_secret(void *user, const char *label, const unsigned char *cr,
                      const unsigned char *secret, size_t len)
{
    struct capture *c = user;
    (void)cr;
    if (c->n < 8) {
        snprintf(c->label[c->n], sizeof c->label[0], "%s", label);
        memcpy(c->secret[c->n], secret, len);
        c->len[c->n] = len;
        c->n++;
    }
}

static void on_ticket(void *user, const struct hxc__tls13_ticket *t)
{
    struct capture *c = user;
    c->tickets++;
    c->ticket = *t;
    CHECK(t->ticket_len <= sizeof c->ticket_data);
    memcpy(c->ticket_data, t->ticket, t->ticket_len);
    c->ticket.ticket = c->ticket_data;
}

static void check_secret(const struct capture *c, const char *label, const unsigned char *want)
{
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->label[i], label) == 0) {
            ASSERT_EQ(c->len[i], 32);
            if (memcmp(c->secret[i], want, 32) != 0) {
                CHECK(!"secret differs from RFC 8448");
                fprintf(stderr, "  %s differs\n", label);
            }
            return;
        }
    }
    fprintf(stderr, "  no %s was derived\n", label);
    CHECK(!"secret missing");
}

static void same_bytes(const unsigned char *got, size_t got_len, const unsigned char *want,
                       size_t want_len, const char *what)
{
    ASSERT_EQ(got_len, want_len);
    size_t n = got_len < want_len ? got_len : want_len;
    for (size_t i = 0; i < n; i++) {
        if (got[i] != want[i]) {
            fprintf(stderr, "  %s: first difference at byte %zu: %02x, RFC 8448 has %02x\n",
                    what, i, got[i], want[i]);
            CHECK(!"bytes differ from RFC 8448");
            return;
        }
    }
    harness_checks++;
}

static void feed(struct hxc__tls13 *e, const unsigned char *rec, size_t n)
{
    size_t space;
    uint8_t *p = hxc__tls13_rec_in(e, &space);
    CHECK(p != NULL && space >= n);
    if (p == NULL || space < n)
        return;
    memcpy(p, rec, n);
    hxc__tls13_rec_in_ack(e, n);
    hxc_error err;
    if (hxc__tls13_result(e, &err) != HXC_OK)
        fprintf(stderr, "  engine failed: %s\n", err.message);
}

static void expect_out(struct hxc__tls13 *e, const unsigned char *want, size_t n, const char *what)
{
    size_t len;
    uint8_t *p = hxc__tls13_rec_out(e, &len);
    CHECK(p != NULL);
    if (p == NULL)
        return;
    same_bytes(p, len, want, n, what);
    hxc__tls13_rec_out_ack(e, len);
}

static struct hxc__tls13 *engine(struct hxc__x509_ctx *x, struct capture *cap,
                                 const struct hxc__tls13_fixed *fx,
                                 const struct hxc__tls13_ticket *ticket)
{
    hxc__x509_ctx_init(x, NULL, NULL, 0, 0); /* the trace's self-signed RSA-1024 */
    struct hxc__tls13_params p = {
        .host = "server",
        .sni = "server",
        .x509 = &x->vtable,
        .ticket = ticket,
        .on_secret = on_secret,
        .on_ticket = on_ticket,
        .user = cap,
        .fixed = fx,
    };
    hxc_error err;
    struct hxc__tls13 *e = hxc__tls13_new(&p, &err);
    if (e == NULL)
        fprintf(stderr, "hxc__tls13_new: %s\n", err.message);
    return e;
}

/* Section 3; returns the ticket for section 4 in *cap. */
static void test_1rtt(struct capture *cap)
{
    struct hxc__tls13_fixed fx = one_rtt_client();
    struct hxc__x509_ctx x;
    struct hxc__tls13 *e = engine(&x, cap, &fx, NULL);
    CHECK(e != NULL);
    if (e == NULL)
        return;
    expect_out(e, rfc8448_1rtt_client_hello_record, sizeof rfc8448_1rtt_client_hello_record,
               "ClientHello record");
    feed(e, rfc8448_1rtt_server_hello_record, sizeof rfc8448_1rtt_server_hello_record);
    check_secret(cap, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", rfc8448_1rtt_c_hs_traffic);
    check_secret(cap, "SERVER_HANDSHAKE_TRAFFIC_SECRET", rfc8448_1rtt_s_hs_traffic);
    feed(e, rfc8448_1rtt_server_handshake_record, sizeof rfc8448_1rtt_server_handshake_record);
    check_secret(cap, "CLIENT_TRAFFIC_SECRET_0", rfc8448_1rtt_c_ap_traffic);
    check_secret(cap, "SERVER_TRAFFIC_SECRET_0", rfc8448_1rtt_s_ap_traffic);
    check_secret(cap, "EXPORTER_SECRET", rfc8448_1rtt_exp_master);
    ASSERT_EQ(hxc__tls13_handshake_done(e), 1);
    ASSERT_STREQ(hxc__tls13_cipher_name(e), "TLS_AES_128_GCM_SHA256");
    ASSERT_STREQ(hxc__tls13_group_name(e), "x25519");
    ASSERT_EQ(hxc__tls13_resumed(e), 0);
    expect_out(e, rfc8448_1rtt_client_finished_record,
               sizeof rfc8448_1rtt_client_finished_record, "client Finished record");

    feed(e, rfc8448_1rtt_new_session_ticket_record,
         sizeof rfc8448_1rtt_new_session_ticket_record);
    ASSERT_EQ(cap->tickets, 1);
    same_bytes(cap->ticket.psk, cap->ticket.psk_len, rfc8448_1rtt_resumption_psk,
               sizeof rfc8448_1rtt_resumption_psk, "ticket PSK");
    same_bytes(cap->ticket.ticket, cap->ticket.ticket_len, rfc8448_1rtt_ticket,
               sizeof rfc8448_1rtt_ticket, "ticket");
    ASSERT_EQ(cap->ticket.age_add, RFC8448_1RTT_TICKET_AGE_ADD);
    ASSERT_EQ(cap->ticket.lifetime_s, RFC8448_1RTT_TICKET_LIFETIME);
    ASSERT_EQ(cap->ticket.suite, 0x1301);

    size_t space;
    uint8_t *out = hxc__tls13_app_out(e, &space);
    CHECK(out != NULL && space >= sizeof rfc8448_1rtt_c_app_data);
    if (out != NULL) {
        memcpy(out, rfc8448_1rtt_c_app_data, sizeof rfc8448_1rtt_c_app_data);
        hxc__tls13_app_out_ack(e, sizeof rfc8448_1rtt_c_app_data);
        hxc__tls13_flush(e);
        expect_out(e, rfc8448_1rtt_c_app_data_record, sizeof rfc8448_1rtt_c_app_data_record,
                   "client application data record");
    }
    feed(e, rfc8448_1rtt_s_app_data_record, sizeof rfc8448_1rtt_s_app_data_record);
    size_t len;
    uint8_t *in = hxc__tls13_app_in(e, &len);
    CHECK(in != NULL);
    if (in != NULL) {
        same_bytes(in, len, rfc8448_1rtt_s_app_data, sizeof rfc8448_1rtt_s_app_data,
                   "server application data");
        hxc__tls13_app_in_ack(e, len);
    }
    hxc__tls13_close(e);
    expect_out(e, rfc8448_1rtt_c_alert_record, sizeof rfc8448_1rtt_c_alert_record,
               "client close_notify record");
    feed(e, rfc8448_1rtt_s_alert_record, sizeof rfc8448_1rtt_s_alert_record);
    CHECK(hxc__tls13_state(e) & HXC_TLS_CLOSED);
    ASSERT_EQ(hxc__tls13_result(e, NULL), HXC_OK);
    hxc__tls13_free(e);
    hxc__x509_ctx_free(&x);
}

/* Section 4: resumption with the section 3 ticket. */
static void test_resumption(const struct capture *first)
{
    /* The ticket age the trace's ClientHello carries fixes the clock. */
    const unsigned char *obf = rfc8448_res_client_hello + sizeof rfc8448_res_client_hello - 35 - 4;
    uint32_t obfuscated = (uint32_t)obf[0] << 24 | (uint32_t)obf[1] << 16 |
                          (uint32_t)obf[2] << 8 | obf[3];
    uint32_t age = obfuscated - first->ticket.age_add;
    struct hxc__tls13_fixed fx =
        trace_client(rfc8448_res_client_hello, rfc8448_res_c_x25519_priv, groups_1rtt, 9);
    fx.early_data = 1;
    fx.now_ms = first->ticket.received_ms + age;
    struct capture cap;
    memset(&cap, 0, sizeof cap);
    struct hxc__x509_ctx x;
    struct hxc__tls13 *e = engine(&x, &cap, &fx, &first->ticket);
    CHECK(e != NULL);
    if (e == NULL)
        return;
    expect_out(e, rfc8448_res_client_hello_record, sizeof rfc8448_res_client_hello_record,
               "resumption ClientHello record (PSK identity, obfuscated age, binder)");
    feed(e, rfc8448_res_server_hello_record, sizeof rfc8448_res_server_hello_record);
    ASSERT_EQ(hxc__tls13_resumed(e), 1);
    check_secret(&cap, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", rfc8448_res_c_hs_traffic);
    check_secret(&cap, "SERVER_HANDSHAKE_TRAFFIC_SECRET", rfc8448_res_s_hs_traffic);
    feed(e, rfc8448_res_server_handshake_record, sizeof rfc8448_res_server_handshake_record);
    check_secret(&cap, "CLIENT_TRAFFIC_SECRET_0", rfc8448_res_c_ap_traffic);
    check_secret(&cap, "SERVER_TRAFFIC_SECRET_0", rfc8448_res_s_ap_traffic);
    check_secret(&cap, "EXPORTER_SECRET", rfc8448_res_exp_master);
    ASSERT_EQ(hxc__tls13_handshake_done(e), 1);
    hxc__tls13_free(e);
    hxc__x509_ctx_free(&x);
}

/* Section 5: HelloRetryRequest. */
static void test_hrr(void)
{
    struct hxc__tls13_fixed fx =
        trace_client(rfc8448_hrr_client_hello1, rfc8448_hrr_c_x25519_priv, groups_hrr, 3);
    fx.p256 = rfc8448_hrr_c_p256_priv;
    struct capture cap;
    memset(&cap, 0, sizeof cap);
    struct hxc__x509_ctx x;
    struct hxc__tls13 *e = engine(&x, &cap, &fx, NULL);
    CHECK(e != NULL);
    if (e == NULL)
        return;
    expect_out(e, rfc8448_hrr_client_hello1_record, sizeof rfc8448_hrr_client_hello1_record,
               "first ClientHello record");
    feed(e, rfc8448_hrr_hello_retry_request_record, sizeof rfc8448_hrr_hello_retry_request_record);
    expect_out(e, rfc8448_hrr_client_hello2_record, sizeof rfc8448_hrr_client_hello2_record,
               "second ClientHello record (P-256 share, cookie, padding)");
    feed(e, rfc8448_hrr_server_hello_record, sizeof rfc8448_hrr_server_hello_record);
    check_secret(&cap, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", rfc8448_hrr_c_hs_traffic);
    check_secret(&cap, "SERVER_HANDSHAKE_TRAFFIC_SECRET", rfc8448_hrr_s_hs_traffic);
    feed(e, rfc8448_hrr_server_handshake_record, sizeof rfc8448_hrr_server_handshake_record);
    check_secret(&cap, "CLIENT_TRAFFIC_SECRET_0", rfc8448_hrr_c_ap_traffic);
    check_secret(&cap, "SERVER_TRAFFIC_SECRET_0", rfc8448_hrr_s_ap_traffic);
    ASSERT_EQ(hxc__tls13_hrr(e), 1);
    ASSERT_STREQ(hxc__tls13_group_name(e), "secp256r1");
    expect_out(e, rfc8448_hrr_client_finished_record, sizeof rfc8448_hrr_client_finished_record,
               "client Finished record after the HelloRetryRequest");
    hxc__tls13_close(e);
    expect_out(e, rfc8448_hrr_c_alert_record, sizeof rfc8448_hrr_c_alert_record,
               "client close_notify record");
    feed(e, rfc8448_hrr_s_alert_record, sizeof rfc8448_hrr_s_alert_record);
    ASSERT_EQ(hxc__tls13_result(e, NULL), HXC_OK);
    hxc__tls13_free(e);
    hxc__x509_ctx_free(&x);
}

/* A record with one bit flipped is refused with bad_record_mac, named. */
static void test_tampered_record(void)
{
    struct hxc__tls13_fixed fx = one_rtt_client();
    struct capture cap;
    memset(&cap, 0, sizeof cap);
    struct hxc__x509_ctx x;
    struct hxc__tls13 *e = engine(&x, &cap, &fx, NULL);
    if (e == NULL)
        return;
    size_t len;
    hxc__tls13_rec_out(e, &len);
    hxc__tls13_rec_out_ack(e, len);
    feed(e, rfc8448_1rtt_server_hello_record, sizeof rfc8448_1rtt_server_hello_record);
    unsigned char bad[sizeof rfc8448_1rtt_server_handshake_record];
    memcpy(bad, rfc8448_1rtt_server_handshake_record, sizeof bad);
    bad[100] ^= 1;
    feed(e, bad, sizeof bad);
    hxc_error err;
    ASSERT_EQ(hxc__tls13_result(e, &err), HXC_E_TLS_HANDSHAKE);
    ASSERT_CONTAINS(err.message, "bad record MAC");
    ASSERT_CONTAINS(err.message, "bad_record_mac (20)");
    /* the alert goes out in plaintext-free form: encrypted under the handshake key */
    uint8_t *p = hxc__tls13_rec_out(e, &len);
    CHECK(p != NULL && len == 5 + 2 + 1 + 16 && p[0] == 23);
    hxc__tls13_free(e);
    hxc__x509_ctx_free(&x);
}

int main(void)
{
    struct capture cap;
    memset(&cap, 0, sizeof cap);
    test_1rtt(&cap);
    test_resumption(&cap);
    test_hrr();
    test_tampered_record();
    return HARNESS_RESULT();
}
