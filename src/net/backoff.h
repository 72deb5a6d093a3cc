/*
 * backoff.h - exponential backoff with jitter for reconnects: each failure
 * doubles the delay from the initial value up to the maximum, and every delay
 * is spread by +/-20% so that many clients do not reconnect in lockstep.
 */
#ifndef MB_NET_BACKOFF_H
#define MB_NET_BACKOFF_H

#include <stdint.h>

typedef struct mb_backoff {
    uint32_t initial_ms;
    uint32_t max_ms;
    uint32_t cur_ms; /**< base of the next delay */
} mb_backoff;

/** Start at @p initial_ms (at least 1), never above @p max_ms (at least initial). */
void mb_backoff_init(mb_backoff *b, uint32_t initial_ms, uint32_t max_ms);
/** Back to the initial delay (after a success). */
void mb_backoff_reset(mb_backoff *b);
/**
 * The next delay: the current base spread to [0.8, 1.2] x base by @p rnd (any
 * random 32-bit value), capped at max_ms; then the base doubles (capped).
 */
uint32_t mb_backoff_next(mb_backoff *b, uint32_t rnd);

#endif /* MB_NET_BACKOFF_H */
