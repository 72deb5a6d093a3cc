/*
 * test_local_storage.c - the bridge's outbox storages: the RAM ring (every
 * target) and, on POSIX, the file storage with its segments, its mark and
 * its recovery of a torn last record.
 */
#if defined(__unix__)
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "msgbus/bridge.h"

#if MSGBUS_CFG_BRIDGE /* else: the feature is left out of this build */

/* Records of varied sizes: record i is i % 37 + 1 bytes of (char)i. */
static size_t rec_len(uint64_t i)
{
    return (size_t)(i % 37u + 1u);
}

static void append_n(const msgbus_bridge_storage *st, uint64_t from, uint64_t n)
{
    unsigned char buf[64];
    uint64_t i;
    for (i = from; i < from + n; i++) {
        memset(buf, (int)(i & 0xffu), sizeof buf);
        assert_int_equal(st->append(st->ctx, buf, rec_len(i)), 0);
    }
}

static void check_read(const msgbus_bridge_storage *st, uint64_t seq)
{
    unsigned char buf[64];
    size_t len = 0;
    uint64_t s = seq;
    assert_int_equal(st->read(st->ctx, &s, buf, sizeof buf, &len), 0);
    assert_true(s == seq);
    assert_int_equal(len, rec_len(seq));
    assert_int_equal(buf[0], (unsigned char)(seq & 0xffu));
    assert_int_equal(buf[len - 1], (unsigned char)(seq & 0xffu));
}

static void test_ram(void **state)
{
    static unsigned char mem[1000];
    msgbus_storage_ram ram;
    const msgbus_bridge_storage *st;
    unsigned char buf[64];
    uint64_t first, next, i, s, base = 0;
    size_t len;
    int rounds;
    (void)state;
    assert_int_equal(msgbus_storage_ram_init(&ram, mem, 4), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(msgbus_storage_ram_init(&ram, mem, sizeof mem), 0);
    st = msgbus_storage_ram_get(&ram);
    s = 0;
    assert_int_equal(st->read(st->ctx, &s, buf, sizeof buf, &len), MSGBUS_ERR_NO_MESSAGE);
    /* fill, read in and out of order, trim, refill across the wrap */
    for (rounds = 0; rounds < 50; rounds++) {
        uint64_t n = 0;
        unsigned char one[64];
        memset(one, (int)((base + n) & 0xffu), sizeof one);
        while (st->append(st->ctx, one, rec_len(base + n)) == 0) {
            n++;
            memset(one, (int)((base + n) & 0xffu), sizeof one);
        }
        assert_true(n > 0);
        st->range(st->ctx, &first, &next);
        assert_true(first == base && next == base + n);
        for (i = base; i < next; i++)
            check_read(st, i);
        check_read(st, base + n / 2); /* backwards: the cursor restarts */
        s = base + 1;
        assert_int_equal(st->read(st->ctx, &s, buf, 0, &len), MSGBUS_ERR_NO_ROOM);
        assert_int_equal(len, rec_len(base + 1));
        /* trim a part: reads below the mark give the first kept */
        assert_int_equal(st->trim(st->ctx, base + n / 3 + 1), 0);
        s = base;
        assert_int_equal(st->read(st->ctx, &s, buf, sizeof buf, &len), 0);
        assert_true(s == base + n / 3 + 1);
        base = next;
        assert_int_equal(st->trim(st->ctx, next - 1), 0);
        check_read(st, next - 1);
        assert_int_equal(st->trim(st->ctx, next), 0);
        s = next;
        assert_int_equal(st->read(st->ctx, &s, buf, sizeof buf, &len), MSGBUS_ERR_NO_MESSAGE);
    }
    /* partial trims keep room free for appends, in order */
    append_n(st, base, 10);
    assert_int_equal(st->trim(st->ctx, base + 5), 0);
    append_n(st, base + 10, 5);
    for (i = base + 5; i < base + 15; i++)
        check_read(st, i);
}

#if MSGBUS_PORT_HAS_THREADS
#include <stdlib.h>
#include <unistd.h>

static void test_file(void **state)
{
    char dir[] = "/tmp/mb_storage_XXXXXX";
    msgbus_storage_file *f;
    const msgbus_bridge_storage *st;
    uint64_t first, next, i;
    (void)state;
    assert_non_null(mkdtemp(dir));
    assert_int_equal(msgbus_storage_file_open(&f, dir, 256, 0, MSGBUS_STORAGE_SYNC_BATCH, 50), 0);
    st = msgbus_storage_file_get(f);
    append_n(st, 0, 100); /* many small segments */
    for (i = 0; i < 100; i += 7)
        check_read(st, i);
    check_read(st, 3);
    assert_int_equal(st->trim(st->ctx, 40), 0);
    msgbus_storage_file_close(f);
    /* reopen: the mark and the records are back */
    assert_int_equal(msgbus_storage_file_open(&f, dir, 256, 0, MSGBUS_STORAGE_SYNC_NONE, 0), 0);
    st = msgbus_storage_file_get(f);
    st->range(st->ctx, &first, &next);
    assert_true(first == 40 && next == 100);
    for (i = 40; i < 100; i++)
        check_read(st, i);
    append_n(st, 100, 10);
    msgbus_storage_file_close(f);
    /* a torn last record (a crash mid-append) is cut off at open */
    {
        char cmd[600];
        snprintf(cmd, sizeof cmd,
                 "f=$(ls %s/seg-*.log | sort | tail -1); printf '\\050\\000\\000\\000xx' >> $f",
                 dir);
        assert_int_equal(system(cmd), 0);
    }
    assert_int_equal(msgbus_storage_file_open(&f, dir, 256, 0, MSGBUS_STORAGE_SYNC_NONE, 0), 0);
    st = msgbus_storage_file_get(f);
    st->range(st->ctx, &first, &next);
    assert_true(first == 40 && next == 110);
    check_read(st, 109);
    append_n(st, 110, 1);
    check_read(st, 110);
    /* bounded: max_bytes refuses */
    msgbus_storage_file_close(f);
    assert_int_equal(msgbus_storage_file_open(&f, dir, 256, 10, MSGBUS_STORAGE_SYNC_NONE, 0), 0);
    st = msgbus_storage_file_get(f);
    assert_int_equal(st->append(st->ctx, "x", 1), MSGBUS_ERR_NO_ROOM);
    assert_int_equal(st->trim(st->ctx, 111), 0);
    msgbus_storage_file_close(f);
    {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        assert_int_equal(system(cmd), 0);
    }
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ram),
#if MSGBUS_PORT_HAS_THREADS
        cmocka_unit_test(test_file),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#else
#include <stdio.h>
int main(void)
{
    puts("skipped: MSGBUS_CFG_BRIDGE is 0 in this build");
    return 0;
}
#endif
