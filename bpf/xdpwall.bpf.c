// SPDX-License-Identifier: GPL-2.0-only
/* xdpwall: the XDP entry point. Placeholder until the classifier lands. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "maps.h"

SEC("xdp")
int xdpwall_main(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
