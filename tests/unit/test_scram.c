/* test_scram.c - the SCRAM client (RFC 5802, RFC 7677) and the PLAIN message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "msgbus/config_defaults.h"
#include "msgbus/error.h"
#include "net/scram.h"

/* ---- helpers ---- */

#define U8(s) ((const uint8_t *)(s))

/* ---- PLAIN (needs no crypto: built either way) ---- */

static void test_plain_bytes(void **state)
{
    static const uint8_t want[] = {0, 'a', 'l', 'i', 'c', 'e', 0, 's', '3', 'c', 'r', '3', 't'};
    uint8_t out[32];
    size_t n = 99;
    (void)state;
    assert_int_equal(mb_sasl_plain("alice", "s3cr3t", out, sizeof out, &n), 0);
    assert_int_equal(n, sizeof want);
    assert_memory_equal(out, want, sizeof want);
    /* exactly enough room, then one byte less */
    assert_int_equal(mb_sasl_plain("alice", "s3cr3t", out, sizeof want, &n), 0);
    assert_int_equal(n, sizeof want);
    assert_int_equal(mb_sasl_plain("alice", "s3cr3t", out, sizeof want - 1, &n),
                     MSGBUS_ERR_NO_ROOM);
    assert_int_equal(n, 0);
    assert_int_equal(mb_sasl_plain("alice", "s3cr3t", out, 0, &n), MSGBUS_ERR_NO_ROOM);
    assert_int_equal(mb_sasl_plain("alice", "s3cr3t", out, 1, &n), MSGBUS_ERR_NO_ROOM);
    /* an empty password is written (the broker decides); an empty user is refused */
    assert_int_equal(mb_sasl_plain("alice", "", out, sizeof out, &n), 0);
    assert_int_equal(n, 7);
    assert_memory_equal(out, want, 7);
    assert_int_equal(mb_sasl_plain("", "pw", out, sizeof out, &n), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_sasl_plain(NULL, "pw", out, sizeof out, &n), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_sasl_plain("a", NULL, out, sizeof out, &n), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_sasl_plain("a", "pw", NULL, sizeof out, &n), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_sasl_plain("a", "pw", out, sizeof out, NULL), MSGBUS_ERR_INVALID_ARG);
}

#if MSGBUS_CFG_SASL

static void assert_out(const uint8_t *out, size_t n, const char *want)
{
    assert_int_equal(n, strlen(want));
    assert_memory_equal(out, want, n);
}

/* RFC 5802 section 5 (SCRAM-SHA-1) */
#define RFC5802_NONCE "fyko+d2lbbFgONRv9qkxdawL"
#define RFC5802_FIRST "n,,n=user,r=" RFC5802_NONCE
#define RFC5802_SF "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"
#define RFC5802_CF                                                                                 \
    "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="
#define RFC5802_SV "v=rmF9pqV8S7suAoZWja4dJRkFsKQ="

/* RFC 7677 section 3 (SCRAM-SHA-256) */
#define RFC7677_NONCE "rOprNGfwEbeRWgbNEkqO"
#define RFC7677_SF                                                                                 \
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
#define RFC7677_CF                                                                                 \
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMH" \
    "gsqmmiz7AndVQ="
#define RFC7677_SV "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

/* A nonce that RFC7677_NONCE-based server-firsts below extend or not. */
#define SF_TAIL ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"

/* init + client-first with a fixed nonce; asserts success. */
static void start(mb_scram *s, mb_scram_hash h, const char *user, const char *nonce)
{
    uint8_t out[MB_SCRAM_MAX_MSG + 8];
    size_t n;
    assert_int_equal(mb_scram_init(s, h), 0);
    assert_int_equal(mb_scram_client_first(s, user, nonce, NULL, NULL, out, sizeof out, &n), 0);
    assert_int_equal(s->step, 1);
}

static int final_rc(mb_scram *s, const char *password, const char *sf)
{
    uint8_t out[512];
    size_t n;
    return mb_scram_client_final(s, password, U8(sf), strlen(sf), out, sizeof out, &n);
}

/* SHA-256 exchange up to the point where server-final is expected. */
static void reach_server_final(mb_scram *s)
{
    start(s, MB_SCRAM_SHA256, "user", RFC7677_NONCE);
    assert_int_equal(final_rc(s, "pencil", RFC7677_SF), 0);
    assert_int_equal(s->step, 2);
}

static void run_vector(mb_scram_hash h, const char *user, const char *password, const char *nonce,
                       const char *client_first, const char *server_first, const char *client_final,
                       const char *server_final)
{
    mb_scram s;
    uint8_t out[512];
    size_t n = 0;
    assert_int_equal(mb_scram_init(&s, h), 0);
    assert_int_equal(mb_scram_client_first(&s, user, nonce, NULL, NULL, out, sizeof out, &n), 0);
    assert_out(out, n, client_first);
    assert_int_equal(mb_scram_client_final(&s, password, U8(server_first), strlen(server_first),
                                           out, sizeof out, &n),
                     0);
    assert_out(out, n, client_final);
    assert_int_equal(mb_scram_server_final(&s, U8(server_final), strlen(server_final)), 0);
    assert_int_equal(s.step, 3);
    mb_scram_wipe(&s);
}

/* ---- vectors ---- */

static void test_rfc5802_sha1(void **state)
{
    (void)state;
    run_vector(MB_SCRAM_SHA1, "user", "pencil", RFC5802_NONCE, RFC5802_FIRST, RFC5802_SF,
               RFC5802_CF, RFC5802_SV);
}

static void test_rfc7677_sha256(void **state)
{
    (void)state;
    run_vector(MB_SCRAM_SHA256, "user", "pencil", RFC7677_NONCE, "n,,n=user,r=" RFC7677_NONCE,
               RFC7677_SF, RFC7677_CF, RFC7677_SV);
}

/*
 * SCRAM-SHA-512 (no RFC vector exists). Expected values computed with:
 * python3 -c "import hashlib as h,hmac as m,base64 as b;
 *  sf='r=mbNonceSha512Test0123456789srvPart+/xyz9876,s=bXNnYnVzLXNhbHQtMDAwMQ==,i=4096';
 *  cf='c=biws,r=mbNonceSha512Test0123456789srvPart+/xyz9876';
 *  am=('n=kafka,r=mbNonceSha512Test0123456789,'+sf+','+cf).encode();
 *  sp=h.pbkdf2_hmac('sha512',b'k@fka-secret',b'msgbus-salt-0001',4096);
 *  ck=m.new(sp,b'Client Key','sha512').digest();
 *  cs=m.new(h.sha512(ck).digest(),am,'sha512').digest();
 *  print(cf+',p='+b.b64encode(bytes(x^y for x,y in zip(ck,cs))).decode());
 *  print('v='+b.b64encode(m.new(m.new(sp,b'Server Key','sha512').digest(),am,'sha512')
 *  .digest()).decode())"
 * (one line; split here for width)
 */
static void test_sha512_vector(void **state)
{
    (void)state;
    run_vector(
        MB_SCRAM_SHA512, "kafka", "k@fka-secret", "mbNonceSha512Test0123456789",
        "n,,n=kafka,r=mbNonceSha512Test0123456789",
        "r=mbNonceSha512Test0123456789srvPart+/xyz9876,s=bXNnYnVzLXNhbHQtMDAwMQ==,i=4096",
        "c=biws,r=mbNonceSha512Test0123456789srvPart+/xyz9876,p=iDyHQ2hScrmAYIZORNL03iWFups"
        "Akmp+6EgQ+YE35qhHRLBdkQLrjz6LSD0apGF5tWuuMaw//h80+7WId0ObMA==",
        "v=zLexYYFAjPcXm1nhs+UFEQdpnJkxCCnV4o0YdemihnkOYlldJhdGHFdHEKKtJKdeW3l8wtO30sHVjspxxx"
        "VXfw==");
}

/*
 * An optional extension after i= is tolerated and is part of the AuthMessage;
 * so is one after the verifier. Expected values: the python above with
 * SHA-256, the RFC 7677 inputs and ",x=future-ext" appended to the server-first
 * (and i=16384 with the server nonce "srv" for the largest count accepted).
 */
static void test_optional_extensions(void **state)
{
    (void)state;
    run_vector(MB_SCRAM_SHA256, "user", "pencil", RFC7677_NONCE, "n,,n=user,r=" RFC7677_NONCE,
               RFC7677_SF ",x=future-ext",
               "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=UKRsMr2cGbMaZvmP0e0C"
               "OsweMaP4wHWJmnBfOdN3GgU=",
               "v=42vGSfxsoxaWDrk5qdfpLnSh80nq4mqaBpC7+A1ByDU=,y=more,z=");
}

static void test_max_iterations_accepted(void **state)
{
    (void)state;
#if MSGBUS_CFG_SCRAM_MAX_ITERATIONS == 16384
    run_vector(MB_SCRAM_SHA256, "user", "pencil", RFC7677_NONCE, "n,,n=user,r=" RFC7677_NONCE,
               "r=" RFC7677_NONCE "srv,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=16384",
               "c=biws,r=rOprNGfwEbeRWgbNEkqOsrv,p=v4DoJtFHZPINL8UuKZUwkaL7FmgWEA56ga4V6/oGdms=",
               "v=nBbAU9eHzpvPp8RgrSBUQBLKQkpIQfYNdcwS1YnrXiM=");
#endif
}

/* The server message is read by length: bytes after len are never looked at. */
static void test_reads_only_len(void **state)
{
    static const char longer[] = RFC7677_SF "0"; /* i=40960 if the last byte were read */
    mb_scram s;
    uint8_t out[256];
    size_t n;
    (void)state;
    start(&s, MB_SCRAM_SHA256, "user", RFC7677_NONCE);
    assert_int_equal(
        mb_scram_client_final(&s, "pencil", U8(longer), sizeof longer - 2, out, sizeof out, &n), 0);
    assert_out(out, n, RFC7677_CF);
    assert_int_equal(mb_scram_server_final(&s, U8(RFC7677_SV "x"), strlen(RFC7677_SV)), 0);
    /* cut inside i=: "i=409" is below the minimum */
    start(&s, MB_SCRAM_SHA256, "user", RFC7677_NONCE);
    assert_int_equal(mb_scram_client_final(&s, "pencil", U8(RFC7677_SF), strlen(RFC7677_SF) - 1,
                                           out, sizeof out, &n),
                     MSGBUS_ERR_AUTH);
}

/* ---- client-first ---- */

static void test_username_escaping(void **state)
{
    mb_scram s;
    uint8_t out[128];
    size_t n;
    (void)state;
    assert_int_equal(mb_scram_init(&s, MB_SCRAM_SHA256), 0);
    assert_int_equal(mb_scram_client_first(&s, "a,b=c", "xyz", NULL, NULL, out, sizeof out, &n), 0);
    assert_out(out, n, "n,,n=a=2Cb=3Dc,r=xyz");
    assert_int_equal(s.client_first_bare_len, strlen("n=a=2Cb=3Dc,r=xyz"));
    assert_memory_equal(s.client_first_bare, "n=a=2Cb=3Dc,r=xyz", s.client_first_bare_len);
    assert_int_equal(mb_scram_init(&s, MB_SCRAM_SHA256), 0);
    assert_int_equal(mb_scram_client_first(&s, "==,,", "x", NULL, NULL, out, sizeof out, &n), 0);
    assert_out(out, n, "n,,n==3D=3D=2C=2C,r=x");
}

typedef struct rnd_state {
    int calls;
    size_t len;
    int rc;
} rnd_state;

static int fake_rnd(void *ud, void *buf, size_t len)
{
    rnd_state *r = ud;
    size_t i;
    r->calls++;
    r->len = len;
    for (i = 0; i < len; i++)
        ((uint8_t *)buf)[i] = (uint8_t)i;
    return r->rc;
}

static void test_random_nonce(void **state)
{
    mb_scram s;
    rnd_state r = {0, 0, 0};
    uint8_t out[128];
    size_t n;
    (void)state;
    assert_int_equal(mb_scram_init(&s, MB_SCRAM_SHA512), 0);
    assert_int_equal(mb_scram_client_first(&s, "user", NULL, fake_rnd, &r, out, sizeof out, &n), 0);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.len, 32);
    assert_int_equal(strlen(s.client_nonce), 44);
    /* base64 of the bytes 0..31 */
    assert_string_equal(s.client_nonce, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
    assert_out(out, n, "n,,n=user,r=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
    /* the callback's error comes back and the exchange has not started */
    assert_int_equal(mb_scram_init(&s, MB_SCRAM_SHA512), 0);
    r.rc = MSGBUS_ERR_TRANSPORT;
    assert_int_equal(mb_scram_client_first(&s, "user", NULL, fake_rnd, &r, out, sizeof out, &n),
                     MSGBUS_ERR_TRANSPORT);
    assert_int_equal(n, 0);
    assert_int_equal(s.step, 0);
    r.rc = 0;
    assert_int_equal(mb_scram_client_first(&s, "user", NULL, fake_rnd, &r, out, sizeof out, &n), 0);
    assert_int_equal(r.calls, 3);
}

static void test_invalid_args(void **state)
{
    mb_scram s;
    uint8_t out[128];
    char long_user[MB_SCRAM_MAX_MSG];
    size_t n;
    (void)state;
    assert_int_equal(mb_scram_init(NULL, MB_SCRAM_SHA256), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_scram_init(&s, (mb_scram_hash)0), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_scram_init(&s, (mb_scram_hash)4), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_scram_init(&s, MB_SCRAM_SHA256), 0);
    assert_int_equal(mb_scram_client_first(NULL, "u", "x", NULL, NULL, out, sizeof out, &n),
                     MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_scram_client_first(&s, NULL, "x", NULL, NULL, out, sizeof out, &n),
                     MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_scram_client_first(&s, "", "x", NULL, NULL, out, sizeof out, &n),
                     MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_scram_client_first(&s, "u", NULL, NULL, NULL, out, sizeof out, &n),
                     MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_scram_client_first(&s, "u", "", NULL, NULL, out, sizeof out, &n),
                     MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_scram_client_first(&s, "u", "a,b", NULL, NULL, out, sizeof out, &n),
                     MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_scram_client_first(&s, "u", "a b", NULL, NULL, out, sizeof out, &n),
                     MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_scram_client_first(&s, "u", "x", NULL, NULL, NULL, sizeof out, &n),
                     MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_scram_client_first(&s, "u", "x", NULL, NULL, out, sizeof out, NULL),
                     MSGBUS_ERR_INVALID_ARG);
    /* a user name longer than the exchange keeps */
    memset(long_user, 'u', sizeof long_user - 1);
    long_user[sizeof long_user - 1] = '\0';
    assert_int_equal(mb_scram_client_first(&s, long_user, "x", NULL, NULL, out, sizeof out, &n),
                     MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(s.step, 0);
    start(&s, MB_SCRAM_SHA256, "user", RFC7677_NONCE);
    assert_int_equal(
        mb_scram_client_final(&s, NULL, U8(RFC7677_SF), strlen(RFC7677_SF), out, sizeof out, &n),
        MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_scram_client_final(&s, "pencil", NULL, 5, out, sizeof out, &n),
                     MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_scram_client_final(&s, "pencil", U8(RFC7677_SF), strlen(RFC7677_SF), NULL,
                                           sizeof out, &n),
                     MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(s.step, 1); /* still usable */
    assert_int_equal(mb_scram_server_final(NULL, U8("v="), 2), MSGBUS_ERR_INVALID_ARG);
    mb_scram_wipe(NULL);
}

/* ---- server-first ---- */

/* A server-first whose combined nonce has n characters. */
static const char *long_nonce_sf(char *sf, size_t n)
{
    strcpy(sf, "r=" RFC7677_NONCE);
    memset(sf + strlen(sf), 'x', n - strlen(RFC7677_NONCE));
    strcpy(sf + 2 + n, SF_TAIL);
    return sf;
}

static void test_nonce_not_extending(void **state)
{
    static const char *const bad[] = {
        "r=XOprNGfwEbeRWgbNEkqOsrv" SF_TAIL, /* differs in the first character */
        "r=rOprNGfwEbeRWgbNEkqXsrv" SF_TAIL, /* differs in the last of ours */
        "r=" RFC7677_NONCE SF_TAIL,          /* ours only: nothing from the server */
        "r=rOprNGfw" SF_TAIL,                /* shorter than ours */
        "r=" SF_TAIL,                        /* empty */
        "r=" RFC7677_NONCE "s\x01v" SF_TAIL, /* not printable */
        "r=" RFC7677_NONCE "s\x7fv" SF_TAIL,
        "r=" RFC7677_NONCE "s\xc3\xa9v" SF_TAIL,
    };
    char sf[MB_SCRAM_MAX_NONCE + 64];
    mb_scram s;
    size_t i;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        start(&s, MB_SCRAM_SHA256, "user", RFC7677_NONCE);
        assert_int_equal(final_rc(&s, "pencil", bad[i]), MSGBUS_ERR_MALFORMED);
        assert_int_equal(s.step, -1);
    }
    /* a nonce with a NUL inside (the message is read by length) */
    start(&s, MB_SCRAM_SHA256, "user", RFC7677_NONCE);
    {
        static const char nul[] = "r=" RFC7677_NONCE "a\0b" SF_TAIL;
        uint8_t out[256];
        size_t n;
        assert_int_equal(
            mb_scram_client_final(&s, "pencil", U8(nul), sizeof nul - 1, out, sizeof out, &n),
            MSGBUS_ERR_MALFORMED);
    }
    /* a combined nonce of MB_SCRAM_MAX_NONCE is accepted, one more is not */
    start(&s, MB_SCRAM_SHA256, "user", RFC7677_NONCE);
    assert_int_equal(final_rc(&s, "pencil", long_nonce_sf(sf, MB_SCRAM_MAX_NONCE)), 0);
    start(&s, MB_SCRAM_SHA256, "user", RFC7677_NONCE);
    assert_int_equal(final_rc(&s, "pencil", long_nonce_sf(sf, MB_SCRAM_MAX_NONCE + 1)),
                     MSGBUS_ERR_MALFORMED);
}

static void test_iteration_bounds(void **state)
{
    static const struct {
        const char *i;
        int rc;
    } cases[] = {
        {"4095", MSGBUS_ERR_AUTH},
        {"1", MSGBUS_ERR_AUTH},
        {"99999999999999999999999999999999", MSGBUS_ERR_AUTH},
        {"4294967296", MSGBUS_ERR_AUTH},
        {"18446744073709551617", MSGBUS_ERR_AUTH},
        {"", MSGBUS_ERR_MALFORMED},
        {"0", MSGBUS_ERR_MALFORMED},
        {"04096", MSGBUS_ERR_MALFORMED},
        {"-4096", MSGBUS_ERR_MALFORMED},
        {"+4096", MSGBUS_ERR_MALFORMED},
        {"4096x", MSGBUS_ERR_MALFORMED},
        {"4096 ", MSGBUS_ERR_MALFORMED},
        {" 4096", MSGBUS_ERR_MALFORMED},
        {"0x1000", MSGBUS_ERR_MALFORMED},
    };
    char sf[160], over[24];
    mb_scram s;
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        start(&s, MB_SCRAM_SHA256, "user", RFC7677_NONCE);
        strcpy(sf, "r=" RFC7677_NONCE "srv,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=");
        strcat(sf, cases[i].i);
        assert_int_equal(final_rc(&s, "pencil", sf), cases[i].rc);
        assert_int_equal(s.step, -1);
    }
    /* one above the configured cap */
    {
        unsigned long v = (unsigned long)MSGBUS_CFG_SCRAM_MAX_ITERATIONS + 1ul;
        size_t k = sizeof over - 1;
        over[k] = '\0';
        do {
            over[--k] = (char)('0' + v % 10);
            v /= 10;
        } while (v != 0);
        start(&s, MB_SCRAM_SHA256, "user", RFC7677_NONCE);
        strcpy(sf, "r=" RFC7677_NONCE "srv,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=");
        strcat(sf, over + k);
        assert_int_equal(final_rc(&s, "pencil", sf), MSGBUS_ERR_AUTH);
    }
}

static void test_bad_salt(void **state)
{
    static const char *const bad[] = {
        "r=" RFC7677_NONCE "srv,s=,i=4096",                        /* empty */
        "r=" RFC7677_NONCE "srv,s=W22ZaJ0SNY7soEsUEjb6gQ=,i=4096", /* length not 4k */
        "r=" RFC7677_NONCE "srv,s=W22ZaJ0SNY7soEsUEjb6gQ,i=4096",  /* padding missing */
        "r=" RFC7677_NONCE "srv,s=W22ZaJ0SNY7so!sUEjb6gQ==,i=4096",
        "r=" RFC7677_NONCE "srv,s=W22ZaJ0SNY7soEsU Ejb6gQ=,i=4096",
        "r=" RFC7677_NONCE "srv,s=W22Z=J0SNY7soEsUEjb6gQ==,i=4096", /* '=' inside */
        "r=" RFC7677_NONCE "srv,s====,i=4096",
        "r=" RFC7677_NONCE "srv,s=QR==,i=4096", /* not canonical: dropped bits set */
        "r=" RFC7677_NONCE "srv,s=QUJ=,i=4096",
        "r=" RFC7677_NONCE "srv,s=Q=Q=,i=4096",
    };
    mb_scram s;
    size_t i;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        start(&s, MB_SCRAM_SHA256, "user", RFC7677_NONCE);
        assert_int_equal(final_rc(&s, "pencil", bad[i]), MSGBUS_ERR_MALFORMED);
    }
}

static void test_mandatory_extension(void **state)
{
    mb_scram s;
    (void)state;
    start(&s, MB_SCRAM_SHA256, "user", RFC7677_NONCE);
    assert_int_equal(final_rc(&s, "pencil", "m=must-understand," RFC7677_SF), MSGBUS_ERR_MALFORMED);
    start(&s, MB_SCRAM_SHA256, "user", RFC7677_NONCE);
    assert_int_equal(final_rc(&s, "pencil", RFC7677_SF ",m=x"), MSGBUS_ERR_MALFORMED);
}

static void test_garbage_server_first(void **state)
{
    static const char *const bad[] = {
        "",
        "r",
        "r=",
        ",",
        "garbage",
        "r=" RFC7677_NONCE "srv",
        "r=" RFC7677_NONCE "srv,s=W22ZaJ0SNY7soEsUEjb6gQ==",
        "r=" RFC7677_NONCE "srv,s=W22ZaJ0SNY7soEsUEjb6gQ==,",
        "r=" RFC7677_NONCE "srv,s=W22ZaJ0SNY7soEsUEjb6gQ==,i",
        "r=" RFC7677_NONCE "srv,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,",
        "r=" RFC7677_NONCE "srv,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,,x=y",
        "r=" RFC7677_NONCE "srv,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,=y",
        "r=" RFC7677_NONCE "srv,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,xy",
        "r=" RFC7677_NONCE "srv,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,1=y",
        "s=W22ZaJ0SNY7soEsUEjb6gQ==,r=" RFC7677_NONCE "srv,i=4096",
        "r=" RFC7677_NONCE "srv,i=4096,s=W22ZaJ0SNY7soEsUEjb6gQ==",
        "r=" RFC7677_NONCE "srv,,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
        ",r=" RFC7677_NONCE "srv,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
        "R=" RFC7677_NONCE "srv,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
        "e=other-error",
    };
    char huge[MB_SCRAM_MAX_MSG + 2];
    mb_scram s;
    size_t i;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        start(&s, MB_SCRAM_SHA256, "user", RFC7677_NONCE);
        assert_int_equal(final_rc(&s, "pencil", bad[i]), MSGBUS_ERR_MALFORMED);
        assert_int_equal(s.step, -1);
    }
    /* longer than the exchange keeps (valid otherwise) */
    strcpy(huge, RFC7677_SF ",x=");
    memset(huge + strlen(huge), 'a', sizeof huge - 1 - strlen(huge));
    huge[sizeof huge - 1] = '\0';
    start(&s, MB_SCRAM_SHA256, "user", RFC7677_NONCE);
    assert_int_equal(final_rc(&s, "pencil", huge), MSGBUS_ERR_MALFORMED);
    /* but exactly MB_SCRAM_MAX_MSG bytes is fine */
    huge[MB_SCRAM_MAX_MSG] = '\0';
    start(&s, MB_SCRAM_SHA256, "user", RFC7677_NONCE);
    assert_int_equal(final_rc(&s, "pencil", huge), 0);
    /* msg NULL with len 0 is an empty message */
    start(&s, MB_SCRAM_SHA256, "user", RFC7677_NONCE);
    {
        uint8_t out[256];
        size_t n;
        assert_int_equal(mb_scram_client_final(&s, "pencil", NULL, 0, out, sizeof out, &n),
                         MSGBUS_ERR_MALFORMED);
    }
}

/* ---- server-final ---- */

static void test_server_final_errors(void **state)
{
    static const struct {
        const char *msg;
        int rc;
    } cases[] = {
        {"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G5=",
         MSGBUS_ERR_MALFORMED},                                              /* not canonical */
        {"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G8=", MSGBUS_ERR_AUTH}, /* last bits */
        {"v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", MSGBUS_ERR_AUTH},
        {"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=", MSGBUS_ERR_AUTH}, /* a SHA-1 signature */
        {"v=AAAA", MSGBUS_ERR_AUTH},
        {"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4"
         "=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
         MSGBUS_ERR_MALFORMED},
        {"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4A6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4"
         "A6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
         MSGBUS_ERR_AUTH}, /* valid base64, too long for any hash */
        {"e=invalid-proof", MSGBUS_ERR_AUTH},
        {"e=other-error,x=y", MSGBUS_ERR_AUTH},
        {"e=", MSGBUS_ERR_AUTH},
        {"", MSGBUS_ERR_MALFORMED},
        {"v", MSGBUS_ERR_MALFORMED},
        {"v=", MSGBUS_ERR_MALFORMED},
        {"v=!!!!", MSGBUS_ERR_MALFORMED},
        {"x=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", MSGBUS_ERR_MALFORMED},
        {RFC7677_SV ",", MSGBUS_ERR_MALFORMED},
        {RFC7677_SV ",m=x", MSGBUS_ERR_MALFORMED},
        {"e", MSGBUS_ERR_MALFORMED},
    };
    mb_scram s;
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        reach_server_final(&s);
        assert_int_equal(mb_scram_server_final(&s, U8(cases[i].msg), strlen(cases[i].msg)),
                         cases[i].rc);
        assert_int_equal(s.step, -1);
        /* a failed exchange stays failed, and the expected signature is gone */
        assert_int_equal(mb_scram_server_final(&s, U8(RFC7677_SV), strlen(RFC7677_SV)),
                         MSGBUS_ERR_STATE);
    }
    reach_server_final(&s);
    assert_int_equal(mb_scram_server_final(&s, NULL, 0), MSGBUS_ERR_MALFORMED);
    reach_server_final(&s);
    assert_int_equal(mb_scram_server_final(&s, NULL, 3), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(s.step, 2);
}

/* ---- order, room, wipe ---- */

static void test_wrong_order(void **state)
{
    mb_scram s;
    uint8_t out[256];
    size_t n;
    (void)state;
    /* client-final and server-final before client-first */
    assert_int_equal(mb_scram_init(&s, MB_SCRAM_SHA256), 0);
    assert_int_equal(final_rc(&s, "pencil", RFC7677_SF), MSGBUS_ERR_STATE);
    assert_int_equal(mb_scram_server_final(&s, U8(RFC7677_SV), strlen(RFC7677_SV)),
                     MSGBUS_ERR_STATE);
    /* client-first twice; server-final before client-final */
    start(&s, MB_SCRAM_SHA256, "user", RFC7677_NONCE);
    assert_int_equal(
        mb_scram_client_first(&s, "user", RFC7677_NONCE, NULL, NULL, out, sizeof out, &n),
        MSGBUS_ERR_STATE);
    assert_int_equal(mb_scram_server_final(&s, U8(RFC7677_SV), strlen(RFC7677_SV)),
                     MSGBUS_ERR_STATE);
    /* client-final twice */
    assert_int_equal(final_rc(&s, "pencil", RFC7677_SF), 0);
    assert_int_equal(final_rc(&s, "pencil", RFC7677_SF), MSGBUS_ERR_STATE);
    /* server-final twice */
    assert_int_equal(mb_scram_server_final(&s, U8(RFC7677_SV), strlen(RFC7677_SV)), 0);
    assert_int_equal(mb_scram_server_final(&s, U8(RFC7677_SV), strlen(RFC7677_SV)),
                     MSGBUS_ERR_STATE);
    /* after a wipe nothing goes on until init */
    reach_server_final(&s);
    mb_scram_wipe(&s);
    assert_int_equal(mb_scram_server_final(&s, U8(RFC7677_SV), strlen(RFC7677_SV)),
                     MSGBUS_ERR_STATE);
    assert_int_equal(
        mb_scram_client_first(&s, "user", RFC7677_NONCE, NULL, NULL, out, sizeof out, &n),
        MSGBUS_ERR_STATE);
    /* a zeroed struct was never initialised */
    memset(&s, 0, sizeof s);
    assert_int_equal(
        mb_scram_client_first(&s, "user", RFC7677_NONCE, NULL, NULL, out, sizeof out, &n),
        MSGBUS_ERR_STATE);
    /* after a failed client-final */
    start(&s, MB_SCRAM_SHA256, "user", RFC7677_NONCE);
    assert_int_equal(final_rc(&s, "pencil", "garbage"), MSGBUS_ERR_MALFORMED);
    assert_int_equal(final_rc(&s, "pencil", RFC7677_SF), MSGBUS_ERR_STATE);
}

static void test_no_room(void **state)
{
    static const char first[] = "n,,n=user,r=" RFC7677_NONCE;
    mb_scram s;
    uint8_t out[256];
    size_t n = 99;
    (void)state;
    /* client-first: one byte short, then exactly enough */
    assert_int_equal(mb_scram_init(&s, MB_SCRAM_SHA256), 0);
    assert_int_equal(
        mb_scram_client_first(&s, "user", RFC7677_NONCE, NULL, NULL, out, sizeof first - 2, &n),
        MSGBUS_ERR_NO_ROOM);
    assert_int_equal(n, 0);
    assert_int_equal(s.step, 0);
    assert_int_equal(mb_scram_client_first(&s, "user", RFC7677_NONCE, NULL, NULL, out, 0, &n),
                     MSGBUS_ERR_NO_ROOM);
    assert_int_equal(
        mb_scram_client_first(&s, "user", RFC7677_NONCE, NULL, NULL, out, sizeof first - 1, &n), 0);
    assert_out(out, n, first);
    /* client-final: refused before any work, the call may be repeated */
    assert_int_equal(mb_scram_client_final(&s, "pencil", U8(RFC7677_SF), strlen(RFC7677_SF), out,
                                           strlen(RFC7677_CF) - 1, &n),
                     MSGBUS_ERR_NO_ROOM);
    assert_int_equal(n, 0);
    assert_int_equal(s.step, 1);
    assert_int_equal(mb_scram_client_final(&s, "pencil", U8(RFC7677_SF), strlen(RFC7677_SF), out,
                                           strlen(RFC7677_CF), &n),
                     0);
    assert_out(out, n, RFC7677_CF);
    assert_int_equal(mb_scram_server_final(&s, U8(RFC7677_SV), strlen(RFC7677_SV)), 0);
}

static void test_wipe(void **state)
{
    static const uint8_t zero[MB_SCRAM_MAX_HASH] = {0};
    mb_scram s;
    (void)state;
    reach_server_final(&s);
    assert_memory_not_equal(s.server_signature, zero, sizeof zero);
    mb_scram_wipe(&s);
    assert_memory_equal(s.server_signature, zero, sizeof zero);
    assert_int_equal(s.client_first_bare_len, 0);
    assert_int_equal(s.server_first_len, 0);
    assert_int_equal(s.client_nonce[0], 0);
    assert_int_equal(s.step, -1);
    /* the signature is also gone once server-final has been checked */
    reach_server_final(&s);
    assert_int_equal(mb_scram_server_final(&s, U8(RFC7677_SV), strlen(RFC7677_SV)), 0);
    assert_memory_equal(s.server_signature, zero, sizeof zero);
    /* init starts over after a wipe */
    run_vector(MB_SCRAM_SHA1, "user", "pencil", RFC5802_NONCE, RFC5802_FIRST, RFC5802_SF,
               RFC5802_CF, RFC5802_SV);
}

#else /* !MSGBUS_CFG_SASL */

static void test_scram_not_built(void **state)
{
    mb_scram s;
    uint8_t out[64];
    size_t n = 99;
    (void)state;
    memset(&s, 0, sizeof s);
    assert_int_equal(mb_scram_init(&s, MB_SCRAM_SHA256), MSGBUS_ERR_NOT_BUILT);
    assert_int_equal(mb_scram_client_first(&s, "user", "nonce", NULL, NULL, out, sizeof out, &n),
                     MSGBUS_ERR_NOT_BUILT);
    assert_int_equal(n, 0);
    assert_int_equal(
        mb_scram_client_final(&s, "pw", (const uint8_t *)"r=x", 3, out, sizeof out, &n),
        MSGBUS_ERR_NOT_BUILT);
    assert_int_equal(mb_scram_server_final(&s, U8("v="), 2), MSGBUS_ERR_NOT_BUILT);
    mb_scram_wipe(&s);
    mb_scram_wipe(NULL);
}

#endif /* MSGBUS_CFG_SASL */

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_bytes),
#if MSGBUS_CFG_SASL
        cmocka_unit_test(test_rfc5802_sha1),
        cmocka_unit_test(test_rfc7677_sha256),
        cmocka_unit_test(test_sha512_vector),
        cmocka_unit_test(test_optional_extensions),
        cmocka_unit_test(test_max_iterations_accepted),
        cmocka_unit_test(test_reads_only_len),
        cmocka_unit_test(test_username_escaping),
        cmocka_unit_test(test_random_nonce),
        cmocka_unit_test(test_invalid_args),
        cmocka_unit_test(test_nonce_not_extending),
        cmocka_unit_test(test_iteration_bounds),
        cmocka_unit_test(test_bad_salt),
        cmocka_unit_test(test_mandatory_extension),
        cmocka_unit_test(test_garbage_server_first),
        cmocka_unit_test(test_server_final_errors),
        cmocka_unit_test(test_wrong_order),
        cmocka_unit_test(test_no_room),
        cmocka_unit_test(test_wipe),
#else
        cmocka_unit_test(test_scram_not_built),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
