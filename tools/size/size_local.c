/*
 * size_local.c - what firmware that only uses the local bus links of
 * msgbus: topics, a handler with a pattern (the subset matcher on port/none),
 * emit. Built for the footprint table (scripts/footprint.sh) with
 * --gc-sections; never run.
 */
#include "msgbus/local.h"

static int on_event(void *ud, const msgbus_local_event *ev)
{
    (void)ud;
    return ev->len > 0 ? 0 : 1;
}

int main(void)
{
    static msgbus_local bus;
    if (msgbus_local_init(&bus, NULL) != 0)
        return 1;
    msgbus_local_register_topic(&bus, "sensor.temperature");
    msgbus_local_register_handler(&bus, "logger", "^sensor\\.", on_event, NULL);
    msgbus_local_emit(&bus, "sensor.temperature", "21.5", 4, 0, NULL);
    msgbus_local_deregister_handler(&bus, "logger");
    msgbus_local_destroy(&bus);
    return 0;
}
