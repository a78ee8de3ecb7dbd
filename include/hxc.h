/*
 * hxc: an HTTP/2-first HTTPS client library.
 *
 * One public header. It pulls in neither BearSSL nor nghttp2.
 *
 * Lifetime rules, stated once:
 *  - Objects returned by *_new() are owned by the caller and freed with the
 *    matching *_free(). *_free(NULL) is a no-op.
 *  - Option structs are filled by their *_init() function; a zero field means
 *    "the default". Strings and arrays given in options are COPIED by the
 *    function that takes the options struct, unless the field's comment says
 *    "linked" (then it must outlive the object it was given to).
 *  - Strings returned by accessor functions live as long as the object they
 *    were read from.
 *  - An hxc_error is caller-owned. On failure a function fills it (when the
 *    pointer is not NULL) with the code, a raw detail (BearSSL error, nghttp2
 *    error, errno...) and a message in words naming the cause. There is no
 *    global error state.
 *  - A call that returns an error never invokes its callbacks afterwards.
 *  - Nothing is thread-safe across threads; one client is driven by one
 *    thread (the library itself never starts threads).
 */
#ifndef HXC_H
#define HXC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HXC_VERSION_STRING "0.1.0"

#if defined(_WIN32)
#define HXC_API
#elif defined(__GNUC__)
#define HXC_API __attribute__((visibility("default")))
#else
#define HXC_API
#endif

/*
 * Status codes: stable values grouped by range. Never renumber; a retired
 * code keeps its value. X(name, value, message).
 *   0        success
 *   1-99     usage / configuration / local files
 *   100-199  network and DNS
 *   200-299  TLS
 *   300-399  certificate verification
 *   400-499  HTTP/2
 *   500-599  HTTP
 *   900-999  internal
 */
#define HXC_STATUS_LIST(X)                                                        \
    X(HXC_OK, 0, "success")                                                       \
    X(HXC_E_INVALID_ARGUMENT, 1, "invalid argument")                              \
    X(HXC_E_URL, 2, "malformed URL")                                              \
    X(HXC_E_UNSUPPORTED_SCHEME, 3, "unsupported URL scheme")                      \
    X(HXC_E_NOMEM, 4, "out of memory")                                            \
    X(HXC_E_FILE_READ, 5, "cannot read file")                                     \
    X(HXC_E_FILE_WRITE, 6, "cannot write file")                                   \
    X(HXC_E_CONFIG, 7, "invalid configuration")                                   \
    X(HXC_E_CALLBACK_ABORT, 8, "aborted by callback")                             \
    X(HXC_E_CANCELLED, 9, "transfer cancelled")                                   \
    X(HXC_E_DNS, 100, "could not resolve host name")                              \
    X(HXC_E_CONNECT, 101, "could not connect to host")                            \
    X(HXC_E_TIMEOUT_CONNECT, 102, "connect timed out")                            \
    X(HXC_E_TIMEOUT_READ, 103, "read timed out")                                  \
    X(HXC_E_TIMEOUT_WRITE, 104, "write timed out")                                \
    X(HXC_E_TIMEOUT_TOTAL, 105, "transfer exceeded its total time limit")         \
    X(HXC_E_SEND, 106, "failed sending data to the peer")                         \
    X(HXC_E_RECV, 107, "failed receiving data from the peer")                     \
    X(HXC_E_CONN_CLOSED, 108, "connection closed unexpectedly")                   \
    X(HXC_E_TIMEOUT_POOL, 109, "no connection became available in time")          \
    X(HXC_E_TLS_HANDSHAKE, 200, "TLS handshake failed")                           \
    X(HXC_E_TLS_ALERT, 201, "TLS alert received from the peer")                   \
    X(HXC_E_TLS_PROTOCOL, 202, "TLS protocol error")                              \
    X(HXC_E_TLS_TRUNCATED, 203, "TLS connection truncated (no close_notify)")     \
    X(HXC_E_TLS_NO_RANDOM, 204, "no entropy source for TLS")                      \
    X(HXC_E_TLS_ALPN, 205, "TLS application protocol negotiation failed")         \
    X(HXC_E_CERT_UNTRUSTED, 300, "certificate chain not trusted")                 \
    X(HXC_E_CERT_HOSTNAME, 301, "certificate hostname mismatch")                  \
    X(HXC_E_CERT_EXPIRED, 302, "certificate expired")                             \
    X(HXC_E_CERT_NOT_YET_VALID, 303, "certificate not yet valid")                 \
    X(HXC_E_CERT_USAGE, 304, "certificate not valid for server authentication")   \
    X(HXC_E_CERT_WEAK_SIGNATURE, 305, "certificate signed with a weak algorithm") \
    X(HXC_E_CERT_WEAK_KEY, 306, "certificate key too small")                      \
    X(HXC_E_CERT_NOT_CA, 307, "issuer certificate is not a CA")                   \
    X(HXC_E_CERT_PATH_LENGTH, 308, "certificate path length constraint exceeded") \
    X(HXC_E_CERT_CRITICAL_EXTENSION, 309, "unknown critical certificate extension") \
    X(HXC_E_CERT_NAME_CONSTRAINTS, 310, "certificate violates name constraints")  \
    X(HXC_E_CERT_BAD_SIGNATURE, 311, "certificate signature invalid")             \
    X(HXC_E_CERT_MALFORMED, 312, "malformed certificate")                         \
    X(HXC_E_CERT_CHAIN_TOO_LONG, 313, "certificate chain too long")               \
    X(HXC_E_CERT_NO_CHAIN, 314, "server sent no certificate")                     \
    X(HXC_E_CERT_BAD_NAME, 315, "invalid host name for verification")             \
    X(HXC_E_CERT_UNSUPPORTED, 316, "unsupported certificate algorithm")           \
    X(HXC_E_CERT_PROFILE, 317, "certificate violates RFC 5280 / CA/Browser Forum rules") \
    X(HXC_E_CERT_LIMIT, 318, "certificate checks exceeded their work limit")      \
    X(HXC_E_CERT_REVOKED, 319, "certificate revoked")                             \
    X(HXC_E_CERT_CRL, 320, "certificate revocation list missing or unusable")     \
    X(HXC_E_H2_PROTOCOL, 400, "HTTP/2 protocol error")                            \
    X(HXC_E_H2_STREAM_RESET, 401, "HTTP/2 stream reset by the peer")              \
    X(HXC_E_H2_GOAWAY, 402, "HTTP/2 connection shut down by the peer (GOAWAY)")   \
    X(HXC_E_HTTP_PARSE, 500, "malformed HTTP response")                           \
    X(HXC_E_HTTP_HEADERS_TOO_LARGE, 501, "HTTP response headers too large")       \
    X(HXC_E_HTTP_TOO_MANY_REDIRECTS, 502, "too many redirects")                   \
    X(HXC_E_HTTP_STATUS, 503, "HTTP error status")                                \
    X(HXC_E_HTTP_TRUNCATED, 504, "HTTP response body truncated")                  \
    X(HXC_E_HTTP_BAD_REDIRECT, 505, "invalid redirect location")                  \
    X(HXC_E_INTERNAL, 900, "internal error")

typedef enum hxc_status {
#define HXC_X_ENUM(name, value, msg) name = value,
    HXC_STATUS_LIST(HXC_X_ENUM)
#undef HXC_X_ENUM
} hxc_status;

/* Category of a status code (its range), for mapping to exit codes. */
typedef enum hxc_category {
    HXC_CAT_OK = 0,
    HXC_CAT_USAGE = 1,
    HXC_CAT_NETWORK = 2,
    HXC_CAT_TLS = 3,
    HXC_CAT_CERTIFICATE = 4,
    HXC_CAT_HTTP2 = 5,
    HXC_CAT_HTTP = 6,
    HXC_CAT_INTERNAL = 9
} hxc_category;

typedef struct hxc_error {
    hxc_status code;
    long detail;        /* raw cause: BearSSL err, nghttp2 err, errno, HTTP status... */
    char message[256];  /* full sentence, e.g. "certificate verify failed for 'x': ..." */
} hxc_error;

HXC_API const char *hxc_strerror(hxc_status code);    /* "certificate expired" */
HXC_API const char *hxc_status_name(hxc_status code); /* "HXC_E_CERT_EXPIRED" */
HXC_API hxc_category hxc_status_category(hxc_status code);

/* ------------------------------------------------------------------ */
/* Version information                                                 */

typedef struct hxc_version_info {
    const char *hxc;          /* "0.1.0" */
    const char *bearssl;      /* BearSSL version the library was built with */
    const char *nghttp2;      /* nghttp2 runtime version */
    const char *llhttp;       /* llhttp version */
    const char *certifi;      /* version of the embedded certifi bundle */
    size_t trust_anchors;     /* number of embedded trust anchors */
    const char *transport;    /* where TCP comes from: "POSIX sockets", "wasi:sockets
                                 (WASI 0.2)" or "hostnet_v1 (the host's sockets)" */
    const char *psl;          /* version of the embedded Public Suffix List */
    size_t psl_rules;         /* number of its rules */
    const char *crypto;       /* BearSSL implementations picked on this machine, e.g.
                                 "AES aes_x86ni (AES-NI), GHASH ghash_pclmul ..." */
} hxc_version_info;

HXC_API void hxc_version(hxc_version_info *out);

/* ------------------------------------------------------------------ */
/* Client                                                              */

typedef struct hxc_client hxc_client;
typedef struct hxc_response hxc_response;

typedef struct hxc_header {
    const char *name;
    const char *value;
} hxc_header;

/* --resolve HOST:PORT:ADDR: connect to ADDR when the URL names HOST:PORT. */
typedef struct hxc_resolve {
    const char *host;
    unsigned port;
    const char *address; /* IPv4 or IPv6 literal */
} hxc_resolve;

typedef enum hxc_http_version_pref {
    HXC_HTTP_AUTO = 0, /* ALPN offers h2 then http/1.1 (default) */
    HXC_HTTP_1_1 = 1,  /* ALPN offers only http/1.1 */
    HXC_HTTP_2 = 2     /* same offer as AUTO; kept for --http2 */
} hxc_http_version_pref;

/* Kinds of debug events (the CLI's -v). */
typedef enum hxc_debug_kind {
    HXC_DEBUG_INFO = 0,       /* "* " lines: connecting, TLS details, ALPN */
    HXC_DEBUG_HEADER_OUT = 1, /* "> " request header lines */
    HXC_DEBUG_HEADER_IN = 2   /* "< " response header lines */
} hxc_debug_kind;

typedef void (*hxc_debug_fn)(void *user, hxc_debug_kind kind, const char *text);

/* ------------------------------------------------------------------ */
/* SSL configuration (HTTPX's verify, cert, trust_env, http2)           */

typedef struct hxc_ssl_context hxc_ssl_context;

typedef enum hxc_trust_env {
    HXC_TRUST_ENV_DEFAULT = 0, /* on, as in HTTPX */
    HXC_TRUST_ENV_ON = 1,
    HXC_TRUST_ENV_OFF = -1
} hxc_trust_env;

/* Everything HTTPX's create_ssl_context(verify, cert, trust_env, http2)
 * takes. Filled by hxc_ssl_options_init (zero = default). Paths and buffers
 * are read by hxc_create_ssl_context / hxc_client_new (not kept). */
typedef struct hxc_ssl_options {
    /* verify */
    int insecure;              /* verify=False: no chain, expiry or name checks */
    const char *cafile;        /* PEM/DER bundle: replaces the embedded roots */
    const char *capath;        /* directory of certificates (hashed names, *.pem, *.crt) */
    const void *cadata;        /* PEM or DER bytes in memory */
    size_t cadata_len;
    int ca_native;             /* the operating system's bundle instead of the embedded one */
    /* cert: a path holding certificate (chain) and key, or (cert, key), or
     * (cert, key, password); PEM or DER; RSA or EC; PKCS#1, SEC1, PKCS#8,
     * encrypted PKCS#8 (PBES2) or legacy encrypted PEM. */
    const char *cert_file;
    const char *key_file;      /* NULL: the key is in cert_file */
    const char *key_password;  /* for encrypted keys */
    const void *cert_data;     /* in-memory alternative to cert_file */
    size_t cert_data_len;
    const void *key_data;      /* in-memory alternative to key_file */
    size_t key_data_len;
    /* trust_env: SSL_CERT_FILE / SSL_CERT_DIR (when no explicit verify
     * source is given) and SSLKEYLOGFILE */
    hxc_trust_env trust_env;
    const char *keylog_file;   /* NSS key log, written even without trust_env */
    /* http2: ALPN offer */
    hxc_http_version_pref http_version;
    /* TLS versions (ssl.SSLContext's minimum_version / maximum_version):
     * HXC_TLS_1_2 or HXC_TLS_1_3; 0: from TLS 1.2 (HTTPX's default) to TLS
     * 1.3. TLS 1.3 is offered first; a server that answers TLS 1.2 is
     * spoken to in TLS 1.2 (one extra connection, remembered per origin). */
    int min_tls_version, max_tls_version;
    /* TLS 1.3: rotate our sending keys (KeyUpdate) after this many bytes;
     * 0: every 16 GiB. */
    uint64_t tls13_key_update_bytes;
    /* 1: no session resumption (TLS 1.3 tickets are neither kept nor
     * offered; curl's --no-sessionid). Default 0: resume per origin. */
    int no_session_resumption;
    /* Revocation (curl's --crlfile): a PEM ("X509 CRL" blocks) or DER file
     * of one or more CRLs, read here (not kept). CRLs found in cafile or
     * cadata are loaded too, as Python's load_verify_locations does. */
    const char *crlfile;
    /* Which certificates must be covered by a current CRL of their issuer,
     * correctly signed, that does not list them: HXC_CRL_CHECK_LEAF (the
     * server's certificate) or HXC_CRL_CHECK_CHAIN (every certificate
     * below the trust anchor). 0: HXC_CRL_CHECK_CHAIN when crlfile is set
     * (as curl does), no CRL check otherwise. A certificate without a
     * usable CRL fails (HXC_E_CERT_CRL), a listed one too
     * (HXC_E_CERT_REVOKED). */
    int crl_check;
    /* At most this many certificates in a verified path, leaf and trust
     * anchor included (1..32; OpenSSL's verify depth + 2). 0: 10. */
    unsigned verify_max_depth;
} hxc_ssl_options;

#define HXC_CRL_CHECK_LEAF 1
#define HXC_CRL_CHECK_CHAIN 2

#define HXC_TLS_1_2 0x0303
#define HXC_TLS_1_3 0x0304

HXC_API void hxc_ssl_options_init(hxc_ssl_options *opts);

/* httpx.create_ssl_context(...): a context configured from opts (NULL =
 * defaults). Every problem (missing CA file, wrong key password, key not
 * matching the certificate...) is reported here, naming the file. */
HXC_API hxc_ssl_context *hxc_create_ssl_context(const hxc_ssl_options *opts, hxc_error *err);

/* An empty context, like ssl.SSLContext(PROTOCOL_TLS_CLIENT): verification
 * on, no trust anchors yet, ALPN h2 + http/1.1. */
HXC_API hxc_ssl_context *hxc_ssl_context_new(hxc_error *err);
/* Drops the caller's reference; clients using the context keep theirs. */
HXC_API void hxc_ssl_context_free(hxc_ssl_context *ctx);

/* Setters fail with HXC_E_CONFIG once a client uses the context. */
/* load_verify_locations(cafile, capath, cadata): any may be NULL. As in
 * Python, CRLs found there ("X509 CRL" PEM blocks or DER CRLs) are loaded
 * too, for hxc_ssl_context_set_verify_flags; a cafile or cadata holding
 * only CRLs is accepted, one holding neither certificates nor CRLs is not. */
HXC_API hxc_status hxc_ssl_context_load_verify_locations(hxc_ssl_context *ctx,
                                                         const char *cafile,
                                                         const char *capath,
                                                         const void *cadata, size_t cadata_len,
                                                         hxc_error *err);
HXC_API hxc_status hxc_ssl_context_load_default_roots(hxc_ssl_context *ctx, hxc_error *err);
HXC_API hxc_status hxc_ssl_context_load_native_roots(hxc_ssl_context *ctx, hxc_error *err);
/* load_cert_chain(certfile, keyfile, password): keyfile NULL = in certfile. */
HXC_API hxc_status hxc_ssl_context_load_cert_chain(hxc_ssl_context *ctx, const char *certfile,
                                                   const char *keyfile, const char *password,
                                                   hxc_error *err);
HXC_API hxc_status hxc_ssl_context_load_cert_chain_mem(hxc_ssl_context *ctx, const void *cert,
                                                       size_t cert_len, const void *key,
                                                       size_t key_len, const char *password,
                                                       hxc_error *err);
HXC_API hxc_status hxc_ssl_context_set_verify(hxc_ssl_context *ctx, int verify, hxc_error *err);
HXC_API hxc_status hxc_ssl_context_set_keylog_file(hxc_ssl_context *ctx, const char *path,
                                                   hxc_error *err);
HXC_API hxc_status hxc_ssl_context_set_http_version(hxc_ssl_context *ctx,
                                                    hxc_http_version_pref pref, hxc_error *err);
/* minimum_version / maximum_version: HXC_TLS_1_2 or HXC_TLS_1_3 (0: the
 * default, 1.2 and 1.3). HXC_E_CONFIG when min > max or a value is unknown. */
HXC_API hxc_status hxc_ssl_context_set_tls_versions(hxc_ssl_context *ctx, int min_version,
                                                    int max_version, hxc_error *err);
/* verify_flags, as Python's ssl.SSLContext.verify_flags: the value replaces
 * the previous one. HXC_VERIFY_CRL_CHECK_LEAF checks the server's
 * certificate against the CRLs loaded with load_verify_locations (cafile or
 * cadata holding "X509 CRL" blocks), HXC_VERIFY_CRL_CHECK_CHAIN every
 * certificate below the trust anchor (see hxc_ssl_options.crl_check).
 * Unknown bits: HXC_E_CONFIG. */
#define HXC_VERIFY_DEFAULT 0x0
#define HXC_VERIFY_CRL_CHECK_LEAF 0x4  /* ssl.VERIFY_CRL_CHECK_LEAF */
#define HXC_VERIFY_CRL_CHECK_CHAIN 0xc /* ssl.VERIFY_CRL_CHECK_CHAIN (includes LEAF) */
HXC_API hxc_status hxc_ssl_context_set_verify_flags(hxc_ssl_context *ctx, unsigned flags,
                                                    hxc_error *err);
/* At most max_depth certificates in a verified path, leaf and anchor
 * included: 1..32, or 0 for the default (10). Otherwise HXC_E_CONFIG. */
HXC_API hxc_status hxc_ssl_context_set_verify_max_depth(hxc_ssl_context *ctx,
                                                        unsigned max_depth, hxc_error *err);
/* Number of trust anchors loaded (for diagnostics and tests). */
HXC_API size_t hxc_ssl_context_anchor_count(const hxc_ssl_context *ctx);

/* --connect-to HOST:PORT:TARGET_HOST:TARGET_PORT: requests for HOST:PORT
 * connect to TARGET (a name or an IP literal) while SNI and certificate
 * verification still use HOST. Empty HOST / 0 PORT match any. */
typedef struct hxc_connect_to {
    const char *host;
    unsigned port;
    const char *target_host;
    unsigned target_port;   /* 0 = same port */
} hxc_connect_to;

typedef struct hxc_client_options {
    hxc_ssl_options ssl;        /* verify / cert / trust_env, as in HTTPX (copied) */
    hxc_ssl_context *ssl_context; /* verify=context: used instead of ssl when set; the
                                   client takes a reference and the context becomes
                                   immutable */
    hxc_http_version_pref http_version;
    int http2_prior_knowledge;  /* http:// URLs speak HTTP/2 directly (h2c) */
    int follow_redirects;       /* 0 (default): off, as in HTTPX */
    int max_redirects;          /* 0 = default 20; -1 = none allowed */
    long connect_timeout_ms;    /* TCP + TLS handshake; 0 = default 30000; -1 = none */
    long read_timeout_ms;       /* max wait for any incoming byte; 0 = default 30000; -1 = none */
    long write_timeout_ms;      /* max wait to send; 0 = default 30000; -1 = none */
    long total_timeout_ms;      /* whole transfer incl. redirects; 0 = none */
    long pool_timeout_ms;       /* max wait for a connection slot; 0 = default 30000; -1 = none */
    int max_connections;        /* 0 = default 100 (all origins) */
    int max_keepalive;          /* idle connections kept; 0 = default 20 */
    long keepalive_expiry_ms;   /* idle connections closed after; 0 = default 5000 */
    const hxc_resolve *resolve; /* copied */
    size_t nresolve;
    const hxc_connect_to *connect_to; /* copied */
    size_t nconnect_to;
    size_t max_header_bytes;    /* 0 = default 65536 */
    hxc_debug_fn debug;         /* linked; called from the calling thread */
    void *debug_user;
} hxc_client_options;

HXC_API void hxc_client_options_init(hxc_client_options *opts);

/* Creates a client. SSL settings are fixed for its lifetime. Fails (NULL)
 * with a clear error, e.g. for an unreadable cafile. */
HXC_API hxc_client *hxc_client_new(const hxc_client_options *opts, hxc_error *err);
HXC_API void hxc_client_free(hxc_client *client);

/* Body sink: return 0 to continue, non-zero to abort (HXC_E_CALLBACK_ABORT). */
typedef int (*hxc_body_fn)(void *user, const uint8_t *data, size_t len);
/* Called once per response head received (also for redirect hops that are
 * followed); resp is valid only during the call; body not yet available. */
typedef int (*hxc_head_fn)(void *user, const hxc_response *resp);

/* Request body source for uploads that are not in memory. Fill buf with up
 * to cap bytes, set *len; set *eof when done. Return 0, or non-zero to
 * abort (HXC_E_CALLBACK_ABORT). *len == 0 without eof means "no data yet":
 * the transfer pauses until hxc_transfer_resume(). */
typedef int (*hxc_read_fn)(void *user, uint8_t *buf, size_t cap, size_t *len, int *eof);

typedef struct hxc_transfer hxc_transfer;

/* Completion of a submitted transfer (concurrent API). status HXC_OK: resp
 * is the final response (ownership passes to the callee: free it with
 * hxc_response_free). Otherwise resp is NULL and err says why. The transfer
 * handle is freed when this returns. */
typedef void (*hxc_done_fn)(void *user, hxc_transfer *t, hxc_status status,
                            const hxc_error *err, hxc_response *resp);

typedef struct hxc_request {
    const char *method;          /* NULL = "GET" (or "POST" when body set) */
    const char *url;             /* http:// or https:// */
    const hxc_header *headers;   /* copied by submit; linked for the blocking call */
    size_t nheaders;
    const void *body;            /* linked until the transfer completes */
    size_t body_len;
    hxc_read_fn body_read;       /* instead of body: streamed upload */
    int64_t body_read_length;    /* its length, or -1 when unknown (h1: chunked) */
    hxc_head_fn on_head;         /* optional */
    hxc_body_fn on_body;         /* optional: stream the body instead of buffering it */
    hxc_done_fn on_done;         /* concurrent API: completion */
    void *user;
} hxc_request;

HXC_API void hxc_request_init(hxc_request *req);

/* Performs one request (following redirects if enabled). On success returns
 * HXC_OK and *out holds the final response (even for 4xx/5xx statuses). */
HXC_API hxc_status hxc_client_request(hxc_client *client, const hxc_request *req,
                                      hxc_response **out, hxc_error *err);

/* ------------------------------------------------------------------ */
/* Concurrent API: many transfers on one thread                          */

/* Queues a transfer; nothing happens until the client runs. The request is
 * copied except body (linked until completion). A submit that fails returns
 * the error and never calls on_done. *out (may be NULL) is valid until
 * on_done returns. */
HXC_API hxc_status hxc_client_submit(hxc_client *client, const hxc_request *req,
                                     hxc_transfer **out, hxc_error *err);
/* Runs the loop until every submitted transfer completed. */
HXC_API hxc_status hxc_client_run(hxc_client *client, hxc_error *err);
/* One loop iteration: waits at most timeout_ms (-1: until something
 * happens) and dispatches events. Returns the number of transfers still in
 * progress (>= 0), or -1 with err on a loop failure. */
HXC_API int hxc_client_step(hxc_client *client, long timeout_ms, hxc_error *err);
/* Cancels a transfer: its slot is freed (HTTP/2: RST_STREAM CANCEL) and
 * on_done runs with HXC_E_CANCELLED (from within this call). */
HXC_API void hxc_transfer_cancel(hxc_transfer *t);
/* A paused upload (hxc_read_fn returned no data) can go on. */
HXC_API void hxc_transfer_resume(hxc_transfer *t);
/* Which connection (1, 2, ... per client) and HTTP/2 stream (0 for
 * HTTP/1.1 or not yet sent) the transfer uses now. */
HXC_API unsigned hxc_transfer_connection_id(const hxc_transfer *t);
HXC_API int32_t hxc_transfer_stream_id(const hxc_transfer *t);

/* Pull-style streaming of one response: hxc_client_open runs the loop until
 * the response head arrived (following redirects as configured), then
 * hxc_stream_read runs it until body bytes are available. Backpressure:
 * over HTTP/2 a stream that is not read holds at most its flow-control
 * window (16 MiB) and pauses only itself, while other transfers on the
 * same connection go on; over HTTP/1.1 the connection stops reading past
 * 4 MiB unread. */
typedef struct hxc_stream hxc_stream;
HXC_API hxc_status hxc_client_open(hxc_client *client, const hxc_request *req,
                                   hxc_stream **out, hxc_error *err);
/* The response head (status, headers); valid until hxc_stream_close. */
HXC_API const hxc_response *hxc_stream_response(const hxc_stream *s);
/* Reads up to cap bytes; *len 0 with HXC_OK means the end of the body. */
HXC_API hxc_status hxc_stream_read(hxc_stream *s, void *buf, size_t cap, size_t *len,
                                   hxc_error *err);
/* Closes the stream (cancelling the transfer if the body was not read). */
HXC_API void hxc_stream_close(hxc_stream *s);

/* One-shot GET with default options. */
HXC_API hxc_status hxc_get(const char *url, hxc_response **out, hxc_error *err);

/* ------------------------------------------------------------------ */
/* Response                                                            */

typedef struct hxc_tls_info {
    const char *version;      /* "TLSv1.2" */
    const char *cipher;       /* "ECDHE-ECDSA-AES128-GCM-SHA256" */
    const char *alpn;         /* "h2", "http/1.1" or "" */
    const char *subject;      /* leaf subject, RFC 4514-ish */
    const char *issuer;       /* leaf issuer */
    const char *not_after;    /* "2027-01-01 00:00:00 UTC" */
    const char *not_before;
    int verified;             /* 0 when verification was off */
} hxc_tls_info;

HXC_API int hxc_response_status(const hxc_response *resp);
HXC_API const char *hxc_response_reason(const hxc_response *resp); /* "" for HTTP/2 */
HXC_API const char *hxc_response_http_version(const hxc_response *resp); /* "HTTP/2", "HTTP/1.1", "HTTP/1.0" */
HXC_API const char *hxc_response_url(const hxc_response *resp); /* URL this response came from */
HXC_API size_t hxc_response_header_count(const hxc_response *resp);
HXC_API int hxc_response_header_at(const hxc_response *resp, size_t i, const char **name,
                                   const char **value);
/* Trailers (HTTP/2 trailing HEADERS, HTTP/1.1 chunked trailers). */
HXC_API size_t hxc_response_trailer_count(const hxc_response *resp);
HXC_API int hxc_response_trailer_at(const hxc_response *resp, size_t i, const char **name,
                                    const char **value);
/* First header with this name (case-insensitive) or NULL. */
HXC_API const char *hxc_response_header(const hxc_response *resp, const char *name);
/* Buffered body (empty when the request streamed it with on_body). */
HXC_API const uint8_t *hxc_response_body(const hxc_response *resp, size_t *len);
HXC_API int hxc_response_redirects(const hxc_response *resp); /* hops followed */
/* TLS details of the connection (NULL for http://). */
HXC_API const hxc_tls_info *hxc_response_tls(const hxc_response *resp);
HXC_API void hxc_response_free(hxc_response *resp);

/* ------------------------------------------------------------------ */
/* Certificate verification as a tool                                   */

/* Runs exactly the client's certificate verification on a PEM chain file
 * (leaf first, then intermediates in any order) against the roots in
 * roots_path (PEM). host is a DNS name or an IP literal. unix_time 0 = now.
 * HXC_OK when the chain verifies; otherwise the reason in err.
 * Same as hxc_verify_chain with only these four fields set. */
HXC_API hxc_status hxc_verify_chain_files(const char *roots_path, const char *chain_path,
                                          const char *host, int64_t unix_time, hxc_error *err);

/* Everything hxc_verify_chain takes; zero fields are defaults. */
typedef struct hxc_verify_options {
    const char *roots_path; /* PEM or DER roots (CRLs in it are loaded too) */
    const char *chain_path; /* PEM or DER chain, leaf first */
    const char *host;       /* DNS name or IP literal */
    int64_t unix_time;      /* 0: now */
    const char *crl_path;   /* PEM or DER CRLs (NULL: none besides roots_path's) */
    int crl_check;          /* HXC_CRL_CHECK_LEAF / _CHAIN; 0: _CHAIN when crl_path is
                               set, none otherwise (as hxc_ssl_options.crl_check) */
    unsigned max_depth;     /* 1..32 certificates, leaf and anchor included; 0: 10 */
} hxc_verify_options;

/* The client's certificate verification on files, with revocation and
 * depth settings. HXC_OK when the chain verifies; an HXC_E_CERT_* code
 * (certificate category) when it does not; other codes (HXC_E_FILE_READ,
 * HXC_E_CONFIG, HXC_E_INVALID_ARGUMENT) for unreadable or malformed files
 * and bad options, with the file named in err. */
HXC_API hxc_status hxc_verify_chain(const hxc_verify_options *o, hxc_error *err);

#ifdef __cplusplus
}
#endif
#endif /* HXC_H */
