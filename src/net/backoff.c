/*
 * backoff.c - exponential backoff with jitter (see backoff.h).
 */
#include "backoff.h"

void mb_backoff_init(mb_backoff *b, uint32_t initial_ms, uint32_t max_ms)
{
    b->initial_ms = initial_ms ? initial_ms : 1;
    b->max_ms = max_ms < b->initial_ms ? b->initial_ms : max_ms;
    b->cur_ms = b->initial_ms;
}

void mb_backoff_reset(mb_backoff *b)
{
    b->cur_ms = b->initial_ms;
}

uint32_t mb_backoff_next(mb_backoff *b, uint32_t rnd)
{
    uint64_t base = b->cur_ms;
    uint64_t spread = base * 2 / 5; /* 0.4 x base */
    uint64_t delay = base - base / 5 + (spread ? rnd % (spread + 1) : 0);
    if (delay > b->max_ms)
        delay = b->max_ms;
    b->cur_ms = base * 2 > b->max_ms ? b->max_ms : (uint32_t)(base * 2);
    return (uint32_t)delay;
}
