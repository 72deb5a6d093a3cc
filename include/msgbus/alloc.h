/**
 * @file alloc.h
 * @brief The per-instance allocator msgbus uses wherever it needs heap memory.
 *
 * msgbus never calls malloc() behind the caller's back: every component that
 * needs memory takes a #msgbus_allocator. An application may pass its own (a
 * pool, an RTOS heap, a counting wrapper for tests) or msgbus_allocator_default().
 *
 * Static mode: a #msgbus_pool carves every block out of one buffer the
 * caller supplies and never calls malloc(); give its allocator
 * (msgbus_pool_allocator()) to a producer, consumer or bus and all of that
 * object's memory comes from the buffer and goes back to it at close.
 */
#ifndef MSGBUS_ALLOC_H
#define MSGBUS_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief A memory allocator: two callbacks and the context they share.
 *
 * The struct must stay valid (and unchanged) for as long as any msgbus object
 * created with it exists. The callbacks may be called from whichever thread
 * uses that object; they need not be thread-safe unless the allocator is
 * shared by objects used from different threads.
 */
typedef struct msgbus_allocator {
    /**
     * Allocate @p size bytes (msgbus never asks for 0), aligned for any object
     * type. Returns NULL on failure; msgbus then reports #MSGBUS_ERR_NOMEM.
     */
    void *(*alloc)(void *ctx, size_t size);
    /**
     * Release @p ptr, which this allocator returned for a request of exactly
     * @p size bytes. Never called with NULL.
     */
    void (*free)(void *ctx, void *ptr, size_t size);
    /** Passed unchanged as the first argument of both callbacks. */
    void *ctx;
} msgbus_allocator;

/**
 * @brief The default allocator, backed by the C library's malloc() and free().
 * @return A pointer to a static allocator; never NULL. Thread-safe.
 */
const msgbus_allocator *msgbus_allocator_default(void);

/**
 * @brief A memory pool over one caller-supplied buffer (the static mode).
 *
 * The pool hands out blocks of the buffer first-fit from an address-ordered
 * free list; freed blocks merge with free neighbours at once, so a
 * long-running program does not fragment the buffer more than its own live
 * blocks do. Blocks carry no header: msgbus passes the size back on free,
 * and the free list lives inside the free blocks. The only memory besides
 * the buffer is this struct, which may be static, global or on a stack that
 * outlives every object using it.
 *
 * Every block is aligned to `_Alignof(max_align_t)` (8 on Cortex-M, 16 on
 * x86-64); integrators may build port/common/pool.c with
 * `-DMSGBUS_POOL_ALIGN=8` where `max_align_t` asks more than their code needs
 * (msgbus itself needs 8). Each request is rounded up to a multiple of the
 * granule: that alignment, or two `size_t`s if larger (16 bytes on x86-64,
 * 8 on Cortex-M).
 *
 * Threads: the pool takes no lock. It is safe where all of its allocations
 * and frees happen on one thread at a time, which holds for one object per
 * pool that one thread at a time calls into:
 *  - a consumer, or a reader bus (a consumer allocates only inside the call
 *    that is running it);
 *  - a producer, or a writer bus, with `loop = MSGBUS_LOOP_APP`: it then
 *    allocates only inside the application's calls (send, poll, flush,
 *    close, and the delivery callbacks they run), so sends and polls must
 *    not overlap on different threads;
 *  - anything on a port without threads (port/none).
 *
 * A producer (or writer bus) with an event-loop thread (`MSGBUS_LOOP_THREAD`,
 * or `MSGBUS_LOOP_AUTO` on a port with threads) allocates on two threads at
 * once: msgbus_producer_send() on the caller's thread (batch buffers, topic
 * table) and the loop thread (connections, response frames, metadata,
 * requests). Likewise several objects sharing one pool on different threads.
 * There, give the pool a lock with msgbus_pool_set_lock() (an RTOS mutex, or
 * the port's msgbus_port_mutex_lock/unlock), taken around every allocation
 * and free.
 *
 * The members are private: read them through msgbus_pool_stats_get().
 */
typedef struct msgbus_pool {
    msgbus_allocator mb_al;      /**< private: the allocator msgbus_pool_allocator() returns */
    unsigned char *mb_base;      /**< private: the aligned start of the usable buffer */
    size_t mb_cap;               /**< private: usable bytes, a multiple of the granule */
    size_t mb_head;              /**< private: offset of the first free block, or SIZE_MAX */
    size_t mb_used;              /**< private: bytes in use (rounded sizes) */
    size_t mb_peak;              /**< private: highest mb_used */
    uint64_t mb_allocs;          /**< private: successful allocations */
    uint64_t mb_frees;           /**< private: accepted frees */
    uint64_t mb_failed;          /**< private: refused allocations */
    uint64_t mb_bad_frees;       /**< private: ignored frees */
    void (*mb_lock)(void *ud);   /**< private: see msgbus_pool_set_lock() */
    void (*mb_unlock)(void *ud); /**< private */
    void *mb_lock_ud;            /**< private */
} msgbus_pool;

/** @brief What msgbus_pool_stats_get() reports. Bytes are rounded block sizes. */
typedef struct msgbus_pool_stats {
    size_t capacity;     /**< usable bytes (the buffer less alignment padding) */
    size_t in_use;       /**< bytes in live blocks now */
    size_t peak;         /**< highest in_use since msgbus_pool_init() */
    size_t largest_free; /**< the largest block an allocation could get now */
    size_t free_blocks;  /**< free ranges now (1 when nothing is live: fragmentation) */
    uint64_t allocs;     /**< successful allocations since init */
    uint64_t frees;      /**< frees accepted since init */
    uint64_t failed;     /**< allocations refused (no free range large enough) */
    uint64_t bad_frees;  /**< frees ignored as misuse: a pointer outside the buffer or
                              off the granule, a range past its end, or one that overlaps
                              free memory (a double free), or more bytes than are in use */
} msgbus_pool_stats;

/**
 * @brief Make @p pool manage the buffer @p buf of @p len bytes.
 *
 * Allocates nothing; the buffer's previous contents do not matter. The
 * buffer needs no particular alignment (its start is rounded up, losing at
 * most one alignment unit, and its end is rounded down to the granule).
 * Both @p pool and @p buf must stay valid, and the buffer must not be used
 * otherwise, as long as any block is live or any msgbus object uses the
 * pool. Calling it again resets the pool: every block it gave out is
 * forgotten. There is nothing to release: when no object uses the pool any
 * more, the buffer is the caller's again.
 *
 * Example (a producer whose every byte comes from a static buffer; these
 * settings need about 170 KiB on x86-64, and smaller connection buffers
 * bring a producer under 48 KiB: see tests/unit/test_pool_client.c):
 * @code
 * static unsigned char mem[256 * 1024];
 * static msgbus_pool pool;
 * msgbus_producer_config cfg;
 * msgbus_pool_init(&pool, mem, sizeof mem);
 * msgbus_producer_config_init(&cfg);
 * cfg.alloc = msgbus_pool_allocator(&pool);
 * cfg.batch_size = 4096;
 * cfg.queue_max_bytes = 32 * 1024;
 * @endcode
 *
 * Not thread-safe: nothing may use the pool meanwhile.
 *
 * @param pool  The pool to set up.
 * @param buf   The memory to hand out.
 * @param len   Its size in bytes.
 * @return 0; #MSGBUS_ERR_INVALID_ARG if @p pool or @p buf is NULL, or if
 *         @p len leaves no room for one block after aligning the start.
 */
int msgbus_pool_init(msgbus_pool *pool, void *buf, size_t len);

/**
 * @brief Make @p pool safe to use from several threads: @p lock and
 *        @p unlock (with @p ud) are called around every allocation, free and
 *        statistics read, e.g. over a mutex the application owns. Set it
 *        before the pool is first used; NULL hooks remove it.
 */
void msgbus_pool_set_lock(msgbus_pool *pool, void (*lock)(void *ud), void (*unlock)(void *ud),
                          void *ud);

/**
 * @brief The allocator that draws from @p pool, for the `alloc` field of a
 * producer, consumer or bus configuration.
 *
 * Its alloc returns NULL (and counts a failure) when no free range is large
 * enough. alloc(0) returns a unique block of one granule, like alloc(1),
 * which free takes back with size 0 (msgbus itself never asks for 0).
 * Its free ignores NULL and, counting them in bad_frees, the misuse
 * described in #msgbus_pool_stats; it cannot tell a live block freed twice
 * after it was handed out again, nor a live block freed with a wrong size
 * that overlaps no free memory.
 * Both run in time proportional to the number of free ranges. Neither
 * takes a lock: see #msgbus_pool for when that is safe.
 *
 * @param pool  An initialised pool.
 * @return A pointer into @p pool (valid as long as the pool is), or NULL if
 *         @p pool is NULL.
 */
const msgbus_allocator *msgbus_pool_allocator(msgbus_pool *pool);

/**
 * @brief Copy @p pool's figures into @p st.
 *
 * Walks the free list (time proportional to the number of free ranges), so
 * it must not run while another thread allocates from the pool.
 *
 * @param pool  An initialised pool.
 * @param st    Receives the figures; zeroed when @p pool is NULL. Nothing
 *              happens when @p st is NULL.
 */
void msgbus_pool_stats_get(const msgbus_pool *pool, msgbus_pool_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* MSGBUS_ALLOC_H */
