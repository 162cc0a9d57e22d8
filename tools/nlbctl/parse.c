// SPDX-License-Identifier: GPL-2.0
/* Argument parsing shared by the subcommands. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <linux/nlb.h>

#include "nlbctl.h"

int nlbctl_error(const char *fmt, ...)
{
	va_list ap;

	fputs("nlbctl: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

bool matches(const char *arg, const char *keyword)
{
	return strcmp(arg, keyword) == 0;
}

int need_arg(int argc, char **argv, const char *keyword)
{
	(void)argv;
	if (argc < 2)
		return nlbctl_error("\"%s\" needs a value", keyword);
	return 0;
}

int parse_u32(const char *s, const char *what, uint32_t max, uint32_t *out)
{
	unsigned long v;
	char *end;

	if (!*s || !isdigit((unsigned char)*s))
		return nlbctl_error("invalid %s \"%s\"", what, s);
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return nlbctl_error("invalid %s \"%s\"", what, s);
	*out = (uint32_t)v;
	return 0;
}

/* A number in [min, max]: "WHAT must be MIN..MAX" otherwise. */
int parse_u32_range(const char *s, const char *what, uint32_t min,
		    uint32_t max, uint32_t *out)
{
	if (parse_u32(s, what, UINT32_MAX, out))
		return -1;
	if (*out < min || *out > max)
		return nlbctl_error("%s must be %u..%u", what, min, max);
	return 0;
}

int parse_ipv4(const char *s, const char *what, uint32_t *be_addr)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return nlbctl_error("invalid %s address \"%s\"", what, s);
	*be_addr = a.s_addr;
	return 0;
}

int parse_addr_port(const char *s, const char *what, bool want_port,
		    uint32_t *be_addr, uint16_t *be_port)
{
	char buf[64];
	char *colon;
	uint32_t port;

	if (strlen(s) >= sizeof(buf))
		return nlbctl_error("invalid %s \"%s\"", what, s);
	strcpy(buf, s);
	colon = strchr(buf, ':');
	if (colon)
		*colon = '\0';
	if (parse_ipv4(buf, what, be_addr))
		return -1;
	if (!want_port) {
		if (colon)
			return nlbctl_error("%s \"%s\": ports only go with tcp and udp",
					    what, s);
		*be_port = 0;
		return 0;
	}
	if (!colon)
		return nlbctl_error("%s \"%s\" needs a port (ADDR:PORT)", what, s);
	if (parse_u32(colon + 1, "port", 65535, &port))
		return -1;
	*be_port = htons((uint16_t)port);
	return 0;
}

int parse_hex(const char *s, const char *what, uint8_t *out, size_t len)
{
	size_t i;

	if (strlen(s) != 2 * len)
		return nlbctl_error("%s must be %zu hex digits", what, 2 * len);
	for (i = 0; i < 2 * len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return nlbctl_error("%s must be %zu hex digits", what,
					    2 * len);
	for (i = 0; i < len; i++) {
		char byte[3] = { s[2 * i], s[2 * i + 1], 0 };

		out[i] = (uint8_t)strtoul(byte, NULL, 16);
	}
	return 0;
}

static const char *const modes[] = {
	[NLB_MODE_UNICAST] = "unicast",
	[NLB_MODE_MULTICAST] = "multicast",
	[NLB_MODE_IGMP] = "igmp",
};

int parse_mode(const char *s, uint8_t *mode)
{
	uint8_t i;

	for (i = 0; i <= NLB_MODE_MAX; i++) {
		if (matches(s, modes[i])) {
			*mode = i;
			return 0;
		}
	}
	return nlbctl_error("unknown mode \"%s\" (unicast, multicast or igmp)", s);
}

const char *mode_name(uint8_t mode)
{
	return mode <= NLB_MODE_MAX ? modes[mode] : "unknown";
}

static const char *const states[] = {
	[NLB_STATE_ACTIVE] = "active",
	[NLB_STATE_STOPPED] = "stopped",
	[NLB_STATE_NIC_DOWN] = "nic-down",
	[NLB_STATE_DUPLICATE] = "duplicate",
	[NLB_STATE_MISMATCH] = "mismatch",
	[NLB_STATE_LEAVING] = "leaving",
	[NLB_STATE_DRAINING] = "draining",
	[NLB_STATE_SUSPENDED] = "suspended",
	[NLB_STATE_PRIORITY_TAKEN] = "priority-taken",
};
_Static_assert(sizeof(states) / sizeof(states[0]) == NLB_STATE_MAX + 1,
	       "a state of enum nlb_state has no name");

const char *state_name(uint8_t state)
{
	return state <= NLB_STATE_MAX && states[state] ? states[state] :
	       "unknown";
}

static const char *const flow_states[] = {
	[NLB_FLOW_STATE_NONE] = "none",
	[NLB_FLOW_STATE_SYN] = "syn",
	[NLB_FLOW_STATE_ESTABLISHED] = "established",
	[NLB_FLOW_STATE_CLOSING] = "closing",
	[NLB_FLOW_STATE_UDP] = "udp",
};
_Static_assert(sizeof(flow_states) / sizeof(flow_states[0]) ==
	       NLB_FLOW_STATE_MAX + 1,
	       "a state of enum nlb_flow_state has no name");

const char *flow_state_name(uint8_t state)
{
	return state <= NLB_FLOW_STATE_MAX ? flow_states[state] : "unknown";
}

const char *proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	default: return "other";
	}
}

const char *members_str(uint64_t mask, char *buf)
{
	unsigned int id;
	char *p = buf;

	if (!mask)
		return strcpy(buf, "none");
	for (id = 1; id <= 64; id++)
		if (mask & (1ULL << (id - 1)))
			p += sprintf(p, "%s%u", p == buf ? "" : ",", id);
	return buf;
}

/* Arguments that can only be "[dev DEV]": *dev is NULL when absent. */
int parse_dev_only(int argc, char **argv, const char **dev)
{
	*dev = NULL;
	while (argc > 0) {
		if (!matches(*argv, "dev"))
			return nlbctl_error("unknown argument \"%s\"", *argv);
		if (need_arg(argc, argv, "dev"))
			return -1;
		*dev = argv[1];
		argc -= 2;
		argv += 2;
	}
	return 0;
}
