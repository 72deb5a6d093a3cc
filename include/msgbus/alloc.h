/**
 * @file alloc.h
 * @brief The per-instance allocator msgbus uses wherever it needs heap memory.
 *
 * msgbus never calls malloc() behind the caller's back: every component that
 * needs memory takes a #msgbus_allocator. An application may pass its own (a
 * pool, an RTOS heap, a counting wrapper for tests) or msgbus_allocator_default().
 */
#ifndef MSGBUS_ALLOC_H
#define MSGBUS_ALLOC_H

#include <stddef.h>

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

#ifdef __cplusplus
}
#endif

#endif /* MSGBUS_ALLOC_H */
