// SPDX-License-Identifier: GPL-2.0
/* A small streaming JSON writer for nlbctl -j. */
#include <inttypes.h>
#include <stdlib.h>

#include "json.h"

#define JW_MAX_DEPTH 16

struct json_writer {
	FILE *f;
	bool pretty;
	int depth;
	bool first[JW_MAX_DEPTH];
};

struct json_writer *jw_new(FILE *f, bool pretty)
{
	struct json_writer *jw = calloc(1, sizeof(*jw));

	if (!jw)
		return NULL;
	jw->f = f;
	jw->pretty = pretty;
	jw->first[0] = true;
	return jw;
}

void jw_free(struct json_writer *jw)
{
	if (!jw)
		return;
	fputc('\n', jw->f);
	free(jw);
}

void jw_escape(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		case '\b': fputs("\\b", f); break;
		case '\f': fputs("\\f", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

static void jw_indent(struct json_writer *jw)
{
	int i;

	if (!jw->pretty)
		return;
	fputc('\n', jw->f);
	for (i = 0; i < jw->depth; i++)
		fputs("    ", jw->f);
}

/* Comma, indentation and key before a value. */
static void jw_member(struct json_writer *jw, const char *key)
{
	if (!jw->first[jw->depth])
		fputc(',', jw->f);
	jw->first[jw->depth] = false;
	if (jw->depth)
		jw_indent(jw);
	if (key) {
		jw_escape(jw->f, key);
		fputs(jw->pretty ? ": " : ":", jw->f);
	}
}

static void jw_open(struct json_writer *jw, const char *key, char c)
{
	jw_member(jw, key);
	fputc(c, jw->f);
	if (jw->depth < JW_MAX_DEPTH - 1)
		jw->depth++;
	jw->first[jw->depth] = true;
}

static void jw_close(struct json_writer *jw, char c)
{
	bool empty = jw->first[jw->depth];

	if (jw->depth)
		jw->depth--;
	if (!empty)
		jw_indent(jw);
	fputc(c, jw->f);
}

void jw_obj_start(struct json_writer *jw, const char *key)
{
	jw_open(jw, key, '{');
}

void jw_obj_end(struct json_writer *jw)
{
	jw_close(jw, '}');
}

void jw_arr_start(struct json_writer *jw, const char *key)
{
	jw_open(jw, key, '[');
}

void jw_arr_end(struct json_writer *jw)
{
	jw_close(jw, ']');
}

void jw_str(struct json_writer *jw, const char *key, const char *val)
{
	jw_member(jw, key);
	jw_escape(jw->f, val);
}

void jw_uint(struct json_writer *jw, const char *key, uint64_t val)
{
	jw_member(jw, key);
	fprintf(jw->f, "%" PRIu64, val);
}

void jw_bool(struct json_writer *jw, const char *key, bool val)
{
	jw_member(jw, key);
	fputs(val ? "true" : "false", jw->f);
}
