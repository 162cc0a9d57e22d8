/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NLBCTL_JSON_H
#define NLBCTL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* A small streaming JSON writer: commas, nesting and escaping. */
struct json_writer;

struct json_writer *jw_new(FILE *f, bool pretty);
void jw_free(struct json_writer *jw);	/* ends the last line */
void jw_obj_start(struct json_writer *jw, const char *key);
void jw_obj_end(struct json_writer *jw);
void jw_arr_start(struct json_writer *jw, const char *key);
void jw_arr_end(struct json_writer *jw);
/* key is NULL inside arrays */
void jw_str(struct json_writer *jw, const char *key, const char *val);
void jw_uint(struct json_writer *jw, const char *key, uint64_t val);
void jw_bool(struct json_writer *jw, const char *key, bool val);
/* Writes @s as a JSON string (quoted, escaped). */
void jw_escape(FILE *f, const char *s);

#endif
