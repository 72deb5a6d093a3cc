/*
 * compress.h - compressing a closed batch's records for Kafka: gzip, snappy
 * (the Java client's "xerial" framing), lz4 (the LZ4 frame format) and zstd,
 * each codec compiled in when its library was found (MSGBUS_HAVE_ZLIB, _LZ4,
 * _ZSTD, _SNAPPY, as for reading); without it MSGBUS_ERR_UNSUPPORTED_CODEC.
 *
 * A compressor keeps its codec's state between batches, so in steady state
 * compressing a batch allocates nothing (snappy excepted: its library
 * allocates working memory per call and has no hooks). Where the codec lets
 * it (zlib, zstd, lz4 1.9.4+), the codec's own allocations go through the
 * msgbus_allocator given at init. Output goes into a caller's buffer (e.g.
 * a pooled one) of at least mb_compress_bound() bytes.
 *
 * Calls go down only: to the codec libraries, and to proto/record_batch for
 * mb_batch_compress(). The producer calls these; nothing here is thread-safe
 * (one compressor per thread).
 */
#ifndef MB_BUS_COMPRESS_H
#define MB_BUS_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "msgbus/alloc.h"
#include "msgbus/error.h"

#include "bus/decompress.h"

/** Level 0: the codec's default (gzip 6, lz4 fast mode, zstd 3). */
#define MB_COMPRESS_LEVEL_DEFAULT 0

/** A compressor for one codec and level. Treat the fields as private. */
typedef struct mb_compressor {
    int codec;                  /**< mb_compression */
    int level;                  /**< as given, 0 for the default */
    const msgbus_allocator *al; /**< the codec's allocations come from here */
    void *state;                /**< z_stream / ZSTD_CCtx / LZ4F_cctx, or NULL */
} mb_compressor;

/**
 * Parse a codec name as Kafka spells it ("none", "gzip", "snappy", "lz4",
 * "zstd") into *@p codec. Returns 0, or MSGBUS_ERR_INVALID_ARG for any other
 * name (a NULL name too). Whether the codec is built in is not checked here.
 */
int mb_compression_parse(const char *name, int *codec);

/** Kafka's name of @p codec ("none", "gzip", ...), or "unknown". */
const char *mb_compression_name(int codec);

/**
 * Check @p level for @p codec: 0 (default) always; gzip 1-9; lz4 1-17 (as
 * Kafka accepts; above 12 acts as 12, 3 and up is LZ4 HC); zstd between
 * ZSTD_minCLevel() and ZSTD_maxCLevel(); snappy has no level (0 only).
 * Returns 0, MSGBUS_ERR_UNSUPPORTED_CODEC if the codec is not built in,
 * MSGBUS_ERR_INVALID_ARG for a bad level or codec.
 */
int mb_compress_level_check(int codec, int level);

/**
 * Set up @p c for @p codec (MB_COMPRESSION_GZIP..ZSTD) at @p level, the
 * codec's state allocated from @p al (NULL: the default allocator).
 * Returns 0; MSGBUS_ERR_UNSUPPORTED_CODEC (not built in);
 * MSGBUS_ERR_INVALID_ARG (NONE, codec 5-7, bad level); MSGBUS_ERR_NOMEM.
 * On error @p c holds nothing to free (mb_compressor_free() is harmless).
 */
int mb_compressor_init(mb_compressor *c, int codec, int level, const msgbus_allocator *al);

/** Release the codec state (idempotent; @p c may be zeroed or NULL). */
void mb_compressor_free(mb_compressor *c);

/**
 * The most bytes compressing @p n bytes can produce (framing included), or
 * 0 if @p n is too large for the codec (over 4 GiB for zlib's counters).
 */
size_t mb_compress_bound(const mb_compressor *c, size_t n);

/**
 * Compress @p n bytes at @p in into @p out (@p cap bytes, which must not
 * overlap the input); *@p len receives the size. Returns 0;
 * MSGBUS_ERR_NO_ROOM if @p cap < mb_compress_bound(c, n) (checked first:
 * size the buffer by the bound); MSGBUS_ERR_LIMIT if @p n is too large for
 * the codec; MSGBUS_ERR_COMPRESSION if the library fails;
 * MSGBUS_ERR_INVALID_ARG for NULLs or an uninitialised compressor.
 */
int mb_compress(mb_compressor *c, const uint8_t *in, size_t n, uint8_t *out, size_t cap,
                size_t *len);

/**
 * Bytes mb_batch_compress() may need for an uncompressed batch of
 * @p batch_len bytes (0 if too large).
 */
size_t mb_batch_compress_bound(const mb_compressor *c, size_t batch_len);

/**
 * Build the compressed form of one uncompressed RecordBatch v2 (@p batch,
 * @p len bytes, e.g. from mb_batch_finish()) in @p out: the same header,
 * the records section compressed, the codec in the attributes, batchLength
 * and CRC recomputed. *@p out_len receives its size. Returns 0;
 * MSGBUS_ERR_INVALID_ARG if @p batch is not exactly one whole batch of magic
 * 2 with a good CRC, or is already compressed; MSGBUS_ERR_NO_ROOM if @p cap
 * < mb_batch_compress_bound(); the errors of mb_compress().
 */
int mb_batch_compress(mb_compressor *c, const uint8_t *batch, size_t len, uint8_t *out, size_t cap,
                      size_t *out_len);

#endif /* MB_BUS_COMPRESS_H */
