/*
 * decompress.c - the records of compressed batches written by other
 * producers, in Kafka's framings: gzip (RFC 1952), snappy (raw, or the
 * "xerial" block framing the Java client writes), lz4 (the LZ4 frame format)
 * and zstd. Each codec is compiled in only when its Debian library was found
 * (MSGBUS_HAVE_ZLIB, _LZ4, _ZSTD, _SNAPPY); without it a batch gets
 * MSGBUS_ERR_UNSUPPORTED_CODEC and the consumer goes on.
 *
 * The output never exceeds the caller's buffer: a payload that would inflate
 * past it is MSGBUS_ERR_LIMIT (so a small hostile payload cannot make us
 * allocate without bound), a corrupt one MSGBUS_ERR_COMPRESSION.
 */
#include <string.h>

#include "msgbus/config_defaults.h"

#include "bus/decompress.h"
#include "proto/record_batch.h"

#if MSGBUS_HAVE_ZLIB
#include <zlib.h>
#endif
#if MSGBUS_HAVE_LZ4
#include <lz4frame.h>
#endif
#if MSGBUS_HAVE_ZSTD
#include <zstd.h>
#endif
#if MSGBUS_HAVE_SNAPPY
#include <snappy-c.h>
#endif

#if MSGBUS_CFG_CONSUMER

#if MSGBUS_HAVE_ZLIB
static int gunzip(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *len)
{
    z_stream z;
    int rc;
    memset(&z, 0, sizeof z);
    if (n > 0xffffffffu || cap > 0xffffffffu)
        return MSGBUS_ERR_LIMIT;
    if (inflateInit2(&z, 15 + 32) != Z_OK) /* +32: gzip or zlib header, detected */
        return MSGBUS_ERR_NOMEM;
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    rc = inflate(&z, Z_FINISH);
    *len = (size_t)z.total_out;
    inflateEnd(&z);
    if (rc == Z_STREAM_END)
        return 0;
    if (rc == Z_BUF_ERROR && z.avail_out == 0)
        return MSGBUS_ERR_LIMIT;
    return MSGBUS_ERR_COMPRESSION;
}
#endif

#if MSGBUS_HAVE_LZ4
static int unlz4(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *len)
{
    LZ4F_dctx *d;
    size_t done_in = 0, done_out = 0, rc = 1;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)))
        return MSGBUS_ERR_NOMEM;
    while (done_in < n && rc != 0) {
        size_t src = n - done_in, dst = cap - done_out;
        rc = LZ4F_decompress(d, out + done_out, &dst, in + done_in, &src, NULL);
        if (LZ4F_isError(rc))
            break;
        done_in += src;
        done_out += dst;
        if (done_out == cap && rc != 0) {
            LZ4F_freeDecompressionContext(d);
            return MSGBUS_ERR_LIMIT;
        }
        if (src == 0 && dst == 0)
            break; /* no progress: truncated */
    }
    LZ4F_freeDecompressionContext(d);
    *len = done_out;
    return rc == 0 ? 0 : MSGBUS_ERR_COMPRESSION;
}
#endif

#if MSGBUS_HAVE_ZSTD
static int unzstd(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *len)
{
    ZSTD_DStream *d = ZSTD_createDStream();
    ZSTD_inBuffer ib = {in, n, 0};
    ZSTD_outBuffer ob = {out, cap, 0};
    size_t rc = 1;
    if (!d)
        return MSGBUS_ERR_NOMEM;
    /* cap the window a frame may ask for: no hostile frame makes us allocate much */
    ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, 23);
    while (ib.pos < ib.size) {
        rc = ZSTD_decompressStream(d, &ob, &ib);
        if (ZSTD_isError(rc))
            break;
        if (ob.pos == ob.size && (rc != 0 || ib.pos < ib.size)) {
            ZSTD_freeDStream(d);
            return MSGBUS_ERR_LIMIT;
        }
    }
    ZSTD_freeDStream(d);
    *len = ob.pos;
    return !ZSTD_isError(rc) && rc == 0 ? 0 : MSGBUS_ERR_COMPRESSION;
}
#endif

#if MSGBUS_HAVE_SNAPPY
static int unsnappy_raw(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *len)
{
    size_t need = 0;
    if (snappy_uncompressed_length((const char *)in, n, &need) != SNAPPY_OK)
        return MSGBUS_ERR_COMPRESSION;
    if (need > cap)
        return MSGBUS_ERR_LIMIT;
    *len = cap;
    if (snappy_uncompress((const char *)in, n, (char *)out, len) != SNAPPY_OK)
        return MSGBUS_ERR_COMPRESSION;
    return 0;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The Java client's framing: magic, version, compatible version, then [len][block]... */
static int unsnappy(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *len)
{
    static const uint8_t magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
    size_t off = 16, done = 0;
    if (n < 16 || memcmp(in, magic, 8) != 0)
        return unsnappy_raw(in, n, out, cap, len);
    while (off < n) {
        size_t blen, got;
        int rc;
        if (n - off < 4)
            return MSGBUS_ERR_COMPRESSION;
        blen = be32(in + off);
        off += 4;
        if (blen > n - off)
            return MSGBUS_ERR_COMPRESSION;
        rc = unsnappy_raw(in + off, blen, out + done, cap - done, &got);
        if (rc)
            return rc;
        done += got;
        off += blen;
    }
    *len = done;
    return 0;
}
#endif

int mb_decompress(int codec, const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *len)
{
    *len = 0;
    switch (codec) {
#if MSGBUS_HAVE_ZLIB
    case MB_COMPRESSION_GZIP:
        return gunzip(in, n, out, cap, len);
#endif
#if MSGBUS_HAVE_SNAPPY
    case MB_COMPRESSION_SNAPPY:
        return unsnappy(in, n, out, cap, len);
#endif
#if MSGBUS_HAVE_LZ4
    case MB_COMPRESSION_LZ4:
        return unlz4(in, n, out, cap, len);
#endif
#if MSGBUS_HAVE_ZSTD
    case MB_COMPRESSION_ZSTD:
        return unzstd(in, n, out, cap, len);
#endif
    default:
        (void)in;
        (void)n;
        (void)out;
        (void)cap;
        return codec >= 1 && codec <= 4 ? MSGBUS_ERR_UNSUPPORTED_CODEC : MSGBUS_ERR_MALFORMED;
    }
}

int mb_codec_available(int codec)
{
    switch (codec) {
    case MB_COMPRESSION_NONE:
        return 1;
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

#else  /* MSGBUS_CFG_CONSUMER 0: the calls answer MSGBUS_ERR_NOT_BUILT */
typedef int mb_decompress_left_out;
#endif /* MSGBUS_CFG_CONSUMER */
