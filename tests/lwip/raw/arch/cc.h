/* arch/cc.h (tests/lwip/raw) - lwIP's platform glue for the host-side test. */
#ifndef MB_TEST_ARCH_CC_H
#define MB_TEST_ARCH_CC_H

#include <stdio.h>
#include <stdlib.h>

#define LWIP_RAND() ((u32_t)rand())
#define LWIP_PLATFORM_DIAG(x)                                                                      \
    do {                                                                                           \
        printf x;                                                                                  \
    } while (0)
#define LWIP_PLATFORM_ASSERT(x)                                                                    \
    do {                                                                                           \
        printf("lwip assert: %s (%s:%d)\n", x, __FILE__, __LINE__);                                \
        abort();                                                                                   \
    } while (0)

#endif /* MB_TEST_ARCH_CC_H */
