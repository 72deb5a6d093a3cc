/*
 * errors_no_names.c - src/proto/errors.c built with MSGBUS_CFG_ERROR_STRINGS
 * and MSGBUS_CFG_ERROR_NAMES 0 (the smallest table: the retriable codes
 * only). The retry answers must not change; the text calls must say the
 * names are left out.
 */
#include <stdio.h>
#include <string.h>

#include "msgbus/error.h"
#include "msgbus/kafka_errors.h"

static int failures;

static void check(int ok, const char *what)
{
    if (!ok) {
        printf("FAILED: %s\n", what);
        failures++;
    }
}

int main(void)
{
    check(msgbus_err_retriable(MSGBUS_ERR_TIMEOUT) == 1, "timeout is retriable");
    check(msgbus_err_retriable(MSGBUS_ERR_TRANSPORT) == 1, "transport is retriable");
    check(msgbus_err_retriable(MSGBUS_ERR_MALFORMED) == 0, "malformed is not retriable");
    check(msgbus_err_retriable(MSGBUS_KERR_NOT_LEADER_OR_FOLLOWER) == 1, "not leader is retriable");
    check(msgbus_err_retriable(MSGBUS_KERR_TOPIC_AUTHORIZATION_FAILED) == 0,
          "authorization is not retriable");
    check(msgbus_err_retriable(-1027) == 0, "an unknown code is not retriable");
    check(strcmp(msgbus_err_name(MSGBUS_ERR_TIMEOUT), "UNNAMED") == 0, "names are left out");
    check(strcmp(msgbus_err_name(0), "NONE") == 0, "success keeps its name");
    check(strstr(msgbus_strerror(MSGBUS_ERR_AUTH), "left out") != NULL, "strerror says why");
    check(strcmp(msgbus_strerror(0), "success") == 0, "success is success");
    printf("%s\n", failures ? "errors_no_names: FAILED" : "errors_no_names: ok");
    return failures ? 1 : 0;
}
