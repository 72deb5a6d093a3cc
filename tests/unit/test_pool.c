/* test_pool.c - msgbus_pool, the allocator over a caller's buffer: alignment,
 * exhaustion, coalescing, statistics, misuse, odd buffers, and a randomized
 * soak against a shadow model of the live blocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "msgbus/alloc.h"
#include "msgbus/error.h"
#include "msgbus/port.h"

#define ALIGN ((uintptr_t) _Alignof(max_align_t))
#define POOL_BYTES (64u * 1024u)

static _Alignas(max_align_t) unsigned char g_mem[POOL_BYTES + 64];
static msgbus_pool g_pool;

static void *pa(msgbus_pool *pl, size_t n)
{
    const msgbus_allocator *a = msgbus_pool_allocator(pl);
    return a->alloc(a->ctx, n);
}

static void pf(msgbus_pool *pl, void *p, size_t n)
{
    const msgbus_allocator *a = msgbus_pool_allocator(pl);
    a->free(a->ctx, p, n);
}

static msgbus_pool_stats stats(const msgbus_pool *pl)
{
    msgbus_pool_stats st;
    msgbus_pool_stats_get(pl, &st);
    return st;
}

/* The unit a request is rounded to: what one byte costs. */
static size_t granule(void)
{
    static _Alignas(max_align_t) unsigned char mem[256];
    msgbus_pool pl;
    assert_int_equal(msgbus_pool_init(&pl, mem, sizeof mem), 0);
    assert_non_null(pa(&pl, 1));
    return stats(&pl).in_use;
}

static size_t round_up(size_t n, size_t g)
{
    return n == 0 ? g : (n + g - 1) / g * g;
}

static uint32_t g_rng;

static uint32_t rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 17;
    g_rng ^= g_rng << 5;
    return g_rng;
}

static int aligned(const void *p)
{
    return ((uintptr_t)p & (ALIGN - 1)) == 0;
}

static void test_init_arguments(void **state)
{
    size_t g = granule();
    msgbus_pool_stats st;
    (void)state;
    assert_true(g >= ALIGN && g % ALIGN == 0 && g >= 2 * sizeof(size_t));
    assert_int_equal(msgbus_pool_init(NULL, g_mem, sizeof g_mem), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(msgbus_pool_init(&g_pool, NULL, sizeof g_mem), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(msgbus_pool_init(&g_pool, g_mem, 0), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(msgbus_pool_init(&g_pool, g_mem, g - 1), MSGBUS_ERR_INVALID_ARG);
    /* one byte in: the start is rounded up, so one granule is not enough any more */
    assert_int_equal(msgbus_pool_init(&g_pool, g_mem + 1, g), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(msgbus_pool_init(&g_pool, g_mem, g), 0);
    st = stats(&g_pool);
    assert_int_equal(st.capacity, g);
    assert_int_equal(st.largest_free, g);
    assert_int_equal(st.free_blocks, 1);
    assert_null(msgbus_pool_allocator(NULL));
    msgbus_pool_stats_get(NULL, &st);
    assert_int_equal(st.capacity, 0);
    assert_int_equal(st.allocs, 0);
    msgbus_pool_stats_get(&g_pool, NULL); /* nothing to do, no crash */
}

/* Every block is aligned, lies inside the buffer, and follows the previous one. */
static void test_alignment_of_every_block(void **state)
{
    size_t n;
    (void)state;
    for (n = 1; n <= 300; n += 7) {
        unsigned char *last_end = g_mem;
        unsigned char *p;
        assert_int_equal(msgbus_pool_init(&g_pool, g_mem, POOL_BYTES), 0);
        while ((p = pa(&g_pool, n)) != NULL) {
            assert_true(aligned(p));
            assert_true(p >= last_end);
            assert_true(p + n <= g_mem + POOL_BYTES);
            memset(p, 0xa5, n);
            last_end = p + n;
        }
        assert_int_equal(stats(&g_pool).failed, 1);
    }
}

static void test_exhaustion_returns_null(void **state)
{
    msgbus_pool_stats st;
    void *all, *p;
    (void)state;
    assert_int_equal(msgbus_pool_init(&g_pool, g_mem, POOL_BYTES), 0);
    st = stats(&g_pool);
    assert_int_equal(st.capacity, POOL_BYTES); /* an aligned buffer of whole granules */
    assert_null(pa(&g_pool, POOL_BYTES + 1));
    assert_null(pa(&g_pool, SIZE_MAX)); /* no overflow in the rounding */
    assert_null(pa(&g_pool, SIZE_MAX - 3));
    assert_int_equal(stats(&g_pool).failed, 3);
    all = pa(&g_pool, POOL_BYTES);
    assert_ptr_equal(all, g_mem);
    assert_null(pa(&g_pool, 1));
    st = stats(&g_pool);
    assert_int_equal(st.failed, 4);
    assert_int_equal(st.in_use, POOL_BYTES);
    assert_int_equal(st.largest_free, 0);
    assert_int_equal(st.free_blocks, 0);
    pf(&g_pool, all, POOL_BYTES);
    p = pa(&g_pool, 1);
    assert_ptr_equal(p, g_mem);
    pf(&g_pool, p, 1);
    assert_int_equal(stats(&g_pool).in_use, 0);
}

static void test_zero_bytes_is_a_unique_block(void **state)
{
    void *a, *b;
    (void)state;
    assert_int_equal(msgbus_pool_init(&g_pool, g_mem, POOL_BYTES), 0);
    a = pa(&g_pool, 0);
    b = pa(&g_pool, 0);
    assert_non_null(a);
    assert_non_null(b);
    assert_true(a != b);
    assert_int_equal(stats(&g_pool).in_use, 2 * granule());
    pf(&g_pool, a, 0);
    pf(&g_pool, b, 0);
    assert_int_equal(stats(&g_pool).in_use, 0);
    assert_int_equal(stats(&g_pool).bad_frees, 0);
    assert_int_equal(stats(&g_pool).free_blocks, 1);
}

#define NB 400

static void *g_p[NB];
static size_t g_n[NB];

/* Fill the pool with blocks of assorted sizes; how many it took. */
static int fill(void)
{
    int k = 0;
    while (k < NB) {
        size_t n = 1 + rnd() % 400;
        void *p = pa(&g_pool, n);
        if (!p)
            break;
        g_p[k] = p;
        g_n[k++] = n;
    }
    return k;
}

static void assert_whole(void)
{
    msgbus_pool_stats st = stats(&g_pool);
    void *p;
    assert_int_equal(st.in_use, 0);
    assert_int_equal(st.free_blocks, 1);
    assert_int_equal(st.largest_free, st.capacity);
    p = pa(&g_pool, st.capacity); /* one allocation of everything */
    assert_ptr_equal(p, g_mem);
    pf(&g_pool, p, st.capacity);
}

static void test_coalescing(void **state)
{
    int k, i, round;
    (void)state;
    g_rng = 0x1234567u;
    assert_int_equal(msgbus_pool_init(&g_pool, g_mem, POOL_BYTES), 0);
    for (round = 0; round < 4; round++) {
        k = fill();
        assert_true(k > 100);
        if (round == 0) { /* forwards */
            for (i = 0; i < k; i++)
                pf(&g_pool, g_p[i], g_n[i]);
        } else if (round == 1) { /* backwards */
            for (i = k - 1; i >= 0; i--)
                pf(&g_pool, g_p[i], g_n[i]);
        } else if (round == 2) { /* every other, then the rest: holes, then merges */
            for (i = 0; i < k; i += 2)
                pf(&g_pool, g_p[i], g_n[i]);
            assert_true(stats(&g_pool).free_blocks >= (size_t)k / 2);
            for (i = 1; i < k; i += 2)
                pf(&g_pool, g_p[i], g_n[i]);
        } else { /* a random order */
            for (i = k - 1; i > 0; i--) {
                int j = (int)(rnd() % (uint32_t)(i + 1));
                void *tp = g_p[i];
                size_t tn = g_n[i];
                g_p[i] = g_p[j];
                g_n[i] = g_n[j];
                g_p[j] = tp;
                g_n[j] = tn;
            }
            for (i = 0; i < k; i++)
                pf(&g_pool, g_p[i], g_n[i]);
        }
        assert_whole();
    }
    assert_int_equal(stats(&g_pool).bad_frees, 0);
}

static void test_stats_values(void **state)
{
    size_t g = granule();
    msgbus_pool_stats st;
    unsigned char *a, *b, *c;
    (void)state;
    assert_int_equal(msgbus_pool_init(&g_pool, g_mem, 16 * g), 0);
    a = pa(&g_pool, 1);         /* 1 granule */
    b = pa(&g_pool, 3 * g);     /* 3 */
    c = pa(&g_pool, 2 * g + 1); /* 3 */
    assert_ptr_equal(a, g_mem);
    assert_ptr_equal(b, g_mem + g);
    assert_ptr_equal(c, g_mem + 4 * g);
    st = stats(&g_pool);
    assert_int_equal(st.capacity, 16 * g);
    assert_int_equal(st.in_use, 7 * g);
    assert_int_equal(st.peak, 7 * g);
    assert_int_equal(st.largest_free, 9 * g);
    assert_int_equal(st.free_blocks, 1);
    assert_int_equal(st.allocs, 3);
    assert_int_equal(st.frees, 0);
    assert_int_equal(st.failed, 0);
    pf(&g_pool, b, 3 * g); /* a hole of 3 between a and c */
    st = stats(&g_pool);
    assert_int_equal(st.in_use, 4 * g);
    assert_int_equal(st.peak, 7 * g);
    assert_int_equal(st.free_blocks, 2);
    assert_int_equal(st.largest_free, 9 * g);
    assert_null(pa(&g_pool, 10 * g)); /* 12 free, but not in one piece */
    b = pa(&g_pool, 2 * g);           /* first fit: the hole */
    assert_ptr_equal(b, g_mem + g);
    st = stats(&g_pool);
    assert_int_equal(st.failed, 1);
    assert_int_equal(st.allocs, 4);
    assert_int_equal(st.frees, 1);
    assert_int_equal(st.free_blocks, 2);
    assert_int_equal(st.in_use, 6 * g);
    pf(&g_pool, a, 1);
    pf(&g_pool, c, 2 * g + 1);
    pf(&g_pool, b, 2 * g);
    st = stats(&g_pool);
    assert_int_equal(st.in_use, 0);
    assert_int_equal(st.peak, 7 * g);
    assert_int_equal(st.frees, 4);
    assert_int_equal(st.free_blocks, 1);
    assert_int_equal(st.largest_free, 16 * g);
    assert_int_equal(st.bad_frees, 0);
}

static void test_misuse_is_ignored_and_counted(void **state)
{
    size_t g = granule();
    unsigned char outside[64];
    unsigned char *a, *b, *c;
    msgbus_pool_stats before, st;
    (void)state;
    assert_int_equal(msgbus_pool_init(&g_pool, g_mem + 8 * g, 16 * g), 0);
    a = pa(&g_pool, g);
    b = pa(&g_pool, g);
    c = pa(&g_pool, g);
    assert_non_null(c);
    before = stats(&g_pool);
    pf(&g_pool, NULL, 8); /* like free(NULL): not misuse */
    assert_int_equal(stats(&g_pool).bad_frees, 0);
    pf(&g_pool, outside, 8);        /* not the pool's */
    pf(&g_pool, g_mem, 8);          /* just before the buffer */
    pf(&g_pool, g_mem + 24 * g, 8); /* just past it */
    pf(&g_pool, a + 1, 8);          /* inside, off the granule */
    pf(&g_pool, c + 13 * g, 2 * g); /* runs past the end */
    pf(&g_pool, a, 8 * g);          /* more than is in use */
    assert_int_equal(stats(&g_pool).bad_frees, 6);
    pf(&g_pool, b, g);
    pf(&g_pool, b, g);         /* double free */
    pf(&g_pool, a, 2 * g);     /* a's block and the free b after it */
    pf(&g_pool, c + g, g);     /* the free tail */
    pf(&g_pool, c + 2 * g, 1); /* inside the free tail */
    st = stats(&g_pool);
    assert_int_equal(st.bad_frees, 10);
    assert_int_equal(st.frees, 1);
    assert_int_equal(st.in_use, before.in_use - g);
    /* the pool still works: a and c live, b and the tail free */
    assert_ptr_equal(pa(&g_pool, g), b);
    pf(&g_pool, a, g);
    pf(&g_pool, b, g);
    pf(&g_pool, c, g);
    st = stats(&g_pool);
    assert_int_equal(st.in_use, 0);
    assert_int_equal(st.free_blocks, 1);
    assert_int_equal(st.bad_frees, 10);
}

/* Buffers at odd addresses and of odd lengths: blocks stay aligned and inside. */
static void test_odd_buffers(void **state)
{
    size_t g = granule();
    size_t off, len;
    (void)state;
    for (off = 0; off < 2 * ALIGN; off += 1) {
        for (len = g + 2 * ALIGN; len < 40 * g; len += 3 * g + 5) {
            unsigned char *buf = g_mem + off;
            unsigned char *p;
            size_t pad = (size_t)((ALIGN - (uintptr_t)buf % ALIGN) % ALIGN);
            msgbus_pool_stats st;
            size_t n = 0;
            assert_int_equal(msgbus_pool_init(&g_pool, buf, len), 0);
            st = stats(&g_pool);
            assert_int_equal(st.capacity, (len - pad) / g * g);
            while ((p = pa(&g_pool, 5)) != NULL) {
                assert_true(aligned(p));
                assert_true(p >= buf && p + 5 <= buf + len);
                n++;
            }
            assert_int_equal(n, st.capacity / g);
        }
    }
}

/* ---- the soak: random allocations and frees against a shadow model ---- */

#define SLOTS 160
#define SOAK_OPS 200000

typedef struct live {
    unsigned char *p;
    size_t n;
    uint8_t seed;
} live;

static live g_live[SLOTS];

static size_t soak_size(void)
{
    uint32_t r = rnd() % 100;
    if (r < 70)
        return 1 + rnd() % 64;
    if (r < 95)
        return 1 + rnd() % 1024;
    if (r < 99)
        return 1 + rnd() % 8192;
    return rnd() % 4 == 0 ? 0 : 8192 + rnd() % 16384;
}

static void check_no_overlap(int k)
{
    const unsigned char *p = g_live[k].p;
    size_t n = g_live[k].n ? g_live[k].n : 1;
    int i;
    for (i = 0; i < SLOTS; i++) {
        const unsigned char *q = g_live[i].p;
        size_t m = g_live[i].n ? g_live[i].n : 1;
        if (i == k || !q)
            continue;
        if (p < q + m && q < p + n)
            fail_msg("block %d [%p,+%zu) overlaps block %d [%p,+%zu)", k, (const void *)p, n, i,
                     (const void *)q, m);
    }
}

static void fill_pattern(const live *l)
{
    size_t i;
    for (i = 0; i < l->n; i++)
        l->p[i] = (uint8_t)(l->seed + i * 7);
}

static void check_pattern(const live *l)
{
    size_t i;
    for (i = 0; i < l->n; i++)
        if (l->p[i] != (uint8_t)(l->seed + i * 7))
            fail_msg("block %p byte %zu changed", (const void *)l->p, i);
}

static void test_randomized_soak(void **state)
{
    size_t g = granule();
    size_t used = 0, peak = 0;
    uint64_t allocs = 0, frees = 0, failed = 0;
    msgbus_pool_stats st;
    long op;
    int i;
    (void)state;
    g_rng = 0xC0FFEEu;
    memset(g_live, 0, sizeof g_live);
    assert_int_equal(msgbus_pool_init(&g_pool, g_mem + 3, POOL_BYTES), 0);
    for (op = 0; op < SOAK_OPS; op++) {
        int k = (int)(rnd() % SLOTS);
        live *l = &g_live[k];
        if (l->p) {
            check_pattern(l);
            pf(&g_pool, l->p, l->n);
            used -= round_up(l->n, g);
            frees++;
            l->p = NULL;
        } else {
            size_t n = soak_size();
            unsigned char *p = pa(&g_pool, n);
            if (!p) {
                failed++;
                continue;
            }
            assert_true(aligned(p));
            assert_true(p >= g_mem + 3 && p + n <= g_mem + 3 + POOL_BYTES);
            l->p = p;
            l->n = n;
            l->seed = (uint8_t)rnd();
            fill_pattern(l);
            check_no_overlap(k);
            used += round_up(n, g);
            if (used > peak)
                peak = used;
            allocs++;
        }
        if (op % 4096 == 0) {
            st = stats(&g_pool);
            assert_int_equal(st.in_use, used);
            assert_true(st.largest_free <= st.capacity - used);
        }
    }
    st = stats(&g_pool);
    assert_int_equal(st.in_use, used);
    assert_int_equal(st.peak, peak);
    assert_int_equal(st.allocs, allocs);
    assert_int_equal(st.frees, frees);
    assert_int_equal(st.failed, failed);
    assert_true(failed > 0); /* the sizes were chosen to reach exhaustion sometimes */
    print_message("soak: %lu allocs, %lu failed, peak %lu of %lu bytes\n", (unsigned long)allocs,
                  (unsigned long)failed, (unsigned long)peak, (unsigned long)st.capacity);
    for (i = 0; i < SLOTS; i++) {
        if (g_live[i].p) {
            check_pattern(&g_live[i]);
            pf(&g_pool, g_live[i].p, g_live[i].n);
            g_live[i].p = NULL;
        }
    }
    st = stats(&g_pool);
    assert_int_equal(st.bad_frees, 0);
    assert_int_equal(st.in_use, 0);
    assert_int_equal(st.free_blocks, 1);
    assert_int_equal(st.largest_free, st.capacity);
}

/* ---- the lock hooks ---- */

static int g_locks, g_unlocks, g_held;

static void count_lock(void *ud)
{
    (void)ud;
    assert_int_equal(g_held, 0); /* never taken twice */
    g_held = 1;
    g_locks++;
}

static void count_unlock(void *ud)
{
    (void)ud;
    assert_int_equal(g_held, 1);
    g_held = 0;
    g_unlocks++;
}

static void test_lock_hooks_wrap_every_call(void **state)
{
    static uint64_t mem[512];
    msgbus_pool pool;
    msgbus_pool_stats st;
    const msgbus_allocator *al;
    void *a, *b;
    (void)state;
    assert_int_equal(msgbus_pool_init(&pool, mem, sizeof mem), 0);
    msgbus_pool_set_lock(&pool, count_lock, count_unlock, NULL);
    al = msgbus_pool_allocator(&pool);
    g_locks = g_unlocks = 0;
    a = al->alloc(al->ctx, 100);
    b = al->alloc(al->ctx, 100000); /* refused: still locked and unlocked */
    assert_non_null(a);
    assert_null(b);
    al->free(al->ctx, a, 100);
    msgbus_pool_stats_get(&pool, &st);
    assert_int_equal(g_locks, 4);
    assert_int_equal(g_unlocks, 4);
    msgbus_pool_set_lock(&pool, NULL, NULL, NULL);
    a = al->alloc(al->ctx, 8);
    al->free(al->ctx, a, 8);
    assert_int_equal(g_locks, 4);
}

#if MSGBUS_PORT_HAS_THREADS
/* Two threads hammer one pool through a mutex: nothing overlaps, nothing is lost. */
typedef struct hammer {
    const msgbus_allocator *al;
    unsigned seed;
    unsigned char tag;
    int bad;
} hammer;

static void hammer_run(void *arg)
{
    hammer *h = arg;
    unsigned char *live[32] = {0};
    size_t sizes[32] = {0};
    int i, k;
    for (i = 0; i < 100000; i++) {
        size_t slot;
        h->seed = h->seed * 1103515245u + 12345u;
        slot = (h->seed >> 16) % 32;
        if (live[slot]) {
            for (k = 0; k < (int)sizes[slot]; k++)
                if (live[slot][k] != h->tag)
                    h->bad++;
            h->al->free(h->al->ctx, live[slot], sizes[slot]);
            live[slot] = NULL;
        } else {
            sizes[slot] = 1 + (h->seed >> 8) % 200;
            live[slot] = h->al->alloc(h->al->ctx, sizes[slot]);
            if (live[slot])
                memset(live[slot], h->tag, sizes[slot]);
        }
    }
    for (k = 0; k < 32; k++)
        if (live[k])
            h->al->free(h->al->ctx, live[k], sizes[k]);
}

static void mutex_lock(void *ud)
{
    msgbus_port_mutex_lock(ud);
}

static void mutex_unlock(void *ud)
{
    msgbus_port_mutex_unlock(ud);
}

static void test_two_threads_with_a_lock(void **state)
{
    static uint64_t mem[8192]; /* 64 KiB: room for both threads' 32 blocks */
    msgbus_pool pool;
    msgbus_pool_stats st;
    msgbus_port_mutex_t mu;
    msgbus_port_thread_t t1, t2;
    hammer h1, h2;
    (void)state;
    assert_int_equal(msgbus_pool_init(&pool, mem, sizeof mem), 0);
    assert_int_equal(msgbus_port_mutex_init(&mu), 0);
    msgbus_pool_set_lock(&pool, mutex_lock, mutex_unlock, &mu);
    h1.al = h2.al = msgbus_pool_allocator(&pool);
    h1.seed = 1;
    h2.seed = 2;
    h1.tag = 0xa1;
    h2.tag = 0xb2;
    h1.bad = h2.bad = 0;
    assert_int_equal(msgbus_port_thread_create(&t1, hammer_run, &h1), 0);
    assert_int_equal(msgbus_port_thread_create(&t2, hammer_run, &h2), 0);
    msgbus_port_thread_join(&t1);
    msgbus_port_thread_join(&t2);
    msgbus_pool_stats_get(&pool, &st);
    assert_int_equal(h1.bad + h2.bad, 0);
    assert_int_equal(st.in_use, 0);
    assert_int_equal(st.free_blocks, 1);
    assert_int_equal(st.bad_frees, 0);
    assert_int_equal(st.failed, 0);
    assert_int_equal(st.allocs, st.frees);
    msgbus_port_mutex_destroy(&mu);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_arguments),
        cmocka_unit_test(test_alignment_of_every_block),
        cmocka_unit_test(test_exhaustion_returns_null),
        cmocka_unit_test(test_zero_bytes_is_a_unique_block),
        cmocka_unit_test(test_coalescing),
        cmocka_unit_test(test_stats_values),
        cmocka_unit_test(test_misuse_is_ignored_and_counted),
        cmocka_unit_test(test_odd_buffers),
        cmocka_unit_test(test_randomized_soak),
        cmocka_unit_test(test_lock_hooks_wrap_every_call),
#if MSGBUS_PORT_HAS_THREADS
        cmocka_unit_test(test_two_threads_with_a_lock),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
