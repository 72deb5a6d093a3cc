/*
 * size_producer.c - what firmware that only produces links of msgbus: the
 * bus API's writer side over the producer, port/none, an application
 * transport. Built for the footprint table (scripts/footprint.sh) with
 * --gc-sections; never run.
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
    msgbus *bus;
    msgbus_port_none_set_clock(clock_ms, NULL);
    msgbus_config_init(&cfg);
    cfg.bootstrap = "10.0.0.1:9092";
    cfg.topic = "telemetry";
    cfg.transport = &tr;
    cfg.loop = MSGBUS_LOOP_APP;
    cfg.blocking = MSGBUS_NONBLOCKING;
    if (msgbus_connect(&bus, &cfg) != 0)
        return 1;
    msgbus_write_str(bus, "reading");
    msgbus_poll(bus, 10);
    msgbus_destroy(bus);
    return 0;
}
