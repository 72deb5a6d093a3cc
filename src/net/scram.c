/*
 * scram.c - the client side of SCRAM (RFC 5802, RFC 7677) and the PLAIN
 * message (RFC 4616), see scram.h.
 *
 * Everything the broker sends is hostile: it is read by length (never as a
 * C string), every attribute is checked before use, and the iteration count
 * is capped (MSGBUS_CFG_SCRAM_MAX_ITERATIONS) before PBKDF2 spends time on
 * it. Outputs are sized before anything is written. Every key derived from
 * the password is wiped before the function that made it returns.
 *
 * Errors: NO_ROOM and INVALID_ARG leave the exchange where it was (the call
 * may be repeated with a larger buffer); MALFORMED, AUTH and a crypto failure
 * end it (step -1), and only mb_scram_init starts a new one.
 */
#include "msgbus/config_defaults.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "msgbus/error.h"
#include "scram.h"

int mb_sasl_plain(const char *user, const char *password, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t ulen, plen;
    if (out_len != NULL)
        *out_len = 0;
    if (user == NULL || password == NULL || out == NULL || out_len == NULL || user[0] == '\0')
        return MSGBUS_ERR_INVALID_ARG;
    ulen = strlen(user);
    plen = strlen(password);
    if (cap < 2 || ulen > cap - 2 || plen > cap - 2 - ulen)
        return MSGBUS_ERR_NO_ROOM;
    out[0] = 0;
    memcpy(out + 1, user, ulen);
    out[1 + ulen] = 0;
    memcpy(out + 2 + ulen, password, plen);
    *out_len = 2 + ulen + plen;
    return 0;
}

#if MSGBUS_CFG_SASL

#include "mbedtls/version.h"
#include "mbedtls/md.h"
#include "mbedtls/pkcs5.h"
#include "mbedtls/platform_util.h"

#if MSGBUS_CFG_SCRAM_MAX_ITERATIONS > 0x7fffffffL
#error "MSGBUS_CFG_SCRAM_MAX_ITERATIONS must fit in an int"
#endif

#define SCRAM_MIN_ITERATIONS 4096u
#define SCRAM_RAND_BYTES 32 /* client nonce entropy, base64-encoded to 44 chars */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* A run of bytes inside a message that is not NUL-terminated. */
typedef struct scram_span {
    const uint8_t *p;
    size_t n;
} scram_span;

/* Everything derived from the password; wiped as one block. */
typedef struct scram_keys {
    uint8_t salted[MB_SCRAM_MAX_HASH];
    uint8_t client_key[MB_SCRAM_MAX_HASH];
    uint8_t stored_key[MB_SCRAM_MAX_HASH];
    uint8_t client_sig[MB_SCRAM_MAX_HASH];
    uint8_t server_key[MB_SCRAM_MAX_HASH];
    uint8_t proof[MB_SCRAM_MAX_HASH];
} scram_keys;

/* ---- base64 (RFC 4648, padded; the decoder accepts canonical input only) ---- */

static size_t b64_len(size_t n)
{
    return (n + 2) / 3 * 4;
}

/* Writes b64_len(n) characters to out, no NUL. */
static void b64_encode(const uint8_t *in, size_t n, uint8_t *out)
{
    size_t i, o = 0;
    for (i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = (uint8_t)b64_alphabet[(v >> 18) & 63];
        out[o++] = (uint8_t)b64_alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < n ? (uint8_t)b64_alphabet[(v >> 6) & 63] : (uint8_t)'=';
        out[o++] = i + 2 < n ? (uint8_t)b64_alphabet[v & 63] : (uint8_t)'=';
    }
}

static int b64_val(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    return c == '/' ? 63 : -1;
}

/* 0, -1 not canonical base64 (or empty), -2 valid but longer than cap. */
static int b64_decode(scram_span in, uint8_t *out, size_t cap, size_t *out_n)
{
    size_t i, o = 0, pad = 0, need;
    if (in.n == 0 || in.n % 4 != 0)
        return -1;
    if (in.p[in.n - 1] == '=')
        pad = in.p[in.n - 2] == '=' ? 2 : 1;
    for (i = 0; i < in.n - pad; i++)
        if (b64_val(in.p[i]) < 0)
            return -1;
    /* the bits the padding drops must be zero */
    if ((pad == 2 && (b64_val(in.p[in.n - 3]) & 0x0f) != 0) ||
        (pad == 1 && (b64_val(in.p[in.n - 2]) & 0x03) != 0))
        return -1;
    need = in.n / 4 * 3 - pad;
    if (need > cap)
        return -2;
    for (i = 0; i < in.n; i += 4) {
        uint32_t v = 0;
        size_t k;
        for (k = 0; k < 4; k++)
            v = v << 6 | (uint32_t)(in.p[i + k] == '=' ? 0 : b64_val(in.p[i + k]));
        out[o++] = (uint8_t)(v >> 16);
        if (o < need)
            out[o++] = (uint8_t)(v >> 8);
        if (o < need)
            out[o++] = (uint8_t)v;
    }
    *out_n = need;
    return 0;
}

/* ---- message parsing ---- */

/*
 * The attribute "<letter>=<value>" at *pos, up to the next ',' or the end.
 * On return *pos is at that ',' (or at len). -1 when there is none.
 */
static int next_attr(const uint8_t *m, size_t len, size_t *pos, uint8_t *name, scram_span *val)
{
    size_t start = *pos, end = *pos;
    while (end < len && m[end] != ',')
        end++;
    if (end - start < 2 || m[start + 1] != '=' ||
        !((m[start] >= 'a' && m[start] <= 'z') || (m[start] >= 'A' && m[start] <= 'Z')))
        return -1;
    *name = m[start];
    val->p = m + start + 2;
    val->n = end - start - 2;
    *pos = end;
    return 0;
}

/*
 * server-first-message = [reserved-mext ","] nonce "," salt "," iteration-count
 * ["," extensions]: r, s and i in that order, then any optional extension.
 * A mandatory extension (m=) anywhere is refused.
 */
static int parse_server_first(const uint8_t *m, size_t len, scram_span f[3])
{
    static const uint8_t want[3] = {'r', 's', 'i'};
    size_t pos = 0, k;
    for (k = 0;; k++) {
        uint8_t a;
        scram_span v;
        if (next_attr(m, len, &pos, &a, &v) != 0 || a == 'm')
            return MSGBUS_ERR_MALFORMED;
        if (k < 3) {
            if (a != want[k])
                return MSGBUS_ERR_MALFORMED;
            f[k] = v;
        }
        if (pos == len)
            return k >= 2 ? 0 : MSGBUS_ERR_MALFORMED;
        pos++; /* past the ',' */
    }
}

/* printable = %x21-2B / %x2D-7E (no ',') */
static int nonce_chars_ok(const uint8_t *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (p[i] < 0x21 || p[i] > 0x7e || p[i] == ',')
            return 0;
    return 1;
}

/* The combined nonce must extend ours by at least one character. */
static int check_nonce(const mb_scram *s, scram_span r)
{
    size_t cn = strlen(s->client_nonce);
    if (r.n <= cn || r.n > MB_SCRAM_MAX_NONCE || !nonce_chars_ok(r.p, r.n) ||
        memcmp(r.p, s->client_nonce, cn) != 0)
        return MSGBUS_ERR_MALFORMED;
    return 0;
}

/* posit-number = %x31-39 *DIGIT; anything outside [4096, cap] is AUTH. */
static int parse_iterations(scram_span v, unsigned int *out)
{
    uint64_t it = 0;
    size_t i;
    if (v.n == 0 || v.p[0] < '1' || v.p[0] > '9')
        return MSGBUS_ERR_MALFORMED;
    for (i = 0; i < v.n; i++) {
        if (v.p[i] < '0' || v.p[i] > '9')
            return MSGBUS_ERR_MALFORMED;
        if (it <= (uint64_t)MSGBUS_CFG_SCRAM_MAX_ITERATIONS) /* saturates above the cap */
            it = it * 10 + (uint64_t)(v.p[i] - '0');
    }
    if (it < SCRAM_MIN_ITERATIONS || it > (uint64_t)MSGBUS_CFG_SCRAM_MAX_ITERATIONS)
        return MSGBUS_ERR_AUTH;
    *out = (unsigned int)it;
    return 0;
}

/* ---- crypto ---- */

static mbedtls_md_type_t scram_md_type(mb_scram_hash h)
{
    switch (h) {
    case MB_SCRAM_SHA1:
        return MBEDTLS_MD_SHA1;
    case MB_SCRAM_SHA256:
        return MBEDTLS_MD_SHA256;
    case MB_SCRAM_SHA512:
        return MBEDTLS_MD_SHA512;
    default:
        return MBEDTLS_MD_NONE;
    }
}

static int crypto_err(int rc)
{
    return rc == MBEDTLS_ERR_MD_ALLOC_FAILED ? MSGBUS_ERR_NOMEM : MSGBUS_ERR_UNKNOWN;
}

static int pbkdf2(mb_scram_hash h, const char *password, const uint8_t *salt, size_t salt_len,
                  unsigned int iterations, uint8_t *out, size_t hlen)
{
#if MBEDTLS_VERSION_NUMBER >= 0x03030000
    return mbedtls_pkcs5_pbkdf2_hmac_ext(scram_md_type(h), (const unsigned char *)password,
                                         strlen(password), salt, salt_len, iterations,
                                         (uint32_t)hlen, out);
#else
    mbedtls_md_context_t ctx;
    int rc;
    mbedtls_md_init(&ctx);
    rc = mbedtls_md_setup(&ctx, mbedtls_md_info_from_type(scram_md_type(h)), 1);
    if (rc == 0)
        rc = mbedtls_pkcs5_pbkdf2_hmac(&ctx, (const unsigned char *)password, strlen(password),
                                       salt, salt_len, iterations, (uint32_t)hlen, out);
    mbedtls_md_free(&ctx);
    return rc;
#endif
}

/* HMAC(key, AuthMessage): client-first-bare "," server-first "," client-final-without-proof */
static int hmac_auth_message(const mb_scram *s, const mbedtls_md_info_t *md, const uint8_t *key,
                             size_t klen, scram_span nonce, uint8_t *mac)
{
    const scram_span parts[] = {
        {(const uint8_t *)s->client_first_bare, s->client_first_bare_len},
        {(const uint8_t *)",", 1},
        {(const uint8_t *)s->server_first, s->server_first_len},
        {(const uint8_t *)",c=biws,r=", 10},
        nonce,
    };
    mbedtls_md_context_t ctx;
    size_t i;
    int rc;
    mbedtls_md_init(&ctx);
    rc = mbedtls_md_setup(&ctx, md, 1);
    if (rc == 0)
        rc = mbedtls_md_hmac_starts(&ctx, key, klen);
    for (i = 0; rc == 0 && i < sizeof parts / sizeof parts[0]; i++)
        rc = mbedtls_md_hmac_update(&ctx, parts[i].p, parts[i].n);
    if (rc == 0)
        rc = mbedtls_md_hmac_finish(&ctx, mac);
    mbedtls_md_free(&ctx);
    return rc;
}

/* Fills k->proof and s->server_signature from the password and the stored messages. */
static int derive(mb_scram *s, scram_keys *k, const char *password, const uint8_t *salt,
                  size_t salt_len, unsigned int iterations, scram_span nonce)
{
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(scram_md_type(s->hash));
    size_t hlen = mbedtls_md_get_size(md), i;
    int rc = pbkdf2(s->hash, password, salt, salt_len, iterations, k->salted, hlen);
    if (rc == 0)
        rc = mbedtls_md_hmac(md, k->salted, hlen, (const unsigned char *)"Client Key", 10,
                             k->client_key);
    if (rc == 0)
        rc = mbedtls_md(md, k->client_key, hlen, k->stored_key);
    if (rc == 0)
        rc = hmac_auth_message(s, md, k->stored_key, hlen, nonce, k->client_sig);
    if (rc == 0)
        rc = mbedtls_md_hmac(md, k->salted, hlen, (const unsigned char *)"Server Key", 10,
                             k->server_key);
    if (rc == 0)
        rc = hmac_auth_message(s, md, k->server_key, hlen, nonce, s->server_signature);
    if (rc != 0)
        return crypto_err(rc);
    for (i = 0; i < hlen; i++)
        k->proof[i] = (uint8_t)(k->client_key[i] ^ k->client_sig[i]);
    return 0;
}

static size_t hash_len(mb_scram_hash h)
{
    return mbedtls_md_get_size(mbedtls_md_info_from_type(scram_md_type(h)));
}

/* ---- client-first ---- */

/* Length of the user with ',' and '=' escaped as "=2C" / "=3D"; stops counting past limit. */
static size_t escaped_len(const char *user, size_t limit)
{
    size_t n = 0;
    for (; *user != '\0' && n <= limit; user++)
        n += (*user == ',' || *user == '=') ? 3 : 1;
    return n;
}

static size_t write_escaped(const char *user, char *out)
{
    size_t n = 0;
    for (; *user != '\0'; user++) {
        if (*user == ',' || *user == '=') {
            out[n++] = '=';
            out[n++] = *user == ',' ? '2' : '3';
            out[n++] = *user == ',' ? 'C' : 'D';
        } else {
            out[n++] = *user;
        }
    }
    return n;
}

/* The given nonce, or 32 bytes from rnd in base64, into s->client_nonce. */
static int make_nonce(mb_scram *s, const char *nonce, mb_scram_rand_fn rnd, void *rnd_ud)
{
    uint8_t raw[SCRAM_RAND_BYTES];
    int rc;
    if (nonce != NULL) {
        memcpy(s->client_nonce, nonce, strlen(nonce) + 1);
        return 0;
    }
    rc = rnd(rnd_ud, raw, sizeof raw);
    if (rc == 0) {
        b64_encode(raw, sizeof raw, (uint8_t *)s->client_nonce);
        s->client_nonce[b64_len(sizeof raw)] = '\0';
    }
    mbedtls_platform_zeroize(raw, sizeof raw);
    return rc == 0 ? 0 : (rc < 0 ? rc : MSGBUS_ERR_UNKNOWN);
}

int mb_scram_init(mb_scram *s, mb_scram_hash hash)
{
    if (s == NULL || scram_md_type(hash) == MBEDTLS_MD_NONE)
        return MSGBUS_ERR_INVALID_ARG;
    if (mbedtls_md_info_from_type(scram_md_type(hash)) == NULL)
        return MSGBUS_ERR_NOT_BUILT; /* this mbedTLS was configured without the hash */
    mbedtls_platform_zeroize(s, sizeof *s);
    s->hash = hash;
    s->step = 0;
    return 0;
}

int mb_scram_client_first(mb_scram *s, const char *user, const char *nonce, mb_scram_rand_fn rnd,
                          void *rnd_ud, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t n, nlen, bare;
    int rc;
    if (out_len != NULL)
        *out_len = 0;
    if (s == NULL || user == NULL || user[0] == '\0' || out == NULL || out_len == NULL ||
        (nonce == NULL && rnd == NULL))
        return MSGBUS_ERR_INVALID_ARG;
    if (nonce != NULL) {
        nlen = strlen(nonce);
        /* room must be left for the server's part of the nonce */
        if (nlen == 0 || nlen >= MB_SCRAM_MAX_NONCE ||
            !nonce_chars_ok((const uint8_t *)nonce, nlen))
            return MSGBUS_ERR_INVALID_ARG;
    } else {
        nlen = b64_len(SCRAM_RAND_BYTES);
    }
    if (s->step != 0 || scram_md_type(s->hash) == MBEDTLS_MD_NONE)
        return MSGBUS_ERR_STATE;
    bare = 2 + escaped_len(user, MB_SCRAM_MAX_MSG) + 3 + nlen; /* "n=" user ",r=" nonce */
    if (bare > MB_SCRAM_MAX_MSG)
        return MSGBUS_ERR_INVALID_ARG; /* the user name is longer than the exchange keeps */
    if (3 + bare > cap)
        return MSGBUS_ERR_NO_ROOM;
    rc = make_nonce(s, nonce, rnd, rnd_ud);
    if (rc != 0)
        return rc;
    memcpy(s->client_first_bare, "n=", 2);
    n = 2 + write_escaped(user, s->client_first_bare + 2);
    memcpy(s->client_first_bare + n, ",r=", 3);
    memcpy(s->client_first_bare + n + 3, s->client_nonce, nlen);
    s->client_first_bare_len = bare;
    memcpy(out, "n,,", 3);
    memcpy(out + 3, s->client_first_bare, bare);
    *out_len = 3 + bare;
    s->step = 1;
    return 0;
}

/* ---- client-final ---- */

/* Checks the server-first message and keeps it; fills the salt, count and nonce. */
static int take_server_first(mb_scram *s, const uint8_t *msg, size_t len, uint8_t *salt,
                             size_t salt_cap, size_t *salt_len, unsigned int *iterations,
                             scram_span *nonce)
{
    scram_span f[3];
    int rc;
    if (len == 0 || len > sizeof s->server_first)
        return MSGBUS_ERR_MALFORMED; /* empty, or longer than the exchange keeps */
    rc = parse_server_first(msg, len, f);
    if (rc == 0)
        rc = check_nonce(s, f[0]);
    if (rc == 0 && b64_decode(f[1], salt, salt_cap, salt_len) != 0)
        rc = MSGBUS_ERR_MALFORMED;
    if (rc == 0)
        rc = parse_iterations(f[2], iterations);
    if (rc != 0)
        return rc;
    memcpy(s->server_first, msg, len);
    s->server_first_len = len;
    nonce->p = (const uint8_t *)s->server_first + (f[0].p - msg);
    nonce->n = f[0].n;
    return 0;
}

int mb_scram_client_final(mb_scram *s, const char *password, const uint8_t *msg, size_t len,
                          uint8_t *out, size_t cap, size_t *out_len)
{
    uint8_t salt[MB_SCRAM_MAX_MSG / 4 * 3];
    scram_keys keys;
    scram_span nonce;
    size_t salt_len, hlen, need;
    unsigned int iterations;
    int rc;
    if (out_len != NULL)
        *out_len = 0;
    if (s == NULL || password == NULL || (msg == NULL && len != 0) || out == NULL ||
        out_len == NULL)
        return MSGBUS_ERR_INVALID_ARG;
    if (s->step != 1)
        return MSGBUS_ERR_STATE;
    rc = take_server_first(s, msg, len, salt, sizeof salt, &salt_len, &iterations, &nonce);
    if (rc != 0) {
        s->step = -1;
        return rc;
    }
    hlen = hash_len(s->hash);
    need = 9 + nonce.n + 3 + b64_len(hlen); /* "c=biws,r=" nonce ",p=" proof */
    if (need > cap)
        return MSGBUS_ERR_NO_ROOM; /* checked before PBKDF2; the call may be repeated */
    rc = derive(s, &keys, password, salt, salt_len, iterations, nonce);
    if (rc == 0) {
        memcpy(out, "c=biws,r=", 9);
        memcpy(out + 9, nonce.p, nonce.n);
        memcpy(out + 9 + nonce.n, ",p=", 3);
        b64_encode(keys.proof, hlen, out + 12 + nonce.n);
        *out_len = need;
    }
    mbedtls_platform_zeroize(&keys, sizeof keys);
    if (rc != 0)
        mbedtls_platform_zeroize(s->server_signature, sizeof s->server_signature);
    s->step = rc == 0 ? 2 : -1;
    return rc;
}

/* ---- server-final ---- */

/* server-final-message = (server-error / verifier) ["," extensions] */
static int check_server_final(const mb_scram *s, const uint8_t *msg, size_t len)
{
    uint8_t sig[MB_SCRAM_MAX_HASH], a, diff = 0;
    scram_span v;
    size_t pos = 0, n = 0, i, hlen = hash_len(s->hash);
    int rc;
    if (next_attr(msg, len, &pos, &a, &v) != 0)
        return MSGBUS_ERR_MALFORMED;
    if (a == 'e')
        return MSGBUS_ERR_AUTH;
    while (pos < len) { /* optional extensions: each must still be an attribute */
        uint8_t e;
        scram_span ev;
        pos++;
        if (next_attr(msg, len, &pos, &e, &ev) != 0 || e == 'm')
            return MSGBUS_ERR_MALFORMED;
    }
    if (a != 'v')
        return MSGBUS_ERR_MALFORMED;
    rc = b64_decode(v, sig, sizeof sig, &n);
    if (rc == -1)
        return MSGBUS_ERR_MALFORMED;
    if (rc != 0 || n != hlen)
        return MSGBUS_ERR_AUTH; /* well-formed, but not a signature of this hash */
    for (i = 0; i < hlen; i++)
        diff |= (uint8_t)(sig[i] ^ s->server_signature[i]);
    mbedtls_platform_zeroize(sig, sizeof sig);
    return diff == 0 ? 0 : MSGBUS_ERR_AUTH;
}

int mb_scram_server_final(mb_scram *s, const uint8_t *msg, size_t len)
{
    int rc;
    if (s == NULL || (msg == NULL && len != 0))
        return MSGBUS_ERR_INVALID_ARG;
    if (s->step != 2)
        return MSGBUS_ERR_STATE;
    rc = len == 0 ? MSGBUS_ERR_MALFORMED : check_server_final(s, msg, len);
    mbedtls_platform_zeroize(s->server_signature, sizeof s->server_signature);
    s->step = rc == 0 ? 3 : -1;
    return rc;
}

void mb_scram_wipe(mb_scram *s)
{
    if (s == NULL)
        return;
    mbedtls_platform_zeroize(s, sizeof *s);
    s->step = -1; /* only mb_scram_init starts again */
}

#else /* !MSGBUS_CFG_SASL: the functions exist and say the feature is not built */

int mb_scram_init(mb_scram *s, mb_scram_hash hash)
{
    (void)s;
    (void)hash;
    return MSGBUS_ERR_NOT_BUILT;
}

int mb_scram_client_first(mb_scram *s, const char *user, const char *nonce, mb_scram_rand_fn rnd,
                          void *rnd_ud, uint8_t *out, size_t cap, size_t *out_len)
{
    (void)s;
    (void)user;
    (void)nonce;
    (void)rnd;
    (void)rnd_ud;
    (void)out;
    (void)cap;
    if (out_len != NULL)
        *out_len = 0;
    return MSGBUS_ERR_NOT_BUILT;
}

int mb_scram_client_final(mb_scram *s, const char *password, const uint8_t *msg, size_t len,
                          uint8_t *out, size_t cap, size_t *out_len)
{
    (void)s;
    (void)password;
    (void)msg;
    (void)len;
    (void)out;
    (void)cap;
    if (out_len != NULL)
        *out_len = 0;
    return MSGBUS_ERR_NOT_BUILT;
}

int mb_scram_server_final(mb_scram *s, const uint8_t *msg, size_t len)
{
    (void)s;
    (void)msg;
    (void)len;
    return MSGBUS_ERR_NOT_BUILT;
}

void mb_scram_wipe(mb_scram *s)
{
    (void)s;
}

#endif /* MSGBUS_CFG_SASL */
