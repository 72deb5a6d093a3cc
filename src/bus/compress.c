/*
 * compress.c - the records of a closed batch compressed in Kafka's framings:
 * gzip (zlib's deflate with the RFC 1952 wrapper), snappy (the "xerial"
 * framing the Java client writes: a 16-byte header, then 32 KiB blocks each
 * behind its big-endian length), lz4 (the LZ4 frame format with 64 KiB
 * independent blocks and no checksums, as the Java client writes it) and
 * zstd (one frame). Each codec is compiled in only when its library was
 * found (MSGBUS_HAVE_ZLIB, _LZ4, _ZSTD, _SNAPPY); without it the calls
 * answer MSGBUS_ERR_UNSUPPORTED_CODEC.
 *
 * Memory: a compressor creates its codec state once, through the msgbus
 * allocator (zlib's zalloc/zfree, zstd's ZSTD_customMem, lz4's
 * LZ4F_CustomMem from lz4 1.9.4 on; older lz4 allocates with malloc, and
 * snappy's C API has no hooks and allocates working memory per call), and
 * reuses it for every batch. The codecs free without telling the size, so
 * each hook allocation carries its size in a small header.
 *
 * Calls go down only: into the codec libraries and proto/record_batch.
 */
#include <limits.h>
#include <stddef.h>
#include <string.h>

#include "msgbus/config_defaults.h"

#include "bus/compress.h"
#include "proto/record_batch.h"

#if MSGBUS_HAVE_ZLIB
#include <zlib.h>
#endif
#if MSGBUS_HAVE_LZ4
#define LZ4F_STATIC_LINKING_ONLY
#include <lz4.h>
#include <lz4frame.h>
#endif
#if MSGBUS_HAVE_ZSTD
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>
#endif
#if MSGBUS_HAVE_SNAPPY
#include <snappy-c.h>
#endif

#if MSGBUS_CFG_PRODUCER

/* The largest input accepted: a batch's records section is below 2 GiB. */
#define CODEC_MAX_INPUT ((size_t)INT32_MAX)

static const char *const codec_names[] = {"none", "gzip", "snappy", "lz4", "zstd"};

int mb_compression_parse(const char *name, int *codec)
{
    int i;
    if (!name || !codec)
        return MSGBUS_ERR_INVALID_ARG;
    for (i = 0; i < 5; i++) {
        if (strcmp(name, codec_names[i]) == 0) {
            *codec = i;
            return 0;
        }
    }
    return MSGBUS_ERR_INVALID_ARG;
}

const char *mb_compression_name(int codec)
{
    return codec >= 0 && codec < 5 ? codec_names[codec] : "unknown";
}

static int built_in(int codec)
{
    switch (codec) {
    case MB_COMPRESSION_GZIP:
        return MSGBUS_HAVE_ZLIB;
    case MB_COMPRESSION_SNAPPY:
        return MSGBUS_HAVE_SNAPPY;
    case MB_COMPRESSION_LZ4:
        return MSGBUS_HAVE_LZ4;
    case MB_COMPRESSION_ZSTD:
        return MSGBUS_HAVE_ZSTD;
    default:
        return 0;
    }
}

int mb_compress_level_check(int codec, int level)
{
    if (codec < MB_COMPRESSION_GZIP || codec > MB_COMPRESSION_ZSTD)
        return MSGBUS_ERR_INVALID_ARG;
    if (!built_in(codec))
        return MSGBUS_ERR_UNSUPPORTED_CODEC;
    if (level == MB_COMPRESS_LEVEL_DEFAULT)
        return 0;
    switch (codec) {
    case MB_COMPRESSION_GZIP:
        return level >= 1 && level <= 9 ? 0 : MSGBUS_ERR_INVALID_ARG;
    case MB_COMPRESSION_LZ4:
        return level >= 1 && level <= 17 ? 0 : MSGBUS_ERR_INVALID_ARG;
#if MSGBUS_HAVE_ZSTD
    case MB_COMPRESSION_ZSTD:
        return level >= ZSTD_minCLevel() && level <= ZSTD_maxCLevel() ? 0 : MSGBUS_ERR_INVALID_ARG;
#endif
    default: /* snappy has no level */
        return MSGBUS_ERR_INVALID_ARG;
    }
}

/* ------------------------------------------------------------------------ */
/* Allocator hooks: the codecs' free has no size, msgbus's needs one         */
/* ------------------------------------------------------------------------ */

#if MSGBUS_HAVE_ZLIB || MSGBUS_HAVE_ZSTD || MSGBUS_HAVE_LZ4
#define HOOK_HDR (_Alignof(max_align_t) > sizeof(size_t) ? _Alignof(max_align_t) : sizeof(size_t))

static void *hook_alloc(void *opaque, size_t n)
{
    const msgbus_allocator *al = opaque;
    unsigned char *p;
    size_t total;
    if (n > SIZE_MAX - HOOK_HDR)
        return NULL;
    total = n + HOOK_HDR;
    p = al->alloc(al->ctx, total);
    if (!p)
        return NULL;
    memcpy(p, &total, sizeof total);
    return p + HOOK_HDR;
}

static void hook_free(void *opaque, void *ptr)
{
    const msgbus_allocator *al = opaque;
    unsigned char *p;
    size_t total;
    if (!ptr)
        return;
    p = (unsigned char *)ptr - HOOK_HDR;
    memcpy(&total, p, sizeof total);
    al->free(al->ctx, p, total);
}
#endif

/* ------------------------------------------------------------------------ */
/* gzip                                                                      */
/* ------------------------------------------------------------------------ */

#if MSGBUS_HAVE_ZLIB
static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
    if (size != 0 && items > SIZE_MAX / size)
        return Z_NULL;
    return hook_alloc(opaque, (size_t)items * size);
}

static void z_free(voidpf opaque, voidpf ptr)
{
    hook_free(opaque, ptr);
}

static int gz_init(mb_compressor *c)
{
    z_stream *z = c->al->alloc(c->al->ctx, sizeof *z);
    int level = c->level ? c->level : Z_DEFAULT_COMPRESSION;
    if (!z)
        return MSGBUS_ERR_NOMEM;
    memset(z, 0, sizeof *z);
    z->zalloc = z_alloc;
    z->zfree = z_free;
    z->opaque = (voidpf)c->al;
    /* 15 + 16: a 32 KiB window and the gzip wrapper instead of zlib's */
    if (deflateInit2(z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        c->al->free(c->al->ctx, z, sizeof *z);
        return MSGBUS_ERR_NOMEM;
    }
    c->state = z;
    return 0;
}

static void gz_free(mb_compressor *c)
{
    deflateEnd(c->state);
    c->al->free(c->al->ctx, c->state, sizeof(z_stream));
}

/* The stream is left reset after each batch: deflateBound() of a finished
 * gzip stream leaves the wrapper out. */
static int gz_compress(mb_compressor *c, const uint8_t *in, size_t n, uint8_t *out, size_t cap,
                       size_t *len)
{
    z_stream *z = c->state;
    int rc;
    z->next_in = (Bytef *)(uintptr_t)in;
    z->avail_in = (uInt)n;
    z->next_out = out;
    z->avail_out = cap > UINT_MAX ? UINT_MAX : (uInt)cap;
    rc = deflate(z, Z_FINISH);
    *len = (size_t)z->total_out;
    if (deflateReset(z) != Z_OK || rc != Z_STREAM_END) {
        *len = 0;
        return MSGBUS_ERR_COMPRESSION;
    }
    return 0;
}
#endif

/* ------------------------------------------------------------------------ */
/* zstd                                                                      */
/* ------------------------------------------------------------------------ */

#if MSGBUS_HAVE_ZSTD
static int zs_init(mb_compressor *c)
{
    ZSTD_customMem mem;
    ZSTD_CCtx *z;
    mem.customAlloc = hook_alloc;
    mem.customFree = hook_free;
    mem.opaque = (void *)c->al;
    z = ZSTD_createCCtx_advanced(mem);
    if (!z)
        return MSGBUS_ERR_NOMEM;
    if (ZSTD_isError(ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel, c->level))) {
        ZSTD_freeCCtx(z);
        return MSGBUS_ERR_INVALID_ARG;
    }
    c->state = z;
    return 0;
}

static int zs_compress(mb_compressor *c, const uint8_t *in, size_t n, uint8_t *out, size_t cap,
                       size_t *len)
{
    size_t r = ZSTD_compress2(c->state, out, cap, in, n);
    if (ZSTD_isError(r))
        return MSGBUS_ERR_COMPRESSION;
    *len = r;
    return 0;
}
#endif

/* ------------------------------------------------------------------------ */
/* lz4                                                                       */
/* ------------------------------------------------------------------------ */

#if MSGBUS_HAVE_LZ4
/* What the Java client writes: 64 KiB independent blocks, no checksums.
 * autoFlush: the whole input goes in one update, so nothing is held back,
 * and lz4 then needs no block buffer (which it would reallocate per frame). */
static void lz4_prefs(const mb_compressor *c, LZ4F_preferences_t *p)
{
    memset(p, 0, sizeof *p);
    p->frameInfo.blockSizeID = LZ4F_max64KB;
    p->frameInfo.blockMode = LZ4F_blockIndependent;
    p->frameInfo.contentChecksumFlag = LZ4F_noContentChecksum;
    p->frameInfo.blockChecksumFlag = LZ4F_noBlockChecksum;
    p->compressionLevel = c->level;
    p->autoFlush = 1;
}

static int lz4_init(mb_compressor *c)
{
    LZ4F_cctx *x = NULL;
#if defined(LZ4_VERSION_NUMBER) && LZ4_VERSION_NUMBER >= 10904
    LZ4F_CustomMem mem;
    mem.customAlloc = hook_alloc;
    mem.customCalloc = NULL; /* lz4 then allocates and zeroes */
    mem.customFree = hook_free;
    mem.opaqueState = (void *)c->al;
    x = LZ4F_createCompressionContext_advanced(mem, LZ4F_VERSION);
#else /* no allocator hooks before lz4 1.9.4: the context comes from malloc */
    if (LZ4F_isError(LZ4F_createCompressionContext(&x, LZ4F_VERSION)))
        x = NULL;
#endif
    if (!x)
        return MSGBUS_ERR_NOMEM;
    c->state = x;
    return 0;
}

static size_t lz4_bound(const mb_compressor *c, size_t n)
{
    LZ4F_preferences_t p;
    lz4_prefs(c, &p);
    return LZ4F_compressFrameBound(n, &p);
}

static int lz4_compress(mb_compressor *c, const uint8_t *in, size_t n, uint8_t *out, size_t cap,
                        size_t *len)
{
    LZ4F_preferences_t p;
    size_t h, b, e;
    lz4_prefs(c, &p);
    h = LZ4F_compressBegin(c->state, out, cap, &p);
    if (LZ4F_isError(h))
        return MSGBUS_ERR_COMPRESSION;
    b = LZ4F_compressUpdate(c->state, out + h, cap - h, in, n, NULL);
    if (LZ4F_isError(b))
        return MSGBUS_ERR_COMPRESSION;
    e = LZ4F_compressEnd(c->state, out + h + b, cap - h - b, NULL);
    if (LZ4F_isError(e))
        return MSGBUS_ERR_COMPRESSION;
    *len = h + b + e;
    return 0;
}
#endif

/* ------------------------------------------------------------------------ */
/* snappy, in the xerial framing                                             */
/* ------------------------------------------------------------------------ */

#if MSGBUS_HAVE_SNAPPY
#define XERIAL_HEADER 16
#define XERIAL_BLOCK 32768u

static size_t sn_bound(size_t n)
{
    size_t full = n / XERIAL_BLOCK, rest = n % XERIAL_BLOCK;
    size_t per = 4 + snappy_max_compressed_length(XERIAL_BLOCK);
    return XERIAL_HEADER + full * per + (rest ? 4 + snappy_max_compressed_length(rest) : 0);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static int sn_compress(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *len)
{
    /* magic "\x82SNAPPY\0", version 1, compatible version 1 */
    static const uint8_t head[XERIAL_HEADER] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0,
                                                0,    0,   0,   1,   0,   0,   0,   1};
    size_t off = XERIAL_HEADER, done = 0;
    memcpy(out, head, sizeof head);
    while (done < n) {
        size_t blk = n - done < XERIAL_BLOCK ? n - done : XERIAL_BLOCK;
        size_t clen = cap - off - 4;
        if (snappy_compress((const char *)in + done, blk, (char *)out + off + 4, &clen) !=
            SNAPPY_OK)
            return MSGBUS_ERR_COMPRESSION;
        put_be32(out + off, (uint32_t)clen);
        off += 4 + clen;
        done += blk;
    }
    *len = off;
    return 0;
}
#endif

/* ------------------------------------------------------------------------ */
/* The compressor                                                            */
/* ------------------------------------------------------------------------ */

int mb_compressor_init(mb_compressor *c, int codec, int level, const msgbus_allocator *al)
{
    int rc;
    if (!c)
        return MSGBUS_ERR_INVALID_ARG;
    memset(c, 0, sizeof *c);
    if ((rc = mb_compress_level_check(codec, level)) != 0)
        return rc;
    c->codec = codec;
    c->level = level;
    c->al = al ? al : msgbus_allocator_default();
    switch (codec) {
#if MSGBUS_HAVE_ZLIB
    case MB_COMPRESSION_GZIP:
        rc = gz_init(c);
        break;
#endif
#if MSGBUS_HAVE_ZSTD
    case MB_COMPRESSION_ZSTD:
        rc = zs_init(c);
        break;
#endif
#if MSGBUS_HAVE_LZ4
    case MB_COMPRESSION_LZ4:
        rc = lz4_init(c);
        break;
#endif
    default: /* snappy keeps no state */
        break;
    }
    if (rc)
        memset(c, 0, sizeof *c);
    return rc;
}

void mb_compressor_free(mb_compressor *c)
{
    if (!c || !c->state)
        return;
    switch (c->codec) {
#if MSGBUS_HAVE_ZLIB
    case MB_COMPRESSION_GZIP:
        gz_free(c);
        break;
#endif
#if MSGBUS_HAVE_ZSTD
    case MB_COMPRESSION_ZSTD:
        ZSTD_freeCCtx(c->state);
        break;
#endif
#if MSGBUS_HAVE_LZ4
    case MB_COMPRESSION_LZ4:
        LZ4F_freeCompressionContext(c->state);
        break;
#endif
    default:
        break;
    }
    c->state = NULL;
}

/* 1 if @p c was set up by mb_compressor_init() and not freed. */
static int ready(const mb_compressor *c)
{
    return c && built_in(c->codec) && (c->state || c->codec == MB_COMPRESSION_SNAPPY);
}

size_t mb_compress_bound(const mb_compressor *c, size_t n)
{
    if (!ready(c) || n > CODEC_MAX_INPUT)
        return 0;
    switch (c->codec) {
#if MSGBUS_HAVE_ZLIB
    case MB_COMPRESSION_GZIP:
        return (size_t)deflateBound(c->state, (uLong)n);
#endif
#if MSGBUS_HAVE_SNAPPY
    case MB_COMPRESSION_SNAPPY:
        return sn_bound(n);
#endif
#if MSGBUS_HAVE_LZ4
    case MB_COMPRESSION_LZ4:
        return lz4_bound(c, n);
#endif
#if MSGBUS_HAVE_ZSTD
    case MB_COMPRESSION_ZSTD:
        return ZSTD_compressBound(n);
#endif
    default:
        return 0;
    }
}

int mb_compress(mb_compressor *c, const uint8_t *in, size_t n, uint8_t *out, size_t cap,
                size_t *len)
{
    if (!ready(c) || (!in && n) || !out || !len)
        return MSGBUS_ERR_INVALID_ARG;
    *len = 0;
    if (n > CODEC_MAX_INPUT)
        return MSGBUS_ERR_LIMIT;
    if (cap < mb_compress_bound(c, n))
        return MSGBUS_ERR_NO_ROOM;
    switch (c->codec) {
#if MSGBUS_HAVE_ZLIB
    case MB_COMPRESSION_GZIP:
        return gz_compress(c, in, n, out, cap, len);
#endif
#if MSGBUS_HAVE_SNAPPY
    case MB_COMPRESSION_SNAPPY:
        return sn_compress(in, n, out, cap, len);
#endif
#if MSGBUS_HAVE_LZ4
    case MB_COMPRESSION_LZ4:
        return lz4_compress(c, in, n, out, cap, len);
#endif
#if MSGBUS_HAVE_ZSTD
    case MB_COMPRESSION_ZSTD:
        return zs_compress(c, in, n, out, cap, len);
#endif
    default:
        return MSGBUS_ERR_UNSUPPORTED_CODEC;
    }
}

/* ------------------------------------------------------------------------ */
/* Record batches                                                            */
/* ------------------------------------------------------------------------ */

size_t mb_batch_compress_bound(const mb_compressor *c, size_t batch_len)
{
    size_t b;
    if (batch_len < MB_BATCH_HEADER_SIZE)
        return 0;
    b = mb_compress_bound(c, batch_len - MB_BATCH_HEADER_SIZE);
    return b == 0 || b > SIZE_MAX - MB_BATCH_HEADER_SIZE ? 0 : b + MB_BATCH_HEADER_SIZE;
}

int mb_batch_compress(mb_compressor *c, const uint8_t *batch, size_t len, uint8_t *out, size_t cap,
                      size_t *out_len)
{
    mb_batch_iter it;
    mb_batch b;
    size_t clen = 0, need;
    int rc;
    if (!ready(c) || !batch || !out || !out_len)
        return MSGBUS_ERR_INVALID_ARG;
    *out_len = 0;
    mb_batch_iter_init(&it, batch, len);
    if (mb_batch_next(&it, &b) != 0 || b.size != len ||
        mb_batch_compression(&b) != MB_COMPRESSION_NONE)
        return MSGBUS_ERR_INVALID_ARG;
    need = mb_batch_compress_bound(c, len);
    if (need == 0)
        return MSGBUS_ERR_LIMIT;
    if (cap < need)
        return MSGBUS_ERR_NO_ROOM;
    memcpy(out, batch, MB_BATCH_HEADER_SIZE);
    rc = mb_compress(c, b.records, b.records_len, out + MB_BATCH_HEADER_SIZE,
                     cap - MB_BATCH_HEADER_SIZE, &clen);
    if (rc)
        return rc;
    rc = mb_batch_reseal(out, MB_BATCH_HEADER_SIZE + clen, (int16_t)(b.attributes | c->codec));
    if (rc == 0)
        *out_len = MB_BATCH_HEADER_SIZE + clen;
    return rc;
}

#else  /* MSGBUS_CFG_PRODUCER 0: nothing to compress */
typedef int mb_compress_left_out;
#endif /* MSGBUS_CFG_PRODUCER */
