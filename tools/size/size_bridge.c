/*
 * size_bridge.c - firmware with the local bus and the bridge to Kafka: a
 * RAM outbox, one route out and one in, the producer and the consumer on an
 * application transport (port/none). Built for the footprint table
 * (scripts/footprint.sh) with --gc-sections; never run.
 */
#include "msgbus/bridge.h"
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
    static const msgbus_bridge_out out = {"sensor.t", "plant.sensors", MSGBUS_BRIDGE_KEY_ID};
    static const msgbus_bridge_in in = {"plant.commands", "cmd"};
    static msgbus_local bus;
    msgbus_bridge_config cfg;
    msgbus_bridge *b;
    msgbus_port_none_set_clock(clock_ms, NULL);
    if (msgbus_local_init(&bus, NULL) != 0)
        return 1;
    msgbus_bridge_config_init(&cfg);
    cfg.bus = &bus;
    cfg.out = &out;
    cfg.n_out = 1;
    cfg.in = &in;
    cfg.n_in = 1;
    cfg.outbox_bytes = 16384;
    cfg.producer.bootstrap = "10.0.0.1:9092";
    cfg.producer.transport = &tr;
    cfg.producer.loop = MSGBUS_LOOP_APP;
    cfg.consumer.transport = &tr;
    if (msgbus_bridge_create(&b, &cfg) != 0)
        return 1;
    msgbus_local_emit(&bus, "sensor.t", "21.5", 4, 0, NULL);
    msgbus_bridge_poll(b, 10);
    msgbus_bridge_destroy(b, 100);
    return 0;
}
