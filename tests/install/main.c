/* Links against an installed msgbus through its public headers only. */
#include <stdio.h>
#include <string.h>

#include <msgbus/error.h>

int main(void)
{
    const char *name = msgbus_err_name(MSGBUS_KERR_NOT_LEADER_OR_FOLLOWER);
    if (strcmp(name, "NOT_LEADER_OR_FOLLOWER") != 0 ||
        !msgbus_err_retriable(MSGBUS_KERR_NOT_LEADER_OR_FOLLOWER))
        return 1;
    printf("installed msgbus: %s is retriable\n", name);
    return 0;
}
