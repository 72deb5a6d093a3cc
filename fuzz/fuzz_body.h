/*
 * fuzz_body.h - the harness shared by the per-family body fuzzers.
 *
 * Input layout: byte 0 picks the message from the family's table, byte 1 the
 * version (modulo the API's supported range), the rest is the body. A body
 * that decodes is re-encoded flat and in iov mode, decoded again and
 * re-encoded again; the run aborts if whatever decoded fails to encode, the
 * iov pieces joined differ from the flat encoding, the second decode fails,
 * or the two encodings differ. Every field present at a version is encoded
 * and absent fields decode to their defaults, so equal encodings mean equal
 * decoded messages.
 */
#ifndef MB_FUZZ_BODY_H
#define MB_FUZZ_BODY_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/api.h"

typedef int (*fz_rd_fn)(mb_rd *r, int16_t v, mb_arena *a, void *msg);
typedef int (*fz_wr_fn)(mb_wr *w, int16_t v, const void *msg);

/** One message of a family: the API it belongs to and its body codec. */
typedef struct fz_msg {
    int16_t api_key;
    fz_rd_fn rd;
    fz_wr_fn wr;
} fz_msg;

/** Define NAME_rd / NAME_wr adapters over mb_NAME_read / mb_NAME_write. */
#define FZ_BODY_OPS(name)                                                                          \
    static int name##_rd(mb_rd *r, int16_t v, mb_arena *a, void *m)                                \
    {                                                                                              \
        return mb_##name##_read(r, v, a, m);                                                       \
    }                                                                                              \
    static int name##_wr(mb_wr *w, int16_t v, const void *m)                                       \
    {                                                                                              \
        return mb_##name##_write(w, v, m);                                                         \
    }

static uint64_t fz_arena1[1 << 15], fz_arena2[1 << 15];
static uint64_t fz_msg1[1024], fz_msg2[1024];
static uint8_t fz_enc1[1 << 18], fz_enc2[1 << 18], fz_iovbuf[1 << 18], fz_joined[1 << 18];
static mb_iov fz_iov[1 << 14];

/* Encode @p m in iov mode: the pieces joined must equal the flat encoding. */
static void fz_check_iov(const fz_msg *fm, int16_t v, const void *m, size_t n1)
{
    mb_wr w;
    size_t i, n = 0;
    mb_wr_init_iov(&w, fz_iovbuf, sizeof fz_iovbuf, fz_iov, sizeof fz_iov / sizeof fz_iov[0]);
    if (fm->wr(&w, v, m) != 0 || mb_wr_finish_iov(&w) != 0)
        abort();
    for (i = 0; i < w.iov_n; i++) {
        if (fz_iov[i].len > sizeof fz_joined - n)
            abort();
        memcpy(fz_joined + n, fz_iov[i].base, fz_iov[i].len);
        n += fz_iov[i].len;
    }
    if (n != n1 || w.total != n1 || memcmp(fz_joined, fz_enc1, n) != 0)
        abort();
}

static void fz_check(const fz_msg *fm, int16_t v, const uint8_t *d, size_t n)
{
    mb_rd r;
    mb_wr w;
    mb_arena a;
    size_t n1;
    mb_arena_init(&a, fz_arena1, sizeof fz_arena1);
    mb_rd_init(&r, d, n);
    if (fm->rd(&r, v, &a, fz_msg1) != 0)
        return;
    mb_wr_init(&w, fz_enc1, sizeof fz_enc1);
    if (fm->wr(&w, v, fz_msg1) != 0)
        abort();
    n1 = w.len;
    fz_check_iov(fm, v, fz_msg1, n1);
    mb_arena_init(&a, fz_arena2, sizeof fz_arena2);
    mb_rd_init(&r, fz_enc1, n1);
    if (fm->rd(&r, v, &a, fz_msg2) != 0)
        abort();
    mb_wr_init(&w, fz_enc2, sizeof fz_enc2);
    if (fm->wr(&w, v, fz_msg2) != 0 || w.len != n1 || memcmp(fz_enc1, fz_enc2, n1) != 0)
        abort();
}

/* Run one fuzz input against a family's table of @p n messages. */
static int fz_run(const fz_msg *msgs, size_t n, const uint8_t *data, size_t size)
{
    const fz_msg *fm;
    const mb_api_info *info;
    int16_t v;
    if (size < 2)
        return 0;
    fm = &msgs[data[0] % n];
    info = mb_api_lookup(fm->api_key);
    if (!info)
        abort();
    v = (int16_t)(info->min_version + data[1] % (info->max_version - info->min_version + 1));
    fz_check(fm, v, data + 2, size - 2);
    return 0;
}

#endif /* MB_FUZZ_BODY_H */
