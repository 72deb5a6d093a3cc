/*
 * bus_local.h - the bus API (include/msgbus/msgbus.h) over the local bus
 * (private). bus.c keeps a table of these functions in a connection whose
 * technology is MSGBUS_TECH_LOCAL and calls through it; everything else of
 * such a connection lives in src/local/bus_local.c.
 */
#ifndef MB_LOCAL_BUS_LOCAL_H
#define MB_LOCAL_BUS_LOCAL_H

#include "msgbus/msgbus.h"

/** The bus-API calls of one technology, on its own connection state @p impl. */
typedef struct mb_bus_ops {
    int (*open)(void **impl, const msgbus_config *cfg); /* mb_local_bus_open() */
    int (*write_msg)(void *impl, const void *key, size_t key_len, const void *value,
                     size_t value_len, const msgbus_header *headers, size_t n_headers);
    int (*flush)(void *impl, uint32_t timeout_ms);
    int (*poll)(void *impl, uint32_t timeout_ms);
    int (*read_record)(void *impl, msgbus_record *rec);
    int (*read)(void *impl, void *buf, size_t cap, size_t *len);
    int (*commit)(void *impl, uint32_t wait_ms);
    int (*available)(void *impl);
    int (*register_cb)(void *impl, msgbus_read_fn fn, void *ud);
    int (*unregister_cb)(void *impl);
    int (*status)(const void *impl);
    int (*disconnect)(void *impl);
    void (*destroy)(void *impl);
} mb_bus_ops;

/**
 * The local technology's table, once msgbus_local_set_default() was called;
 * NULL before. Defined in bus.c, so that a program that never calls into the
 * local bus does not link it (a reference from bus.c would pull it in).
 */
extern const mb_bus_ops *mb_local_tech;

/**
 * Open a connection of technology local as @p cfg says (direction, topic,
 * blocking, read_timeout_ms, alloc) on the default local bus
 * (msgbus_local_set_default()).
 * @return 0 and the state in *impl; MSGBUS_ERR_INVALID_ARG; MSGBUS_ERR_NOMEM;
 *         the local bus's errors (MSGBUS_ERR_LIMIT...).
 */
int mb_local_bus_open(void **impl, const msgbus_config *cfg);

#endif /* MB_LOCAL_BUS_LOCAL_H */
