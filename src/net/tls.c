/*
 * tls.c - TLS over any transport with mbedTLS (see tls.h).
 *
 * One mb_tls holds what every connection shares: the mbedTLS configuration,
 * the trusted CAs, the client certificate and key, the DRBG, and one staging
 * buffer that gathers a request's scatter/gather pieces into a TLS record.
 * Each connection is an inner transport connection plus an SSL context; the
 * BIO callbacks map the inner transport's "0 = would block" onto mbedTLS's
 * WANT_READ / WANT_WRITE.
 *
 * Builds with mbedTLS 2.28 and 3.x; the few calls that differ are marked.
 */
#include "tls.h"

#include "msgbus/config_defaults.h"
#include "msgbus/error.h"

#if MSGBUS_CFG_TLS

#include <string.h>

#include "mbedtls/ctr_drbg.h"
#include "mbedtls/error.h"
#include "mbedtls/net_sockets.h"
#include "mbedtls/pk.h"
#include "mbedtls/platform_util.h"
#include "mbedtls/ssl.h"
#include "mbedtls/version.h"
#include "mbedtls/x509_crt.h"
#if MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_PSA_CRYPTO_C)
#include "psa/crypto.h"
#endif

/** Largest plaintext gathered into one record (TLS's maximum fragment). */
#define MB_TLS_STAGE 16384

struct mb_tls {
    msgbus_transport pub; /* ctx points back here */
    const msgbus_transport *inner;
    msgbus_allocator al;
    const mb_logger *log;
    mb_tls_rand_fn rnd;
    void *rnd_ud;
    mbedtls_ssl_config conf;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_x509_crt ca;
    mbedtls_x509_crt cert;
    mbedtls_pk_context key;
    char sni[256];                             /* empty: each broker's host */
    msgbus_sock *outer[MB_CLIENT_MAX_BROKERS]; /* wait(): the items' own sockets */
    unsigned outer_want[MB_CLIENT_MAX_BROKERS];
    unsigned char stage[MB_TLS_STAGE];
};

typedef enum { PH_TCP, PH_HANDSHAKE, PH_OPEN } mb_tls_phase;

typedef struct mb_tls_sock {
    mb_tls *t;
    msgbus_sock *inner;
    mbedtls_ssl_context ssl;
    mb_tls_phase phase;
    unsigned hs_want; /* what the handshake waits for: MSGBUS_POLL_IN or _OUT */
    char host[256];
} mb_tls_sock;

static mb_tls_sock *tsock(msgbus_sock *s)
{
    return (mb_tls_sock *)(void *)s;
}

/* ------------------------------------------------------------------------ */
/* BIO: the inner transport under mbedTLS                                    */
/* ------------------------------------------------------------------------ */

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    mb_tls_sock *s = ctx;
    msgbus_iovec iov;
    long n;
    iov.base = buf;
    iov.len = len > 0x7fffffffu ? 0x7fffffffu : len;
    n = s->t->inner->send(s->t->inner->ctx, s->inner, &iov, 1);
    if (n < 0)
        return MBEDTLS_ERR_NET_SEND_FAILED;
    return n == 0 ? MBEDTLS_ERR_SSL_WANT_WRITE : (int)n;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    mb_tls_sock *s = ctx;
    long n =
        s->t->inner->recv(s->t->inner->ctx, s->inner, buf, len > 0x7fffffffu ? 0x7fffffffu : len);
    if (n < 0)
        return MBEDTLS_ERR_NET_CONN_RESET;
    return n == 0 ? MBEDTLS_ERR_SSL_WANT_READ : (int)n;
}

/* ------------------------------------------------------------------------ */
/* Errors                                                                    */
/* ------------------------------------------------------------------------ */

static int want(int rc)
{
    return rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE;
}

/* Map a failed handshake to the most telling msgbus code, and log why. */
static int handshake_error(mb_tls_sock *s, int rc)
{
    uint32_t flags = mbedtls_ssl_get_verify_result(&s->ssl);
    int err = MSGBUS_ERR_TLS;
    char why[160];
    why[0] = '\0';
    if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED && flags != 0) {
        if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED)
            err = MSGBUS_ERR_CERT_UNTRUSTED;
        else if (flags & (MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE))
            err = MSGBUS_ERR_CERT_EXPIRED;
        else if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH)
            err = MSGBUS_ERR_CERT_HOSTNAME;
#if MSGBUS_CFG_LOG && !defined(MBEDTLS_X509_REMOVE_INFO)
        if (mbedtls_x509_crt_verify_info(why, sizeof why, "", flags) < 0)
            why[0] = '\0';
        {
            char *nl; /* one line: the info is newline-separated */
            while ((nl = strchr(why, '\n')) != NULL)
                *nl = nl[1] ? ';' : '\0';
        }
#endif
    }
#if MSGBUS_CFG_LOG && defined(MBEDTLS_ERROR_C)
    else {
        mbedtls_strerror(rc, why, sizeof why);
    }
#endif
    MB_LOG(s->t->log, MB_LOG_ERROR, "TLS handshake with %s failed (%s): %s", s->host,
           msgbus_err_name(err), why[0] ? why : "no detail");
    return err;
}

/* ------------------------------------------------------------------------ */
/* The transport functions                                                   */
/* ------------------------------------------------------------------------ */

static int tls_connect(void *ctx, const char *host, uint16_t port, msgbus_sock **out)
{
    mb_tls *t = ctx;
    mb_tls_sock *s;
    const char *name = t->sni[0] ? t->sni : host;
    int rc;
    *out = NULL;
    if (strlen(host) >= sizeof s->host)
        return MSGBUS_ERR_INVALID_ARG;
    s = t->al.alloc(t->al.ctx, sizeof *s);
    if (!s)
        return MSGBUS_ERR_NOMEM;
    memset(s, 0, sizeof *s);
    s->t = t;
    strcpy(s->host, host);
    mbedtls_ssl_init(&s->ssl);
    if (mbedtls_ssl_setup(&s->ssl, &t->conf) != 0 || mbedtls_ssl_set_hostname(&s->ssl, name) != 0) {
        mbedtls_ssl_free(&s->ssl);
        t->al.free(t->al.ctx, s, sizeof *s);
        return MSGBUS_ERR_NOMEM;
    }
    mbedtls_ssl_set_bio(&s->ssl, s, bio_send, bio_recv, NULL);
    rc = t->inner->connect(t->inner->ctx, host, port, &s->inner);
    if (rc) {
        mbedtls_ssl_free(&s->ssl);
        t->al.free(t->al.ctx, s, sizeof *s);
        return rc;
    }
    s->phase = PH_TCP;
    *out = (msgbus_sock *)(void *)s;
    return 0;
}

static int tls_connect_check(void *ctx, msgbus_sock *sock)
{
    mb_tls *t = ctx;
    mb_tls_sock *s = tsock(sock);
    int rc;
    if (s->phase == PH_OPEN)
        return 1;
    if (s->phase == PH_TCP) {
        rc = t->inner->connect_check(t->inner->ctx, s->inner);
        if (rc <= 0)
            return rc;
        s->phase = PH_HANDSHAKE;
    }
    rc = mbedtls_ssl_handshake(&s->ssl);
    if (rc == 0) {
        s->phase = PH_OPEN;
        MB_LOG(t->log, MB_LOG_DEBUG, "TLS with %s: %s, %s", s->host,
               mbedtls_ssl_get_version(&s->ssl), mbedtls_ssl_get_ciphersuite(&s->ssl));
        return 1;
    }
    if (want(rc)) {
        s->hs_want = rc == MBEDTLS_ERR_SSL_WANT_READ ? MSGBUS_POLL_IN : MSGBUS_POLL_OUT;
        return 0;
    }
    return handshake_error(s, rc);
}

/*
 * Gather the pieces into one record's worth of plaintext. A WANT_WRITE
 * leaves the record inside mbedTLS; the caller then calls again with the
 * same pieces, which gathers the same length, as mbedTLS requires.
 */
static long tls_send(void *ctx, msgbus_sock *sock, const msgbus_iovec *iov, size_t iovcnt)
{
    mb_tls *t = ctx;
    mb_tls_sock *s = tsock(sock);
    const unsigned char *buf;
    size_t len = 0, i = 0, cap = MB_TLS_STAGE;
    int max = mbedtls_ssl_get_max_out_record_payload(&s->ssl);
    int rc;
    if (s->phase != PH_OPEN)
        return 0;
    if (max > 0 && (size_t)max < cap)
        cap = (size_t)max;
    while (i < iovcnt && iov[i].len == 0)
        i++;
    if (i == iovcnt)
        return 0;
    if (iov[i].len >= cap || i + 1 == iovcnt) {
        buf = iov[i].base; /* large or alone: no copy */
        len = iov[i].len < cap ? iov[i].len : cap;
    } else {
        for (; i < iovcnt && len < cap; i++) {
            size_t take = iov[i].len < cap - len ? iov[i].len : cap - len;
            memcpy(t->stage + len, iov[i].base, take);
            len += take;
        }
        buf = t->stage;
    }
    rc = mbedtls_ssl_write(&s->ssl, buf, len);
    if (rc > 0)
        return rc;
    if (want(rc))
        return 0;
    MB_LOG(t->log, MB_LOG_DEBUG, "TLS write to %s failed: -0x%04x", s->host, (unsigned)-rc);
    return MSGBUS_ERR_TRANSPORT;
}

static long tls_recv(void *ctx, msgbus_sock *sock, void *buf, size_t len)
{
    mb_tls_sock *s = tsock(sock);
    (void)ctx;
    if (s->phase != PH_OPEN)
        return 0;
    for (;;) {
        int rc = mbedtls_ssl_read(&s->ssl, buf, len > 0x7fffffffu ? 0x7fffffffu : len);
        if (rc > 0)
            return rc;
        if (want(rc))
            return 0;
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
        if (rc == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
            continue; /* TLS 1.3 post-handshake message: read on */
#endif
        if (rc == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
            /* e.g. TLS 1.3's "certificate required", which only comes once
             * the client has finished its side of the handshake */
            MB_LOG(s->t->log, MB_LOG_ERROR, "TLS with %s: the broker sent a fatal alert", s->host);
            return MSGBUS_ERR_TLS;
        }
        return MSGBUS_ERR_TRANSPORT; /* close_notify, EOF or a failure */
    }
}

static void tls_close(void *ctx, msgbus_sock *sock)
{
    mb_tls *t = ctx;
    mb_tls_sock *s = tsock(sock);
    if (!s)
        return;
    if (s->phase == PH_OPEN)
        (void)mbedtls_ssl_close_notify(&s->ssl); /* best effort, never waits */
    mbedtls_ssl_free(&s->ssl);
    if (s->inner)
        t->inner->close(t->inner->ctx, s->inner);
    t->al.free(t->al.ctx, s, sizeof *s);
}

/*
 * Wait on the inner connections. A handshake in progress waits for what
 * mbedTLS asked and reports MSGBUS_POLL_OUT (what a connecting socket is
 * polled for); an open connection with decrypted bytes still inside mbedTLS
 * is readable at once.
 */
static int tls_wait(void *ctx, msgbus_poll_item *items, size_t n, uint32_t timeout_ms)
{
    mb_tls *t = ctx;
    size_t i;
    int rc, pending = 0;
    if (n > MB_CLIENT_MAX_BROKERS)
        return MSGBUS_ERR_INVALID_ARG;
    for (i = 0; i < n; i++) {
        mb_tls_sock *s = tsock(items[i].sock);
        t->outer[i] = items[i].sock;
        t->outer_want[i] = items[i].want;
        if (s->phase == PH_OPEN && (items[i].want & MSGBUS_POLL_IN) &&
            mbedtls_ssl_check_pending(&s->ssl))
            pending = 1;
        if (s->phase == PH_HANDSHAKE)
            items[i].want = s->hs_want;
        items[i].sock = s->inner;
        items[i].ready = 0;
    }
    rc = t->inner->wait(t->inner->ctx, items, n, pending ? 0 : timeout_ms);
    if (rc >= 0)
        rc = 0;
    for (i = 0; i < n; i++) {
        mb_tls_sock *s = tsock(t->outer[i]);
        unsigned ready = items[i].ready;
        items[i].sock = t->outer[i];
        items[i].want = t->outer_want[i];
        if (s->phase == PH_HANDSHAKE && ready)
            ready = MSGBUS_POLL_OUT | (ready & MSGBUS_POLL_ERR);
        if (s->phase == PH_OPEN && (items[i].want & MSGBUS_POLL_IN) &&
            mbedtls_ssl_check_pending(&s->ssl))
            ready |= MSGBUS_POLL_IN;
        items[i].ready = ready;
        if (ready && rc >= 0)
            rc++;
    }
    return rc;
}

static void tls_wakeup(void *ctx)
{
    mb_tls *t = ctx;
    t->inner->wakeup(t->inner->ctx);
}

/* ------------------------------------------------------------------------ */
/* Set-up                                                                    */
/* ------------------------------------------------------------------------ */

static int entropy(void *ctx, unsigned char *out, size_t len)
{
    mb_tls *t = ctx;
    return t->rnd(t->rnd_ud, out, len) == 0 ? 0 : MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
}

/* no_hostname_check: accept a certificate naming another host, nothing else. */
static int ignore_hostname(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    (void)ctx;
    (void)crt;
    (void)depth;
    *flags &= ~(uint32_t)MBEDTLS_X509_BADCERT_CN_MISMATCH;
    return 0;
}

static int has(const msgbus_pem *p)
{
    return p->file || (p->data && p->len);
}

/* Parse certificates from a file or a buffer; @p what names them in the log. */
static int load_certs(mb_tls *t, mbedtls_x509_crt *crt, const msgbus_pem *p, const char *what)
{
    int rc;
    if (p->file) {
#if defined(MBEDTLS_FS_IO)
        rc = mbedtls_x509_crt_parse_file(crt, p->file);
#else
        MB_LOG(t->log, MB_LOG_ERROR, "TLS %s: this mbedTLS reads no files; give the bytes", what);
        return MSGBUS_ERR_NOT_BUILT;
#endif
    } else {
        rc = mbedtls_x509_crt_parse(crt, p->data, p->len);
    }
    /* A bundle where some certificates do not parse (rc > 0) is usable. */
    if (rc < 0 || crt->version == 0) {
        MB_LOG(t->log, MB_LOG_ERROR, "TLS %s %s: no certificate could be read (-0x%04x)", what,
               p->file ? p->file : "(buffer)", rc < 0 ? (unsigned)-rc : 0u);
        return MSGBUS_ERR_CONFIG;
    }
    return 0;
}

static int load_key(mb_tls *t, const msgbus_security *sec)
{
    const char *pw = sec->key_password;
    int rc;
    if (sec->key.file) {
#if defined(MBEDTLS_FS_IO)
#if MBEDTLS_VERSION_MAJOR >= 3
        rc =
            mbedtls_pk_parse_keyfile(&t->key, sec->key.file, pw, mbedtls_ctr_drbg_random, &t->drbg);
#else
        rc = mbedtls_pk_parse_keyfile(&t->key, sec->key.file, pw);
#endif
#else
        MB_LOG(t->log, MB_LOG_ERROR, "TLS key: this mbedTLS reads no files; give the bytes");
        return MSGBUS_ERR_NOT_BUILT;
#endif
    } else {
        const unsigned char *pwb = (const unsigned char *)pw;
        size_t pwl = pw ? strlen(pw) : 0;
#if MBEDTLS_VERSION_MAJOR >= 3
        rc = mbedtls_pk_parse_key(&t->key, sec->key.data, sec->key.len, pwb, pwl,
                                  mbedtls_ctr_drbg_random, &t->drbg);
#else
        rc = mbedtls_pk_parse_key(&t->key, sec->key.data, sec->key.len, pwb, pwl);
#endif
    }
    if (rc != 0) {
        MB_LOG(t->log, MB_LOG_ERROR, "TLS client key %s: cannot be read (-0x%04x)",
               sec->key.file ? sec->key.file : "(buffer)", (unsigned)-rc);
        return MSGBUS_ERR_CONFIG;
    }
    return 0;
}

static int set_versions(mb_tls *t, int min_version)
{
    if (min_version != 0 && min_version != 12 && min_version != 13)
        return MSGBUS_ERR_CONFIG;
#if MBEDTLS_VERSION_NUMBER >= 0x03020000
    mbedtls_ssl_conf_min_tls_version(&t->conf, min_version == 13 ? MBEDTLS_SSL_VERSION_TLS1_3
                                                                 : MBEDTLS_SSL_VERSION_TLS1_2);
#if !defined(MBEDTLS_SSL_PROTO_TLS1_3)
    if (min_version == 13)
        return MSGBUS_ERR_NOT_BUILT;
#endif
#else
    if (min_version == 13) {
        MB_LOG(t->log, MB_LOG_ERROR, "TLS 1.3 asked for, but mbedTLS %s has only TLS 1.2",
               MBEDTLS_VERSION_STRING);
        return MSGBUS_ERR_NOT_BUILT;
    }
    mbedtls_ssl_conf_min_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                                 MBEDTLS_SSL_MINOR_VERSION_3);
#endif
    return 0;
}

static int setup(mb_tls *t, const msgbus_security *sec)
{
    static const unsigned char pers[] = "msgbus";
    int rc;
#if MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_PSA_CRYPTO_C)
    if (psa_crypto_init() != PSA_SUCCESS)
        return MSGBUS_ERR_TLS;
#endif
    if (mbedtls_ctr_drbg_seed(&t->drbg, entropy, t, pers, sizeof pers - 1) != 0) {
        MB_LOG(t->log, MB_LOG_ERROR, "TLS: the random source failed");
        return MSGBUS_ERR_TLS;
    }
    if (mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT) != 0)
        return MSGBUS_ERR_TLS;
    mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &t->drbg);
    if ((rc = set_versions(t, sec->tls_min_version)) != 0)
        return rc;
    if (has(&sec->ca)) {
        if ((rc = load_certs(t, &t->ca, &sec->ca, "CA")) != 0)
            return rc;
        mbedtls_ssl_conf_ca_chain(&t->conf, &t->ca, NULL);
    } else if (!sec->insecure_no_verify) {
        MB_LOG(t->log, MB_LOG_ERROR, "TLS: verifying the broker needs a CA (file or bytes)");
        return MSGBUS_ERR_CONFIG;
    }
    mbedtls_ssl_conf_authmode(&t->conf, !sec->insecure_no_verify ? MBEDTLS_SSL_VERIFY_REQUIRED
                                                                 : MBEDTLS_SSL_VERIFY_NONE);
    if (sec->no_hostname_check)
        mbedtls_ssl_conf_verify(&t->conf, ignore_hostname, NULL);
    if (has(&sec->cert) != has(&sec->key)) {
        MB_LOG(t->log, MB_LOG_ERROR,
               "TLS: a client certificate needs its key, and a key its "
               "certificate");
        return MSGBUS_ERR_CONFIG;
    }
    if (has(&sec->cert)) {
        if ((rc = load_certs(t, &t->cert, &sec->cert, "client certificate")) != 0 ||
            (rc = load_key(t, sec)) != 0)
            return rc;
        if (mbedtls_ssl_conf_own_cert(&t->conf, &t->cert, &t->key) != 0)
            return MSGBUS_ERR_CONFIG;
    }
    if (sec->sni_hostname) {
        if (strlen(sec->sni_hostname) >= sizeof t->sni)
            return MSGBUS_ERR_CONFIG;
        strcpy(t->sni, sec->sni_hostname);
    }
    return 0;
}

int mb_tls_new(mb_tls **out, const msgbus_security *sec, const msgbus_transport *inner,
               const msgbus_allocator *al, mb_tls_rand_fn rnd, void *rnd_ud, const mb_logger *log)
{
    mb_tls *t;
    int rc;
    *out = NULL;
    if (!sec || !inner || !al || !rnd || !log)
        return MSGBUS_ERR_INVALID_ARG;
    t = al->alloc(al->ctx, sizeof *t);
    if (!t)
        return MSGBUS_ERR_NOMEM;
    memset(t, 0, sizeof *t);
    t->inner = inner;
    t->al = *al;
    t->log = log;
    t->rnd = rnd;
    t->rnd_ud = rnd_ud;
    mbedtls_ssl_config_init(&t->conf);
    mbedtls_ctr_drbg_init(&t->drbg);
    mbedtls_x509_crt_init(&t->ca);
    mbedtls_x509_crt_init(&t->cert);
    mbedtls_pk_init(&t->key);
    if ((rc = setup(t, sec)) != 0) {
        mb_tls_free(t);
        return rc;
    }
    t->pub.ctx = t;
    t->pub.connect = tls_connect;
    t->pub.connect_check = tls_connect_check;
    t->pub.send = tls_send;
    t->pub.recv = tls_recv;
    t->pub.close = tls_close;
    t->pub.wait = tls_wait;
    t->pub.wakeup = inner->wakeup ? tls_wakeup : NULL;
    *out = t;
    return 0;
}

const msgbus_transport *mb_tls_transport(const mb_tls *t)
{
    return &t->pub;
}

void mb_tls_free(mb_tls *t)
{
    if (!t)
        return;
    mbedtls_ssl_config_free(&t->conf);
    mbedtls_ctr_drbg_free(&t->drbg);
    mbedtls_x509_crt_free(&t->ca);
    mbedtls_x509_crt_free(&t->cert);
    mbedtls_pk_free(&t->key);
    mbedtls_platform_zeroize(t->stage, sizeof t->stage);
    t->al.free(t->al.ctx, t, sizeof *t);
}

#else /* MSGBUS_CFG_TLS 0: TLS is left out */

int mb_tls_new(mb_tls **out, const msgbus_security *sec, const msgbus_transport *inner,
               const msgbus_allocator *al, mb_tls_rand_fn rnd, void *rnd_ud, const mb_logger *log)
{
    (void)sec;
    (void)inner;
    (void)al;
    (void)rnd;
    (void)rnd_ud;
    MB_LOG(log, MB_LOG_ERROR, "TLS asked for, but this build leaves TLS out");
    *out = NULL;
    return MSGBUS_ERR_NOT_BUILT;
}

const msgbus_transport *mb_tls_transport(const mb_tls *t)
{
    (void)t;
    return NULL;
}

void mb_tls_free(mb_tls *t)
{
    (void)t;
}

#endif /* MSGBUS_CFG_TLS */
