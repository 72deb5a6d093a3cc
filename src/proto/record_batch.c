/*
 * record_batch.c - RecordBatch v2 builder and readers (see record_batch.h).
 */
#include "record_batch.h"

#include <string.h>

#include "crc32c.h"

/* Field offsets in the batch header. */
#define OFF_BATCH_LENGTH 8
#define OFF_MAGIC 16
#define OFF_CRC 17
#define OFF_ATTRIBUTES 21
#define OFF_LAST_OFFSET_DELTA 23
#define OFF_MAX_TIMESTAMP 35
#define OFF_RECORD_COUNT 57
/* Smallest batchLength of a magic 2 batch, and the least that holds a magic byte. */
#define MIN_BATCH_LENGTH (MB_BATCH_HEADER_SIZE - MB_BATCH_LOG_OVERHEAD)
#define MIN_FRAME_LENGTH 5

/* ------------------------------------------------------------------------ */
/* Builder                                                                   */
/* ------------------------------------------------------------------------ */

int mb_batch_builder_init(mb_batch_builder *b, void *buf, size_t cap, const mb_batch_params *p)
{
    mb_wr w;
    int16_t attr = 0;
    if (!b || !buf || !p)
        return MSGBUS_ERR_INVALID_ARG;
    memset(b, 0, sizeof *b);
    if (cap < MB_BATCH_HEADER_SIZE)
        return MSGBUS_ERR_NO_ROOM;
    if (p->transactional)
        attr |= MB_BATCH_ATTR_TRANSACTIONAL;
    if (p->control)
        attr |= MB_BATCH_ATTR_CONTROL;
    if (p->log_append_time)
        attr |= MB_BATCH_ATTR_LOG_APPEND_TIME;
    mb_wr_init(&w, buf, cap);
    mb_wr_i64(&w, p->base_offset);
    mb_wr_i32(&w, 0); /* batchLength, patched */
    mb_wr_i32(&w, p->partition_leader_epoch);
    mb_wr_i8(&w, MB_BATCH_MAGIC);
    mb_wr_u32(&w, 0); /* crc, patched */
    mb_wr_i16(&w, attr);
    mb_wr_i32(&w, 0); /* lastOffsetDelta, patched */
    mb_wr_i64(&w, p->base_timestamp);
    mb_wr_i64(&w, p->base_timestamp); /* maxTimestamp, patched */
    mb_wr_i64(&w, p->producer_id);
    mb_wr_i16(&w, p->producer_epoch);
    mb_wr_i32(&w, p->base_sequence);
    mb_wr_i32(&w, 0); /* record count, patched */
    if (w.err)
        return w.err;
    b->buf = (uint8_t *)buf;
    b->cap = cap;
    b->len = w.len;
    b->base_timestamp = p->base_timestamp;
    b->max_timestamp = INT64_MIN;
    return 0;
}

/* Wire size of a nullable varint-prefixed byte string (len < 0: null). */
static uint64_t varbytes_size(int32_t len)
{
    if (len < 0)
        return 1;
    return (uint64_t)mb_varint_size(len) + (uint64_t)len;
}

/* Difference of two timestamps with two's-complement wrap-around (as Kafka's Java). */
static int64_t ts_delta(int64_t ts, int64_t base)
{
    uint64_t d = (uint64_t)ts - (uint64_t)base;
    return d > (uint64_t)INT64_MAX ? -(int64_t)(~d) - 1 : (int64_t)d;
}

/* Sum up the header section (count varint included); INVALID_ARG on a bad header. */
static int headers_size(const mb_record_header *h, size_t n, uint64_t *size)
{
    size_t i;
    if (n > MSGBUS_CFG_MAX_RECORD_HEADERS)
        return MSGBUS_ERR_LIMIT;
    if (n > 0 && !h)
        return MSGBUS_ERR_INVALID_ARG;
    *size = mb_varint_size((int32_t)n);
    for (i = 0; i < n; i++) {
        if (h[i].key.len < 0 || (h[i].key.len > 0 && !h[i].key.ptr))
            return MSGBUS_ERR_INVALID_ARG;
        if (h[i].value.len > 0 && !h[i].value.ptr)
            return MSGBUS_ERR_INVALID_ARG;
        *size += varbytes_size(h[i].key.len) + varbytes_size(h[i].value.len);
    }
    return 0;
}

/* Body size (after the length varint) and total size of the next record. */
static int record_sizes(const mb_batch_builder *b, int64_t ts, mb_bytes key, mb_bytes value,
                        const mb_record_header *h, size_t n, uint64_t *body, size_t *total)
{
    uint64_t hs = 0;
    int rc = headers_size(h, n, &hs);
    if (rc)
        return rc;
    if ((key.len > 0 && !key.ptr) || (value.len > 0 && !value.ptr))
        return MSGBUS_ERR_INVALID_ARG;
    *body = 1 + (uint64_t)mb_varlong_size(ts_delta(ts, b->base_timestamp)) +
            (uint64_t)mb_varint_size(b->count) + varbytes_size(key.len) + varbytes_size(value.len) +
            hs;
    if (*body > (uint64_t)INT32_MAX - 5)
        return MSGBUS_ERR_LIMIT;
    *total = (size_t)(*body + mb_varint_size((int32_t)*body));
    /* batchLength (everything after the first 12 bytes) must stay an int32 */
    if ((uint64_t)(b->len - MB_BATCH_LOG_OVERHEAD) + *total > (uint64_t)INT32_MAX)
        return MSGBUS_ERR_LIMIT;
    return 0;
}

size_t mb_batch_record_size(const mb_batch_builder *b, int64_t ts, mb_bytes key, mb_bytes value,
                            const mb_record_header *headers, size_t n_headers)
{
    uint64_t body = 0;
    size_t total = 0;
    if (!b || !b->buf)
        return 0;
    if (record_sizes(b, ts, key, value, headers, n_headers, &body, &total))
        return 0;
    return total;
}

size_t mb_batch_record_size_bound(size_t key_len, size_t value_len, size_t n_headers,
                                  size_t headers_bytes)
{
    /* length 5 + attributes 1 + timestampDelta 10 + offsetDelta 5 + two
     * length varints 5 + 5 + header count 5 + two varints of 5 per header */
    return 36 + key_len + value_len + 10 * n_headers + headers_bytes;
}

size_t mb_batch_room(const mb_batch_builder *b)
{
    return b->cap - b->len;
}

/* A nullable varint-prefixed byte string. */
static void wr_varbytes(mb_wr *w, const void *p, int32_t len)
{
    if (len < 0) {
        mb_wr_varint(w, -1);
        return;
    }
    mb_wr_varint(w, len);
    if (len > 0)
        mb_wr_raw(w, p, (size_t)len);
}

static void wr_record(mb_wr *w, const mb_batch_builder *b, uint64_t body, int64_t ts, mb_bytes key,
                      mb_bytes value, const mb_record_header *h, size_t n)
{
    size_t i;
    mb_wr_varint(w, (int32_t)body);
    mb_wr_i8(w, 0); /* record attributes: unused */
    mb_wr_varlong(w, ts_delta(ts, b->base_timestamp));
    mb_wr_varint(w, b->count);
    wr_varbytes(w, key.ptr, key.len);
    wr_varbytes(w, value.ptr, value.len);
    mb_wr_varint(w, (int32_t)n);
    for (i = 0; i < n; i++) {
        wr_varbytes(w, h[i].key.ptr, h[i].key.len);
        wr_varbytes(w, h[i].value.ptr, h[i].value.len);
    }
}

int mb_batch_append(mb_batch_builder *b, int64_t ts, mb_bytes key, mb_bytes value,
                    const mb_record_header *headers, size_t n_headers)
{
    uint64_t body = 0;
    size_t total = 0;
    mb_wr w;
    int rc;
    if (!b || !b->buf)
        return MSGBUS_ERR_INVALID_ARG;
    if (b->finished)
        return MSGBUS_ERR_STATE;
    if (b->count >= MSGBUS_CFG_MAX_BATCH_RECORDS)
        return MSGBUS_ERR_LIMIT;
    rc = record_sizes(b, ts, key, value, headers, n_headers, &body, &total);
    if (rc)
        return rc;
    if (total > b->cap - b->len)
        return MSGBUS_ERR_NO_ROOM;
    mb_wr_init(&w, b->buf + b->len, total);
    wr_record(&w, b, body, ts, key, value, headers, n_headers);
    if (w.err || w.len != total)
        return MSGBUS_ERR_UNKNOWN; /* the size arithmetic and the writer disagree */
    b->len += total;
    b->count++;
    if (ts > b->max_timestamp)
        b->max_timestamp = ts;
    return 0;
}

/* Write a big-endian field of @p n bytes at @p off. */
static void patch_be(uint8_t *buf, size_t off, uint64_t v, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        buf[off + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

int mb_batch_finish(mb_batch_builder *b, const uint8_t **data, size_t *len)
{
    if (!b || !b->buf || !data || !len)
        return MSGBUS_ERR_INVALID_ARG;
    *data = b->buf;
    *len = b->count > 0 ? b->len : 0;
    if (b->finished || b->count == 0) {
        b->finished = 1;
        return 0;
    }
    patch_be(b->buf, OFF_BATCH_LENGTH, (uint32_t)(b->len - MB_BATCH_LOG_OVERHEAD), 4);
    patch_be(b->buf, OFF_LAST_OFFSET_DELTA, (uint32_t)(b->count - 1), 4);
    patch_be(b->buf, OFF_MAX_TIMESTAMP, (uint64_t)b->max_timestamp, 8);
    patch_be(b->buf, OFF_RECORD_COUNT, (uint32_t)b->count, 4);
    patch_be(b->buf, OFF_CRC, mb_crc32c(0, b->buf + OFF_ATTRIBUTES, b->len - OFF_ATTRIBUTES), 4);
    b->finished = 1;
    return 0;
}

int mb_batch_reseal(uint8_t *buf, size_t len, int16_t attributes)
{
    if (!buf || len < MB_BATCH_HEADER_SIZE || buf[OFF_MAGIC] != MB_BATCH_MAGIC)
        return MSGBUS_ERR_INVALID_ARG;
    if (len - MB_BATCH_LOG_OVERHEAD > INT32_MAX)
        return MSGBUS_ERR_LIMIT;
    patch_be(buf, OFF_BATCH_LENGTH, (uint32_t)(len - MB_BATCH_LOG_OVERHEAD), 4);
    patch_be(buf, OFF_ATTRIBUTES, (uint16_t)attributes, 2);
    patch_be(buf, OFF_CRC, mb_crc32c(0, buf + OFF_ATTRIBUTES, len - OFF_ATTRIBUTES), 4);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Batch reader                                                              */
/* ------------------------------------------------------------------------ */

int mb_batch_compression(const mb_batch *b)
{
    return b->attributes & MB_BATCH_ATTR_COMPRESSION;
}

int mb_batch_is_control(const mb_batch *b)
{
    return (b->attributes & MB_BATCH_ATTR_CONTROL) != 0;
}

int mb_batch_is_transactional(const mb_batch *b)
{
    return (b->attributes & MB_BATCH_ATTR_TRANSACTIONAL) != 0;
}

int mb_batch_timestamp_type(const mb_batch *b)
{
    return (b->attributes & MB_BATCH_ATTR_LOG_APPEND_TIME) != 0;
}

int mb_batch_has_delete_horizon(const mb_batch *b)
{
    return (b->attributes & MB_BATCH_ATTR_DELETE_HORIZON) != 0;
}

/* a + d with two's-complement wrap-around (hostile offsets must not overflow). */
static int64_t add_wrap(int64_t a, int64_t d)
{
    uint64_t s = (uint64_t)a + (uint64_t)d;
    return s > (uint64_t)INT64_MAX ? -(int64_t)(~s) - 1 : (int64_t)s;
}

int64_t mb_batch_last_offset(const mb_batch *b)
{
    return add_wrap(b->base_offset, b->last_offset_delta);
}

void mb_batch_iter_init(mb_batch_iter *it, const void *data, size_t len)
{
    mb_rd_init(&it->rd, data, len);
    it->err = 0;
}

/* Header fields after magic; the reader stands at the crc. */
static void read_header_tail(mb_rd *r, mb_batch *bt)
{
    mb_rd_u32(r, &bt->crc);
    mb_rd_i16(r, &bt->attributes);
    mb_rd_i32(r, &bt->last_offset_delta);
    mb_rd_i64(r, &bt->base_timestamp);
    mb_rd_i64(r, &bt->max_timestamp);
    mb_rd_i64(r, &bt->producer_id);
    mb_rd_i16(r, &bt->producer_epoch);
    mb_rd_i32(r, &bt->base_sequence);
    mb_rd_i32(r, &bt->record_count);
}

/* Decode and check one whole batch of @p size bytes (framing already checked). */
static int parse_batch(const uint8_t *data, size_t size, mb_batch *bt)
{
    mb_rd r;
    mb_rd_init(&r, data, size);
    mb_rd_i64(&r, &bt->base_offset);
    mb_rd_i32(&r, &bt->batch_length);
    mb_rd_i32(&r, &bt->partition_leader_epoch);
    mb_rd_i8(&r, &bt->magic);
    bt->data = data;
    bt->size = size;
    if (r.err)
        return MSGBUS_ERR_MALFORMED;
    if (bt->magic != MB_BATCH_MAGIC)
        return MSGBUS_ERR_UNSUPPORTED_VERSION;
    if (bt->batch_length < MIN_BATCH_LENGTH)
        return MSGBUS_ERR_MALFORMED;
    read_header_tail(&r, bt);
    if (r.err)
        return MSGBUS_ERR_MALFORMED;
    bt->records = r.p;
    bt->records_len = r.left;
    if (mb_crc32c(0, data + OFF_ATTRIBUTES, size - OFF_ATTRIBUTES) != bt->crc)
        return MSGBUS_ERR_CRC;
    if (bt->record_count < 0)
        return MSGBUS_ERR_MALFORMED;
    if (bt->record_count > MSGBUS_CFG_MAX_BATCH_RECORDS)
        return MSGBUS_ERR_LIMIT;
    if (mb_batch_compression(bt) == MB_COMPRESSION_NONE &&
        (uint64_t)bt->record_count * MB_RECORD_MIN_SIZE > bt->records_len)
        return MSGBUS_ERR_MALFORMED;
    return 0;
}

int mb_batch_next(mb_batch_iter *it, mb_batch *batch)
{
    mb_rd peek;
    int64_t base = 0;
    int32_t blen = 0;
    const uint8_t *data = NULL;
    size_t size;
    memset(batch, 0, sizeof *batch);
    if (it->err)
        return it->err;
    if (it->rd.left == 0)
        return MB_ITER_END;
    if (it->rd.left < MB_BATCH_LOG_OVERHEAD)
        return MB_BATCH_INCOMPLETE;
    peek = it->rd;
    mb_rd_i64(&peek, &base);
    mb_rd_i32(&peek, &blen);
    if (blen < MIN_FRAME_LENGTH)
        return it->err = MSGBUS_ERR_MALFORMED;
    if (blen > MSGBUS_CFG_MAX_BYTES_LEN)
        return it->err = MSGBUS_ERR_LIMIT;
    size = MB_BATCH_LOG_OVERHEAD + (size_t)blen;
    if (it->rd.left < size)
        return MB_BATCH_INCOMPLETE;
    if (mb_rd_raw(&it->rd, size, &data))
        return it->err = it->rd.err;
    return parse_batch(data, size, batch);
}

/* ------------------------------------------------------------------------ */
/* Record reader                                                             */
/* ------------------------------------------------------------------------ */

int mb_record_iter_init(mb_record_iter *it, const mb_batch *batch)
{
    int codec = mb_batch_compression(batch);
    memset(it, 0, sizeof *it);
    mb_rd_init(&it->rd, batch->records, batch->records_len);
    if (codec != MB_COMPRESSION_NONE)
        return mb_rd_fail(&it->rd, codec <= MB_COMPRESSION_ZSTD ? MSGBUS_ERR_UNSUPPORTED_CODEC
                                                                : MSGBUS_ERR_MALFORMED);
    if (batch->record_count < 0 || batch->record_count > MSGBUS_CFG_MAX_BATCH_RECORDS)
        return mb_rd_fail(&it->rd, MSGBUS_ERR_MALFORMED);
    it->base_offset = batch->base_offset;
    it->base_timestamp = batch->base_timestamp;
    it->log_append = mb_batch_timestamp_type(batch);
    it->log_append_time = batch->max_timestamp;
    it->left = batch->record_count;
    return 0;
}

/*
 * Fast paths over mb_rd for the per-record fields. A record is a dozen tiny
 * fields, so these are kept local (inlinable) instead of calling codec.c for
 * each; they keep mb_rd's rules exactly: nothing past p + left is read, the
 * first error sticks, varints are at most 5 (int) or 10 (long) bytes with
 * the same checks of the last byte.
 */
/* The general case: up to @p max_bytes bytes, the last checked against @p last_mask. */
static int slow_uvar(mb_rd *r, unsigned max_bytes, uint8_t last_mask, uint64_t *v)
{
    uint64_t acc = 0;
    unsigned i;
    for (i = 0; i < max_bytes && i < r->left; i++) {
        uint8_t b = r->p[i];
        if (i == max_bytes - 1 && (b & last_mask))
            return mb_rd_fail(r, MSGBUS_ERR_MALFORMED);
        acc |= (uint64_t)(b & 0x7fu) << (7 * i);
        if (!(b & 0x80u)) {
            r->p += i + 1;
            r->left -= i + 1;
            *v = acc;
            return 0;
        }
    }
    return mb_rd_fail(r, i == max_bytes ? MSGBUS_ERR_MALFORMED : MSGBUS_ERR_TRUNCATED);
}

/* Small enough to inline: the one- and two-byte cases, else slow_uvar(). */
static inline int fast_uvar(mb_rd *r, unsigned max_bytes, uint8_t last_mask, uint64_t *v)
{
    if (r->err)
        return r->err;
    if (r->left > 0 && !(r->p[0] & 0x80u)) {
        *v = r->p[0];
        r->p++;
        r->left--;
        return 0;
    }
    if (r->left > 1 && !(r->p[1] & 0x80u)) {
        *v = (uint64_t)(r->p[0] & 0x7fu) | (uint64_t)r->p[1] << 7;
        r->p += 2;
        r->left -= 2;
        return 0;
    }
    return slow_uvar(r, max_bytes, last_mask, v);
}

/* VARINT (zigzag, 32-bit). */
static inline int fast_varint(mb_rd *r, int32_t *v)
{
    uint64_t u = 0;
    uint32_t w;
    int rc = fast_uvar(r, 5, 0xf0, &u);
    w = (uint32_t)u;
    *v = (int32_t)((w >> 1) ^ (~(w & 1u) + 1u));
    return rc;
}

/* VARLONG (zigzag, 64-bit). */
static inline int fast_varlong(mb_rd *r, int64_t *v)
{
    uint64_t u = 0;
    int rc = fast_uvar(r, 10, 0xfe, &u);
    *v = (int64_t)((u >> 1) ^ (~(u & 1u) + 1u));
    return rc;
}

static int fast_i8(mb_rd *r, int8_t *v)
{
    if (r->err)
        return r->err;
    if (r->left < 1)
        return mb_rd_fail(r, MSGBUS_ERR_TRUNCATED);
    *v = (int8_t)r->p[0];
    r->p++;
    r->left--;
    return 0;
}

static int fast_raw(mb_rd *r, size_t n, const uint8_t **p)
{
    if (r->err)
        return r->err;
    if (n > r->left)
        return mb_rd_fail(r, MSGBUS_ERR_TRUNCATED);
    *p = r->p;
    r->p += n;
    r->left -= n;
    return 0;
}

/* A varint-prefixed byte string; null (-1) only when @p nullable. */
static int rd_varbytes(mb_rd *r, int nullable, const uint8_t **p, int32_t *len)
{
    *p = NULL;
    if (fast_varint(r, len))
        return r->err;
    if (*len < 0) {
        if (*len == -1 && nullable)
            return 0;
        return mb_rd_fail(r, MSGBUS_ERR_MALFORMED);
    }
    return fast_raw(r, (size_t)*len, p);
}

/* One header; the same code validates (mb_record_next) and iterates. */
static int rd_header(mb_rd *r, mb_record_header *h)
{
    const uint8_t *k = NULL;
    if (rd_varbytes(r, 0, &k, &h->key.len))
        return r->err;
    h->key.ptr = (const char *)k;
    return rd_varbytes(r, 1, &h->value.ptr, &h->value.len);
}

/* The header count, then every header checked; the record must end with them. */
static int rd_headers(mb_rd *r, mb_record *rec)
{
    mb_record_header h;
    int32_t i;
    if (fast_varint(r, &rec->n_headers))
        return r->err;
    if (rec->n_headers < 0)
        return mb_rd_fail(r, MSGBUS_ERR_MALFORMED);
    if (rec->n_headers > MSGBUS_CFG_MAX_RECORD_HEADERS)
        return mb_rd_fail(r, MSGBUS_ERR_LIMIT);
    if ((size_t)rec->n_headers * 2 > r->left)
        return mb_rd_fail(r, MSGBUS_ERR_MALFORMED);
    rec->headers = r->p;
    rec->headers_len = r->left;
    for (i = 0; i < rec->n_headers; i++)
        if (rd_header(r, &h))
            return r->err;
    return r->left ? mb_rd_fail(r, MSGBUS_ERR_MALFORMED) : r->err;
}

static int rd_record(const mb_record_iter *it, mb_rd *r, mb_record *rec)
{
    fast_i8(r, &rec->attributes);
    fast_varlong(r, &rec->timestamp_delta);
    fast_varint(r, &rec->offset_delta);
    rd_varbytes(r, 1, &rec->key.ptr, &rec->key.len);
    rd_varbytes(r, 1, &rec->value.ptr, &rec->value.len);
    if (r->err || rd_headers(r, rec))
        return r->err;
    rec->offset = add_wrap(it->base_offset, rec->offset_delta);
    rec->timestamp =
        it->log_append ? it->log_append_time : add_wrap(it->base_timestamp, rec->timestamp_delta);
    return 0;
}

int mb_record_next(mb_record_iter *it, mb_record *rec)
{
    int32_t len = 0;
    mb_rd r;
    int rc;
    rec->n_headers = 0;
    rec->headers = NULL;
    rec->headers_len = 0;
    if (it->rd.err)
        return it->rd.err;
    if (it->left == 0)
        return it->rd.left ? mb_rd_fail(&it->rd, MSGBUS_ERR_MALFORMED) : MB_ITER_END;
    r = it->rd; /* read the length on a copy: running out here is MALFORMED too */
    fast_varint(&r, &len);
    if (r.err || len < 0 || (size_t)len > r.left)
        return mb_rd_fail(&it->rd, MSGBUS_ERR_MALFORMED);
    it->rd.p = r.p + len;
    it->rd.left = r.left - (size_t)len;
    r.left = (size_t)len; /* the record's own reader */
    rc = rd_record(it, &r, rec);
    if (rc)
        return mb_rd_fail(&it->rd, rc == MSGBUS_ERR_TRUNCATED ? MSGBUS_ERR_MALFORMED : rc);
    it->left--;
    return 0;
}

void mb_header_iter_init(mb_header_iter *it, const mb_record *rec)
{
    mb_rd_init(&it->rd, rec->headers, rec->headers_len);
    it->left = rec->n_headers;
}

int mb_header_next(mb_header_iter *it, mb_record_header *h)
{
    h->key = MB_STR_NULL;
    h->value = MB_BYTES_NULL;
    if (it->rd.err)
        return it->rd.err;
    if (it->left <= 0)
        return MB_ITER_END;
    if (rd_header(&it->rd, h))
        return it->rd.err;
    it->left--;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Control records                                                           */
/* ------------------------------------------------------------------------ */

int mb_control_record_read(const mb_record *rec, mb_control_record *c)
{
    mb_rd r;
    memset(c, 0, sizeof *c);
    if (rec->key.len < 4)
        return MSGBUS_ERR_MALFORMED;
    mb_rd_init(&r, rec->key.ptr, (size_t)rec->key.len);
    mb_rd_i16(&r, &c->version);
    mb_rd_i16(&r, &c->type);
    if (c->version < 0)
        return MSGBUS_ERR_MALFORMED;
    if (c->type != MB_CONTROL_ABORT && c->type != MB_CONTROL_COMMIT)
        return 0;
    if (rec->value.len < 6)
        return MSGBUS_ERR_MALFORMED;
    mb_rd_init(&r, rec->value.ptr, (size_t)rec->value.len);
    mb_rd_i16(&r, &c->marker_version);
    mb_rd_i32(&r, &c->coordinator_epoch);
    if (c->marker_version < 0)
        return MSGBUS_ERR_MALFORMED;
    c->has_marker = 1;
    return 0;
}

void mb_control_marker_encode(int16_t type, int32_t coordinator_epoch, uint8_t key[4],
                              uint8_t value[6])
{
    patch_be(key, 0, 0, 2);
    patch_be(key, 2, (uint16_t)type, 2);
    patch_be(value, 0, 0, 2);
    patch_be(value, 2, (uint32_t)coordinator_epoch, 4);
}
