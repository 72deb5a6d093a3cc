/* fuzz_net_addr.c - libFuzzer target: bootstrap list parsing. Whatever parses
 * must hold a NUL-terminated host of allowed length and a port in 1..65535. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char text[4096];
    mb_hostport hp[8];
    size_t n = 0, i;
    if (size >= sizeof text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (mb_addr_parse_list(text, hp, 8, &n) != 0)
        return 0;
    if (n == 0 || n > 8)
        abort();
    for (i = 0; i < n; i++)
        if (hp[i].port == 0 || strlen(hp[i].host) == 0 || strlen(hp[i].host) > MB_HOST_MAX)
            abort();
    return 0;
}
