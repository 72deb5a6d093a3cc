/*
 * group.h - the consumer group member (group.c) and the narrow interface
 * between it and the consumer (consumer.c).
 *
 * Calls go one way: consumer.c -> group.c through the functions below. The
 * member reaches back only through the upcalls in mb_group_host (a snapshot
 * of positions, assignments handed over, a "closing" query); it never sees
 * the consumer's partition table. The member sends its requests through the
 * mb_client the host gives it and reads the clock the host injects, so a
 * unit test can drive it on the scripted transport with a fake clock.
 */
#ifndef MB_BUS_GROUP_H
#define MB_BUS_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "msgbus/consumer.h"
#include "net/client.h"
#include "net/log.h"

typedef struct mb_group mb_group;

/** One partition and an offset: a position, a committed offset or an assignment. */
typedef struct mb_gtp {
    char topic[256];
    int32_t partition;
    int64_t offset;
} mb_gtp;

/** What the member needs from its host (the consumer); everything else it owns. */
typedef struct mb_group_host {
    void *ud;                          /**< passed to every upcall */
    mb_client *cl;                     /**< the connections requests go through */
    const msgbus_consumer_config *cfg; /**< timeouts, assignor, callbacks */
    const mb_logger *log;
    msgbus_allocator al;
    uint32_t (*now_ms)(void *clock_ud); /**< the injected clock */
    void *clock_ud;
    /**
     * Upcall: the positions worth committing (assigned, known), at most
     * @p cap into @p out; returns how many there are (call with cap 0 to count).
     */
    size_t (*positions)(void *ud, mb_gtp *out, size_t cap);
    /** Upcall: take over @p topic / @p partition from @p offset (or BEGINNING / END). */
    int (*assign)(void *ud, const char *topic, int32_t partition, int64_t offset);
    /** Upcall: drop every assigned partition. */
    void (*unassign_all)(void *ud);
} mb_group_host;

/** A new member of @p group_id (not yet subscribed). @return 0, INVALID_ARG, NOMEM. */
int mb_group_create(mb_group **out, const mb_group_host *host, const char *group_id);
/**
 * Close, part one (the connections still up): commit the positions
 * (auto-commit) and leave the group, each wait bounded; no request is sent after.
 */
void mb_group_leave(mb_group *g);
/** Close, part two, after the client is gone (no callback can reach @p g): free. */
void mb_group_destroy(mb_group *g);
/**
 * Drive the state machine: apply what the answers left, send what is due.
 * Lowers *@p wait to when it needs the loop again; returns how many requests it queued.
 */
int mb_group_step(mb_group *g, uint32_t now, uint32_t *wait);
/** 1 while the member has a settled assignment with known positions. */
int mb_group_stable(const mb_group *g);
/** Subscribe to @p n topics (once). @return 0, INVALID_ARG, STATE, NOMEM. */
int mb_group_subscribe(mb_group *g, const char *const *topics, size_t n);
/** Commit the positions (@p offs NULL) or @p n explicit offsets; wait up to @p wait_ms. */
int mb_group_commit(mb_group *g, const msgbus_topic_partition *offs, size_t n, uint32_t wait_ms);
/** The committed offset of one partition, waiting up to @p timeout_ms. */
int mb_group_committed(mb_group *g, const char *topic, int32_t partition, int64_t *offset,
                       uint32_t timeout_ms);

/**
 * Milliseconds left of @p timeout measured from @p start at @p now: 0 once it
 * has passed. Unsigned arithmetic, so a timeout of 2^31 ms or more does not
 * expire at once (the elapsed time must stay below 2^32 ms, ~49 days).
 */
static inline uint32_t mb_time_left(uint32_t start, uint32_t now, uint32_t timeout)
{
    uint32_t elapsed = now - start;
    return elapsed < timeout ? timeout - elapsed : 0;
}

#endif /* MB_BUS_GROUP_H */
