#include "versioned.h"

#include <convoy/core.h>
#include <string.h>

#include "error.h"

int convoy__init_versioned(void *dst, uint32_t version, uint32_t known, const void *defaults,
                           size_t size, const char *what)
{
    if (!dst)
        return convoy__fail(CONVOY_E_INVALID_ARG, "%s_init: NULL struct", what);
    if (version != known)
        return convoy__fail(CONVOY_E_VERSION, "%s version %u is not supported (this library knows %u)",
                            what, (unsigned)version, (unsigned)known);
    memcpy(dst, defaults, size);
    return CONVOY_OK;
}

uint64_t convoy__hash_string(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}
