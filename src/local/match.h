/*
 * match.h - the local bus's topic matchers (private). Called by local.c when
 * a topic or a handler is registered, never per event.
 */
#ifndef MB_LOCAL_MATCH_H
#define MB_LOCAL_MATCH_H

/**
 * Whether @p pattern (msgbus's regex subset, docs/local.md) matches anywhere
 * in @p topic. No heap, no recursion; time bounded by strlen(topic) times
 * the pattern's length.
 * @return 1 match, 0 no match, MSGBUS_ERR_BAD_PATTERN.
 */
int mb_match_subset(const char *pattern, const char *topic);

/**
 * The same with the C library's POSIX extended regular expressions
 * (regcomp/regexec). @return 1, 0, MSGBUS_ERR_BAD_PATTERN, or
 * MSGBUS_ERR_NOT_BUILT without MSGBUS_CFG_LOCAL_REGEX_POSIX.
 */
int mb_match_posix(const char *pattern, const char *topic);

#endif /* MB_LOCAL_MATCH_H */
