/*
 * client_int.h - the client's internals, for client.c (and white-box unit
 * tests). conn.c, sasl_auth.c and cluster.c do not include it: a connection
 * sees only its mb_conn_env.
 */
#ifndef MB_NET_CLIENT_INT_H
#define MB_NET_CLIENT_INT_H

#include "client.h"
#include "cluster.h"
#include "conn.h"
#include "log.h"
#include "sasl_auth.h"
#include "tls.h"

/** Bounds on a Metadata request's size: the fixed part, and per topic beyond its name. */
#define MB_MD_BASE_BYTES 48u
#define MB_MD_TOPIC_BYTES 18u

/** Bytes of the scratch arena that small responses (ApiVersions) decode into. */
#define MB_CLIENT_SCRATCH 8192

/** Most steps one poll runs back to back while each makes more work ready. */
#define MB_CLIENT_MAX_STEPS 8

struct mb_client {
    mb_client_config cfg; /**< copy; strings point at the copies below */
    char client_id[128];
    msgbus_allocator al;
    mb_logger log;
    mb_conn_env env; /**< what every connection gets: points into this struct */
    mb_conn *conns[MB_CLIENT_MAX_BROKERS];
    size_t n_conns;
    msgbus_poll_item items[MB_CLIENT_MAX_BROKERS];
    mb_conn *item_conns[MB_CLIENT_MAX_BROKERS];
    mb_net_req *any_head, *any_tail; /**< MB_BROKER_ANY requests waiting for a ready connection */
    int32_t next_corr;
    mb_client_stats stats;
    uint64_t scratch[MB_CLIENT_SCRATCH / 8];
    int failed_attempts; /**< connection attempts failed since the last ready one */
    int last_err;        /**< the last connection error */
    uint64_t events;     /**< state changes that may make work ready (see step_all) */
    /* metadata */
    mb_cluster cluster;
    char **wanted;       /**< topics to keep metadata for */
    size_t md_req_bytes; /**< bound on a Metadata request naming every wanted topic */
    size_t n_wanted, cap_wanted;
    int md_needed; /**< a refresh has been asked for */
    int md_all;    /**< ... of all topics */
    int md_inflight;
    int md_err;      /**< why the last metadata could not be used (NOMEM, MALFORMED), or 0 */
    int md_failures; /**< answers in a row that could not be used */
    uint32_t md_due; /**< earliest time of the next refresh */
    mb_net_req md_req;
    int destroying;
    /* security */
    mb_tls *tls;        /**< the TLS transport over cfg's, or NULL */
    mb_sasl_creds sasl; /**< used when env.sasl points here */
};

/** The client's clock. */
uint32_t mb_client_now(const mb_client *c);

#endif /* MB_NET_CLIENT_INT_H */
