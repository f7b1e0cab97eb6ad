/* SPDX-License-Identifier: MIT */
/* xw-bench: the pieces of the benchmark (make bench, scripts/bench.sh). */
#ifndef XW_TESTS_BENCH_H
#define XW_TESTS_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rule.h"

/* ---- ClassBench rule sets and header traces (classbench.c) ---- */

/* One ClassBench filter: @SRC/LEN DST/LEN SPLO : SPHI DPLO : DPHI PROTO/MASK FLAGS/MASK.
 * Addresses are host order; FLAGS is a wildcard and not kept. */
struct cb_rule {
	uint32_t src, dst;
	uint8_t slen, dlen;
	uint8_t proto, pmask; /* pmask 0: any protocol */
	uint16_t splo, sphi, dplo, dphi;
};

/* One trace header: SRC DST SPORT DPORT PROTO FLAGS FILTER. */
struct cb_hdr {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint8_t proto;
	uint32_t filter; /* 1-based rule it was drawn from; 0 if none */
};

struct cb_set {
	struct cb_rule *r;
	size_t n;
};

struct cb_trace {
	struct cb_hdr *h;
	size_t n;
};

int cb_read_rules(const char *path, struct cb_set *set);
int cb_read_trace(const char *path, struct cb_trace *tr);
int cb_write_rules(const char *path, const struct cb_set *set);
int cb_write_trace(const char *path, const struct cb_trace *tr);

/* A ClassBench-like set of n rules and a trace of nhdr headers drawn from it. */
int cb_generate(size_t n, size_t nhdr, uint64_t seed, struct cb_set *set, struct cb_trace *tr);

/* The same set as an fwctl rule file (policy accept, add-rule lines; rule i
 * drops when i is even, counting from 0, accepts otherwise), in IPv4 or in the
 * IPv6 image of the set (see cb_v6_*). Returns the number of add-rule lines. */
long cb_write_fwctl(const char *path, const struct cb_set *set, bool v6);
/* The same rules in one nftables chain (table inet, hook input, policy accept). */
long cb_write_nft(const char *path, const struct cb_set *set);

/* The IPv6 image: a.b.c.d/len -> 2001:db8:ab:cd::/(32 + len); protocols that
 * an IPv6 parser would take for an extension header, or that are ICMP, get
 * another number (0 -> 253, 1 -> 58, 51 -> 252, 43/44/60 -> 251). */
#define CB_V6_W0 0x20010db8u
uint8_t cb_v6_proto(uint8_t proto);

void cb_set_free(struct cb_set *set);
void cb_trace_free(struct cb_trace *tr);

/* ---- packets and BPF_PROG_TEST_RUN (run.c) ---- */

#define PKT_MAX 128

struct bench_pkt {
	uint8_t data[PKT_MAX];
	uint32_t len;
	struct xw_pkt key; /* what the XDP parser will see, for the reference */
};

/* Build the frame for one header; v6 maps it into the IPv6 image. The low
 * 64 bits of IPv6 addresses come from salt, so the flows differ there too. */
void pkt_build(struct bench_pkt *p, const struct cb_hdr *h, bool v6, uint64_t salt);

/* Run the program once over the packet, repeat times; *ns the kernel's
 * ns/packet, *retval the verdict. */
int prog_run(int prog_fd, const struct bench_pkt *p, uint32_t repeat, uint32_t *ns,
	     uint32_t *retval);
/* Median of 5 runs of repeat packets: ns/packet (fractional: total ns / repeat). */
int prog_median(int prog_fd, const struct bench_pkt *p, uint32_t repeat, double *ns);

/* A network namespace of this process's own with a veth pair, and programs
 * attached there in native mode so that test runs skip the XDP dispatcher
 * update (see run.c). */
#define BENCH_VETH0 "xwb0"
#define BENCH_VETH1 "xwb1"
#define BENCH_VETH2 "xwb2"
#define BENCH_VETH3 "xwb3"
int bench_netns_veth(void);
int prog_hold(int prog_fd, const char *ifname);

/* The empty XDP_DROP program (two instructions). */
int prog_load_drop(void);

/* xdp-filter's allow-mode, all-features object with one `ip` rule
 * (src and dst) for addr (host order). Maps are pinned under pin_dir (a bpffs)
 * as xdp-filter pins them, and unpinned by xdpfilter_close(). */
struct xdpfilter;
int xdpfilter_open(struct xdpfilter **xf, const char *obj_path, const char *pin_dir,
		   uint32_t addr);
int xdpfilter_prog_fd(const struct xdpfilter *xf);
void xdpfilter_close(struct xdpfilter *xf);

/* ---- the live tree (tree.c) ---- */
struct tree_stats {
	uint64_t nodes, leaves, leaf_entries, rules, bytes;
	uint32_t depth_max, leaf_max, side_rules;
};

/* Walk every tree of one family in the tree slot that is live under pin_root. */
int live_tree_stats(const char *pin_root, bool v6, struct tree_stats *st);

/* ---- output ---- */
__attribute__((format(printf, 2, 3)))
void figure(const char *name, const char *fmt, ...);

#endif
