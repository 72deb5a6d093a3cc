/* test_group.c - JoinGroup v2-v6, SyncGroup v1-v4, Heartbeat v1-v4, LeaveGroup v1-v4 bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/group.h"
#include "testutil.h"

TU_BODY_OPS(join_group_req)
TU_BODY_OPS(join_group_resp)
TU_BODY_OPS(sync_group_req)
TU_BODY_OPS(sync_group_resp)
TU_BODY_OPS(heartbeat_req)
TU_BODY_OPS(heartbeat_resp)
TU_BODY_OPS(leave_group_req)
TU_BODY_OPS(leave_group_resp)

static const mb_bytes META = {(const uint8_t *)"\x00\x01\x02", 3};

static void eq_str(mb_str a, mb_str b)
{
    assert_true(mb_str_eq(a, b));
}

/* A field absent at @p v must decode as null. */
static void eq_opt(mb_str want, mb_str got, int present)
{
    if (present)
        eq_str(want, got);
    else
        assert_true(got.len < 0);
}

/* ---- JoinGroup ---- */

static void cmp_jg_req(const void *want, const void *got, int16_t v)
{
    const mb_join_group_req *a = want, *b = got;
    int32_t i;
    eq_str(a->group_id, b->group_id);
    assert_int_equal(a->session_timeout_ms, b->session_timeout_ms);
    assert_int_equal(a->rebalance_timeout_ms, b->rebalance_timeout_ms);
    eq_str(a->member_id, b->member_id);
    eq_opt(a->group_instance_id, b->group_instance_id, v >= 5);
    eq_str(a->protocol_type, b->protocol_type);
    assert_int_equal(a->n_protocols, b->n_protocols);
    for (i = 0; i < a->n_protocols; i++) {
        eq_str(a->protocols[i].name, b->protocols[i].name);
        assert_true(mb_bytes_eq(a->protocols[i].metadata, b->protocols[i].metadata));
    }
}

static void cmp_jg_resp(const void *want, const void *got, int16_t v)
{
    const mb_join_group_resp *a = want, *b = got;
    int32_t i;
    assert_int_equal(a->throttle_time_ms, b->throttle_time_ms);
    assert_int_equal(a->error_code, b->error_code);
    assert_int_equal(a->generation_id, b->generation_id);
    eq_str(a->protocol_name, b->protocol_name);
    eq_str(a->leader, b->leader);
    eq_str(a->member_id, b->member_id);
    assert_int_equal(a->n_members, b->n_members);
    for (i = 0; i < a->n_members; i++) {
        eq_str(a->members[i].member_id, b->members[i].member_id);
        eq_opt(a->members[i].group_instance_id, b->members[i].group_instance_id, v >= 5);
        assert_true(mb_bytes_eq(a->members[i].metadata, b->members[i].metadata));
    }
}

static void test_join_group_roundtrip(void **state)
{
    mb_join_group_protocol protos[2] = {{{"range", 5}, META}, {{"roundrobin", 10}, {NULL, 0}}};
    mb_join_group_member members[2] = {{{"m1", 2}, {"inst-1", 6}, META},
                                       {{"m2", 2}, MB_STR_NULL, {NULL, 0}}};
    mb_join_group_req req = {{"g1", 2},     10000,           60000,  {"", 0},
                             {"inst-1", 6}, {"consumer", 8}, protos, 2};
    mb_join_group_resp resp = {100, 0, 7, {"range", 5}, {"m1", 2}, {"m1", 2}, members, 2};
    mb_join_group_req rq;
    mb_join_group_resp rs;
    int16_t v;
    (void)state;
    for (v = 2; v <= 6; v++) {
        tu_roundtrip(v, &req, &rq, w_join_group_req, r_join_group_req, cmp_jg_req);
        tu_roundtrip(v, &resp, &rs, w_join_group_resp, r_join_group_resp, cmp_jg_resp);
    }
}

static void check_jg_req_v6(const void *m)
{
    const mb_join_group_req *q = m;
    tu_assert_str(q->group_id, "g1");
    assert_int_equal(q->session_timeout_ms, 10000);
    assert_int_equal(q->rebalance_timeout_ms, 60000);
    tu_assert_str(q->member_id, "");
    tu_assert_str(q->group_instance_id, NULL);
    tu_assert_str(q->protocol_type, "consumer");
    assert_int_equal(q->n_protocols, 1);
    tu_assert_str(q->protocols[0].name, "range");
    assert_true(mb_bytes_eq(q->protocols[0].metadata, META));
}

static void check_jg_resp_v6(const void *m)
{
    const mb_join_group_resp *p = m;
    assert_int_equal(p->throttle_time_ms, 0);
    assert_int_equal(p->error_code, 0);
    assert_int_equal(p->generation_id, 5);
    tu_assert_str(p->protocol_name, "range");
    tu_assert_str(p->leader, "m1");
    tu_assert_str(p->member_id, "m1");
    assert_int_equal(p->n_members, 1);
    tu_assert_str(p->members[0].member_id, "m1");
    tu_assert_str(p->members[0].group_instance_id, NULL);
    assert_true(mb_bytes_eq(p->members[0].metadata, META));
}

/* ---- SyncGroup ---- */

static void cmp_sg_req(const void *want, const void *got, int16_t v)
{
    const mb_sync_group_req *a = want, *b = got;
    int32_t i;
    eq_str(a->group_id, b->group_id);
    assert_int_equal(a->generation_id, b->generation_id);
    eq_str(a->member_id, b->member_id);
    eq_opt(a->group_instance_id, b->group_instance_id, v >= 3);
    assert_int_equal(a->n_assignments, b->n_assignments);
    for (i = 0; i < a->n_assignments; i++) {
        eq_str(a->assignments[i].member_id, b->assignments[i].member_id);
        assert_true(mb_bytes_eq(a->assignments[i].assignment, b->assignments[i].assignment));
    }
}

static void cmp_sg_resp(const void *want, const void *got, int16_t v)
{
    const mb_sync_group_resp *a = want, *b = got;
    (void)v;
    assert_int_equal(a->throttle_time_ms, b->throttle_time_ms);
    assert_int_equal(a->error_code, b->error_code);
    assert_true(mb_bytes_eq(a->assignment, b->assignment));
}

static void test_sync_group_roundtrip(void **state)
{
    mb_sync_group_assignment as[2] = {{{"m1", 2}, META}, {{"m2", 2}, {NULL, 0}}};
    mb_sync_group_req req = {{"g1", 2}, 7, {"m1", 2}, {"inst", 4}, as, 2};
    mb_sync_group_req follower = {{"g1", 2}, 7, {"m2", 2}, MB_STR_NULL, NULL, 0};
    mb_sync_group_resp resp = {5, 0, META};
    mb_sync_group_req rq;
    mb_sync_group_resp rs;
    int16_t v;
    (void)state;
    for (v = 1; v <= 4; v++) {
        tu_roundtrip(v, &req, &rq, w_sync_group_req, r_sync_group_req, cmp_sg_req);
        tu_roundtrip(v, &follower, &rq, w_sync_group_req, r_sync_group_req, cmp_sg_req);
        tu_roundtrip(v, &resp, &rs, w_sync_group_resp, r_sync_group_resp, cmp_sg_resp);
    }
}

static void check_sg_req_v4(const void *m)
{
    const mb_sync_group_req *q = m;
    tu_assert_str(q->group_id, "g1");
    assert_int_equal(q->generation_id, 5);
    tu_assert_str(q->member_id, "m1");
    tu_assert_str(q->group_instance_id, "i1");
    assert_int_equal(q->n_assignments, 1);
    tu_assert_str(q->assignments[0].member_id, "m1");
    assert_int_equal(q->assignments[0].assignment.len, 2);
    assert_memory_equal(q->assignments[0].assignment.ptr, "\xaa\xbb", 2);
}

static void check_sg_resp_v4(const void *m)
{
    const mb_sync_group_resp *p = m;
    assert_int_equal(p->throttle_time_ms, 100);
    assert_int_equal(p->error_code, 0);
    assert_int_equal(p->assignment.len, 2);
    assert_memory_equal(p->assignment.ptr, "\xaa\xbb", 2);
}

/* ---- Heartbeat ---- */

static void cmp_hb_req(const void *want, const void *got, int16_t v)
{
    const mb_heartbeat_req *a = want, *b = got;
    eq_str(a->group_id, b->group_id);
    assert_int_equal(a->generation_id, b->generation_id);
    eq_str(a->member_id, b->member_id);
    eq_opt(a->group_instance_id, b->group_instance_id, v >= 3);
}

static void cmp_hb_resp(const void *want, const void *got, int16_t v)
{
    const mb_heartbeat_resp *a = want, *b = got;
    (void)v;
    assert_int_equal(a->throttle_time_ms, b->throttle_time_ms);
    assert_int_equal(a->error_code, b->error_code);
}

static void test_heartbeat_roundtrip(void **state)
{
    mb_heartbeat_req req = {{"g1", 2}, 9, {"m1", 2}, {"inst", 4}};
    mb_heartbeat_resp resp = {3, MSGBUS_KERR_REBALANCE_IN_PROGRESS};
    mb_heartbeat_req rq;
    mb_heartbeat_resp rs;
    int16_t v;
    (void)state;
    for (v = 1; v <= 4; v++) {
        tu_roundtrip(v, &req, &rq, w_heartbeat_req, r_heartbeat_req, cmp_hb_req);
        tu_roundtrip(v, &resp, &rs, w_heartbeat_resp, r_heartbeat_resp, cmp_hb_resp);
    }
}

static void check_hb_req_v4(const void *m)
{
    const mb_heartbeat_req *q = m;
    tu_assert_str(q->group_id, "g1");
    assert_int_equal(q->generation_id, 5);
    tu_assert_str(q->member_id, "m1");
    tu_assert_str(q->group_instance_id, NULL);
}

static void check_hb_resp_v4(const void *m)
{
    const mb_heartbeat_resp *p = m;
    assert_int_equal(p->throttle_time_ms, 0);
    assert_int_equal(p->error_code, MSGBUS_KERR_REBALANCE_IN_PROGRESS);
}

/* ---- LeaveGroup ---- */

static void cmp_lg_members(const mb_leave_group_member *a, const mb_leave_group_member *b,
                           int32_t n, int with_errors)
{
    int32_t i;
    for (i = 0; i < n; i++) {
        eq_str(a[i].member_id, b[i].member_id);
        eq_str(a[i].group_instance_id, b[i].group_instance_id);
        if (with_errors)
            assert_int_equal(a[i].error_code, b[i].error_code);
    }
}

static void cmp_lg_req(const void *want, const void *got, int16_t v)
{
    const mb_leave_group_req *a = want, *b = got;
    eq_str(a->group_id, b->group_id);
    if (v <= 2) {
        eq_str(a->member_id, b->member_id);
        assert_int_equal(b->n_members, 0);
        return;
    }
    assert_true(b->member_id.len < 0);
    assert_int_equal(a->n_members, b->n_members);
    cmp_lg_members(a->members, b->members, a->n_members, 0);
}

static void cmp_lg_resp(const void *want, const void *got, int16_t v)
{
    const mb_leave_group_resp *a = want, *b = got;
    assert_int_equal(a->throttle_time_ms, b->throttle_time_ms);
    assert_int_equal(a->error_code, b->error_code);
    if (v <= 2) {
        assert_int_equal(b->n_members, 0);
        return;
    }
    assert_int_equal(a->n_members, b->n_members);
    cmp_lg_members(a->members, b->members, a->n_members, 1);
}

static void test_leave_group_roundtrip(void **state)
{
    mb_leave_group_member ms[2] = {{{"m1", 2}, MB_STR_NULL, 0},
                                   {{"m2", 2}, {"i2", 2}, MSGBUS_KERR_UNKNOWN_MEMBER_ID}};
    mb_leave_group_req old = {{"g1", 2}, {"m1", 2}, NULL, 0};
    mb_leave_group_req batch = {{"g1", 2}, MB_STR_NULL, ms, 2};
    mb_leave_group_resp resp = {4, 0, ms, 2};
    mb_leave_group_req rq;
    mb_leave_group_resp rs;
    int16_t v;
    (void)state;
    for (v = 1; v <= 4; v++) {
        tu_roundtrip(v, v <= 2 ? &old : &batch, &rq, w_leave_group_req, r_leave_group_req,
                     cmp_lg_req);
        if (v <= 2) { /* no members on the wire before v3 */
            mb_leave_group_resp plain = {4, 0, NULL, 0};
            tu_roundtrip(v, &plain, &rs, w_leave_group_resp, r_leave_group_resp, cmp_lg_resp);
        } else {
            tu_roundtrip(v, &resp, &rs, w_leave_group_resp, r_leave_group_resp, cmp_lg_resp);
        }
    }
}

static void check_lg_req_v4(const void *m)
{
    const mb_leave_group_req *q = m;
    tu_assert_str(q->group_id, "g1");
    assert_int_equal(q->n_members, 2);
    tu_assert_str(q->members[0].member_id, "m1");
    tu_assert_str(q->members[0].group_instance_id, NULL);
    tu_assert_str(q->members[1].member_id, "m2");
    tu_assert_str(q->members[1].group_instance_id, "i2");
}

static void check_lg_resp_v4(const void *m)
{
    const mb_leave_group_resp *p = m;
    assert_int_equal(p->error_code, 0);
    assert_int_equal(p->n_members, 1);
    tu_assert_str(p->members[0].member_id, "m1");
    assert_int_equal(p->members[0].error_code, MSGBUS_KERR_UNKNOWN_MEMBER_ID);
}

/* ---- vectors, versions, hostile input ---- */

static void test_flexible_vectors(void **state)
{
    (void)state;
    tu_vector("schema_join_group_v6_req.hex", 6, r_join_group_req, w_join_group_req,
              check_jg_req_v6);
    tu_vector("schema_join_group_v6_resp.hex", 6, r_join_group_resp, w_join_group_resp,
              check_jg_resp_v6);
    tu_vector("schema_sync_group_v4_req.hex", 4, r_sync_group_req, w_sync_group_req,
              check_sg_req_v4);
    tu_vector("schema_sync_group_v4_resp.hex", 4, r_sync_group_resp, w_sync_group_resp,
              check_sg_resp_v4);
    tu_vector("schema_heartbeat_v4_req.hex", 4, r_heartbeat_req, w_heartbeat_req, check_hb_req_v4);
    tu_vector("schema_heartbeat_v4_resp.hex", 4, r_heartbeat_resp, w_heartbeat_resp,
              check_hb_resp_v4);
    tu_vector("schema_leave_group_v4_req.hex", 4, r_leave_group_req, w_leave_group_req,
              check_lg_req_v4);
    tu_vector("schema_leave_group_v4_resp.hex", 4, r_leave_group_resp, w_leave_group_resp,
              check_lg_resp_v4);
}

static void test_classic_layout(void **state)
{
    /* Heartbeat v2: no group_instance_id; LeaveGroup v1: one member id, no array */
    (void)state;
    assert_int_equal(tu_dec_hex("0002 6731 00000005 0002 6d31", 2, r_heartbeat_req), 0);
    tu_assert_str(((mb_heartbeat_req *)tu_out)->member_id, "m1");
    assert_int_equal(tu_dec_hex("0002 6731 00000005 0002 6d31 ffff", 3, r_heartbeat_req), 0);
    assert_int_equal(tu_dec_hex("0002 6731 0002 6d31", 1, r_leave_group_req), 0);
    tu_assert_str(((mb_leave_group_req *)tu_out)->member_id, "m1");
    /* JoinGroup v4 response, one member (no group_instance_id before v5) */
    assert_int_equal(tu_dec_hex("00000000 0000 00000001 0005 72616e6765 0002 6d31 0002 6d31"
                                "00000001 0002 6d31 00000001 ff",
                                4, r_join_group_resp),
                     0);
    assert_int_equal(((mb_join_group_resp *)tu_out)->members[0].metadata.len, 1);
}

static void test_hostile_and_versions(void **state)
{
    uint8_t buf[64];
    mb_wr w;
    mb_heartbeat_req hb = {{"g", 1}, 1, {"m", 1}, MB_STR_NULL};
    mb_join_group_req jg = {{"g", 1}, 1, 1, {"", 0}, MB_STR_NULL, {"consumer", 8}, NULL, 1};
    (void)state;
    /* a member count far beyond the bytes left */
    assert_int_equal(
        tu_dec_hex("00000000 0000 00000001 0001 72 0001 6d 0001 6d 7fffffff", 4, r_join_group_resp),
        MSGBUS_ERR_LIMIT);
    assert_int_equal(tu_dec_hex("00000000 0000 00000001 0001 72 0001 6d 0001 6d 00001000 00", 4,
                                r_join_group_resp),
                     MSGBUS_ERR_TRUNCATED);
    /* a null member id where the schema forbids it */
    assert_int_equal(tu_dec_hex("0001 67 00000001 ffff", 2, r_heartbeat_req), MSGBUS_ERR_MALFORMED);
    /* a negative assignment length other than null (-1, which brokers send with an error) */
    assert_int_equal(tu_dec_hex("00000000 0000 fffffffe", 2, r_sync_group_resp),
                     MSGBUS_ERR_MALFORMED);
    /* trailing bytes */
    assert_int_equal(tu_dec_hex("00000000 0000 00", 2, r_heartbeat_resp), MSGBUS_ERR_MALFORMED);
    /* versions out of range */
    assert_int_equal(tu_dec_hex("00000000 0000", 5, r_heartbeat_resp),
                     MSGBUS_ERR_UNSUPPORTED_VERSION);
    assert_int_equal(tu_dec_hex("00000000 0000", 0, r_heartbeat_resp),
                     MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_heartbeat_req_write(&w, 5, &hb), MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_join_group_req_write(&w, 7, &jg), MSGBUS_ERR_UNSUPPORTED_VERSION);
    /* a protocol count with no protocols behind it */
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_join_group_req_write(&w, 5, &jg), MSGBUS_ERR_INVALID_ARG);
    /* no room */
    mb_wr_init(&w, buf, 4);
    assert_int_equal(mb_heartbeat_req_write(&w, 4, &hb), MSGBUS_ERR_NO_ROOM);
}

/* A broker answering SyncGroup with an error sends a null assignment (seen from
 * librdkafka's mock cluster): the error must come through, not MALFORMED. */
static void test_sync_group_error_with_null_assignment(void **state)
{
    uint8_t body[10];
    mb_sync_group_resp resp;
    mb_rd r;
    (void)state;
    tu_hex("00000000001bffffffff", body, sizeof body);
    mb_rd_init(&r, body, sizeof body);
    assert_int_equal(mb_sync_group_resp_read(&r, 3, NULL, &resp), 0);
    assert_int_equal(resp.error_code, 27);
    assert_int_equal(resp.assignment.len, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sync_group_error_with_null_assignment),
        cmocka_unit_test(test_join_group_roundtrip),
        cmocka_unit_test(test_sync_group_roundtrip),
        cmocka_unit_test(test_heartbeat_roundtrip),
        cmocka_unit_test(test_leave_group_roundtrip),
        cmocka_unit_test(test_flexible_vectors),
        cmocka_unit_test(test_classic_layout),
        cmocka_unit_test(test_hostile_and_versions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
