/*
 * consumer_protocol.h - the consumer protocol's payloads, carried as opaque
 * bytes in JoinGroup (member metadata: the subscription) and SyncGroup (the
 * assignment), per Kafka's ConsumerProtocolSubscription.json (v0-v3) and
 * ConsumerProtocolAssignment.json (v0-v3). Each starts with an INT16 version
 * and uses the classic (non-flexible) encoding.
 *
 * These bytes are written by other group members (librdkafka, Java, ...), so
 * they are untrusted. A version above 3 is decoded as far as the fields msgbus
 * knows and the rest ignored, as Kafka specifies for newer versions (they only
 * append fields).
 */
#ifndef MB_PROTO_CONSUMER_PROTOCOL_H
#define MB_PROTO_CONSUMER_PROTOCOL_H

#include "codec.h"

/** Highest version msgbus writes and fully understands. */
#define MB_CONSUMER_PROTOCOL_MAX_VERSION 3

/** A topic with some of its partitions. */
typedef struct mb_topic_partitions {
    mb_str topic;
    int32_t *partitions;
    int32_t n_partitions;
} mb_topic_partitions;

typedef struct mb_consumer_subscription {
    int16_t version; /**< as read; ignored by the writer (it takes its version argument) */
    mb_str *topics;
    int32_t n_topics;
    mb_bytes user_data;                    /**< nullable (default null) */
    mb_topic_partitions *owned_partitions; /**< v1+ (cooperative rebalancing) */
    int32_t n_owned_partitions;
    int32_t generation_id; /**< v2+; -1 when absent */
    mb_str rack_id;        /**< v3+, nullable; null when absent */
} mb_consumer_subscription;

typedef struct mb_consumer_assignment {
    int16_t version;
    mb_topic_partitions *assigned_partitions;
    int32_t n_assigned_partitions;
    mb_bytes user_data; /**< nullable (default null) */
} mb_consumer_assignment;

/** Write a subscription at @p version (0-3). */
int mb_consumer_subscription_write(mb_wr *w, int16_t version, const mb_consumer_subscription *s);
/** Read a subscription of any version >= 0 (the whole of @p r is the payload). */
int mb_consumer_subscription_read(mb_rd *r, mb_arena *a, mb_consumer_subscription *s);
/** Write an assignment at @p version (0-3). */
int mb_consumer_assignment_write(mb_wr *w, int16_t version, const mb_consumer_assignment *as);
/** Read an assignment of any version >= 0 (the whole of @p r is the payload). */
int mb_consumer_assignment_read(mb_rd *r, mb_arena *a, mb_consumer_assignment *as);

#endif /* MB_PROTO_CONSUMER_PROTOCOL_H */
