/*
 * partitioner.c - Kafka's murmur2 key partitioner (see partitioner.h).
 * Written from the algorithm's description: MurmurHash2 (Austin Appleby) with
 * Kafka's seed, reading 4-byte blocks little-endian whatever the host's order.
 */
#include "partitioner.h"

#define MB_MURMUR2_SEED 0x9747b28cu
#define MB_MURMUR2_M 0x5bd1e995u

uint32_t mb_murmur2(const void *key, size_t len)
{
    const uint8_t *p = key;
    uint32_t h = MB_MURMUR2_SEED ^ (uint32_t)len;
    size_t i, blocks = len / 4;
    for (i = 0; i < blocks; i++, p += 4) {
        uint32_t k =
            (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        k *= MB_MURMUR2_M;
        k ^= k >> 24;
        k *= MB_MURMUR2_M;
        h = h * MB_MURMUR2_M ^ k;
    }
    switch (len & 3) {
    case 3:
        h ^= (uint32_t)p[2] << 16;
        /* fall through */
    case 2:
        h ^= (uint32_t)p[1] << 8;
        /* fall through */
    case 1:
        h ^= p[0];
        h *= MB_MURMUR2_M;
        break;
    default:
        break;
    }
    h ^= h >> 13;
    h *= MB_MURMUR2_M;
    h ^= h >> 15;
    return h;
}

int32_t mb_partition_for_key(const void *key, size_t len, int32_t partitions)
{
    if (partitions <= 0)
        return -1;
    return (int32_t)((mb_murmur2(key, len) & 0x7fffffffu) % (uint32_t)partitions);
}
