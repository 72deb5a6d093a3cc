/*
 * size_full.c - what firmware that produces and consumes (in a group) links
 * of msgbus: the bus API's writer and reader sides. Built for the footprint
 * table (scripts/footprint.sh) with --gc-sections; never run.
 */
#include "msgbus/msgbus.h"
#include "msgbus/port_none.h"
#include "transport_null.h"

static uint32_t clock_ms(void *ud)
{
    (void)ud;
    return 0;
}

int main(void)
{
    static const msgbus_transport tr = {NULL,   t_connect, t_check, t_send,
                                        t_recv, t_close,   t_wait,  NULL};
    msgbus_config cfg;
    msgbus *w, *r;
    char buf[64];
    size_t len;
    msgbus_port_none_set_clock(clock_ms, NULL);
    msgbus_config_init(&cfg);
    cfg.bootstrap = "10.0.0.1:9092";
    cfg.topic = "telemetry";
    cfg.transport = &tr;
    cfg.loop = MSGBUS_LOOP_APP;
    cfg.blocking = MSGBUS_NONBLOCKING;
    if (msgbus_connect(&w, &cfg) != 0)
        return 1;
    cfg.direction = MSGBUS_READER;
    if (msgbus_connect(&r, &cfg) != 0)
        return 1;
    msgbus_write_str(w, "reading");
    if (msgbus_read(r, buf, sizeof buf, &len) == 0)
        msgbus_commit(r, 0);
    msgbus_destroy(r);
    msgbus_destroy(w);
    return 0;
}
