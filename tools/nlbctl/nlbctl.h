/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NLBCTL_H
#define NLBCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "json.h"
#include "netlink.h"

struct nlbctl {
	bool json;
	bool pretty;
	struct nlb_sock *sock;		/* opened on first use */
	struct json_writer *jw;
};

/* Each subcommand: argc/argv start after its name. */
int do_show(struct nlbctl *ctl, int argc, char **argv);
int do_stats(struct nlbctl *ctl, int argc, char **argv);
int do_query(struct nlbctl *ctl, int argc, char **argv);
int do_cluster(struct nlbctl *ctl, int argc, char **argv);
int do_member(struct nlbctl *ctl, int argc, char **argv);
int do_stop(struct nlbctl *ctl, int argc, char **argv);
int do_start(struct nlbctl *ctl, int argc, char **argv);
int do_suspend(struct nlbctl *ctl, int argc, char **argv);
int do_resume(struct nlbctl *ctl, int argc, char **argv);
int do_drainstop(struct nlbctl *ctl, int argc, char **argv);
int do_monitor(struct nlbctl *ctl, int argc, char **argv);
int do_genkey(struct nlbctl *ctl, int argc, char **argv);
int do_rule(struct nlbctl *ctl, int argc, char **argv);

/* Errors: "nlbctl: error: ..." on stderr; return -1 for the caller. */
int nlbctl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Argument helpers (parse.c). */
bool matches(const char *arg, const char *keyword);
int need_arg(int argc, char **argv, const char *keyword);
int parse_u32(const char *s, const char *what, uint32_t max, uint32_t *out);
int parse_u32_range(const char *s, const char *what, uint32_t min,
		    uint32_t max, uint32_t *out);
int parse_ipv4(const char *s, const char *what, uint32_t *be_addr);
int parse_addr_port(const char *s, const char *what, bool want_port,
		    uint32_t *be_addr, uint16_t *be_port);
int parse_dev_only(int argc, char **argv, const char **dev);
int parse_hex(const char *s, const char *what, uint8_t *out, size_t len);
int parse_mode(const char *s, uint8_t *mode);
const char *mode_name(uint8_t mode);
const char *state_name(uint8_t state);
/* enum nlb_flow_state: "none", "syn", "established", "closing", "udp". */
const char *flow_state_name(uint8_t state);
/* "tcp", "udp", "icmp" or "other". */
const char *proto_name(uint8_t proto);
/* "1,2,4" for bits 0, 1, 3 of a member mask (bit id - 1); "none" if 0. */
#define MEMBERS_STR_LEN (64 * 3 + 1)
const char *members_str(uint64_t mask, char *buf);
/* Heartbeat key file (genkey.c): base64 of NLB_KEY_LEN bytes. */
int read_key_file(const char *file, uint8_t *key);
struct nlb_sock *nlbctl_sock(struct nlbctl *ctl);
/*
 * @cmd with @flags (and NLB_A_IFNAME @dev unless NULL), each answer to @cb;
 * with -j, the answers in one JSON array.
 */
int request_array(struct nlbctl *ctl, uint8_t cmd, uint16_t flags,
		  const char *dev, mnl_cb_t cb, void *data);
/*
 * "[dev DEV]" in @argv: @cmd for DEV (doit) or for every cluster (dump),
 * each answer to @cb; with -j, the answers in one JSON array.
 */
int show_request(struct nlbctl *ctl, int argc, char **argv, uint8_t cmd,
		 mnl_cb_t cb, void *data);

#endif
