/*
 * How a connector ends, shared by both implementations of net/connect.h
 * (net/connect.c natively and in the WASI 0.2 component,
 * net/hostnet_connect.c over hostnet_v1): still trying, won (a connected
 * socket waits to be taken), failed (with the error), or the socket was
 * taken.
 */
#ifndef HXC_NET_OUTCOME_H
#define HXC_NET_OUTCOME_H

#include "hxc.h"
#include "net/net.h"

enum hxc__outcome_state { CONNECTING, WON, FAILED, TAKEN };

struct hxc__outcome {
    enum hxc__outcome_state state;
    hxc_error result;      /* the final error once FAILED */
    int reported;          /* step has returned the outcome */
    int fd;                /* the winner */
    struct hxc__addr peer;
};

/* What hxc__connector_step returns once its work for this call is done. */
static inline int hxc__outcome_report(struct hxc__outcome *o, hxc_error *err)
{
    if (o->state != CONNECTING)
        o->reported = 1;
    if (o->state == WON || o->state == TAKEN)
        return 1;
    if (o->state == FAILED) {
        if (err)
            *err = o->result;
        return -1;
    }
    return 0;
}

/* hxc__connector_take. */
static inline int hxc__outcome_take(struct hxc__outcome *o, struct hxc__addr *peer)
{
    if (o->state != WON)
        return -1;
    if (peer)
        *peer = o->peer;
    int fd = o->fd;
    o->fd = -1;
    o->state = TAKEN;
    return fd;
}

#endif
