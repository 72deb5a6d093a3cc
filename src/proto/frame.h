/*
 * frame.h - incremental reader of Kafka's size-prefixed frames.
 *
 * Every Kafka request and response travels as a 4-byte big-endian signed size
 * followed by that many bytes. mb_frame_rd takes the byte stream in pieces cut
 * at any boundary and hands out one whole frame body at a time. A size prefix
 * that is negative (MSGBUS_ERR_MALFORMED) or above the maximum or the fixed
 * buffer (MSGBUS_ERR_FRAME_TOO_LARGE) is refused as soon as its 4 bytes are in,
 * before any of the body is buffered or memory allocated. Errors stick: the
 * stream cannot be resynchronised, so every later feed returns the same error.
 *
 * Two buffering modes:
 *  - static: a caller-supplied buffer; frames larger than it are refused;
 *  - allocator: the body buffer comes from a msgbus_allocator, sized exactly
 *    for the first frame that does not fit and reused for the frames after it;
 *    a buffer above MB_FRAME_KEEP_MAX is given back when its frame is released.
 *
 * No I/O, no clock; memory only through the given allocator.
 */
#ifndef MB_PROTO_FRAME_H
#define MB_PROTO_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "msgbus/alloc.h"
#include "msgbus/config_defaults.h"
#include "msgbus/error.h"

/** Largest body buffer an allocator-mode reader keeps between frames. */
#ifndef MB_FRAME_KEEP_MAX
#define MB_FRAME_KEEP_MAX (64u * 1024u)
#endif

/** mb_frame_feed(): the current frame is not complete yet. */
#define MB_FRAME_NEED_MORE 0
/** mb_frame_feed(): a whole frame is ready (mb_frame_get / mb_frame_release). */
#define MB_FRAME_READY 1

/** Reader state; treat as opaque, initialise with mb_frame_init_*(). */
typedef struct mb_frame_rd {
    const msgbus_allocator *al; /**< NULL in static mode */
    uint8_t *buf;               /**< body buffer (static or allocated), may be NULL */
    size_t cap;                 /**< size of buf */
    size_t max_size;            /**< largest accepted size prefix */
    size_t keep_max;            /**< allocator mode: a body buffer up to this size is kept for
                                     the next frame (default MB_FRAME_KEEP_MAX) */
    size_t need;                /**< body size of the current frame */
    size_t have;                /**< body bytes buffered so far */
    uint8_t hdr[4];             /**< size prefix bytes received so far */
    uint8_t hdr_have;           /**< count of hdr bytes received */
    uint8_t ready;              /**< 1 while a whole frame waits for release */
    int err;                    /**< sticky error, 0 while none */
} mb_frame_rd;

/**
 * Static mode: bodies go into @p buf (@p cap bytes, owned by the caller and
 * kept alive as long as the reader). @p max_size: largest accepted size prefix,
 * 0 for MSGBUS_CFG_MAX_FRAME_SIZE; values above INT32_MAX are clamped.
 */
void mb_frame_init_static(mb_frame_rd *fr, uint8_t *buf, size_t cap, size_t max_size);

/**
 * Allocator mode: bodies go into memory from @p al (NULL for
 * msgbus_allocator_default()). @p max_size as for mb_frame_init_static().
 * Call mb_frame_destroy() when done.
 */
void mb_frame_init_alloc(mb_frame_rd *fr, const msgbus_allocator *al, size_t max_size);

/** Give back any memory the reader holds (allocator mode); the reader is then unusable. */
void mb_frame_destroy(mb_frame_rd *fr);

/**
 * Take up to @p len bytes of the stream from @p in; *consumed receives how many
 * were taken (never more than the rest of the current frame, so bytes of the
 * next frame stay with the caller when a frame completes).
 * Returns MB_FRAME_NEED_MORE (all of @p in taken), MB_FRAME_READY (a frame is
 * complete; feeding again before mb_frame_release() takes nothing and returns
 * MB_FRAME_READY again), or a negative error: MSGBUS_ERR_MALFORMED (negative
 * size), MSGBUS_ERR_FRAME_TOO_LARGE, MSGBUS_ERR_NOMEM (all sticky), or
 * MSGBUS_ERR_INVALID_ARG (NULL arguments; not sticky).
 */
int mb_frame_feed(mb_frame_rd *fr, const uint8_t *in, size_t len, size_t *consumed);

/**
 * The ready frame's body (without its size prefix): valid until
 * mb_frame_release(). 0 on success, MSGBUS_ERR_STATE if no frame is ready.
 */
int mb_frame_get(const mb_frame_rd *fr, const uint8_t **ptr, size_t *len);

/** Drop the ready frame and go on to the next one; no-op if none is ready. */
void mb_frame_release(mb_frame_rd *fr);

/**
 * Write @p size as a 4-byte big-endian size prefix. 0 on success,
 * MSGBUS_ERR_INVALID_ARG if @p size is above INT32_MAX (nothing written).
 */
int mb_frame_write_size(uint8_t out[4], uint32_t size);

#endif /* MB_PROTO_FRAME_H */
