/* test_metadata.c - Metadata v1-v12 bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/metadata.h"
#include "testutil.h"

TU_BODY_OPS(metadata_req)
TU_BODY_OPS(metadata_resp)

static const mb_uuid g_id = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};
static const mb_uuid g_zero = {{0}};

static void assert_uuid(const mb_uuid *got, const mb_uuid *want)
{
    assert_memory_equal(got->b, want->b, 16);
}

static void assert_i32s(const int32_t *a, int32_t na, const int32_t *b, int32_t nb)
{
    int32_t i;
    assert_int_equal(na, nb);
    for (i = 0; i < na; i++)
        assert_int_equal(a[i], b[i]);
}

/* ---- comparisons: every field, exactly ---- */

static void cmp_req(const void *want, const void *got, int16_t v)
{
    const mb_metadata_req *a = want, *b = got;
    int32_t i;
    (void)v;
    assert_int_equal(a->n_topics, b->n_topics);
    for (i = 0; i < a->n_topics; i++) {
        assert_uuid(&b->topics[i].topic_id, &a->topics[i].topic_id);
        assert_true(mb_str_eq(a->topics[i].name, b->topics[i].name));
    }
    assert_int_equal(a->allow_auto_topic_creation, b->allow_auto_topic_creation);
    assert_int_equal(a->include_cluster_authorized_operations,
                     b->include_cluster_authorized_operations);
    assert_int_equal(a->include_topic_authorized_operations,
                     b->include_topic_authorized_operations);
}

static void cmp_partition(const mb_metadata_partition *a, const mb_metadata_partition *b)
{
    assert_int_equal(a->error_code, b->error_code);
    assert_int_equal(a->partition_index, b->partition_index);
    assert_int_equal(a->leader_id, b->leader_id);
    assert_int_equal(a->leader_epoch, b->leader_epoch);
    assert_i32s(a->replica_nodes, a->n_replica_nodes, b->replica_nodes, b->n_replica_nodes);
    assert_i32s(a->isr_nodes, a->n_isr_nodes, b->isr_nodes, b->n_isr_nodes);
    assert_i32s(a->offline_replicas, a->n_offline_replicas, b->offline_replicas,
                b->n_offline_replicas);
}

static void cmp_topic(const mb_metadata_topic *a, const mb_metadata_topic *b)
{
    int32_t i;
    assert_int_equal(a->error_code, b->error_code);
    assert_true(mb_str_eq(a->name, b->name));
    assert_uuid(&b->topic_id, &a->topic_id);
    assert_int_equal(a->is_internal, b->is_internal);
    assert_int_equal(a->n_partitions, b->n_partitions);
    for (i = 0; i < a->n_partitions; i++)
        cmp_partition(&a->partitions[i], &b->partitions[i]);
    assert_int_equal(a->topic_authorized_operations, b->topic_authorized_operations);
}

static void cmp_resp(const void *want, const void *got, int16_t v)
{
    const mb_metadata_resp *a = want, *b = got;
    int32_t i;
    (void)v;
    assert_int_equal(a->throttle_time_ms, b->throttle_time_ms);
    assert_int_equal(a->n_brokers, b->n_brokers);
    for (i = 0; i < a->n_brokers; i++) {
        assert_int_equal(a->brokers[i].node_id, b->brokers[i].node_id);
        assert_true(mb_str_eq(a->brokers[i].host, b->brokers[i].host));
        assert_int_equal(a->brokers[i].port, b->brokers[i].port);
        assert_true(mb_str_eq(a->brokers[i].rack, b->brokers[i].rack));
    }
    assert_true(mb_str_eq(a->cluster_id, b->cluster_id));
    assert_int_equal(a->controller_id, b->controller_id);
    assert_int_equal(a->n_topics, b->n_topics);
    for (i = 0; i < a->n_topics; i++)
        cmp_topic(&a->topics[i], &b->topics[i]);
    assert_int_equal(a->cluster_authorized_operations, b->cluster_authorized_operations);
}

/* ---- what a full message looks like after a trip through version v ---- */

static void req_at(int16_t v, mb_metadata_req *req, mb_metadata_req_topic t[3])
{
    t[0].topic_id = v >= 10 ? g_id : g_zero;
    t[0].name = v >= 10 ? MB_STR_NULL : mb_str_c("by-id-before-v10");
    t[1].topic_id = g_zero;
    t[1].name = mb_str_c("orders");
    t[2].topic_id = g_zero;
    t[2].name = mb_str_c("");
    req->topics = t;
    req->n_topics = 3;
    req->allow_auto_topic_creation = v >= 4 ? 0 : 1;
    req->include_cluster_authorized_operations = v >= 8 && v <= 10;
    req->include_topic_authorized_operations = v >= 8;
}

static int32_t g_rep[3] = {1, 2, 3}, g_isr[2] = {1, 3}, g_off[1] = {2};
static mb_metadata_broker g_brokers[2] = {{1, {"b1.example", 10}, 9092, {"rack-a", 6}},
                                          {2, {"b2.example", 10}, 9093, {NULL, -1}}};

static void partition_at(int16_t v, mb_metadata_partition *p, int32_t idx)
{
    memset(p, 0, sizeof *p);
    p->error_code = (int16_t)(idx ? 9 : 0);
    p->partition_index = idx;
    p->leader_id = idx ? -1 : 1;
    p->leader_epoch = v >= 7 ? 12 + idx : -1;
    p->replica_nodes = g_rep;
    p->n_replica_nodes = 3;
    p->isr_nodes = g_isr;
    p->n_isr_nodes = idx ? 0 : 2;
    p->offline_replicas = v >= 5 ? g_off : NULL;
    p->n_offline_replicas = v >= 5 ? 1 : 0;
}

static void resp_at(int16_t v, mb_metadata_resp *m, mb_metadata_topic t[2],
                    mb_metadata_partition p[2])
{
    memset(m, 0, sizeof *m);
    m->throttle_time_ms = v >= 3 ? 17 : 0;
    m->brokers = g_brokers;
    m->n_brokers = 2;
    m->cluster_id = v >= 2 ? mb_str_c("cluster-x") : MB_STR_NULL;
    m->controller_id = 2;
    partition_at(v, &p[0], 0);
    partition_at(v, &p[1], 1);
    t[0].error_code = 0;
    t[0].name = mb_str_c("orders");
    t[0].topic_id = v >= 10 ? g_id : g_zero;
    t[0].is_internal = 0;
    t[0].partitions = p;
    t[0].n_partitions = 2;
    t[0].topic_authorized_operations = v >= 8 ? 0x0df8 : MB_METADATA_AUTH_OPS_UNKNOWN;
    t[1] = t[0];
    t[1].error_code = v >= 12 ? 100 : 3;
    t[1].name = v >= 12 ? MB_STR_NULL : mb_str_c("__consumer_offsets");
    t[1].is_internal = 1;
    t[1].partitions = NULL;
    t[1].n_partitions = 0;
    m->topics = t;
    m->n_topics = 2;
    m->cluster_authorized_operations = v >= 8 && v <= 10 ? 0x0ff8 : MB_METADATA_AUTH_OPS_UNKNOWN;
}

static void test_req_roundtrip_all_versions(void **state)
{
    mb_metadata_req_topic t[3];
    mb_metadata_req req, out;
    int16_t v;
    (void)state;
    for (v = 1; v <= 12; v++) {
        req_at(v, &req, t);
        tu_roundtrip(v, &req, &out, w_metadata_req, r_metadata_req, cmp_req);
        req.n_topics = -1; /* all topics */
        req.topics = NULL;
        tu_roundtrip(v, &req, &out, w_metadata_req, r_metadata_req, cmp_req);
        assert_int_equal(out.n_topics, -1);
        req.n_topics = 0; /* no topics */
        tu_roundtrip(v, &req, &out, w_metadata_req, r_metadata_req, cmp_req);
        assert_int_equal(out.n_topics, 0);
    }
}

static void test_resp_roundtrip_all_versions(void **state)
{
    mb_metadata_topic t[2];
    mb_metadata_partition p[2];
    mb_metadata_resp m, out;
    int16_t v;
    (void)state;
    for (v = 1; v <= 12; v++) {
        resp_at(v, &m, t, p);
        tu_roundtrip(v, &m, &out, w_metadata_resp, r_metadata_resp, cmp_resp);
        m.n_topics = 0;
        m.n_brokers = 0;
        tu_roundtrip(v, &m, &out, w_metadata_resp, r_metadata_resp, cmp_resp);
    }
}

/* Fields absent at a version decode to the schema defaults. */
static void test_defaults_when_absent(void **state)
{
    /* v1: brokers [node 1, "h", 9092, rack null], controller 1,
     *     topics ["t": error 0, internal 0, one partition: error 0, index 0,
     *     leader 1, replicas [1], isr [1]] */
    static const char *hex = "00000001 00000001 0001 68 00002384 ffff"
                             "00000001"
                             "00000001 0000 0001 74 00"
                             "00000001 0000 00000000 00000001 00000001 00000001 00000001 00000001";
    uint8_t buf[128], enc[128];
    size_t n = tu_hex(hex, buf, sizeof buf);
    mb_metadata_resp *m = (mb_metadata_resp *)tu_out;
    struct tu_dec_ctx c = {1, r_metadata_resp};
    mb_wr w;
    (void)state;
    assert_int_equal(tu_dec_any(buf, n, &c), 0);
    assert_int_equal(m->throttle_time_ms, 0);
    assert_true(m->cluster_id.len < 0);
    assert_int_equal(m->controller_id, 1);
    assert_int_equal(m->cluster_authorized_operations, INT32_MIN);
    assert_int_equal(m->n_brokers, 1);
    tu_assert_str(m->brokers[0].host, "h");
    assert_true(m->brokers[0].rack.len < 0);
    assert_int_equal(m->n_topics, 1);
    tu_assert_str(m->topics[0].name, "t");
    assert_uuid(&m->topics[0].topic_id, &g_zero);
    assert_int_equal(m->topics[0].topic_authorized_operations, INT32_MIN);
    assert_int_equal(m->topics[0].partitions[0].leader_epoch, -1);
    assert_int_equal(m->topics[0].partitions[0].n_offline_replicas, 0);
    assert_int_equal(m->topics[0].partitions[0].replica_nodes[0], 1);
    assert_int_equal(mb_metadata_find_topic(m, mb_str_c("t")), 0);
    mb_wr_init(&w, enc, sizeof enc);
    assert_int_equal(mb_metadata_resp_write(&w, 1, m), 0);
    tu_assert_bytes(enc, w.len, buf, n);
    tu_check_truncations(buf, n, tu_dec_any, &c);
    /* v3 request (topic "t"): allow_auto_topic_creation decodes as true */
    n = tu_hex("00000001 0001 74", buf, sizeof buf);
    c.rf = r_metadata_req;
    c.v = 3;
    assert_int_equal(tu_dec_any(buf, n, &c), 0);
    assert_int_equal(((mb_metadata_req *)tu_out)->allow_auto_topic_creation, 1);
    assert_int_equal(((mb_metadata_req *)tu_out)->include_topic_authorized_operations, 0);
    tu_check_truncations(buf, n, tu_dec_any, &c);
    /* v1 request: a null array means all topics */
    assert_int_equal(tu_dec_hex("ffffffff", 1, r_metadata_req), 0);
    assert_int_equal(((mb_metadata_req *)tu_out)->n_topics, -1);
}

/* Classic versions, byte-exact: where each field appears (v2..v8). */
static const struct {
    int16_t v;
    const char *hex;
    int32_t throttle, epoch, n_offline, topic_ops, cluster_ops;
} g_classic[] = {
    {2,
     "00000001 00000001 0001 68 00002384 0001 72  0001 63  00000001"
     "00000001 0000 0001 74 01 00000001"
     "  0000 00000000 00000001 00000001 00000001 00000001 00000001",
     0, -1, 0, INT32_MIN, INT32_MIN},
    {4,
     "00000007 00000001 00000001 0001 68 00002384 0001 72  0001 63  00000001"
     "00000001 0000 0001 74 01 00000001"
     "  0000 00000000 00000001 00000001 00000001 00000001 00000001",
     7, -1, 0, INT32_MIN, INT32_MIN},
    {6,
     "00000007 00000001 00000001 0001 68 00002384 0001 72  0001 63  00000001"
     "00000001 0000 0001 74 01 00000001"
     "  0000 00000000 00000001 00000001 00000001 00000001 00000001 00000001 00000002",
     7, -1, 1, INT32_MIN, INT32_MIN},
    {8,
     "00000007 00000001 00000001 0001 68 00002384 0001 72  0001 63  00000001"
     "00000001 0000 0001 74 01 00000001"
     "  0000 00000000 00000001 00000004 00000001 00000001 00000001 00000001 00000000"
     "  00000df8"
     "00000ff8",
     7, 4, 0, 0x0df8, 0x0ff8},
};

static void test_classic_versions_bytes(void **state)
{
    mb_metadata_resp *m = (mb_metadata_resp *)tu_out;
    uint8_t buf[256], enc[256];
    size_t i, n;
    mb_wr w;
    (void)state;
    for (i = 0; i < sizeof g_classic / sizeof g_classic[0]; i++) {
        struct tu_dec_ctx c = {g_classic[i].v, r_metadata_resp};
        n = tu_hex(g_classic[i].hex, buf, sizeof buf);
        assert_int_equal(tu_dec_any(buf, n, &c), 0);
        assert_int_equal(m->throttle_time_ms, g_classic[i].throttle);
        tu_assert_str(m->brokers[0].rack, "r");
        tu_assert_str(m->cluster_id, "c");
        assert_int_equal(m->topics[0].is_internal, 1);
        assert_int_equal(m->topics[0].partitions[0].leader_epoch, g_classic[i].epoch);
        assert_int_equal(m->topics[0].partitions[0].n_offline_replicas, g_classic[i].n_offline);
        assert_int_equal(m->topics[0].topic_authorized_operations, g_classic[i].topic_ops);
        assert_int_equal(m->cluster_authorized_operations, g_classic[i].cluster_ops);
        mb_wr_init(&w, enc, sizeof enc);
        assert_int_equal(mb_metadata_resp_write(&w, g_classic[i].v, m), 0);
        tu_assert_bytes(enc, w.len, buf, n);
        tu_check_truncations(buf, n, tu_dec_any, &c);
    }
    /* requests: v7 has allow_auto_topic_creation only, v8 adds both include flags */
    assert_int_equal(tu_dec_hex("00000001 0001 74 00", 7, r_metadata_req), 0);
    assert_int_equal(((mb_metadata_req *)tu_out)->allow_auto_topic_creation, 0);
    assert_int_equal(tu_dec_hex("00000001 0001 74 00 01 01", 8, r_metadata_req), 0);
    assert_int_equal(((mb_metadata_req *)tu_out)->include_cluster_authorized_operations, 1);
    assert_int_equal(((mb_metadata_req *)tu_out)->include_topic_authorized_operations, 1);
    assert_int_equal(tu_dec_hex("00000001 0001 74 00 01 01", 7, r_metadata_req),
                     MSGBUS_ERR_MALFORMED);
}

/* Many smallest-possible elements: the count bounds must not be too strict. */
static void test_minimal_elements(void **state)
{
    static mb_metadata_req_topic rt[20];
    static mb_metadata_broker b[20];
    static mb_metadata_topic t[21];
    static mb_metadata_partition p[20];
    mb_metadata_req req, req_out;
    mb_metadata_resp m, out;
    int16_t v;
    int i;
    (void)state;
    for (v = 1; v <= 12; v++) {
        memset(&m, 0, sizeof m);
        memset(p, 0, sizeof p);
        for (i = 0; i < 20; i++) {
            rt[i].topic_id = g_zero;
            rt[i].name = v >= 10 ? MB_STR_NULL : mb_str_c("");
            b[i].host = mb_str_c("");
            b[i].rack = MB_STR_NULL;
            p[i].leader_epoch = -1;
        }
        for (i = 0; i < 21; i++) {
            memset(&t[i], 0, sizeof t[i]);
            t[i].name = v >= 12 ? MB_STR_NULL : mb_str_c("");
            t[i].topic_authorized_operations = MB_METADATA_AUTH_OPS_UNKNOWN;
        }
        t[20].partitions = p;
        t[20].n_partitions = 20;
        req = (mb_metadata_req){rt, 20, 1, 0, 0};
        tu_roundtrip(v, &req, &req_out, w_metadata_req, r_metadata_req, cmp_req);
        /* separately, so that no other part's slack hides a too-strict bound */
        m = (mb_metadata_resp){0, b, 20, MB_STR_NULL, -1, NULL, 0, MB_METADATA_AUTH_OPS_UNKNOWN};
        tu_roundtrip(v, &m, &out, w_metadata_resp, r_metadata_resp, cmp_resp);
        m = (mb_metadata_resp){0, NULL, 0, MB_STR_NULL, -1, t, 20, MB_METADATA_AUTH_OPS_UNKNOWN};
        tu_roundtrip(v, &m, &out, w_metadata_resp, r_metadata_resp, cmp_resp);
        m.topics = &t[20];
        m.n_topics = 1;
        tu_roundtrip(v, &m, &out, w_metadata_resp, r_metadata_resp, cmp_resp);
    }
}

/* ---- schema vectors, v9-v12 ---- */

static void check_req_v9(const void *p)
{
    const mb_metadata_req *r = p;
    assert_int_equal(r->n_topics, 1);
    tu_assert_str(r->topics[0].name, "orders");
    assert_uuid(&r->topics[0].topic_id, &g_zero);
    assert_int_equal(r->allow_auto_topic_creation, 1);
    assert_int_equal(r->include_cluster_authorized_operations, 0);
    assert_int_equal(r->include_topic_authorized_operations, 1);
}

static void check_req_v10(const void *p)
{
    const mb_metadata_req *r = p;
    assert_int_equal(r->n_topics, 1);
    assert_uuid(&r->topics[0].topic_id, &g_zero);
    tu_assert_str(r->topics[0].name, "orders");
    assert_int_equal(r->allow_auto_topic_creation, 0);
    assert_int_equal(r->include_cluster_authorized_operations, 1);
    assert_int_equal(r->include_topic_authorized_operations, 0);
}

static void check_req_v11(const void *p)
{
    const mb_metadata_req *r = p;
    assert_int_equal(r->n_topics, -1);
    assert_null(r->topics);
    assert_int_equal(r->allow_auto_topic_creation, 0);
    assert_int_equal(r->include_cluster_authorized_operations, 0);
    assert_int_equal(r->include_topic_authorized_operations, 1);
}

static void check_req_v12(const void *p)
{
    const mb_metadata_req *r = p;
    assert_int_equal(r->n_topics, 2);
    assert_uuid(&r->topics[0].topic_id, &g_id);
    tu_assert_str(r->topics[0].name, NULL);
    assert_uuid(&r->topics[1].topic_id, &g_zero);
    tu_assert_str(r->topics[1].name, "orders");
    assert_int_equal(r->allow_auto_topic_creation, 1);
    assert_int_equal(r->include_topic_authorized_operations, 0);
}

static void check_resp_v9(const void *p)
{
    const mb_metadata_resp *m = p;
    const mb_metadata_partition *pa;
    assert_int_equal(m->throttle_time_ms, 0);
    assert_int_equal(m->n_brokers, 2);
    assert_int_equal(m->brokers[0].node_id, 1);
    tu_assert_str(m->brokers[0].host, "b1");
    assert_int_equal(m->brokers[0].port, 9092);
    tu_assert_str(m->brokers[0].rack, "r1");
    assert_int_equal(m->brokers[1].node_id, 2);
    tu_assert_str(m->brokers[1].host, "b2");
    assert_int_equal(m->brokers[1].port, 9093);
    tu_assert_str(m->brokers[1].rack, NULL);
    tu_assert_str(m->cluster_id, "c1");
    assert_int_equal(m->controller_id, 1);
    assert_int_equal(m->n_topics, 1);
    assert_int_equal(m->topics[0].error_code, 0);
    tu_assert_str(m->topics[0].name, "orders");
    assert_int_equal(m->topics[0].is_internal, 0);
    assert_int_equal(m->topics[0].n_partitions, 1);
    pa = &m->topics[0].partitions[0];
    assert_int_equal(pa->error_code, 0);
    assert_int_equal(pa->partition_index, 0);
    assert_int_equal(pa->leader_id, 1);
    assert_int_equal(pa->leader_epoch, 5);
    assert_i32s(pa->replica_nodes, pa->n_replica_nodes, (int32_t[]){1, 2}, 2);
    assert_i32s(pa->isr_nodes, pa->n_isr_nodes, (int32_t[]){1}, 1);
    assert_i32s(pa->offline_replicas, pa->n_offline_replicas, (int32_t[]){2}, 1);
    assert_int_equal(m->topics[0].topic_authorized_operations, 0x0df8);
    assert_int_equal(m->cluster_authorized_operations, INT32_MIN);
}

static void check_resp_v10(const void *p)
{
    const mb_metadata_resp *m = p;
    const mb_metadata_partition *pa;
    assert_int_equal(m->throttle_time_ms, 5);
    assert_int_equal(m->n_brokers, 1);
    tu_assert_str(m->brokers[0].rack, NULL);
    tu_assert_str(m->cluster_id, NULL);
    assert_int_equal(m->controller_id, -1);
    assert_int_equal(m->n_topics, 1);
    tu_assert_str(m->topics[0].name, "orders");
    assert_uuid(&m->topics[0].topic_id, &g_id);
    assert_int_equal(m->topics[0].is_internal, 1);
    assert_int_equal(m->topics[0].n_partitions, 2);
    pa = &m->topics[0].partitions[0];
    assert_int_equal(pa->leader_epoch, 7);
    assert_i32s(pa->replica_nodes, pa->n_replica_nodes, (int32_t[]){1}, 1);
    assert_i32s(pa->isr_nodes, pa->n_isr_nodes, (int32_t[]){1}, 1);
    assert_int_equal(pa->n_offline_replicas, 0);
    pa = &m->topics[0].partitions[1];
    assert_int_equal(pa->error_code, 5);
    assert_int_equal(pa->partition_index, 1);
    assert_int_equal(pa->leader_id, -1);
    assert_int_equal(pa->leader_epoch, -1);
    assert_int_equal(pa->n_replica_nodes, 0);
    assert_int_equal(pa->n_isr_nodes, 0);
    assert_int_equal(m->topics[0].topic_authorized_operations, INT32_MIN);
    assert_int_equal(m->cluster_authorized_operations, 0x0ff8);
}

static void check_resp_v11(const void *p)
{
    const mb_metadata_resp *m = p;
    assert_int_equal(m->n_brokers, 1);
    assert_int_equal(m->brokers[0].node_id, 3);
    tu_assert_str(m->brokers[0].host, "b3");
    assert_int_equal(m->brokers[0].port, 9094);
    tu_assert_str(m->brokers[0].rack, "r3");
    tu_assert_str(m->cluster_id, "c1");
    assert_int_equal(m->controller_id, 3);
    assert_int_equal(m->n_topics, 1);
    assert_int_equal(m->topics[0].error_code, 3);
    tu_assert_str(m->topics[0].name, "gone");
    assert_uuid(&m->topics[0].topic_id, &g_zero);
    assert_int_equal(m->topics[0].n_partitions, 0);
    assert_int_equal(m->cluster_authorized_operations, INT32_MIN); /* absent in v11 */
    assert_int_equal(mb_metadata_find_topic(m, mb_str_c("gone")), 0);
    assert_int_equal(mb_metadata_find_topic(m, mb_str_c("gon")), -1);
}

static void check_resp_v12(const void *p)
{
    const mb_metadata_resp *m = p;
    assert_int_equal(m->n_brokers, 0);
    tu_assert_str(m->cluster_id, "c1");
    assert_int_equal(m->n_topics, 1);
    assert_int_equal(m->topics[0].error_code, 100);
    tu_assert_str(m->topics[0].name, NULL);
    assert_uuid(&m->topics[0].topic_id, &g_id);
    assert_int_equal(m->topics[0].topic_authorized_operations, INT32_MIN);
    assert_int_equal(mb_metadata_find_topic(m, MB_STR_NULL), -1);
}

static void test_vectors(void **state)
{
    (void)state;
    tu_vector("schema_metadata_v9_req.hex", 9, r_metadata_req, w_metadata_req, check_req_v9);
    tu_vector("schema_metadata_v10_req.hex", 10, r_metadata_req, w_metadata_req, check_req_v10);
    tu_vector("schema_metadata_v11_req.hex", 11, r_metadata_req, w_metadata_req, check_req_v11);
    tu_vector("schema_metadata_v12_req.hex", 12, r_metadata_req, w_metadata_req, check_req_v12);
    tu_vector("schema_metadata_v9_resp.hex", 9, r_metadata_resp, w_metadata_resp, check_resp_v9);
    tu_vector("schema_metadata_v10_resp.hex", 10, r_metadata_resp, w_metadata_resp, check_resp_v10);
    tu_vector("schema_metadata_v11_resp.hex", 11, r_metadata_resp, w_metadata_resp, check_resp_v11);
    tu_vector("schema_metadata_v12_resp.hex", 12, r_metadata_resp, w_metadata_resp, check_resp_v12);
}

/* Kafka refuses to drop a non-ignorable field holding a non-default value. */
static void test_non_ignorable_fields(void **state)
{
    uint8_t buf[512];
    mb_wr w;
    mb_metadata_req_topic t[3];
    mb_metadata_req req;
    mb_metadata_topic tt[2];
    mb_metadata_partition p[2];
    mb_metadata_resp m;
    (void)state;
    req_at(3, &req, t);
    req.allow_auto_topic_creation = 0;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_metadata_req_write(&w, 3, &req), MSGBUS_ERR_UNSUPPORTED_VERSION);
    req_at(11, &req, t);
    req.include_cluster_authorized_operations = 1;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_metadata_req_write(&w, 11, &req), MSGBUS_ERR_UNSUPPORTED_VERSION);
    req_at(7, &req, t);
    req.include_topic_authorized_operations = 1;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_metadata_req_write(&w, 7, &req), MSGBUS_ERR_UNSUPPORTED_VERSION);
    resp_at(7, &m, tt, p);
    tt[1].topic_authorized_operations = 0;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_metadata_resp_write(&w, 7, &m), MSGBUS_ERR_UNSUPPORTED_VERSION);
    resp_at(11, &m, tt, p);
    m.cluster_authorized_operations = 0;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_metadata_resp_write(&w, 11, &m), MSGBUS_ERR_UNSUPPORTED_VERSION);
    /* a null name before v10 (request) / v12 (response) cannot be written */
    req_at(10, &req, t);
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_metadata_req_write(&w, 9, &req), MSGBUS_ERR_INVALID_ARG);
    resp_at(12, &m, tt, p);
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_metadata_resp_write(&w, 11, &m), MSGBUS_ERR_INVALID_ARG);
    /* inconsistent arrays */
    resp_at(9, &m, tt, p);
    p[1].n_isr_nodes = 2;
    p[1].isr_nodes = NULL;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_metadata_resp_write(&w, 9, &m), MSGBUS_ERR_INVALID_ARG);
    req.n_topics = -2;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_metadata_req_write(&w, 10, &req), MSGBUS_ERR_INVALID_ARG);
}

static void test_hostile(void **state)
{
    mb_metadata_resp *m = (mb_metadata_resp *)tu_out;
    (void)state;
    /* huge counts: brokers, topics, replicas */
    assert_int_equal(tu_dec_hex("7fffffff 00000001", 1, r_metadata_resp), MSGBUS_ERR_LIMIT);
    assert_int_equal(tu_dec_hex("00000000 ff 00000001 00", 9, r_metadata_resp),
                     MSGBUS_ERR_TRUNCATED);
    assert_int_equal(tu_dec_hex("00000000 01 00 00000001 02 0000 02 74 00 02"
                                "0000 00000000 00000001 00000000 ffffffff0f",
                                9, r_metadata_resp),
                     MSGBUS_ERR_LIMIT);
    /* a negative (non-null) host length; a null host */
    assert_int_equal(
        tu_dec_hex("00000001 00000001 fffe 00002384 ffff 00000001 00000000", 1, r_metadata_resp),
        MSGBUS_ERR_MALFORMED);
    assert_int_equal(
        tu_dec_hex("00000001 00000001 ffff 00002384 ffff 00000001 00000000", 1, r_metadata_resp),
        MSGBUS_ERR_MALFORMED);
    /* null brokers / topics arrays (never nullable) */
    assert_int_equal(tu_dec_hex("ffffffff 00000001 00000000", 1, r_metadata_resp),
                     MSGBUS_ERR_MALFORMED);
    assert_int_equal(tu_dec_hex("00000000 01 00 00000001 00 80000000 00", 9, r_metadata_resp),
                     MSGBUS_ERR_MALFORMED);
    /* a null topic name before v12 / in a v9 request */
    assert_int_equal(tu_dec_hex("00000000 01 00 00000001 02 0000 00"
                                "00000000000000000000000000000000 00 01 80000000 00 00",
                                11, r_metadata_resp),
                     MSGBUS_ERR_MALFORMED);
    assert_int_equal(tu_dec_hex("00000000 01 00 00000001 02 0000 00"
                                "00000000000000000000000000000000 00 01 80000000 00 00",
                                12, r_metadata_resp),
                     0); /* the same bytes are fine at v12 */
    tu_assert_str(m->topics[0].name, NULL);
    assert_int_equal(tu_dec_hex("02 00 00 01 00 01 00", 9, r_metadata_req), MSGBUS_ERR_MALFORMED);
}

static void test_hostile_requests_and_limits(void **state)
{
    mb_metadata_resp *m = (mb_metadata_resp *)tu_out;
    uint8_t small[64];
    mb_arena a;
    mb_rd r;
    uint8_t buf[128];
    size_t n;
    (void)state;
    /* a v12 request without its body tags */
    assert_int_equal(tu_dec_hex("00 01 00", 12, r_metadata_req), MSGBUS_ERR_TRUNCATED);
    /* unknown tags at every level are skipped */
    assert_int_equal(
        tu_dec_hex("02 07 6f72646572 73 01 05 00 01 00 01 01 09 02 beef", 9, r_metadata_req), 0);
    tu_assert_str(((mb_metadata_req *)tu_out)->topics[0].name, "orders");
    /* versions outside 1-12 */
    assert_int_equal(tu_dec_hex("00000000", 0, r_metadata_req), MSGBUS_ERR_UNSUPPORTED_VERSION);
    assert_int_equal(tu_dec_hex("00 01 00 00", 13, r_metadata_req), MSGBUS_ERR_UNSUPPORTED_VERSION);
    /* arena exhaustion is reported, not overrun */
    n = tu_hex("00000001 00000001 0001 68 00002384 ffff 00000001 00000000", buf, sizeof buf);
    mb_rd_init(&r, buf, n);
    mb_arena_init(&a, small, 8);
    assert_int_equal(mb_metadata_resp_read(&r, 1, &a, m), MSGBUS_ERR_NO_ROOM);
    assert_int_equal(mb_metadata_find_topic(NULL, mb_str_c("x")), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_req_roundtrip_all_versions),
        cmocka_unit_test(test_resp_roundtrip_all_versions),
        cmocka_unit_test(test_defaults_when_absent),
        cmocka_unit_test(test_classic_versions_bytes),
        cmocka_unit_test(test_minimal_elements),
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_non_ignorable_fields),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_hostile_requests_and_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
