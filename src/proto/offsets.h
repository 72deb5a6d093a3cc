/*
 * offsets.h - OffsetCommit (v2-v8) and OffsetFetch (v1-v6) bodies: committing
 * and reading back a consumer group's offsets, per Kafka's OffsetCommit and
 * OffsetFetch request/response schemas. (OffsetFetch v8+ batches several groups;
 * msgbus does not speak it.)
 */
#ifndef MB_PROTO_OFFSETS_H
#define MB_PROTO_OFFSETS_H

#include "api.h"

/* ------------------------------------------------------------------------ */
/* OffsetCommit                                                              */
/* ------------------------------------------------------------------------ */

/** One partition to commit (OffsetCommitRequestPartition). */
typedef struct mb_offset_commit_req_partition {
    int32_t partition_index;
    int64_t committed_offset;
    int32_t committed_leader_epoch; /**< v6+; -1 when absent */
    mb_str committed_metadata;      /**< nullable */
} mb_offset_commit_req_partition;

/** One topic to commit (OffsetCommitRequestTopic). */
typedef struct mb_offset_commit_req_topic {
    mb_str name;
    mb_offset_commit_req_partition *partitions;
    int32_t n_partitions;
} mb_offset_commit_req_topic;

/** OffsetCommit request. */
typedef struct mb_offset_commit_req {
    mb_str group_id;
    int32_t generation_id_or_member_epoch; /**< generation id (classic groups) */
    mb_str member_id;
    mb_str group_instance_id;  /**< v7+, nullable; null when absent */
    int64_t retention_time_ms; /**< v2-v4 only; -1 when absent */
    mb_offset_commit_req_topic *topics;
    int32_t n_topics;
} mb_offset_commit_req;

/** One partition's result (OffsetCommitResponsePartition). */
typedef struct mb_offset_commit_resp_partition {
    int32_t partition_index;
    int16_t error_code;
} mb_offset_commit_resp_partition;

/** One topic's results (OffsetCommitResponseTopic). */
typedef struct mb_offset_commit_resp_topic {
    mb_str name;
    mb_offset_commit_resp_partition *partitions;
    int32_t n_partitions;
} mb_offset_commit_resp_topic;

/** OffsetCommit response. */
typedef struct mb_offset_commit_resp {
    int32_t throttle_time_ms; /**< v3+; 0 when absent */
    mb_offset_commit_resp_topic *topics;
    int32_t n_topics;
} mb_offset_commit_resp;

/** Encode an OffsetCommit request body. */
int mb_offset_commit_req_write(mb_wr *w, int16_t version, const mb_offset_commit_req *req);
/** Decode an OffsetCommit request body (consumes all of @p r; arrays in @p a). */
int mb_offset_commit_req_read(mb_rd *r, int16_t version, mb_arena *a, mb_offset_commit_req *req);
/** Encode an OffsetCommit response body. */
int mb_offset_commit_resp_write(mb_wr *w, int16_t version, const mb_offset_commit_resp *resp);
/** Decode an OffsetCommit response body (consumes all of @p r; arrays in @p a). */
int mb_offset_commit_resp_read(mb_rd *r, int16_t version, mb_arena *a, mb_offset_commit_resp *resp);

/* ------------------------------------------------------------------------ */
/* OffsetFetch                                                               */
/* ------------------------------------------------------------------------ */

/** One topic to fetch offsets for (OffsetFetchRequestTopic). */
typedef struct mb_offset_fetch_req_topic {
    mb_str name;
    int32_t *partition_indexes;
    int32_t n_partition_indexes;
} mb_offset_fetch_req_topic;

/** OffsetFetch request. */
typedef struct mb_offset_fetch_req {
    mb_str group_id;
    mb_offset_fetch_req_topic *topics;
    int32_t n_topics; /**< -1 (null, v2+ only): every topic the group has offsets for */
} mb_offset_fetch_req;

/** One partition's committed offset (OffsetFetchResponsePartition). */
typedef struct mb_offset_fetch_resp_partition {
    int32_t partition_index;
    int64_t committed_offset;
    int32_t committed_leader_epoch; /**< v5+; -1 when absent */
    mb_str metadata;                /**< nullable */
    int16_t error_code;
} mb_offset_fetch_resp_partition;

/** One topic's committed offsets (OffsetFetchResponseTopic). */
typedef struct mb_offset_fetch_resp_topic {
    mb_str name;
    mb_offset_fetch_resp_partition *partitions;
    int32_t n_partitions;
} mb_offset_fetch_resp_topic;

/** OffsetFetch response. */
typedef struct mb_offset_fetch_resp {
    int32_t throttle_time_ms; /**< v3+; 0 when absent */
    mb_offset_fetch_resp_topic *topics;
    int32_t n_topics;
    int16_t error_code; /**< top-level, v2+; 0 when absent */
} mb_offset_fetch_resp;

/** Encode an OffsetFetch request body; null topics below v2 is INVALID_ARG. */
int mb_offset_fetch_req_write(mb_wr *w, int16_t version, const mb_offset_fetch_req *req);
/** Decode an OffsetFetch request body (consumes all of @p r; arrays in @p a). */
int mb_offset_fetch_req_read(mb_rd *r, int16_t version, mb_arena *a, mb_offset_fetch_req *req);
/** Encode an OffsetFetch response body. */
int mb_offset_fetch_resp_write(mb_wr *w, int16_t version, const mb_offset_fetch_resp *resp);
/** Decode an OffsetFetch response body (consumes all of @p r; arrays in @p a). */
int mb_offset_fetch_resp_read(mb_rd *r, int16_t version, mb_arena *a, mb_offset_fetch_resp *resp);

#endif /* MB_PROTO_OFFSETS_H */
