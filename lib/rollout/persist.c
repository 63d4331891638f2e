/* The files of a rollout: the decision log (appended and fsync'd, cut back
 * on resume) and the file state store (replaced atomically).
 *
 * Crash safety is the point of this file. The state counts the log bytes
 * it has seen, so the log is always fsync'd before the state that counts
 * it is saved; the state itself is never overwritten in place, so after a
 * crash at any instant `path` holds either the old or the new state, whole.
 */
#include "persist.h"

#include <convoy/core.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/error.h"

#define STATE_FILE_MAX ((size_t)64 << 20)

/* Writes everything, through EINTR and short writes. 0, or -1 with errno. */
static int write_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0) {
            errno = EIO; /* a regular file never takes nothing; do not spin */
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

static int fsync_retry(int fd)
{
    int rc;
    while ((rc = fsync(fd)) != 0 && errno == EINTR)
        ;
    return rc;
}

/* The directory part of `path` ("." when there is none), in `out`. */
static int dir_of(char *out, size_t cap, const char *path)
{
    const char *slash = strrchr(path, '/');
    int n = !slash ? snprintf(out, cap, ".")
                   : slash == path ? snprintf(out, cap, "/")
                                   : snprintf(out, cap, "%.*s", (int)(slash - path), path);
    return n >= 0 && (size_t)n < cap ? 0 : -1;
}

/* Makes a new or renamed directory entry durable. Filesystems that cannot
 * sync a directory say EINVAL; there is nothing more to do on them. */
static int fsync_dir(const char *path)
{
    char dir[4096];
    if (dir_of(dir, sizeof dir, path) != 0) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = open(dir, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync_retry(fd);
    int saved = errno;
    close(fd);
    if (rc != 0 && saved == EINVAL)
        return 0;
    errno = saved;
    return rc;
}

static int io_fail(const char *path, const char *what)
{
    return convoy__fail(CONVOY_E_IO, "%s: %s: %s", path, what, strerror(errno));
}

/* ------------------------------------------------------------------------
 * The decision log.
 */

int convoy__log_open(convoy__log *log, const char *path, uint64_t keep_bytes)
{
    log->fd = -1;
    log->bytes = 0;
    if (!path)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy__log_open: NULL path");
    int created = 0;
    /* O_RDWR: the last record's newline is read back below. */
    int fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        /* A missing log can only be right for a state that counts nothing
         * in it; otherwise the log was lost and must not be restarted. */
        if (keep_bytes != UINT64_MAX && keep_bytes > 0)
            return convoy__fail(CONVOY_E_INVALID,
                                "%s: the decision log does not exist, but the state counts "
                                "%llu bytes of it",
                                path, (unsigned long long)keep_bytes);
        fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        created = fd >= 0;
        if (fd < 0 && errno == EEXIST) /* another opener won the race */
            fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
    }
    if (fd < 0)
        return io_fail(path, "cannot open the decision log");
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int rc = io_fail(path, "cannot stat the decision log");
        close(fd);
        return rc;
    }
    if (!S_ISREG(sb.st_mode)) {
        close(fd);
        return convoy__fail(CONVOY_E_IO, "%s: the decision log is not a regular file", path);
    }
    uint64_t size = (uint64_t)sb.st_size;
    if (keep_bytes != UINT64_MAX) {
        if (size < keep_bytes) {
            close(fd);
            return convoy__fail(CONVOY_E_INVALID,
                                "%s: the decision log has %llu bytes, but the state counts %llu: "
                                "it does not belong to this state",
                                path, (unsigned long long)size, (unsigned long long)keep_bytes);
        }
        /* Records end with a newline, so the state's count must end one. */
        if (keep_bytes > 0) {
            char last = 0;
            ssize_t got;
            while ((got = pread(fd, &last, 1, (off_t)(keep_bytes - 1))) < 0 && errno == EINTR)
                ;
            if (got < 0) {
                int rc = io_fail(path, "cannot read the decision log");
                close(fd);
                return rc;
            }
            if (got != 1 || last != '\n') {
                close(fd);
                return convoy__fail(CONVOY_E_INVALID,
                                    "%s: byte %llu of the decision log does not end a record: "
                                    "the log does not belong to this state",
                                    path, (unsigned long long)keep_bytes);
            }
        }
        if (size > keep_bytes) {
            /* Records of a run that died before saving the state counting
             * them: the resumed run writes them again. */
            int rc;
            while ((rc = ftruncate(fd, (off_t)keep_bytes)) != 0 && errno == EINTR)
                ;
            if (rc != 0 || fsync_retry(fd) != 0) {
                rc = io_fail(path, "cannot cut back the decision log");
                close(fd);
                return rc;
            }
            size = keep_bytes;
        }
    }
    if (created && fsync_dir(path) != 0) {
        int rc = io_fail(path, "cannot sync the directory of the decision log");
        close(fd);
        return rc;
    }
    log->fd = fd;
    log->bytes = size;
    return CONVOY_OK;
}

int convoy__log_write(convoy__log *log, const char *data, size_t len)
{
    if (!log || log->fd < 0 || (!data && len))
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy__log_write: the log is not open");
    if (!len)
        return CONVOY_OK;
    if (write_all(log->fd, data, len) != 0 || fsync_retry(log->fd) != 0) {
        int saved = errno;
        /* Leave no torn record behind if possible; the state never counts
         * these bytes, so the next open would cut them anyway. */
        while (ftruncate(log->fd, (off_t)log->bytes) != 0 && errno == EINTR)
            ;
        errno = saved;
        return convoy__fail(CONVOY_E_IO, "appending %zu bytes to a log: %s", len,
                            strerror(saved));
    }
    log->bytes += len;
    return CONVOY_OK;
}

void convoy__log_close(convoy__log *log)
{
    if (log && log->fd >= 0) {
        close(log->fd);
        log->fd = -1;
    }
}

/* ------------------------------------------------------------------------
 * The state file.
 */

/* Replaces the XXXXXX at the end of `name`. Not secret, only unlikely to
 * collide: O_EXCL settles collisions. */
static void fill_suffix(char *x)
{
    static _Atomic uint64_t counter;
    static const char ALPHABET[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t v = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^
                 ((uint64_t)getpid() << 16) ^ (atomic_fetch_add(&counter, 1) * 0x9E3779B97F4A7C15u);
    /* splitmix64 finaliser: neighbouring inputs give unrelated names */
    v ^= v >> 30;
    v *= 0xBF58476D1CE4E5B9u;
    v ^= v >> 27;
    v *= 0x94D049BB133111EBu;
    v ^= v >> 31;
    for (int i = 0; i < 6; i++) {
        x[i] = ALPHABET[v % 62];
        v /= 62;
    }
}

/* Opens a new `.NAME.tmpXXXXXX` next to `path`. Made here rather than with
 * mkstemp, whose 0600 would ignore the umask the host chose for its
 * state files. */
static int open_temp(char *tmp, size_t cap, const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    int dir_len = slash ? (int)(base - path) : 0;
    for (int tries = 0; tries < 100; tries++) {
        int n = snprintf(tmp, cap, "%.*s.%s.tmpXXXXXX", dir_len, path, base);
        if (n < 0 || (size_t)n >= cap) {
            errno = ENAMETOOLONG;
            return -1;
        }
        fill_suffix(tmp + n - 6);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1;
}

int convoy__state_file_save(const char *path, const char *json, size_t len)
{
    if (!path || (!json && len))
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy__state_file_save: NULL argument");
    const char *slash = strrchr(path, '/');
    if (!*path || (slash && !slash[1]))
        return convoy__fail(CONVOY_E_INVALID_ARG, "%s: a state file path must name a file",
                            *path ? path : "\"\"");
    char tmp[4096 + 32];
    int fd = open_temp(tmp, sizeof tmp, path);
    if (fd < 0)
        return io_fail(path, "cannot create a temporary file beside it");
    /* Keep the permissions someone gave the existing file. */
    struct stat old;
    if (stat(path, &old) == 0 && S_ISREG(old.st_mode))
        (void)fchmod(fd, old.st_mode & 07777);
    const char *what = NULL;
    if (write_all(fd, json, len) != 0)
        what = "cannot write the new state";
    else if (fsync_retry(fd) != 0)
        what = "cannot sync the new state";
    int saved = errno;
    if (close(fd) != 0 && !what) {
        saved = errno;
        what = "cannot write the new state";
    }
    if (!what && rename(tmp, path) != 0) {
        saved = errno;
        what = "cannot replace the state file";
    }
    if (what) {
        unlink(tmp);
        errno = saved;
        return io_fail(path, what);
    }
    /* The rename happened: `path` is whole either way. Reporting a failed
     * directory sync still matters: the new state may not survive a power
     * cut, and the engine must not act as if it had been saved. */
    if (fsync_dir(path) != 0)
        return io_fail(path, "cannot sync the directory after replacing the state file");
    return CONVOY_OK;
}

int convoy__state_file_load(char **json, size_t *len, const char *path)
{
    if (json)
        *json = NULL;
    if (len)
        *len = 0;
    if (!json || !path)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy__state_file_load: NULL argument");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return convoy__fail(CONVOY_E_NOT_FOUND, "%s: no saved state", path);
        return io_fail(path, "cannot open the state file");
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int rc = io_fail(path, "cannot stat the state file");
        close(fd);
        return rc;
    }
    if (!S_ISREG(sb.st_mode)) {
        close(fd);
        return convoy__fail(CONVOY_E_IO, "%s: the state file is not a regular file", path);
    }
    if ((uint64_t)sb.st_size > STATE_FILE_MAX) {
        close(fd);
        return convoy__fail(CONVOY_E_LIMIT, "%s: the state file has %lld bytes, more than %zu",
                            path, (long long)sb.st_size, STATE_FILE_MAX);
    }
    /* Read to the end rather than trusting st_size: the file may change
     * under a careless host, and the limit must still hold. */
    size_t cap = (size_t)sb.st_size + 1, used = 0;
    char *buf = convoy__malloc(cap + 1);
    if (!buf) {
        close(fd);
        return convoy__fail(CONVOY_E_NOMEM, "out of memory reading %s", path);
    }
    for (;;) {
        if (used == cap) {
            if (cap > STATE_FILE_MAX) {
                convoy__dealloc(buf);
                close(fd);
                return convoy__fail(CONVOY_E_LIMIT, "%s: the state file has more than %zu bytes",
                                    path, STATE_FILE_MAX);
            }
            size_t grown_cap = cap * 2;
            char *grown = convoy__realloc(buf, cap + 1, grown_cap + 1);
            if (!grown) {
                convoy__dealloc(buf);
                close(fd);
                return convoy__fail(CONVOY_E_NOMEM, "out of memory reading %s", path);
            }
            buf = grown;
            cap = grown_cap;
        }
        ssize_t n = read(fd, buf + used, cap - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int rc = io_fail(path, "cannot read the state file");
            convoy__dealloc(buf);
            close(fd);
            return rc;
        }
        if (n == 0)
            break;
        used += (size_t)n;
    }
    close(fd);
    if (used > STATE_FILE_MAX) {
        convoy__dealloc(buf);
        return convoy__fail(CONVOY_E_LIMIT, "%s: the state file has more than %zu bytes", path,
                            STATE_FILE_MAX);
    }
    buf[used] = '\0';
    *json = buf;
    if (len)
        *len = used;
    return CONVOY_OK;
}
