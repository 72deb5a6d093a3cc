/*
 * api_versions.h - ApiVersions (v0-v3) bodies and version negotiation.
 *
 * The ApiVersions response header is always v0 (see api.h). A broker that
 * does not know the requested version answers UNSUPPORTED_VERSION (35) with a
 * v0-layout body; mb_api_versions_resp_read() handles that (see below).
 */
#ifndef MB_PROTO_API_VERSIONS_H
#define MB_PROTO_API_VERSIONS_H

#include "api.h"

/** ApiVersions request. */
typedef struct mb_api_versions_req {
    mb_str client_software_name;    /**< v3+, not null; "" when absent */
    mb_str client_software_version; /**< v3+, not null; "" when absent */
} mb_api_versions_req;

/** One API the broker supports (ApiVersion). */
typedef struct mb_api_versions_key {
    int16_t api_key;
    int16_t min_version; /**< inclusive */
    int16_t max_version; /**< inclusive */
} mb_api_versions_key;

/** A feature the broker supports (SupportedFeatureKey, tag 0). */
typedef struct mb_api_versions_feature {
    mb_str name;
    int16_t min_version;
    int16_t max_version;
} mb_api_versions_feature;

/** A cluster-wide finalized feature (FinalizedFeatureKey, tag 2). */
typedef struct mb_api_versions_finalized {
    mb_str name;
    int16_t max_version_level;
    int16_t min_version_level;
} mb_api_versions_finalized;

/** ApiVersions response. Tagged fields (v3+) keep their defaults when absent. */
typedef struct mb_api_versions_resp {
    int16_t error_code;
    mb_api_versions_key *api_keys;
    int32_t n_api_keys;
    int32_t throttle_time_ms;                    /**< v1+; 0 when absent */
    mb_api_versions_feature *supported_features; /**< tag 0; empty when absent */
    int32_t n_supported_features;
    int64_t finalized_features_epoch;              /**< tag 1; -1 when absent */
    mb_api_versions_finalized *finalized_features; /**< tag 2; empty when absent */
    int32_t n_finalized_features;
    int8_t zk_migration_ready; /**< tag 3; 0 (false) when absent */
} mb_api_versions_resp;

/** Encode an ApiVersions request body (the client software fields from v3). */
int mb_api_versions_req_write(mb_wr *w, int16_t version, const mb_api_versions_req *req);
/** Decode an ApiVersions request body (consumes all of @p r). */
int mb_api_versions_req_read(mb_rd *r, int16_t version, mb_arena *a, mb_api_versions_req *req);
/**
 * Encode an ApiVersions response body. In v3 the tagged fields are written
 * when they differ from their defaults (non-empty arrays, epoch != -1, true).
 */
int mb_api_versions_resp_write(mb_wr *w, int16_t version, const mb_api_versions_resp *resp);
/**
 * Decode an ApiVersions response body (arrays in @p a).
 *
 * error_code is read first. If it is 35 (UNSUPPORTED_VERSION) and @p version
 * is above 0, the rest is parsed in the v0 layout whatever @p version was; if
 * even that fails, the call still returns 0 with error_code 35 and
 * n_api_keys 0 (the whole input counted as consumed), so the caller can
 * retry with ApiVersions v0.
 */
int mb_api_versions_resp_read(mb_rd *r, int16_t version, mb_arena *a, mb_api_versions_resp *resp);

/**
 * The highest version of @p api_key both sides speak: the broker's range in
 * @p r intersected with [@p our_min, @p our_max]. -1 when the broker does not
 * list the API, the ranges do not overlap, or either range is empty.
 * Looks only at the api_keys list (not at error_code).
 */
int16_t mb_api_versions_pick(const mb_api_versions_resp *r, int16_t api_key, int16_t our_min,
                             int16_t our_max);

#endif /* MB_PROTO_API_VERSIONS_H */
