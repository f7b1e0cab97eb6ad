/* SPDX-License-Identifier: MIT */
/* Packet builder for the BPF tests: Ethernet, 0-3 VLAN tags, IPv4 with options
 * and fragments, IPv6 with extension headers and fragment header, TCP, UDP,
 * ICMP, ICMPv6, and the corruptions the parser must catch. */
#ifndef XW_TESTS_BPF_PKT_H
#define XW_TESTS_BPF_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xdpwall/xdpwall.h>

#define PKT_MAX    4096
#define PKT_EXTMAX 12
#define PKT_BMAX   48

#define ETH_IP4 0x0800
#define ETH_IP6 0x86dd
#define ETH_ARP 0x0806
#define ETH_QINQ 0x88a8
#define ETH_DOT1Q 0x8100

/* One IPv6 extension header. */
struct pkt_ext {
	uint8_t type;     /* 0 hop-by-hop, 43 routing, 44 fragment, 51 AH, 60 dest. options */
	uint8_t len;      /* the length byte: (len+1)*8 bytes, AH (len+2)*4; fragment: unused */
	uint16_t offset;  /* fragment: offset in 8-byte units */
	bool mf;          /* fragment: more fragments */
};

struct pkt_spec {
	uint8_t nvlan;        /* tags, outermost first (3 makes a malformed frame) */
	uint16_t tpid[3];     /* 0: 0x8100 */
	uint16_t tci[3];
	uint16_t ethertype;   /* 0: IPv4 or IPv6 after v6; else this, and no IP header */
	bool v6;
	uint32_t saddr[4], daddr[4]; /* host-order words, v4 in [0] */
	uint8_t proto;        /* upper-layer protocol (after the extension chain) */
	/* IPv4 */
	uint8_t ip_opts;      /* option bytes, multiple of 4, <= 40 */
	uint16_t frag_offset; /* IPv4: fragment offset, 8-byte units */
	bool mf;              /* IPv4: more fragments */
	/* IPv6 */
	uint8_t next;         /* extension headers */
	struct pkt_ext ext[PKT_EXTMAX];
	/* L4: written for TCP/UDP and ICMP (v4) / ICMPv6 (v6), unless a
	 * non-first fragment */
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint8_t tcp_doff;     /* 0: 5 */
	uint8_t icmp_type, icmp_code;
	uint16_t payload;     /* bytes after the L4 header */
	/* corruptions */
	uint8_t ip_version;   /* 0: the right one */
	uint8_t ihl;          /* 0: from ip_opts */
	int32_t ip_len_delta; /* added to the IPv4 total / IPv6 payload length */
};

struct pkt_layout {
	size_t len;       /* frame length */
	size_t l3;        /* IP header offset (after the tags) */
	size_t l4;        /* upper-layer header offset */
	size_t l4_need;   /* l4 + what the parser needs of the L4 header (0 if none) */
	size_t nb;        /* header boundaries in the frame, ascending */
	size_t bound[PKT_BMAX];
};

/* Build the frame into buf (PKT_MAX bytes). Returns its length. */
size_t pkt_build(const struct pkt_spec *s, uint8_t *buf, struct pkt_layout *lay);

/* Rewrite the IP length fields of a built frame as if the IP packet ended at
 * cut (the frame is then cut there): a "consistent" truncation. */
void pkt_cut_consistent(uint8_t *buf, const struct pkt_spec *s, const struct pkt_layout *lay,
			size_t cut);

/* Does the packet carry an L4 header the parser reads (TCP/UDP/ICMP/ICMPv6,
 * not a non-first fragment)? */
bool pkt_has_l4(const struct pkt_spec *s);
/* Is it a non-first fragment? */
bool pkt_is_later_fragment(const struct pkt_spec *s);

/* The key the parser must produce for a well-formed spec. */
void pkt_key(const struct pkt_spec *s, uint32_t ifindex, struct xw_key *k);

/* Specs for common cases. */
void pkt_v4(struct pkt_spec *s, uint32_t saddr, uint32_t daddr, uint8_t proto);
void pkt_v6(struct pkt_spec *s, const char *saddr, const char *daddr, uint8_t proto);
void pkt_words6(const char *addr, uint32_t w[4]);

#endif
