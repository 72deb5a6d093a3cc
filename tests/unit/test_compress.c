/* test_compress.c - the batch compressor (src/bus/compress.c): every codec
 * built in round-trips through src/bus/decompress.c at several sizes, its
 * output is read by the codec's own library decoder and, where installed, by
 * its command-line tool (gzip, lz4, zstd); the codec state is reused so a
 * warm compressor allocates nothing per batch, and its allocations go
 * through the msgbus allocator; a RecordBatch v2 compressed whole keeps its
 * header, gets the codec bits, a right length and CRC. Codecs left out of
 * the build answer MSGBUS_ERR_UNSUPPORTED_CODEC. */
#define _POSIX_C_SOURCE 200809L /* mkstemp, fdopen, popen for the command-line checks */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bus/compress.h"
#include "bus/decompress.h"
#include "proto/record_batch.h"
#include "testutil.h"

/* Set by tests/CMakeLists.txt where the build found each codec's library. */
#ifndef MB_TEST_HAVE_ZLIB
#define MB_TEST_HAVE_ZLIB 0
#endif
#ifndef MB_TEST_HAVE_LZ4
#define MB_TEST_HAVE_LZ4 0
#endif
#ifndef MB_TEST_HAVE_ZSTD
#define MB_TEST_HAVE_ZSTD 0
#endif
#ifndef MB_TEST_HAVE_SNAPPY
#define MB_TEST_HAVE_SNAPPY 0
#endif

#if MB_TEST_HAVE_ZLIB
#include <zlib.h>
#endif
#if MB_TEST_HAVE_LZ4
#include <lz4.h>
#include <lz4frame.h>
#endif
#if MB_TEST_HAVE_ZSTD
#include <zstd.h>
#endif
#if MB_TEST_HAVE_SNAPPY
#include <snappy-c.h>
#endif

static const int all_codecs[] = {MB_COMPRESSION_GZIP, MB_COMPRESSION_SNAPPY, MB_COMPRESSION_LZ4,
                                 MB_COMPRESSION_ZSTD};
#define N_CODECS (sizeof all_codecs / sizeof all_codecs[0])

/* Sizes around the codecs' block edges (snappy 32 KiB, lz4 64 KiB). */
static const size_t sizes[] = {0, 1, 100, 4096, 32767, 32768, 32769, 65537, 140000};
#define MAX_SIZE 140000

/* ------------------------------------------------------------------------ */
/* A counting allocator (and one that fails)                                 */
/* ------------------------------------------------------------------------ */

typedef struct counting {
    size_t allocs, frees, live_bytes;
    size_t fail_after; /* allocations that succeed before the rest fail; SIZE_MAX: never */
} counting;

static void *cnt_alloc(void *ctx, size_t n)
{
    counting *c = ctx;
    void *p;
    if (c->allocs >= c->fail_after)
        return NULL;
    p = malloc(n);
    if (p) {
        c->allocs++;
        c->live_bytes += n;
    }
    return p;
}

static void cnt_free(void *ctx, void *p, size_t n)
{
    counting *c = ctx;
    assert_non_null(p);
    assert_true(c->live_bytes >= n);
    c->frees++;
    c->live_bytes -= n;
    free(p);
}

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------ */

/* Text-like data that compresses, with some noise that does not. */
static void fill(uint8_t *p, size_t n, uint32_t seed)
{
    static const char words[] = "kafka record batch payload sensor=42 temp=21.5 ok ";
    size_t i;
    for (i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (i / 64) % 3 == 2 ? (uint8_t)(seed >> 16) : (uint8_t)words[i % (sizeof words - 1)];
    }
}

static int codec_built(int codec)
{
    return mb_codec_available(codec);
}

static uint8_t g_in[MAX_SIZE], g_out[2 * MAX_SIZE], g_back[MAX_SIZE + 1];

/* Compress g_in[0..n) with @p c into g_out; returns the compressed size. */
static size_t compress_ok(mb_compressor *c, size_t n)
{
    size_t len = 0, bound = mb_compress_bound(c, n);
    assert_true(bound > 0 && bound <= sizeof g_out);
    assert_int_equal(mb_compress(c, g_in, n, g_out, bound, &len), 0);
    assert_true(len > 0 && len <= bound);
    return len;
}

/* ------------------------------------------------------------------------ */
/* Names, levels, bad arguments                                              */
/* ------------------------------------------------------------------------ */

static void test_names_and_levels(void **state)
{
    int codec = -1;
    size_t i;
    (void)state;
    assert_int_equal(mb_compression_parse("zstd", &codec), 0);
    assert_int_equal(codec, MB_COMPRESSION_ZSTD);
    assert_int_equal(mb_compression_parse("none", &codec), 0);
    assert_int_equal(codec, MB_COMPRESSION_NONE);
    assert_int_equal(mb_compression_parse("brotli", &codec), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_compression_parse("GZIP", &codec), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_compression_parse(NULL, &codec), MSGBUS_ERR_INVALID_ARG);
    assert_string_equal(mb_compression_name(MB_COMPRESSION_LZ4), "lz4");
    assert_string_equal(mb_compression_name(7), "unknown");
    for (i = 0; i < N_CODECS; i++) {
        int c = all_codecs[i];
        assert_int_equal(mb_compression_parse(mb_compression_name(c), &codec), 0);
        assert_int_equal(codec, c);
        if (!codec_built(c)) {
            assert_int_equal(mb_compress_level_check(c, 0), MSGBUS_ERR_UNSUPPORTED_CODEC);
            continue;
        }
        assert_int_equal(mb_compress_level_check(c, 0), 0);
        assert_int_equal(mb_compress_level_check(c, 1),
                         c == MB_COMPRESSION_SNAPPY ? MSGBUS_ERR_INVALID_ARG : 0);
    }
    if (codec_built(MB_COMPRESSION_GZIP)) {
        assert_int_equal(mb_compress_level_check(MB_COMPRESSION_GZIP, 9), 0);
        assert_int_equal(mb_compress_level_check(MB_COMPRESSION_GZIP, 10), MSGBUS_ERR_INVALID_ARG);
        assert_int_equal(mb_compress_level_check(MB_COMPRESSION_GZIP, -1), MSGBUS_ERR_INVALID_ARG);
    }
    if (codec_built(MB_COMPRESSION_LZ4)) {
        assert_int_equal(mb_compress_level_check(MB_COMPRESSION_LZ4, 17), 0);
        assert_int_equal(mb_compress_level_check(MB_COMPRESSION_LZ4, 18), MSGBUS_ERR_INVALID_ARG);
    }
    if (codec_built(MB_COMPRESSION_ZSTD)) {
        assert_int_equal(mb_compress_level_check(MB_COMPRESSION_ZSTD, 22), 0);
        assert_int_equal(mb_compress_level_check(MB_COMPRESSION_ZSTD, -5), 0);
        assert_int_equal(mb_compress_level_check(MB_COMPRESSION_ZSTD, 23), MSGBUS_ERR_INVALID_ARG);
    }
    assert_int_equal(mb_compress_level_check(MB_COMPRESSION_NONE, 0), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_compress_level_check(5, 0), MSGBUS_ERR_INVALID_ARG);
}

static void test_init_errors(void **state)
{
    mb_compressor c;
    size_t len = 1;
    uint8_t b[8];
    (void)state;
    assert_int_equal(mb_compressor_init(&c, MB_COMPRESSION_NONE, 0, NULL), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_compressor_init(&c, 5, 0, NULL), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_compressor_init(&c, -1, 0, NULL), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_compressor_init(NULL, MB_COMPRESSION_GZIP, 0, NULL),
                     MSGBUS_ERR_INVALID_ARG);
    /* a compressor that failed to init is inert */
    assert_int_equal(mb_compress(&c, b, 1, b, sizeof b, &len), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_compress_bound(&c, 1), 0);
    mb_compressor_free(&c);
    mb_compressor_free(NULL);
}

/* ------------------------------------------------------------------------ */
/* Round trips through decompress.c                                          */
/* ------------------------------------------------------------------------ */

static void roundtrip_codec(int codec, int level)
{
    mb_compressor c;
    size_t i;
    assert_int_equal(mb_compressor_init(&c, codec, level, NULL), 0);
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i], len, got = 0;
        fill(g_in, n, (uint32_t)(n + (size_t)codec));
        len = compress_ok(&c, n);
        assert_int_equal(mb_decompress(codec, g_out, len, g_back, sizeof g_back, &got), 0);
        assert_int_equal(got, n);
        assert_memory_equal(g_back, g_in, n);
        if (n > 4096) /* the text part compresses */
            assert_true(len < n);
    }
    mb_compressor_free(&c);
    mb_compressor_free(&c); /* idempotent */
}

static void test_roundtrip_each_codec(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < N_CODECS; i++) {
        int codec = all_codecs[i];
        mb_compressor c;
        if (!codec_built(codec)) {
            assert_int_equal(mb_compressor_init(&c, codec, 0, NULL), MSGBUS_ERR_UNSUPPORTED_CODEC);
            continue;
        }
        roundtrip_codec(codec, 0);
        if (codec != MB_COMPRESSION_SNAPPY)
            roundtrip_codec(codec, 1);
    }
    if (codec_built(MB_COMPRESSION_GZIP))
        roundtrip_codec(MB_COMPRESSION_GZIP, 9);
    if (codec_built(MB_COMPRESSION_LZ4))
        roundtrip_codec(MB_COMPRESSION_LZ4, 9); /* LZ4 HC, Java's default level */
    if (codec_built(MB_COMPRESSION_ZSTD)) {
        roundtrip_codec(MB_COMPRESSION_ZSTD, 19);
        roundtrip_codec(MB_COMPRESSION_ZSTD, -3);
    }
}

static void test_no_room(void **state)
{
    size_t i;
    (void)state;
    fill(g_in, 1000, 1);
    for (i = 0; i < N_CODECS; i++) {
        mb_compressor c;
        size_t len = 99, bound;
        if (!codec_built(all_codecs[i]))
            continue;
        assert_int_equal(mb_compressor_init(&c, all_codecs[i], 0, NULL), 0);
        bound = mb_compress_bound(&c, 1000);
        memset(g_out, 0xee, bound);
        assert_int_equal(mb_compress(&c, g_in, 1000, g_out, bound - 1, &len), MSGBUS_ERR_NO_ROOM);
        assert_int_equal(len, 0);
        assert_int_equal(g_out[0], 0xee); /* nothing written */
        assert_int_equal(mb_compress(&c, NULL, 10, g_out, bound, &len), MSGBUS_ERR_INVALID_ARG);
        assert_int_equal(mb_compress_bound(&c, (size_t)INT32_MAX + 1), 0);
        assert_int_equal(mb_compress(&c, g_in, (size_t)INT32_MAX + 1, g_out, bound, &len),
                         MSGBUS_ERR_LIMIT);
        mb_compressor_free(&c);
    }
}

/* ------------------------------------------------------------------------ */
/* Allocations: through the msgbus allocator, none per batch when warm       */
/* ------------------------------------------------------------------------ */

/* 1 if the codec's allocations can be routed to the msgbus allocator. */
static int has_hooks(int codec)
{
    if (codec == MB_COMPRESSION_SNAPPY)
        return 0;
#if MB_TEST_HAVE_LZ4
    if (codec == MB_COMPRESSION_LZ4)
        return LZ4_VERSION_NUMBER >= 10904;
#endif
    return 1;
}

static void test_allocator_hooks(void **state)
{
    size_t i, k;
    (void)state;
    fill(g_in, 100000, 7);
    for (i = 0; i < N_CODECS; i++) {
        counting cnt = {0, 0, 0, SIZE_MAX};
        msgbus_allocator al = {cnt_alloc, cnt_free, &cnt};
        mb_compressor c;
        size_t warm;
        if (!codec_built(all_codecs[i]))
            continue;
        assert_int_equal(mb_compressor_init(&c, all_codecs[i], 0, &al), 0);
        compress_ok(&c, 100000); /* lz4 sets its state up on the first frame */
        warm = cnt.allocs;
        if (has_hooks(all_codecs[i]))
            assert_true(warm > 0); /* the codec's memory came from our allocator */
        for (k = 0; k < 10; k++)
            compress_ok(&c, 100000 - k * 1000);
        assert_int_equal(cnt.allocs, warm); /* none per batch once warm */
        mb_compressor_free(&c);
        assert_int_equal(cnt.frees, cnt.allocs);
        assert_int_equal(cnt.live_bytes, 0);
    }
}

static void test_allocator_failure(void **state)
{
    size_t i, k;
    (void)state;
    for (i = 0; i < N_CODECS; i++) {
        if (!codec_built(all_codecs[i]) || !has_hooks(all_codecs[i]))
            continue;
        /* fail the 1st, 2nd, ... allocation: a clean NOMEM, nothing leaked */
        for (k = 0; k < 8; k++) {
            counting cnt = {0, 0, 0, k};
            msgbus_allocator al = {cnt_alloc, cnt_free, &cnt};
            mb_compressor c;
            int rc = mb_compressor_init(&c, all_codecs[i], 0, &al);
            if (rc == 0) {
                size_t len = 0, bound = mb_compress_bound(&c, 1000);
                fill(g_in, 1000, 3);
                rc = mb_compress(&c, g_in, 1000, g_out, bound, &len);
                assert_true(rc == 0 || rc == MSGBUS_ERR_COMPRESSION);
                mb_compressor_free(&c);
            } else {
                assert_int_equal(rc, MSGBUS_ERR_NOMEM);
            }
            assert_int_equal(cnt.live_bytes, 0);
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Interop: the codecs' own decoders                                         */
/* ------------------------------------------------------------------------ */

/* Decode with the codec library itself (not decompress.c); returns the size. */
static size_t lib_decode(int codec, const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    switch (codec) {
#if MB_TEST_HAVE_ZLIB
    case MB_COMPRESSION_GZIP: {
        z_stream z;
        memset(&z, 0, sizeof z);
        assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK); /* gzip wrapper only */
        z.next_in = (Bytef *)(uintptr_t)in;
        z.avail_in = (uInt)n;
        z.next_out = out;
        z.avail_out = (uInt)cap;
        assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
        assert_int_equal(z.avail_in, 0);
        inflateEnd(&z);
        return (size_t)z.total_out;
    }
#endif
#if MB_TEST_HAVE_ZSTD
    case MB_COMPRESSION_ZSTD: {
        size_t r = ZSTD_decompress(out, cap, in, n);
        assert_false(ZSTD_isError(r));
        assert_true(ZSTD_getFrameContentSize(in, n) == r);
        return r;
    }
#endif
#if MB_TEST_HAVE_LZ4
    case MB_COMPRESSION_LZ4: {
        LZ4F_dctx *d;
        size_t src = n, dst = cap;
        assert_false(LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)));
        assert_int_equal(LZ4F_decompress(d, out, &dst, in, &src, NULL), 0); /* frame done */
        assert_int_equal(src, n);
        LZ4F_freeDecompressionContext(d);
        /* FLG: version 01, independent blocks, no checksums; BD: 64 KiB blocks */
        assert_int_equal(in[4], 0x60);
        assert_int_equal(in[5], 0x40);
        return dst;
    }
#endif
#if MB_TEST_HAVE_SNAPPY
    case MB_COMPRESSION_SNAPPY: {
        static const uint8_t head[16] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0,
                                         0,    0,   0,   1,   0,   0,   0,   1};
        size_t off = 16, done = 0;
        assert_true(n >= 16);
        assert_memory_equal(in, head, 16);
        while (off < n) {
            size_t blen, got = cap - done, raw = 0;
            assert_true(n - off >= 4);
            blen = (size_t)in[off] << 24 | (size_t)in[off + 1] << 16 | (size_t)in[off + 2] << 8 |
                   in[off + 3];
            off += 4;
            assert_true(blen <= n - off);
            assert_int_equal(snappy_uncompressed_length((const char *)in + off, blen, &raw),
                             SNAPPY_OK);
            assert_true(raw <= 32768); /* xerial's block size */
            assert_int_equal(
                snappy_uncompress((const char *)in + off, blen, (char *)out + done, &got),
                SNAPPY_OK);
            done += got;
            off += blen;
        }
        return done;
    }
#endif
    default:
        (void)in;
        (void)n;
        (void)out;
        (void)cap;
        fail_msg("no library decoder for codec %d in this build", codec);
        return 0;
    }
}

#ifdef __unix__
/* Decode with the command-line tool, if installed: 1 if checked, 0 if absent. */
static int cli_decode(int codec, const uint8_t *in, size_t n, const uint8_t *want, size_t wn)
{
    static const char *const tools[] = {NULL, "gzip", NULL, "lz4", "zstd"};
    char path[] = "/tmp/mb_test_compress_XXXXXX", cmd[256];
    uint8_t *got = malloc(wn + 1);
    size_t total = 0, r;
    FILE *f, *p;
    int fd;
    assert_non_null(got);
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tools[codec]);
    if (system(cmd) != 0) {
        free(got);
        return 0;
    }
    fd = mkstemp(path);
    assert_true(fd >= 0);
    f = fdopen(fd, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(in, 1, n, f), n);
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s -dc < %s", tools[codec], path);
    p = popen(cmd, "r");
    assert_non_null(p);
    while ((r = fread(got + total, 1, wn + 1 - total, p)) > 0 && total < wn + 1)
        total += r;
    assert_int_equal(pclose(p), 0);
    remove(path);
    assert_int_equal(total, wn);
    assert_memory_equal(got, want, wn);
    free(got);
    return 1;
}
#else /* no processes (an emulated bare-metal target) */
static int cli_decode(int codec, const uint8_t *in, size_t n, const uint8_t *want, size_t wn)
{
    (void)codec;
    (void)in;
    (void)n;
    (void)want;
    (void)wn;
    return 0;
}
#endif

static int lib_built(int codec)
{
    switch (codec) {
    case MB_COMPRESSION_GZIP:
        return MB_TEST_HAVE_ZLIB;
    case MB_COMPRESSION_SNAPPY:
        return MB_TEST_HAVE_SNAPPY;
    case MB_COMPRESSION_LZ4:
        return MB_TEST_HAVE_LZ4;
    default:
        return MB_TEST_HAVE_ZSTD;
    }
}

static void test_interop_standard_decoders(void **state)
{
    static const size_t isizes[] = {1, 32769, 140000};
    size_t i, k;
    int cli = 0;
    (void)state;
    for (i = 0; i < N_CODECS; i++) {
        int codec = all_codecs[i];
        mb_compressor c;
        assert_int_equal(codec_built(codec), lib_built(codec)); /* the build and test agree */
        if (!codec_built(codec))
            continue;
        assert_int_equal(mb_compressor_init(&c, codec, 0, NULL), 0);
        for (k = 0; k < sizeof isizes / sizeof isizes[0]; k++) {
            size_t n = isizes[k], len;
            fill(g_in, n, (uint32_t)k);
            len = compress_ok(&c, n);
            assert_int_equal(lib_decode(codec, g_out, len, g_back, sizeof g_back), n);
            assert_memory_equal(g_back, g_in, n);
            if (codec != MB_COMPRESSION_SNAPPY)
                cli += cli_decode(codec, g_out, len, g_in, n);
        }
        mb_compressor_free(&c);
    }
    print_message("interop: %d outputs also checked by the codecs' command-line tools\n", cli);
}

/* ------------------------------------------------------------------------ */
/* Record batches                                                            */
/* ------------------------------------------------------------------------ */

static uint8_t g_batch[150000], g_cbatch[160000];

/* An uncompressed batch of @p n records, transactional, with producer fields. */
static size_t build_batch(int n)
{
    mb_batch_params p;
    mb_batch_builder b;
    mb_record_header h = {{"trace", 5}, {(const uint8_t *)"abc", 3}};
    const uint8_t *data;
    size_t len;
    int i;
    memset(&p, 0, sizeof p);
    p.base_timestamp = 1700000000000;
    p.producer_id = 4096;
    p.producer_epoch = 3;
    p.base_sequence = 17;
    p.partition_leader_epoch = -1;
    p.transactional = 1;
    assert_int_equal(mb_batch_builder_init(&b, g_batch, sizeof g_batch, &p), 0);
    for (i = 0; i < n; i++) {
        char key[16], val[64];
        int kl = snprintf(key, sizeof key, "k%d", i % 10);
        int vl = snprintf(val, sizeof val, "{\"sensor\":%d,\"value\":%d,\"unit\":\"C\"}", i, i * 7);
        mb_bytes k = {(const uint8_t *)key, kl}, v = {(const uint8_t *)val, vl};
        assert_int_equal(mb_batch_append(&b, p.base_timestamp + i, k, v, &h, 1), 0);
    }
    assert_int_equal(mb_batch_finish(&b, &data, &len), 0);
    assert_ptr_equal(data, g_batch);
    return len;
}

static void check_compressed_batch(int codec, size_t plain_len, size_t clen)
{
    mb_batch_iter it;
    mb_batch plain, comp;
    size_t got = 0;
    mb_batch_iter_init(&it, g_batch, plain_len);
    assert_int_equal(mb_batch_next(&it, &plain), 0);
    mb_batch_iter_init(&it, g_cbatch, clen);
    assert_int_equal(mb_batch_next(&it, &comp), 0); /* batchLength and CRC right */
    assert_int_equal(mb_batch_next(&it, &comp), MB_ITER_END);
    mb_batch_iter_init(&it, g_cbatch, clen);
    assert_int_equal(mb_batch_next(&it, &comp), 0);
    assert_int_equal(comp.size, clen);
    assert_int_equal(mb_batch_compression(&comp), codec);
    assert_int_equal(comp.attributes, plain.attributes | codec);
    assert_true(mb_batch_is_transactional(&comp));
    assert_int_equal(comp.record_count, plain.record_count);
    assert_int_equal(comp.last_offset_delta, plain.last_offset_delta);
    assert_true(comp.max_timestamp == plain.max_timestamp);
    assert_true(comp.producer_id == 4096);
    assert_int_equal(comp.base_sequence, 17);
    assert_int_equal(
        mb_decompress(codec, comp.records, comp.records_len, g_back, sizeof g_back, &got), 0);
    assert_int_equal(got, plain.records_len);
    assert_memory_equal(g_back, plain.records, got);
}

static void test_batch_compress(void **state)
{
    static const int counts[] = {1, 50, 2000};
    size_t i, k;
    (void)state;
    for (i = 0; i < N_CODECS; i++) {
        mb_compressor c;
        if (!codec_built(all_codecs[i]))
            continue;
        assert_int_equal(mb_compressor_init(&c, all_codecs[i], 0, NULL), 0);
        for (k = 0; k < sizeof counts / sizeof counts[0]; k++) {
            size_t len = build_batch(counts[k]), clen = 0;
            size_t bound = mb_batch_compress_bound(&c, len);
            assert_true(bound > MB_BATCH_HEADER_SIZE && bound <= sizeof g_cbatch);
            assert_int_equal(mb_batch_compress(&c, g_batch, len, g_cbatch, bound, &clen), 0);
            check_compressed_batch(all_codecs[i], len, clen);
            if (counts[k] == 2000)
                assert_true(clen < len / 2);
        }
        mb_compressor_free(&c);
    }
}

static void test_batch_compress_bad_input(void **state)
{
    mb_compressor c;
    size_t len, clen = 5, bound;
    int codec = -1;
    size_t i;
    (void)state;
    for (i = 0; i < N_CODECS && codec < 0; i++)
        if (codec_built(all_codecs[i]))
            codec = all_codecs[i];
    if (codec < 0) { /* nothing built in: the batch call says so too */
        assert_int_equal(mb_compressor_init(&c, MB_COMPRESSION_GZIP, 0, NULL),
                         MSGBUS_ERR_UNSUPPORTED_CODEC);
        assert_int_equal(mb_batch_compress(&c, g_batch, 100, g_cbatch, sizeof g_cbatch, &clen),
                         MSGBUS_ERR_INVALID_ARG);
        return;
    }
    assert_int_equal(mb_compressor_init(&c, codec, 0, NULL), 0);
    len = build_batch(20);
    bound = mb_batch_compress_bound(&c, len);
    /* too small an output */
    assert_int_equal(mb_batch_compress(&c, g_batch, len, g_cbatch, bound - 1, &clen),
                     MSGBUS_ERR_NO_ROOM);
    assert_int_equal(clen, 0);
    /* an already compressed batch */
    assert_int_equal(mb_batch_compress(&c, g_batch, len, g_cbatch, bound, &clen), 0);
    memcpy(g_batch, g_cbatch, clen);
    assert_int_equal(mb_batch_compress(&c, g_batch, clen, g_cbatch, sizeof g_cbatch, &clen),
                     MSGBUS_ERR_INVALID_ARG);
    /* a bad CRC, a cut batch, trailing bytes, not a batch at all */
    len = build_batch(20);
    g_batch[len - 1] ^= 1;
    assert_int_equal(mb_batch_compress(&c, g_batch, len, g_cbatch, sizeof g_cbatch, &clen),
                     MSGBUS_ERR_INVALID_ARG);
    len = build_batch(20);
    assert_int_equal(mb_batch_compress(&c, g_batch, len - 1, g_cbatch, sizeof g_cbatch, &clen),
                     MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_batch_compress(&c, g_batch, len + 1, g_cbatch, sizeof g_cbatch, &clen),
                     MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_batch_compress(&c, g_batch, 10, g_cbatch, sizeof g_cbatch, &clen),
                     MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_batch_compress(NULL, g_batch, len, g_cbatch, sizeof g_cbatch, &clen),
                     MSGBUS_ERR_INVALID_ARG);
    mb_compressor_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_levels),          cmocka_unit_test(test_init_errors),
        cmocka_unit_test(test_roundtrip_each_codec),      cmocka_unit_test(test_no_room),
        cmocka_unit_test(test_allocator_hooks),           cmocka_unit_test(test_allocator_failure),
        cmocka_unit_test(test_interop_standard_decoders), cmocka_unit_test(test_batch_compress),
        cmocka_unit_test(test_batch_compress_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
