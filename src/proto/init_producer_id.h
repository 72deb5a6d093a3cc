/*
 * init_producer_id.h - InitProducerId (v0-v4) bodies.
 */
#ifndef MB_PROTO_INIT_PRODUCER_ID_H
#define MB_PROTO_INIT_PRODUCER_ID_H

#include "api.h"

/** InitProducerId request. */
typedef struct mb_init_producer_id_req {
    mb_str transactional_id;        /**< nullable: null for a non-transactional producer */
    int32_t transaction_timeout_ms; /**< only meaningful with a transactional id */
    int64_t producer_id;            /**< v3+: the current id to bump, or -1; -1 when absent */
    int16_t producer_epoch;         /**< v3+: the current epoch, or -1; -1 when absent */
} mb_init_producer_id_req;

/** InitProducerId response. */
typedef struct mb_init_producer_id_resp {
    int32_t throttle_time_ms;
    int16_t error_code;
    int64_t producer_id; /**< -1 when none was assigned */
    int16_t producer_epoch;
} mb_init_producer_id_resp;

/** Encode an InitProducerId request body. */
int mb_init_producer_id_req_write(mb_wr *w, int16_t version, const mb_init_producer_id_req *req);
/** Decode an InitProducerId request body (consumes all of @p r). */
int mb_init_producer_id_req_read(mb_rd *r, int16_t version, mb_arena *a,
                                 mb_init_producer_id_req *req);
/** Encode an InitProducerId response body. */
int mb_init_producer_id_resp_write(mb_wr *w, int16_t version, const mb_init_producer_id_resp *resp);
/** Decode an InitProducerId response body (consumes all of @p r). */
int mb_init_producer_id_resp_read(mb_rd *r, int16_t version, mb_arena *a,
                                  mb_init_producer_id_resp *resp);

#endif /* MB_PROTO_INIT_PRODUCER_ID_H */
