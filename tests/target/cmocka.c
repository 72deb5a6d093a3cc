/*
 * cmocka.c (tests/target) - the minimal runner behind tests/target/cmocka.h.
 */
#include "cmocka.h"

#include <stdarg.h>

jmp_buf mb_cm_jmp;

void mb_cm_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    printf("[  ERROR   ] --- ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n[   LINE   ] --- %s:%d: error: Failure!\n", file, line);
    longjmp(mb_cm_jmp, 1);
}

int mb_cm_run(const char *group, const struct CMUnitTest *tests, size_t n, CMFixtureFunction setup,
              CMFixtureFunction teardown)
{
    size_t i, failed = 0;
    void *state = NULL;
    (void)group;
    printf("[==========] Running %u test(s).\n", (unsigned)n);
    if (setup && setup(&state)) {
        printf("[  ERROR   ] group setup failed\n");
        return (int)n;
    }
    for (i = 0; i < n; i++) {
        volatile int ok = 1;
        void *tstate = state;
        printf("[ RUN      ] %s\n", tests[i].name);
        if (tests[i].setup_func && tests[i].setup_func(&tstate))
            ok = 0;
        else if (setjmp(mb_cm_jmp) == 0)
            tests[i].test_func(&tstate);
        else
            ok = 0;
        if (tests[i].teardown_func)
            tests[i].teardown_func(&tstate);
        printf(ok ? "[       OK ] %s\n" : "[  FAILED  ] %s\n", tests[i].name);
        failed += !ok;
    }
    if (teardown)
        teardown(&state);
    printf("[==========] %u test(s) run.\n", (unsigned)n);
    printf("[  PASSED  ] %u test(s).\n", (unsigned)(n - failed));
    if (failed)
        printf("[  FAILED  ] %u test(s).\n", (unsigned)failed);
    return (int)failed;
}
