/*
 * consumer_protocol.c - subscription and assignment payloads (see consumer_protocol.h).
 */
#include "consumer_protocol.h"

static void write_tps(mb_wr *w, const mb_topic_partitions *tps, int32_t n)
{
    int32_t i, j;
    mb_wr_count_v(w, 0, n, tps);
    for (i = 0; i < n && !w->err; i++) {
        mb_wr_str_v(w, 0, tps[i].topic);
        mb_wr_count_v(w, 0, tps[i].n_partitions, tps[i].partitions);
        for (j = 0; j < tps[i].n_partitions && !w->err; j++)
            mb_wr_i32(w, tps[i].partitions[j]);
    }
}

static void read_tps(mb_rd *r, mb_arena *a, mb_topic_partitions **out, int32_t *n)
{
    int32_t i, j;
    mb_rd_array_v(r, 0, 6, n); /* topic (2+) and partition count (4) */
    *out = mb_rd_alloc(r, a, *n, sizeof **out);
    for (i = 0; i < *n && !r->err; i++) {
        mb_topic_partitions *tp = &(*out)[i];
        mb_rd_str_v(r, 0, &tp->topic);
        mb_rd_array_v(r, 0, 4, &tp->n_partitions);
        tp->partitions = mb_rd_alloc(r, a, tp->n_partitions, sizeof *tp->partitions);
        for (j = 0; j < tp->n_partitions && !r->err; j++)
            mb_rd_i32(r, &tp->partitions[j]);
    }
}

int mb_consumer_subscription_write(mb_wr *w, int16_t version, const mb_consumer_subscription *s)
{
    int32_t i;
    if (version < 0 || version > MB_CONSUMER_PROTOCOL_MAX_VERSION)
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_wr_i16(w, version);
    mb_wr_count_v(w, 0, s->n_topics, s->topics);
    for (i = 0; i < s->n_topics && !w->err; i++)
        mb_wr_str_v(w, 0, s->topics[i]);
    mb_wr_nbytes_v(w, 0, s->user_data);
    if (version >= 1)
        write_tps(w, s->owned_partitions, s->n_owned_partitions);
    if (version >= 2)
        mb_wr_i32(w, s->generation_id);
    if (version >= 3)
        mb_wr_nstr_v(w, 0, s->rack_id);
    return w->err;
}

int mb_consumer_subscription_read(mb_rd *r, mb_arena *a, mb_consumer_subscription *s)
{
    int32_t i;
    s->owned_partitions = NULL;
    s->n_owned_partitions = 0;
    s->generation_id = -1;
    s->rack_id = MB_STR_NULL;
    mb_rd_i16(r, &s->version);
    if (!r->err && s->version < 0)
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_rd_array_v(r, 0, 2, &s->n_topics);
    s->topics = mb_rd_alloc(r, a, s->n_topics, sizeof *s->topics);
    for (i = 0; i < s->n_topics && !r->err; i++)
        mb_rd_str_v(r, 0, &s->topics[i]);
    mb_rd_nbytes_v(r, 0, &s->user_data);
    if (s->version >= 1)
        read_tps(r, a, &s->owned_partitions, &s->n_owned_partitions);
    if (s->version >= 2)
        mb_rd_i32(r, &s->generation_id);
    if (s->version >= 3)
        mb_rd_nstr_v(r, 0, &s->rack_id);
    if (s->version > MB_CONSUMER_PROTOCOL_MAX_VERSION)
        return r->err; /* newer versions append fields: ignore them */
    return mb_rd_end(r);
}

int mb_consumer_assignment_write(mb_wr *w, int16_t version, const mb_consumer_assignment *as)
{
    if (version < 0 || version > MB_CONSUMER_PROTOCOL_MAX_VERSION)
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_wr_i16(w, version);
    write_tps(w, as->assigned_partitions, as->n_assigned_partitions);
    return mb_wr_nbytes_v(w, 0, as->user_data);
}

int mb_consumer_assignment_read(mb_rd *r, mb_arena *a, mb_consumer_assignment *as)
{
    mb_rd_i16(r, &as->version);
    if (!r->err && as->version < 0)
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    read_tps(r, a, &as->assigned_partitions, &as->n_assigned_partitions);
    mb_rd_nbytes_v(r, 0, &as->user_data);
    if (as->version > MB_CONSUMER_PROTOCOL_MAX_VERSION)
        return r->err;
    return mb_rd_end(r);
}
