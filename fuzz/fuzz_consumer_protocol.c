/* fuzz_consumer_protocol.c - libFuzzer target: subscription and assignment payloads.
 * Byte 0 picks the payload (bit 0: 0 subscription, 1 assignment); the rest is
 * the payload as another group member would send it. A payload that decodes
 * is re-encoded (at its version, or 3 for newer ones), decoded again and
 * re-encoded again: the second decode must succeed and both encodings agree. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/consumer_protocol.h"

static uint64_t arena1[1 << 15], arena2[1 << 15];
static uint8_t enc1[1 << 18], enc2[1 << 18];

static int decode(int asg, const uint8_t *d, size_t n, uint64_t *store, size_t cap, void *out)
{
    mb_rd r;
    mb_arena a;
    mb_rd_init(&r, d, n);
    mb_arena_init(&a, store, cap);
    return asg ? mb_consumer_assignment_read(&r, &a, out)
               : mb_consumer_subscription_read(&r, &a, out);
}

static size_t encode(int asg, const void *m, uint8_t *out, size_t cap)
{
    const mb_consumer_subscription *s = m;
    const mb_consumer_assignment *as = m;
    int16_t v = asg ? as->version : s->version;
    mb_wr w;
    if (v > MB_CONSUMER_PROTOCOL_MAX_VERSION)
        v = MB_CONSUMER_PROTOCOL_MAX_VERSION;
    mb_wr_init(&w, out, cap);
    if ((asg ? mb_consumer_assignment_write(&w, v, as) : mb_consumer_subscription_write(&w, v, s)))
        abort();
    return w.len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static union {
        mb_consumer_subscription s;
        mb_consumer_assignment a;
    } m1, m2;
    int asg;
    size_t n1, n2;
    if (size < 1)
        return 0;
    asg = data[0] & 1;
    if (decode(asg, data + 1, size - 1, arena1, sizeof arena1, &m1))
        return 0;
    n1 = encode(asg, &m1, enc1, sizeof enc1);
    if (decode(asg, enc1, n1, arena2, sizeof arena2, &m2))
        abort();
    n2 = encode(asg, &m2, enc2, sizeof enc2);
    if (n1 != n2 || memcmp(enc1, enc2, n1) != 0)
        abort();
    return 0;
}
