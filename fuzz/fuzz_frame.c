/*
 * fuzz_frame.c - libFuzzer target for the incremental frame reader.
 *
 * Input layout: byte 0 picks the mode (bit 0: allocator or static buffer;
 * bits 1-2: maximum frame size; bits 3-5: which allocation fails, 0 = none).
 * The rest alternates a chunk-length byte and that many stream bytes. The
 * stream is fed chunk by chunk; the frames and the final error are compared
 * with a whole-stream reference parse. Invariants: consumed never exceeds the
 * chunk, NEED_MORE takes the whole chunk, frames match the reference, errors
 * stick, and every allocation is given back by mb_frame_destroy().
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msgbus/alloc.h"
#include "proto/frame.h"

#define FZ_STATIC_CAP 512

typedef struct fz_alloc {
    int calls;
    int fail_at;
    size_t live;
} fz_alloc;

static void *fz_alloc_fn(void *ctx, size_t size)
{
    fz_alloc *t = ctx;
    void *p;
    t->calls++;
    if (size == 0 || (t->fail_at != 0 && t->calls == t->fail_at))
        return NULL;
    p = malloc(size);
    if (p != NULL)
        t->live += size;
    return p;
}

static void fz_free_fn(void *ctx, void *ptr, size_t size)
{
    fz_alloc *t = ctx;
    if (ptr == NULL || size > t->live)
        abort();
    t->live -= size;
    free(ptr);
}

/* The reference: a plain sequential parse of the whole stream. */
typedef struct fz_ref {
    const uint8_t *s;
    size_t len;
    size_t pos;
    size_t max;
} fz_ref;

/* Next frame of the reference: 1 and the body if whole, 0 if the stream ends
 * first, or the error the reader must report. */
static int fz_ref_next(fz_ref *r, const uint8_t **body, size_t *n)
{
    uint32_t size;
    if (r->len - r->pos < 4)
        return 0;
    size = (uint32_t)r->s[r->pos] << 24 | (uint32_t)r->s[r->pos + 1] << 16 |
           (uint32_t)r->s[r->pos + 2] << 8 | (uint32_t)r->s[r->pos + 3];
    if (size > 0x7fffffffu)
        return MSGBUS_ERR_MALFORMED;
    if (size > r->max)
        return MSGBUS_ERR_FRAME_TOO_LARGE;
    if (r->len - r->pos - 4 < size)
        return 0;
    *body = r->s + r->pos + 4;
    *n = size;
    r->pos += 4 + size;
    return 1;
}

static void fz_check_frame(mb_frame_rd *fr, fz_ref *ref)
{
    const uint8_t *p = NULL, *want = NULL;
    size_t n = 0, want_n = 0;
    if (fz_ref_next(ref, &want, &want_n) != 1)
        abort();
    if (mb_frame_get(fr, &p, &n) != 0 || p == NULL || n != want_n)
        abort();
    if (n > 0 && memcmp(p, want, n) != 0)
        abort();
    mb_frame_release(fr);
}

/* Feed one chunk; returns the reader's error (negative) or 0. */
static int fz_feed_chunk(mb_frame_rd *fr, const uint8_t *c, size_t len, fz_ref *ref)
{
    size_t off = 0;
    while (off < len) {
        size_t used = len + 1;
        int rc = mb_frame_feed(fr, c + off, len - off, &used);
        if (used > len - off)
            abort();
        off += used;
        if (rc < 0)
            return rc;
        if (rc == MB_FRAME_READY)
            fz_check_frame(fr, ref);
        else if (rc != MB_FRAME_NEED_MORE || off != len)
            abort();
    }
    return 0;
}

static const size_t fz_max_sizes[4] = {0, 16, 300, 4096};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t sbuf[FZ_STATIC_CAP];
    uint8_t *stream;
    fz_alloc t = {0, 0, 0};
    msgbus_allocator al = {fz_alloc_fn, fz_free_fn, NULL};
    mb_frame_rd fr;
    fz_ref ref;
    size_t i = 1, slen = 0;
    int err = 0, want;
    const uint8_t *b;
    size_t bn;
    if (size < 1)
        return 0;
    al.ctx = &t;
    t.fail_at = (data[0] >> 3) & 7;
    ref.max = fz_max_sizes[(data[0] >> 1) & 3];
    if (data[0] & 1) {
        mb_frame_init_alloc(&fr, &al, ref.max);
    } else {
        mb_frame_init_static(&fr, sbuf, sizeof sbuf, ref.max);
    }
    if (ref.max == 0)
        ref.max = (size_t)MSGBUS_CFG_MAX_FRAME_SIZE;
    if (!(data[0] & 1) && ref.max > sizeof sbuf)
        ref.max = sizeof sbuf; /* static mode: the buffer is the limit */
    stream = malloc(size);
    if (stream == NULL)
        return 0;
    ref.s = stream;
    ref.pos = 0;
    while (i < size && err == 0) {
        size_t clen = data[i++];
        if (clen > size - i)
            clen = size - i;
        /* each chunk in its own exactly-sized copy: ASan catches over-reads */
        {
            uint8_t *c = malloc(clen > 0 ? clen : 1);
            if (c == NULL)
                abort();
            memcpy(c, data + i, clen);
            memcpy(stream + slen, c, clen);
            slen += clen;
            ref.len = slen;
            err = fz_feed_chunk(&fr, c, clen, &ref);
            free(c);
        }
        i += clen;
    }
    ref.len = slen;
    want = fz_ref_next(&ref, &b, &bn);
    if (err != 0) {
        /* the reference must agree, unless the allocator failed */
        int ok = err == want || (err == MSGBUS_ERR_NOMEM && want >= 0);
        size_t used = 0;
        if (!ok || mb_frame_feed(&fr, data, size, &used) != err || used != 0)
            abort();
    } else if (want != 0) {
        abort(); /* the reference has a whole frame or an error the reader missed */
    }
    mb_frame_destroy(&fr);
    free(stream);
    if (t.live != 0)
        abort();
    return 0;
}
