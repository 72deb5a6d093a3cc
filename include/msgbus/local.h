/**
 * @file local.h
 * @brief The local bus: an in-process event bus that needs no broker.
 *
 * Topics are registered by name; handlers register under a unique key with
 * a matcher (a regular expression, see docs/local.md for the grammar); an
 * emit hands every handler whose matcher matches the topic the same event,
 * synchronously, in the order the handlers were registered. Every event
 * carries an id (from the bus's id generator), a transaction id (the
 * caller's, or a new id), the topic, the data and when it occurred (ns).
 *
 * Memory: the bus lives in caller storage (a msgbus_local, sized by the
 * MSGBUS_CFG_LOCAL_* options of config_defaults.h); nothing is allocated per
 * emit. Which handlers match a topic is decided when a topic or handler is
 * registered or deregistered, and cached, never per event.
 *
 * Threads: on a port with threads every function may be called from any
 * thread. The bus's mutex guards its tables; handlers run without it held,
 * so a handler may emit (nested up to MSGBUS_CFG_LOCAL_MAX_DEPTH on one
 * thread, beyond that MSGBUS_ERR_DEPTH), register or deregister handlers and
 * topics, including itself. A handler deregistered while an emit is running
 * is not called by that emit afterwards if the deregistration happened on
 * the emitting thread (from a handler); one deregistered from another thread
 * may still receive an event whose emit had already started. On port/none
 * (no threads) the locks are no-ops: use the bus from one loop.
 *
 * Example:
 * @code
 * static msgbus_local bus;
 * static int on_order(void *ud, const msgbus_local_event *ev)
 * {
 *     printf("%s: %.*s\n", ev->topic, (int)ev->len, (const char *)ev->data);
 *     return 0;
 * }
 * msgbus_local_init(&bus, NULL);
 * msgbus_local_register_topic(&bus, "order.received");
 * msgbus_local_register_handler(&bus, "printer", "^order\\.", on_order, NULL);
 * msgbus_local_emit(&bus, "order.received", "42", 2, 0, NULL);
 * msgbus_local_destroy(&bus);
 * @endcode
 */
#ifndef MSGBUS_LOCAL_H
#define MSGBUS_LOCAL_H

#include <stddef.h>
#include <stdint.h>

#include "msgbus/config_defaults.h"
#include "msgbus/error.h"
#include "msgbus/port.h"
#include "msgbus/producer.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One event, as every matching handler sees it (valid during the call only). */
typedef struct msgbus_local_event {
    uint64_t id;                  /**< unique, from the bus's id generator */
    uint64_t tx_id;               /**< the emitter's transaction id, or a new id */
    const char *topic;            /**< the registered topic, NUL-terminated */
    const void *data;             /**< the event's bytes (may be NULL when len is 0) */
    size_t len;                   /**< bytes at data */
    int64_t occurred_at_ns;       /**< when it was emitted: ns since the Unix epoch */
    const void *key;              /**< optional key (the bus API's message key); NULL: none */
    size_t key_len;               /**< bytes at key */
    const msgbus_header *headers; /**< optional headers (the bus API's); NULL: none */
    size_t n_headers;             /**< entries at headers */
} msgbus_local_event;

/**
 * A handler. Runs on the emitting thread without the bus's lock held.
 * @return 0, or an error the emit reports to its caller (the other matching
 *         handlers are still called; the first error wins).
 */
typedef int (*msgbus_local_handler_fn)(void *ud, const msgbus_local_event *ev);

/** An id generator: a new unique id, never 0. Called with the bus's lock held. */
typedef uint64_t (*msgbus_local_id_fn)(void *ud);

/** A clock: nanoseconds since the Unix epoch. */
typedef int64_t (*msgbus_local_clock_fn)(void *ud);

/** Which matcher runs the handlers' patterns. */
typedef enum msgbus_local_matcher {
    MSGBUS_LOCAL_MATCH_DEFAULT = 0, /**< POSIX regex where built (MSGBUS_CFG_LOCAL_REGEX_POSIX),
                                         else the subset */
    MSGBUS_LOCAL_MATCH_SUBSET = 1,  /**< msgbus's own subset (docs/local.md), on every target */
    MSGBUS_LOCAL_MATCH_POSIX = 2    /**< regcomp/regexec, POSIX extended; MSGBUS_ERR_NOT_BUILT
                                         without MSGBUS_CFG_LOCAL_REGEX_POSIX */
} msgbus_local_matcher;

/** Options of a local bus; msgbus_local_init() with NULL takes the defaults (all 0). */
typedef struct msgbus_local_config {
    msgbus_local_id_fn next_id;   /**< NULL: the default generator (see msgbus_local_seed()) */
    void *id_ud;                  /**< passed to next_id */
    msgbus_local_clock_fn clock;  /**< NULL: the port's wall clock (ms resolution) */
    void *clock_ud;               /**< passed to clock */
    msgbus_local_matcher matcher; /**< default MSGBUS_LOCAL_MATCH_DEFAULT */
} msgbus_local_config;

/** @cond PRIVATE: the bus's tables, in caller storage; use the functions below. */
typedef struct mb_local_topic {
    char name[MSGBUS_CFG_LOCAL_TOPIC_LEN];
    uint8_t len; /* strlen(name) */
    uint8_t used;
    uint8_t n;                                    /* matching handlers in order[] */
    uint8_t order[MSGBUS_CFG_LOCAL_MAX_HANDLERS]; /* handler slots, registration order */
} mb_local_topic;

typedef struct mb_local_handler {
    char key[MSGBUS_CFG_LOCAL_KEY_LEN];
    char pattern[MSGBUS_CFG_LOCAL_PATTERN_LEN];
    msgbus_local_handler_fn fn; /* NULL: free slot */
    void *ud;
    uint32_t seq; /* registration order */
    uint32_t gen; /* bumped at deregistration */
} mb_local_handler;
/** @endcond */

/** A local bus. Treat every member as private. */
typedef struct msgbus_local {
    msgbus_local_config mb_cfg;
    mb_local_topic mb_topics[MSGBUS_CFG_LOCAL_MAX_TOPICS];
    mb_local_handler mb_handlers[MSGBUS_CFG_LOCAL_MAX_HANDLERS];
    msgbus_port_mutex_t mb_lock;
    uint32_t mb_seq;            /* next handler seq */
    uint64_t mb_last_id;        /* default generator: the last id given */
    uint32_t mb_node;           /* default generator: node / boot bits */
    volatile uint32_t mb_epoch; /* bumped on every deregistration */
    int mb_ready;
} msgbus_local;

/**
 * Make @p bus ready: no topics, no handlers. The default id generator's node
 * bits are taken from the port's random source (0 where it has none): call
 * msgbus_local_seed() to set them from a boot counter instead.
 * @param cfg NULL for the defaults; copied.
 * @return 0; MSGBUS_ERR_INVALID_ARG; MSGBUS_ERR_NOT_BUILT (POSIX matcher asked
 *         for in a build without it); the port's mutex error.
 */
int msgbus_local_init(msgbus_local *bus, const msgbus_local_config *cfg);

/** Release the bus's mutex. No call may be running on it. NULL is a no-op. */
void msgbus_local_destroy(msgbus_local *bus);

/**
 * Set the default id generator's node bits (the low 8 bits of @p node are
 * used), e.g. from a boot counter kept in flash, so ids stay unique across
 * reboots even where the wall clock restarts (docs/local.md). Thread-safe.
 */
void msgbus_local_seed(msgbus_local *bus, uint32_t node);

/**
 * The default id generator's formula, for applications that build their own:
 * 42 bits of milliseconds since 2020-01-01 UTC, 8 node bits, 14 sequence
 * bits. @p last is the previous id (0 at first); the result is always
 * greater than @p last (the sequence borrows the next millisecond when one
 * is used up, and a clock that goes back is not followed). Never 0.
 */
uint64_t msgbus_local_id_next(uint64_t last, int64_t now_ns, uint32_t node);

/**
 * Register topic @p name (1 to MSGBUS_CFG_LOCAL_TOPIC_LEN - 1 bytes);
 * registering a registered topic again is a no-op that returns 0.
 * @return 0; MSGBUS_ERR_INVALID_ARG (NULL, empty or too long);
 *         MSGBUS_ERR_LIMIT (the topic table is full).
 */
int msgbus_local_register_topic(msgbus_local *bus, const char *name);

/**
 * Deregister topic @p name. Emits to it then fail with MSGBUS_ERR_NO_TOPIC.
 * @return 0; MSGBUS_ERR_NO_TOPIC; MSGBUS_ERR_INVALID_ARG.
 */
int msgbus_local_deregister_topic(msgbus_local *bus, const char *name);

/**
 * Register handler @p fn under the unique @p key, for every topic (present or
 * later registered) that @p pattern matches. Handlers of a topic are called
 * in the order they were registered.
 * @return 0; MSGBUS_ERR_DUPLICATE (the key is taken); MSGBUS_ERR_BAD_PATTERN;
 *         MSGBUS_ERR_INVALID_ARG (NULL, empty, or a key or pattern too long);
 *         MSGBUS_ERR_LIMIT (the handler table is full).
 */
int msgbus_local_register_handler(msgbus_local *bus, const char *key, const char *pattern,
                                  msgbus_local_handler_fn fn, void *ud);

/**
 * Deregister the handler registered under @p key; a handler may deregister
 * itself while it runs.
 * @return 0; MSGBUS_ERR_STATE (no handler has this key); MSGBUS_ERR_INVALID_ARG.
 */
int msgbus_local_deregister_handler(msgbus_local *bus, const char *key);

/**
 * Emit @p ev to every handler matching ev->topic. The caller fills topic,
 * data, len and optionally tx_id (0: a new id is generated), key and
 * headers; id and occurred_at_ns are filled in when 0 (a bridge passes them
 * through). On return @p ev holds the event as the handlers saw it.
 * @return 0 (also when no handler matches); MSGBUS_ERR_NO_TOPIC;
 *         MSGBUS_ERR_DEPTH (a handler's emit nested too deep; nothing was
 *         delivered); MSGBUS_ERR_INVALID_ARG; else the first error a
 *         handler returned (every matching handler was still called).
 */
int msgbus_local_emit_event(msgbus_local *bus, msgbus_local_event *ev);

/**
 * Emit @p len bytes at @p data to @p topic with transaction id @p tx_id (0:
 * generate one). @p out (may be NULL) receives the event (its pointers are
 * the caller's). Same results as msgbus_local_emit_event().
 */
int msgbus_local_emit(msgbus_local *bus, const char *topic, const void *data, size_t len,
                      uint64_t tx_id, msgbus_local_event *out);

/**
 * The local bus that bus-API connections of technology MSGBUS_TECH_LOCAL use
 * (msgbus_connect()), and what makes that technology available: a program
 * that never calls this function does not link the local technology (a
 * connect with MSGBUS_TECH_LOCAL then gives MSGBUS_ERR_NOT_BUILT), so a
 * Kafka-only program stays small. Call it before the first such connect;
 * NULL lets the first connect create a bus through its allocator, freed
 * when the last such connection is destroyed. Not thread-safe: call it
 * before connecting.
 */
void msgbus_local_set_default(msgbus_local *bus);

#ifdef __cplusplus
}
#endif

#endif /* MSGBUS_LOCAL_H */
