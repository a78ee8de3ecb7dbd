/*
 * TLS client connection: a BearSSL client engine, our X.509 policy wrapper
 * and one bidirectional I/O buffer. No I/O: the driver moves records between
 * this object and a transport, and plaintext between it and a protocol
 * engine (h1/h2). Knows nothing of HTTP.
 */
#ifndef HXC_TLS_TLS_H
#define HXC_TLS_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "hxc.h"
#include "tls/keys.h"
#include "x509/x509.h"

/* Settings shared by every connection of a client (immutable once used). */
#define HXC_TLS_VERSION_1_2 0x0303
#define HXC_TLS_VERSION_1_3 0x0304

struct hxc__tls_cache;

struct hxc__tls_config {
    const struct hxc__trust_store *trust; /* linked */
    int verify;                           /* 0: accept any chain (still extracts the key) */
    int offer_h2;                         /* ALPN: "h2","http/1.1" when 1; "http/1.1" when 0 */
    int64_t fixed_time;                   /* 0: platform clock; else unix seconds for X.509 */
    const struct hxc__client_cert *client_cert; /* linked, NULL: no client certificate */
    const char *keylog_path;              /* linked, NULL: none; else NSS key log lines
                                             are appended after each handshake */
    int min_version, max_version;         /* HXC_TLS_VERSION_*; 0: 1.2 and 1.3 */
    uint64_t key_update_bytes;            /* TLS 1.3: send KeyUpdate after this much
                                             data (0: the engine's default) */
    int no_resume;                        /* keep and offer no session tickets */
    struct hxc__tls_cache *cache;         /* the client's (mutable); NULL: none */
};

struct hxc__tls;

/* host: the URL's host (DNS name or IP literal without brackets). SNI is
 * sent for names only, never for IP literals. origin: the key under which
 * the client's cache keeps what it learns about the server (tickets, TLS
 * 1.2 only). TLS 1.3 is offered first unless the configuration or the
 * cache says otherwise, or `fallback` is set: the previous connection got
 * a TLS 1.2 answer (hxc__tls_wants_tls12). cfg is kept, not copied: it
 * must outlive the connection (a client's does). NULL + err on failure
 * (e.g. no entropy). */
struct hxc__tls *hxc__tls_new(const struct hxc__tls_config *cfg, const char *host,
                              const char *origin, int fallback, hxc_error *err);
/* Closed because the server answered our TLS 1.3 ClientHello with TLS 1.2
 * (and no downgrade sentinel): reconnect with fallback = 1. The cache
 * remembers the origin as TLS 1.2 only. */
int hxc__tls_wants_tls12(struct hxc__tls *t);
void hxc__tls_free(struct hxc__tls *t);

/* State bits, like BearSSL's br_ssl_engine_current_state(). */
#define HXC_TLS_CLOSED  0x0001 /* engine closed (cleanly or by error) */
#define HXC_TLS_SENDREC 0x0002 /* records to send: hxc__tls_rec_out */
#define HXC_TLS_RECVREC 0x0004 /* room for incoming records: hxc__tls_rec_in */
#define HXC_TLS_SENDAPP 0x0008 /* room for outgoing plaintext: hxc__tls_app_out */
#define HXC_TLS_RECVAPP 0x0010 /* plaintext available: hxc__tls_app_in */
unsigned hxc__tls_state(struct hxc__tls *t);
int hxc__tls_handshake_done(struct hxc__tls *t);

/* Record side (transport). */
uint8_t *hxc__tls_rec_out(struct hxc__tls *t, size_t *len);   /* records to write */
void hxc__tls_rec_out_ack(struct hxc__tls *t, size_t n);
uint8_t *hxc__tls_rec_in(struct hxc__tls *t, size_t *space);  /* where to read records into */
void hxc__tls_rec_in_ack(struct hxc__tls *t, size_t n);

/* Application side (protocol engine). */
uint8_t *hxc__tls_app_out(struct hxc__tls *t, size_t *space); /* where to put plaintext */
void hxc__tls_app_out_ack(struct hxc__tls *t, size_t n);
void hxc__tls_flush(struct hxc__tls *t);                      /* send a partial record now */
uint8_t *hxc__tls_app_in(struct hxc__tls *t, size_t *len);    /* decrypted plaintext */
void hxc__tls_app_in_ack(struct hxc__tls *t, size_t n);

/* Sends close_notify. */
void hxc__tls_close(struct hxc__tls *t);

/* When the engine is closed: HXC_OK if it closed cleanly with close_notify,
 * otherwise the error in words: certificate failures come from the X.509
 * wrapper ("certificate verify failed for 'host': ..."), alerts from the
 * peer are named ("the server sent alert handshake_failure (40)"),
 * engine errors are named too (never a bare number). */
hxc_status hxc__tls_result(struct hxc__tls *t, hxc_error *err);
/* The transport hit EOF before close_notify: what that means here
 * (HXC_E_TLS_TRUNCATED after the handshake, HXC_E_TLS_HANDSHAKE during it). */
hxc_status hxc__tls_eof_error(struct hxc__tls *t, hxc_error *err);
/* The transport failed with errnum (recv/send). If TLS can say more, the
 * error in words (the engine's own error such as a received alert, or a
 * reset during the handshake with a hint when the server had asked for a
 * client certificate) and its code; HXC_OK when it has nothing to add and
 * the caller reports the transport error itself. */
hxc_status hxc__tls_transport_error(struct hxc__tls *t, int errnum, hxc_error *err);

/* After the handshake. */
const char *hxc__tls_alpn(struct hxc__tls *t);        /* "h2", "http/1.1" or "" */
const char *hxc__tls_version_name(struct hxc__tls *t); /* "TLSv1.3", "TLSv1.2" */
const char *hxc__tls_cipher_name(struct hxc__tls *t);  /* OpenSSL-style suite name */
const struct hxc__cert_summary *hxc__tls_peer_summary(struct hxc__tls *t);
/* 0, or the errno of the last failure to append to the key log (the
 * connection goes on regardless; for -v). */
int hxc__tls_keylog_errno(const struct hxc__tls *t);
/* The session was resumed (TLS 1.3 PSK, or a TLS 1.2 session ID): no
 * certificate was sent; the peer summary is the one of the full handshake
 * that made the session. */
int hxc__tls_resumed(const struct hxc__tls *t);
/* For -v: "key exchange x25519, full handshake", "... session resumed (PSK)",
 * "session resumed (session ID)". */
void hxc__tls_describe(struct hxc__tls *t, char *buf, size_t cap);
/* BearSSL's implementations in use on this machine, as hxc -V prints them:
 * "AES aes_x86ni (AES-NI), GHASH ghash_pclmul (PCLMULQDQ), ..." (both TLS
 * engines pick the same ones). */
const char *hxc__tls_crypto_impls(void);
/* "handshake_failure" for 40: every IANA TLS alert by name. */
const char *hxc__tls_alert_name(int alert);

#endif
