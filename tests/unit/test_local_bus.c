/*
 * test_local_bus.c - the local bus (include/msgbus/local.h): topics,
 * handlers and their order, ids and transaction ids, errors, re-entrant
 * emit and deregistration during emit. Every case runs with the subset
 * matcher and, where built, with the C library's regex.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "msgbus/local.h"

#if MSGBUS_CFG_LOCAL /* else: the feature is left out of this build */

static const msgbus_local_matcher k_matchers[] = {
    MSGBUS_LOCAL_MATCH_SUBSET,
#if MSGBUS_CFG_LOCAL_REGEX_POSIX
    MSGBUS_LOCAL_MATCH_POSIX,
#endif
};
#define N_MATCHERS (sizeof k_matchers / sizeof k_matchers[0])

static msgbus_local g_bus;

/* A fake clock: 1 ms after 2026-01-01 per call, so ids advance predictably. */
static int64_t g_now_ns;
static int64_t fake_clock(void *ud)
{
    (void)ud;
    g_now_ns += 1000000;
    return g_now_ns;
}

static void bus_init(msgbus_local_matcher m)
{
    msgbus_local_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.matcher = m;
    cfg.clock = fake_clock;
    g_now_ns = 1767225600000LL * 1000000;
    assert_int_equal(msgbus_local_init(&g_bus, &cfg), 0);
}

/* A recording handler: appends its tag and the event to a log. */
typedef struct rec {
    char tag;
    int rc; /* what it returns */
} rec;
static char g_log[64];
static size_t g_n;
static msgbus_local_event g_ev[64];

static int h_record(void *ud, const msgbus_local_event *ev)
{
    const rec *r = ud;
    if (g_n < sizeof g_log - 1) {
        g_ev[g_n] = *ev;
        g_log[g_n++] = r->tag;
        g_log[g_n] = '\0';
    }
    return r->rc;
}

static void log_reset(void)
{
    g_n = 0;
    g_log[0] = '\0';
}

static void test_register_and_errors(void **state)
{
    static rec a = {'a', 0};
    size_t m;
    (void)state;
    for (m = 0; m < N_MATCHERS; m++) {
        bus_init(k_matchers[m]);
        assert_int_equal(msgbus_local_register_topic(&g_bus, "order.received"), 0);
        assert_int_equal(msgbus_local_register_topic(&g_bus, "order.received"), 0); /* again */
        assert_int_equal(msgbus_local_register_topic(&g_bus, ""), MSGBUS_ERR_INVALID_ARG);
        assert_int_equal(msgbus_local_emit(&g_bus, "order.lost", "x", 1, 0, NULL),
                         MSGBUS_ERR_NO_TOPIC);
        assert_int_equal(msgbus_local_register_handler(&g_bus, "a", ".*", h_record, &a), 0);
        assert_int_equal(msgbus_local_register_handler(&g_bus, "a", "x", h_record, &a),
                         MSGBUS_ERR_DUPLICATE);
        assert_int_equal(msgbus_local_register_handler(&g_bus, "b", "(ab", h_record, &a),
                         MSGBUS_ERR_BAD_PATTERN);
        assert_int_equal(msgbus_local_register_handler(&g_bus, "c", "[x", h_record, &a),
                         MSGBUS_ERR_BAD_PATTERN);
        assert_int_equal(msgbus_local_register_handler(&g_bus, "", "x", h_record, &a),
                         MSGBUS_ERR_INVALID_ARG);
        assert_int_equal(msgbus_local_deregister_handler(&g_bus, "nobody"), MSGBUS_ERR_STATE);
        assert_int_equal(msgbus_local_deregister_topic(&g_bus, "nothing"), MSGBUS_ERR_NO_TOPIC);
        assert_int_equal(msgbus_local_emit(&g_bus, "order.received", NULL, 3, 0, NULL),
                         MSGBUS_ERR_INVALID_ARG);
        log_reset();
        assert_int_equal(msgbus_local_emit(&g_bus, "order.received", "x", 1, 0, NULL), 0);
        assert_string_equal(g_log, "a");
        assert_int_equal(msgbus_local_deregister_topic(&g_bus, "order.received"), 0);
        assert_int_equal(msgbus_local_emit(&g_bus, "order.received", "x", 1, 0, NULL),
                         MSGBUS_ERR_NO_TOPIC);
        assert_string_equal(g_log, "a");
        msgbus_local_destroy(&g_bus);
    }
}

static void test_tables_full(void **state)
{
    static rec a = {'a', 0};
    char name[16];
    unsigned i;
    (void)state;
    bus_init(MSGBUS_LOCAL_MATCH_SUBSET);
    for (i = 0; i < MSGBUS_CFG_LOCAL_MAX_TOPICS; i++) {
        name[0] = 't';
        name[1] = (char)('A' + i / 26);
        name[2] = (char)('a' + i % 26);
        name[3] = '\0';
        assert_int_equal(msgbus_local_register_topic(&g_bus, name), 0);
    }
    assert_int_equal(msgbus_local_register_topic(&g_bus, "one.more"), MSGBUS_ERR_LIMIT);
    for (i = 0; i < MSGBUS_CFG_LOCAL_MAX_HANDLERS; i++) {
        name[0] = 'h';
        name[1] = (char)('A' + i / 26);
        name[2] = (char)('a' + i % 26);
        assert_int_equal(msgbus_local_register_handler(&g_bus, name, "x", h_record, &a), 0);
    }
    assert_int_equal(msgbus_local_register_handler(&g_bus, "extra", "x", h_record, &a),
                     MSGBUS_ERR_LIMIT);
    msgbus_local_destroy(&g_bus);
}

/* Handlers of a topic run in registration order, also when a freed slot is
   reused; matching is cached per topic and follows (de)registrations. */
static void test_order_and_matching(void **state)
{
    static rec a = {'a', 0}, b = {'b', 0}, c = {'c', 0}, d = {'d', 0};
    size_t m;
    (void)state;
    for (m = 0; m < N_MATCHERS; m++) {
        bus_init(k_matchers[m]);
        assert_int_equal(msgbus_local_register_handler(&g_bus, "a", "^order\\.", h_record, &a), 0);
        assert_int_equal(msgbus_local_register_handler(&g_bus, "b", ".*", h_record, &b), 0);
        assert_int_equal(msgbus_local_register_handler(&g_bus, "c", "fulfilled$", h_record, &c), 0);
        /* topics registered after their handlers */
        assert_int_equal(msgbus_local_register_topic(&g_bus, "order.received"), 0);
        assert_int_equal(msgbus_local_register_topic(&g_bus, "order.fulfilled"), 0);
        assert_int_equal(msgbus_local_register_topic(&g_bus, "audit"), 0);
        log_reset();
        msgbus_local_emit(&g_bus, "order.received", NULL, 0, 0, NULL);
        msgbus_local_emit(&g_bus, "order.fulfilled", NULL, 0, 0, NULL);
        msgbus_local_emit(&g_bus, "audit", NULL, 0, 0, NULL);
        assert_string_equal(g_log, "ababcb");
        /* a takes a's slot back but comes last now; d (new slot) after it */
        assert_int_equal(msgbus_local_deregister_handler(&g_bus, "a"), 0);
        assert_int_equal(msgbus_local_register_handler(&g_bus, "d", "order", h_record, &d), 0);
        assert_int_equal(msgbus_local_register_handler(&g_bus, "a", "^order\\.", h_record, &a), 0);
        log_reset();
        msgbus_local_emit(&g_bus, "order.fulfilled", NULL, 0, 0, NULL);
        assert_string_equal(g_log, "bcda");
        msgbus_local_destroy(&g_bus);
    }
}

static void test_ids(void **state)
{
    static rec a = {'a', 0};
    msgbus_local_event ev;
    uint64_t last = 0;
    unsigned i;
    (void)state;
    bus_init(MSGBUS_LOCAL_MATCH_SUBSET);
    msgbus_local_seed(&g_bus, 7);
    msgbus_local_register_topic(&g_bus, "t");
    msgbus_local_register_handler(&g_bus, "a", "t", h_record, &a);
    log_reset();
    for (i = 0; i < 20; i++) {
        assert_int_equal(msgbus_local_emit(&g_bus, "t", "x", 1, i % 2 ? 0 : 4242, &ev), 0);
        assert_true(ev.id > last); /* unique and ordered */
        last = ev.id;
        if (i % 2) {
            assert_true(ev.tx_id > ev.id); /* generated */
            last = ev.tx_id;
        } else {
            assert_true(ev.tx_id == 4242); /* kept */
        }
        assert_true(((ev.id >> 14) & 0xffu) == 7u); /* the seeded node bits */
        assert_true(g_ev[i].id == ev.id && g_ev[i].tx_id == ev.tx_id);
        assert_true(g_ev[i].occurred_at_ns == ev.occurred_at_ns && ev.occurred_at_ns > 0);
        assert_string_equal(g_ev[i].topic, "t");
    }
    /* the ms part is the clock's */
    assert_true((int64_t)(ev.id >> 22) == ev.occurred_at_ns / 1000000 - 1577836800000LL);
    msgbus_local_destroy(&g_bus);
}

static void test_id_formula(void **state)
{
    const int64_t t = 1767225600000LL * 1000000;
    uint64_t a, b, c;
    unsigned i;
    (void)state;
    a = msgbus_local_id_next(0, t, 3);
    assert_true(a >> 22 == (uint64_t)(1767225600000LL - 1577836800000LL));
    assert_true((a & 0x3fffu) == 0 && ((a >> 14) & 0xffu) == 3);
    b = msgbus_local_id_next(a, t, 3); /* same ms: sequence */
    assert_true(b == a + 1);
    c = msgbus_local_id_next(b, t - 5000000, 3); /* the clock went back: still after */
    assert_true(c == b + 1);
    /* 2^14 ids in one ms: the next borrows the following ms */
    for (i = 0, c = a; i < 0x3fffu; i++)
        c = msgbus_local_id_next(c, t, 3);
    assert_true((c & 0x3fffu) == 0x3fffu);
    b = msgbus_local_id_next(c, t, 3);
    assert_true(b > c && b >> 22 == (c >> 22) + 1);
    /* a lower node after a higher one in the same ms stays ordered */
    a = msgbus_local_id_next(0, t, 9);
    b = msgbus_local_id_next(a, t, 2);
    assert_true(b > a);
    /* before 2020 or no clock: still never 0 */
    assert_true(msgbus_local_id_next(0, 0, 0) != 0);
}

/* A handler that emits again: nested emits work up to the configured depth. */
static int g_depth_rc[16];
static unsigned g_depth;
static int h_nest(void *ud, const msgbus_local_event *ev)
{
    unsigned d = g_depth++;
    (void)ud;
    (void)ev;
    if (d < 15)
        g_depth_rc[d] = msgbus_local_emit(&g_bus, "nest", NULL, 0, ev->tx_id, NULL);
    return 0;
}

static void test_reentrant_emit(void **state)
{
    static rec a = {'a', 0};
    size_t m;
    (void)state;
    for (m = 0; m < N_MATCHERS; m++) {
        bus_init(k_matchers[m]);
        msgbus_local_register_topic(&g_bus, "nest");
        msgbus_local_register_topic(&g_bus, "other");
        msgbus_local_register_handler(&g_bus, "nest", "^nest$", h_nest, NULL);
        msgbus_local_register_handler(&g_bus, "rec", "^nest$", h_record, &a);
        g_depth = 0;
        memset(g_depth_rc, 0x7f, sizeof g_depth_rc);
        log_reset();
        assert_int_equal(msgbus_local_emit(&g_bus, "nest", NULL, 0, 99, NULL), 0);
        /* depths 1..MAX-1 delivered, the next refused with a clear error */
        assert_int_equal(g_depth, MSGBUS_CFG_LOCAL_MAX_DEPTH);
        assert_int_equal(g_depth_rc[MSGBUS_CFG_LOCAL_MAX_DEPTH - 1], MSGBUS_ERR_DEPTH);
        assert_int_equal(g_depth_rc[0], 0);
        assert_int_equal(g_n, MSGBUS_CFG_LOCAL_MAX_DEPTH);
        assert_true(g_ev[0].tx_id == 99 && g_ev[1].tx_id == 99); /* kept through the chain */
        assert_true(g_ev[0].id != g_ev[1].id);
        /* the bus is usable afterwards (the depth unwound) */
        assert_int_equal(msgbus_local_emit(&g_bus, "other", NULL, 0, 0, NULL), 0);
        msgbus_local_destroy(&g_bus);
    }
}

/* A handler that deregisters itself and the one after it during an emit. */
static int h_leave(void *ud, const msgbus_local_event *ev)
{
    (void)ud;
    (void)ev;
    assert_int_equal(msgbus_local_deregister_handler(&g_bus, "leave"), 0);
    assert_int_equal(msgbus_local_deregister_handler(&g_bus, "c"), 0);
    g_log[g_n++] = 'L';
    g_log[g_n] = '\0';
    return 0;
}

static void test_deregister_during_emit(void **state)
{
    static rec a = {'a', 0}, c = {'c', 0}, d = {'d', MSGBUS_ERR_QUEUE_FULL};
    size_t m;
    (void)state;
    for (m = 0; m < N_MATCHERS; m++) {
        bus_init(k_matchers[m]);
        msgbus_local_register_topic(&g_bus, "t");
        msgbus_local_register_handler(&g_bus, "a", "t", h_record, &a);
        msgbus_local_register_handler(&g_bus, "leave", "t", h_leave, NULL);
        msgbus_local_register_handler(&g_bus, "c", "t", h_record, &c);
        msgbus_local_register_handler(&g_bus, "d", "t", h_record, &d);
        log_reset();
        /* d's error reaches the emitter; every handler still ran */
        assert_int_equal(msgbus_local_emit(&g_bus, "t", NULL, 0, 0, NULL), MSGBUS_ERR_QUEUE_FULL);
        assert_string_equal(g_log, "aLd");
        log_reset();
        msgbus_local_deregister_handler(&g_bus, "d");
        assert_int_equal(msgbus_local_emit(&g_bus, "t", NULL, 0, 0, NULL), 0);
        assert_string_equal(g_log, "a");
        /* the key is free again */
        assert_int_equal(msgbus_local_register_handler(&g_bus, "leave", "t", h_record, &c), 0);
        msgbus_local_destroy(&g_bus);
    }
}

/* The application's id generator and clock hooks. */
static uint64_t g_next = 1000;
static uint64_t my_ids(void *ud)
{
    (void)ud;
    return g_next++;
}

static void test_hooks(void **state)
{
    msgbus_local_config cfg;
    msgbus_local_event ev;
    (void)state;
    memset(&cfg, 0, sizeof cfg);
    cfg.next_id = my_ids;
    cfg.clock = fake_clock;
    cfg.matcher = MSGBUS_LOCAL_MATCH_SUBSET;
    assert_int_equal(msgbus_local_init(&g_bus, &cfg), 0);
    msgbus_local_register_topic(&g_bus, "t");
    assert_int_equal(msgbus_local_emit(&g_bus, "t", "ab", 2, 0, &ev), 0);
    assert_true(ev.id == 1000 && ev.tx_id == 1001);
    assert_true(ev.occurred_at_ns == g_now_ns);
    msgbus_local_destroy(&g_bus);
    cfg.matcher = (msgbus_local_matcher)9;
    assert_int_equal(msgbus_local_init(&g_bus, &cfg), MSGBUS_ERR_INVALID_ARG);
#if !MSGBUS_CFG_LOCAL_REGEX_POSIX
    cfg.matcher = MSGBUS_LOCAL_MATCH_POSIX;
    assert_int_equal(msgbus_local_init(&g_bus, &cfg), MSGBUS_ERR_NOT_BUILT);
#endif
}

#if MSGBUS_PORT_HAS_THREADS
/* Threads emitting at once: every event delivered once, ids all distinct. */
enum { N_THREADS = 4, N_EACH = 20000 };
static uint64_t g_ids[N_THREADS * N_EACH];
static msgbus_port_mutex_t g_cnt_lock;
static unsigned g_count;
static int h_count(void *ud, const msgbus_local_event *ev)
{
    (void)ud;
    (void)ev;
    msgbus_port_mutex_lock(&g_cnt_lock);
    g_count++;
    msgbus_port_mutex_unlock(&g_cnt_lock);
    return 0;
}
static void emitter(void *arg)
{
    uint64_t *ids = arg;
    msgbus_local_event ev;
    unsigned i;
    for (i = 0; i < N_EACH; i++) {
        if (msgbus_local_emit(&g_bus, "t", NULL, 0, 0, &ev) == 0)
            ids[i] = ev.id;
    }
}
static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}
static void test_threads(void **state)
{
    msgbus_port_thread_t th[N_THREADS];
    unsigned i;
    (void)state;
    assert_int_equal(msgbus_local_init(&g_bus, NULL), 0);
    assert_int_equal(msgbus_port_mutex_init(&g_cnt_lock), 0);
    msgbus_local_register_topic(&g_bus, "t");
    msgbus_local_register_handler(&g_bus, "count", "^t$", h_count, NULL);
    g_count = 0;
    for (i = 0; i < N_THREADS; i++)
        assert_int_equal(msgbus_port_thread_create(&th[i], emitter, g_ids + i * N_EACH), 0);
    for (i = 0; i < N_THREADS; i++)
        msgbus_port_thread_join(&th[i]);
    assert_int_equal(g_count, N_THREADS * N_EACH);
    qsort(g_ids, N_THREADS * N_EACH, sizeof(uint64_t), cmp_u64);
    for (i = 1; i < N_THREADS * N_EACH; i++)
        assert_true(g_ids[i] != g_ids[i - 1]);
    msgbus_port_mutex_destroy(&g_cnt_lock);
    msgbus_local_destroy(&g_bus);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_register_and_errors),
        cmocka_unit_test(test_tables_full),
        cmocka_unit_test(test_order_and_matching),
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_id_formula),
        cmocka_unit_test(test_reentrant_emit),
        cmocka_unit_test(test_deregister_during_emit),
        cmocka_unit_test(test_hooks),
#if MSGBUS_PORT_HAS_THREADS
        cmocka_unit_test(test_threads),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#else
#include <stdio.h>
int main(void)
{
    puts("skipped: MSGBUS_CFG_LOCAL is 0 in this build");
    return 0;
}
#endif
