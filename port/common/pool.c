/*
 * pool.c - msgbus_pool: a msgbus_allocator over one caller-supplied buffer
 * (the static mode). Standard C11, no malloc, no OS.
 *
 * Layout: the buffer's start is rounded up to MSGBUS_POOL_ALIGN and its
 * length down to the granule MB_POOL_GRAN (the alignment, or a free-list
 * node if that is larger). Every block and every free range starts on a
 * granule and spans whole granules, so every block is aligned and any
 * leftover of a split is large enough to hold a node.
 *
 * Free list: address-ordered, singly linked, the nodes stored inside the
 * free ranges themselves ({size, offset of the next range}), read and
 * written with memcpy so that no alignment or aliasing rule is at stake.
 * Offsets from the aligned start stand for addresses; MB_POOL_END ends the
 * list. Allocation is first fit, cutting from the front of the range; a free
 * finds its place in the list, refuses ranges that overlap free memory
 * (double frees) and merges with the ranges just before and after it, so
 * two adjacent free ranges never exist.
 *
 * Blocks have no header: the size msgbus passes to free, rounded up as it
 * was at allocation, says how much comes back.
 *
 * Under AddressSanitizer, free memory and the bytes past each request up to
 * its granule are poisoned, so that reads and writes outside live blocks are
 * caught as they would be with malloc. A buffer handed to a pool stays
 * poisoned where it is free until msgbus_pool_init() is called on it again.
 *
 * Threads: no lock (see msgbus_pool in alloc.h).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "msgbus/alloc.h"
#include "msgbus/error.h"

#if defined(__SANITIZE_ADDRESS__)
#define MB_POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MB_POOL_ASAN 1
#endif
#endif
#ifdef MB_POOL_ASAN
#include <sanitizer/asan_interface.h>
#define MB_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define MB_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define MB_POISON(p, n) ((void)(p), (void)(n))
#define MB_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* The alignment of every block: a power of two, at least 8. */
#ifndef MSGBUS_POOL_ALIGN
#define MSGBUS_POOL_ALIGN _Alignof(max_align_t)
#endif

/* A free-list node: the range's size and the offset of the next range. */
#define MB_POOL_NODE (2 * sizeof(size_t))
/* The unit of every size and offset. */
#define MB_POOL_GRAN                                                                               \
    ((size_t)MSGBUS_POOL_ALIGN > MB_POOL_NODE ? (size_t)MSGBUS_POOL_ALIGN : MB_POOL_NODE)
/* No next range. */
#define MB_POOL_END SIZE_MAX

_Static_assert((MSGBUS_POOL_ALIGN & (MSGBUS_POOL_ALIGN - 1)) == 0,
               "MSGBUS_POOL_ALIGN must be a power of two");
_Static_assert(MSGBUS_POOL_ALIGN >= 8, "MSGBUS_POOL_ALIGN must be at least 8");
_Static_assert(MB_POOL_GRAN % MSGBUS_POOL_ALIGN == 0, "the granule keeps blocks aligned");

static void node_get(const msgbus_pool *pl, size_t off, size_t *size, size_t *next)
{
    size_t v[2];
    MB_UNPOISON(pl->mb_base + off, sizeof v);
    memcpy(v, pl->mb_base + off, sizeof v);
    MB_POISON(pl->mb_base + off, sizeof v);
    *size = v[0];
    *next = v[1];
}

static void node_set(msgbus_pool *pl, size_t off, size_t size, size_t next)
{
    size_t v[2];
    v[0] = size;
    v[1] = next;
    MB_UNPOISON(pl->mb_base + off, sizeof v);
    memcpy(pl->mb_base + off, v, sizeof v);
    MB_POISON(pl->mb_base + off, sizeof v);
}

/* Point the list entry before a range (the head, or the range at @p prev) at @p next. */
static void link_after(msgbus_pool *pl, size_t prev, size_t next)
{
    unsigned char *at;
    if (prev == MB_POOL_END) {
        pl->mb_head = next;
        return;
    }
    at = pl->mb_base + prev + sizeof(size_t);
    MB_UNPOISON(at, sizeof next);
    memcpy(at, &next, sizeof next);
    MB_POISON(at, sizeof next);
}

/* @p size in whole granules (0 counts as 1); 0 when no pool could hold it. */
static size_t block_size(const msgbus_pool *pl, size_t size)
{
    if (size > pl->mb_cap)
        return 0;
    if (size == 0)
        return MB_POOL_GRAN;
    return (size + MB_POOL_GRAN - 1) / MB_POOL_GRAN * MB_POOL_GRAN;
}

static void *pool_alloc_locked(msgbus_pool *pl, size_t size)
{
    size_t need = block_size(pl, size);
    size_t prev = MB_POOL_END, off = pl->mb_head, len = 0, next = MB_POOL_END;
    while (need && off != MB_POOL_END) {
        node_get(pl, off, &len, &next);
        if (len >= need)
            break;
        prev = off;
        off = next;
    }
    if (!need || off == MB_POOL_END) {
        pl->mb_failed++;
        return NULL;
    }
    if (len > need) { /* the rest stays free, in the same place in the list */
        node_set(pl, off + need, len - need, next);
        next = off + need;
    }
    link_after(pl, prev, next);
    pl->mb_used += need;
    if (pl->mb_used > pl->mb_peak)
        pl->mb_peak = pl->mb_used;
    pl->mb_allocs++;
    MB_UNPOISON(pl->mb_base + off, size);
    return pl->mb_base + off;
}

/* The offset of the block at @p ptr, or MB_POOL_END if it cannot be one of this pool's. */
static size_t block_offset(const msgbus_pool *pl, const void *ptr, size_t need)
{
    uintptr_t a = (uintptr_t)ptr, b = (uintptr_t)pl->mb_base;
    size_t off;
    if (a < b || a - b >= pl->mb_cap)
        return MB_POOL_END;
    off = (size_t)(a - b);
    if (off % MB_POOL_GRAN != 0 || need == 0 || need > pl->mb_cap - off || need > pl->mb_used)
        return MB_POOL_END;
    return off;
}

static void pool_free_locked(msgbus_pool *pl, void *ptr, size_t size)
{
    size_t need, off, prev = MB_POOL_END, plen = 0, cur, clen = 0, cnext = MB_POOL_END;
    if (!ptr)
        return;
    need = block_size(pl, size);
    off = block_offset(pl, ptr, need);
    if (off == MB_POOL_END) {
        pl->mb_bad_frees++;
        return;
    }
    /* the free ranges on either side: prev < off <= cur */
    for (cur = pl->mb_head; cur != MB_POOL_END && cur < off; cur = cnext) {
        node_get(pl, cur, &clen, &cnext);
        prev = cur;
        plen = clen;
    }
    if (cur != MB_POOL_END)
        node_get(pl, cur, &clen, &cnext);
    if ((prev != MB_POOL_END && prev + plen > off) || (cur != MB_POOL_END && off + need > cur)) {
        pl->mb_bad_frees++; /* overlaps free memory: a double free or a wrong size */
        return;
    }
    pl->mb_used -= need;
    pl->mb_frees++;
    MB_POISON(pl->mb_base + off, need);
    if (cur != MB_POOL_END && off + need == cur) { /* absorb the range after */
        need += clen;
        cur = cnext;
    }
    if (prev != MB_POOL_END && prev + plen == off) { /* join the range before */
        node_set(pl, prev, plen + need, cur);
        return;
    }
    node_set(pl, off, need, cur);
    link_after(pl, prev, off);
}

static void *pool_alloc(void *ctx, size_t size)
{
    msgbus_pool *pl = ctx;
    void *p;
    if (pl->mb_lock)
        pl->mb_lock(pl->mb_lock_ud);
    p = pool_alloc_locked(pl, size);
    if (pl->mb_unlock)
        pl->mb_unlock(pl->mb_lock_ud);
    return p;
}

static void pool_free(void *ctx, void *ptr, size_t size)
{
    msgbus_pool *pl = ctx;
    if (!ptr)
        return;
    if (pl->mb_lock)
        pl->mb_lock(pl->mb_lock_ud);
    pool_free_locked(pl, ptr, size);
    if (pl->mb_unlock)
        pl->mb_unlock(pl->mb_lock_ud);
}

void msgbus_pool_set_lock(msgbus_pool *pool, void (*lock)(void *ud), void (*unlock)(void *ud),
                          void *ud)
{
    if (!pool)
        return;
    pool->mb_lock = lock;
    pool->mb_unlock = unlock;
    pool->mb_lock_ud = ud;
}

int msgbus_pool_init(msgbus_pool *pool, void *buf, size_t len)
{
    size_t pad;
    if (!pool || !buf)
        return MSGBUS_ERR_INVALID_ARG;
    pad = (size_t)((0u - (uintptr_t)buf) & (uintptr_t)(MSGBUS_POOL_ALIGN - 1));
    if (len < pad || len - pad < MB_POOL_GRAN)
        return MSGBUS_ERR_INVALID_ARG;
    MB_UNPOISON(buf, len); /* from an earlier pool over the same memory */
    memset(pool, 0, sizeof *pool);
    pool->mb_al.alloc = pool_alloc;
    pool->mb_al.free = pool_free;
    pool->mb_al.ctx = pool;
    pool->mb_base = (unsigned char *)buf + pad;
    pool->mb_cap = (len - pad) / MB_POOL_GRAN * MB_POOL_GRAN;
    MB_POISON(pool->mb_base, pool->mb_cap);
    pool->mb_head = 0;
    node_set(pool, 0, pool->mb_cap, MB_POOL_END);
    return 0;
}

const msgbus_allocator *msgbus_pool_allocator(msgbus_pool *pool)
{
    return pool ? &pool->mb_al : NULL;
}

void msgbus_pool_stats_get(const msgbus_pool *pool, msgbus_pool_stats *st)
{
    size_t off, len, next;
    if (!st)
        return;
    memset(st, 0, sizeof *st);
    if (!pool)
        return;
    if (pool->mb_lock)
        pool->mb_lock(pool->mb_lock_ud);
    st->capacity = pool->mb_cap;
    st->in_use = pool->mb_used;
    st->peak = pool->mb_peak;
    st->allocs = pool->mb_allocs;
    st->frees = pool->mb_frees;
    st->failed = pool->mb_failed;
    st->bad_frees = pool->mb_bad_frees;
    for (off = pool->mb_head; off != MB_POOL_END; off = next) {
        node_get(pool, off, &len, &next);
        st->free_blocks++;
        if (len > st->largest_free)
            st->largest_free = len;
    }
    if (pool->mb_unlock)
        pool->mb_unlock(pool->mb_lock_ud);
}
