/*
 * fuzz_fetch.c - libFuzzer target: Fetch request/response bodies.
 * Input: byte 0 selects the message (bit 0: 0 request, 1 response) and the
 * version (the other bits, modulo the supported range); the rest is the body.
 * A body that decodes is re-encoded (flat and in iov mode), decoded again and
 * re-encoded again: the second decode must succeed, the two encodings must be
 * identical, and the iov pieces joined must equal the flat encoding. Since
 * every field present at a version is encoded, and absent fields decode to
 * their defaults, equal encodings mean equal decoded messages.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/fetch.h"

typedef int (*rd_fn)(mb_rd *r, int16_t v, mb_arena *a, void *msg);
typedef int (*wr_fn)(mb_wr *w, int16_t v, const void *msg);

static int r_req(mb_rd *r, int16_t v, mb_arena *a, void *m)
{
    return mb_fetch_req_read(r, v, a, m);
}
static int w_req(mb_wr *w, int16_t v, const void *m)
{
    return mb_fetch_req_write(w, v, m);
}
static int r_resp(mb_rd *r, int16_t v, mb_arena *a, void *m)
{
    return mb_fetch_resp_read(r, v, a, m);
}
static int w_resp(mb_wr *w, int16_t v, const void *m)
{
    return mb_fetch_resp_write(w, v, m);
}

static const rd_fn rds[2] = {r_req, r_resp};
static const wr_fn wrs[2] = {w_req, w_resp};

static uint64_t arena1[1 << 15], arena2[1 << 15];
static union {
    mb_fetch_req req;
    mb_fetch_resp resp;
} msg1, msg2;
static uint8_t enc1[1 << 18], enc2[1 << 18], iovbuf[1 << 18], joined[1 << 18];
static mb_iov iov[1 << 14];

/* Encode @p m in iov mode and check the joined pieces equal enc1[0..n1). */
static void check_iov(wr_fn wr, int16_t v, const void *m, size_t n1)
{
    mb_wr w;
    size_t i, n = 0;
    mb_wr_init_iov(&w, iovbuf, sizeof iovbuf, iov, sizeof iov / sizeof iov[0]);
    if (wr(&w, v, m) != 0 || mb_wr_finish_iov(&w) != 0)
        abort();
    for (i = 0; i < w.iov_n; i++) {
        if (n + iov[i].len > sizeof joined)
            abort();
        memcpy(joined + n, iov[i].base, iov[i].len);
        n += iov[i].len;
    }
    if (n != n1 || w.total != n1 || memcmp(joined, enc1, n) != 0)
        abort();
}

static void check(int which, int16_t v, const uint8_t *d, size_t n)
{
    mb_rd r;
    mb_wr w;
    mb_arena a;
    size_t n1;
    mb_arena_init(&a, arena1, sizeof arena1);
    mb_rd_init(&r, d, n);
    if (rds[which](&r, v, &a, &msg1) != 0)
        return;
    mb_wr_init(&w, enc1, sizeof enc1);
    if (wrs[which](&w, v, &msg1) != 0)
        abort(); /* whatever decodes must encode */
    n1 = w.len;
    check_iov(wrs[which], v, &msg1, n1);
    mb_arena_init(&a, arena2, sizeof arena2);
    mb_rd_init(&r, enc1, n1);
    if (rds[which](&r, v, &a, &msg2) != 0)
        abort();
    mb_wr_init(&w, enc2, sizeof enc2);
    if (wrs[which](&w, v, &msg2) != 0)
        abort();
    if (w.len != n1 || memcmp(enc1, enc2, n1) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const mb_api_info *info = mb_api_lookup(MB_API_FETCH);
    int range;
    int16_t v;
    if (size < 1 || !info)
        return 0;
    range = info->max_version - info->min_version + 1;
    v = (int16_t)(info->min_version + (data[0] >> 1) % range);
    check(data[0] & 1, v, data + 1, size - 1);
    return 0;
}
