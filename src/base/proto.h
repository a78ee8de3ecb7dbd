/*
 * The contract between the connection driver (core/pool) and the HTTP
 * protocol engines (h1/, h2/). Engines do no I/O: the driver feeds them
 * plaintext bytes received from the peer and drains the plaintext bytes they
 * want to send. They report each response through struct hxc__msg_events.
 */
#ifndef HXC_BASE_PROTO_H
#define HXC_BASE_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "hxc.h"

struct hxc__hdr {
    const char *name;   /* not NUL-terminated necessarily: use the lengths */
    size_t name_len;
    const char *value;
    size_t value_len;
};

/* A request as the engines see it. Pointers are only read during submit
 * (the engine copies what it keeps), except body which is linked until
 * on_complete for that request. */
struct hxc__req_desc {
    const char *method;
    const char *scheme;     /* "https" / "http" */
    const char *authority;  /* "host[:port]" as it goes in Host / :authority */
    const char *path;       /* origin-form: "/path?query" */
    const struct hxc__hdr *headers; /* extra headers (no Host, no pseudo-headers) */
    size_t nheaders;
    const uint8_t *body;
    size_t body_len;
    int has_body;           /* 1 when a body (possibly empty) is sent */
    /* Streamed upload instead of body (has_body = 1, body NULL): called when
     * the engine can send; *len 0 without *eof pauses the stream until
     * hxc__h1_resume / hxc__h2_resume. Non-zero return aborts the request
     * (HXC_E_CALLBACK_ABORT). body_read_length: bytes it will produce, or -1
     * (HTTP/1.1 then uses chunked encoding; HTTP/2 sends no content-length). */
    int (*body_read)(void *user, uint8_t *buf, size_t cap, size_t *len, int *eof);
    int64_t body_read_length;
    void *user;             /* handed back in every event for this request */
};

/* Events for one request. Return 0 from the int callbacks to go on,
 * non-zero to abort that request (the engine then fails it with
 * HXC_E_CALLBACK_ABORT through on_complete). */
struct hxc__msg_events {
    /* Status line / :status. version: 10, 11 or 20. reason may be "" (h2).
     * Called for interim 1xx responses too, with interim=1 (no body follows). */
    int (*on_status)(void *user, int status, int version, const char *reason, size_t reason_len,
                     int interim);
    int (*on_header)(void *user, const char *name, size_t name_len, const char *value,
                     size_t value_len);
    int (*on_headers_done)(void *user);
    int (*on_body)(void *user, const uint8_t *data, size_t len);
    /* A trailer field (after the body). May be NULL: then trailers go to
     * on_header as before. */
    int (*on_trailer)(void *user, const char *name, size_t name_len, const char *value,
                      size_t value_len);
    /* Exactly once per submitted request. status HXC_OK: response complete.
     * err is NULL on success. After this the engine never mentions `user` again. */
    void (*on_complete)(void *user, hxc_status status, const hxc_error *err);
};

#endif
