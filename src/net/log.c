/*
 * log.c - log line formatting (see log.h).
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

void mb_log_emit(const mb_logger *lg, int level, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    lg->fn(lg->ud, level, line);
}
