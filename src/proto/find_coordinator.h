/*
 * find_coordinator.h - FindCoordinator (v1-v3) bodies: one key per request.
 * (v4+ batches keys in CoordinatorKeys/Coordinators; msgbus does not speak it.)
 */
#ifndef MB_PROTO_FIND_COORDINATOR_H
#define MB_PROTO_FIND_COORDINATOR_H

#include "api.h"

/** Coordinator key types (KeyType). */
enum mb_coordinator_type { MB_COORDINATOR_GROUP = 0, MB_COORDINATOR_TRANSACTION = 1 };

/** FindCoordinator request. */
typedef struct mb_find_coordinator_req {
    mb_str key;      /**< group id or transactional id (not null) */
    int8_t key_type; /**< enum mb_coordinator_type */
} mb_find_coordinator_req;

/** FindCoordinator response. */
typedef struct mb_find_coordinator_resp {
    int32_t throttle_time_ms;
    int16_t error_code;
    mb_str error_message; /**< nullable */
    int32_t node_id;
    mb_str host; /**< not null */
    int32_t port;
} mb_find_coordinator_resp;

/** Encode a FindCoordinator request body. */
int mb_find_coordinator_req_write(mb_wr *w, int16_t version, const mb_find_coordinator_req *req);
/** Decode a FindCoordinator request body (consumes all of @p r). */
int mb_find_coordinator_req_read(mb_rd *r, int16_t version, mb_arena *a,
                                 mb_find_coordinator_req *req);
/** Encode a FindCoordinator response body. */
int mb_find_coordinator_resp_write(mb_wr *w, int16_t version, const mb_find_coordinator_resp *resp);
/** Decode a FindCoordinator response body (consumes all of @p r). */
int mb_find_coordinator_resp_read(mb_rd *r, int16_t version, mb_arena *a,
                                  mb_find_coordinator_resp *resp);

#endif /* MB_PROTO_FIND_COORDINATOR_H */
