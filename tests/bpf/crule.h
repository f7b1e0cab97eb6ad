/* SPDX-License-Identifier: MIT */
/* Compiled rules written by hand for the BPF tests. */
#ifndef XW_TESTS_BPF_CRULE_H
#define XW_TESTS_BPF_CRULE_H

#include <stdint.h>
#include <string.h>
#include <xdpwall/xdpwall.h>

/* Matches every packet. */
static inline struct xw_crule crule_any(uint32_t prio, uint32_t rid, uint8_t action)
{
	struct xw_crule c;

	memset(&c, 0, sizeof(c));
	c.prio = prio;
	c.rid = rid;
	c.action = action;
	c.sport_hi = 0xffff;
	c.dport_hi = 0xffff;
	return c;
}

/* Matches exactly the packet with key k (addresses /32 or /128, proto, ports
 * or ICMP type/code and TCP flags when k has L4, VLAN when tagged). */
static inline struct xw_crule crule_exact(const struct xw_key *k, uint32_t prio, uint32_t rid,
					  uint8_t action)
{
	struct xw_crule c = crule_any(prio, rid, action);
	int v6 = k->flags & XW_PKT_V6;

	c.flags = (v6 ? XW_RF_V6 : XW_RF_V4) | XW_RF_PROTO;
	c.proto = k->w[XW_DIM_PROTO];
	c.slen = c.dlen = v6 ? 128 : 32;
	for (int i = 0; i < 4; i++) {
		c.saddr[i] = k->w[XW_DIM_SADDR0 + i];
		c.daddr[i] = k->w[XW_DIM_DADDR0 + i];
	}
	if (k->flags & XW_PKT_L4) {
		c.flags |= XW_RF_L4;
		c.sport_lo = c.sport_hi = k->w[XW_DIM_SPORT];
		c.dport_lo = c.dport_hi = k->w[XW_DIM_DPORT];
		c.tcp_mask = 0xff;
		c.tcp_flags = k->tcp_flags;
	}
	if (k->flags & XW_PKT_VLAN) {
		c.flags |= XW_RF_VLAN;
		c.vlan = k->vlan;
	}
	return c;
}

#endif
