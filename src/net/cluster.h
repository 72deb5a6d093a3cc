/*
 * cluster.h - the cluster metadata cache: brokers, topics, partitions and
 * leaders, rebuilt from each Metadata response into one allocation.
 */
#ifndef MB_NET_CLUSTER_H
#define MB_NET_CLUSTER_H

#include "client.h"
#include "proto/metadata.h"

typedef struct mb_cluster {
    void *block; /**< the one allocation holding everything below */
    size_t block_size;
    mb_broker_info *brokers;
    int32_t n_brokers;
    mb_topic_info *topics;
    int32_t n_topics;
    int32_t controller_id;
    char *cluster_id; /**< NULL when the broker sent none */
    uint32_t updated_ms;
    int valid;
} mb_cluster;

/**
 * Replace the cache with what @p m says (taken at @p now). An answer without
 * brokers, or with a broker that cannot be used (negative or repeated node
 * id, a host that is no host name or address, a bad port, a host or rack too
 * long) is refused with MALFORMED and @p why set to the reason; NOMEM leaves
 * the old cache in place.
 */
int mb_cluster_update(mb_cluster *cl, const msgbus_allocator *al, const mb_metadata_resp *m,
                      uint32_t now, const char **why);
/** 1 if broker @p node_id is in the cache. */
int mb_cluster_has_broker(const mb_cluster *cl, int32_t node_id);
/** Free the cache. */
void mb_cluster_free(mb_cluster *cl, const msgbus_allocator *al);
/** Fill a view of the cache. */
void mb_cluster_view_of(const mb_cluster *cl, mb_cluster_view *v);
/** The topic named @p name, or NULL. */
const mb_topic_info *mb_cluster_topic(const mb_cluster *cl, const char *name);
/** 1 if some partition has no leader, a leader error or a leader that is no
 * known broker: a refresh should follow. */
int mb_cluster_needs_refresh(const mb_cluster *cl);

#endif /* MB_NET_CLUSTER_H */
