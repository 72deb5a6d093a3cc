/*
 * size_producer_api.c - what firmware that only produces links of msgbus
 * when it uses the producer API (producer.h) directly, without the bus
 * API's facade: port/none, an application transport, delivery reports.
 * Built for the footprint table (scripts/footprint.sh) with --gc-sections;
 * never run.
 */
#include "msgbus/port_none.h"
#include "msgbus/producer.h"
#include "transport_null.h"

static uint32_t clock_ms(void *ud)
{
    (void)ud;
    return 0;
}

static void delivered(void *ud, const msgbus_delivery *d)
{
    (void)ud;
    (void)d;
}

int main(void)
{
    static const msgbus_transport tr = {NULL,   t_connect, t_check, t_send,
                                        t_recv, t_close,   t_wait,  NULL};
    msgbus_producer_config cfg;
    msgbus_producer *p;
    msgbus_message m = MSGBUS_MESSAGE_INIT;
    msgbus_port_none_set_clock(clock_ms, NULL);
    msgbus_producer_config_init(&cfg);
    cfg.bootstrap = "10.0.0.1:9092";
    cfg.transport = &tr;
    cfg.loop = MSGBUS_LOOP_APP;
    cfg.on_delivery = delivered;
    if (msgbus_producer_create(&p, &cfg) != 0)
        return 1;
    m.topic = "telemetry";
    m.value = "reading";
    m.value_len = 7;
    msgbus_producer_send(p, &m);
    msgbus_producer_poll(p, 10);
    msgbus_producer_close(p, 100);
    return 0;
}
