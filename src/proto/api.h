/*
 * api.h - Kafka API keys, the version ranges msgbus speaks, which versions use
 * the flexible encoding, request/response headers and request framing.
 */
#ifndef MB_PROTO_API_H
#define MB_PROTO_API_H

#include "codec.h"

/** Kafka API keys (wire numbers). */
enum mb_api_key {
    MB_API_PRODUCE = 0,
    MB_API_FETCH = 1,
    MB_API_LIST_OFFSETS = 2,
    MB_API_METADATA = 3,
    MB_API_OFFSET_COMMIT = 8,
    MB_API_OFFSET_FETCH = 9,
    MB_API_FIND_COORDINATOR = 10,
    MB_API_JOIN_GROUP = 11,
    MB_API_HEARTBEAT = 12,
    MB_API_LEAVE_GROUP = 13,
    MB_API_SYNC_GROUP = 14,
    MB_API_SASL_HANDSHAKE = 17,
    MB_API_API_VERSIONS = 18,
    MB_API_INIT_PRODUCER_ID = 22,
    MB_API_ADD_PARTITIONS_TO_TXN = 24,
    MB_API_ADD_OFFSETS_TO_TXN = 25,
    MB_API_END_TXN = 26,
    MB_API_TXN_OFFSET_COMMIT = 28,
    MB_API_SASL_AUTHENTICATE = 36
};

/** What msgbus speaks of one API. */
typedef struct mb_api_info {
    int16_t key;
    int16_t min_version; /**< lowest version msgbus encodes */
    int16_t max_version; /**< highest version msgbus encodes */
    int16_t first_flex;  /**< first flexible version, or -1 if none in range */
    const char *name;    /**< Kafka's name, e.g. "Produce" */
} mb_api_info;

/** The entry for @p key, or NULL when msgbus does not speak that API. */
const mb_api_info *mb_api_lookup(int16_t key);
/** All entries, in key order; *n receives their count. */
const mb_api_info *mb_api_table(size_t *n);
/** 1 if msgbus can encode and decode @p key at @p version. */
int mb_api_supported(int16_t key, int16_t version);
/** 1 if @p key at @p version uses the flexible (compact, tagged) encoding. */
int mb_api_is_flexible(int16_t key, int16_t version);
/** Request header version for @p key / @p version: 1 or 2 (flexible). */
int mb_api_req_hdr_version(int16_t key, int16_t version);
/** Response header version: 0, or 1 when flexible (never for ApiVersions). */
int mb_api_resp_hdr_version(int16_t key, int16_t version);

/** Request header (v1 and v2). */
typedef struct mb_req_hdr {
    int16_t api_key;
    int16_t api_version;
    int32_t correlation_id;
    mb_str client_id; /**< nullable; always the classic encoding, even in v2 */
} mb_req_hdr;

/** Write a request header of version @p hdr_version (1 or 2). */
int mb_req_hdr_write(mb_wr *w, int hdr_version, const mb_req_hdr *h);
/** Read a request header of version @p hdr_version (1 or 2); v2 tags skipped. */
int mb_req_hdr_read(mb_rd *r, int hdr_version, mb_req_hdr *h);
/** Write a response header of version @p hdr_version (0 or 1). */
int mb_resp_hdr_write(mb_wr *w, int hdr_version, int32_t correlation_id);
/** Read a response header of version @p hdr_version (0 or 1); v1 tags skipped. */
int mb_resp_hdr_read(mb_rd *r, int hdr_version, int32_t *correlation_id);

/**
 * Start a request frame: reserve the 4-byte size and write the header whose
 * version follows from h->api_key and h->api_version. *frame_pos receives the
 * size's position for mb_frame_end(). UNSUPPORTED_VERSION if msgbus does not
 * speak that API version.
 */
int mb_req_begin(mb_wr *w, const mb_req_hdr *h, size_t *frame_pos);
/** Start a response frame (the test side of the codec, used by scripted peers). */
int mb_resp_begin(mb_wr *w, int16_t api_key, int16_t api_version, int32_t correlation_id,
                  size_t *frame_pos);
/** Patch the size prefix at @p frame_pos to cover everything written after it. */
int mb_frame_end(mb_wr *w, size_t frame_pos);

#endif /* MB_PROTO_API_H */
