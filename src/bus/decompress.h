/*
 * decompress.h - compressed record batches from other producers (gzip,
 * snappy, lz4, zstd), each codec compiled in when its library was found.
 */
#ifndef MB_BUS_DECOMPRESS_H
#define MB_BUS_DECOMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "msgbus/error.h"

#ifndef MSGBUS_HAVE_ZLIB
#define MSGBUS_HAVE_ZLIB 0
#endif
#ifndef MSGBUS_HAVE_LZ4
#define MSGBUS_HAVE_LZ4 0
#endif
#ifndef MSGBUS_HAVE_ZSTD
#define MSGBUS_HAVE_ZSTD 0
#endif
#ifndef MSGBUS_HAVE_SNAPPY
#define MSGBUS_HAVE_SNAPPY 0
#endif

/**
 * Decompress @p n bytes at @p in, compressed with batch codec @p codec
 * (mb_compression), into @p out (@p cap bytes); *@p len receives the size.
 * @return 0; MSGBUS_ERR_UNSUPPORTED_CODEC (not built in); MSGBUS_ERR_LIMIT
 *         (the output would pass @p cap); MSGBUS_ERR_COMPRESSION (corrupt or
 *         truncated); MSGBUS_ERR_MALFORMED (codec 5-7); MSGBUS_ERR_NOMEM.
 */
int mb_decompress(int codec, const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *len);

/** 1 if batches compressed with @p codec can be read. */
int mb_codec_available(int codec);

#endif /* MB_BUS_DECOMPRESS_H */
