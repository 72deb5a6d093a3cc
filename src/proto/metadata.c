/*
 * metadata.c - Metadata bodies, per Kafka's MetadataRequest.json /
 * MetadataResponse.json (v1-v12).
 */
#include "metadata.h"

#include <string.h>

#define MD_KEY MB_API_METADATA

static int bad_array(const void *p, int32_t n, int nullable)
{
    return n < (nullable ? -1 : 0) || (n > 0 && !p);
}

/* ---- request ---- */

static int check_req(mb_wr *w, int16_t version, const mb_metadata_req *req)
{
    if (bad_array(req->topics, req->n_topics, 1))
        return mb_wr_fail(w, MSGBUS_ERR_INVALID_ARG);
    if ((version < 4 && !req->allow_auto_topic_creation) ||
        ((version < 8 || version > 10) && req->include_cluster_authorized_operations) ||
        (version < 8 && req->include_topic_authorized_operations))
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    return w->err;
}

int mb_metadata_req_write(mb_wr *w, int16_t version, const mb_metadata_req *req)
{
    int flex;
    int32_t i;
    if (!mb_api_supported(MD_KEY, version))
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    if (check_req(w, version, req))
        return w->err;
    flex = mb_api_is_flexible(MD_KEY, version);
    mb_wr_array_v(w, flex, req->n_topics);
    for (i = 0; i < req->n_topics; i++) {
        if (version >= 10) {
            mb_wr_uuid(w, &req->topics[i].topic_id);
            mb_wr_nstr_v(w, flex, req->topics[i].name);
        } else {
            mb_wr_str_v(w, flex, req->topics[i].name);
        }
        if (flex)
            mb_wr_tags_none(w);
    }
    if (version >= 4)
        mb_wr_bool(w, req->allow_auto_topic_creation);
    if (version >= 8 && version <= 10)
        mb_wr_bool(w, req->include_cluster_authorized_operations);
    if (version >= 8)
        mb_wr_bool(w, req->include_topic_authorized_operations);
    if (flex)
        mb_wr_tags_none(w);
    return w->err;
}

int mb_metadata_req_read(mb_rd *r, int16_t version, mb_arena *a, mb_metadata_req *req)
{
    int flex;
    int32_t i, n = 0;
    mb_metadata_req_topic *t;
    memset(req, 0, sizeof *req);
    req->allow_auto_topic_creation = 1;
    if (!mb_api_supported(MD_KEY, version))
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    flex = mb_api_is_flexible(MD_KEY, version);
    mb_rd_narray_v(r, flex, version >= 10 ? 18 : 2, &n);
    t = mb_rd_alloc(r, a, n, sizeof *t);
    for (i = 0; !r->err && i < n; i++) {
        if (version >= 10) {
            mb_rd_uuid(r, &t[i].topic_id);
            mb_rd_nstr_v(r, flex, &t[i].name);
        } else {
            mb_rd_str_v(r, flex, &t[i].name);
        }
        if (flex)
            mb_rd_tags(r, NULL, NULL);
    }
    if (version >= 4)
        mb_rd_bool(r, &req->allow_auto_topic_creation);
    if (version >= 8 && version <= 10)
        mb_rd_bool(r, &req->include_cluster_authorized_operations);
    if (version >= 8)
        mb_rd_bool(r, &req->include_topic_authorized_operations);
    if (flex)
        mb_rd_tags(r, NULL, NULL);
    if (!r->err) {
        req->topics = t;
        req->n_topics = n;
    }
    return mb_rd_end(r);
}

/* ---- response: writing ---- */

static int check_partition(const mb_metadata_partition *p)
{
    return bad_array(p->replica_nodes, p->n_replica_nodes, 0) ||
           bad_array(p->isr_nodes, p->n_isr_nodes, 0) ||
           bad_array(p->offline_replicas, p->n_offline_replicas, 0);
}

static int check_resp(mb_wr *w, int16_t version, const mb_metadata_resp *resp)
{
    int32_t i, j;
    if (bad_array(resp->brokers, resp->n_brokers, 0) || bad_array(resp->topics, resp->n_topics, 0))
        return mb_wr_fail(w, MSGBUS_ERR_INVALID_ARG);
    if ((version < 8 || version > 10) &&
        resp->cluster_authorized_operations != MB_METADATA_AUTH_OPS_UNKNOWN)
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    for (i = 0; i < resp->n_topics; i++) {
        const mb_metadata_topic *t = &resp->topics[i];
        if (bad_array(t->partitions, t->n_partitions, 0))
            return mb_wr_fail(w, MSGBUS_ERR_INVALID_ARG);
        for (j = 0; j < t->n_partitions; j++)
            if (check_partition(&t->partitions[j]))
                return mb_wr_fail(w, MSGBUS_ERR_INVALID_ARG);
        if (version < 8 && t->topic_authorized_operations != MB_METADATA_AUTH_OPS_UNKNOWN)
            return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    }
    return w->err;
}

static void wr_i32_array(mb_wr *w, int flex, const int32_t *v, int32_t n)
{
    int32_t i;
    mb_wr_array_v(w, flex, n);
    for (i = 0; i < n; i++)
        mb_wr_i32(w, v[i]);
}

static void wr_partition(mb_wr *w, int16_t version, int flex, const mb_metadata_partition *p)
{
    mb_wr_i16(w, p->error_code);
    mb_wr_i32(w, p->partition_index);
    mb_wr_i32(w, p->leader_id);
    if (version >= 7)
        mb_wr_i32(w, p->leader_epoch);
    wr_i32_array(w, flex, p->replica_nodes, p->n_replica_nodes);
    wr_i32_array(w, flex, p->isr_nodes, p->n_isr_nodes);
    if (version >= 5)
        wr_i32_array(w, flex, p->offline_replicas, p->n_offline_replicas);
    if (flex)
        mb_wr_tags_none(w);
}

static void wr_topic(mb_wr *w, int16_t version, int flex, const mb_metadata_topic *t)
{
    int32_t i;
    mb_wr_i16(w, t->error_code);
    if (version >= 12)
        mb_wr_nstr_v(w, flex, t->name);
    else
        mb_wr_str_v(w, flex, t->name);
    if (version >= 10)
        mb_wr_uuid(w, &t->topic_id);
    mb_wr_bool(w, t->is_internal);
    mb_wr_array_v(w, flex, t->n_partitions);
    for (i = 0; i < t->n_partitions; i++)
        wr_partition(w, version, flex, &t->partitions[i]);
    if (version >= 8)
        mb_wr_i32(w, t->topic_authorized_operations);
    if (flex)
        mb_wr_tags_none(w);
}

static void wr_broker(mb_wr *w, int flex, const mb_metadata_broker *b)
{
    mb_wr_i32(w, b->node_id);
    mb_wr_str_v(w, flex, b->host);
    mb_wr_i32(w, b->port);
    mb_wr_nstr_v(w, flex, b->rack);
    if (flex)
        mb_wr_tags_none(w);
}

int mb_metadata_resp_write(mb_wr *w, int16_t version, const mb_metadata_resp *resp)
{
    int flex;
    int32_t i;
    if (!mb_api_supported(MD_KEY, version))
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    if (check_resp(w, version, resp))
        return w->err;
    flex = mb_api_is_flexible(MD_KEY, version);
    if (version >= 3)
        mb_wr_i32(w, resp->throttle_time_ms);
    mb_wr_array_v(w, flex, resp->n_brokers);
    for (i = 0; i < resp->n_brokers; i++)
        wr_broker(w, flex, &resp->brokers[i]);
    if (version >= 2)
        mb_wr_nstr_v(w, flex, resp->cluster_id);
    mb_wr_i32(w, resp->controller_id);
    mb_wr_array_v(w, flex, resp->n_topics);
    for (i = 0; i < resp->n_topics; i++)
        wr_topic(w, version, flex, &resp->topics[i]);
    if (version >= 8 && version <= 10)
        mb_wr_i32(w, resp->cluster_authorized_operations);
    if (flex)
        mb_wr_tags_none(w);
    return w->err;
}

/* ---- response: reading ---- */

static void rd_i32_array(mb_rd *r, int flex, mb_arena *a, int32_t **v, int32_t *n)
{
    int32_t i, cnt = 0;
    int32_t *p;
    mb_rd_array_v(r, flex, 4, &cnt);
    p = mb_rd_alloc(r, a, cnt, sizeof *p);
    for (i = 0; !r->err && i < cnt; i++)
        mb_rd_i32(r, &p[i]);
    if (!r->err) {
        *v = p;
        *n = cnt;
    }
}

/* The fewest bytes one partition takes at @p version (bounds array counts). */
static size_t partition_min(int16_t version, int flex)
{
    size_t n = 2u + 4u + 4u + (version >= 7 ? 4u : 0u);
    size_t arr = flex ? 1u : 4u;
    return n + arr * (version >= 5 ? 3u : 2u) + (flex ? 1u : 0u);
}

static void rd_partition(mb_rd *r, int16_t version, int flex, mb_arena *a, mb_metadata_partition *p)
{
    p->leader_epoch = -1;
    mb_rd_i16(r, &p->error_code);
    mb_rd_i32(r, &p->partition_index);
    mb_rd_i32(r, &p->leader_id);
    if (version >= 7)
        mb_rd_i32(r, &p->leader_epoch);
    rd_i32_array(r, flex, a, &p->replica_nodes, &p->n_replica_nodes);
    rd_i32_array(r, flex, a, &p->isr_nodes, &p->n_isr_nodes);
    if (version >= 5)
        rd_i32_array(r, flex, a, &p->offline_replicas, &p->n_offline_replicas);
    if (flex)
        mb_rd_tags(r, NULL, NULL);
}

/* The fewest bytes one topic takes at @p version. */
static size_t topic_min(int16_t version, int flex)
{
    size_t n = 2u + (flex ? 1u : 2u) + (version >= 10 ? 16u : 0u) + 1u + (flex ? 1u : 4u);
    return n + (version >= 8 ? 4u : 0u) + (flex ? 1u : 0u);
}

static void rd_topic(mb_rd *r, int16_t version, int flex, mb_arena *a, mb_metadata_topic *t)
{
    int32_t i, n = 0;
    mb_metadata_partition *p;
    t->topic_authorized_operations = MB_METADATA_AUTH_OPS_UNKNOWN;
    mb_rd_i16(r, &t->error_code);
    if (version >= 12)
        mb_rd_nstr_v(r, flex, &t->name);
    else
        mb_rd_str_v(r, flex, &t->name);
    if (version >= 10)
        mb_rd_uuid(r, &t->topic_id);
    mb_rd_bool(r, &t->is_internal);
    mb_rd_array_v(r, flex, partition_min(version, flex), &n);
    p = mb_rd_alloc(r, a, n, sizeof *p);
    for (i = 0; !r->err && i < n; i++)
        rd_partition(r, version, flex, a, &p[i]);
    if (!r->err) {
        t->partitions = p;
        t->n_partitions = n;
    }
    if (version >= 8)
        mb_rd_i32(r, &t->topic_authorized_operations);
    if (flex)
        mb_rd_tags(r, NULL, NULL);
}

static void rd_brokers(mb_rd *r, int flex, mb_arena *a, mb_metadata_resp *resp)
{
    int32_t i, n = 0;
    mb_metadata_broker *b;
    mb_rd_array_v(r, flex, flex ? 11 : 12, &n);
    b = mb_rd_alloc(r, a, n, sizeof *b);
    for (i = 0; !r->err && i < n; i++) {
        mb_rd_i32(r, &b[i].node_id);
        mb_rd_str_v(r, flex, &b[i].host);
        mb_rd_i32(r, &b[i].port);
        mb_rd_nstr_v(r, flex, &b[i].rack);
        if (flex)
            mb_rd_tags(r, NULL, NULL);
    }
    if (!r->err) {
        resp->brokers = b;
        resp->n_brokers = n;
    }
}

static void rd_topics(mb_rd *r, int16_t version, int flex, mb_arena *a, mb_metadata_resp *resp)
{
    int32_t i, n = 0;
    mb_metadata_topic *t;
    mb_rd_array_v(r, flex, topic_min(version, flex), &n);
    t = mb_rd_alloc(r, a, n, sizeof *t);
    for (i = 0; !r->err && i < n; i++)
        rd_topic(r, version, flex, a, &t[i]);
    if (!r->err) {
        resp->topics = t;
        resp->n_topics = n;
    }
}

int mb_metadata_resp_read(mb_rd *r, int16_t version, mb_arena *a, mb_metadata_resp *resp)
{
    int flex;
    memset(resp, 0, sizeof *resp);
    resp->cluster_id = MB_STR_NULL;
    resp->controller_id = -1;
    resp->cluster_authorized_operations = MB_METADATA_AUTH_OPS_UNKNOWN;
    if (!mb_api_supported(MD_KEY, version))
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    flex = mb_api_is_flexible(MD_KEY, version);
    if (version >= 3)
        mb_rd_i32(r, &resp->throttle_time_ms);
    rd_brokers(r, flex, a, resp);
    if (version >= 2)
        mb_rd_nstr_v(r, flex, &resp->cluster_id);
    mb_rd_i32(r, &resp->controller_id);
    rd_topics(r, version, flex, a, resp);
    if (version >= 8 && version <= 10)
        mb_rd_i32(r, &resp->cluster_authorized_operations);
    if (flex)
        mb_rd_tags(r, NULL, NULL);
    return mb_rd_end(r);
}

int mb_metadata_find_topic(const mb_metadata_resp *m, mb_str name)
{
    int32_t i;
    if (!m || name.len < 0 || !m->topics)
        return -1;
    for (i = 0; i < m->n_topics; i++)
        if (mb_str_eq(m->topics[i].name, name))
            return (int)i;
    return -1;
}
