// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target: nlb_parse_ipv4() on arbitrary bytes.  The input is
 * copied into a buffer of exactly its length so that AddressSanitizer
 * catches any read past it; a parsed flow must be self-consistent.
 */
#include <stdlib.h>
#include "../nlb_core.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static const struct nlb_key key = { 1, 2 };
	struct nlb_flow flow;
	u8 *pkt;

	if (size > NLB_PARSE_MAX_BYTES)
		size = NLB_PARSE_MAX_BYTES;
	pkt = malloc(size ? size : 1);
	if (!pkt)
		return 0;
	memcpy(pkt, data, size);
	if (nlb_parse_ipv4(pkt, size, &flow) == NLB_PARSE_OK) {
		if ((flow.flags & NLB_FLOW_F_FRAGMENT) &&
		    (flow.flags & (NLB_FLOW_F_PORTS | NLB_FLOW_F_ICMP_ERROR)))
			abort();
		if (!(flow.flags & NLB_FLOW_F_PORTS) &&
		    (flow.sport || flow.dport))
			abort();
		nlb_flow_hash(&key, &flow, NLB_AFFINITY_NONE);
		nlb_flow_hash(&key, &flow, NLB_AFFINITY_SINGLE);
		nlb_flow_hash(&key, &flow, NLB_AFFINITY_NETWORK);
	}
	free(pkt);
	return 0;
}
