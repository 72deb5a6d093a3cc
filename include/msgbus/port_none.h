/**
 * @file port_none.h
 * @brief Hooks of the no-OS port (port/none): the application supplies the
 *        clock and the random source; it also supplies the transport (see
 *        msgbus/transport.h) and calls poll from its main loop.
 */
#ifndef MSGBUS_PORT_NONE_H
#define MSGBUS_PORT_NONE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Set the millisecond clock msgbus_port_now_ms() returns.
 * @param now_ms A monotonic millisecond counter that may wrap at 2^32 (a
 *               SysTick counter, an RTC); NULL makes msgbus_port_now_ms() return 0.
 * @param ud     Passed to @p now_ms.
 * Call it before creating any msgbus object. Not thread-safe (there are none).
 */
void msgbus_port_none_set_clock(uint32_t (*now_ms)(void *ud), void *ud);

/**
 * @brief Set the random source msgbus_port_random() uses.
 * @param fill Fills @p len bytes and returns 0, or a negative error; it must
 *             be cryptographically secure if SASL/SCRAM is used (a TRNG).
 *             NULL makes msgbus_port_random() fail with MSGBUS_ERR_STATE.
 * @param ud   Passed to @p fill.
 */
void msgbus_port_none_set_random(int (*fill)(void *ud, void *buf, size_t len), void *ud);

/**
 * @brief Install the wall clock behind msgbus_port_wallclock_ms() (ms since
 * 1970-01-01 UTC, e.g. from an RTC or SNTP). Without one, records carry no
 * timestamp (-1) unless the application gives one.
 */
void msgbus_port_none_set_wallclock(int64_t (*wall_ms)(void *ud), void *ud);

#ifdef __cplusplus
}
#endif

#endif /* MSGBUS_PORT_NONE_H */
