/*
 * conn.h - one broker connection: its state machine (connect, ApiVersions,
 * ready, backoff) and its request pipeline (queue, in flight, correlation
 * ids, timeouts, scatter/gather sends, framed receives).
 */
#ifndef MB_NET_CONN_H
#define MB_NET_CONN_H

#include "addr.h"
#include "backoff.h"
#include "client.h"
#include "proto/frame.h"

/** API keys below this are tracked per connection (every key msgbus speaks is). */
#define MB_CONN_API_KEYS 64
/** Scatter/gather pieces one request may use (two per referenced record set). */
#define MB_CONN_IOV 256

typedef enum mb_conn_state {
    MB_CONN_IDLE,       /**< never asked to connect */
    MB_CONN_BACKOFF,    /**< waiting to reconnect */
    MB_CONN_CONNECTING, /**< transport connect in progress */
    MB_CONN_HANDSHAKE,  /**< ApiVersions exchange */
    MB_CONN_AUTH,       /**< SASL exchange (SaslHandshake, SaslAuthenticate) */
    MB_CONN_READY
} mb_conn_state;

typedef struct mb_conn {
    mb_client *cl;
    int32_t node_id; /**< broker id, or negative for a bootstrap entry */
    mb_hostport addr;
    mb_conn_state state;
    msgbus_sock *sock;
    uint32_t deadline; /**< connect/handshake timeout, or end of the backoff */
    mb_backoff backoff;
    int16_t api_min[MB_CONN_API_KEYS]; /**< broker's range per API; -1 unknown */
    int16_t api_max[MB_CONN_API_KEYS];
    int apiv_v0;                 /**< the broker needs ApiVersions v0 */
    mb_net_req *q_head, *q_tail; /**< waiting to be sent */
    mb_net_req *f_head, *f_tail; /**< sent, waiting for a response */
    uint32_t n_inflight;
    mb_net_req *sending; /**< being sent; its bytes are in sbuf and iov */
    mb_iov *iov;
    size_t iov_n, iov_i;
    uint8_t *sbuf;
    uint8_t *rbuf;
    mb_frame_rd fr;
    mb_net_req apiv;            /**< the connection's own ApiVersions request */
    mb_net_req auth;            /**< its own SASL requests, one at a time */
    struct mb_sasl_state *sasl; /**< the SASL exchange in progress, or NULL */
    uint32_t reauth_at;         /**< when the SASL session ends (0: never): reconnect before */
} mb_conn;

/** A new idle connection to @p addr; NULL when out of memory. */
mb_conn *mb_conn_new(mb_client *cl, int32_t node_id, const mb_hostport *addr);
/** Close and free; every request still held completes with @p err. */
void mb_conn_free(mb_conn *c, int err);
/** Start connecting now if idle (a connection in backoff waits its turn). */
void mb_conn_kick(mb_conn *c, uint32_t now);
/** Queue @p r (deadline already set); kicks an idle connection. */
void mb_conn_enqueue(mb_conn *c, mb_net_req *r, uint32_t now);
/** Run timers and all I/O that can be done without blocking. */
void mb_conn_step(mb_conn *c, uint32_t now);
/** Milliseconds until this connection's next timer (UINT32_MAX: none). */
uint32_t mb_conn_next_timer(const mb_conn *c, uint32_t now);
/** What to wait for on the socket (0 when there is none). */
unsigned mb_conn_poll_want(const mb_conn *c);
/** Highest version of @p key in [lo, hi] the broker speaks, capped; -1 if none. */
int16_t mb_conn_pick_version(const mb_conn *c, int16_t key, int16_t lo, int16_t hi);
/** Move to another address (a broker moved): reconnects if connected. */
void mb_conn_set_addr(mb_conn *c, const mb_hostport *addr, uint32_t now);

/* For the SASL exchange (sasl_auth.c), which runs between ApiVersions and READY. */

/** Encode and start sending the connection's own request @p r now. 0 or an error. */
int mb_conn_send_own(mb_conn *c, mb_net_req *r);
/** Fail the connection: close, back off, reconnect (@p why is logged). */
void mb_conn_fail(mb_conn *c, int err, uint32_t now, const char *why);
/** The connection is usable: ApiVersions (and SASL, when configured) done. */
void mb_conn_set_ready(mb_conn *c, uint32_t now);

#endif /* MB_NET_CONN_H */
