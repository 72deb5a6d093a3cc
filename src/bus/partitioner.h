/*
 * partitioner.h - choosing a partition for a record the way the Java client
 * does, so that keys land where other producers put them: murmur2 over the
 * key bytes (Kafka's variant: seed 0x9747b28c, little-endian 4-byte blocks),
 * masked positive, modulo the partition count.
 */
#ifndef MB_BUS_PARTITIONER_H
#define MB_BUS_PARTITIONER_H

#include <stddef.h>
#include <stdint.h>

/** Kafka's murmur2 of @p len bytes at @p key (as Java's Utils.murmur2). */
uint32_t mb_murmur2(const void *key, size_t len);

/**
 * Partition of a keyed record among @p partitions (> 0):
 * (murmur2(key) & 0x7fffffff) % partitions. -1 if @p partitions <= 0.
 */
int32_t mb_partition_for_key(const void *key, size_t len, int32_t partitions);

#endif /* MB_BUS_PARTITIONER_H */
