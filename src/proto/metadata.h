/*
 * metadata.h - Metadata (v1-v12) bodies.
 *
 * Decoded strings point into the input; decoded arrays live in the caller's
 * arena. Fields absent at the decoded version take Kafka's schema defaults.
 * Writing a non-ignorable field that the version cannot carry with a value
 * other than its default (e.g. allow_auto_topic_creation false below v4) is
 * MSGBUS_ERR_UNSUPPORTED_VERSION, as Kafka's own encoders refuse it.
 */
#ifndef MB_PROTO_METADATA_H
#define MB_PROTO_METADATA_H

#include "api.h"

/** "No authorized operations known" (the default of the *_authorized_operations fields). */
#define MB_METADATA_AUTH_OPS_UNKNOWN INT32_MIN

/** One requested topic. */
typedef struct mb_metadata_req_topic {
    mb_uuid topic_id; /**< v10+ (ignorable; meant for v12+); zero when absent */
    mb_str name;      /**< nullable from v10 (query by id); not null before */
} mb_metadata_req_topic;

/** Metadata request. */
typedef struct mb_metadata_req {
    mb_metadata_req_topic *topics; /**< n_topics -1 (null): all topics */
    int32_t n_topics;
    int8_t allow_auto_topic_creation;             /**< v4+; default true (must be true below v4) */
    int8_t include_cluster_authorized_operations; /**< v8-v10; must be false elsewhere */
    int8_t include_topic_authorized_operations;   /**< v8+; must be false below v8 */
} mb_metadata_req;

/** One broker of the cluster. */
typedef struct mb_metadata_broker {
    int32_t node_id;
    mb_str host; /**< not null */
    int32_t port;
    mb_str rack; /**< nullable */
} mb_metadata_broker;

/** One partition of a topic. */
typedef struct mb_metadata_partition {
    int16_t error_code;
    int32_t partition_index;
    int32_t leader_id;
    int32_t leader_epoch; /**< v7+; -1 when absent */
    int32_t *replica_nodes;
    int32_t n_replica_nodes;
    int32_t *isr_nodes;
    int32_t n_isr_nodes;
    int32_t *offline_replicas; /**< v5+; empty when absent */
    int32_t n_offline_replicas;
} mb_metadata_partition;

/** One topic. */
typedef struct mb_metadata_topic {
    int16_t error_code;
    mb_str name;      /**< nullable from v12 (topics queried by id) */
    mb_uuid topic_id; /**< v10+; zero when absent */
    int8_t is_internal;
    mb_metadata_partition *partitions;
    int32_t n_partitions;
    int32_t topic_authorized_operations; /**< v8+; MB_METADATA_AUTH_OPS_UNKNOWN when absent */
} mb_metadata_topic;

/** Metadata response. */
typedef struct mb_metadata_resp {
    int32_t throttle_time_ms; /**< v3+; 0 when absent */
    mb_metadata_broker *brokers;
    int32_t n_brokers;
    mb_str cluster_id;     /**< v2+, nullable; null when absent */
    int32_t controller_id; /**< -1 when unknown */
    mb_metadata_topic *topics;
    int32_t n_topics;
    int32_t cluster_authorized_operations; /**< v8-v10; MB_METADATA_AUTH_OPS_UNKNOWN elsewhere */
} mb_metadata_resp;

/** Encode a Metadata request body. */
int mb_metadata_req_write(mb_wr *w, int16_t version, const mb_metadata_req *req);
/** Decode a Metadata request body (consumes all of @p r; topics in @p a). */
int mb_metadata_req_read(mb_rd *r, int16_t version, mb_arena *a, mb_metadata_req *req);
/** Encode a Metadata response body. */
int mb_metadata_resp_write(mb_wr *w, int16_t version, const mb_metadata_resp *resp);
/** Decode a Metadata response body (consumes all of @p r; arrays in @p a). */
int mb_metadata_resp_read(mb_rd *r, int16_t version, mb_arena *a, mb_metadata_resp *resp);

/** Index in m->topics of the topic named @p name, or -1 (also for a null name). */
int mb_metadata_find_topic(const mb_metadata_resp *m, mb_str name);

#endif /* MB_PROTO_METADATA_H */
