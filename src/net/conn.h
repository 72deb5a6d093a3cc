/*
 * conn.h - one broker connection: its state machine (connect, ApiVersions,
 * SASL, ready, backoff) and its request pipeline (queue, in flight,
 * correlation ids, timeouts, scatter/gather sends, framed receives).
 *
 * Which way calls go: the client (client.c) creates connections and calls
 * down into them (mb_conn_*); a connection calls down into the SASL exchange
 * (sasl_auth.c), which returns actions and never calls back; a connection
 * reports upward only through the one table of events in its environment
 * (mb_conn_events). Nothing here knows the client's internals: a connection
 * can be created and tested alone (tests/unit/test_conn.c).
 */
#ifndef MB_NET_CONN_H
#define MB_NET_CONN_H

#include "addr.h"
#include "backoff.h"
#include "client.h"
#include "log.h"
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

typedef struct mb_conn mb_conn;
struct mb_sasl_creds;
struct mb_sasl_state;

/**
 * What a connection reports upward: the only calls it makes out of src/net's
 * lower half. Each is called from inside mb_conn_step() (or a function that
 * fails the connection) and may not free the connection.
 */
typedef struct mb_conn_events {
    /** The connection became usable (ApiVersions, and SASL if configured, done). */
    void (*ready)(void *ud, mb_conn *c);
    /** The connection failed or was lost (@p was_ready: it had been usable). */
    void (*failed)(void *ud, mb_conn *c, int err, int was_ready);
    /** A queued MB_BROKER_ANY request the failed connection hands back. */
    void (*requeue)(void *ud, mb_net_req *r);
    /** 1 if a bootstrap entry (node id < 0) should reconnect after its backoff. */
    int (*keep_bootstrap)(void *ud, const mb_conn *c);
} mb_conn_events;

/**
 * A connection's environment, given at creation and outliving it: every
 * setting, resource and sink a connection uses. Nothing else is reached.
 */
typedef struct mb_conn_env {
    const mb_client_config *cfg; /**< limits, transport, clock, random, version caps */
    const msgbus_allocator *al;
    const mb_logger *log;
    const char *client_id;            /**< sent in every request header */
    int32_t *next_corr;               /**< correlation id source (shared, never negative) */
    mb_client_stats *stats;           /**< stats sink */
    void *scratch;                    /**< decode arena for small answers (ApiVersions,
                                           SASL), used only inside one callback */
    size_t scratch_size;              /**< bytes at scratch (8-byte aligned) */
    const struct mb_sasl_creds *sasl; /**< authenticate every connection; NULL: no SASL */
    const mb_conn_events *ev;         /**< the upcall table */
    void *ev_ud;                      /**< passed to every event */
} mb_conn_env;

struct mb_conn {
    const mb_conn_env *env;
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
    size_t sbuf_used; /**< bytes of sbuf the request being sent wrote */
    uint8_t *rbuf;
    mb_frame_rd fr;
    mb_net_req apiv;            /**< the connection's own ApiVersions request */
    mb_net_req auth;            /**< its own SASL requests, one at a time */
    struct mb_sasl_state *sasl; /**< the SASL exchange in progress, or NULL */
    uint32_t reauth_at;         /**< when the SASL session ends (0: never): reconnect before */
};

/** A new idle connection to @p addr in @p env; NULL when out of memory. */
mb_conn *mb_conn_new(const mb_conn_env *env, int32_t node_id, const mb_hostport *addr);
/** Close and free; every request still held completes with @p err. */
void mb_conn_free(mb_conn *c, int err);
/** Start connecting now if idle (a connection in backoff waits its turn). */
void mb_conn_kick(mb_conn *c, uint32_t now);
/**
 * The deadline of a request submitted at @p now with @p timeout_ms (0: the
 * configured request_timeout_ms), clamped to MSGBUS_CFG_MAX_TIMEOUT_MS so that
 * it never lies "before" @p now in wrapping 32-bit time.
 */
uint32_t mb_conn_deadline(const mb_conn_env *env, uint32_t now, uint32_t timeout_ms);
/** Queue a new request: sets its version and deadline; kicks an idle connection. */
void mb_conn_submit(mb_conn *c, mb_net_req *r, uint32_t now);
/** Queue @p r (deadline already set, e.g. a requeued one); kicks an idle connection. */
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

/** Overwrite @p n bytes at @p p in a way the compiler keeps (security.c). */
void mb_secure_zero(void *p, size_t n);

#endif /* MB_NET_CONN_H */
