/* fuzz_find_coordinator.c - libFuzzer target: FindCoordinator bodies (decode, re-encode, decode).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/find_coordinator.h"

typedef int (*rd_fn)(mb_rd *r, int16_t v, mb_arena *a, void *msg);
typedef int (*wr_fn)(mb_wr *w, int16_t v, const void *msg);

typedef struct fz_msg {
    int16_t api_key;
    rd_fn rd;
    wr_fn wr;
} fz_msg;

static int r_req(mb_rd *r, int16_t v, mb_arena *a, void *m)
{
    return mb_find_coordinator_req_read(r, v, a, m);
}

static int w_req(mb_wr *w, int16_t v, const void *m)
{
    return mb_find_coordinator_req_write(w, v, m);
}

static int r_resp(mb_rd *r, int16_t v, mb_arena *a, void *m)
{
    return mb_find_coordinator_resp_read(r, v, a, m);
}

static int w_resp(mb_wr *w, int16_t v, const void *m)
{
    return mb_find_coordinator_resp_write(w, v, m);
}

static const fz_msg msgs[] = {
    {MB_API_FIND_COORDINATOR, r_req, w_req},
    {MB_API_FIND_COORDINATOR, r_resp, w_resp},
};

static uint64_t arena1[1 << 15], arena2[1 << 15];
static uint64_t msg1[64], msg2[64];
static uint8_t enc1[1 << 17], enc2[1 << 17];

/* Decode; on success encode, decode again and encode again: the second decode
 * must succeed and both encodings must be identical. */
static void check(const fz_msg *m, int16_t v, const uint8_t *d, size_t n)
{
    mb_rd r;
    mb_wr w;
    mb_arena a;
    size_t n1;
    mb_arena_init(&a, arena1, sizeof arena1);
    mb_rd_init(&r, d, n);
    if (m->rd(&r, v, &a, msg1) != 0)
        return;
    mb_wr_init(&w, enc1, sizeof enc1);
    if (m->wr(&w, v, msg1) != 0)
        abort();
    n1 = w.len;
    mb_arena_init(&a, arena2, sizeof arena2);
    mb_rd_init(&r, enc1, n1);
    if (m->rd(&r, v, &a, msg2) != 0)
        abort();
    mb_wr_init(&w, enc2, sizeof enc2);
    if (m->wr(&w, v, msg2) != 0 || w.len != n1 || memcmp(enc1, enc2, n1) != 0)
        abort();
}

/* Byte 0 picks the message, byte 1 the version (within msgbus's range). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const fz_msg *m;
    const mb_api_info *info;
    int span;
    int16_t v;
    if (size < 2)
        return 0;
    m = &msgs[data[0] % (sizeof msgs / sizeof msgs[0])];
    info = mb_api_lookup(m->api_key);
    if (!info)
        abort();
    span = info->max_version - info->min_version + 1;
    v = (int16_t)(info->min_version + data[1] % span);
    check(m, v, data + 2, size - 2);
    return 0;
}
