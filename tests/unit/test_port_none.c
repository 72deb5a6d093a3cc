/* test_port_none.c - the no-OS port's hooks and no-op locks. Its functions
 * are renamed here so they can sit beside the POSIX port this build links. */
#define msgbus_port_now_ms none_now_ms
#define msgbus_port_random none_random
#define msgbus_port_mutex_init none_mutex_init
#define msgbus_port_mutex_lock none_mutex_lock
#define msgbus_port_mutex_unlock none_mutex_unlock
#define msgbus_port_mutex_destroy none_mutex_destroy
#define msgbus_port_cond_init none_cond_init
#define msgbus_port_cond_wait none_cond_wait
#define msgbus_port_cond_broadcast none_cond_broadcast
#define msgbus_port_cond_destroy none_cond_destroy
#define msgbus_port_none_set_clock none_set_clock
#define msgbus_port_none_set_random none_set_random
#define MSGBUS_PORT_TYPES_H /* use port/none's types, not the linked port's */
#define MSGBUS_PORT_HAS_THREADS 0
typedef struct msgbus_port_mutex_t {
    char unused;
} msgbus_port_mutex_t;
typedef struct msgbus_port_cond_t {
    char unused;
} msgbus_port_cond_t;
#include "../../port/none/port.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static uint32_t fake_now(void *ud)
{
    return *(uint32_t *)ud;
}

static int fake_fill(void *ud, void *buf, size_t len)
{
    memset(buf, *(int *)ud, len);
    return 0;
}

static void test_hooks(void **state)
{
    uint32_t clock = 0xfffffff0u;
    int byte = 0x5a;
    uint8_t b[4] = {0};
    msgbus_port_mutex_t m;
    msgbus_port_cond_t c;
    (void)state;
    assert_int_equal(none_now_ms(), 0);
    assert_int_equal(none_random(b, 4), MSGBUS_ERR_STATE);
    none_set_clock(fake_now, &clock);
    none_set_random(fake_fill, &byte);
    assert_int_equal(none_now_ms(), 0xfffffff0u);
    clock += 0x20; /* wraps */
    assert_int_equal(none_now_ms(), 0x10u);
    assert_int_equal(none_random(b, 4), 0);
    assert_int_equal(b[3], 0x5a);
    assert_int_equal(none_mutex_init(&m), 0);
    none_mutex_lock(&m);
    none_mutex_unlock(&m);
    none_mutex_destroy(&m);
    assert_int_equal(none_cond_init(&c), 0);
    assert_int_equal(none_cond_wait(&c, &m, 10), MSGBUS_ERR_STATE); /* nothing could signal */
    none_cond_broadcast(&c);
    none_cond_destroy(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_hooks)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
