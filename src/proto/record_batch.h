/*
 * record_batch.h - Kafka RecordBatch v2 (magic 2): a builder that encodes
 * records straight into a caller buffer, and readers that walk a RECORDS blob
 * (batches, records, record headers) in place.
 *
 * Layout of a batch (big-endian; offsets in bytes):
 *   0 baseOffset int64         8 batchLength int32 (bytes after this field)
 *  12 partitionLeaderEpoch int32  16 magic int8 (2)  17 crc uint32
 *  21 attributes int16        23 lastOffsetDelta int32
 *  27 baseTimestamp int64     35 maxTimestamp int64
 *  43 producerId int64        51 producerEpoch int16  53 baseSequence int32
 *  57 records count int32     61 records...
 * The crc is CRC-32C of everything from attributes (offset 21) to the end.
 * A record: length varint, attributes int8, timestampDelta varlong,
 * offsetDelta varint, keyLength varint (-1 null), key, valueLength varint
 * (-1 null), value, headers count varint, then per header: keyLength varint,
 * key, valueLength varint (-1 null), value.
 *
 * No heap, no I/O. Decoded keys, values and headers point into the input.
 */
#ifndef MB_PROTO_RECORD_BATCH_H
#define MB_PROTO_RECORD_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"

/** The only batch format supported. */
#define MB_BATCH_MAGIC 2
/** Bytes before the first record (the whole batch header). */
#define MB_BATCH_HEADER_SIZE 61
/** baseOffset + batchLength: the bytes not counted in batchLength. */
#define MB_BATCH_LOG_OVERHEAD 12
/** Fewest bytes one record can take (length, attributes, deltas, two nulls, 0 headers). */
#define MB_RECORD_MIN_SIZE 7

/* Batch attributes bits. */
#define MB_BATCH_ATTR_COMPRESSION 0x07     /**< bits 0-2: compression codec (mb_compression) */
#define MB_BATCH_ATTR_LOG_APPEND_TIME 0x08 /**< bit 3: timestamps are LogAppendTime */
#define MB_BATCH_ATTR_TRANSACTIONAL 0x10   /**< bit 4 */
#define MB_BATCH_ATTR_CONTROL 0x20         /**< bit 5: records are control records */
#define MB_BATCH_ATTR_DELETE_HORIZON 0x40  /**< bit 6: baseTimestamp is the delete horizon */

/** Compression codecs (attributes bits 0-2). */
typedef enum mb_compression {
    MB_COMPRESSION_NONE = 0,
    MB_COMPRESSION_GZIP = 1,
    MB_COMPRESSION_SNAPPY = 2,
    MB_COMPRESSION_LZ4 = 3,
    MB_COMPRESSION_ZSTD = 4
} mb_compression;

/** Positive iterator results (not errors). */
#define MB_ITER_END 1         /**< no more batches / records / headers */
#define MB_BATCH_INCOMPLETE 2 /**< the rest of the input is a batch cut short */

/** One record header: a non-null key, a value that may be null. */
typedef struct mb_record_header {
    mb_str key;
    mb_bytes value;
} mb_record_header;

/* ------------------------------------------------------------------------ */
/* Builder                                                                   */
/* ------------------------------------------------------------------------ */

/** The per-batch fields a builder starts from. */
typedef struct mb_batch_params {
    int64_t base_offset;            /**< usually 0 from a producer */
    int64_t base_timestamp;         /**< record timestamps are stored relative to it */
    int64_t producer_id;            /**< -1 if not idempotent */
    int16_t producer_epoch;         /**< -1 if not idempotent */
    int32_t base_sequence;          /**< -1 if not idempotent */
    int32_t partition_leader_epoch; /**< -1 from a producer */
    int transactional;              /**< non-zero sets attributes bit 4 */
    int control;                    /**< non-zero sets attributes bit 5 (control batch) */
    int log_append_time;            /**< non-zero sets attributes bit 3 */
} mb_batch_params;

/** A batch being built in a caller buffer. Treat the fields as private. */
typedef struct mb_batch_builder {
    uint8_t *buf;
    size_t cap;
    size_t len;             /**< bytes used, header included */
    int64_t base_timestamp; /**< copy of the params' */
    int64_t max_timestamp;  /**< largest record timestamp so far */
    int32_t count;          /**< records appended */
    int finished;
} mb_batch_builder;

/**
 * Start a batch in @p buf (uncompressed, magic 2). Writes the header with
 * placeholders. NO_ROOM if @p cap < MB_BATCH_HEADER_SIZE, INVALID_ARG on NULLs.
 */
int mb_batch_builder_init(mb_batch_builder *b, void *buf, size_t cap, const mb_batch_params *p);

/**
 * Bytes the next mb_batch_append() with these arguments would add (the
 * record with its length prefix), or 0 if the record is invalid (null
 * header key, bad pointer) or too large for a batch.
 */
size_t mb_batch_record_size(const mb_batch_builder *b, int64_t ts, mb_bytes key, mb_bytes value,
                            const mb_record_header *headers, size_t n_headers);

/**
 * Upper bound of the bytes one record adds, from sizes alone (any timestamp,
 * any offset): @p headers_bytes is the sum of all header key and value lengths.
 */
size_t mb_batch_record_size_bound(size_t key_len, size_t value_len, size_t n_headers,
                                  size_t headers_bytes);

/** Bytes left in the builder's buffer. */
size_t mb_batch_room(const mb_batch_builder *b);

/**
 * Append one record (offset delta = records so far, timestamp delta =
 * @p ts - base timestamp), encoded straight into the buffer. Keys/values use
 * len < 0 for null; header keys must not be null. Returns 0, NO_ROOM (batch
 * unchanged) when it does not fit, LIMIT past MSGBUS_CFG_MAX_BATCH_RECORDS or
 * MSGBUS_CFG_MAX_RECORD_HEADERS or a batch over INT32_MAX bytes, INVALID_ARG
 * on bad arguments, STATE after mb_batch_finish().
 */
int mb_batch_append(mb_batch_builder *b, int64_t ts, mb_bytes key, mb_bytes value,
                    const mb_record_header *headers, size_t n_headers);

/**
 * Patch batchLength, lastOffsetDelta, maxTimestamp, the record count and the
 * CRC; *data / *len receive the batch. A builder with no records finishes to
 * zero bytes (Kafka sends no empty batches). Calling it again returns the same.
 */
int mb_batch_finish(mb_batch_builder *b, const uint8_t **data, size_t *len);

/**
 * Seal a batch laid out in @p buf (@p len bytes from baseOffset) whose
 * records section was replaced, e.g. by its compressed form behind a copied
 * header: set the attributes to @p attributes, batchLength to
 * @p len - MB_BATCH_LOG_OVERHEAD, and recompute the CRC. The other header
 * fields (record count, offsets, timestamps, producer fields) stay. Returns
 * 0; INVALID_ARG if @p len < MB_BATCH_HEADER_SIZE or the magic is not 2;
 * LIMIT if the batch would pass INT32_MAX bytes.
 */
int mb_batch_reseal(uint8_t *buf, size_t len, int16_t attributes);

/* ------------------------------------------------------------------------ */
/* Reader                                                                    */
/* ------------------------------------------------------------------------ */

/** A decoded batch header; data/records point into the input. */
typedef struct mb_batch {
    int64_t base_offset;
    int32_t batch_length;
    int32_t partition_leader_epoch;
    int8_t magic;
    uint32_t crc;
    int16_t attributes;
    int32_t last_offset_delta;
    int64_t base_timestamp;
    int64_t max_timestamp;
    int64_t producer_id;
    int16_t producer_epoch;
    int32_t base_sequence;
    int32_t record_count;
    const uint8_t *data;    /**< the whole batch, from baseOffset */
    size_t size;            /**< MB_BATCH_LOG_OVERHEAD + batch_length */
    const uint8_t *records; /**< the records section (compressed if a codec is set) */
    size_t records_len;
} mb_batch;

/** Compression codec of a batch (attributes bits 0-2; 5-7 are invalid). */
int mb_batch_compression(const mb_batch *b);
/** 1 if the batch holds control records. */
int mb_batch_is_control(const mb_batch *b);
/** 1 if the batch is part of a transaction. */
int mb_batch_is_transactional(const mb_batch *b);
/** 1 if timestamps are LogAppendTime (then every record's is max_timestamp), 0 if CreateTime. */
int mb_batch_timestamp_type(const mb_batch *b);
/** 1 if attributes bit 6 is set (baseTimestamp is the delete horizon). */
int mb_batch_has_delete_horizon(const mb_batch *b);
/** Offset of the batch's last record (base_offset + last_offset_delta). */
int64_t mb_batch_last_offset(const mb_batch *b);

/** Walks the batches of a RECORDS blob. */
typedef struct mb_batch_iter {
    mb_rd rd;
    int err; /**< sticky framing error */
} mb_batch_iter;

/** Iterate the batches in @p len bytes at @p data (a RECORDS field). */
void mb_batch_iter_init(mb_batch_iter *it, const void *data, size_t len);

/**
 * Next batch into @p batch. Returns:
 *  - 0: a whole batch of magic 2 whose CRC matched;
 *  - MB_ITER_END: the input is used up;
 *  - MB_BATCH_INCOMPLETE: the rest of the input is shorter than the batch it
 *    starts (fewer than 12 bytes, or fewer than 12 + batchLength): a fetch
 *    response may end so; stop here, it is not an error (every later call
 *    returns it again);
 *  - MSGBUS_ERR_CRC (mismatch) or MSGBUS_ERR_UNSUPPORTED_VERSION (magic not 2):
 *    the iterator has moved past this batch (@p batch holds what was read),
 *    so the caller may skip it and call again;
 *  - MSGBUS_ERR_MALFORMED / LIMIT for a broken header (batchLength below 49,
 *    negative or too large record count): the iterator has moved past the
 *    batch as for a CRC error; but when the framing itself is broken
 *    (batchLength below 5, too short for a magic byte, or above
 *    MSGBUS_CFG_MAX_BYTES_LEN) nothing after it can be trusted and the error
 *    is sticky.
 */
int mb_batch_next(mb_batch_iter *it, mb_batch *batch);

/** One record, decoded in place. */
typedef struct mb_record {
    int64_t offset;          /**< base offset + offset delta */
    int64_t timestamp;       /**< base timestamp + delta, or max_timestamp under LogAppendTime */
    int64_t timestamp_delta; /**< as on the wire */
    int32_t offset_delta;    /**< as on the wire */
    int8_t attributes;       /**< record attributes (unused by Kafka so far) */
    mb_bytes key;            /**< len -1: null */
    mb_bytes value;          /**< len -1: null */
    int32_t n_headers;
    const uint8_t *headers; /**< the encoded headers (already validated) */
    size_t headers_len;
} mb_record;

/** Walks the records of one uncompressed batch. */
typedef struct mb_record_iter {
    mb_rd rd;
    int64_t base_offset;
    int64_t base_timestamp;
    int64_t log_append_time; /**< used when log_append is set */
    int32_t left;            /**< records still to read */
    int log_append;
} mb_record_iter;

/**
 * Start on the records of @p batch. UNSUPPORTED_CODEC for a compressed batch
 * (codecs 1-4; the header stays usable), MALFORMED for codecs 5-7.
 */
int mb_record_iter_init(mb_record_iter *it, const mb_batch *batch);

/**
 * Next record into @p rec: 0, MB_ITER_END after the declared count (the
 * records must fill the batch exactly), or a sticky negative error
 * (MALFORMED for a bad length, count or field, LIMIT above
 * MSGBUS_CFG_MAX_RECORD_HEADERS headers). Headers are validated here.
 */
int mb_record_next(mb_record_iter *it, mb_record *rec);

/** Walks the headers of one record. */
typedef struct mb_header_iter {
    mb_rd rd;
    int32_t left;
} mb_header_iter;

/** Start on the headers of @p rec (from mb_record_next()). */
void mb_header_iter_init(mb_header_iter *it, const mb_record *rec);
/** Next header: 0, MB_ITER_END, or a negative error. */
int mb_header_next(mb_header_iter *it, mb_record_header *h);

/* ------------------------------------------------------------------------ */
/* Control records (in batches with MB_BATCH_ATTR_CONTROL)                   */
/* ------------------------------------------------------------------------ */

#define MB_CONTROL_ABORT 0  /**< transaction abort marker */
#define MB_CONTROL_COMMIT 1 /**< transaction commit marker */

/** A decoded control record. */
typedef struct mb_control_record {
    int16_t version;           /**< key version (0 today) */
    int16_t type;              /**< MB_CONTROL_ABORT, MB_CONTROL_COMMIT or another type */
    int has_marker;            /**< 1 for abort/commit: the value was parsed */
    int16_t marker_version;    /**< value version (0 today) */
    int32_t coordinator_epoch; /**< value: transaction coordinator epoch */
} mb_control_record;

/**
 * Decode a control record: key = version int16 + type int16 (more key bytes,
 * from later versions, are ignored); for abort/commit the value is version
 * int16 + coordinatorEpoch int32. MALFORMED if the key is null, short or has a
 * negative version, or an abort/commit value is null or short.
 */
int mb_control_record_read(const mb_record *rec, mb_control_record *c);

/** Encode an abort/commit marker's key (4 bytes) and value (6 bytes), version 0. */
void mb_control_marker_encode(int16_t type, int32_t coordinator_epoch, uint8_t key[4],
                              uint8_t value[6]);

#endif /* MB_PROTO_RECORD_BATCH_H */
