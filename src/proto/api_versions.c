/*
 * api_versions.c - ApiVersions bodies, per Kafka's ApiVersionsRequest.json /
 * ApiVersionsResponse.json (v0-v3), and version negotiation.
 */
#include "api_versions.h"

#include <string.h>

#define AV_KEY MB_API_API_VERSIONS

int mb_api_versions_req_write(mb_wr *w, int16_t version, const mb_api_versions_req *req)
{
    int flex;
    if (!mb_api_supported(AV_KEY, version))
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    flex = mb_api_is_flexible(AV_KEY, version);
    if (version >= 3) {
        mb_wr_str_v(w, flex, req->client_software_name);
        mb_wr_str_v(w, flex, req->client_software_version);
    }
    if (flex)
        mb_wr_tags_none(w);
    return w->err;
}

int mb_api_versions_req_read(mb_rd *r, int16_t version, mb_arena *a, mb_api_versions_req *req)
{
    int flex;
    (void)a;
    req->client_software_name = (mb_str){"", 0};
    req->client_software_version = (mb_str){"", 0};
    if (!mb_api_supported(AV_KEY, version))
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    flex = mb_api_is_flexible(AV_KEY, version);
    if (version >= 3) {
        mb_rd_str_v(r, flex, &req->client_software_name);
        mb_rd_str_v(r, flex, &req->client_software_version);
    }
    if (flex)
        mb_rd_tags(r, NULL, NULL);
    return mb_rd_end(r);
}

/* ---- response: writing ---- */

static int check_array(mb_wr *w, const void *p, int32_t n)
{
    if (n < 0 || (n > 0 && !p))
        return mb_wr_fail(w, MSGBUS_ERR_INVALID_ARG);
    return w->err;
}

static int wr_features(mb_wr *w, const mb_api_versions_resp *resp)
{
    int32_t i;
    mb_wr_array_v(w, 1, resp->n_supported_features);
    for (i = 0; i < resp->n_supported_features; i++) {
        const mb_api_versions_feature *f = &resp->supported_features[i];
        mb_wr_str_v(w, 1, f->name);
        mb_wr_i16(w, f->min_version);
        mb_wr_i16(w, f->max_version);
        mb_wr_tags_none(w);
    }
    return w->err;
}

static int wr_finalized(mb_wr *w, const mb_api_versions_resp *resp)
{
    int32_t i;
    mb_wr_array_v(w, 1, resp->n_finalized_features);
    for (i = 0; i < resp->n_finalized_features; i++) {
        const mb_api_versions_finalized *f = &resp->finalized_features[i];
        mb_wr_str_v(w, 1, f->name);
        mb_wr_i16(w, f->max_version_level);
        mb_wr_i16(w, f->min_version_level);
        mb_wr_tags_none(w);
    }
    return w->err;
}

typedef int (*av_wr_fn)(mb_wr *w, const mb_api_versions_resp *resp);

/* One tagged field whose content @p fn writes: size it first, then write it. */
static int wr_tag(mb_wr *w, uint32_t tag, const mb_api_versions_resp *resp, av_wr_fn fn)
{
    mb_wr sz;
    mb_wr_init(&sz, NULL, 0);
    if (fn(&sz, resp))
        return mb_wr_fail(w, sz.err);
    if (sz.total > 0x7fffffffu)
        return mb_wr_fail(w, MSGBUS_ERR_LIMIT);
    mb_wr_tag_head(w, tag, (uint32_t)sz.total);
    return fn(w, resp);
}

static int wr_resp_tags(mb_wr *w, const mb_api_versions_resp *resp)
{
    int n = (resp->n_supported_features > 0) + (resp->finalized_features_epoch != -1) +
            (resp->n_finalized_features > 0) + (resp->zk_migration_ready != 0);
    if (check_array(w, resp->supported_features, resp->n_supported_features) ||
        check_array(w, resp->finalized_features, resp->n_finalized_features))
        return w->err;
    mb_wr_uvarint(w, (uint32_t)n);
    if (resp->n_supported_features > 0)
        wr_tag(w, 0, resp, wr_features);
    if (resp->finalized_features_epoch != -1) {
        mb_wr_tag_head(w, 1, 8);
        mb_wr_i64(w, resp->finalized_features_epoch);
    }
    if (resp->n_finalized_features > 0)
        wr_tag(w, 2, resp, wr_finalized);
    if (resp->zk_migration_ready != 0) {
        mb_wr_tag_head(w, 3, 1);
        mb_wr_bool(w, 1);
    }
    return w->err;
}

int mb_api_versions_resp_write(mb_wr *w, int16_t version, const mb_api_versions_resp *resp)
{
    int flex;
    int32_t i;
    if (!mb_api_supported(AV_KEY, version))
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    if (check_array(w, resp->api_keys, resp->n_api_keys))
        return w->err;
    flex = mb_api_is_flexible(AV_KEY, version);
    mb_wr_i16(w, resp->error_code);
    mb_wr_array_v(w, flex, resp->n_api_keys);
    for (i = 0; i < resp->n_api_keys; i++) {
        mb_wr_i16(w, resp->api_keys[i].api_key);
        mb_wr_i16(w, resp->api_keys[i].min_version);
        mb_wr_i16(w, resp->api_keys[i].max_version);
        if (flex)
            mb_wr_tags_none(w);
    }
    if (version >= 1)
        mb_wr_i32(w, resp->throttle_time_ms);
    if (flex)
        wr_resp_tags(w, resp);
    return w->err;
}

/* ---- response: reading ---- */

static int rd_keys(mb_rd *r, int flex, mb_arena *a, mb_api_versions_resp *resp)
{
    int32_t i, n = 0;
    mb_api_versions_key *k;
    mb_rd_array_v(r, flex, flex ? 7 : 6, &n);
    k = mb_rd_alloc(r, a, n, sizeof *k);
    for (i = 0; !r->err && i < n; i++) {
        mb_rd_i16(r, &k[i].api_key);
        mb_rd_i16(r, &k[i].min_version);
        mb_rd_i16(r, &k[i].max_version);
        if (flex)
            mb_rd_tags(r, NULL, NULL);
    }
    if (!r->err) {
        resp->api_keys = k;
        resp->n_api_keys = n;
    }
    return r->err;
}

static int rd_features(mb_rd *r, mb_arena *a, mb_api_versions_resp *resp)
{
    int32_t i, n = 0;
    mb_api_versions_feature *f;
    mb_rd_array_v(r, 1, 6, &n);
    f = mb_rd_alloc(r, a, n, sizeof *f);
    for (i = 0; !r->err && i < n; i++) {
        mb_rd_str_v(r, 1, &f[i].name);
        mb_rd_i16(r, &f[i].min_version);
        mb_rd_i16(r, &f[i].max_version);
        mb_rd_tags(r, NULL, NULL);
    }
    if (!r->err) {
        resp->supported_features = f;
        resp->n_supported_features = n;
    }
    return r->err;
}

static int rd_finalized(mb_rd *r, mb_arena *a, mb_api_versions_resp *resp)
{
    int32_t i, n = 0;
    mb_api_versions_finalized *f;
    mb_rd_array_v(r, 1, 6, &n);
    f = mb_rd_alloc(r, a, n, sizeof *f);
    for (i = 0; !r->err && i < n; i++) {
        mb_rd_str_v(r, 1, &f[i].name);
        mb_rd_i16(r, &f[i].max_version_level);
        mb_rd_i16(r, &f[i].min_version_level);
        mb_rd_tags(r, NULL, NULL);
    }
    if (!r->err) {
        resp->finalized_features = f;
        resp->n_finalized_features = n;
    }
    return r->err;
}

typedef struct av_tag_ctx {
    mb_api_versions_resp *resp;
    mb_arena *a;
} av_tag_ctx;

/* Known tagged fields of the response body; each must fill its field exactly. */
static int rd_resp_tag(void *ctx, uint32_t tag, mb_rd *f)
{
    av_tag_ctx *c = ctx;
    switch (tag) {
    case 0:
        rd_features(f, c->a, c->resp);
        break;
    case 1:
        mb_rd_i64(f, &c->resp->finalized_features_epoch);
        break;
    case 2:
        rd_finalized(f, c->a, c->resp);
        break;
    case 3:
        mb_rd_bool(f, &c->resp->zk_migration_ready);
        break;
    default:
        return 0;
    }
    return mb_rd_end(f);
}

static void resp_defaults(mb_api_versions_resp *resp)
{
    memset(resp, 0, sizeof *resp);
    resp->finalized_features_epoch = -1;
}

/* UNSUPPORTED_VERSION: the body is (meant to be) v0 whatever was asked. */
static int rd_fallback_v0(mb_rd *r, mb_arena *a, mb_api_versions_resp *resp)
{
    mb_rd try_rd = *r;
    size_t used = a->used;
    if (rd_keys(&try_rd, 0, a, resp) == 0 && mb_rd_end(&try_rd) == 0) {
        *r = try_rd;
        return 0;
    }
    a->used = used;
    resp->api_keys = NULL;
    resp->n_api_keys = 0;
    return mb_rd_skip(r, r->left);
}

int mb_api_versions_resp_read(mb_rd *r, int16_t version, mb_arena *a, mb_api_versions_resp *resp)
{
    int flex;
    resp_defaults(resp);
    if (!mb_api_supported(AV_KEY, version))
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    flex = mb_api_is_flexible(AV_KEY, version);
    if (mb_rd_i16(r, &resp->error_code))
        return r->err;
    if (resp->error_code == MSGBUS_KERR_UNSUPPORTED_VERSION && version > 0)
        return rd_fallback_v0(r, a, resp);
    rd_keys(r, flex, a, resp);
    if (version >= 1)
        mb_rd_i32(r, &resp->throttle_time_ms);
    if (flex) {
        av_tag_ctx c;
        c.resp = resp;
        c.a = a;
        mb_rd_tags(r, rd_resp_tag, &c);
    }
    return mb_rd_end(r);
}

int16_t mb_api_versions_pick(const mb_api_versions_resp *r, int16_t api_key, int16_t our_min,
                             int16_t our_max)
{
    int32_t i;
    if (!r || our_min < 0 || our_min > our_max)
        return -1;
    for (i = 0; r->api_keys && i < r->n_api_keys; i++) {
        const mb_api_versions_key *k = &r->api_keys[i];
        int16_t lo, hi;
        if (k->api_key != api_key)
            continue;
        lo = k->min_version > our_min ? k->min_version : our_min;
        hi = k->max_version < our_max ? k->max_version : our_max;
        return hi >= lo ? hi : -1;
    }
    return -1;
}
