/*
 * client.h - the network core of msgbus: one instance owns a transport, an
 * allocator, a clock, a logger, a connection per broker and the cluster
 * metadata cache, and runs all of its I/O and timers from mb_client_poll().
 *
 * Layering: src/bus (producer, consumer, groups) sits on this; this sits on
 * src/proto (the codec) and the port/transport contracts in include/msgbus.
 *
 * Threading: a client is used by one thread at a time (the event-loop
 * thread, or the application's thread on ports without threads). Only
 * mb_client_wakeup() may be called from another thread.
 *
 * Memory: every byte comes from the configured allocator, and every buffer
 * has a configured bound: per connection one receive buffer (grown up to
 * max_frame_size) and one send buffer (send_buf_size); the metadata cache is
 * rebuilt on each refresh into storage sized from the response. Requests are
 * caller-owned structs (mb_net_req), so queuing a request allocates nothing.
 */
#ifndef MB_NET_CLIENT_H
#define MB_NET_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "msgbus/alloc.h"
#include "msgbus/security.h"
#include "msgbus/transport.h"
#include "proto/codec.h"

/* ------------------------------------------------------------------------ */
/* Logging                                                                   */
/* ------------------------------------------------------------------------ */

/** Log levels, syslog order: lower is more severe. */
enum mb_log_level { MB_LOG_ERROR = 3, MB_LOG_WARN = 4, MB_LOG_INFO = 6, MB_LOG_DEBUG = 7 };

/** A log sink: @p msg is one NUL-terminated line without a newline. */
typedef void (*mb_log_fn)(void *ud, int level, const char *msg);

/* ------------------------------------------------------------------------ */
/* Configuration                                                             */
/* ------------------------------------------------------------------------ */

/** Most brokers a client tracks (bootstrap entries and metadata brokers). */
#define MB_CLIENT_MAX_BROKERS 64

typedef struct mb_client_config {
    const char *bootstrap;             /**< "host:port[,host:port...]"; IPv6 as [addr]:port */
    const char *client_id;             /**< sent in every request header; default "msgbus" */
    const msgbus_transport *transport; /**< required on port/none; default: the port's TCP */
    const msgbus_allocator *alloc;     /**< default: msgbus_allocator_default() */
    uint32_t (*now_ms)(void *ud);      /**< clock; default msgbus_port_now_ms() */
    int (*random)(void *ud, void *buf, size_t len); /**< default msgbus_port_random() */
    void *clock_ud;                                 /**< passed to now_ms and random */
    mb_log_fn log;                                  /**< NULL: no logging, no formatting cost */
    void *log_ud;
    int log_level;                     /**< most verbose level passed to log */
    uint32_t connect_timeout_ms;       /**< TCP connect + ApiVersions; default 10000 */
    uint32_t request_timeout_ms;       /**< per request, default 30000 */
    uint32_t reconnect_backoff_ms;     /**< first reconnect delay, default 100 */
    uint32_t reconnect_backoff_max_ms; /**< cap of the exponential backoff, default 10000 */
    int connect_retries;               /**< failed attempts before the first connect
                                            gives up (mb_client_wait_ready); default 3 */
    uint32_t metadata_max_age_ms;      /**< periodic metadata refresh, default 300000 */
    uint32_t max_in_flight;            /**< requests in flight per connection, default 5 */
    uint32_t max_frame_size;  /**< largest response accepted, default MSGBUS_CFG_MAX_FRAME_SIZE */
    uint32_t send_buf_size;   /**< per-connection encode buffer (a request without the record
                                   batches it sends, which are not copied), default 64 KiB */
    uint32_t recv_chunk_size; /**< bytes read per transport recv call, per connection;
                                   default 16 KiB */
    uint32_t recv_keep_bytes; /**< a response buffer up to this size is kept for the next
                                   response (larger ones are freed after use); default
                                   64 KiB. A consumer keeps its fetch size: no allocation
                                   per fetch */
    int allow_auto_topic_creation;   /**< Metadata requests ask for it; default 1 */
    const msgbus_security *security; /**< TLS and SASL; NULL: plaintext. Read at create */
    int16_t api_version_cap[64];     /**< per API key: highest version to use with any
                                          broker (for brokers with known bugs); -1 = no
                                          cap (mb_client_config_init sets all to -1) */
} mb_client_config;

/** Fill @p cfg with the defaults above (bootstrap NULL). */
void mb_client_config_init(mb_client_config *cfg);

/* ------------------------------------------------------------------------ */
/* Requests                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct mb_client mb_client;
typedef struct mb_net_req mb_net_req;

/**
 * Encode the request body at @p version (negotiated with the broker) into
 * @p w. Called when the connection is about to send, so a request queued
 * before the connection is ready is still encoded at the right version.
 * Return 0 or a negative error (the request then completes with it).
 */
typedef int (*mb_req_encode_fn)(void *ud, mb_wr *w, int16_t version);

/**
 * The response (or failure) of a request. On success @p err is 0 and @p body
 * reads the response body (after its header) at @p version; the bytes are
 * valid only during the call. On failure @p body is NULL and @p err says why
 * (MSGBUS_ERR_TIMEOUT, MSGBUS_ERR_TRANSPORT, MSGBUS_ERR_UNSUPPORTED_VERSION
 * when the broker speaks no common version, an encode error...).
 * MSGBUS_ERR_TRANSPORT is what every request in flight on a connection gets
 * when the connection closes for any reason: reset, timeout of another
 * request, a malformed or oversized response frame. It is retriable.
 */
typedef void (*mb_req_done_fn)(void *ud, int err, int16_t version, mb_rd *body);

/**
 * A request, owned by the caller, who must keep it alive until done() has
 * been called. Fill the public part, then mb_client_send().
 *
 * The request contract:
 * - A request is encoded late: when its connection is ready and its socket
 *   is free to take it, at the version negotiated then, which may be many
 *   polls after mb_client_send() (while connecting, authenticating, or
 *   behind max_in_flight). So encode() may read only what the request
 *   itself owns (what hangs off its ud and stays unchanged until done()),
 *   never state of the caller that may change meanwhile (a partition
 *   table, a position, a list others edit).
 * - done() is called exactly once per request accepted by mb_client_send(),
 *   from mb_client_poll() or mb_client_destroy(), never from inside
 *   mb_client_send(). A request is encoded at most once per connection; a
 *   connection that fails completes what it had sent with
 *   MSGBUS_ERR_TRANSPORT (retriable: the request may or may not have
 *   reached the broker), and hands MB_BROKER_ANY requests it had not sent
 *   to another connection.
 * - done() may call mb_client_send() and the metadata functions; encode()
 *   calls nothing of the client. Neither may destroy the client.
 */
struct mb_net_req {
    /* set by the caller */
    int16_t api_key;
    int16_t min_version; /**< lowest version the caller can encode */
    int16_t max_version; /**< highest version the caller can encode */
    int expect_response; /**< 0 for Produce with acks=0 */
    uint32_t timeout_ms; /**< 0: the client's request_timeout_ms */
    mb_req_encode_fn encode;
    mb_req_done_fn done;
    void *ud;
    /* private: managed by the client */
    int32_t correlation_id;
    int16_t version;
    int32_t broker_id;
    uint32_t deadline;
    mb_net_req *next;
};

/** Pseudo broker ids for mb_client_send(). */
#define MB_BROKER_ANY (-1)       /**< the least loaded ready connection */
#define MB_BROKER_BOOTSTRAP (-2) /**< internal */

/**
 * Queue @p req for broker @p broker_id (a metadata broker id, or
 * MB_BROKER_ANY). The connection is opened if needed; the request waits
 * while it connects and is sent in order. Never blocks.
 * @return 0 (queued: done() will be called exactly once, from a later
 *         mb_client_poll() or mb_client_destroy()), or INVALID_ARG / STATE
 *         (done() will not be called).
 */
int mb_client_send(mb_client *c, int32_t broker_id, mb_net_req *req);

/* ------------------------------------------------------------------------ */
/* Cluster metadata                                                          */
/* ------------------------------------------------------------------------ */

typedef struct mb_broker_info {
    int32_t node_id;
    char host[256];
    uint16_t port;
    char rack[64]; /**< empty when none */
} mb_broker_info;

typedef struct mb_partition_info {
    int32_t partition;
    int16_t error_code;
    int32_t leader;       /**< -1 when none */
    int32_t leader_epoch; /**< -1 when unknown */
    int32_t n_replicas;
    int32_t n_isr;
} mb_partition_info;

typedef struct mb_topic_info {
    char *name; /**< NUL-terminated, owned by the cache */
    int16_t error_code;
    int is_internal;
    mb_partition_info *partitions;
    int32_t n_partitions;
} mb_topic_info;

/** A snapshot of what the client knows; valid until the next mb_client_poll(). */
typedef struct mb_cluster_view {
    const mb_broker_info *brokers;
    int32_t n_brokers;
    const mb_topic_info *topics;
    int32_t n_topics;
    int32_t controller_id;
    const char *cluster_id; /**< may be NULL */
    uint32_t updated_ms;    /**< clock reading of the last refresh */
    int valid;              /**< 0 until the first successful refresh */
} mb_cluster_view;

/** The current metadata view. */
void mb_client_cluster(const mb_client *c, mb_cluster_view *view);

/** 1 if @p topic (@p len bytes) is a legal Kafka topic name: 1-249 of [a-zA-Z0-9._-], not "." or
 * "..". */
int mb_topic_name_valid(const char *topic, size_t len);

/**
 * Add @p topic to the topics the client keeps metadata for (copied), and
 * request a refresh. @return 0, NOMEM, INVALID_ARG (bad topic name).
 */
int mb_client_want_topic(mb_client *c, const char *topic);

/**
 * Ask for a metadata refresh soon: of all topics when @p all, else of the
 * wanted topics. Called by the producer/consumer on leader errors.
 */
void mb_client_refresh_metadata(mb_client *c, int all);

/** Leader of @p topic / @p partition: broker id, or -1 unknown/none (also when the
 * leader named is no broker in the metadata). */
int32_t mb_client_leader(const mb_client *c, const char *topic, int32_t partition);

/* ------------------------------------------------------------------------ */
/* Life cycle and the event loop                                             */
/* ------------------------------------------------------------------------ */

/**
 * Create a client. Validates the configuration (bootstrap syntax, port
 * ranges) and allocates; opens no connection yet.
 * @return 0, INVALID_ARG (with a log line saying what is wrong), NOMEM.
 */
int mb_client_create(mb_client **out, const mb_client_config *cfg);

/** Fail every queued request with MSGBUS_ERR_STATE, close everything, free. */
void mb_client_destroy(mb_client *c);

/**
 * One event-loop step: do all work that is ready, repeating while a step
 * makes more ready (connected -> ApiVersions -> SASL -> Metadata -> requests
 * for the new leaders), then wait for I/O at most @p timeout_ms (less if a
 * timer is due; not at all if this call made progress), then do all due work
 * again: connect, handshake, send, receive, dispatch responses, expire
 * requests, reconnect with backoff, refresh metadata.
 * @return 0, or a fatal negative error (e.g. the transport's wait failed).
 */
int mb_client_poll(mb_client *c, uint32_t timeout_ms);

/** Make a mb_client_poll() in progress return early. Thread-safe. */
void mb_client_wakeup(mb_client *c);

/**
 * Poll until the client has valid metadata from a bootstrap broker, or until
 * connect_retries connection attempts (with backoff) have all failed, or
 * connect_retries Metadata answers in a row could not be used, or
 * @p timeout_ms passes (clamped to MSGBUS_CFG_MAX_TIMEOUT_MS).
 * @return 0, MSGBUS_ERR_TRANSPORT / RESOLVE (the last connect error) when the
 *         retries ran out, MSGBUS_ERR_MALFORMED / NOMEM (why the answers could
 *         not be used), MSGBUS_ERR_TIMEOUT.
 */
int mb_client_wait_ready(mb_client *c, uint32_t timeout_ms);

/** Negotiated version of @p api_key with broker @p broker_id, or -1 if unknown. */
int16_t mb_client_api_version(const mb_client *c, int32_t broker_id, int16_t api_key);

/** Counters for tests and diagnostics. */
typedef struct mb_client_stats {
    uint64_t connects;         /**< connection attempts */
    uint64_t connect_failures; /**< attempts that failed */
    uint64_t disconnects;      /**< ready connections lost */
    uint64_t requests_sent;
    uint64_t responses;
    uint64_t timeouts;
    uint64_t unmatched_responses; /**< discarded: no request waited for them */
    uint64_t metadata_refreshes;
} mb_client_stats;

void mb_client_get_stats(const mb_client *c, mb_client_stats *st);

#endif /* MB_NET_CLIENT_H */
