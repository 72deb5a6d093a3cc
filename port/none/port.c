/*
 * port.c (port/none) - the port contract with no operating system: the clock
 * and random source come from the application's hooks; locks are no-ops
 * because nothing runs concurrently; waiting on a condition is refused, since
 * nothing could signal it (callers poll instead). No POSIX header is used.
 */
#include "msgbus/error.h"
#include "msgbus/port.h"
#include "msgbus/port_none.h"

static uint32_t (*g_now)(void *ud);
static void *g_now_ud;
static int (*g_fill)(void *ud, void *buf, size_t len);
static void *g_fill_ud;
static int64_t (*g_wall)(void *ud);
static void *g_wall_ud;

void msgbus_port_none_set_wallclock(int64_t (*wall_ms)(void *ud), void *ud)
{
    g_wall = wall_ms;
    g_wall_ud = ud;
}

int64_t msgbus_port_wallclock_ms(void)
{
    return g_wall ? g_wall(g_wall_ud) : -1;
}

void msgbus_port_none_set_clock(uint32_t (*now_ms)(void *ud), void *ud)
{
    g_now = now_ms;
    g_now_ud = ud;
}

void msgbus_port_none_set_random(int (*fill)(void *ud, void *buf, size_t len), void *ud)
{
    g_fill = fill;
    g_fill_ud = ud;
}

uint32_t msgbus_port_now_ms(void)
{
    return g_now ? g_now(g_now_ud) : 0;
}

int msgbus_port_random(void *buf, size_t len)
{
    return g_fill ? g_fill(g_fill_ud, buf, len) : MSGBUS_ERR_STATE;
}

int msgbus_port_mutex_init(msgbus_port_mutex_t *m)
{
    (void)m;
    return 0;
}

void msgbus_port_mutex_lock(msgbus_port_mutex_t *m)
{
    (void)m;
}

void msgbus_port_mutex_unlock(msgbus_port_mutex_t *m)
{
    (void)m;
}

void msgbus_port_mutex_destroy(msgbus_port_mutex_t *m)
{
    (void)m;
}

int msgbus_port_cond_init(msgbus_port_cond_t *c)
{
    (void)c;
    return 0;
}

int msgbus_port_cond_wait(msgbus_port_cond_t *c, msgbus_port_mutex_t *m, uint32_t timeout_ms)
{
    (void)c;
    (void)m;
    (void)timeout_ms;
    return MSGBUS_ERR_STATE;
}

void msgbus_port_cond_broadcast(msgbus_port_cond_t *c)
{
    (void)c;
}

void msgbus_port_cond_destroy(msgbus_port_cond_t *c)
{
    (void)c;
}

int msgbus_port_transport_default(msgbus_transport *out, const msgbus_allocator *alloc)
{
    (void)out;
    (void)alloc;
    return MSGBUS_ERR_INVALID_ARG; /* no network stack here: the application brings one */
}

void msgbus_port_transport_destroy(msgbus_transport *t)
{
    (void)t;
}
