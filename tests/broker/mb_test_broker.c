/*
 * mb_test_broker.c - run librdkafka's mock Kafka cluster as a process of its own,
 * so tests can talk to a real Kafka-protocol peer over loopback TCP and inject
 * faults into it while they run.
 *
 * Usage: mb_test_broker [-n BROKERS] [-t SECONDS] [-p PORT] [-a PORT[,PORT...]] [-b ADDR]
 *   -n  number of brokers (default 3, ids 1..N)
 *   -t  lifetime: exit by itself after this many seconds (default 600)
 *   -p  listen port of broker 1 (the others get ports of the kernel's choosing)
 *   -a  advertise: broker i announces 127.0.0.1:PORT_i (one port per broker)
 *       while really listening elsewhere (e.g. behind a TLS terminator)
 *   -b  bind: the brokers listen on (and so advertise) this IPv4 address
 *       instead of 127.0.0.1, e.g. one the test gave the loopback device of
 *       a network namespace of its own so an emulated board can reach it
 *
 * The first stdout line is the bootstrap list ("127.0.0.1:P1,127.0.0.1:P2,...");
 * with -a it holds the advertised ports and a second line
 * "listen 127.0.0.1:R1,127.0.0.1:R2,..." gives the real listen ports.
 * Then one command per stdin line, each answered "ok" or "error <why>" (see
 * README.md). EOF on stdin or "quit" shuts the cluster down.
 *
 * Test code: POSIX and librdkafka are used freely.
 */
/* Not _GNU_SOURCE: it turns bind()'s address parameter into a transparent union. */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <limits.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MAX_ARGS 40

/* ------------------------------------------------------------------------ */
/* -p PORT: librdkafka 2.0.2 always binds its listeners to 127.0.0.1:0. This  */
/* program's bind() interposes on the shared library's call: the first        */
/* loopback port-0 bind after arming gets the requested port instead. If that */
/* port is taken we fall back to port 0 (librdkafka aborts on a failed bind)  */
/* and main() reports the failure and exits.                                  */
/*                                                                            */
/* -a PORT,...: librdkafka 2.0.2 advertises (in Metadata and the bootstrap    */
/* list) the port that getsockname() reports for a listener right after its   */
/* bind(), and keeps that address to re-create the listener on broker_down    */
/* (bind to it, then assert getsockname() returns the same). So:              */
/*  - while the cluster is being created, the i-th loopback port-0 bind is    */
/*    recorded as broker i's listener (fd, real port R_i, advertised A_i);    */
/*  - getsockname() on a recorded fd whose real name is 127.0.0.1:R_i answers */
/*    127.0.0.1:A_i; every other socket gets the real answer;                 */
/*  - a loopback bind to some A_i (the broker_down re-listen) binds R_i       */
/*    instead and records the new fd.                                         */
/* In 2.0.2 rdkafka_mock.c is the only caller of getsockname() in the         */
/* library (rd_kafka_mock_broker_new_listener). Listeners are created on the  */
/* main thread before the mock thread starts, re-created on the mock thread   */
/* only, so the table needs no lock.                                          */
/* ------------------------------------------------------------------------ */

#define MAX_BROKERS 100

static int want_port;       /* 0: no override pending */
static int port_bind_errno; /* errno of a failed override, 0 if none */

static struct listener {
    int fd;        /* last socket bound as this broker's listener */
    uint16_t real; /* host order */
    uint16_t adv;  /* host order */
} listeners[MAX_BROKERS];
static int n_adv;                /* number of -a ports */
static int n_listen;             /* listeners recorded so far */
static int recording;            /* cluster creation in progress */
static struct in_addr bind_addr; /* -b: 0 for none */

static long real_bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    return syscall(SYS_bind, fd, addr, len);
}

static long real_getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
    return syscall(SYS_getsockname, fd, addr, len);
}

static int is_loopback4(const struct sockaddr_in *sin)
{
    return sin->sin_addr.s_addr == htonl(INADDR_LOOPBACK);
}

/* Forget fd as a listener (it is being bound to something else). */
static void forget_fd(int fd)
{
    int i;
    for (i = 0; i < n_listen; i++)
        if (listeners[i].fd == fd)
            listeners[i].fd = -1;
}

/* After a successful port-0 bind during creation: record fd as the next listener. */
static void record_listener(int fd)
{
    struct sockaddr_in got;
    socklen_t len = (socklen_t)sizeof got;
    if (n_listen >= n_adv)
        return;
    if (real_getsockname(fd, (struct sockaddr *)&got, &len) != 0 || got.sin_family != AF_INET)
        return;
    listeners[n_listen].fd = fd;
    listeners[n_listen].real = ntohs(got.sin_port);
    n_listen++;
}

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    struct sockaddr_in sin, moved;
    long rc;
    int i;
    if (addr == NULL || addr->sa_family != AF_INET || len < (socklen_t)sizeof sin)
        return (int)real_bind(fd, addr, len);
    memcpy(&sin, addr, sizeof sin);
    if (n_adv > 0)
        forget_fd(fd);
    if (sin.sin_port != 0) {
        /* broker_down re-creates a listener on its advertised address. */
        for (i = 0; n_adv > 0 && is_loopback4(&sin) && i < n_listen; i++) {
            if (ntohs(sin.sin_port) != listeners[i].adv)
                continue;
            sin.sin_port = htons(listeners[i].real);
            rc = real_bind(fd, (const struct sockaddr *)&sin, (socklen_t)sizeof sin);
            if (rc == 0)
                listeners[i].fd = fd;
            return (int)rc;
        }
        return (int)real_bind(fd, addr, len);
    }
    if (!recording || !is_loopback4(&sin))
        return (int)real_bind(fd, addr, len);
    if (bind_addr.s_addr != 0) {
        /* -b: every listener created with the cluster moves to that address. */
        moved = sin;
        moved.sin_addr = bind_addr;
        sin.sin_addr = bind_addr;
        addr = (const struct sockaddr *)&moved;
        len = (socklen_t)sizeof moved;
    }
    rc = -1;
    if (want_port != 0) {
        sin.sin_port = htons((uint16_t)want_port);
        want_port = 0;
        rc = real_bind(fd, (const struct sockaddr *)&sin, (socklen_t)sizeof sin);
        if (rc != 0)
            port_bind_errno = errno;
    }
    if (rc != 0)
        rc = real_bind(fd, addr, len);
    if (rc == 0 && n_adv > 0)
        record_listener(fd);
    return (int)rc;
}

int getsockname(int fd, struct sockaddr *restrict addr, socklen_t *restrict len)
{
    struct sockaddr_in sin;
    long rc = real_getsockname(fd, addr, len);
    int i;
    if (rc != 0 || n_adv == 0 || addr == NULL || *len < (socklen_t)sizeof sin)
        return (int)rc;
    memcpy(&sin, addr, sizeof sin);
    if (sin.sin_family != AF_INET || !is_loopback4(&sin))
        return (int)rc;
    for (i = 0; i < n_listen; i++) {
        if (listeners[i].fd == fd && ntohs(sin.sin_port) == listeners[i].real) {
            sin.sin_port = htons(listeners[i].adv);
            memcpy(addr, &sin, sizeof sin);
            break;
        }
    }
    return (int)rc;
}

/* ------------------------------------------------------------------------ */
/* Output                                                                    */
/* ------------------------------------------------------------------------ */

static void reply(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    fflush(stdout);
}

/* ------------------------------------------------------------------------ */
/* Argument parsing                                                          */
/* ------------------------------------------------------------------------ */

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v;
    errno = 0;
    v = strtol(s, &end, 0);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* Kafka API names accepted besides numbers (case-insensitive). */
static const struct {
    const char *name;
    int key;
} api_names[] = {
    {"Produce", 0},          {"Fetch", 1},
    {"ListOffsets", 2},      {"Metadata", 3},
    {"OffsetCommit", 8},     {"OffsetFetch", 9},
    {"FindCoordinator", 10}, {"JoinGroup", 11},
    {"Heartbeat", 12},       {"LeaveGroup", 13},
    {"SyncGroup", 14},       {"ApiVersions", 18},
    {"InitProducerId", 22},  {"AddPartitionsToTxn", 24},
    {"AddOffsetsToTxn", 25}, {"EndTxn", 26},
    {"TxnOffsetCommit", 28},
};

static int parse_api(const char *s, int16_t *key)
{
    long v;
    size_t i;
    for (i = 0; i < sizeof api_names / sizeof api_names[0]; i++) {
        if (strcasecmp(s, api_names[i].name) == 0) {
            *key = (int16_t)api_names[i].key;
            return 0;
        }
    }
    if (parse_long(s, 0, 32767, &v) != 0)
        return -1;
    *key = (int16_t)v;
    return 0;
}

/* An error: a number (Kafka code, or librdkafka's negative internal codes) or
 * a name as librdkafka spells it, e.g. NOT_LEADER_OR_FOLLOWER, _TRANSPORT. */
static int parse_err(const char *s, rd_kafka_resp_err_t *err)
{
    const struct rd_kafka_err_desc *descs;
    size_t n, i;
    long v;
    if (parse_long(s, INT_MIN, INT_MAX, &v) == 0) {
        *err = (rd_kafka_resp_err_t)v;
        return 0;
    }
    rd_kafka_get_err_descs(&descs, &n);
    for (i = 0; i < n; i++) {
        if (descs[i].name != NULL && strcasecmp(s, descs[i].name) == 0) {
            *err = descs[i].code;
            return 0;
        }
    }
    return -1;
}

static int parse_i32(const char *s, int32_t *out)
{
    long v;
    if (parse_long(s, INT32_MIN, INT32_MAX, &v) != 0)
        return -1;
    *out = (int32_t)v;
    return 0;
}

static int parse_i16(const char *s, int16_t *out)
{
    long v;
    if (parse_long(s, INT16_MIN, INT16_MAX, &v) != 0)
        return -1;
    *out = (int16_t)v;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Commands                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct cmd_ctx {
    rd_kafka_mock_cluster_t *mc;
    int argc;
    char **argv;
} cmd_ctx;

static void reply_err(rd_kafka_resp_err_t err)
{
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
        reply("ok");
    else
        reply("error %s (%d)", rd_kafka_err2name(err), (int)err);
}

static void cmd_broker_down(cmd_ctx *c)
{
    int32_t id;
    if (parse_i32(c->argv[1], &id) != 0) {
        reply("error bad broker id");
        return;
    }
    reply_err(rd_kafka_mock_broker_set_down(c->mc, id));
}

static void cmd_broker_up(cmd_ctx *c)
{
    int32_t id;
    if (parse_i32(c->argv[1], &id) != 0) {
        reply("error bad broker id");
        return;
    }
    reply_err(rd_kafka_mock_broker_set_up(c->mc, id));
}

static void cmd_broker_rtt(cmd_ctx *c)
{
    int32_t id, ms;
    if (parse_i32(c->argv[1], &id) != 0 || parse_i32(c->argv[2], &ms) != 0 || ms < 0) {
        reply("error usage: broker_rtt ID MS");
        return;
    }
    reply_err(rd_kafka_mock_broker_set_rtt(c->mc, id, ms));
}

static void cmd_leader(cmd_ctx *c)
{
    int32_t part, id;
    if (parse_i32(c->argv[2], &part) != 0 || parse_i32(c->argv[3], &id) != 0) {
        reply("error usage: leader TOPIC PARTITION BROKER_ID");
        return;
    }
    reply_err(rd_kafka_mock_partition_set_leader(c->mc, c->argv[1], part, id));
}

static void cmd_push_errors(cmd_ctx *c)
{
    rd_kafka_resp_err_t errs[MAX_ARGS];
    int16_t key;
    int i;
    if (parse_api(c->argv[1], &key) != 0) {
        reply("error bad api key '%s'", c->argv[1]);
        return;
    }
    for (i = 2; i < c->argc; i++) {
        if (parse_err(c->argv[i], &errs[i - 2]) != 0) {
            reply("error bad error code '%s'", c->argv[i]);
            return;
        }
    }
    rd_kafka_mock_push_request_errors_array(c->mc, key, (size_t)(c->argc - 2), errs);
    reply("ok");
}

static void cmd_broker_push_error(cmd_ctx *c)
{
    int32_t id, rtt;
    int16_t key;
    rd_kafka_resp_err_t err;
    if (parse_i32(c->argv[1], &id) != 0 || parse_api(c->argv[2], &key) != 0 ||
        parse_err(c->argv[3], &err) != 0 || parse_i32(c->argv[4], &rtt) != 0 || rtt < 0) {
        reply("error usage: broker_push_error BROKER_ID API_KEY ERR RTT_MS");
        return;
    }
    reply_err(rd_kafka_mock_broker_push_request_error_rtts(c->mc, id, key, 1, err, (int)rtt));
}

static void cmd_clear_errors(cmd_ctx *c)
{
    int16_t key;
    if (parse_api(c->argv[1], &key) != 0) {
        reply("error bad api key '%s'", c->argv[1]);
        return;
    }
    rd_kafka_mock_clear_request_errors(c->mc, key);
    reply("ok");
}

static void cmd_create_topic(cmd_ctx *c)
{
    int32_t parts, repl;
    if (parse_i32(c->argv[2], &parts) != 0 || parse_i32(c->argv[3], &repl) != 0 || parts < 1 ||
        repl < 1) {
        reply("error usage: create_topic TOPIC PARTITIONS REPLICATION");
        return;
    }
    reply_err(rd_kafka_mock_topic_create(c->mc, c->argv[1], (int)parts, (int)repl));
}

static void cmd_coordinator(cmd_ctx *c)
{
    const char *type;
    int32_t id;
    if (strcmp(c->argv[1], "group") == 0)
        type = "group";
    else if (strcmp(c->argv[1], "txn") == 0 || strcmp(c->argv[1], "transaction") == 0)
        type = "transaction";
    else
        type = NULL;
    if (type == NULL || parse_i32(c->argv[3], &id) != 0) {
        reply("error usage: coordinator group|txn KEY BROKER_ID");
        return;
    }
    reply_err(rd_kafka_mock_coordinator_set(c->mc, type, c->argv[2], id));
}

static void cmd_set_apiversion(cmd_ctx *c)
{
    int16_t key, lo, hi;
    if (parse_api(c->argv[1], &key) != 0 || parse_i16(c->argv[2], &lo) != 0 ||
        parse_i16(c->argv[3], &hi) != 0) {
        reply("error usage: set_apiversion API_KEY MIN MAX");
        return;
    }
    reply_err(rd_kafka_mock_set_apiversion(c->mc, key, lo, hi));
}

static void cmd_topic_error(cmd_ctx *c)
{
    rd_kafka_resp_err_t err;
    if (parse_err(c->argv[2], &err) != 0) {
        reply("error bad error code '%s'", c->argv[2]);
        return;
    }
    rd_kafka_mock_topic_set_error(c->mc, c->argv[1], err);
    reply("ok");
}

static const struct {
    const char *name;
    int min_args; /* including the command name */
    int max_args;
    void (*fn)(cmd_ctx *c);
} commands[] = {
    {"broker_down", 2, 2, cmd_broker_down},
    {"broker_up", 2, 2, cmd_broker_up},
    {"broker_rtt", 3, 3, cmd_broker_rtt},
    {"leader", 4, 4, cmd_leader},
    {"push_errors", 3, MAX_ARGS, cmd_push_errors},
    {"broker_push_error", 5, 5, cmd_broker_push_error},
    {"clear_errors", 2, 2, cmd_clear_errors},
    {"create_topic", 4, 4, cmd_create_topic},
    {"coordinator", 4, 4, cmd_coordinator},
    {"set_apiversion", 4, 4, cmd_set_apiversion},
    {"topic_error", 3, 3, cmd_topic_error},
};

/* Run one command line. Returns 1 on "quit", else 0. */
static int run_line(rd_kafka_mock_cluster_t *mc, char *line)
{
    char *argv[MAX_ARGS + 1];
    char *save = NULL;
    char *tok;
    int argc = 0;
    size_t i;
    cmd_ctx c;
    for (tok = strtok_r(line, " \t\r", &save); tok != NULL; tok = strtok_r(NULL, " \t\r", &save)) {
        if (argc == MAX_ARGS + 1) {
            reply("error too many arguments");
            return 0;
        }
        argv[argc++] = tok;
    }
    if (argc == 0 || argv[0][0] == '#')
        return 0; /* blank line or comment: no answer */
    if (strcmp(argv[0], "quit") == 0) {
        reply("ok");
        return 1;
    }
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[0], commands[i].name) != 0)
            continue;
        if (argc < commands[i].min_args || argc > commands[i].max_args) {
            reply("error wrong number of arguments for %s", argv[0]);
            return 0;
        }
        c.mc = mc;
        c.argc = argc;
        c.argv = argv;
        commands[i].fn(&c);
        return 0;
    }
    reply("error unknown command '%s'", argv[0]);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Main loop: stdin lines until EOF, "quit" or the lifetime ends             */
/* ------------------------------------------------------------------------ */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Returns when it is time to shut down. */
static void serve(rd_kafka_mock_cluster_t *mc, double deadline)
{
    char buf[4096];
    size_t used = 0;
    for (;;) {
        struct pollfd pfd = {0, POLLIN, 0};
        double left = deadline - now_s();
        ssize_t n;
        char *nl;
        if (left <= 0) {
            fprintf(stderr, "mb_test_broker: lifetime over, exiting\n");
            return;
        }
        n = poll(&pfd, 1, left > 1.0 ? 1000 : (int)(left * 1000) + 1);
        if (n < 0 && errno != EINTR)
            return;
        if (n <= 0)
            continue;
        n = read(0, buf + used, sizeof buf - 1 - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* EOF or error */
        used += (size_t)n;
        while ((nl = memchr(buf, '\n', used)) != NULL) {
            size_t linelen = (size_t)(nl - buf);
            *nl = '\0';
            if (run_line(mc, buf))
                return;
            used -= linelen + 1;
            memmove(buf, nl + 1, used);
        }
        if (used == sizeof buf - 1) {
            reply("error line too long");
            used = 0;
        }
    }
}

static void usage(void)
{
    fprintf(stderr, "usage: mb_test_broker [-n BROKERS] [-t SECONDS] [-p PORT] [-a PORT[,PORT...]] "
                    "[-b ADDR]\n");
    exit(2);
}

/* -a list: "P1,P2,..." into listeners[].adv; returns the count or -1. */
static int parse_adv(const char *arg)
{
    char buf[1024];
    char *save = NULL, *tok;
    long v;
    int n = 0;
    if (strlen(arg) >= sizeof buf || arg[0] == '\0' || arg[strlen(arg) - 1] == ',' ||
        strstr(arg, ",,") != NULL)
        return -1;
    strcpy(buf, arg);
    for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        if (n == MAX_BROKERS || parse_long(tok, 1, 65535, &v) != 0)
            return -1;
        listeners[n].fd = -1;
        listeners[n].adv = (uint16_t)v;
        n++;
    }
    return n;
}

/* The second stdout line with -a: the real listen ports, broker order. */
static void reply_listen(void)
{
    char line[MAX_BROKERS * 22 + 16];
    size_t of;
    int i;
    of = (size_t)snprintf(line, sizeof line, "listen ");
    for (i = 0; i < n_listen; i++)
        of += (size_t)snprintf(line + of, sizeof line - of, "%s127.0.0.1:%u", i ? "," : "",
                               (unsigned)listeners[i].real);
    reply("%s", line);
}

int main(int argc, char **argv)
{
    long brokers = 3, lifetime = 600, port = 0;
    char errstr[256];
    rd_kafka_conf_t *conf;
    rd_kafka_t *rk;
    rd_kafka_mock_cluster_t *mc;
    int opt;
    int adv = 0;
    while ((opt = getopt(argc, argv, "n:t:p:a:b:")) != -1) {
        if (opt == 'b' && inet_pton(AF_INET, optarg, &bind_addr) == 1 && bind_addr.s_addr != 0)
            continue;
        if (opt == 'a' && (adv = parse_adv(optarg)) > 0)
            continue;
        if (opt == 'n' && parse_long(optarg, 1, 100, &brokers) == 0)
            continue;
        if (opt == 't' && parse_long(optarg, 1, 86400, &lifetime) == 0)
            continue;
        if (opt == 'p' && parse_long(optarg, 1, 65535, &port) == 0)
            continue;
        usage();
    }
    if (optind != argc)
        usage();
    if (adv > 0 && bind_addr.s_addr != 0) {
        fprintf(stderr,
                "mb_test_broker: -a works on 127.0.0.1 only: it does not combine with -b\n");
        usage();
    }
    if (adv > 0 && adv != brokers) {
        fprintf(stderr, "mb_test_broker: -a needs exactly one port per broker (%ld)\n", brokers);
        usage();
    }
    /* A test that dies must not leave us running: the hard backstop. */
    alarm((unsigned)lifetime + 10);
    conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "log_level", "4", errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "mb_test_broker: %s\n", errstr);
        return 1;
    }
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (rk == NULL) {
        fprintf(stderr, "mb_test_broker: rd_kafka_new: %s\n", errstr);
        return 1;
    }
    want_port = (int)port;
    n_adv = adv;
    recording = 1;
    mc = rd_kafka_mock_cluster_new(rk, (int)brokers);
    recording = 0;
    want_port = 0;
    if (mc == NULL) {
        fprintf(stderr, "mb_test_broker: cannot create the mock cluster\n");
        rd_kafka_destroy(rk);
        return 1;
    }
    if (port_bind_errno != 0) {
        fprintf(stderr, "mb_test_broker: cannot listen on port %ld: %s\n", port,
                strerror(port_bind_errno));
        rd_kafka_mock_cluster_destroy(mc);
        rd_kafka_destroy(rk);
        return 3;
    }
    if (n_listen != n_adv) {
        fprintf(stderr, "mb_test_broker: -a: saw %d of %d listener binds\n", n_listen, n_adv);
        rd_kafka_mock_cluster_destroy(mc);
        rd_kafka_destroy(rk);
        return 1;
    }
    reply("%s", rd_kafka_mock_cluster_bootstraps(mc));
    if (n_adv > 0)
        reply_listen();
    serve(mc, now_s() + (double)lifetime);
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}
