/*
 * txn.h - the bodies of the transaction APIs a transactional producer sends
 * to its transaction coordinator: AddPartitionsToTxn (v0-v3),
 * AddOffsetsToTxn (v0-v3), EndTxn (v0-v3) and, to the group coordinator,
 * TxnOffsetCommit (v0-v3). (InitProducerId, which starts a transaction's
 * life, is in init_producer_id.h.)
 *
 * Version ranges: v3 is the first flexible version of all four. Later
 * versions are left out on purpose: AddPartitionsToTxn v4+ is the batched
 * form only brokers send each other; the v4 (v5 for EndTxn) of the others
 * only tell the broker that the client understands TRANSACTION_ABORTABLE
 * (KIP-890), and EndTxn v5 bumps the epoch on every commit, which a client
 * must be written for.
 */
#ifndef MB_PROTO_TXN_H
#define MB_PROTO_TXN_H

#include "api.h"

/** A topic and some of its partitions (AddPartitionsToTxnTopic). */
typedef struct mb_txn_topic {
    mb_str name;
    int32_t *partitions; /**< partition indexes */
    int32_t n_partitions;
} mb_txn_topic;

/** One partition's error (AddPartitionsToTxnPartitionResult, TxnOffsetCommitResponsePartition). */
typedef struct mb_txn_partition_result {
    int32_t partition_index;
    int16_t error_code;
} mb_txn_partition_result;

/** One topic's partition errors (AddPartitionsToTxnTopicResult, TxnOffsetCommitResponseTopic). */
typedef struct mb_txn_topic_result {
    mb_str name;
    mb_txn_partition_result *partitions;
    int32_t n_partitions;
} mb_txn_topic_result;

/* ------------------------------------------------------------------------ */
/* AddPartitionsToTxn                                                        */
/* ------------------------------------------------------------------------ */

/** AddPartitionsToTxn request (the V3AndBelow fields). */
typedef struct mb_add_partitions_to_txn_req {
    mb_str transactional_id;
    int64_t producer_id;
    int16_t producer_epoch;
    mb_txn_topic *topics;
    int32_t n_topics;
} mb_add_partitions_to_txn_req;

/** AddPartitionsToTxn response (ResultsByTopicV3AndBelow). */
typedef struct mb_add_partitions_to_txn_resp {
    int32_t throttle_time_ms;
    mb_txn_topic_result *results;
    int32_t n_results;
} mb_add_partitions_to_txn_resp;

/** Encode an AddPartitionsToTxn request body. */
int mb_add_partitions_to_txn_req_write(mb_wr *w, int16_t version,
                                       const mb_add_partitions_to_txn_req *req);
/** Decode an AddPartitionsToTxn request body (consumes all of @p r; arrays in @p a). */
int mb_add_partitions_to_txn_req_read(mb_rd *r, int16_t version, mb_arena *a,
                                      mb_add_partitions_to_txn_req *req);
/** Encode an AddPartitionsToTxn response body. */
int mb_add_partitions_to_txn_resp_write(mb_wr *w, int16_t version,
                                        const mb_add_partitions_to_txn_resp *resp);
/** Decode an AddPartitionsToTxn response body (consumes all of @p r; arrays in @p a). */
int mb_add_partitions_to_txn_resp_read(mb_rd *r, int16_t version, mb_arena *a,
                                       mb_add_partitions_to_txn_resp *resp);

/* ------------------------------------------------------------------------ */
/* AddOffsetsToTxn                                                           */
/* ------------------------------------------------------------------------ */

/** AddOffsetsToTxn request: the group whose offsets join the transaction. */
typedef struct mb_add_offsets_to_txn_req {
    mb_str transactional_id;
    int64_t producer_id;
    int16_t producer_epoch;
    mb_str group_id;
} mb_add_offsets_to_txn_req;

/** AddOffsetsToTxn response. */
typedef struct mb_add_offsets_to_txn_resp {
    int32_t throttle_time_ms;
    int16_t error_code;
} mb_add_offsets_to_txn_resp;

/** Encode an AddOffsetsToTxn request body. */
int mb_add_offsets_to_txn_req_write(mb_wr *w, int16_t version,
                                    const mb_add_offsets_to_txn_req *req);
/** Decode an AddOffsetsToTxn request body (consumes all of @p r). */
int mb_add_offsets_to_txn_req_read(mb_rd *r, int16_t version, mb_arena *a,
                                   mb_add_offsets_to_txn_req *req);
/** Encode an AddOffsetsToTxn response body. */
int mb_add_offsets_to_txn_resp_write(mb_wr *w, int16_t version,
                                     const mb_add_offsets_to_txn_resp *resp);
/** Decode an AddOffsetsToTxn response body (consumes all of @p r). */
int mb_add_offsets_to_txn_resp_read(mb_rd *r, int16_t version, mb_arena *a,
                                    mb_add_offsets_to_txn_resp *resp);

/* ------------------------------------------------------------------------ */
/* EndTxn                                                                    */
/* ------------------------------------------------------------------------ */

/** EndTxn request: commit or abort. */
typedef struct mb_end_txn_req {
    mb_str transactional_id;
    int64_t producer_id;
    int16_t producer_epoch;
    int8_t committed; /**< 1 commit, 0 abort */
} mb_end_txn_req;

/** EndTxn response. */
typedef struct mb_end_txn_resp {
    int32_t throttle_time_ms;
    int16_t error_code;
} mb_end_txn_resp;

/** Encode an EndTxn request body. */
int mb_end_txn_req_write(mb_wr *w, int16_t version, const mb_end_txn_req *req);
/** Decode an EndTxn request body (consumes all of @p r; any non-zero byte is commit). */
int mb_end_txn_req_read(mb_rd *r, int16_t version, mb_arena *a, mb_end_txn_req *req);
/** Encode an EndTxn response body. */
int mb_end_txn_resp_write(mb_wr *w, int16_t version, const mb_end_txn_resp *resp);
/** Decode an EndTxn response body (consumes all of @p r). */
int mb_end_txn_resp_read(mb_rd *r, int16_t version, mb_arena *a, mb_end_txn_resp *resp);

/* ------------------------------------------------------------------------ */
/* TxnOffsetCommit                                                           */
/* ------------------------------------------------------------------------ */

/** One partition's offset (TxnOffsetCommitRequestPartition). */
typedef struct mb_txn_offset_commit_req_partition {
    int32_t partition_index;
    int64_t committed_offset;
    int32_t committed_leader_epoch; /**< v2+; -1 when absent */
    mb_str committed_metadata;      /**< nullable */
} mb_txn_offset_commit_req_partition;

/** One topic's offsets (TxnOffsetCommitRequestTopic). */
typedef struct mb_txn_offset_commit_req_topic {
    mb_str name;
    mb_txn_offset_commit_req_partition *partitions;
    int32_t n_partitions;
} mb_txn_offset_commit_req_topic;

/** TxnOffsetCommit request: a consumer group's offsets, committed with the transaction. */
typedef struct mb_txn_offset_commit_req {
    mb_str transactional_id;
    mb_str group_id;
    int64_t producer_id;
    int16_t producer_epoch;
    int32_t generation_id;    /**< v3+; -1 when absent */
    mb_str member_id;         /**< v3+; "" when absent */
    mb_str group_instance_id; /**< v3+, nullable; null when absent */
    mb_txn_offset_commit_req_topic *topics;
    int32_t n_topics;
} mb_txn_offset_commit_req;

/** TxnOffsetCommit response. */
typedef struct mb_txn_offset_commit_resp {
    int32_t throttle_time_ms;
    mb_txn_topic_result *topics;
    int32_t n_topics;
} mb_txn_offset_commit_resp;

/** Encode a TxnOffsetCommit request body. */
int mb_txn_offset_commit_req_write(mb_wr *w, int16_t version, const mb_txn_offset_commit_req *req);
/** Decode a TxnOffsetCommit request body (consumes all of @p r; arrays in @p a). */
int mb_txn_offset_commit_req_read(mb_rd *r, int16_t version, mb_arena *a,
                                  mb_txn_offset_commit_req *req);
/** Encode a TxnOffsetCommit response body. */
int mb_txn_offset_commit_resp_write(mb_wr *w, int16_t version,
                                    const mb_txn_offset_commit_resp *resp);
/** Decode a TxnOffsetCommit response body (consumes all of @p r; arrays in @p a). */
int mb_txn_offset_commit_resp_read(mb_rd *r, int16_t version, mb_arena *a,
                                   mb_txn_offset_commit_resp *resp);

#endif /* MB_PROTO_TXN_H */
