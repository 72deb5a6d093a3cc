/*
 * frame.c - incremental reader of Kafka's 4-byte size-prefixed frames.
 * See frame.h. Reads only within [in, in + len), copies only the bytes of the
 * current frame, and checks a size prefix before buffering or allocating.
 */
#include <string.h>

#include "proto/frame.h"

#define MB_FRAME_INT32_MAX ((size_t)0x7fffffffu)

static size_t mb_frame_clamp_max(size_t max_size)
{
    if (max_size == 0)
        return (size_t)MSGBUS_CFG_MAX_FRAME_SIZE;
    return max_size > MB_FRAME_INT32_MAX ? MB_FRAME_INT32_MAX : max_size;
}

void mb_frame_init_static(mb_frame_rd *fr, uint8_t *buf, size_t cap, size_t max_size)
{
    if (fr == NULL)
        return;
    memset(fr, 0, sizeof *fr);
    fr->buf = buf;
    fr->cap = buf != NULL ? cap : 0;
    fr->max_size = mb_frame_clamp_max(max_size);
}

void mb_frame_init_alloc(mb_frame_rd *fr, const msgbus_allocator *al, size_t max_size)
{
    if (fr == NULL)
        return;
    memset(fr, 0, sizeof *fr);
    fr->al = al != NULL ? al : msgbus_allocator_default();
    fr->max_size = mb_frame_clamp_max(max_size);
    fr->keep_max = MB_FRAME_KEEP_MAX;
}

/* Allocator mode: give the body buffer back. */
static void mb_frame_free_buf(mb_frame_rd *fr)
{
    if (fr->al != NULL && fr->buf != NULL)
        fr->al->free(fr->al->ctx, fr->buf, fr->cap);
    if (fr->al != NULL) {
        fr->buf = NULL;
        fr->cap = 0;
    }
}

void mb_frame_destroy(mb_frame_rd *fr)
{
    if (fr == NULL)
        return;
    mb_frame_free_buf(fr);
    fr->buf = NULL;
    fr->cap = 0;
    fr->ready = 0;
    fr->err = MSGBUS_ERR_STATE;
}

/* The size prefix is complete: check it and make room for the body. */
static int mb_frame_start(mb_frame_rd *fr)
{
    uint32_t size = (uint32_t)fr->hdr[0] << 24 | (uint32_t)fr->hdr[1] << 16 |
                    (uint32_t)fr->hdr[2] << 8 | (uint32_t)fr->hdr[3];
    if (size > 0x7fffffffu)
        return MSGBUS_ERR_MALFORMED;
    if ((size_t)size > fr->max_size)
        return MSGBUS_ERR_FRAME_TOO_LARGE;
    fr->need = size;
    fr->have = 0;
    if ((size_t)size <= fr->cap)
        return 0;
    if (fr->al == NULL)
        return MSGBUS_ERR_FRAME_TOO_LARGE;
    mb_frame_free_buf(fr);
    fr->buf = (uint8_t *)fr->al->alloc(fr->al->ctx, size);
    if (fr->buf == NULL)
        return MSGBUS_ERR_NOMEM;
    fr->cap = size;
    return 0;
}

/* Take size-prefix bytes; returns how many were taken. */
static size_t mb_frame_take_hdr(mb_frame_rd *fr, const uint8_t *in, size_t len)
{
    size_t n = 0;
    while (fr->hdr_have < 4 && n < len)
        fr->hdr[fr->hdr_have++] = in[n++];
    return n;
}

int mb_frame_feed(mb_frame_rd *fr, const uint8_t *in, size_t len, size_t *consumed)
{
    size_t used = 0;
    size_t n;
    if (consumed != NULL)
        *consumed = 0;
    if (fr == NULL || consumed == NULL || (in == NULL && len > 0))
        return MSGBUS_ERR_INVALID_ARG;
    if (fr->err != 0)
        return fr->err;
    if (fr->ready)
        return MB_FRAME_READY;
    if (fr->hdr_have < 4) {
        used = mb_frame_take_hdr(fr, in, len);
        *consumed = used;
        if (fr->hdr_have < 4)
            return MB_FRAME_NEED_MORE;
        fr->err = mb_frame_start(fr);
        if (fr->err != 0)
            return fr->err;
    }
    n = fr->need - fr->have;
    if (n > len - used)
        n = len - used;
    if (n > 0)
        memcpy(fr->buf + fr->have, in + used, n);
    fr->have += n;
    *consumed = used + n;
    if (fr->have < fr->need)
        return MB_FRAME_NEED_MORE;
    fr->ready = 1;
    return MB_FRAME_READY;
}

int mb_frame_get(const mb_frame_rd *fr, const uint8_t **ptr, size_t *len)
{
    if (fr == NULL || ptr == NULL || len == NULL)
        return MSGBUS_ERR_INVALID_ARG;
    if (!fr->ready)
        return MSGBUS_ERR_STATE;
    *ptr = fr->buf != NULL ? fr->buf : fr->hdr; /* never NULL, even for an empty body */
    *len = fr->need;
    return 0;
}

void mb_frame_release(mb_frame_rd *fr)
{
    if (fr == NULL || !fr->ready)
        return;
    fr->ready = 0;
    fr->hdr_have = 0;
    fr->need = 0;
    fr->have = 0;
    if (fr->cap > fr->keep_max)
        mb_frame_free_buf(fr);
}

int mb_frame_write_size(uint8_t out[4], uint32_t size)
{
    if (out == NULL || size > 0x7fffffffu)
        return MSGBUS_ERR_INVALID_ARG;
    out[0] = (uint8_t)(size >> 24);
    out[1] = (uint8_t)(size >> 16);
    out[2] = (uint8_t)(size >> 8);
    out[3] = (uint8_t)size;
    return 0;
}
