/*
 * group.c - a consumer group member (the classic protocol) and committed
 * offsets:
 *
 *   FIND (FindCoordinator) -> JOIN (JoinGroup, again with the member id the
 *   broker hands out) -> SYNC (SyncGroup; the leader sends everyone's
 *   assignment, computed here with range or roundrobin) -> OFFSETS
 *   (OffsetFetch) -> STABLE (Heartbeat every heartbeat_interval_ms,
 *   OffsetCommit every auto_commit_interval_ms).
 *
 * Shape (the producer's): mb_group_step() applies the event the last
 * response left (transition(), one table: state x event -> next state), then
 * runs the handler of the current state, which sends that state's request
 * when it is due. Response callbacks (*_done) only decode and record a result
 * and an event; they never change the state.
 *
 * Entering JOIN with partitions assigned revokes them: their positions are
 * copied (a snapshot, taken now) into a commit request, the application is
 * told, and the consumer lets them go. The commit goes to the coordinator
 * ahead of the JoinGroup.
 *
 * Calls go: consumer.c -> group.c (group.h); group.c -> the consumer only
 * through the upcalls in mb_group_host; group.c -> net/client (requests, the
 * metadata view). The clock is the host's (injected: tests use a fake one).
 */
#include <string.h>

#include "msgbus/config_defaults.h"

#include "bus/client_open.h"
#include "bus/group.h"
#include "msgbus/kafka_errors.h"
#include "msgbus/port.h"
#include "proto/consumer_protocol.h"
#include "proto/find_coordinator.h"
#include "proto/group.h"
#include "proto/offsets.h"

#if MSGBUS_CFG_GROUPS

#define MB_GROUP_ARENA MSGBUS_CFG_GROUP_ARENA
#define MB_GROUP_MAX_TOPICS MSGBUS_CFG_GROUP_MAX_TOPICS
#define MB_GROUP_MAX_MEMBERS MSGBUS_CFG_GROUP_MAX_MEMBERS
#define MB_GROUP_LEADER_SYNC_DELAY_MS MSGBUS_CFG_GROUP_LEADER_SYNC_DELAY_MS
#define MB_GROUP_CLOSE_COMMIT_MS MSGBUS_CFG_GROUP_CLOSE_COMMIT_MS
#define MB_GROUP_CLOSE_LEAVE_MS MSGBUS_CFG_GROUP_CLOSE_LEAVE_MS

enum { G_INIT, G_FIND, G_JOIN, G_SYNC, G_OFFSETS, G_STABLE, G_N };

/* Events a response leaves for the step, in rising severity (the worst of a step wins). */
enum { E_NONE, E_OK, E_MEMBER_ID, E_RETRY, E_REJOIN, E_FATAL, E_LOST, E_N };

/*
 * The transitions: next state for (state, event). Columns: NONE, OK,
 * MEMBER_ID, RETRY (same state after a backoff), REJOIN, FATAL (10 backoffs),
 * LOST (coordinator gone: look it up after a backoff). Entering JOIN revokes.
 */
static const unsigned char next_state[G_N][E_N] = {
    [G_INIT] = {G_INIT, G_INIT, G_INIT, G_INIT, G_INIT, G_INIT, G_INIT},
    [G_FIND] = {G_FIND, G_JOIN, G_FIND, G_FIND, G_FIND, G_FIND, G_FIND},
    [G_JOIN] = {G_JOIN, G_SYNC, G_JOIN, G_JOIN, G_JOIN, G_FIND, G_FIND},
    [G_SYNC] = {G_SYNC, G_OFFSETS, G_SYNC, G_SYNC, G_JOIN, G_FIND, G_FIND},
    [G_OFFSETS] = {G_OFFSETS, G_STABLE, G_OFFSETS, G_OFFSETS, G_JOIN, G_FIND, G_FIND},
    [G_STABLE] = {G_STABLE, G_STABLE, G_STABLE, G_STABLE, G_JOIN, G_FIND, G_FIND},
};

enum {
    R_FIND,
    R_JOIN,
    R_SYNC,
    R_OFETCH,
    R_HB,
    R_COMMIT,
    R_RCOMMIT,
    R_LEAVE,
    R_QFIND,
    R_QUERY,
    R_N
};

/* A commit request and the offsets it carries, copied when it is queued. */
typedef struct mb_gcommit {
    struct mb_group *g;
    int slot; /* R_COMMIT or R_RCOMMIT */
    mb_gtp *offs;
    size_t n, cap;
} mb_gcommit;

struct mb_group {
    mb_group_host h;
    char group_id[256];
    char member_id[256];
    char protocol[32];
    char topics[MB_GROUP_MAX_TOPICS][256];
    size_t n_topics;
    int state;
    int ev; /* recorded by the callbacks, applied by transition() */
    int closing;
    int32_t coordinator, found; /* found: the FindCoordinator answer */
    int32_t qcoord;             /* looked up for msgbus_consumer_committed() alone */
    int32_t generation;
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
    /* what this member was given (offset: the committed one, from OffsetFetch) */
    mb_gtp *assigned;
    size_t n_assigned, cap_assigned;
    mb_gcommit cm[2]; /* [0] periodic and explicit commits, [1] the revoke commit */
    mb_gtp query;     /* msgbus_consumer_committed(): the partition asked about */
    int query_err;
    int commit_err; /* the last commit's result */
    uint64_t commits;
    unsigned sent; /* requests queued, ever (mb_group_step reports its share) */
    uint8_t *arena;
};

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------ */

static uint32_t now_of(const mb_group *g)
{
    return g->h.now_ms ? g->h.now_ms(g->h.clock_ud) : msgbus_port_now_ms();
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

static void record(mb_group *g, int ev)
{
    if (ev > g->ev)
        g->ev = ev;
}

static int send_req(mb_group *g, int which, int32_t broker, int16_t api, int16_t minv, int16_t maxv,
                    uint32_t timeout, mb_req_encode_fn enc, mb_req_done_fn done, void *ud)
{
    mb_net_req *r = &g->req[which];
    mb_req_prepare(r, api, minv, maxv, enc, done, ud ? ud : (void *)g);
    r->timeout_ms = timeout;
    g->busy[which] = 1;
    if (mb_client_send(g->h.cl, broker, r) != 0) {
        g->busy[which] = 0;
        return MSGBUS_ERR_STATE;
    }
    g->sent++;
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

/* A request of the membership failed with @p e: log, and record what it means. */
static void failed(mb_group *g, const char *what, int e)
{
    if (e == MSGBUS_KERR_UNKNOWN_MEMBER_ID || e == MSGBUS_KERR_FENCED_INSTANCE_ID)
        g->member_id[0] = '\0';
    if (coordinator_error(e)) {
        MB_LOG(g->h.log, MB_LOG_INFO, "group %s: %s: coordinator %d lost (%s)", g->group_id, what,
               (int)g->coordinator, msgbus_err_name(e));
        record(g, E_LOST);
    } else if (rejoin_error(e)) {
        MB_LOG(g->h.log, MB_LOG_INFO, "group %s: %s: %s, joining again", g->group_id, what,
               msgbus_err_name(e));
        record(g, E_REJOIN);
    } else {
        MB_LOG(g->h.log, MB_LOG_ERROR, "group %s: %s failed: %s", g->group_id, what,
               msgbus_strerror(e));
        if (g->h.cfg->on_error)
            g->h.cfg->on_error(g->h.cfg->error_ud, e, what);
        record(g, E_FATAL);
    }
}

static void min_wait(uint32_t *wait, uint32_t at, uint32_t now)
{
    int32_t d = msgbus_time_diff(at, now);
    uint32_t u = d > 0 ? (uint32_t)d : 0;
    if (u < *wait)
        *wait = u;
}

/* 1 (lowering *wait) while @p at is still ahead. */
static int not_yet(uint32_t at, uint32_t now, uint32_t *wait)
{
    if (msgbus_time_diff(at, now) <= 0)
        return 0;
    min_wait(wait, at, now);
    return 1;
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

/* The coordinator from a FindCoordinator answer into *@p id: 0 or an error. */
static int find_read(int err, int16_t version, mb_rd *body, int32_t *id)
{
    mb_find_coordinator_resp resp;
    memset(&resp, 0, sizeof resp);
    if (err == 0)
        err = mb_find_coordinator_resp_read(body, version, NULL, &resp);
    if (err == 0)
        err = resp.error_code;
    if (err == 0 && resp.node_id < 0)
        err = MSGBUS_ERR_MALFORMED;
    if (err == 0)
        *id = resp.node_id;
    return err;
}

static void find_done(void *ud, int err, int16_t version, mb_rd *body)
{
    mb_group *g = ud;
    g->busy[R_FIND] = 0;
    if (g->closing)
        return;
    err = find_read(err, version, body, &g->found);
    if (err) {
        MB_LOG(g->h.log, MB_LOG_INFO, "group %s: FindCoordinator: %s", g->group_id,
               msgbus_err_name(err));
        record(g, E_RETRY);
        return;
    }
    record(g, E_OK);
}

/* 1 once the metadata knows every subscribed topic (its partitions or its error). */
static int topics_known(mb_group *g)
{
    mb_cluster_view v;
    size_t i;
    int32_t j;
    mb_client_cluster(g->h.cl, &v);
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

static void on_find(mb_group *g, uint32_t now, uint32_t *wait)
{
    if (g->busy[R_FIND] || not_yet(g->retry_at, now, wait))
        return;
    if (!topics_known(g)) {
        /* a leader must know the partitions it shares out: the answer wakes the loop */
        mb_client_refresh_metadata(g->h.cl, 0);
        return;
    }
    if (send_req(g, R_FIND, MB_BROKER_ANY, MB_API_FIND_COORDINATOR, 1, 3, 0, find_encode, find_done,
                 NULL) != 0)
        record(g, E_RETRY);
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
    int first = g->h.cfg->assignor == MSGBUS_ASSIGNOR_ROUNDROBIN;
    protos[0].name = mb_str_c(names[first]);
    protos[1].name = mb_str_c(names[!first]);
    protos[0].metadata.ptr = protos[1].metadata.ptr = g->sub;
    protos[0].metadata.len = protos[1].metadata.len = (int32_t)g->sub_len;
    req.group_id = mb_str_c(g->group_id);
    req.session_timeout_ms = (int32_t)g->h.cfg->session_timeout_ms;
    req.rebalance_timeout_ms = (int32_t)g->h.cfg->rebalance_timeout_ms;
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
    mb_client_cluster(g->h.cl, &v);
    for (i = 0; i < v.n_topics; i++)
        if (mb_str_eq(mb_str_c(v.topics[i].name), topic))
            return v.topics[i].error_code ? 0 : v.topics[i].n_partitions;
    return 0;
}

/* One (member, topic, partition) decision of the assignor. */
typedef struct owner {
    int32_t member, topic, partition;
} owner;

/* The topics and partitions to share out, and the members to share them to. */
typedef struct plan {
    member_sub *m;
    int32_t nm;
    mb_str *topics;
    int32_t nt;
} plan;

/* range: each topic's partitions split into contiguous runs over its sorted subscribers. */
static size_t assign_range(mb_group *g, const plan *pl, owner *out, size_t cap)
{
    size_t n = 0;
    int32_t t, i;
    for (t = 0; t < pl->nt; t++) {
        int32_t np = partitions_of(g, pl->topics[t]), subs = 0, k = 0;
        for (i = 0; i < pl->nm; i++)
            subs += subscribes(&pl->m[i], pl->topics[t]);
        if (subs == 0)
            continue;
        for (i = 0; i < pl->nm; i++) {
            int32_t per = np / subs, extra = np % subs, start, len, p;
            if (!subscribes(&pl->m[i], pl->topics[t]))
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
static size_t assign_roundrobin(mb_group *g, const plan *pl, owner *out, size_t cap)
{
    size_t n = 0;
    int32_t t, p, next = 0, nm = pl->nm;
    for (t = 0; t < pl->nt; t++) {
        int32_t np = partitions_of(g, pl->topics[t]);
        for (p = 0; p < np && n < cap; p++) {
            int32_t tries;
            for (tries = 0; tries < nm && !subscribes(&pl->m[next % nm], pl->topics[t]); tries++)
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
static int encode_assignment(mb_wr *w, int32_t i, const owner *o, size_t n, const plan *pl,
                             mb_topic_partitions *tp, int32_t *parts)
{
    mb_consumer_assignment as;
    int32_t t, ntp = 0, np = 0;
    size_t k;
    for (t = 0; t < pl->nt; t++) {
        int32_t first = np;
        for (k = 0; k < n; k++)
            if (o[k].member == i && o[k].topic == t)
                parts[np++] = o[k].partition;
        if (np > first) {
            tp[ntp].topic = pl->topics[t];
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

/* Decode the members' subscriptions; members by id, topics by name (everyone agrees). */
static int make_plan(const mb_join_group_resp *resp, mb_arena *a, plan *pl)
{
    int32_t i, j, nm = resp->n_members;
    if (nm <= 0 || nm > MB_GROUP_MAX_MEMBERS)
        return MSGBUS_ERR_LIMIT;
    pl->m = mb_arena_alloc(a, (size_t)nm, sizeof *pl->m);
    pl->topics = mb_arena_alloc(a, MB_GROUP_MAX_TOPICS, sizeof *pl->topics);
    if (!pl->m || !pl->topics)
        return MSGBUS_ERR_NO_ROOM;
    pl->nm = nm;
    pl->nt = 0;
    for (i = 0; i < nm; i++) {
        mb_rd rd;
        int rc;
        mb_rd_init(&rd, resp->members[i].metadata.ptr, (size_t)resp->members[i].metadata.len);
        pl->m[i].id = resp->members[i].member_id;
        if ((rc = mb_consumer_subscription_read(&rd, a, &pl->m[i].sub)) != 0)
            return rc;
    }
    for (i = 1; i < nm; i++)
        for (j = i; j > 0 && str_cmp(pl->m[j - 1].id, pl->m[j].id) > 0; j--) {
            member_sub tmp = pl->m[j];
            pl->m[j] = pl->m[j - 1];
            pl->m[j - 1] = tmp;
        }
    for (i = 0; i < nm; i++)
        for (j = 0; j < pl->m[i].sub.n_topics; j++) {
            int32_t t;
            for (t = 0; t < pl->nt && !mb_str_eq(pl->topics[t], pl->m[i].sub.topics[j]); t++)
                ;
            if (t == pl->nt && pl->nt < MB_GROUP_MAX_TOPICS)
                pl->topics[pl->nt++] = pl->m[i].sub.topics[j];
        }
    for (i = 1; i < pl->nt; i++)
        for (j = i; j > 0 && str_cmp(pl->topics[j - 1], pl->topics[j]) > 0; j--) {
            mb_str tmp = pl->topics[j];
            pl->topics[j] = pl->topics[j - 1];
            pl->topics[j - 1] = tmp;
        }
    return 0;
}

/* Write every member's id and assignment into sync_buf (sized first). */
static int write_assignments(mb_group *g, const plan *pl, const owner *o, size_t n,
                             mb_topic_partitions *tp, int32_t *parts)
{
    size_t cap = 0, k;
    int32_t i;
    for (i = 0; i < pl->nm; i++) {
        mb_wr w;
        mb_wr_init(&w, NULL, 0);
        encode_assignment(&w, i, o, n, pl, tp, parts);
        cap += w.len + (size_t)(pl->m[i].id.len > 0 ? pl->m[i].id.len : 0);
    }
    cap += (size_t)pl->nm * sizeof *g->assigns + 16;
    if (g->sync_buf)
        g->h.al.free(g->h.al.ctx, g->sync_buf, g->sync_cap);
    g->sync_cap = 0;
    if (!(g->sync_buf = g->h.al.alloc(g->h.al.ctx, cap)))
        return MSGBUS_ERR_NOMEM;
    g->sync_cap = cap;
    g->assigns = (mb_sync_group_assignment *)(void *)g->sync_buf;
    k = (size_t)pl->nm * sizeof *g->assigns;
    for (i = 0; i < pl->nm; i++) {
        mb_wr w;
        size_t idlen = pl->m[i].id.len > 0 ? (size_t)pl->m[i].id.len : 0;
        if (idlen)
            memcpy(g->sync_buf + k, pl->m[i].id.ptr, idlen);
        g->assigns[i].member_id.ptr = (const char *)g->sync_buf + k;
        g->assigns[i].member_id.len = (int32_t)idlen;
        k += idlen;
        mb_wr_init(&w, g->sync_buf + k, cap - k);
        if (encode_assignment(&w, i, o, n, pl, tp, parts) != 0)
            return w.err ? w.err : MSGBUS_ERR_NO_ROOM;
        g->assigns[i].assignment.ptr = g->sync_buf + k;
        g->assigns[i].assignment.len = (int32_t)w.len;
        k += w.len;
    }
    g->n_assigns = pl->nm;
    return 0;
}

/* The leader: compute everyone's assignment from the JoinGroup answer. */
static int lead(mb_group *g, const mb_join_group_resp *resp, mb_arena *a)
{
    plan pl;
    owner *o;
    mb_topic_partitions *tp;
    int32_t *parts, i;
    size_t n, total = 0;
    int rc = make_plan(resp, a, &pl);
    if (rc)
        return rc;
    for (i = 0; i < pl.nt; i++)
        total += (size_t)partitions_of(g, pl.topics[i]);
    o = mb_arena_alloc(a, total + 1, sizeof *o);
    tp = mb_arena_alloc(a, (size_t)pl.nt + 1, sizeof *tp);
    parts = mb_arena_alloc(a, total + 1, sizeof *parts);
    if (!o || !tp || !parts)
        return MSGBUS_ERR_NO_ROOM;
    n = strcmp(g->protocol, "roundrobin") == 0 ? assign_roundrobin(g, &pl, o, total)
                                               : assign_range(g, &pl, o, total);
    if ((rc = write_assignments(g, &pl, o, n, tp, parts)) != 0)
        return rc;
    MB_LOG(g->h.log, MB_LOG_INFO, "group %s: leader, %s assignment of %d partitions to %d members",
           g->group_id, g->protocol, (int)n, (int)pl.nm);
    return 0;
}

static void join_done(void *ud, int err, int16_t version, mb_rd *body)
{
    mb_group *g = ud;
    mb_join_group_resp resp;
    mb_arena a;
    g->busy[R_JOIN] = 0;
    if (g->closing)
        return;
    mb_arena_init(&a, g->arena, MB_GROUP_ARENA);
    if (err == 0)
        err = mb_join_group_resp_read(body, version, &a, &resp);
    if (err == 0 && resp.error_code == MSGBUS_KERR_MEMBER_ID_REQUIRED) {
        copy_str(g->member_id, sizeof g->member_id, resp.member_id);
        record(g, E_MEMBER_ID); /* join again, with the id the broker gave us */
        return;
    }
    if (err == 0)
        err = resp.error_code;
    if (err == 0) {
        g->generation = resp.generation_id;
        copy_str(g->member_id, sizeof g->member_id, resp.member_id);
        copy_str(g->protocol, sizeof g->protocol, resp.protocol_name);
        g->n_assigns = 0;
        if (mb_str_eq(resp.leader, resp.member_id) && (err = lead(g, &resp, &a)) != 0) {
            failed(g, "assignment", err < 0 ? err : MSGBUS_ERR_MALFORMED);
            return;
        }
    }
    if (err) {
        failed(g, "JoinGroup", err);
        return;
    }
    MB_LOG(g->h.log, MB_LOG_INFO, "group %s: joined generation %d as %s", g->group_id,
           (int)g->generation, g->member_id);
    record(g, E_OK);
}

/* Commit slot @p cm's offsets: encoded from the copy, never from the live positions. */
static int send_commit(mb_group *g, mb_gcommit *cm);

/* Take a snapshot of the positions into @p cm. */
static int snapshot(mb_group *g, mb_gcommit *cm)
{
    size_t n = g->h.positions(g->h.ud, NULL, 0);
    if (n > cm->cap) {
        mb_gtp *o = g->h.al.alloc(g->h.al.ctx, n * sizeof *o);
        if (!o)
            return MSGBUS_ERR_NOMEM;
        if (cm->offs)
            g->h.al.free(g->h.al.ctx, cm->offs, cm->cap * sizeof *o);
        cm->offs = o;
        cm->cap = n;
    }
    cm->n = g->h.positions(g->h.ud, cm->offs, cm->cap);
    if (cm->n > cm->cap)
        cm->n = cm->cap;
    return 0;
}

static void rebalance_cb(mb_group *g, int assigned)
{
    msgbus_topic_partition tps[16];
    size_t i = 0;
    if (!g->h.cfg->on_rebalance)
        return;
    while (i < g->n_assigned) { /* in slices, without a heap array */
        size_t n = 0;
        for (; i < g->n_assigned && n < 16; i++, n++) {
            tps[n].topic = g->assigned[i].topic;
            tps[n].partition = g->assigned[i].partition;
            tps[n].offset = -1;
        }
        g->h.cfg->on_rebalance(g->h.cfg->rebalance_ud, assigned, tps, n);
    }
    if (g->n_assigned == 0)
        g->h.cfg->on_rebalance(g->h.cfg->rebalance_ud, assigned, tps, 0);
}

/* Before joining again: commit what was read (a snapshot, now), tell the application, let go. */
static void revoke(mb_group *g)
{
    if (g->n_assigned == 0)
        return;
    if (g->h.cfg->auto_commit_interval_ms && g->generation >= 0 && !g->busy[R_RCOMMIT] &&
        snapshot(g, &g->cm[1]) == 0 && g->cm[1].n)
        send_commit(g, &g->cm[1]); /* goes to the coordinator ahead of the JoinGroup */
    rebalance_cb(g, 0);
    g->h.unassign_all(g->h.ud);
    g->n_assigned = 0;
}

static void on_join(mb_group *g, uint32_t now, uint32_t *wait)
{
    if (g->busy[R_JOIN] || not_yet(g->retry_at, now, wait))
        return;
    revoke(g);
    /* the broker may hold a JoinGroup for the whole rebalance timeout */
    if (send_req(g, R_JOIN, g->coordinator, MB_API_JOIN_GROUP, 2, 6,
                 g->h.cfg->rebalance_timeout_ms + 5000, join_encode, join_done, NULL) != 0)
        failed(g, "JoinGroup", MSGBUS_ERR_STATE);
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

static int keep_assignment(mb_group *g, const mb_consumer_assignment *as)
{
    size_t need = 0, k = 0;
    int32_t i, j;
    for (i = 0; i < as->n_assigned_partitions; i++)
        need += (size_t)as->assigned_partitions[i].n_partitions;
    if (need > MSGBUS_CFG_MAX_ARRAY_COUNT)
        return MSGBUS_ERR_LIMIT;
    if (need > g->cap_assigned) {
        mb_gtp *n = g->h.al.alloc(g->h.al.ctx, need * sizeof *n);
        if (!n)
            return MSGBUS_ERR_NOMEM;
        if (g->assigned)
            g->h.al.free(g->h.al.ctx, g->assigned, g->cap_assigned * sizeof *n);
        g->assigned = n;
        g->cap_assigned = need;
    }
    for (i = 0; i < as->n_assigned_partitions; i++)
        for (j = 0; j < as->assigned_partitions[i].n_partitions; j++, k++) {
            copy_str(g->assigned[k].topic, sizeof g->assigned[k].topic,
                     as->assigned_partitions[i].topic);
            g->assigned[k].partition = as->assigned_partitions[i].partitions[j];
            g->assigned[k].offset = -1;
        }
    g->n_assigned = k;
    return 0;
}

static void sync_done(void *ud, int err, int16_t version, mb_rd *body)
{
    mb_group *g = ud;
    mb_sync_group_resp resp;
    mb_consumer_assignment as;
    mb_arena a;
    g->busy[R_SYNC] = 0;
    if (g->closing)
        return;
    mb_arena_init(&a, g->arena, MB_GROUP_ARENA);
    if (err == 0)
        err = mb_sync_group_resp_read(body, version, &a, &resp);
    if (err == 0)
        err = resp.error_code;
    memset(&as, 0, sizeof as); /* nothing for this member, unless the answer says */
    if (err == 0 && resp.assignment.len > 0) {
        mb_rd rd;
        mb_rd_init(&rd, resp.assignment.ptr, (size_t)resp.assignment.len);
        err = mb_consumer_assignment_read(&rd, &a, &as);
    }
    if (err == 0)
        err = keep_assignment(g, &as);
    if (err) {
        failed(g, "SyncGroup", err);
        return;
    }
    MB_LOG(g->h.log, MB_LOG_INFO, "group %s: %d partitions assigned", g->group_id,
           (int)g->n_assigned);
    record(g, E_OK);
}

static void on_sync(mb_group *g, uint32_t now, uint32_t *wait)
{
    if (g->busy[R_SYNC] || not_yet(g->retry_at, now, wait))
        return;
    if (send_req(g, R_SYNC, g->coordinator, MB_API_SYNC_GROUP, 1, 4,
                 g->h.cfg->rebalance_timeout_ms + 5000, sync_encode, sync_done, NULL) != 0)
        failed(g, "SyncGroup", MSGBUS_ERR_STATE);
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

/* The committed offset of @p p in @p resp (-1: none). */
static int64_t committed_of(const mb_offset_fetch_resp *resp, const mb_gtp *p)
{
    int64_t off = -1;
    int32_t t, i;
    for (t = 0; t < resp->n_topics; t++) {
        if (!mb_str_eq(resp->topics[t].name, mb_str_c(p->topic)))
            continue;
        for (i = 0; i < resp->topics[t].n_partitions; i++)
            if (resp->topics[t].partitions[i].partition_index == p->partition &&
                resp->topics[t].partitions[i].error_code == 0)
                off = resp->topics[t].partitions[i].committed_offset;
    }
    return off;
}

static void ofetch_done(void *ud, int err, int16_t version, mb_rd *body)
{
    mb_group *g = ud;
    mb_offset_fetch_resp resp;
    mb_arena a;
    size_t i;
    g->busy[R_OFETCH] = 0;
    if (g->closing)
        return;
    mb_arena_init(&a, g->arena, MB_GROUP_ARENA);
    if (err == 0)
        err = mb_offset_fetch_resp_read(body, version, &a, &resp);
    if (err == 0)
        err = resp.error_code;
    if (err == MSGBUS_KERR_COORDINATOR_LOAD_IN_PROGRESS) {
        record(g, E_RETRY); /* ask again after a backoff */
        return;
    }
    if (err) {
        failed(g, "OffsetFetch", err);
        return;
    }
    for (i = 0; i < g->n_assigned; i++)
        g->assigned[i].offset = committed_of(&resp, &g->assigned[i]);
    record(g, E_OK);
}

static void on_offsets(mb_group *g, uint32_t now, uint32_t *wait)
{
    if (g->busy[R_OFETCH] || not_yet(g->retry_at, now, wait))
        return;
    if (send_req(g, R_OFETCH, g->coordinator, MB_API_OFFSET_FETCH, 1, 6, 0, ofetch_encode,
                 ofetch_done, NULL) != 0)
        failed(g, "OffsetFetch", MSGBUS_ERR_STATE);
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
    if (g->closing)
        return;
    if (err == 0)
        err = mb_heartbeat_resp_read(body, version, NULL, &resp);
    if (err == 0)
        err = resp.error_code;
    if (err && g->state == G_STABLE)
        failed(g, "Heartbeat", err);
}

static int commit_encode(void *ud, mb_wr *w, int16_t version)
{
    mb_gcommit *cm = ud;
    mb_group *g = cm->g;
    mb_offset_commit_req_topic *t;
    mb_offset_commit_req_partition *parts;
    mb_offset_commit_req req;
    mb_arena a;
    size_t i, k, np = 0;
    int32_t nt = 0;
    uint8_t *used;
    mb_arena_init(&a, g->arena, MB_GROUP_ARENA);
    t = mb_arena_alloc(&a, cm->n + 1, sizeof *t);
    parts = mb_arena_alloc(&a, cm->n + 1, sizeof *parts);
    used = mb_arena_alloc(&a, cm->n + 1, 1);
    if (!t || !parts || !used)
        return MSGBUS_ERR_NO_ROOM;
    memset(used, 0, cm->n + 1);
    for (i = 0; i < cm->n; i++) {
        if (used[i])
            continue;
        t[nt].name = mb_str_c(cm->offs[i].topic);
        t[nt].partitions = &parts[np];
        t[nt].n_partitions = 0;
        for (k = i; k < cm->n; k++) {
            if (used[k] || strcmp(cm->offs[k].topic, cm->offs[i].topic) != 0)
                continue;
            used[k] = 1;
            parts[np].partition_index = cm->offs[k].partition;
            parts[np].committed_offset = cm->offs[k].offset;
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
    mb_gcommit *cm = ud;
    mb_group *g = cm->g;
    mb_offset_commit_resp resp;
    mb_arena a;
    int32_t t, p;
    g->busy[cm->slot] = 0;
    mb_arena_init(&a, g->arena, MB_GROUP_ARENA);
    if (err == 0)
        err = mb_offset_commit_resp_read(body, version, &a, &resp);
    for (t = 0; err == 0 && t < resp.n_topics; t++)
        for (p = 0; p < resp.topics[t].n_partitions; p++)
            if (resp.topics[t].partitions[p].error_code && !err)
                err = resp.topics[t].partitions[p].error_code;
    g->commit_err = err;
    g->commits++;
    if (!err || g->closing)
        return;
    MB_LOG(g->h.log, MB_LOG_WARN, "group %s: commit failed: %s", g->group_id, msgbus_strerror(err));
    if (cm->slot == R_COMMIT && g->state == G_STABLE &&
        (rejoin_error(err) || coordinator_error(err)))
        failed(g, "OffsetCommit", err);
}

static int send_commit(mb_group *g, mb_gcommit *cm)
{
    if (g->busy[cm->slot] || g->coordinator < 0)
        return MSGBUS_ERR_STATE;
    return send_req(g, cm->slot, g->coordinator, MB_API_OFFSET_COMMIT, 2, 8, 0, commit_encode,
                    commit_done, cm);
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

/* While a request is out, its answer (or its timeout) wakes the loop: no timer for it. */
static void on_stable(mb_group *g, uint32_t now, uint32_t *wait)
{
    if (!g->busy[R_HB] && msgbus_time_diff(now, g->heartbeat_at) >= 0) {
        g->heartbeat_at = now + g->h.cfg->heartbeat_interval_ms;
        if (send_req(g, R_HB, g->coordinator, MB_API_HEARTBEAT, 1, 4, 0, hb_encode, hb_done,
                     NULL) != 0)
            failed(g, "Heartbeat", MSGBUS_ERR_STATE);
    }
    if (!g->busy[R_HB])
        min_wait(wait, g->heartbeat_at, now);
    if (g->h.cfg->auto_commit_interval_ms) {
        if (msgbus_time_diff(now, g->commit_at) >= 0 && !g->busy[R_COMMIT]) {
            g->commit_at = now + g->h.cfg->auto_commit_interval_ms;
            if (snapshot(g, &g->cm[0]) == 0 && g->cm[0].n)
                send_commit(g, &g->cm[0]);
        }
        if (!g->busy[R_COMMIT])
            min_wait(wait, g->commit_at, now);
    }
}

/* ------------------------------------------------------------------------ */
/* The state machine                                                         */
/* ------------------------------------------------------------------------ */

/* Entering @p next: what the new state starts with. */
static void enter(mb_group *g, int next, int ev, uint32_t now)
{
    uint32_t backoff = g->h.cfg->retry_backoff_ms;
    g->retry_at = now;
    if (ev == E_RETRY || ev == E_LOST)
        g->retry_at = now + backoff;
    else if (ev == E_FATAL)
        g->retry_at = now + 10u * backoff;
    if (ev == E_LOST || ev == E_FATAL)
        g->coordinator = -1;
    if (g->state == G_FIND && ev == E_OK) {
        g->coordinator = g->found;
        MB_LOG(g->h.log, MB_LOG_INFO, "group %s: coordinator is broker %d", g->group_id,
               (int)g->found);
        mb_client_refresh_metadata(g->h.cl, 1); /* make sure the client knows that broker */
    }
    /*
     * A leader sends its SyncGroup a little after the JoinGroup answer when
     * there are followers: some brokers (librdkafka's mock cluster) answer
     * only the followers whose SyncGroup is already waiting when the
     * leader's arrives. Alone in the group, it goes at once.
     */
    if (next == G_SYNC && g->n_assigns > 1)
        g->retry_at = now + MB_GROUP_LEADER_SYNC_DELAY_MS;
    if (next == G_OFFSETS && ev == E_OK)
        rebalance_cb(g, 1);
    g->state = next;
}

/* Hand the assignment, from the committed offsets, to the consumer: now stable. */
static void settle(mb_group *g, uint32_t now)
{
    size_t i;
    for (i = 0; i < g->n_assigned; i++)
        g->h.assign(g->h.ud, g->assigned[i].topic, g->assigned[i].partition,
                    g->assigned[i].offset >= 0 ? g->assigned[i].offset
                                               : g->h.cfg->auto_offset_reset);
    g->heartbeat_at = now + g->h.cfg->heartbeat_interval_ms;
    g->commit_at = now + g->h.cfg->auto_commit_interval_ms;
}

/* Apply the event the responses left: the only place the state changes. */
static void transition(mb_group *g, uint32_t now)
{
    int ev = g->ev, next;
    g->ev = E_NONE;
    if (ev == E_NONE)
        return;
    next = next_state[g->state][ev];
    if (next == G_STABLE && g->state == G_OFFSETS)
        settle(g, now);
    enter(g, next, ev, now);
}

typedef void (*state_fn)(mb_group *g, uint32_t now, uint32_t *wait);

static void on_init(mb_group *g, uint32_t now, uint32_t *wait)
{
    (void)g;
    (void)now;
    (void)wait;
}

static const state_fn handlers[G_N] = {on_init, on_find, on_join, on_sync, on_offsets, on_stable};

int mb_group_step(mb_group *g, uint32_t now, uint32_t *wait)
{
    unsigned before = g->sent;
    int guard;
    /* a handler that fails at once leaves an event: apply it and go on, a few times at most */
    for (guard = 0; guard < 4 && !g->closing; guard++) {
        transition(g, now);
        handlers[g->state](g, now, wait);
        if (g->ev == E_NONE)
            break;
    }
    return (int)(g->sent - before);
}

int mb_group_stable(const mb_group *g)
{
    return g->state == G_STABLE && g->ev == E_NONE;
}

/* ------------------------------------------------------------------------ */
/* Life cycle                                                                */
/* ------------------------------------------------------------------------ */

int mb_group_create(mb_group **out, const mb_group_host *host, const char *group_id)
{
    mb_group *g;
    if (!group_id || !*group_id || strlen(group_id) >= sizeof g->group_id)
        return MSGBUS_ERR_INVALID_ARG;
    g = host->al.alloc(host->al.ctx, sizeof *g);
    if (!g)
        return MSGBUS_ERR_NOMEM;
    memset(g, 0, sizeof *g);
    g->arena = host->al.alloc(host->al.ctx, MB_GROUP_ARENA);
    if (!g->arena) {
        host->al.free(host->al.ctx, g, sizeof *g);
        return MSGBUS_ERR_NOMEM;
    }
    g->h = *host;
    strcpy(g->group_id, group_id);
    g->coordinator = g->qcoord = -1;
    g->generation = -1;
    g->cm[0].g = g->cm[1].g = g;
    g->cm[0].slot = R_COMMIT;
    g->cm[1].slot = R_RCOMMIT;
    *out = g;
    return 0;
}

/* Poll the client until request @p which has been answered, at most @p ms. */
static void await(mb_group *g, int which, uint32_t ms)
{
    uint32_t start = now_of(g), left;
    while (g->busy[which] && (left = mb_time_left(start, now_of(g), ms)) > 0)
        if (mb_client_poll(g->h.cl, left) != 0)
            break;
}

void mb_group_leave(mb_group *g)
{
    if (!g || g->closing)
        return;
    if (g->state == G_STABLE && g->ev == E_NONE) {
        if (g->h.cfg->auto_commit_interval_ms && !g->busy[R_COMMIT] &&
            snapshot(g, &g->cm[0]) == 0 && g->cm[0].n && send_commit(g, &g->cm[0]) == 0)
            await(g, R_COMMIT, MB_GROUP_CLOSE_COMMIT_MS);
        if (send_req(g, R_LEAVE, g->coordinator, MB_API_LEAVE_GROUP, 1, 4, 0, leave_encode,
                     leave_done, NULL) == 0)
            await(g, R_LEAVE, MB_GROUP_CLOSE_LEAVE_MS);
    }
    g->closing = 1;
}

void mb_group_destroy(mb_group *g)
{
    int i;
    if (!g)
        return;
    if (g->sync_buf)
        g->h.al.free(g->h.al.ctx, g->sync_buf, g->sync_cap);
    if (g->assigned)
        g->h.al.free(g->h.al.ctx, g->assigned, g->cap_assigned * sizeof *g->assigned);
    for (i = 0; i < 2; i++)
        if (g->cm[i].offs)
            g->h.al.free(g->h.al.ctx, g->cm[i].offs, g->cm[i].cap * sizeof *g->cm[i].offs);
    g->h.al.free(g->h.al.ctx, g->arena, MB_GROUP_ARENA);
    g->h.al.free(g->h.al.ctx, g, sizeof *g);
}

int mb_group_subscribe(mb_group *g, const char *const *topics, size_t n)
{
    mb_consumer_subscription sub;
    mb_str names[MB_GROUP_MAX_TOPICS];
    mb_wr w;
    size_t i;
    int rc;
    if ((!topics && n) || n == 0 || n > MB_GROUP_MAX_TOPICS)
        return MSGBUS_ERR_INVALID_ARG;
    if (g->n_topics)
        return MSGBUS_ERR_STATE;
    for (i = 0; i < n; i++) {
        size_t len = topics[i] ? strlen(topics[i]) : 0;
        if (!mb_topic_name_valid(topics[i], len))
            return MSGBUS_ERR_INVALID_ARG;
    }
    for (i = 0; i < n; i++) {
        if ((rc = mb_client_want_topic(g->h.cl, topics[i])) != 0)
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
    g->state = G_FIND;
    g->retry_at = now_of(g);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Commits and committed offsets, on the application's request               */
/* ------------------------------------------------------------------------ */

/* Copy @p n explicit offsets into @p cm. */
static int take_offsets(mb_group *g, mb_gcommit *cm, const msgbus_topic_partition *offs, size_t n)
{
    size_t i;
    if (n > cm->cap) {
        mb_gtp *o = g->h.al.alloc(g->h.al.ctx, n * sizeof *o);
        if (!o)
            return MSGBUS_ERR_NOMEM;
        if (cm->offs)
            g->h.al.free(g->h.al.ctx, cm->offs, cm->cap * sizeof *o);
        cm->offs = o;
        cm->cap = n;
    }
    for (i = 0; i < n; i++) {
        strcpy(cm->offs[i].topic, offs[i].topic);
        cm->offs[i].partition = offs[i].partition;
        cm->offs[i].offset = offs[i].offset;
    }
    cm->n = n;
    return 0;
}

int mb_group_commit(mb_group *g, const msgbus_topic_partition *offs, size_t n, uint32_t wait_ms)
{
    uint64_t before;
    int rc;
    if (!mb_group_stable(g))
        return MSGBUS_ERR_STATE;
    if (g->busy[R_COMMIT])
        await(g, R_COMMIT, wait_ms ? wait_ms : MB_GROUP_CLOSE_COMMIT_MS);
    if (g->busy[R_COMMIT])
        return MSGBUS_ERR_TIMEOUT;
    rc = offs ? take_offsets(g, &g->cm[0], offs, n) : snapshot(g, &g->cm[0]);
    if (rc)
        return rc;
    before = g->commits;
    if ((rc = send_commit(g, &g->cm[0])) != 0 || wait_ms == 0)
        return rc;
    await(g, R_COMMIT, wait_ms);
    if (g->commits == before)
        return MSGBUS_ERR_TIMEOUT;
    return g->commit_err;
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
    memset(&resp, 0, sizeof resp);
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

static void qfind_done(void *ud, int err, int16_t version, mb_rd *body)
{
    mb_group *g = ud;
    int32_t id = -1;
    g->busy[R_QFIND] = 0;
    if (find_read(err, version, body, &id) == 0)
        g->qcoord = id;
}

static int32_t query_coordinator(const mb_group *g)
{
    return g->coordinator >= 0 ? g->coordinator : g->qcoord;
}

int mb_group_committed(mb_group *g, const char *topic, int32_t partition, int64_t *offset,
                       uint32_t timeout_ms)
{
    uint32_t start = now_of(g), left;
    if (query_coordinator(g) < 0 && !g->busy[R_QFIND] &&
        send_req(g, R_QFIND, MB_BROKER_ANY, MB_API_FIND_COORDINATOR, 1, 3, 0, find_encode,
                 qfind_done, NULL) != 0)
        return MSGBUS_ERR_STATE;
    while ((query_coordinator(g) < 0 || g->busy[R_QUERY]) &&
           (left = mb_time_left(start, now_of(g), timeout_ms)) > 0)
        if (mb_client_poll(g->h.cl, left) != 0)
            return MSGBUS_ERR_TRANSPORT;
    if (query_coordinator(g) < 0 || g->busy[R_QUERY])
        return MSGBUS_ERR_TIMEOUT;
    strcpy(g->query.topic, topic);
    g->query.partition = partition;
    if (send_req(g, R_QUERY, query_coordinator(g), MB_API_OFFSET_FETCH, 1, 6, 0, query_encode,
                 query_done, NULL) != 0)
        return MSGBUS_ERR_STATE;
    await(g, R_QUERY, mb_time_left(start, now_of(g), timeout_ms));
    if (g->busy[R_QUERY])
        return MSGBUS_ERR_TIMEOUT;
    if (g->query_err == 0)
        *offset = g->query.offset;
    return g->query_err;
}

#endif /* MSGBUS_CFG_GROUPS */
