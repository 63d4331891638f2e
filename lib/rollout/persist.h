/* Internal: the files of a rollout - the decision log (JSON Lines,
 * appended, fsync'd) and the file state store (atomic replace). */
#ifndef CONVOY_LIB_ROLLOUT_PERSIST_H
#define CONVOY_LIB_ROLLOUT_PERSIST_H

#include <stddef.h>
#include <stdint.h>

typedef struct convoy__log {
    int fd;          /* -1 when closed */
    uint64_t bytes;  /* current length */
} convoy__log;

/* Opens (creating) `path` for appending and cuts it back to `keep_bytes`
 * when it is longer: records past that point were written by a run that
 * died before saving the state that counts them. A file shorter than
 * keep_bytes is CONVOY_E_INVALID (the log does not belong to the state).
 * `keep_bytes` UINT64_MAX keeps everything. CONVOY_E_IO on failure. */
int convoy__log_open(convoy__log *log, const char *path, uint64_t keep_bytes);
/* Appends all of `data` and fsyncs. CONVOY_E_IO on failure. */
int convoy__log_write(convoy__log *log, const char *data, size_t len);
void convoy__log_close(convoy__log *log);

/* Writes `json` to `path` atomically: a temporary file in the same
 * directory, fsync, rename, fsync of the directory. CONVOY_E_IO. */
int convoy__state_file_save(const char *path, const char *json, size_t len);
/* Reads `path` into a NUL-terminated buffer (convoy_free). CONVOY_E_NOT_FOUND
 * when it does not exist, CONVOY_E_IO, CONVOY_E_LIMIT above 64 MiB. */
int convoy__state_file_load(char **json, size_t *len, const char *path);

#endif
