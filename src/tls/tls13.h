/*
 * hxc's TLS 1.3 client engine (RFC 8446), built only on BearSSL's
 * primitives: X25519 / P-256 / P-384 key shares (br_ec_*), AES-GCM and
 * ChaCha20-Poly1305 records (br_gcm_*, br_poly1305_*), SHA-256/384 and
 * HMAC (the key schedule's HKDF), ECDSA verification and signing, and
 * RSA-PSS (tls/rsapss.c on br_rsa_public / br_rsa_private).
 *
 * Same no-I/O shape as BearSSL's engine and as tls.h: records in, records
 * out, plaintext in, plaintext out. Certificates are checked by the same
 * X.509 class as for TLS 1.2 (x509/x509.h): one policy, two protocols.
 * tls.c puts this engine and BearSSL's TLS 1.2 one behind one interface.
 */
#ifndef HXC_TLS_TLS13_H
#define HXC_TLS_TLS13_H

#include <bearssl.h>
#include <stddef.h>
#include <stdint.h>

#include "hxc.h"
#include "tls/keys.h"

/* Cipher suites (RFC 8446 B.4) and named groups (4.2.7). */
#define HXC_TLS13_AES_128_GCM_SHA256 0x1301
#define HXC_TLS13_AES_256_GCM_SHA384 0x1302
#define HXC_TLS13_CHACHA20_POLY1305_SHA256 0x1303
#define HXC_GROUP_SECP256R1 0x0017
#define HXC_GROUP_SECP384R1 0x0018
#define HXC_GROUP_X25519 0x001d

/* A session ticket (NewSessionTicket, 4.6.1) with what resumption needs. */
struct hxc__tls13_ticket {
    uint16_t suite;            /* suite of the connection that received it */
    unsigned char psk[48];     /* HKDF-Expand-Label(resumption_master, "resumption", nonce) */
    size_t psk_len;
    uint32_t age_add;
    uint32_t lifetime_s;
    int64_t received_ms;       /* platform clock when it arrived */
    unsigned char *ticket;     /* malloc'ed */
    size_t ticket_len;
};
void hxc__tls13_ticket_clear(struct hxc__tls13_ticket *t);

/* Fixed inputs for the RFC 8448 test vectors: a real connection passes
 * NULL. Every non-NULL field replaces the engine's own choice. */
struct hxc__tls13_fixed {
    const unsigned char *random;      /* 32: ClientHello.random */
    const unsigned char *x25519;      /* 32: X25519 private key */
    const unsigned char *p256;        /* 32: P-256 private key (after a HelloRetryRequest) */
    const uint16_t *suites;
    size_t nsuites;
    const uint16_t *groups;           /* supported_groups */
    size_t ngroups;
    const uint16_t *sigalgs;
    size_t nsigalgs;
    int renegotiation_info;           /* send an empty renegotiation_info */
    int session_ticket;               /* send an empty session_ticket extension */
    int early_data;                   /* send early_data (no data follows: a trace only) */
    int64_t now_ms;                   /* the clock for ticket ages */
};

struct hxc__tls13_params {
    const char *host;                 /* for messages */
    const char *sni;                  /* copied; NULL: no server_name (IP literal) */
    const char *const *alpn;          /* offered protocols, in order (linked: static) */
    size_t nalpn;
    const br_x509_class **x509;       /* the certificate policy (linked) */
    const struct hxc__client_cert *client_cert; /* linked; NULL: none */
    int offer_tls12;                  /* also list TLS 1.2 in supported_versions: a TLS 1.2
                                         ServerHello then ends in hxc__tls13_wants_tls12 */
    const struct hxc__tls13_ticket *ticket; /* copied; NULL: full handshake */
    uint64_t key_update_bytes;        /* rotate our keys after this much data (0: 2^34) */
    /* NSS key log lines: label, client random, secret. */
    void (*on_secret)(void *user, const char *label, const unsigned char *client_random,
                      const unsigned char *secret, size_t len);
    /* A ticket arrived (the engine keeps nothing; copy what you keep). */
    void (*on_ticket)(void *user, const struct hxc__tls13_ticket *t);
    void *user;
    const struct hxc__tls13_fixed *fixed;
};

struct hxc__tls13;

/* Builds the ClientHello. NULL + err on failure (no entropy, memory). */
struct hxc__tls13 *hxc__tls13_new(const struct hxc__tls13_params *p, hxc_error *err);
void hxc__tls13_free(struct hxc__tls13 *e);

/* HXC_TLS_* state bits of tls.h. */
unsigned hxc__tls13_state(struct hxc__tls13 *e);
int hxc__tls13_handshake_done(const struct hxc__tls13 *e);
uint8_t *hxc__tls13_rec_out(struct hxc__tls13 *e, size_t *len);
void hxc__tls13_rec_out_ack(struct hxc__tls13 *e, size_t n);
uint8_t *hxc__tls13_rec_in(struct hxc__tls13 *e, size_t *space);
void hxc__tls13_rec_in_ack(struct hxc__tls13 *e, size_t n);
uint8_t *hxc__tls13_app_out(struct hxc__tls13 *e, size_t *space);
void hxc__tls13_app_out_ack(struct hxc__tls13 *e, size_t n);
void hxc__tls13_flush(struct hxc__tls13 *e);
uint8_t *hxc__tls13_app_in(struct hxc__tls13 *e, size_t *len);
void hxc__tls13_app_in_ack(struct hxc__tls13 *e, size_t n);
void hxc__tls13_close(struct hxc__tls13 *e);

/* Once closed: HXC_OK after a clean close_notify, else the error. */
hxc_status hxc__tls13_result(const struct hxc__tls13 *e, hxc_error *err);
/* The server answered with a TLS 1.2 ServerHello (without the downgrade
 * sentinel) while TLS 1.2 was allowed: the caller reconnects with TLS 1.2. */
int hxc__tls13_wants_tls12(const struct hxc__tls13 *e);
/* The alert the server sent (-1: none), and whether it asked for a client
 * certificate / we sent one: for hints in tls.c. */
int hxc__tls13_peer_alert(const struct hxc__tls13 *e);
/* The X.509 policy's BearSSL-style code when it rejected the chain, else 0. */
int hxc__tls13_x509_error(const struct hxc__tls13 *e);
int hxc__tls13_cert_requested(const struct hxc__tls13 *e);
int hxc__tls13_cert_sent(const struct hxc__tls13 *e);
/* The handshake is done on our side and the server has sent nothing since:
 * in TLS 1.3 a server that rejects our client certificate says so only
 * after our Finished, so a close now is still a handshake failure. */
int hxc__tls13_server_silent(const struct hxc__tls13 *e);

/* After the handshake. */
const char *hxc__tls13_alpn(const struct hxc__tls13 *e);
const char *hxc__tls13_cipher_name(const struct hxc__tls13 *e);
const char *hxc__tls13_group_name(const struct hxc__tls13 *e);
/* A TLS named group (= BearSSL's curve ID) by name: "x25519", "secp256r1"... */
const char *hxc__tls_group_name(uint16_t group);
int hxc__tls13_resumed(const struct hxc__tls13 *e);
int hxc__tls13_hrr(const struct hxc__tls13 *e);
uint64_t hxc__tls13_key_updates(const struct hxc__tls13 *e, int sent);

/* Key schedule pieces (RFC 8446 7.1), shared with the unit tests. */
void hxc__tls13_hkdf_extract(const br_hash_class *h, const void *salt, size_t salt_len,
                             const void *ikm, size_t ikm_len, unsigned char *prk);
void hxc__tls13_expand_label(const br_hash_class *h, const unsigned char *secret,
                             const char *label, const void *ctx, size_t ctx_len,
                             unsigned char *out, size_t out_len);

#endif
