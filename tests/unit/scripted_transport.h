/*
 * scripted_transport.h - a msgbus_transport for unit tests of src/net: no
 * sockets, no real time. Connections follow a script the test sets, the
 * bytes the client sends are recorded, and a responder callback the test
 * supplies answers each whole request frame (or does not). wait() advances a
 * fake clock instead of sleeping, so every timer runs in simulated time.
 */
#ifndef MB_SCRIPTED_TRANSPORT_H
#define MB_SCRIPTED_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "msgbus/transport.h"
#include "proto/api.h"

#define ST_MAX_SOCKS 64
#define ST_BUF (1u << 16) /* small enough for the emulated microcontroller */

typedef struct st_net st_net;

/** How a new connection behaves. */
typedef struct st_script {
    int refuse;          /**< connect_check fails */
    int connect_polls;   /**< connect_check says "in progress" this many times */
    int close_on_accept; /**< connected, then the first recv reports a close */
    size_t send_chunk;   /**< accept at most this many bytes per send (0: all) */
    int would_block;     /**< the first N sends return 0 */
    size_t recv_chunk;   /**< deliver at most this many bytes per recv (0: all) */
} st_script;

struct msgbus_sock {
    int id;
    char host[256];
    uint16_t port;
    st_script sc;
    int connected;            /**< 1 after connect_check succeeded */
    int closed;               /**< the client closed it */
    int peer_close;           /**< recv reports a close once @c in is drained */
    uint8_t *out;             /**< what the client sent */
    size_t out_len, out_done; /**< out_done: bytes already handed to the responder */
    uint8_t *in;              /**< queued for the client */
    size_t in_len, in_off;
    uint32_t connect_time;
};

/** Called for every whole request frame (without its size prefix). */
typedef void (*st_responder)(st_net *net, msgbus_sock *s, const mb_req_hdr *h, mb_rd *body,
                             void *ud);

struct st_net {
    msgbus_transport t;
    msgbus_sock *socks[ST_MAX_SOCKS];
    int n_socks;
    st_script next;          /**< the script each new connection gets */
    const char *refuse_host; /**< connections to this host are always refused */
    uint32_t now;            /**< the fake clock, in ms */
    st_responder responder;
    void *ud;
    int waits;
};

/** Set up @p net; its transport is net->t. */
void st_init(st_net *net, st_responder responder, void *ud);
/** Free every connection's buffers. */
void st_free(st_net *net);
/** The fake clock, for mb_client_config.now_ms (ud = the st_net). */
uint32_t st_now(void *ud);
/** A deterministic random source for mb_client_config.random. */
int st_random(void *ud, void *buf, size_t len);
/** Queue raw bytes for the client on @p s. */
void st_push(msgbus_sock *s, const void *p, size_t n);
/** Queue a response frame: header for @p api_key / @p version, then body bytes. */
void st_push_response(msgbus_sock *s, int16_t api_key, int16_t version, int32_t corr,
                      const uint8_t *body, size_t n);
/** The newest connection that is neither closed nor refused, or NULL. */
msgbus_sock *st_live(st_net *net);

#endif
