/*
 * group.c - consumer group membership (the classic protocol) and committed
 * offsets, driven from the consumer's poll:
 *
 *   FindCoordinator -> JoinGroup (again with the member id the broker hands
 *   out, MEMBER_ID_REQUIRED) -> SyncGroup (the leader sends everyone's
 *   assignment, computed here with range or roundrobin) -> OffsetFetch ->
 *   stable: Heartbeat every heartbeat_interval_ms, OffsetCommit every
 *   auto_commit_interval_ms.
 *
 * A rebalance (REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID)
 * commits the current positions, revokes the partitions and joins again; a
 * coordinator that moves or goes away is looked up again. Close commits and
 * leaves the group so the partitions move at once.
 */
#include <string.h>

#include "msgbus/config_defaults.h"

#include "bus/consumer_int.h"
#include "msgbus/kafka_errors.h"
#include "msgbus/port.h"
#include "proto/consumer_protocol.h"
#include "proto/find_coordinator.h"
#include "proto/group.h"
#include "proto/offsets.h"

#if MSGBUS_CFG_GROUPS

#define MB_GROUP_MAX_TOPICS 64   /* topics one member subscribes to */
#define MB_GROUP_MAX_MEMBERS 256 /* members a leader assigns to */
#define MB_GROUP_ARENA MSGBUS_CFG_GROUP_ARENA

enum { G_IDLE, G_FINDING, G_JOINING, G_LEADING, G_SYNCING, G_OFFSETS, G_STABLE };

/*
 * The leader sends its SyncGroup this long after the JoinGroup answer. Some
 * brokers (librdkafka's mock cluster) answer only the followers whose
 * SyncGroup is already waiting when the leader's arrives and refuse later
 * ones; members that compute the assignment on another thread hide that, an
 * instant leader does not. Kafka itself does not care; 100 ms per rebalance.
 */
#define MB_GROUP_LEADER_SYNC_DELAY_MS 100
enum { R_FIND, R_JOIN, R_SYNC, R_HB, R_COMMIT, R_OFETCH, R_LEAVE, R_QUERY, R_N };

typedef struct mb_gtp {
    char topic[256];
    int32_t partition;
    int64_t offset; /* explicit commits only */
} mb_gtp;

struct mb_group {
    mb_consumer *c;
    char group_id[256];
    char member_id[256];
    char protocol[32];
    char topics[MB_GROUP_MAX_TOPICS][256];
    size_t n_topics;
    int state;
    int32_t coordinator;
    int32_t generation;
    int rejoin;
    uint32_t retry_at, heartbeat_at, commit_at;
    mb_net_req req[R_N];
    int busy[R_N];
    uint8_t sub[4096]; /* our subscription (JoinGroup protocol metadata) */
    size_t sub_len;
    /* the leader's assignments, referenced by the SyncGroup request */
    uint8_t *sync_buf;
    size_t sync_cap;
    mb_sync_group_assignment *assigns;
    int32_t n_assigns;
    /* what this member was given */
    mb_gtp *assigned;
    size_t n_assigned, cap_assigned;
    mb_gtp *ex; /* offsets given to msgbus_consumer_commit_offsets(), until committed */
    size_t n_ex, cap_ex;
    mb_gtp query; /* msgbus_consumer_committed(): the partition asked about */
    int query_err;
    int commit_err; /* the last commit's result */
    uint64_t commits;
    uint8_t *arena;
};

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------ */

static uint32_t now_ms(void)
{
    return msgbus_port_now_ms();
}

static void copy_str(char *dst, size_t cap, mb_str s)
{
    size_t n = s.len > 0 ? (size_t)s.len : 0;
    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(dst, s.ptr, n);
    dst[n] = '\0';
}

static int send_req(mb_group *g, int which, int32_t broker, int16_t api, int16_t minv, int16_t maxv,
                    uint32_t timeout, mb_req_encode_fn enc, mb_req_done_fn done)
{
    mb_net_req *r = &g->req[which];
    memset(r, 0, sizeof *r);
    r->api_key = api;
    r->min_version = minv;
    r->max_version = maxv;
    r->expect_response = 1;
    r->timeout_ms = timeout;
    r->encode = enc;
    r->done = done;
    r->ud = g;
    g->busy[which] = 1;
    if (mb_client_send(g->c->cl, broker, r) != 0) {
        g->busy[which] = 0;
        return MSGBUS_ERR_STATE;
    }
    return 0;
}

/* Errors that mean "look the coordinator up again". */
static int coordinator_error(int e)
{
    return e == MSGBUS_KERR_NOT_COORDINATOR || e == MSGBUS_KERR_COORDINATOR_NOT_AVAILABLE ||
           e == MSGBUS_ERR_TRANSPORT || e == MSGBUS_ERR_TIMEOUT || e == MSGBUS_ERR_STATE;
}

/* Errors that mean "join the group again". */
static int rejoin_error(int e)
{
    return e == MSGBUS_KERR_REBALANCE_IN_PROGRESS || e == MSGBUS_KERR_ILLEGAL_GENERATION ||
           e == MSGBUS_KERR_UNKNOWN_MEMBER_ID || e == MSGBUS_KERR_FENCED_INSTANCE_ID;
}

static void lost_coordinator(mb_group *g, int e)
{
    MB_LOG(&g->c->log, MB_LOG_INFO, "group %s: coordinator %d lost (%s)", g->group_id,
           (int)g->coordinator, msgbus_err_name(e));
    g->coordinator = -1;
    g->state = G_IDLE;
    g->rejoin = 1;
    g->retry_at = now_ms() + g->c->cfg.retry_backoff_ms;
}

static void group_error(mb_group *g, const char *what, int e)
{
    if (e == MSGBUS_KERR_UNKNOWN_MEMBER_ID || e == MSGBUS_KERR_FENCED_INSTANCE_ID)
        g->member_id[0] = '\0';
    if (coordinator_error(e)) {
        lost_coordinator(g, e);
        return;
    }
    if (rejoin_error(e)) {
        MB_LOG(&g->c->log, MB_LOG_INFO, "group %s: %s: %s, joining again", g->group_id, what,
               msgbus_err_name(e));
        g->rejoin = 1;
        return;
    }
    MB_LOG(&g->c->log, MB_LOG_ERROR, "group %s: %s failed: %s", g->group_id, what,
           msgbus_strerror(e));
    if (g->c->cfg.on_error)
        g->c->cfg.on_error(g->c->cfg.error_ud, e, what);
    g->state = G_IDLE;
    g->rejoin = 1;
    g->retry_at = now_ms() + 10 * g->c->cfg.retry_backoff_ms;
}

/* ------------------------------------------------------------------------ */
/* FindCoordinator                                                           */
/* ------------------------------------------------------------------------ */

static int find_encode(void *ud, mb_wr *w, int16_t version)
{
    mb_group *g = ud;
    mb_find_coordinator_req req = {mb_str_c(g->group_id), MB_COORDINATOR_GROUP};
    return mb_find_coordinator_req_write(w, version, &req);
}

static void start_join(mb_group *g);

static void find_done(void *ud, int err, int16_t version, mb_rd *body)
{
    mb_group *g = ud;
    mb_find_coordinator_resp resp;
    g->busy[R_FIND] = 0;
    if (g->c->closing)
        return;
    if (err == 0)
        err = mb_find_coordinator_resp_read(body, version, NULL, &resp);
    if (err == 0)
        err = resp.error_code;
    if (err) {
        g->state = G_IDLE;
        g->retry_at = now_ms() + g->c->cfg.retry_backoff_ms;
        return;
    }
    g->coordinator = resp.node_id;
    MB_LOG(&g->c->log, MB_LOG_INFO, "group %s: coordinator is broker %d", g->group_id,
           (int)resp.node_id);
    mb_client_refresh_metadata(g->c->cl, 1); /* make sure the client knows that broker */
    if (g->n_topics)
        start_join(g);
    else
        g->state = G_IDLE; /* looked up for msgbus_consumer_committed(): no membership */
}

/* ------------------------------------------------------------------------ */
/* JoinGroup and the leader's assignment                                     */
/* ------------------------------------------------------------------------ */

static int join_encode(void *ud, mb_wr *w, int16_t version)
{
    mb_group *g = ud;
    static const char *const names[2] = {"range", "roundrobin"};
    mb_join_group_protocol protos[2];
    mb_join_group_req req;
    int first = g->c->cfg.assignor == MSGBUS_ASSIGNOR_ROUNDROBIN;
    protos[0].name = mb_str_c(names[first]);
    protos[1].name = mb_str_c(names[!first]);
    protos[0].metadata.ptr = protos[1].metadata.ptr = g->sub;
    protos[0].metadata.len = protos[1].metadata.len = (int32_t)g->sub_len;
    req.group_id = mb_str_c(g->group_id);
    req.session_timeout_ms = (int32_t)g->c->cfg.session_timeout_ms;
    req.rebalance_timeout_ms = (int32_t)g->c->cfg.rebalance_timeout_ms;
    req.member_id = mb_str_c(g->member_id);
    req.group_instance_id = MB_STR_NULL;
    req.protocol_type = mb_str_c("consumer");
    req.protocols = protos;
    req.n_protocols = 2;
    return mb_join_group_req_write(w, version, &req);
}

/* Members' subscriptions, decoded from the JoinGroup answer (leader only). */
typedef struct member_sub {
    mb_str id;
    mb_consumer_subscription sub;
} member_sub;

static int str_cmp(mb_str a, mb_str b)
{
    size_t la = a.len > 0 ? (size_t)a.len : 0, lb = b.len > 0 ? (size_t)b.len : 0;
    int r = memcmp(a.ptr ? a.ptr : "", b.ptr ? b.ptr : "", la < lb ? la : lb);
    return r ? r : (la < lb ? -1 : la > lb);
}

static int subscribes(const member_sub *m, mb_str topic)
{
    int32_t i;
    for (i = 0; i < m->sub.n_topics; i++)
        if (mb_str_eq(m->sub.topics[i], topic))
            return 1;
    return 0;
}

static int32_t partitions_of(mb_group *g, mb_str topic)
{
    mb_cluster_view v;
    int32_t i;
    mb_client_cluster(g->c->cl, &v);
    for (i = 0; i < v.n_topics; i++)
        if (mb_str_eq(mb_str_c(v.topics[i].name), topic))
            return v.topics[i].error_code ? 0 : v.topics[i].n_partitions;
    return 0;
}

/* One (member, topic, partition) decision of the assignor. */
typedef struct owner {
    int32_t member, topic, partition;
} owner;

/* range: each topic's partitions split into contiguous runs over its sorted subscribers. */
static size_t assign_range(mb_group *g, member_sub *m, int32_t nm, mb_str *topics, int32_t nt,
                           owner *out, size_t cap)
{
    size_t n = 0;
    int32_t t, i;
    for (t = 0; t < nt; t++) {
        int32_t np = partitions_of(g, topics[t]), subs = 0, k = 0;
        for (i = 0; i < nm; i++)
            subs += subscribes(&m[i], topics[t]);
        if (subs == 0)
            continue;
        for (i = 0; i < nm; i++) {
            int32_t per = np / subs, extra = np % subs, start, len, p;
            if (!subscribes(&m[i], topics[t]))
                continue;
            start = k * per + (k < extra ? k : extra);
            len = per + (k < extra);
            for (p = start; p < start + len && n < cap; p++)
                out[n++] = (owner){i, t, p};
            k++;
        }
    }
    return n;
}

/* roundrobin: every (topic, partition) in order, dealt to the subscribers in turn. */
static size_t assign_roundrobin(mb_group *g, member_sub *m, int32_t nm, mb_str *topics, int32_t nt,
                                owner *out, size_t cap)
{
    size_t n = 0;
    int32_t t, p, next = 0;
    for (t = 0; t < nt; t++) {
        int32_t np = partitions_of(g, topics[t]);
        for (p = 0; p < np && n < cap; p++) {
            int32_t tries;
            for (tries = 0; tries < nm && !subscribes(&m[next % nm], topics[t]); tries++)
                next++;
            if (tries == nm)
                break;
            out[n++] = (owner){next % nm, t, p};
            next++;
        }
    }
    return n;
}

/* Encode member @p i's assignment into @p w (a sizing pass when w->buf is NULL). */
static int encode_assignment(mb_wr *w, int32_t i, const owner *o, size_t n, const mb_str *topics,
                             int32_t nt, mb_topic_partitions *tp, int32_t *parts)
{
    mb_consumer_assignment as;
    int32_t t, ntp = 0, np = 0;
    size_t k;
    for (t = 0; t < nt; t++) {
        int32_t first = np;
        for (k = 0; k < n; k++)
            if (o[k].member == i && o[k].topic == t)
                parts[np++] = o[k].partition;
        if (np > first) {
            tp[ntp].topic = topics[t];
            tp[ntp].partitions = &parts[first];
            tp[ntp].n_partitions = np - first;
            ntp++;
        }
    }
    memset(&as, 0, sizeof as);
    as.assigned_partitions = tp;
    as.n_assigned_partitions = ntp;
    as.user_data = MB_BYTES_NULL;
    return mb_consumer_assignment_write(w, 0, &as);
}

/* The leader: decode the members' subscriptions and compute everyone's assignment. */
static int lead(mb_group *g, const mb_join_group_resp *resp, mb_arena *a)
{
    member_sub *m;
    mb_str *topics; /* in the arena: 512 B is a lot of a small target's stack */
    owner *o;
    mb_topic_partitions *tp;
    int32_t *parts, nm = resp->n_members, nt = 0, i, j;
    size_t n, total = 0, k, cap = 0;
    if (nm <= 0 || nm > MB_GROUP_MAX_MEMBERS)
        return MSGBUS_ERR_LIMIT;
    m = mb_arena_alloc(a, (size_t)nm, sizeof *m);
    topics = mb_arena_alloc(a, MB_GROUP_MAX_TOPICS, sizeof *topics);
    if (!m || !topics)
        return MSGBUS_ERR_NO_ROOM;
    for (i = 0; i < nm; i++) {
        mb_rd rd;
        int rc;
        mb_rd_init(&rd, resp->members[i].metadata.ptr, (size_t)resp->members[i].metadata.len);
        m[i].id = resp->members[i].member_id;
        rc = mb_consumer_subscription_read(&rd, a, &m[i].sub);
        if (rc)
            return rc;
    }
    /* members by id, topics by name: every member computes the same thing */
    for (i = 1; i < nm; i++)
        for (j = i; j > 0 && str_cmp(m[j - 1].id, m[j].id) > 0; j--) {
            member_sub tmp = m[j];
            m[j] = m[j - 1];
            m[j - 1] = tmp;
        }
    for (i = 0; i < nm; i++)
        for (j = 0; j < m[i].sub.n_topics; j++) {
            int32_t t;
            for (t = 0; t < nt && !mb_str_eq(topics[t], m[i].sub.topics[j]); t++)
                ;
            if (t == nt && nt < MB_GROUP_MAX_TOPICS)
                topics[nt++] = m[i].sub.topics[j];
        }
    for (i = 1; i < nt; i++)
        for (j = i; j > 0 && str_cmp(topics[j - 1], topics[j]) > 0; j--) {
            mb_str tmp = topics[j];
            topics[j] = topics[j - 1];
            topics[j - 1] = tmp;
        }
    for (i = 0; i < nt; i++)
        total += (size_t)partitions_of(g, topics[i]);
    o = mb_arena_alloc(a, total + 1, sizeof *o);
    tp = mb_arena_alloc(a, (size_t)nt + 1, sizeof *tp);
    parts = mb_arena_alloc(a, total + 1, sizeof *parts);
    if (!o || !tp || !parts)
        return MSGBUS_ERR_NO_ROOM;
    n = strcmp(g->protocol, "roundrobin") == 0 ? assign_roundrobin(g, m, nm, topics, nt, o, total)
                                               : assign_range(g, m, nm, topics, nt, o, total);
    /* size, then write every member's id and assignment into sync_buf */
    for (i = 0; i < nm; i++) {
        mb_wr w;
        mb_wr_init(&w, NULL, 0);
        encode_assignment(&w, i, o, n, topics, nt, tp, parts);
        cap += w.len + (size_t)(m[i].id.len > 0 ? m[i].id.len : 0);
    }
    cap += (size_t)nm * sizeof *g->assigns + 16;
    if (g->sync_buf)
        g->c->al.free(g->c->al.ctx, g->sync_buf, g->sync_cap);
    g->sync_buf = g->c->al.alloc(g->c->al.ctx, cap);
    if (!g->sync_buf) {
        g->sync_cap = 0;
        return MSGBUS_ERR_NOMEM;
    }
    g->sync_cap = cap;
    g->assigns = (mb_sync_group_assignment *)(void *)g->sync_buf;
    k = (size_t)nm * sizeof *g->assigns;
    for (i = 0; i < nm; i++) {
        mb_wr w;
        size_t idlen = m[i].id.len > 0 ? (size_t)m[i].id.len : 0;
        memcpy(g->sync_buf + k, m[i].id.ptr, idlen);
        g->assigns[i].member_id.ptr = (const char *)g->sync_buf + k;
        g->assigns[i].member_id.len = (int32_t)idlen;
        k += idlen;
        mb_wr_init(&w, g->sync_buf + k, cap - k);
        if (encode_assignment(&w, i, o, n, topics, nt, tp, parts) != 0)
            return w.err ? w.err : MSGBUS_ERR_NO_ROOM;
        g->assigns[i].assignment.ptr = g->sync_buf + k;
        g->assigns[i].assignment.len = (int32_t)w.len;
        k += w.len;
    }
    g->n_assigns = nm;
    MB_LOG(&g->c->log, MB_LOG_INFO,
           "group %s: leader, %s assignment of %d partitions to %d members", g->group_id,
           g->protocol, (int)n, (int)nm);
    return 0;
}

static void start_sync(mb_group *g);

static void join_done(void *ud, int err, int16_t version, mb_rd *body)
{
    mb_group *g = ud;
    mb_join_group_resp resp;
    mb_arena a;
    g->busy[R_JOIN] = 0;
    if (g->c->closing)
        return;
    mb_arena_init(&a, g->arena, MB_GROUP_ARENA);
    if (err == 0)
        err = mb_join_group_resp_read(body, version, &a, &resp);
    if (err == 0 && resp.error_code == MSGBUS_KERR_MEMBER_ID_REQUIRED) {
        copy_str(g->member_id, sizeof g->member_id, resp.member_id);
        start_join(g); /* again, with the id the broker gave us */
        return;
    }
    if (err == 0)
        err = resp.error_code;
    if (err) {
        g->state = G_IDLE;
        group_error(g, "JoinGroup", err);
        return;
    }
    g->generation = resp.generation_id;
    copy_str(g->member_id, sizeof g->member_id, resp.member_id);
    copy_str(g->protocol, sizeof g->protocol, resp.protocol_name);
    g->n_assigns = 0;
    if (mb_str_eq(resp.leader, resp.member_id) && (err = lead(g, &resp, &a)) != 0) {
        g->state = G_IDLE;
        group_error(g, "assignment", err);
        return;
    }
    MB_LOG(&g->c->log, MB_LOG_INFO, "group %s: joined generation %d as %s", g->group_id,
           (int)g->generation, g->member_id);
    if (g->n_assigns) {
        g->state = G_LEADING;
        g->retry_at = now_ms() + MB_GROUP_LEADER_SYNC_DELAY_MS;
        return;
    }
    start_sync(g);
}

static void start_join(mb_group *g)
{
    g->state = G_JOINING;
    g->rejoin = 0;
    /* the broker may hold a JoinGroup for the whole rebalance timeout */
    if (send_req(g, R_JOIN, g->coordinator, MB_API_JOIN_GROUP, 2, 6,
                 g->c->cfg.rebalance_timeout_ms + 5000, join_encode, join_done) != 0)
        lost_coordinator(g, MSGBUS_ERR_STATE);
}

/* ------------------------------------------------------------------------ */
/* SyncGroup, OffsetFetch                                                    */
/* ------------------------------------------------------------------------ */

static int sync_encode(void *ud, mb_wr *w, int16_t version)
{
    mb_group *g = ud;
    mb_sync_group_req req;
    req.group_id = mb_str_c(g->group_id);
    req.generation_id = g->generation;
    req.member_id = mb_str_c(g->member_id);
    req.group_instance_id = MB_STR_NULL;
    req.assignments = g->n_assigns ? g->assigns : NULL;
    req.n_assignments = g->n_assigns;
    return mb_sync_group_req_write(w, version, &req);
}

static void rebalance_cb(mb_group *g, int assigned)
{
    msgbus_topic_partition tps[16];
    size_t i = 0;
    if (!g->c->cfg.on_rebalance)
        return;
    while (i < g->n_assigned) { /* in slices, without a heap array */
        size_t n = 0;
        for (; i < g->n_assigned && n < 16; i++, n++) {
            tps[n].topic = g->assigned[i].topic;
            tps[n].partition = g->assigned[i].partition;
            tps[n].offset = -1;
        }
        g->c->cfg.on_rebalance(g->c->cfg.rebalance_ud, assigned, tps, n);
    }
    if (g->n_assigned == 0)
        g->c->cfg.on_rebalance(g->c->cfg.rebalance_ud, assigned, tps, 0);
}

static int keep_assignment(mb_group *g, const mb_consumer_assignment *as)
{
    size_t need = 0, k = 0;
    int32_t i, j;
    for (i = 0; i < as->n_assigned_partitions; i++)
        need += (size_t)as->assigned_partitions[i].n_partitions;
    if (need > g->cap_assigned) {
        mb_gtp *n = g->c->al.alloc(g->c->al.ctx, need * sizeof *n);
        if (!n)
            return MSGBUS_ERR_NOMEM;
        if (g->assigned)
            g->c->al.free(g->c->al.ctx, g->assigned, g->cap_assigned * sizeof *n);
        g->assigned = n;
        g->cap_assigned = need;
    }
    for (i = 0; i < as->n_assigned_partitions; i++)
        for (j = 0; j < as->assigned_partitions[i].n_partitions; j++, k++) {
            copy_str(g->assigned[k].topic, sizeof g->assigned[k].topic,
                     as->assigned_partitions[i].topic);
            g->assigned[k].partition = as->assigned_partitions[i].partitions[j];
        }
    g->n_assigned = k;
    return 0;
}

static void start_ofetch(mb_group *g);

static void sync_done(void *ud, int err, int16_t version, mb_rd *body)
{
    mb_group *g = ud;
    mb_sync_group_resp resp;
    mb_consumer_assignment as;
    mb_arena a;
    g->busy[R_SYNC] = 0;
    if (g->c->closing)
        return;
    mb_arena_init(&a, g->arena, MB_GROUP_ARENA);
    if (err == 0)
        err = mb_sync_group_resp_read(body, version, &a, &resp);
    if (err == 0)
        err = resp.error_code;
    if (err == 0 && resp.assignment.len > 0) {
        mb_rd rd;
        mb_rd_init(&rd, resp.assignment.ptr, (size_t)resp.assignment.len);
        err = mb_consumer_assignment_read(&rd, &a, &as);
    } else if (err == 0) {
        memset(&as, 0, sizeof as); /* nothing for this member */
    }
    if (err == 0)
        err = keep_assignment(g, &as);
    if (err) {
        g->state = G_IDLE;
        group_error(g, "SyncGroup", err);
        return;
    }
    MB_LOG(&g->c->log, MB_LOG_INFO, "group %s: %d partitions assigned", g->group_id,
           (int)g->n_assigned);
    rebalance_cb(g, 1);
    start_ofetch(g);
}

static void start_sync(mb_group *g)
{
    g->state = G_SYNCING;
    if (send_req(g, R_SYNC, g->coordinator, MB_API_SYNC_GROUP, 1, 4,
                 g->c->cfg.rebalance_timeout_ms + 5000, sync_encode, sync_done) != 0)
        lost_coordinator(g, MSGBUS_ERR_STATE);
}

/* Group the assigned partitions by topic for a request (arrays in the arena). */
static int by_topic(mb_group *g, mb_arena *a, mb_offset_fetch_req_topic **out, int32_t *n_out)
{
    mb_offset_fetch_req_topic *t = mb_arena_alloc(a, g->n_assigned + 1, sizeof *t);
    int32_t *parts = mb_arena_alloc(a, g->n_assigned + 1, sizeof *parts);
    size_t i, k, np = 0;
    int32_t nt = 0;
    if (!t || !parts)
        return MSGBUS_ERR_NO_ROOM;
    for (i = 0; i < g->n_assigned; i++) {
        int32_t x;
        for (x = 0; x < nt && strcmp(t[x].name.ptr, g->assigned[i].topic) != 0; x++)
            ;
        if (x < nt)
            continue;
        t[nt].name = mb_str_c(g->assigned[i].topic);
        t[nt].partition_indexes = &parts[np];
        t[nt].n_partition_indexes = 0;
        for (k = i; k < g->n_assigned; k++)
            if (strcmp(g->assigned[k].topic, g->assigned[i].topic) == 0) {
                parts[np++] = g->assigned[k].partition;
                t[nt].n_partition_indexes++;
            }
        nt++;
    }
    *out = t;
    *n_out = nt;
    return 0;
}

static int ofetch_encode(void *ud, mb_wr *w, int16_t version)
{
    mb_group *g = ud;
    mb_offset_fetch_req req;
    mb_arena a;
    int rc;
    mb_arena_init(&a, g->arena, MB_GROUP_ARENA);
    req.group_id = mb_str_c(g->group_id);
    rc = by_topic(g, &a, &req.topics, &req.n_topics);
    return rc ? rc : mb_offset_fetch_req_write(w, version, &req);
}

static void ofetch_done(void *ud, int err, int16_t version, mb_rd *body)
{
    mb_group *g = ud;
    mb_offset_fetch_resp resp;
    mb_arena a;
    size_t i;
    g->busy[R_OFETCH] = 0;
    if (g->c->closing)
        return;
    mb_arena_init(&a, g->arena, MB_GROUP_ARENA);
    if (err == 0)
        err = mb_offset_fetch_resp_read(body, version, &a, &resp);
    if (err == 0)
        err = resp.error_code;
    if (err == MSGBUS_KERR_COORDINATOR_LOAD_IN_PROGRESS) {
        g->retry_at = now_ms() + g->c->cfg.retry_backoff_ms;
        g->state = G_OFFSETS; /* ask again */
        return;
    }
    if (err) {
        group_error(g, "OffsetFetch", err);
        return;
    }
    for (i = 0; i < g->n_assigned; i++) {
        int64_t off = -1;
        int32_t t, p;
        for (t = 0; t < resp.n_topics; t++) {
            if (!mb_str_eq(resp.topics[t].name, mb_str_c(g->assigned[i].topic)))
                continue;
            for (p = 0; p < resp.topics[t].n_partitions; p++)
                if (resp.topics[t].partitions[p].partition_index == g->assigned[i].partition &&
                    resp.topics[t].partitions[p].error_code == 0)
                    off = resp.topics[t].partitions[p].committed_offset;
        }
        mb_cons_assign(g->c, g->assigned[i].topic, g->assigned[i].partition,
                       off >= 0 ? off : g->c->cfg.auto_offset_reset);
    }
    g->state = G_STABLE;
    g->heartbeat_at = now_ms() + g->c->cfg.heartbeat_interval_ms;
    g->commit_at = now_ms() + g->c->cfg.auto_commit_interval_ms;
}

static void start_ofetch(mb_group *g)
{
    g->state = G_OFFSETS;
    if (send_req(g, R_OFETCH, g->coordinator, MB_API_OFFSET_FETCH, 1, 6, 0, ofetch_encode,
                 ofetch_done) != 0)
        lost_coordinator(g, MSGBUS_ERR_STATE);
}

/* ------------------------------------------------------------------------ */
/* Heartbeat, OffsetCommit, LeaveGroup                                       */
/* ------------------------------------------------------------------------ */

static int hb_encode(void *ud, mb_wr *w, int16_t version)
{
    mb_group *g = ud;
    mb_heartbeat_req req = {mb_str_c(g->group_id), g->generation, mb_str_c(g->member_id),
                            MB_STR_NULL};
    return mb_heartbeat_req_write(w, version, &req);
}

static void hb_done(void *ud, int err, int16_t version, mb_rd *body)
{
    mb_group *g = ud;
    mb_heartbeat_resp resp;
    g->busy[R_HB] = 0;
    if (g->c->closing)
        return;
    if (err == 0)
        err = mb_heartbeat_resp_read(body, version, NULL, &resp);
    if (err == 0)
        err = resp.error_code;
    if (err && g->state == G_STABLE)
        group_error(g, "Heartbeat", err);
}

/* One offset to commit. */
typedef struct commit_ent {
    const char *topic;
    int32_t partition;
    int64_t offset;
} commit_ent;

/* What a commit sends: the offsets given explicitly, else every known position. */
static size_t commit_entries(mb_group *g, commit_ent *e)
{
    mb_consumer *c = g->c;
    size_t i, n = 0;
    if (g->n_ex) {
        for (i = 0; i < g->n_ex; i++)
            e[n++] = (commit_ent){g->ex[i].topic, g->ex[i].partition, g->ex[i].offset};
        return n;
    }
    for (i = 0; i < c->n_parts; i++)
        if (c->parts[i]->topic[0] && c->parts[i]->position >= 0)
            e[n++] =
                (commit_ent){c->parts[i]->topic, c->parts[i]->partition, c->parts[i]->position};
    return n;
}

static int commit_encode(void *ud, mb_wr *w, int16_t version)
{
    mb_group *g = ud;
    size_t cap = (g->n_ex > g->c->n_parts ? g->n_ex : g->c->n_parts) + 1;
    mb_offset_commit_req_topic *t;
    mb_offset_commit_req_partition *parts;
    mb_offset_commit_req req;
    commit_ent *e;
    mb_arena a;
    size_t i, k, n, np = 0;
    int32_t nt = 0;
    uint8_t *used;
    mb_arena_init(&a, g->arena, MB_GROUP_ARENA);
    t = mb_arena_alloc(&a, cap, sizeof *t);
    parts = mb_arena_alloc(&a, cap, sizeof *parts);
    e = mb_arena_alloc(&a, cap, sizeof *e);
    used = mb_arena_alloc(&a, cap, 1);
    if (!t || !parts || !e || !used)
        return MSGBUS_ERR_NO_ROOM;
    n = commit_entries(g, e);
    for (i = 0; i < n; i++) {
        if (used[i])
            continue;
        t[nt].name = mb_str_c(e[i].topic);
        t[nt].partitions = &parts[np];
        t[nt].n_partitions = 0;
        for (k = i; k < n; k++) {
            if (used[k] || strcmp(e[k].topic, e[i].topic) != 0)
                continue;
            used[k] = 1;
            parts[np].partition_index = e[k].partition;
            parts[np].committed_offset = e[k].offset;
            parts[np].committed_leader_epoch = -1;
            parts[np].committed_metadata = MB_STR_NULL;
            np++;
            t[nt].n_partitions++;
        }
        nt++;
    }
    req.group_id = mb_str_c(g->group_id);
    req.generation_id_or_member_epoch = g->generation;
    req.member_id = mb_str_c(g->member_id);
    req.group_instance_id = MB_STR_NULL;
    req.retention_time_ms = -1;
    req.topics = t;
    req.n_topics = nt;
    return mb_offset_commit_req_write(w, version, &req);
}

static void commit_done(void *ud, int err, int16_t version, mb_rd *body)
{
    mb_group *g = ud;
    mb_offset_commit_resp resp;
    mb_arena a;
    int32_t t, p;
    g->busy[R_COMMIT] = 0;
    mb_arena_init(&a, g->arena, MB_GROUP_ARENA);
    if (err == 0)
        err = mb_offset_commit_resp_read(body, version, &a, &resp);
    for (t = 0; err == 0 && t < resp.n_topics; t++)
        for (p = 0; p < resp.topics[t].n_partitions; p++)
            if (resp.topics[t].partitions[p].error_code && !err)
                err = resp.topics[t].partitions[p].error_code;
    g->commit_err = err;
    g->commits++;
    g->n_ex = 0; /* the explicit offsets went (or failed): positions from now on */
    if (err && !g->c->closing) {
        MB_LOG(&g->c->log, MB_LOG_WARN, "group %s: commit failed: %s", g->group_id,
               msgbus_strerror(err));
        if (rejoin_error(err) || coordinator_error(err))
            group_error(g, "OffsetCommit", err);
    }
}

static int send_commit(mb_group *g)
{
    if (g->busy[R_COMMIT] || g->coordinator < 0)
        return MSGBUS_ERR_STATE;
    return send_req(g, R_COMMIT, g->coordinator, MB_API_OFFSET_COMMIT, 2, 8, 0, commit_encode,
                    commit_done);
}

static int leave_encode(void *ud, mb_wr *w, int16_t version)
{
    mb_group *g = ud;
    mb_leave_group_member me = {mb_str_c(g->member_id), MB_STR_NULL, 0};
    mb_leave_group_req req = {mb_str_c(g->group_id), mb_str_c(g->member_id), &me, 1};
    return mb_leave_group_req_write(w, version, &req);
}

static void leave_done(void *ud, int err, int16_t version, mb_rd *body)
{
    mb_group *g = ud;
    (void)err;
    (void)version;
    (void)body;
    g->busy[R_LEAVE] = 0;
}

/* ------------------------------------------------------------------------ */
/* The state machine                                                         */
/* ------------------------------------------------------------------------ */

/* Before joining again: commit what was read, tell the application, let go. */
static void revoke(mb_group *g)
{
    if (g->n_assigned == 0)
        return;
    if (g->c->cfg.auto_commit_interval_ms && g->generation >= 0)
        send_commit(g); /* goes to the coordinator ahead of the JoinGroup */
    rebalance_cb(g, 0);
    mb_cons_unassign_all(g->c);
    g->n_assigned = 0;
}

static void min_wait(uint32_t *wait, uint32_t at, uint32_t now)
{
    int32_t d = msgbus_time_diff(at, now);
    uint32_t u = d > 0 ? (uint32_t)d : 0;
    if (u < *wait)
        *wait = u;
}

/* 1 once the metadata knows every subscribed topic (its partitions or its error). */
static int topics_known(mb_group *g)
{
    mb_cluster_view v;
    size_t i;
    int32_t j;
    mb_client_cluster(g->c->cl, &v);
    for (i = 0; i < g->n_topics; i++) {
        for (j = 0; j < v.n_topics; j++)
            if (strcmp(v.topics[j].name, g->topics[i]) == 0 &&
                (v.topics[j].n_partitions > 0 || v.topics[j].error_code))
                break;
        if (j == v.n_topics)
            return 0;
    }
    return 1;
}

void mb_group_step(mb_group *g, uint32_t now, uint32_t *wait)
{
    if (g->n_topics == 0 || g->busy[R_FIND] || g->busy[R_JOIN] || g->busy[R_SYNC] ||
        g->busy[R_OFETCH])
        return;
    if (g->state == G_IDLE) {
        if (msgbus_time_diff(now, g->retry_at) < 0) {
            min_wait(wait, g->retry_at, now);
            return;
        }
        if (!topics_known(g)) {
            /* a leader must know the partitions it shares out: join once it does */
            mb_client_refresh_metadata(g->c->cl, 0);
            g->retry_at = now + 50;
            min_wait(wait, g->retry_at, now);
            return;
        }
        revoke(g);
        g->state = G_FINDING;
        if (send_req(g, R_FIND, MB_BROKER_ANY, MB_API_FIND_COORDINATOR, 1, 3, 0, find_encode,
                     find_done) != 0)
            g->state = G_IDLE;
        return;
    }
    if (g->state == G_LEADING) {
        if (msgbus_time_diff(now, g->retry_at) < 0)
            min_wait(wait, g->retry_at, now);
        else
            start_sync(g);
        return;
    }
    if (g->state == G_OFFSETS) {
        if (msgbus_time_diff(now, g->retry_at) < 0)
            min_wait(wait, g->retry_at, now);
        else
            start_ofetch(g);
        return;
    }
    if (g->state != G_STABLE)
        return;
    if (g->rejoin) {
        revoke(g);
        start_join(g);
        return;
    }
    if (!g->busy[R_HB] && msgbus_time_diff(now, g->heartbeat_at) >= 0) {
        g->heartbeat_at = now + g->c->cfg.heartbeat_interval_ms;
        send_req(g, R_HB, g->coordinator, MB_API_HEARTBEAT, 1, 4, 0, hb_encode, hb_done);
    }
    min_wait(wait, g->heartbeat_at, now);
    if (g->c->cfg.auto_commit_interval_ms) {
        if (msgbus_time_diff(now, g->commit_at) >= 0) {
            g->commit_at = now + g->c->cfg.auto_commit_interval_ms;
            send_commit(g);
        }
        min_wait(wait, g->commit_at, now);
    }
}

int mb_group_stable(const mb_group *g)
{
    return g->state == G_STABLE && !g->rejoin;
}

/* ------------------------------------------------------------------------ */
/* Life cycle and the public calls                                           */
/* ------------------------------------------------------------------------ */

int mb_group_create(mb_group **out, mb_consumer *c, const char *group_id)
{
    mb_group *g;
    if (!group_id || !*group_id || strlen(group_id) >= sizeof g->group_id)
        return MSGBUS_ERR_INVALID_ARG;
    g = c->al.alloc(c->al.ctx, sizeof *g);
    if (!g)
        return MSGBUS_ERR_NOMEM;
    memset(g, 0, sizeof *g);
    g->arena = c->al.alloc(c->al.ctx, MB_GROUP_ARENA);
    if (!g->arena) {
        c->al.free(c->al.ctx, g, sizeof *g);
        return MSGBUS_ERR_NOMEM;
    }
    g->c = c;
    strcpy(g->group_id, group_id);
    g->coordinator = -1;
    g->generation = -1;
    *out = g;
    return 0;
}

/* Poll the client until request @p which has been answered, at most @p ms. */
static void await(mb_group *g, int which, uint32_t ms)
{
    uint32_t end = now_ms() + ms;
    while (g->busy[which] && msgbus_time_diff(end, now_ms()) > 0)
        if (mb_client_poll(g->c->cl, 50) != 0)
            break;
}

void mb_group_destroy(mb_group *g)
{
    if (!g)
        return;
    if (g->c->cl && g->state == G_STABLE && !g->rejoin) {
        if (g->c->cfg.auto_commit_interval_ms && send_commit(g) == 0)
            await(g, R_COMMIT, 5000);
        if (send_req(g, R_LEAVE, g->coordinator, MB_API_LEAVE_GROUP, 1, 4, 0, leave_encode,
                     leave_done) == 0)
            await(g, R_LEAVE, 2000);
    }
    if (g->sync_buf)
        g->c->al.free(g->c->al.ctx, g->sync_buf, g->sync_cap);
    if (g->assigned)
        g->c->al.free(g->c->al.ctx, g->assigned, g->cap_assigned * sizeof *g->assigned);
    if (g->ex)
        g->c->al.free(g->c->al.ctx, g->ex, g->cap_ex * sizeof *g->ex);
    g->c->al.free(g->c->al.ctx, g->arena, MB_GROUP_ARENA);
    g->c->al.free(g->c->al.ctx, g, sizeof *g);
}

int msgbus_consumer_subscribe(msgbus_consumer *c, const char *const *topics, size_t n)
{
    mb_group *g;
    mb_consumer_subscription sub;
    mb_str names[MB_GROUP_MAX_TOPICS];
    mb_wr w;
    size_t i;
    int rc;
    if (!c || (!topics && n) || n == 0 || n > MB_GROUP_MAX_TOPICS)
        return MSGBUS_ERR_INVALID_ARG;
    g = c->grp;
    if (!g || g->n_topics)
        return MSGBUS_ERR_STATE;
    for (i = 0; i < n; i++) {
        size_t len = topics[i] ? strlen(topics[i]) : 0;
        if (!mb_topic_name_valid(topics[i], len))
            return MSGBUS_ERR_INVALID_ARG;
    }
    for (i = 0; i < n; i++) {
        if ((rc = mb_client_want_topic(c->cl, topics[i])) != 0)
            return rc;
        strcpy(g->topics[i], topics[i]);
        names[i] = mb_str_c(g->topics[i]);
    }
    memset(&sub, 0, sizeof sub);
    sub.topics = names;
    sub.n_topics = (int32_t)n;
    sub.user_data = MB_BYTES_NULL;
    sub.generation_id = -1;
    sub.rack_id = MB_STR_NULL;
    mb_wr_init(&w, g->sub, sizeof g->sub);
    if ((rc = mb_consumer_subscription_write(&w, 0, &sub)) != 0)
        return rc;
    g->sub_len = w.len;
    g->n_topics = n;
    g->state = G_IDLE;
    g->retry_at = now_ms();
    return 0;
}

/* Send the commit prepared in g (explicit or positions) and wait as asked. */
static int commit_now(mb_group *g, uint32_t wait_ms)
{
    uint64_t before = g->commits;
    int rc = send_commit(g);
    if (rc != 0 || wait_ms == 0)
        return rc;
    await(g, R_COMMIT, wait_ms);
    if (g->commits == before)
        return MSGBUS_ERR_TIMEOUT;
    return g->commit_err;
}

int msgbus_consumer_commit_offsets(msgbus_consumer *c, const msgbus_topic_partition *offsets,
                                   size_t n, uint32_t wait_ms)
{
    mb_group *g;
    size_t i;
    if (!c || !offsets || n == 0 || n > MSGBUS_CFG_MAX_ARRAY_COUNT)
        return MSGBUS_ERR_INVALID_ARG;
    for (i = 0; i < n; i++)
        if (!offsets[i].topic || !mb_topic_name_valid(offsets[i].topic, strlen(offsets[i].topic)) ||
            offsets[i].partition < 0 || offsets[i].offset < 0)
            return MSGBUS_ERR_INVALID_ARG;
    g = c->grp;
    if (!g || !mb_group_stable(g))
        return MSGBUS_ERR_STATE;
    if (g->busy[R_COMMIT])
        await(g, R_COMMIT, wait_ms ? wait_ms : 5000);
    if (g->busy[R_COMMIT])
        return MSGBUS_ERR_TIMEOUT;
    if (n > g->cap_ex) {
        mb_gtp *ex = c->al.alloc(c->al.ctx, n * sizeof *ex);
        if (!ex)
            return MSGBUS_ERR_NOMEM;
        if (g->ex)
            c->al.free(c->al.ctx, g->ex, g->cap_ex * sizeof *ex);
        g->ex = ex;
        g->cap_ex = n;
    }
    for (i = 0; i < n; i++) {
        strcpy(g->ex[i].topic, offsets[i].topic);
        g->ex[i].partition = offsets[i].partition;
        g->ex[i].offset = offsets[i].offset;
    }
    g->n_ex = n;
    return commit_now(g, wait_ms);
}

static int query_encode(void *ud, mb_wr *w, int16_t version)
{
    mb_group *g = ud;
    mb_offset_fetch_req_topic t;
    mb_offset_fetch_req req;
    t.name = mb_str_c(g->query.topic);
    t.partition_indexes = &g->query.partition;
    t.n_partition_indexes = 1;
    req.group_id = mb_str_c(g->group_id);
    req.topics = &t;
    req.n_topics = 1;
    return mb_offset_fetch_req_write(w, version, &req);
}

static void query_done(void *ud, int err, int16_t version, mb_rd *body)
{
    mb_group *g = ud;
    mb_offset_fetch_resp resp;
    mb_arena a;
    int32_t t, p;
    g->busy[R_QUERY] = 0;
    g->query.offset = -1;
    mb_arena_init(&a, g->arena, MB_GROUP_ARENA);
    if (err == 0)
        err = mb_offset_fetch_resp_read(body, version, &a, &resp);
    if (err == 0)
        err = resp.error_code;
    for (t = 0; err == 0 && t < resp.n_topics; t++)
        for (p = 0; p < resp.topics[t].n_partitions; p++)
            if (resp.topics[t].partitions[p].partition_index == g->query.partition) {
                err = resp.topics[t].partitions[p].error_code;
                g->query.offset = resp.topics[t].partitions[p].committed_offset;
            }
    g->query_err = err;
}

int msgbus_consumer_committed(msgbus_consumer *c, const char *topic, int32_t partition,
                              int64_t *offset, uint32_t timeout_ms)
{
    mb_group *g;
    uint32_t end;
    if (!c || !offset || !topic || !mb_topic_name_valid(topic, strlen(topic)) || partition < 0)
        return MSGBUS_ERR_INVALID_ARG;
    g = c->grp;
    if (!g)
        return MSGBUS_ERR_STATE;
    end = now_ms() + timeout_ms;
    if (g->coordinator < 0 && !g->busy[R_FIND]) {
        /* not a member yet: look the coordinator up (joining only follows a subscription) */
        if (send_req(g, R_FIND, MB_BROKER_ANY, MB_API_FIND_COORDINATOR, 1, 3, 0, find_encode,
                     find_done) != 0)
            return MSGBUS_ERR_STATE;
    }
    while ((g->coordinator < 0 || g->busy[R_QUERY]) && msgbus_time_diff(end, now_ms()) > 0)
        if (mb_client_poll(c->cl, 20) != 0)
            return MSGBUS_ERR_TRANSPORT;
    if (g->coordinator < 0 || g->busy[R_QUERY])
        return MSGBUS_ERR_TIMEOUT;
    strcpy(g->query.topic, topic);
    g->query.partition = partition;
    if (send_req(g, R_QUERY, g->coordinator, MB_API_OFFSET_FETCH, 1, 6, 0, query_encode,
                 query_done) != 0)
        return MSGBUS_ERR_STATE;
    await(g, R_QUERY,
          (uint32_t)(msgbus_time_diff(end, now_ms()) > 0 ? msgbus_time_diff(end, now_ms()) : 0));
    if (g->busy[R_QUERY])
        return MSGBUS_ERR_TIMEOUT;
    if (g->query_err == 0)
        *offset = g->query.offset;
    return g->query_err;
}

int msgbus_consumer_commit(msgbus_consumer *c, uint32_t wait_ms)
{
    mb_group *g;
    if (!c)
        return MSGBUS_ERR_INVALID_ARG;
    g = c->grp;
    if (!g || !mb_group_stable(g))
        return MSGBUS_ERR_STATE;
    if (g->busy[R_COMMIT])
        await(g, R_COMMIT, wait_ms ? wait_ms : 5000);
    if (g->busy[R_COMMIT])
        return MSGBUS_ERR_TIMEOUT;
    return commit_now(g, wait_ms);
}

#else  /* MSGBUS_CFG_GROUPS 0: the calls answer MSGBUS_ERR_NOT_BUILT */

int msgbus_consumer_subscribe(msgbus_consumer *c, const char *const *topics, size_t n)
{
    (void)c;
    (void)topics;
    (void)n;
    return MSGBUS_ERR_NOT_BUILT;
}

int msgbus_consumer_commit(msgbus_consumer *c, uint32_t wait_ms)
{
    (void)c;
    (void)wait_ms;
    return MSGBUS_ERR_NOT_BUILT;
}

int msgbus_consumer_commit_offsets(msgbus_consumer *c, const msgbus_topic_partition *offsets,
                                   size_t n, uint32_t wait_ms)
{
    (void)c;
    (void)offsets;
    (void)n;
    (void)wait_ms;
    return MSGBUS_ERR_NOT_BUILT;
}

int msgbus_consumer_committed(msgbus_consumer *c, const char *topic, int32_t partition,
                              int64_t *offset, uint32_t timeout_ms)
{
    (void)c;
    (void)topic;
    (void)partition;
    (void)offset;
    (void)timeout_ms;
    return MSGBUS_ERR_NOT_BUILT;
}
#endif /* MSGBUS_CFG_GROUPS */
