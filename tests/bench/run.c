// SPDX-License-Identifier: MIT
/*
 * Frames for trace headers, BPF_PROG_TEST_RUN timing, the empty XDP_DROP
 * program (the floor) and xdp-filter loaded from Debian's object.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench.h"

void figure(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("FIGURE %s=", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* ---- frames ---- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* Ethernet + IPv4/IPv6 + TCP (20) / UDP (8) / ICMP (8) / 8 bytes of payload. */
void pkt_build(struct bench_pkt *p, const struct cb_hdr *h, bool v6, uint64_t salt)
{
	static const uint8_t mac_d[6] = { 0x02, 0, 0, 0, 0, 1 }, mac_s[6] = { 0x02, 0, 0, 0, 0, 2 };
	uint8_t proto = v6 ? cb_v6_proto(h->proto) : h->proto;
	struct xw_key *k = &p->key.key;
	uint32_t l3 = v6 ? 40 : 20, l4, off = 14;
	uint8_t *d = p->data;

	memset(p, 0, sizeof(*p));
	switch (proto) {
	case 6:
		l4 = 20;
		break;
	default:
		l4 = 8; /* UDP, ICMP, ICMPv6 headers; payload of anything else */
		break;
	}
	memcpy(d, mac_d, 6);
	memcpy(d + 6, mac_s, 6);
	put16(d + 12, v6 ? ETH_P_IPV6 : ETH_P_IP);
	if (v6) {
		d[off] = 0x60;
		put16(d + off + 4, (uint16_t)l4);
		d[off + 6] = proto;
		d[off + 7] = 64;
		put32(d + off + 8, CB_V6_W0);
		put32(d + off + 12, h->src);
		put32(d + off + 16, (uint32_t)(salt >> 32));
		put32(d + off + 20, (uint32_t)salt);
		put32(d + off + 24, CB_V6_W0);
		put32(d + off + 28, h->dst);
		put32(d + off + 32, (uint32_t)salt ^ 0x5a5a5a5a);
		put32(d + off + 36, (uint32_t)(salt >> 32) ^ 0xa5a5a5a5);
		k->w[XW_DIM_SADDR0] = CB_V6_W0;
		k->w[XW_DIM_SADDR1] = h->src;
		k->w[XW_DIM_SADDR2] = (uint32_t)(salt >> 32);
		k->w[XW_DIM_SADDR3] = (uint32_t)salt;
		k->w[XW_DIM_DADDR0] = CB_V6_W0;
		k->w[XW_DIM_DADDR1] = h->dst;
		k->w[XW_DIM_DADDR2] = (uint32_t)salt ^ 0x5a5a5a5a;
		k->w[XW_DIM_DADDR3] = (uint32_t)(salt >> 32) ^ 0xa5a5a5a5;
		k->flags = XW_PKT_V6;
	} else {
		d[off] = 0x45;
		put16(d + off + 2, (uint16_t)(l3 + l4));
		d[off + 8] = 64;
		d[off + 9] = proto;
		put32(d + off + 12, h->src);
		put32(d + off + 16, h->dst);
		k->w[XW_DIM_SADDR0] = h->src;
		k->w[XW_DIM_DADDR0] = h->dst;
	}
	k->w[XW_DIM_PROTO] = proto;
	off += l3;
	switch (proto) {
	case 6:
		put16(d + off, h->sport);
		put16(d + off + 2, h->dport);
		d[off + 12] = 5 << 4;
		d[off + 13] = 0x10; /* ACK */
		k->w[XW_DIM_SPORT] = h->sport;
		k->w[XW_DIM_DPORT] = h->dport;
		k->tcp_flags = 0x10;
		k->flags |= XW_PKT_L4;
		break;
	case 17:
		put16(d + off, h->sport);
		put16(d + off + 2, h->dport);
		put16(d + off + 4, 8);
		k->w[XW_DIM_SPORT] = h->sport;
		k->w[XW_DIM_DPORT] = h->dport;
		k->flags |= XW_PKT_L4;
		break;
	case 1:
	case 58:
		/* echo request: type in the sport word, code in dport */
		d[off] = proto == 1 ? 8 : 128;
		d[off + 1] = 0;
		k->w[XW_DIM_SPORT] = d[off];
		k->w[XW_DIM_DPORT] = 0;
		k->flags |= XW_PKT_L4;
		break;
	default:
		break;
	}
	p->len = off + l4;
	if (p->len < 60)
		p->len = 60; /* minimum frame; the parser ignores what follows the IP packet */
}

/* ---- BPF_PROG_TEST_RUN ---- */

int prog_run(int prog_fd, const struct bench_pkt *p, uint32_t repeat, uint32_t *ns,
	     uint32_t *retval)
{
	uint8_t out[PKT_MAX + 256];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->data, .data_size_in = p->len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = repeat);

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -errno;
	*ns = opts.duration;
	*retval = opts.retval;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The kernel reports duration as the run's total / repeat, in whole ns. */
int prog_median(int prog_fd, const struct bench_pkt *p, uint32_t repeat, double *ns)
{
	double v[5];

	for (int i = 0; i < 5; i++) {
		uint32_t d, r;
		int err = prog_run(prog_fd, p, repeat, &d, &r);

		if (err)
			return err;
		v[i] = d;
	}
	qsort(v, 5, sizeof(v[0]), cmp_double);
	*ns = v[2];
	return 0;
}

int prog_load_drop(void)
{
	/* r0 = XDP_DROP; exit */
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_DROP },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "xw_bench_drop", "GPL", insns, 2, NULL);

	return fd < 0 ? -errno : fd;
}

/*
 * BPF_PROG_TEST_RUN with repeat > 1 puts the program into the kernel's XDP
 * dispatcher before the run and takes it out after, and each change waits for
 * an RCU grace period (bpf_dispatcher_change_prog -> synchronize_rcu): tens of
 * ms per run, which makes thousands of short runs impossible. A program that
 * is attached to an interface in native mode stays in the dispatcher, and the
 * test runs then leave it alone. So the programs under test are attached to
 * the two ends of a veth pair in a network namespace of this process's own,
 * which goes away, detaching them, when the process exits. (Two pairs: up
 * to four programs.)
 */
int bench_netns_veth(void)
{
	if (unshare(CLONE_NEWNET))
		return -errno;
	if (system("ip link add " BENCH_VETH0 " type veth peer name " BENCH_VETH1 " && "
		   "ip link add " BENCH_VETH2 " type veth peer name " BENCH_VETH3 " && "
		   "for i in " BENCH_VETH0 " " BENCH_VETH1 " " BENCH_VETH2 " " BENCH_VETH3 "; do "
		   "ip link set $i up || exit 1; done"))
		return -EIO;
	return 0;
}

int prog_hold(int prog_fd, const char *ifname)
{
	int ifindex = (int)if_nametoindex(ifname);

	if (!ifindex)
		return -errno;
	return bpf_xdp_attach(ifindex, prog_fd, XDP_FLAGS_DRV_MODE, NULL);
}

/* ---- xdp-filter ---- */

/* xdp-filter's map value flags (xdp-tools common_kern_user.h): an `ip` rule
 * without --mode matches source and destination. */
#define XF_FLAG_SRC (1u << 0)
#define XF_FLAG_DST (1u << 1)

struct xdpfilter {
	struct bpf_object *obj;
	int prog_fd;
};

int xdpfilter_open(struct xdpfilter **out, const char *obj_path, const char *pin_dir,
		   uint32_t addr)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = pin_dir);
	struct xdpfilter *xf;
	struct bpf_program *prog;
	struct bpf_map *map;
	int ncpu, err;
	uint64_t *val;
	uint32_t key = htonl(addr);

	ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	xf = calloc(1, sizeof(*xf));
	if (!xf)
		return -ENOMEM;
	xf->obj = bpf_object__open_file(obj_path, &oo);
	if (!xf->obj) {
		err = -errno;
		fprintf(stderr, "xw-bench: opening %s: %s\n", obj_path, strerror(-err));
		goto out_free;
	}
	prog = bpf_object__next_program(xf->obj, NULL);
	if (!prog) {
		err = -ENOENT;
		fprintf(stderr, "xw-bench: no program in %s\n", obj_path);
		goto out_close;
	}
	bpf_program__set_type(prog, BPF_PROG_TYPE_XDP);
	err = bpf_object__load(xf->obj);
	if (err) {
		fprintf(stderr, "xw-bench: loading %s: %s\n", obj_path, strerror(-err));
		goto out_unpin;
	}
	xf->prog_fd = bpf_program__fd(prog);
	map = bpf_object__find_map_by_name(xf->obj, "filter_ipv4");
	if (!map) {
		err = -ENOENT;
		fprintf(stderr, "xw-bench: %s has no map filter_ipv4\n", obj_path);
		goto out_unpin;
	}
	val = calloc((size_t)ncpu, sizeof(*val));
	if (!val) {
		err = -ENOMEM;
		goto out_unpin;
	}
	for (int c = 0; c < ncpu; c++)
		val[c] = XF_FLAG_SRC | XF_FLAG_DST;
	err = bpf_map_update_elem(bpf_map__fd(map), &key, val, BPF_ANY) ? -errno : 0;
	free(val);
	if (err) {
		fprintf(stderr, "xw-bench: filling filter_ipv4: %s\n", strerror(-err));
		goto out_unpin;
	}
	*out = xf;
	return 0;

out_unpin:
	bpf_object__unpin_maps(xf->obj, NULL);
out_close:
	bpf_object__close(xf->obj);
out_free:
	free(xf);
	return err;
}

int xdpfilter_prog_fd(const struct xdpfilter *xf)
{
	return xf->prog_fd;
}

void xdpfilter_close(struct xdpfilter *xf)
{
	if (!xf)
		return;
	bpf_object__unpin_maps(xf->obj, NULL);
	bpf_object__close(xf->obj);
	free(xf);
}
