/*
 * scram.h - the client side of SCRAM (RFC 5802; SHA-256 per RFC 7677) and
 * the PLAIN message (RFC 4616), as Kafka's SaslAuthenticate carries them.
 *
 * Pure computation: no I/O, no allocation. The connection code sends what
 * these functions write and feeds back what the broker answered. Hashes,
 * HMAC and PBKDF2 come from mbedTLS's crypto library (MSGBUS_CFG_SASL).
 *
 * Exchange:
 *   mb_scram_init()          choose the hash
 *   mb_scram_client_first()  -> "n,,n=<user>,r=<client nonce>"
 *   mb_scram_client_final()  <- server-first "r=...,s=...,i=..."
 *                            -> "c=biws,r=<nonce>,p=<proof>"
 *   mb_scram_server_final()  <- "v=<server signature>" (or "e=<error>")
 *   mb_scram_wipe()          forget the keys (always, success or not)
 */
#ifndef MB_NET_SCRAM_H
#define MB_NET_SCRAM_H

#include <stddef.h>
#include <stdint.h>

/** Hashes SCRAM can use (SHA-1 only for RFC 5802's own test vector). */
typedef enum mb_scram_hash {
    MB_SCRAM_SHA1 = 1,
    MB_SCRAM_SHA256 = 2,
    MB_SCRAM_SHA512 = 3
} mb_scram_hash;

#define MB_SCRAM_MAX_HASH 64   /**< SHA-512 output */
#define MB_SCRAM_MAX_NONCE 128 /**< longest combined nonce accepted */
#define MB_SCRAM_MAX_MSG 512   /**< longest client-first-bare / server-first kept */

/** Random bytes for the client nonce: 0 or a negative error. */
typedef int (*mb_scram_rand_fn)(void *ud, void *buf, size_t len);

typedef struct mb_scram {
    mb_scram_hash hash;
    int step; /**< 0 init, 1 first sent, 2 final sent, 3 verified, -1 failed */
    char client_nonce[MB_SCRAM_MAX_NONCE + 1];
    /* client-first-message-bare and server-first-message, kept for AuthMessage */
    char client_first_bare[MB_SCRAM_MAX_MSG];
    size_t client_first_bare_len;
    char server_first[MB_SCRAM_MAX_MSG];
    size_t server_first_len;
    uint8_t server_signature[MB_SCRAM_MAX_HASH]; /**< expected in server-final */
} mb_scram;

/** Start an exchange with @p hash. @return 0 or MSGBUS_ERR_INVALID_ARG / NOT_BUILT. */
int mb_scram_init(mb_scram *s, mb_scram_hash hash);

/**
 * Write the client-first message for @p user (',' and '=' escaped as RFC
 * 5802 says). The nonce is @p nonce when given (tests), else 32 random
 * bytes from @p rnd, base64-encoded.
 * @return 0, MSGBUS_ERR_NO_ROOM, MSGBUS_ERR_INVALID_ARG, or rnd's error.
 */
int mb_scram_client_first(mb_scram *s, const char *user, const char *nonce, mb_scram_rand_fn rnd,
                          void *rnd_ud, uint8_t *out, size_t cap, size_t *out_len);

/**
 * Read the server-first message (@p msg, @p len bytes, not NUL-terminated)
 * and write the client-final message with the proof for @p password.
 * @return 0; MSGBUS_ERR_MALFORMED (unparseable, bad base64, nonce not
 * extending ours, unknown mandatory extension); MSGBUS_ERR_AUTH (iteration
 * count below 4096 or above MSGBUS_CFG_SCRAM_MAX_ITERATIONS); NO_ROOM; STATE.
 */
int mb_scram_client_final(mb_scram *s, const char *password, const uint8_t *msg, size_t len,
                          uint8_t *out, size_t cap, size_t *out_len);

/**
 * Check the server-final message: 0 when its signature proves the server
 * knows the password; MSGBUS_ERR_AUTH for a wrong signature or an "e="
 * error; MSGBUS_ERR_MALFORMED; MSGBUS_ERR_STATE.
 */
int mb_scram_server_final(mb_scram *s, const uint8_t *msg, size_t len);

/** Overwrite every secret the exchange holds. */
void mb_scram_wipe(mb_scram *s);

/**
 * Write the PLAIN message "\0user\0password" (no authorization identity).
 * @return 0, MSGBUS_ERR_NO_ROOM, MSGBUS_ERR_INVALID_ARG (a NUL-free user and
 * password are required; an empty user is refused).
 */
int mb_sasl_plain(const char *user, const char *password, uint8_t *out, size_t cap,
                  size_t *out_len);

#endif /* MB_NET_SCRAM_H */
