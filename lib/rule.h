/* SPDX-License-Identifier: MIT */
/* The rule model: what one parsed rule says, before it is compiled for the kernel. */
#ifndef XW_LIB_RULE_H
#define XW_LIB_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xdpwall/xdpwall.h>

#define XW_PORTS_MAX   16  /* ranges in one PORTS list */
#define XW_COMMENT_MAX 128 /* bytes of a comment, including the NUL */
#define XW_ERR_MAX     256 /* bytes of an error message */

/* xw_rule.fields: which optional fields a rule gives */
#define XW_F_IIF      0x0001
#define XW_F_VLAN     0x0002
#define XW_F_SADDR    0x0004
#define XW_F_DADDR    0x0008
#define XW_F_PROTO    0x0010
#define XW_F_SPORT    0x0020
#define XW_F_DPORT    0x0040
#define XW_F_TCPFLAGS 0x0080
#define XW_F_ICMPTYPE 0x0100
#define XW_F_ICMPCODE 0x0200
#define XW_F_COMMENT  0x0400

struct xw_cidr {
	uint8_t family; /* 4 or 6 */
	uint8_t plen;   /* 0..32 or 0..128 */
	uint32_t w[4];  /* host-order words, most significant first; v4 uses w[0] only */
};

struct xw_port_range {
	uint16_t lo, hi;
};

/* Sorted by lo, disjoint and not adjacent (the parser merges), n >= 1 */
struct xw_portset {
	uint16_t n;
	struct xw_port_range r[XW_PORTS_MAX];
};

struct xw_rule {
	uint64_t handle;  /* stable, never reused; 0 until the ruleset assigns one */
	uint32_t fields;  /* XW_F_* */
	uint8_t family;   /* 0 = both, 4 or 6: implied by addresses or icmp/icmpv6 */
	uint8_t action;   /* enum xw_action */
	uint8_t proto;    /* if XW_F_PROTO */
	uint8_t tcp_flags, tcp_mask; /* if XW_F_TCPFLAGS: (flags & mask) == tcp_flags */
	uint8_t icmp_type, icmp_code;
	uint16_t vlan;    /* if XW_F_VLAN, 0..4095 */
	char iif[XW_IFNAMSIZ];
	struct xw_cidr saddr, daddr;
	struct xw_portset sport, dport;
	char comment[XW_COMMENT_MAX];
};

/* A parsed packet for the reference classifier and the differential tests:
 * struct xw_key from the shared header, plus the ingress interface name. */
struct xw_pkt {
	struct xw_key key;
	char iif[XW_IFNAMSIZ];
};

#endif
