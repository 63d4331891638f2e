/*
 * json_kind.h - the kind of a parsed JSON value, for the CLI's messages
 * about input it reads with cJSON ("expected a string, found a number").
 */
#ifndef CONVOY_CLI_JSON_KIND_H
#define CONVOY_CLI_JSON_KIND_H

#include <cjson/cJSON.h>

/* "an object", "an array", "a string", "a number", "a boolean", "null",
 * or "an invalid value". Static string. */
const char *json_kind(const cJSON *j);

#endif
