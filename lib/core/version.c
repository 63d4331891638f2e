/* Run-time version, from the build (meson passes the project version). */
#include <convoy/core.h>

#ifndef CONVOY_BUILD_VERSION
#  error "CONVOY_BUILD_VERSION must come from the build"
#endif

_Static_assert(CONVOY_BUILD_VERSION_NUMBER == CONVOY_VERSION_NUMBER,
               "include/convoy/core.h and meson.build disagree on the version");

const char *convoy_version(void)
{
    return CONVOY_BUILD_VERSION;
}

uint32_t convoy_version_number(void)
{
    return CONVOY_BUILD_VERSION_NUMBER;
}
