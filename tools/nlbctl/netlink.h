/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NLBCTL_NETLINK_H
#define NLBCTL_NETLINK_H

#include <stdint.h>
#include <libmnl/libmnl.h>

struct nlb_sock {
	struct mnl_socket *nl;
	uint16_t family;
	uint32_t mcgrp_events;	/* NLB_MCGRP_EVENTS id, 0 if none */
	uint32_t portid;
	unsigned int seq;
	char *buf;
	size_t bufsize;
};

/* Open a socket and resolve the "nlb" family; NULL after printing why. */
struct nlb_sock *nlb_open(void);
void nlb_close(struct nlb_sock *s);

/* A new request for @cmd in the socket's buffer. */
struct nlmsghdr *nlb_msg(struct nlb_sock *s, uint8_t cmd, uint16_t flags);

/*
 * Send @nlh and run @cb on every reply until the ack or the end of the
 * dump.  Kernel errors are printed ("nlbctl: error: <extack message>");
 * returns 0 or -1.
 */
int nlb_talk(struct nlb_sock *s, struct nlmsghdr *nlh, mnl_cb_t cb,
	     void *data);

/*
 * Join the family's NLB_MCGRP_EVENTS multicast group and run @cb on every
 * message it brings, until @cb fails (after printing why) or the socket
 * does (printed here); returns -1 then, never 0.
 */
int nlb_listen(struct nlb_sock *s, mnl_cb_t cb, void *data);

/* Attribute table of a genl message or a nest, validated by type. */
int nlb_parse(const struct nlmsghdr *nlh, const struct nlattr **tb,
	      unsigned int max);
int nlb_parse_nested(const struct nlattr *nest, const struct nlattr **tb,
		     unsigned int max);

/* Validated attribute reads: 0 (or NULL) when absent or malformed. */
uint8_t attr_u8(const struct nlattr *a);
uint16_t attr_u16(const struct nlattr *a);
uint32_t attr_u32(const struct nlattr *a);
uint64_t attr_u64(const struct nlattr *a);
const char *attr_str(const struct nlattr *a);
const void *attr_bin(const struct nlattr *a, size_t len);

/* Start a nest flagged NLA_F_NESTED; close it with mnl_attr_nest_end(). */
struct nlattr *nlb_nest_start(struct nlmsghdr *nlh, uint16_t type);

#endif
