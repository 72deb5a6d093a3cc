/**
 * @file log.h
 * @brief The logger hook shared by every msgbus handle.
 *
 * A logger is a callback that receives one finished line at a time. When no
 * logger is set, or a line's level is above the configured level, the line is
 * never formatted. Building with MSGBUS_CFG_LOG 0 removes every log call.
 */
#ifndef MSGBUS_LOG_H
#define MSGBUS_LOG_H

#ifdef __cplusplus
extern "C" {
#endif

/** Log levels, in syslog order: lower numbers are more severe. */
enum msgbus_log_level {
    MSGBUS_LOG_ERROR = 3, /**< an operation failed */
    MSGBUS_LOG_WARN = 4,  /**< something went wrong and was recovered from */
    MSGBUS_LOG_INFO = 6,  /**< connections, metadata changes, group events */
    MSGBUS_LOG_DEBUG = 7  /**< per-request detail */
};

/**
 * A log sink. @p msg is one NUL-terminated line without a trailing newline,
 * valid only during the call. Called from the thread that runs the event
 * loop; it must not call back into the handle that logged.
 */
typedef void (*msgbus_log_fn)(void *ud, int level, const char *msg);

#ifdef __cplusplus
}
#endif

#endif /* MSGBUS_LOG_H */
