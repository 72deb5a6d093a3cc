/*
 * api.c - API table, header encodings and request framing.
 */
#include "api.h"

/* Version ranges: from the floor Kafka 4 still accepts up to each API's first
 * flexible version (see Kafka's message schemas, "flexibleVersions").
 * InitProducerId goes on to v4: v3 adds the producer id and epoch a
 * transactional producer sends to recover its epoch, v4 answers a fenced
 * producer with PRODUCER_FENCED instead of INVALID_PRODUCER_EPOCH. */
static const mb_api_info api_table[] = {
    {MB_API_PRODUCE, 3, 9, 9, "Produce"},
    {MB_API_FETCH, 4, 12, 12, "Fetch"},
    {MB_API_LIST_OFFSETS, 1, 6, 6, "ListOffsets"},
    {MB_API_METADATA, 1, 12, 9, "Metadata"},
    {MB_API_OFFSET_COMMIT, 2, 8, 8, "OffsetCommit"},
    {MB_API_OFFSET_FETCH, 1, 6, 6, "OffsetFetch"},
    {MB_API_FIND_COORDINATOR, 1, 3, 3, "FindCoordinator"},
    {MB_API_JOIN_GROUP, 2, 6, 6, "JoinGroup"},
    {MB_API_HEARTBEAT, 1, 4, 4, "Heartbeat"},
    {MB_API_LEAVE_GROUP, 1, 4, 4, "LeaveGroup"},
    {MB_API_SYNC_GROUP, 1, 4, 4, "SyncGroup"},
    {MB_API_SASL_HANDSHAKE, 1, 1, -1, "SaslHandshake"},
    {MB_API_API_VERSIONS, 0, 3, 3, "ApiVersions"},
    {MB_API_INIT_PRODUCER_ID, 0, 4, 2, "InitProducerId"},
    {MB_API_ADD_PARTITIONS_TO_TXN, 0, 3, 3, "AddPartitionsToTxn"},
    {MB_API_ADD_OFFSETS_TO_TXN, 0, 3, 3, "AddOffsetsToTxn"},
    {MB_API_END_TXN, 0, 3, 3, "EndTxn"},
    {MB_API_TXN_OFFSET_COMMIT, 0, 3, 3, "TxnOffsetCommit"},
    {MB_API_SASL_AUTHENTICATE, 0, 2, 2, "SaslAuthenticate"},
};

const mb_api_info *mb_api_table(size_t *n)
{
    *n = sizeof api_table / sizeof api_table[0];
    return api_table;
}

const mb_api_info *mb_api_lookup(int16_t key)
{
    size_t i;
    for (i = 0; i < sizeof api_table / sizeof api_table[0]; i++)
        if (api_table[i].key == key)
            return &api_table[i];
    return NULL;
}

int mb_api_supported(int16_t key, int16_t version)
{
    const mb_api_info *a = mb_api_lookup(key);
    return a && version >= a->min_version && version <= a->max_version;
}

int mb_api_is_flexible(int16_t key, int16_t version)
{
    const mb_api_info *a = mb_api_lookup(key);
    return a && a->first_flex >= 0 && version >= a->first_flex;
}

int mb_api_req_hdr_version(int16_t key, int16_t version)
{
    return mb_api_is_flexible(key, version) ? 2 : 1;
}

int mb_api_resp_hdr_version(int16_t key, int16_t version)
{
    /* ApiVersions responses never carry header tags, so that a client that
     * sent a version the broker does not know can still parse the answer. */
    if (key == MB_API_API_VERSIONS)
        return 0;
    return mb_api_is_flexible(key, version) ? 1 : 0;
}

int mb_req_hdr_write(mb_wr *w, int hdr_version, const mb_req_hdr *h)
{
    if (hdr_version != 1 && hdr_version != 2)
        return mb_wr_fail(w, MSGBUS_ERR_INVALID_ARG);
    mb_wr_i16(w, h->api_key);
    mb_wr_i16(w, h->api_version);
    mb_wr_i32(w, h->correlation_id);
    mb_wr_nstr_v(w, 0, h->client_id);
    if (hdr_version == 2)
        mb_wr_tags_none(w);
    return w->err;
}

int mb_req_hdr_read(mb_rd *r, int hdr_version, mb_req_hdr *h)
{
    if (hdr_version != 1 && hdr_version != 2)
        return mb_rd_fail(r, MSGBUS_ERR_INVALID_ARG);
    mb_rd_i16(r, &h->api_key);
    mb_rd_i16(r, &h->api_version);
    mb_rd_i32(r, &h->correlation_id);
    mb_rd_nstr_v(r, 0, &h->client_id);
    if (hdr_version == 2)
        mb_rd_tags(r, NULL, NULL);
    return r->err;
}

int mb_resp_hdr_write(mb_wr *w, int hdr_version, int32_t correlation_id)
{
    if (hdr_version != 0 && hdr_version != 1)
        return mb_wr_fail(w, MSGBUS_ERR_INVALID_ARG);
    mb_wr_i32(w, correlation_id);
    if (hdr_version == 1)
        mb_wr_tags_none(w);
    return w->err;
}

int mb_resp_hdr_read(mb_rd *r, int hdr_version, int32_t *correlation_id)
{
    if (hdr_version != 0 && hdr_version != 1)
        return mb_rd_fail(r, MSGBUS_ERR_INVALID_ARG);
    mb_rd_i32(r, correlation_id);
    if (hdr_version == 1)
        mb_rd_tags(r, NULL, NULL);
    return r->err;
}

int mb_req_begin(mb_wr *w, const mb_req_hdr *h, size_t *frame_pos)
{
    if (!mb_api_supported(h->api_key, h->api_version))
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_wr_reserve(w, 4, frame_pos);
    return mb_req_hdr_write(w, mb_api_req_hdr_version(h->api_key, h->api_version), h);
}

int mb_resp_begin(mb_wr *w, int16_t api_key, int16_t api_version, int32_t correlation_id,
                  size_t *frame_pos)
{
    if (!mb_api_supported(api_key, api_version))
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_wr_reserve(w, 4, frame_pos);
    return mb_resp_hdr_write(w, mb_api_resp_hdr_version(api_key, api_version), correlation_id);
}

int mb_frame_end(mb_wr *w, size_t frame_pos)
{
    size_t body;
    if (w->err)
        return w->err;
    body = w->total - frame_pos - 4;
    if (body > 0x7fffffffu)
        return mb_wr_fail(w, MSGBUS_ERR_LIMIT);
    return mb_wr_patch_i32(w, frame_pos, (int32_t)body);
}
