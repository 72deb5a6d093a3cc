/*
 * log.h - levelled logging through the application's callback. When no
 * callback is set, or the level is filtered out, MB_LOG costs one test: the
 * message is never formatted. MSGBUS_CFG_LOG 0 compiles every call away.
 */
#ifndef MB_NET_LOG_H
#define MB_NET_LOG_H

#include "client.h"

typedef struct mb_logger {
    mb_log_fn fn;
    void *ud;
    int level;
} mb_logger;

/** Format and deliver one line (at most 255 characters; longer is cut). */
void mb_log_emit(const mb_logger *lg, int level, const char *fmt, ...);

#if MSGBUS_CFG_LOG
#define MB_LOG(lg, lvl, ...)                                                                       \
    do {                                                                                           \
        if ((lg)->fn && (lvl) <= (lg)->level)                                                      \
            mb_log_emit((lg), (lvl), __VA_ARGS__);                                                 \
    } while (0)
#else
/* Compiled, type-checked and then removed as dead code: the arguments still
 * count as used, and no string or formatting code reaches the binary. */
#define MB_LOG(lg, lvl, ...)                                                                       \
    do {                                                                                           \
        if (0)                                                                                     \
            mb_log_emit((lg), (lvl), __VA_ARGS__);                                                 \
    } while (0)
#endif

#endif /* MB_NET_LOG_H */
