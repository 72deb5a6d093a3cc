/**
 * @file error.h
 * @brief The one error type of msgbus: 0 is success, local errors are negative
 *        (from -1000 down), Kafka broker errors keep their wire numbers.
 *
 * Every msgbus function that can fail returns an `int`:
 *  - `0` (#MSGBUS_OK) on success;
 *  - a local error in the range [-1999, -1000] (the `MSGBUS_ERR_*` codes below);
 *  - a Kafka broker error code exactly as it travels on the wire (`MSGBUS_KERR_*`
 *    in msgbus/kafka_errors.h), for example 6 for NOT_LEADER_OR_FOLLOWER or -1 for
 *    UNKNOWN_SERVER_ERROR.
 *
 * msgbus_strerror() describes any of them; msgbus_err_retriable() tells whether
 * retrying the same operation later may succeed.
 */
#ifndef MSGBUS_ERROR_H
#define MSGBUS_ERROR_H

#include "msgbus/kafka_errors.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Local (non-broker) error codes. All are negative and at most -1000. */
enum msgbus_local_error {
    MSGBUS_OK = 0,                          /**< Success. */
    MSGBUS_ERR_TRUNCATED = -1001,           /**< Input ended before the value did. */
    MSGBUS_ERR_MALFORMED = -1002,           /**< Input is not a valid encoding. */
    MSGBUS_ERR_LIMIT = -1003,               /**< A length or count exceeds its configured cap. */
    MSGBUS_ERR_NO_ROOM = -1004,             /**< Output buffer or arena too small. */
    MSGBUS_ERR_UNSUPPORTED_VERSION = -1005, /**< API version outside the supported range. */
    MSGBUS_ERR_CRC = -1006,                 /**< Record batch CRC-32C mismatch. */
    MSGBUS_ERR_INVALID_ARG = -1007,         /**< A caller-supplied argument is invalid. */
    MSGBUS_ERR_FRAME_TOO_LARGE = -1008,     /**< Frame size prefix above the configured maximum. */
    MSGBUS_ERR_NOMEM = -1009,               /**< The allocator refused a request. */
    MSGBUS_ERR_UNSUPPORTED_CODEC = -1010,   /**< Compression codec not compiled in. */
    MSGBUS_ERR_CORRELATION = -1011,         /**< Response correlation id matches no request. */
    MSGBUS_ERR_STATE = -1012,               /**< Call not valid in the current state. */
    MSGBUS_ERR_TIMEOUT = -1013,             /**< The operation timed out (retriable). */
    MSGBUS_ERR_QUEUE_FULL = -1014,          /**< A bounded queue is full; try again (retriable). */
    MSGBUS_ERR_TRANSPORT = -1015,           /**< Connection failed or was closed (retriable). */
    MSGBUS_ERR_RESOLVE = -1016,             /**< Host name could not be resolved. */
    MSGBUS_ERR_NO_MESSAGE = -1017,          /**< No message is available now. */
    MSGBUS_ERR_MSG_TOO_LARGE = -1018,       /**< A message exceeds the configured maximum. */
    MSGBUS_ERR_COMPRESSION = -1019,         /**< A compressed payload is corrupt. */
    MSGBUS_ERR_NOT_BUILT = -1020,           /**< This build leaves the feature out. */
    MSGBUS_ERR_TLS = -1021,                 /**< TLS handshake or record failure. */
    MSGBUS_ERR_CERT_UNTRUSTED = -1022,      /**< The broker's certificate chain is not trusted. */
    MSGBUS_ERR_CERT_EXPIRED = -1023, /**< The broker's certificate expired (or is not yet valid). */
    MSGBUS_ERR_CERT_HOSTNAME = -1024, /**< The broker's certificate names another host. */
    MSGBUS_ERR_AUTH = -1025,          /**< SASL authentication failed or was refused. */
    MSGBUS_ERR_CONFIG = -1026,        /**< A security setting is unusable (file, key, mechanism). */
    /* the local bus (include/msgbus/local.h), a band of its own */
    MSGBUS_ERR_NO_TOPIC = -1100,    /**< The topic is not registered on the local bus. */
    MSGBUS_ERR_DUPLICATE = -1101,   /**< A handler with this key is registered already. */
    MSGBUS_ERR_BAD_PATTERN = -1102, /**< The handler's pattern is not a valid expression. */
    MSGBUS_ERR_DEPTH = -1103,       /**< Emits nested deeper than MSGBUS_CFG_LOCAL_MAX_DEPTH. */
    MSGBUS_ERR_UNKNOWN = -1999      /**< Unclassified local failure. */
};

/**
 * @brief Describe an error code in one English sentence fragment.
 * @param err Any msgbus return value: 0, a local error or a Kafka error code.
 * @return A static, NUL-terminated string; never NULL. Unknown codes yield
 *         "unknown error". Thread-safe.
 */
const char *msgbus_strerror(int err);

/**
 * @brief The symbolic name of an error code, e.g. "NOT_LEADER_OR_FOLLOWER" or
 *        "MSGBUS_ERR_TRUNCATED".
 * @param err Any msgbus return value.
 * @return A static string; "UNKNOWN" for codes msgbus does not know. Thread-safe.
 */
const char *msgbus_err_name(int err);

/**
 * @brief Whether retrying the operation that failed with @p err may succeed.
 * @param err Any msgbus return value.
 * @return 1 if retriable (as Kafka classifies broker errors, plus local timeouts,
 *         transport failures and full queues), 0 otherwise (including success).
 *         Thread-safe.
 */
int msgbus_err_retriable(int err);

#ifdef __cplusplus
}
#endif

#endif /* MSGBUS_ERROR_H */
