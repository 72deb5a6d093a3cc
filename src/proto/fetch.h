/*
 * fetch.h - Fetch (v4-v12) bodies, per Kafka's FetchRequest.json and
 * FetchResponse.json. The response decoder is the consumer's hot path: one
 * pass over the input, arrays in the caller's arena, record data left in
 * place (mb_bytes pointing into the input, never copied).
 */
#ifndef MB_PROTO_FETCH_H
#define MB_PROTO_FETCH_H

#include "api.h"

/** FetchPartition (request). */
typedef struct mb_fetch_partition {
    int32_t partition;
    int32_t current_leader_epoch; /**< v9+, default -1 */
    int64_t fetch_offset;
    int32_t last_fetched_epoch; /**< v12+, default -1 */
    int64_t log_start_offset;   /**< v5+, default -1 (followers only) */
    int32_t partition_max_bytes;
} mb_fetch_partition;

/** FetchTopic (request). */
typedef struct mb_fetch_topic {
    mb_str topic; /**< not null */
    mb_fetch_partition *partitions;
    int32_t n_partitions;
} mb_fetch_topic;

/** ForgottenTopic (request, v7+). */
typedef struct mb_fetch_forgotten_topic {
    mb_str topic; /**< not null */
    int32_t *partitions;
    int32_t n_partitions;
} mb_fetch_forgotten_topic;

/** Fetch request. */
typedef struct mb_fetch_req {
    mb_str cluster_id;  /**< v12+ tagged (tag 0), nullable, default null */
    int32_t replica_id; /**< -1 for a consumer */
    int32_t max_wait_ms;
    int32_t min_bytes;
    int32_t max_bytes;      /**< default 0x7fffffff */
    int8_t isolation_level; /**< 0 read uncommitted, 1 read committed */
    int32_t session_id;     /**< v7+, default 0 */
    int32_t session_epoch;  /**< v7+, default -1 */
    mb_fetch_topic *topics;
    int32_t n_topics;
    mb_fetch_forgotten_topic *forgotten_topics_data; /**< v7+, default empty */
    int32_t n_forgotten_topics_data;
    mb_str rack_id; /**< v11+, not null, default "" */
} mb_fetch_req;

/** AbortedTransaction. */
typedef struct mb_fetch_aborted_txn {
    int64_t producer_id;
    int64_t first_offset;
} mb_fetch_aborted_txn;

/** EpochEndOffset (DivergingEpoch): both -1 when absent. */
typedef struct mb_fetch_epoch_end_offset {
    int32_t epoch;
    int64_t end_offset;
} mb_fetch_epoch_end_offset;

/** LeaderIdAndEpoch (CurrentLeader): both -1 when absent. */
typedef struct mb_fetch_leader_id_and_epoch {
    int32_t leader_id;
    int32_t leader_epoch;
} mb_fetch_leader_id_and_epoch;

/** SnapshotId: both -1 when absent. */
typedef struct mb_fetch_snapshot_id {
    int64_t end_offset;
    int32_t epoch;
} mb_fetch_snapshot_id;

/** PartitionData (response). */
typedef struct mb_fetch_partition_resp {
    int32_t partition_index;
    int16_t error_code;
    int64_t high_watermark;
    int64_t last_stable_offset;                  /**< v4+, default -1 */
    int64_t log_start_offset;                    /**< v5+, default -1 */
    mb_fetch_epoch_end_offset diverging_epoch;   /**< v12+ tagged (tag 0) */
    mb_fetch_leader_id_and_epoch current_leader; /**< v12+ tagged (tag 1) */
    mb_fetch_snapshot_id snapshot_id;            /**< v12+ tagged (tag 2) */
    mb_fetch_aborted_txn *aborted_transactions;  /**< nullable: n == -1 is null */
    int32_t n_aborted_transactions;
    int32_t preferred_read_replica; /**< v11+, default -1 */
    mb_bytes records;               /**< nullable; points into the decoded input */
} mb_fetch_partition_resp;

/** FetchableTopicResponse. */
typedef struct mb_fetch_topic_resp {
    mb_str topic; /**< not null */
    mb_fetch_partition_resp *partitions;
    int32_t n_partitions;
} mb_fetch_topic_resp;

/** Fetch response. */
typedef struct mb_fetch_resp {
    int32_t throttle_time_ms;
    int16_t error_code; /**< v7+, default 0 */
    int32_t session_id; /**< v7+, default 0 */
    mb_fetch_topic_resp *responses;
    int32_t n_responses;
} mb_fetch_resp;

/** Encode a Fetch request body. */
int mb_fetch_req_write(mb_wr *w, int16_t version, const mb_fetch_req *req);
/** Decode a Fetch request body (consumes all of @p r). */
int mb_fetch_req_read(mb_rd *r, int16_t version, mb_arena *a, mb_fetch_req *req);
/** Encode a Fetch response body; records are referenced (mb_wr_ref). Tagged
 *  structs are written only when they differ from their all -1 default. */
int mb_fetch_resp_write(mb_wr *w, int16_t version, const mb_fetch_resp *resp);
/** Decode a Fetch response body in one pass (consumes all of @p r); records
 *  point into the input. */
int mb_fetch_resp_read(mb_rd *r, int16_t version, mb_arena *a, mb_fetch_resp *resp);

#endif /* MB_PROTO_FETCH_H */
