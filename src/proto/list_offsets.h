/*
 * list_offsets.h - ListOffsets (v1-v6) bodies: looking up a partition's offset
 * by timestamp (or its earliest / latest offset), per Kafka's
 * ListOffsetsRequest.json / ListOffsetsResponse.json.
 */
#ifndef MB_PROTO_LIST_OFFSETS_H
#define MB_PROTO_LIST_OFFSETS_H

#include "api.h"

/** Special request timestamps: the offset of the next message to be written. */
#define MB_LIST_OFFSETS_LATEST (-1)
/** Special request timestamps: the first offset still held in the log. */
#define MB_LIST_OFFSETS_EARLIEST (-2)

/** One partition to look up (ListOffsetsPartition). */
typedef struct mb_list_offsets_req_partition {
    int32_t partition_index;
    int32_t current_leader_epoch; /**< v4+; -1 when absent */
    int64_t timestamp;            /**< ms, or MB_LIST_OFFSETS_LATEST / _EARLIEST */
} mb_list_offsets_req_partition;

/** One topic to look up (ListOffsetsTopic). */
typedef struct mb_list_offsets_req_topic {
    mb_str name;
    mb_list_offsets_req_partition *partitions;
    int32_t n_partitions;
} mb_list_offsets_req_topic;

/** ListOffsets request. */
typedef struct mb_list_offsets_req {
    int32_t replica_id;     /**< -1 for a consumer */
    int8_t isolation_level; /**< v2+: 0 read uncommitted, 1 read committed; 0 when absent */
    mb_list_offsets_req_topic *topics;
    int32_t n_topics;
} mb_list_offsets_req;

/** One partition's answer (ListOffsetsPartitionResponse). */
typedef struct mb_list_offsets_resp_partition {
    int32_t partition_index;
    int16_t error_code;
    int64_t timestamp;    /**< of the returned offset; -1 if none */
    int64_t offset;       /**< -1 if none */
    int32_t leader_epoch; /**< v4+; -1 when absent */
} mb_list_offsets_resp_partition;

/** One topic's answers (ListOffsetsTopicResponse). */
typedef struct mb_list_offsets_resp_topic {
    mb_str name;
    mb_list_offsets_resp_partition *partitions;
    int32_t n_partitions;
} mb_list_offsets_resp_topic;

/** ListOffsets response. */
typedef struct mb_list_offsets_resp {
    int32_t throttle_time_ms; /**< v2+; 0 when absent */
    mb_list_offsets_resp_topic *topics;
    int32_t n_topics;
} mb_list_offsets_resp;

/** Encode a ListOffsets request body. */
int mb_list_offsets_req_write(mb_wr *w, int16_t version, const mb_list_offsets_req *req);
/** Decode a ListOffsets request body (consumes all of @p r; arrays in @p a). */
int mb_list_offsets_req_read(mb_rd *r, int16_t version, mb_arena *a, mb_list_offsets_req *req);
/** Encode a ListOffsets response body. */
int mb_list_offsets_resp_write(mb_wr *w, int16_t version, const mb_list_offsets_resp *resp);
/** Decode a ListOffsets response body (consumes all of @p r; arrays in @p a). */
int mb_list_offsets_resp_read(mb_rd *r, int16_t version, mb_arena *a, mb_list_offsets_resp *resp);

#endif /* MB_PROTO_LIST_OFFSETS_H */
