/* Internal: the shared rules of versioned option structs and small helpers
 * every area uses. */
#ifndef CONVOY_LIB_CORE_VERSIONED_H
#define CONVOY_LIB_CORE_VERSIONED_H

#include <stddef.h>
#include <stdint.h>

/* Fills `dst` with `defaults` (size bytes) when `version` is the one this
 * library knows; otherwise records and returns CONVOY_E_INVALID_ARG (NULL
 * dst) or CONVOY_E_VERSION. `what` names the struct in the message. */
int convoy__init_versioned(void *dst, uint32_t version, uint32_t known, const void *defaults,
                           size_t size, const char *what);

/* 64-bit FNV-1a of a NUL-terminated string. */
uint64_t convoy__hash_string(const char *s);

#endif
