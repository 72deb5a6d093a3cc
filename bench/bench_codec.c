/*
 * bench_codec.c - throughput of the RecordBatch v2 codec and of CRC-32C.
 *
 * Prints one table: RecordBatch encode of 100-byte records (16 KiB batches,
 * as Kafka's default batch.size), decode of the same with the CRC check and
 * every record visited, and CRC-32C in software and in hardware, each with its
 * target and PASS/BELOW. MB/s and GB/s count encoded batch bytes (header and
 * record framing included), 1 MB = 10^6 bytes. Each row runs for about half a
 * second; the whole run takes a few seconds.
 */
#define _POSIX_C_SOURCE 199309L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/crc32c.h"
#include "proto/record_batch.h"

#define VALUE_SIZE 100
#define BATCH_CAP 16384
#define DECODE_BATCHES 64
#define CRC_BUF (256 * 1024)
#define RUN_SECONDS 0.5

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static volatile uint64_t sink; /* keeps results observable */
static uint8_t value[VALUE_SIZE];

/* Encode one full batch into buf; returns its size, adds its record count. */
static size_t encode_batch(uint8_t *buf, int64_t base_offset, uint64_t *records)
{
    mb_batch_builder b;
    mb_batch_params p;
    mb_bytes key = MB_BYTES_NULL, val = {value, VALUE_SIZE};
    const uint8_t *out = NULL;
    size_t len = 0;
    int64_t ts = 1700000000000LL;
    memset(&p, 0, sizeof p);
    p.base_offset = base_offset;
    p.base_timestamp = ts;
    p.producer_id = -1;
    p.producer_epoch = -1;
    p.base_sequence = -1;
    p.partition_leader_epoch = -1;
    if (mb_batch_builder_init(&b, buf, BATCH_CAP, &p))
        abort();
    while (mb_batch_append(&b, ts++, key, val, NULL, 0) == 0)
        ;
    if (mb_batch_finish(&b, &out, &len))
        abort();
    *records += (uint64_t)b.count;
    return len;
}

typedef struct result {
    double records_per_s;
    double bytes_per_s;
} result;

static result bench_encode(void)
{
    static uint8_t buf[BATCH_CAP];
    uint64_t records = 0, bytes = 0;
    double t0 = now(), t;
    result r;
    do {
        int i;
        for (i = 0; i < 64; i++)
            bytes += encode_batch(buf, (int64_t)records, &records);
        sink += buf[17];
        t = now() - t0;
    } while (t < RUN_SECONDS);
    r.records_per_s = (double)records / t;
    r.bytes_per_s = (double)bytes / t;
    return r;
}

/* Visit every batch (CRC checked) and every record of a blob; returns records. */
static uint64_t decode_blob(const uint8_t *blob, size_t len)
{
    mb_batch_iter it;
    mb_batch bt;
    uint64_t n = 0, acc = 0;
    mb_batch_iter_init(&it, blob, len);
    while (mb_batch_next(&it, &bt) == 0) {
        mb_record_iter ri;
        mb_record rec;
        if (mb_record_iter_init(&ri, &bt))
            abort();
        while (mb_record_next(&ri, &rec) == 0) {
            acc += (uint64_t)rec.value.len + (uint64_t)rec.offset;
            n++;
        }
    }
    sink += acc;
    return n;
}

static result bench_decode(void)
{
    static uint8_t blob[DECODE_BATCHES * BATCH_CAP];
    size_t len = 0;
    uint64_t per_blob = 0, records = 0, bytes = 0;
    double t0, t;
    result r;
    int i;
    for (i = 0; i < DECODE_BATCHES; i++)
        len += encode_batch(blob + len, (int64_t)per_blob, &per_blob);
    if (decode_blob(blob, len) != per_blob)
        abort();
    t0 = now();
    do {
        for (i = 0; i < 16; i++) {
            records += decode_blob(blob, len);
            bytes += len;
        }
        t = now() - t0;
    } while (t < RUN_SECONDS);
    r.records_per_s = (double)records / t;
    r.bytes_per_s = (double)bytes / t;
    return r;
}

static double bench_crc(uint32_t (*fn)(uint32_t, const void *, size_t))
{
    static uint8_t buf[CRC_BUF];
    uint64_t bytes = 0;
    uint32_t c = 0;
    double t0, t;
    size_t i;
    for (i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 131 + 7);
    t0 = now();
    do {
        for (i = 0; i < 64; i++) {
            c = fn(c, buf, sizeof buf);
            bytes += sizeof buf;
        }
        t = now() - t0;
    } while (t < RUN_SECONDS);
    sink += c;
    return (double)bytes / t;
}

static void row(const char *name, double recs, double bytes, double target, const char *note)
{
    char rate[32] = "-", goal[32] = "-";
    const char *verdict = "-";
    if (recs > 0)
        snprintf(rate, sizeof rate, "%.2f M", recs / 1e6);
    if (target > 0) {
        snprintf(goal, sizeof goal, ">= %.1f GB/s", target);
        verdict = bytes >= target * 1e9 ? "PASS" : "BELOW";
    }
    printf("%-34s %12s %10.0f %8.2f   %-13s %-5s %s\n", name, rate, bytes / 1e6, bytes / 1e9, goal,
           verdict, note);
}

int main(void)
{
    result enc, dec;
    double sw, hw;
    int have_hw = mb_crc32c_hw_available();
    size_t i;
    for (i = 0; i < VALUE_SIZE; i++)
        value[i] = (uint8_t)('a' + i % 26);
    enc = bench_encode();
    dec = bench_decode();
    sw = bench_crc(mb_crc32c_sw);
    hw = bench_crc(mb_crc32c_hw);
    printf("msgbus codec benchmark (%d-byte values, null keys, %d-byte batches)\n", VALUE_SIZE,
           BATCH_CAP);
    printf("%-34s %12s %10s %8s   %-13s %-5s\n", "benchmark", "records/s", "MB/s", "GB/s", "target",
           "result");
    row("RecordBatch encode", enc.records_per_s, enc.bytes_per_s, 1.0, "");
    row("RecordBatch decode + CRC check", dec.records_per_s, dec.bytes_per_s, 2.0, "");
    row("CRC-32C software", 0, sw, 0.0, "");
    row(have_hw ? "CRC-32C hardware" : "CRC-32C hardware (n/a: software)", 0, hw,
        have_hw ? 8.0 : 0.0, have_hw ? "" : "(no target without SSE4.2/ARMv8 CRC)");
    return (int)(sink & 0);
}
