/* Internal view of the client, its connection pool and its transfers. */
#ifndef HXC_CORE_CLIENT_H
#define HXC_CORE_CLIENT_H

#include <stdint.h>

#include "base/proto.h"
#include "core/response.h"
#include "core/url.h"
#include "hxc.h"
#include "pool/conn.h"
#include "tls/context.h"

/* A pooled connection. */
struct pconn {
    struct pconn *next;
    struct hxc__conn *conn;
    unsigned id;          /* 1, 2, ... per client */
    char origin[300];     /* "https://host:port" */
    int64_t idle_since;   /* monotonic ms when it last became idle, 0 when busy */
};

enum transfer_state {
    T_QUEUED,   /* waiting for a connection slot */
    T_ACTIVE,   /* submitted on a connection */
    T_FINISHED  /* completed by the engine: redirect, retry or done is decided next */
};

struct hxc_transfer {
    struct hxc_transfer *next, *prev;
    hxc_client *client;
    enum transfer_state state;
    /* the request, copied (body linked) */
    hxc_request req;
    char *method_buf;
    char *url_buf;
    hxc_header *headers;
    size_t nheaders;
    /* the current hop */
    struct hxc__url url;
    char origin[300];
    const char *method;
    const void *body;
    size_t body_len;
    int has_body;
    int cross_origin;       /* Authorization & co. dropped after an origin change */
    int redirects;
    struct hxc__req_desc rd; /* what the engine sees; hdrs/authority owned here */
    struct hxc__hdr *hdrs;
    char *authority;
    /* progress */
    struct pconn *pc;        /* connection carrying it (T_ACTIVE) */
    unsigned conn_id;
    int32_t stream_id;
    hxc_response *resp;
    int follow;              /* the response is a redirect that will be followed */
    int got_bytes;           /* any byte of the response arrived */
    int retries;
    int on_idle_conn;        /* sent on a connection that had been idle (may be stale) */
    int64_t started;         /* submit time */
    int64_t queued_at;       /* entered T_QUEUED */
    int64_t last_activity;   /* last event for this transfer (read timeout) */
    int64_t total_deadline;  /* -1: none */
    hxc_status status;       /* engine's completion */
    hxc_error err;
    hxc_status override;     /* a timeout we cancelled it for, reported instead */
    hxc_error override_err;
    int finished_by_user;    /* hxc_transfer_cancel: report HXC_E_CANCELLED */
    /* completion for the blocking call / streams */
    int done;
    hxc_status final_status;
    hxc_error final_err;
    hxc_response *final_resp;
    int keep_result;         /* internal caller collects the result (no on_done) */
};

struct hxc_client {
    hxc_client_options opts;
    hxc_resolve *resolve;
    hxc_connect_to *connect_to;
    hxc_ssl_context *ssl;
    struct hxc__tls_config tlscfg;
    struct pconn *conns;
    unsigned nconns;
    unsigned next_conn_id;
    struct hxc_transfer *transfers; /* every transfer not yet reported done, FIFO */
    struct hxc_transfer *transfers_tail;
    unsigned ntransfers;
    char h1_origins[16][300];       /* origins known to speak HTTP/1.1 only */
    unsigned nh1_origins;
    int processing;                 /* inside hxc__transfer_process_finished */
    unsigned long events;           /* response events delivered (progress counter) */
};

/* client.c: the pool and the loop */
int hxc__client_loop_step(hxc_client *c, long timeout_ms, hxc_error *err);
void hxc__client_dispatch(hxc_client *c);
struct hxc__conn_params;
extern const struct hxc__msg_events hxc__transfer_events;

/* transfer.c */
void hxc__transfer_process_finished(hxc_client *c);
hxc_status hxc__transfer_prepare_hop(struct hxc_transfer *t, hxc_error *err);
void hxc__transfer_fail(struct hxc_transfer *t, const hxc_error *err);
void hxc__transfer_free(struct hxc_transfer *t);

#endif
