/*
 * alloc.c - the default msgbus_allocator: the C library's malloc and free.
 * Shared by every port (standard C, no OS needed: picolibc and newlib have
 * them). The library itself never calls malloc: every component allocates
 * through the msgbus_allocator its owner chose, this one by default.
 */
#include <stdlib.h>

#include "msgbus/alloc.h"

static void *mb_default_alloc(void *ctx, size_t size)
{
    (void)ctx;
    return malloc(size);
}

static void mb_default_free(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    (void)size;
    free(ptr);
}

static const msgbus_allocator mb_default_allocator = {mb_default_alloc, mb_default_free, NULL};

const msgbus_allocator *msgbus_allocator_default(void)
{
    return &mb_default_allocator;
}
