/*
 * msgbus_codec_demo - the Kafka codec end to end, with no broker:
 * build a RecordBatch v2 (keys, a null key, headers, an empty value), wrap it
 * in a Produce v7 request frame, print the frame's bytes, then decode the
 * frame back (size prefix, request header, Produce body, batch with CRC-32C
 * check, records, headers) and print what came out.
 */
#include <stdio.h>
#include <string.h>

#include "proto/api.h"
#include "proto/produce.h"
#include "proto/record_batch.h"

static void hexdump(const uint8_t *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        printf("%02x%s", p[i], (i % 32 == 31 || i + 1 == n) ? "\n" : (i % 4 == 3 ? " " : ""));
}

static void print_bytes(const char *label, mb_bytes b)
{
    if (b.len < 0)
        printf("%s=(null)", label);
    else
        printf("%s=\"%.*s\"", label, (int)b.len, (const char *)b.ptr);
}

static int build_batch(uint8_t *buf, size_t cap, const uint8_t **batch, size_t *len)
{
    static const mb_record_header hdr[] = {{{"unit", 4}, {(const uint8_t *)"celsius", 7}},
                                           {{"trace", 5}, {NULL, -1}}};
    mb_batch_params p = {0, 1700000000000, -1, -1, -1, -1, 0, 0, 0};
    mb_batch_builder b;
    int rc = mb_batch_builder_init(&b, buf, cap, &p);
    if (!rc)
        rc = mb_batch_append(&b, 1700000000000, (mb_bytes){(const uint8_t *)"sensor-1", 8},
                             (mb_bytes){(const uint8_t *)"21.5", 4}, hdr, 2);
    if (!rc)
        rc = mb_batch_append(&b, 1700000000007, MB_BYTES_NULL,
                             (mb_bytes){(const uint8_t *)"no key here", 11}, NULL, 0);
    if (!rc)
        rc = mb_batch_append(&b, 1700000000009, (mb_bytes){(const uint8_t *)"sensor-2", 8},
                             (mb_bytes){(const uint8_t *)"", 0}, NULL, 0);
    if (!rc)
        rc = mb_batch_finish(&b, batch, len);
    return rc;
}

static int encode_request(const uint8_t *batch, size_t batch_len, uint8_t *out, size_t cap,
                          size_t *out_len)
{
    mb_produce_partition_data part = {3, {batch, (int32_t)batch_len}};
    mb_produce_topic_data topic = {{"sensors", 7}, &part, 1};
    mb_produce_req req = {MB_STR_NULL, -1, 30000, &topic, 1};
    mb_req_hdr h = {MB_API_PRODUCE, 7, 42, {"msgbus-demo", 11}};
    mb_wr w;
    size_t pos;
    mb_wr_init(&w, out, cap);
    mb_req_begin(&w, &h, &pos);
    mb_produce_req_write(&w, h.api_version, &req);
    mb_frame_end(&w, pos);
    *out_len = w.len;
    return w.err;
}

static int print_records(const mb_bytes *records)
{
    mb_batch_iter bi;
    mb_batch batch;
    int rc;
    mb_batch_iter_init(&bi, records->ptr, (size_t)records->len);
    while ((rc = mb_batch_next(&bi, &batch)) == 0) {
        mb_record_iter ri;
        mb_record rec;
        printf("  batch: base offset %lld, %d records, CRC-32C 0x%08x verified\n",
               (long long)batch.base_offset, (int)batch.record_count, (unsigned)batch.crc);
        if ((rc = mb_record_iter_init(&ri, &batch)) != 0)
            return rc;
        while ((rc = mb_record_next(&ri, &rec)) == 0) {
            mb_header_iter hi;
            mb_record_header h;
            printf("    offset %lld ts %lld ", (long long)rec.offset, (long long)rec.timestamp);
            print_bytes("key", rec.key);
            print_bytes(" value", rec.value);
            mb_header_iter_init(&hi, &rec);
            while (mb_header_next(&hi, &h) == 0) {
                printf(" header %.*s", (int)h.key.len, h.key.ptr);
                print_bytes("", h.value);
            }
            printf("\n");
        }
        if (rc < 0)
            return rc;
    }
    return rc < 0 ? rc : 0;
}

static int decode_request(const uint8_t *frame, size_t len)
{
    uint64_t arena_buf[64];
    mb_arena a;
    mb_rd r;
    int32_t size = 0;
    mb_req_hdr h;
    mb_produce_req req;
    int32_t t, p;
    mb_arena_init(&a, arena_buf, sizeof arena_buf);
    mb_rd_init(&r, frame, len);
    mb_rd_i32(&r, &size);
    if (r.err || (size_t)size != r.left)
        return r.err ? r.err : MSGBUS_ERR_MALFORMED;
    mb_req_hdr_read(&r, 1, &h);
    if (mb_produce_req_read(&r, h.api_version, &a, &req))
        return r.err;
    printf("decoded: api %s v%d, correlation id %d, client id \"%.*s\", acks %d, timeout %d ms\n",
           mb_api_lookup(h.api_key)->name, h.api_version, (int)h.correlation_id,
           (int)h.client_id.len, h.client_id.ptr, req.acks, (int)req.timeout_ms);
    for (t = 0; t < req.n_topic_data; t++)
        for (p = 0; p < req.topic_data[t].n_partition_data; p++) {
            const mb_produce_partition_data *pd = &req.topic_data[t].partition_data[p];
            int rc;
            printf("  topic \"%.*s\" partition %d, %d bytes of records\n",
                   (int)req.topic_data[t].name.len, req.topic_data[t].name.ptr, (int)pd->index,
                   (int)pd->records.len);
            if ((rc = print_records(&pd->records)) != 0)
                return rc;
        }
    return 0;
}

int main(void)
{
    uint8_t batch_buf[512], frame[1024];
    const uint8_t *batch;
    size_t batch_len, frame_len;
    int rc = build_batch(batch_buf, sizeof batch_buf, &batch, &batch_len);
    if (!rc)
        rc = encode_request(batch, batch_len, frame, sizeof frame, &frame_len);
    if (rc) {
        fprintf(stderr, "encode failed: %s\n", msgbus_strerror(rc));
        return 1;
    }
    printf("Produce v7 request, %zu bytes on the wire (record batch %zu bytes):\n", frame_len,
           batch_len);
    hexdump(frame, frame_len);
    rc = decode_request(frame, frame_len);
    if (rc) {
        fprintf(stderr, "decode failed: %s\n", msgbus_strerror(rc));
        return 1;
    }
    /* One flipped bit in a record is caught by the CRC. */
    frame[frame_len - 3] ^= 0x01;
    rc = decode_request(frame, frame_len);
    printf("after flipping one bit in the last record: %s (%s)\n", msgbus_err_name(rc),
           msgbus_strerror(rc));
    return rc == MSGBUS_ERR_CRC ? 0 : 1;
}
