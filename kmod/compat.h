/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel API differences between the kernels nlb supports (Debian's
 * 6.1 and 6.12), in one place.  kmod/Kbuild detects them from the headers
 * being built against.
 */
#ifndef _NLB_COMPAT_H
#define _NLB_COMPAT_H

#include <net/genetlink.h>

/* 6.2 moved a dump's parsed attributes into an embedded struct genl_info. */
static inline struct nlattr **nlb_dump_attrs(struct netlink_callback *cb)
{
#ifdef NLB_HAVE_DUMPIT_GENL_INFO
	return genl_dumpit_info(cb)->info.attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

#endif /* _NLB_COMPAT_H */
