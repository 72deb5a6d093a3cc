/*
 * produce.h - Produce (v3-v9) bodies, per Kafka's ProduceRequest.json and
 * ProduceResponse.json. Record batches travel as opaque RECORDS blobs: the
 * request writer references them (zero-copy in iov mode), decoders point into
 * the input.
 */
#ifndef MB_PROTO_PRODUCE_H
#define MB_PROTO_PRODUCE_H

#include "api.h"

/** PartitionProduceData: one partition's record batches. */
typedef struct mb_produce_partition_data {
    int32_t index;    /**< partition index */
    mb_bytes records; /**< RECORDS blob, nullable; referenced, never copied */
} mb_produce_partition_data;

/** TopicProduceData. */
typedef struct mb_produce_topic_data {
    mb_str name; /**< not null */
    mb_produce_partition_data *partition_data;
    int32_t n_partition_data;
} mb_produce_topic_data;

/** Produce request. */
typedef struct mb_produce_req {
    mb_str transactional_id; /**< nullable (default null) */
    int16_t acks;            /**< 0, 1 or -1 */
    int32_t timeout_ms;
    mb_produce_topic_data *topic_data;
    int32_t n_topic_data;
} mb_produce_req;

/** BatchIndexAndErrorMessage (v8+). */
typedef struct mb_produce_record_error {
    int32_t batch_index;
    mb_str batch_index_error_message; /**< nullable (default null) */
} mb_produce_record_error;

/** PartitionProduceResponse. */
typedef struct mb_produce_partition_resp {
    int32_t index;
    int16_t error_code;
    int64_t base_offset;
    int64_t log_append_time_ms;             /**< v2+, default -1 */
    int64_t log_start_offset;               /**< v5+, default -1 */
    mb_produce_record_error *record_errors; /**< v8+, default empty */
    int32_t n_record_errors;
    mb_str error_message; /**< v8+, nullable (default null) */
} mb_produce_partition_resp;

/** TopicProduceResponse. */
typedef struct mb_produce_topic_resp {
    mb_str name; /**< not null */
    mb_produce_partition_resp *partition_responses;
    int32_t n_partition_responses;
} mb_produce_topic_resp;

/** Produce response (v10+ tagged fields CurrentLeader/NodeEndpoints are out of range). */
typedef struct mb_produce_resp {
    mb_produce_topic_resp *responses;
    int32_t n_responses;
    int32_t throttle_time_ms;
} mb_produce_resp;

/** Encode a Produce request body; each partition's records are referenced (mb_wr_ref). */
int mb_produce_req_write(mb_wr *w, int16_t version, const mb_produce_req *req);
/** Decode a Produce request body (consumes all of @p r; records point into it). */
int mb_produce_req_read(mb_rd *r, int16_t version, mb_arena *a, mb_produce_req *req);
/** Encode a Produce response body. */
int mb_produce_resp_write(mb_wr *w, int16_t version, const mb_produce_resp *resp);
/** Decode a Produce response body (consumes all of @p r). */
int mb_produce_resp_read(mb_rd *r, int16_t version, mb_arena *a, mb_produce_resp *resp);

#endif /* MB_PROTO_PRODUCE_H */
