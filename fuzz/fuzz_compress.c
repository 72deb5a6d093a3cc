/*
 * fuzz_compress.c - the batch compressor round trip: byte 0 picks the codec
 * (gzip, snappy, lz4, zstd), byte 1 the level, the rest is the input. The
 * output must fit the bound, and decompress.c must give the input back
 * exactly; a batch made of the input compresses to a batch that parses with
 * a good CRC and decompresses to the same records. One compressor per
 * codec and level is kept across runs, as the producer keeps it across
 * batches.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bus/compress.h"
#include "bus/decompress.h"
#include "proto/record_batch.h"

#define MAX_IN (256 * 1024)

static uint8_t out[2 * MAX_IN], back[MAX_IN + 1], batch[MAX_IN + 128], cbatch[2 * MAX_IN + 256];
static mb_compressor comps[4][4];
static int ready[4][4];

static const int levels[4][4] = {{0, 1, 6, 9},    /* gzip */
                                 {0, 0, 0, 0},    /* snappy: no level */
                                 {0, 1, 3, 12},   /* lz4 (3 and up: HC) */
                                 {0, 1, -1, 19}}; /* zstd */

static mb_compressor *get(int codec, int li)
{
    if (!ready[codec - 1][li]) {
        if (mb_compressor_init(&comps[codec - 1][li], codec, levels[codec - 1][li], NULL) != 0)
            return NULL; /* not built in */
        ready[codec - 1][li] = 1;
    }
    return &comps[codec - 1][li];
}

static void roundtrip(mb_compressor *c, int codec, const uint8_t *in, size_t n)
{
    size_t len = 0, got = 0, bound = mb_compress_bound(c, n);
    if (bound == 0 || bound > sizeof out || mb_compress(c, in, n, out, bound, &len) != 0 ||
        len > bound)
        abort();
    if (mb_decompress(codec, out, len, back, sizeof back, &got) != 0 || got != n ||
        memcmp(back, in, n) != 0)
        abort();
}

/* The input as the records of a batch (not parsed: the compressor copies them). */
static void batch_roundtrip(mb_compressor *c, int codec, const uint8_t *in, size_t n)
{
    mb_batch_params p;
    mb_batch_builder b;
    mb_batch_iter it;
    mb_batch bt;
    const uint8_t *data;
    size_t len, clen = 0, got = 0;
    memset(&p, 0, sizeof p);
    p.producer_id = -1;
    p.producer_epoch = -1;
    p.base_sequence = -1;
    p.partition_leader_epoch = -1;
    if (mb_batch_builder_init(&b, batch, sizeof batch, &p) != 0 ||
        mb_batch_append(&b, 0, (mb_bytes){NULL, -1}, (mb_bytes){in, (int32_t)n}, NULL, 0) != 0 ||
        mb_batch_finish(&b, &data, &len) != 0)
        return; /* too large for one record: not what is tested here */
    if (mb_batch_compress(c, data, len, cbatch, sizeof cbatch, &clen) != 0)
        abort();
    mb_batch_iter_init(&it, cbatch, clen);
    if (mb_batch_next(&it, &bt) != 0 || mb_batch_compression(&bt) != codec || bt.record_count != 1)
        abort();
    if (mb_decompress(codec, bt.records, bt.records_len, back, sizeof back, &got) != 0 ||
        got != len - MB_BATCH_HEADER_SIZE || memcmp(back, data + MB_BATCH_HEADER_SIZE, got) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int codec;
    mb_compressor *c;
    if (size < 2 || size - 2 > MAX_IN)
        return 0;
    codec = 1 + data[0] % 4;
    c = get(codec, data[1] % 4);
    if (!c)
        return 0;
    roundtrip(c, codec, data + 2, size - 2);
    if (size - 2 < MAX_IN / 2)
        batch_roundtrip(c, codec, data + 2, size - 2);
    return 0;
}
