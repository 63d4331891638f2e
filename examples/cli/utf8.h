/*
 * utf8.h - checking UTF-8 text the CLI writes out (JSON strings, SVG text).
 */
#ifndef CONVOY_CLI_UTF8_H
#define CONVOY_CLI_UTF8_H

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when it is invalid
 * (bad lead byte, truncated, overlong, surrogate or above U+10FFFF). Stops
 * at a NUL: the continuation checks fail on it, so s may end there. */
int utf8_len(const unsigned char *s);

#endif
