/*
 * fuzz_record_batch.c - libFuzzer target for the RecordBatch v2 readers.
 *
 * Input: one mode byte, then a RECORDS blob.
 *   mode bit 0: before reading, patch a correct CRC into every batch whose
 *               framing is whole, so mutations get past the CRC check;
 *   mode bit 1: re-encode every batch that decodes fully with the builder,
 *               decode that again and abort() on any difference.
 * Every batch, record, header and control record is walked; any pointer
 * outside the input, or a result the API does not document, abort()s.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/crc32c.h"
#include "proto/record_batch.h"

#define MAX_INPUT (256 * 1024)

static uint8_t input[MAX_INPUT];
static uint8_t rebuilt[4 * MAX_INPUT + 1024];
static mb_record_header hdrs[MSGBUS_CFG_MAX_RECORD_HEADERS];

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void patch_crcs(uint8_t *p, size_t n)
{
    size_t pos = 0;
    while (n - pos >= MB_BATCH_HEADER_SIZE) {
        uint32_t blen = be32(p + pos + 8), c;
        if (blen < MB_BATCH_HEADER_SIZE - 12 || blen > n - pos - 12)
            return;
        c = mb_crc32c(0, p + pos + 21, blen - 9);
        p[pos + 17] = (uint8_t)(c >> 24);
        p[pos + 18] = (uint8_t)(c >> 16);
        p[pos + 19] = (uint8_t)(c >> 8);
        p[pos + 20] = (uint8_t)c;
        pos += 12 + (size_t)blen;
    }
}

static void check_in(const mb_batch *bt, const uint8_t *p, int32_t len)
{
    if (len < -1)
        abort();
    if (len > 0 && (p < bt->data || p + len > bt->data + bt->size))
        abort();
}

/* Collect a record's headers into hdrs; returns the count. */
static size_t collect_headers(const mb_batch *bt, const mb_record *rec)
{
    mb_header_iter hi;
    size_t n = 0;
    int rc;
    mb_header_iter_init(&hi, rec);
    while ((rc = mb_header_next(&hi, &hdrs[n])) == 0) {
        if (hdrs[n].key.len < 0)
            abort();
        check_in(bt, (const uint8_t *)hdrs[n].key.ptr, hdrs[n].key.len);
        check_in(bt, hdrs[n].value.ptr, hdrs[n].value.len);
        if (++n > MSGBUS_CFG_MAX_RECORD_HEADERS)
            abort();
    }
    if (rc != MB_ITER_END || n != (size_t)rec->n_headers)
        abort(); /* headers were validated by mb_record_next */
    return n;
}

/* Walk the records; 1 if all decoded. */
static int walk_records(const mb_batch *bt)
{
    mb_record_iter ri;
    mb_record rec;
    mb_control_record c;
    int rc = mb_record_iter_init(&ri, bt);
    int32_t n = 0;
    if (rc)
        return 0;
    while ((rc = mb_record_next(&ri, &rec)) == 0) {
        check_in(bt, rec.key.ptr, rec.key.len);
        check_in(bt, rec.value.ptr, rec.value.len);
        collect_headers(bt, &rec);
        if (mb_batch_is_control(bt))
            (void)mb_control_record_read(&rec, &c);
        n++;
    }
    if (rc == MB_ITER_END && n != bt->record_count)
        abort();
    return rc == MB_ITER_END;
}

static void rebuild(const mb_batch *bt, const uint8_t **out, size_t *len)
{
    mb_batch_builder b;
    mb_batch_params p;
    mb_record_iter ri;
    mb_record rec;
    p.base_offset = bt->base_offset;
    p.base_timestamp = bt->base_timestamp;
    p.producer_id = bt->producer_id;
    p.producer_epoch = bt->producer_epoch;
    p.base_sequence = bt->base_sequence;
    p.partition_leader_epoch = bt->partition_leader_epoch;
    p.transactional = mb_batch_is_transactional(bt);
    p.control = mb_batch_is_control(bt);
    p.log_append_time = mb_batch_timestamp_type(bt);
    if (mb_batch_builder_init(&b, rebuilt, sizeof rebuilt, &p) || mb_record_iter_init(&ri, bt))
        abort();
    while (mb_record_next(&ri, &rec) == 0) {
        size_t nh = collect_headers(bt, &rec);
        if (mb_batch_append(&b, rec.timestamp, rec.key, rec.value, hdrs, nh))
            abort();
    }
    if (mb_batch_finish(&b, out, len))
        abort();
}

static void same_record(const mb_record *a, const mb_record *b, int32_t index)
{
    mb_header_iter ha, hb;
    mb_record_header x, y;
    int ra, rb;
    if (a->timestamp != b->timestamp || !mb_bytes_eq(a->key, b->key) ||
        !mb_bytes_eq(a->value, b->value) || a->n_headers != b->n_headers ||
        b->offset_delta != index)
        abort();
    mb_header_iter_init(&ha, a);
    mb_header_iter_init(&hb, b);
    do {
        ra = mb_header_next(&ha, &x);
        rb = mb_header_next(&hb, &y);
        if (ra != rb || (ra == 0 && (!mb_str_eq(x.key, y.key) || !mb_bytes_eq(x.value, y.value))))
            abort();
    } while (ra == 0);
}

/* Re-encode a fully decoded batch, decode it again, compare. */
static void roundtrip(const mb_batch *bt)
{
    const uint8_t *out = NULL;
    size_t len = 0;
    mb_batch_iter it;
    mb_batch b2;
    mb_record_iter r1, r2;
    mb_record a, b;
    int32_t i = 0;
    rebuild(bt, &out, &len);
    if (bt->record_count == 0) {
        if (len != 0)
            abort();
        return;
    }
    mb_batch_iter_init(&it, out, len);
    if (mb_batch_next(&it, &b2) || mb_batch_next(&it, &b2) != MB_ITER_END)
        abort();
    mb_batch_iter_init(&it, out, len);
    mb_batch_next(&it, &b2);
    if (b2.base_offset != bt->base_offset || b2.producer_id != bt->producer_id ||
        b2.producer_epoch != bt->producer_epoch || b2.base_sequence != bt->base_sequence ||
        b2.partition_leader_epoch != bt->partition_leader_epoch ||
        b2.record_count != bt->record_count || (b2.attributes & 0x38) != (bt->attributes & 0x38))
        abort();
    if (mb_record_iter_init(&r1, bt) || mb_record_iter_init(&r2, &b2))
        abort();
    while (mb_record_next(&r1, &a) == 0) {
        if (mb_record_next(&r2, &b))
            abort();
        same_record(&a, &b, i++);
    }
    if (mb_record_next(&r2, &b) != MB_ITER_END)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mb_batch_iter it;
    mb_batch bt;
    int mode, rc, guard = 0;
    if (size < 1 || size - 1 > MAX_INPUT)
        return 0;
    mode = data[0];
    memcpy(input, data + 1, size - 1);
    if (mode & 1)
        patch_crcs(input, size - 1);
    mb_batch_iter_init(&it, input, size - 1);
    while ((rc = mb_batch_next(&it, &bt)) != MB_ITER_END && rc != MB_BATCH_INCOMPLETE) {
        if (rc > 0 || ++guard > (int)size)
            abort(); /* undocumented result, or no progress */
        if (rc < 0) {
            if (it.err)
                break; /* sticky framing error */
            continue;
        }
        if (bt.data < input || bt.data + bt.size > input + size - 1)
            abort();
        if (walk_records(&bt) && (mode & 2))
            roundtrip(&bt);
    }
    return 0;
}
