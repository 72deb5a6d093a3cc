/**
 * @file port.h
 * @brief The port contract: what an integrator supplies to run msgbus on a new target.
 *
 * A port is chosen at link time: the build compiles exactly one directory
 * `port/<target>/`, which implements the functions below and provides
 * `msgbus_port_types.h` (complete types for mutexes, conditions and threads,
 * and `MSGBUS_PORT_HAS_THREADS`). msgbus ships two ports:
 *
 *  - `port/posix`: Linux, macOS and other POSIX systems (pthreads,
 *    clock_gettime(CLOCK_MONOTONIC), getaddrinfo, non-blocking sockets, poll(2));
 *  - `port/none`: no operating system. No threads (locks compile to nothing);
 *    the application supplies the clock and the random source through
 *    msgbus_port_none_set_clock() / msgbus_port_none_set_random(), and a
 *    transport (include/msgbus/transport.h); everything runs from the
 *    application's poll call.
 *
 * The network transport is not part of this link-time contract: it is a
 * runtime table of functions (msgbus_transport), so that TLS can wrap any
 * transport. A port may offer a default transport (port/posix does: TCP).
 *
 * docs/porting.md explains how to write a port for an RTOS and how to test it.
 */
#ifndef MSGBUS_PORT_H
#define MSGBUS_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "msgbus/alloc.h"
#include "msgbus/transport.h"
#include "msgbus_port_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Monotonic milliseconds.
 *
 * Any origin; wraps modulo 2^32 (every ~49.7 days). msgbus only ever compares
 * two readings by their signed difference (msgbus_time_diff()), so the wrap
 * is harmless as long as no single wait exceeds ~24 days.
 * @return The current reading. Must never go backwards (apart from the wrap).
 *         Must be callable from any thread and from the poll call.
 */
uint32_t msgbus_port_now_ms(void);

/**
 * @brief Wall-clock time: milliseconds since 1970-01-01 UTC.
 *
 * Used only for record timestamps (Kafka's CreateTime) and timestamp-based
 * offset lookups, never for timeouts. A port without a real-time clock
 * returns -1, and records then carry no timestamp unless the application
 * gives one.
 * @return The time, or -1 when the port does not know it.
 */
int64_t msgbus_port_wallclock_ms(void);

/**
 * @brief Wrap-safe difference of two msgbus_port_now_ms() readings.
 * @return a - b as a signed number of milliseconds (negative when a is before b).
 */
static inline int32_t msgbus_time_diff(uint32_t a, uint32_t b)
{
    uint32_t d = a - b;
    return d <= 0x7fffffffu ? (int32_t)d : -(int32_t)(0xffffffffu - d) - 1;
}

/**
 * @brief Fill @p buf with @p len random bytes.
 *
 * Used for reconnect jitter and, with SASL/SCRAM, for client nonces; for the
 * latter it must come from a cryptographically secure source.
 * @return 0 on success, a negative MSGBUS_ERR_* code on failure.
 */
int msgbus_port_random(void *buf, size_t len);

/**
 * @brief Initialise a mutex. Never allocates where the port can avoid it.
 * @return 0, or a negative MSGBUS_ERR_* code. On ports without threads: 0, no-op.
 */
int msgbus_port_mutex_init(msgbus_port_mutex_t *m);
/** @brief Lock @p m (not recursive). No-op without threads. */
void msgbus_port_mutex_lock(msgbus_port_mutex_t *m);
/** @brief Unlock @p m. No-op without threads. */
void msgbus_port_mutex_unlock(msgbus_port_mutex_t *m);
/** @brief Release what msgbus_port_mutex_init() set up. */
void msgbus_port_mutex_destroy(msgbus_port_mutex_t *m);

/**
 * @brief Initialise a condition variable (or a semaphore-backed equivalent).
 * @return 0, or a negative MSGBUS_ERR_* code.
 */
int msgbus_port_cond_init(msgbus_port_cond_t *c);
/**
 * @brief Wait on @p c with @p m locked, for at most @p timeout_ms.
 *
 * Spurious wake-ups are allowed; callers re-check their predicate.
 * Without threads this returns MSGBUS_ERR_STATE at once (nothing else could
 * signal it): callers must poll instead.
 * @return 0 when woken, MSGBUS_ERR_TIMEOUT when the time ran out.
 */
int msgbus_port_cond_wait(msgbus_port_cond_t *c, msgbus_port_mutex_t *m, uint32_t timeout_ms);
/** @brief Wake every waiter of @p c. No-op without threads. */
void msgbus_port_cond_broadcast(msgbus_port_cond_t *c);
/** @brief Release what msgbus_port_cond_init() set up. */
void msgbus_port_cond_destroy(msgbus_port_cond_t *c);

/**
 * @brief The port's own network transport (TCP on POSIX), used when the
 * application gives none. Fills @p out; release it with
 * msgbus_port_transport_destroy().
 * @return 0, MSGBUS_ERR_NOMEM, or MSGBUS_ERR_INVALID_ARG on a port that has
 *         no network stack of its own (the application must supply a
 *         transport there).
 */
int msgbus_port_transport_default(msgbus_transport *out, const msgbus_allocator *alloc);
/** @brief Release a transport made by msgbus_port_transport_default(). */
void msgbus_port_transport_destroy(msgbus_transport *t);

#if MSGBUS_PORT_HAS_THREADS
/**
 * @brief Start a thread running fn(arg). Only on ports with threads.
 * @return 0, or a negative MSGBUS_ERR_* code.
 */
int msgbus_port_thread_create(msgbus_port_thread_t *t, void (*fn)(void *arg), void *arg);
/** @brief Wait for the thread started by msgbus_port_thread_create() to end. */
void msgbus_port_thread_join(msgbus_port_thread_t *t);
#endif

#ifdef __cplusplus
}
#endif

#endif /* MSGBUS_PORT_H */
