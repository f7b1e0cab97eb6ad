// SPDX-License-Identifier: MIT
/*
 * xw-bench: the commands scripts/bench.sh strings together.
 *
 *   gen N NHDR SEED RULES TRACE   a ClassBench-like set of N rules and its trace
 *   fwrules RULES OUT [v6]        the set as an fwctl rule file (IPv4 or its IPv6 image)
 *   nftrules RULES OUT            the set as one nftables chain
 *   load PIN_ROOT                 load xdpwall (lib/loader.h) and pin it there
 *   floor                         ns/packet of an empty XDP_DROP program
 *   replay NAME TRACE [v6] XDPFILTER_OBJ FILTER_PIN_DIR
 *                                 the committed ruleset (XDPWALL_* paths) against the
 *                                 trace: xdpwall and xdp-filter per packet, a header
 *                                 that matches no rule, verdicts against the
 *                                 reference classifier, map memory, tree figures
 *
 * Every figure is printed as one line "FIGURE name=value".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/libbpf.h>

#include "bench.h"
#include "compile.h"
#include "fw.h"
#include "loader.h"
#include "ref_classify.h"

#define PACKETS_PER_PASS 1000000u /* trace replay: packets per pass, spread over the headers */
#define FLOOR_REPEAT     1000000u
#define PASS_BUDGET_NS   12e9 /* 5 passes of xdpwall over a trace, at most (then fewer repeats) */
#define CAL_BUDGET_S     1.0 /* the check pass (repeat 1); beyond it fewer headers are replayed */
#define XF_RULE_ADDR     0xc0000201u /* 192.0.2.1: xdp-filter's one `ip` rule, hit by nothing */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmd_gen(int argc, char **argv)
{
	struct cb_set set;
	struct cb_trace tr;
	int err;

	if (argc != 6)
		return -EINVAL;
	err = cb_generate(strtoul(argv[1], NULL, 10), strtoul(argv[2], NULL, 10),
			  strtoull(argv[3], NULL, 10), &set, &tr);
	if (err)
		return err;
	err = cb_write_rules(argv[4], &set);
	if (!err)
		err = cb_write_trace(argv[5], &tr);
	cb_set_free(&set);
	cb_trace_free(&tr);
	return err;
}

static int cmd_rulefile(int argc, char **argv, bool nft)
{
	struct cb_set set;
	long n;
	int err;

	if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "v6")))
		return -EINVAL;
	err = cb_read_rules(argv[1], &set);
	if (err)
		return err;
	n = nft ? cb_write_nft(argv[2], &set) : cb_write_fwctl(argv[2], &set, argc == 4);
	cb_set_free(&set);
	if (n < 0)
		return (int)n;
	printf("%ld\n", n);
	return 0;
}

static int cmd_load(int argc, char **argv)
{
	struct xw_load_opts opts = { 0 };
	int err, fd;

	if (argc != 2)
		return -EINVAL;
	err = xw_bpffs_ensure(argv[1]);
	if (!err)
		err = xw_load_and_pin(argv[1], &opts, &fd);
	if (err)
		return err;
	close(fd);
	return 0;
}

static int cmd_floor(int argc, char **argv)
{
	struct cb_hdr h = { 0xf0000001u, 0xf0000002u, 1234, 4321, 6, 0 };
	struct bench_pkt p;
	double ns;
	int fd, err;

	(void)argc;
	(void)argv;
	fd = prog_load_drop();
	if (fd < 0) {
		fprintf(stderr, "xw-bench: loading an XDP_DROP program: %s\n", strerror(-fd));
		return fd;
	}
	pkt_build(&p, &h, false, 0);
	err = prog_median(fd, &p, FLOOR_REPEAT, &ns);
	close(fd);
	if (err)
		return err;
	printf("# floor: empty XDP_DROP program, BPF_PROG_TEST_RUN repeat %u, median of 5\n",
	       FLOOR_REPEAT);
	figure("floor_ns", "%.1f", ns);
	return 0;
}

/* ---- replay ---- */

struct replay {
	const char *name;
	bool v6;
	struct xw_rule *rules;
	size_t nrules;
	uint8_t policy;
	struct bench_pkt *pkts;
	uint8_t *want; /* expected XDP retval per packet */
	size_t npkts;
	int xw_fd, xf_fd, drop_fd;
};

static uint32_t want_retval(const struct replay *rp, const struct bench_pkt *p, long *rule)
{
	struct xw_ref_result res;

	xw_ref_classify(rp->rules, rp->nrules, rp->policy, &p->key, &res);
	if (rule)
		*rule = res.rule;
	return res.verdict == XW_ACT_DROP ? XDP_DROP : XDP_PASS;
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/*
 * A header that no rule matches: 240/8 addresses first (the generator never
 * covers them), then random ones. If every header matches something (a
 * catch-all rule), the one whose first match comes last.
 */
static long find_nomatch(const struct replay *rp, struct bench_pkt *out)
{
	uint64_t s = 42, budget = 40000000ull;
	long best = -2;

	for (unsigned t = 0; budget > 0; t++) {
		struct cb_hdr h = { 0xf0000001u, 0xf0000102u, 40000, 4321, 6, 0 };
		static const uint8_t protos[] = { 6, 17, 253 };
		struct bench_pkt p;
		long rule;

		if (t > 0) {
			uint64_t r = splitmix(&s);

			h.src = (uint32_t)r;
			h.dst = (uint32_t)(r >> 32);
			r = splitmix(&s);
			h.sport = (uint16_t)r;
			h.dport = (uint16_t)(r >> 16);
			h.proto = protos[(r >> 32) % 3];
		}
		pkt_build(&p, &h, rp->v6, 7);
		want_retval(rp, &p, &rule);
		if (best == -2 || rule == -1 || rule > best) {
			best = rule;
			*out = p;
		}
		if (rule == -1)
			break;
		budget = budget > rp->nrules + 1 ? budget - rp->nrules - 1 : 0;
	}
	return best;
}

/* One pass: every packet `repeat` times through prog; mean kernel ns/packet. */
static int replay_pass(const struct replay *rp, int fd, uint32_t repeat, bool check,
		       double *mean, size_t *bad)
{
	double sum = 0;

	for (size_t i = 0; i < rp->npkts; i++) {
		uint32_t ns, ret;
		int err = prog_run(fd, &rp->pkts[i], repeat, &ns, &ret);

		if (err)
			return err;
		sum += ns;
		if (check && ret != rp->want[i]) {
			if (*bad < 5)
				fprintf(stderr, "xw-bench: %s header %zu: XDP verdict %u, reference %u\n",
					rp->name, i + 1, ret, rp->want[i]);
			(*bad)++;
		}
	}
	*mean = sum / (double)rp->npkts;
	return 0;
}

static void fig(const struct replay *rp, const char *what, const char *fmt, double v)
{
	char name[128];

	snprintf(name, sizeof(name), "%s.%s", rp->name, what);
	figure(name, fmt, v);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median5(double *v)
{
	qsort(v, 5, sizeof(v[0]), cmp_double);
	return v[2];
}

/*
 * Cold: every header once (repeat 1) through xdpwall, xdp-filter and the
 * empty program in turn, so no program finds its cache lines as it left them;
 * the mean over the headers, median of 5 passes. A single run's duration
 * includes reading the clock around it: compare with the floor measured the
 * same way (cold_floor_ns), not with floor_ns.
 */
static int replay_cold(const struct replay *rp)
{
	const int fds[3] = { rp->xw_fd, rp->xf_fd, rp->drop_fd };
	static const char *const names[3] = { "cold_xdpwall_ns", "cold_xdpfilter_ns",
					      "cold_floor_ns" };
	double v[3][5];

	for (int pass = 0; pass < 5; pass++) {
		double sum[3] = { 0, 0, 0 };

		for (size_t i = 0; i < rp->npkts; i++) {
			for (int p = 0; p < 3; p++) {
				uint32_t ns, ret;
				int err = prog_run(fds[p], &rp->pkts[i], 1, &ns, &ret);

				if (err)
					return err;
				sum[p] += ns;
			}
		}
		for (int p = 0; p < 3; p++)
			v[p][pass] = sum[p] / (double)rp->npkts;
	}
	for (int p = 0; p < 3; p++)
		fig(rp, names[p], "%.1f", median5(v[p]));
	return 0;
}

/* Repeat count that keeps 5 runs of a program costing ns per packet within budget_ns. */
static uint32_t repeat_within(double ns, uint32_t want, double budget_ns)
{
	double most = budget_ns / 5 / (ns > 1 ? ns : 1);

	if (most < 1)
		return 1;
	return most < want ? (uint32_t)most : want;
}

static int replay_measure(struct replay *rp)
{
	uint32_t repeat = (PACKETS_PER_PASS + (uint32_t)rp->npkts - 1) / (uint32_t)rp->npkts;
	uint32_t want = repeat, d, ret, nm_repeat;
	size_t bad = 0, policy_hits = 0;
	double xw[5], xf[5], ns, est;
	struct bench_pkt nm;
	long nm_rule;
	int err;

	for (size_t i = 0; i < rp->npkts; i++) {
		long rule;

		rp->want[i] = (uint8_t)want_retval(rp, &rp->pkts[i], &rule);
		policy_hits += rule < 0;
	}
	/* every header once, until the calibration budget is spent: the
	 * verdict check, and how long a pass takes; a pathologically slow
	 * classifier gets the headers checked so far replayed, not all */
	{
		size_t all = rp->npkts;
		double t0 = now_s(), sum = 0;
		size_t k;

		for (k = 0; k < all && (k < 16 || now_s() - t0 < CAL_BUDGET_S); k++) {
			err = prog_run(rp->xw_fd, &rp->pkts[k], 1, &d, &ret);
			if (err) {
				fprintf(stderr, "xw-bench: BPF_PROG_TEST_RUN: %s\n", strerror(-err));
				return err;
			}
			sum += d;
			if (ret != rp->want[k]) {
				if (bad < 5)
					fprintf(stderr, "xw-bench: %s header %zu: XDP verdict %u, "
						"reference %u\n", rp->name, k + 1, ret, rp->want[k]);
				bad++;
			}
		}
		est = sum / (double)k;
		rp->npkts = k;
		repeat = repeat_within(est * (double)k, want, PASS_BUDGET_NS);
		printf("# %s: %zu rules, %zu trace headers (%zu match no rule); each header "
		       "through BPF_PROG_TEST_RUN repeat %u (kernel-measured ns/packet), mean over "
		       "the headers, median of 5 passes; xdp-filter on the same frames in the same "
		       "passes\n", rp->name, rp->nrules, all, policy_hits, repeat);
		if (k < all)
			printf("# %s: SLOW: %.0f ns/packet: only the first %zu of %zu headers are "
			       "checked and replayed (time budget)\n", rp->name, est, k, all);
		if (repeat < want)
			printf("# %s: repeat cut from %u to %u to stay within the time budget\n",
			       rp->name, want, repeat);
		fig(rp, "replayed", "%.0f", (double)k);
	}
	for (int pass = 0; pass < 5; pass++) {
		err = replay_pass(rp, rp->xw_fd, repeat, false, &xw[pass], &bad);
		if (!err)
			err = replay_pass(rp, rp->xf_fd, repeat, false, &xf[pass], &bad);
		if (err) {
			fprintf(stderr, "xw-bench: BPF_PROG_TEST_RUN: %s\n", strerror(-err));
			return err;
		}
	}
	fig(rp, "repeat", "%.0f", repeat);
	err = replay_cold(rp);
	if (err)
		return err;
	fig(rp, "xdpwall_ns", "%.1f", median5(xw));
	fig(rp, "xdpfilter_ns", "%.1f", median5(xf));

	nm_rule = find_nomatch(rp, &nm);
	err = prog_run(rp->xw_fd, &nm, 1000, &d, &ret);
	if (err)
		return err;
	if (ret != want_retval(rp, &nm, NULL)) {
		fprintf(stderr, "xw-bench: %s no-match header: XDP verdict %u, reference %u\n",
			rp->name, ret, want_retval(rp, &nm, NULL));
		bad++;
	}
	nm_repeat = repeat_within(d, FLOOR_REPEAT, PASS_BUDGET_NS);
	printf("# %s: no-match header: %s; repeat %u, median of 5\n", rp->name,
	       nm_rule < 0 ? "matches no rule"
			   : "every header matches a rule here: the one whose first match is last",
	       nm_repeat);
	fig(rp, "nomatch_rule", "%.0f", (double)nm_rule);
	err = prog_median(rp->xw_fd, &nm, nm_repeat, &ns);
	if (err)
		return err;
	fig(rp, "nomatch_xdpwall_ns", "%.1f", ns);
	err = prog_median(rp->xf_fd, &nm, FLOOR_REPEAT, &ns);
	if (err)
		return err;
	fig(rp, "nomatch_xdpfilter_ns", "%.1f", ns);
	fig(rp, "checked", "%.0f", (double)rp->npkts + 1); /* the replayed headers and the miss */
	fig(rp, "disagree", "%.0f", (double)bad);
	return bad ? -EDOM : 0;
}

/* The tree the replay walked, read back from the maps. */
static int tree_figures(const struct replay *rp, const char *pin_root)
{
	struct tree_stats st;
	int err = live_tree_stats(pin_root, rp->v6, &st);

	if (err) {
		fprintf(stderr, "xw-bench: reading the live tree: %s\n", strerror(-err));
		return err;
	}
	fig(rp, "tree_nodes", "%.0f", (double)st.nodes);
	fig(rp, "tree_leaves", "%.0f", (double)st.leaves);
	fig(rp, "tree_leaf_entries", "%.0f", (double)st.leaf_entries);
	fig(rp, "tree_rules", "%.0f", (double)st.rules);
	fig(rp, "tree_depth_max", "%.0f", st.depth_max);
	fig(rp, "tree_leaf_max", "%.0f", st.leaf_max);
	fig(rp, "tree_bytes", "%.0f", (double)st.bytes);
	fig(rp, "side_rules", "%.0f", st.side_rules);
	return 0;
}

static int cmd_replay(int argc, char **argv)
{
	struct replay rp = { .xw_fd = -1, .drop_fd = -1 };
	struct xdpfilter *xf = NULL;
	const struct xw_ruleset *rs;
	struct xw_paths paths;
	struct cb_trace tr;
	struct xw_fw *fw;
	uint64_t mem, salt = 1;
	int err, a = 3;

	if (argc < 5 || argc > 6)
		return -EINVAL;
	rp.name = argv[1];
	if (argc == 6) {
		if (strcmp(argv[3], "v6"))
			return -EINVAL;
		rp.v6 = true;
		a = 4;
	}
	err = cb_read_trace(argv[2], &tr);
	if (err) {
		fprintf(stderr, "xw-bench: %s: %s\n", argv[2], strerror(-err));
		return err;
	}
	xw_paths_default(&paths);
	err = xw_fw_open(&fw, &paths, 0);
	if (err) {
		fprintf(stderr, "xw-bench: opening the firewall at %s: %s\n", paths.pin_root,
			strerror(-err));
		goto out_trace;
	}
	rs = xw_fw_ruleset(fw);
	rp.policy = rs->policy;
	rp.nrules = rs->n;
	rp.rules = calloc(rs->n + 1, sizeof(*rp.rules));
	rp.npkts = tr.n;
	rp.pkts = calloc(tr.n + 1, sizeof(*rp.pkts));
	rp.want = calloc(tr.n + 1, 1);
	if (!rp.rules || !rp.pkts || !rp.want || !tr.n) {
		err = tr.n ? -ENOMEM : -EINVAL;
		goto out_free;
	}
	for (size_t i = 0; i < rs->n; i++)
		rp.rules[i] = rs->v[i].rule;
	for (size_t i = 0; i < tr.n; i++)
		pkt_build(&rp.pkts[i], &tr.h[i], rp.v6, splitmix(&salt));

	err = xw_pins_open_prog(paths.pin_root, &rp.xw_fd);
	if (err) {
		fprintf(stderr, "xw-bench: the pinned program: %s\n", strerror(-err));
		goto out_free;
	}
	err = xdpfilter_open(&xf, argv[a], argv[a + 1], XF_RULE_ADDR);
	if (err)
		goto out_free;
	rp.xf_fd = xdpfilter_prog_fd(xf);
	err = bench_netns_veth();
	if (!err)
		err = prog_hold(rp.xw_fd, BENCH_VETH0);
	if (!err)
		err = prog_hold(rp.xf_fd, BENCH_VETH1);
	if (!err) {
		rp.drop_fd = prog_load_drop();
		err = rp.drop_fd < 0 ? rp.drop_fd : prog_hold(rp.drop_fd, BENCH_VETH2);
	}
	if (err) {
		fprintf(stderr, "xw-bench: attaching the programs to a veth pair: %s\n",
			strerror(-err));
		goto out_free;
	}

	err = replay_measure(&rp);
	if (err && err != -EDOM)
		goto out_free;
	if (!xw_fw_memlock(fw, &mem))
		fig(&rp, "memlock_bytes", "%.0f", (double)mem);
	{
		int e = tree_figures(&rp, paths.pin_root);

		if (e && !err)
			err = e;
	}
out_free:
	xdpfilter_close(xf);
	if (rp.xw_fd >= 0)
		close(rp.xw_fd);
	if (rp.drop_fd >= 0)
		close(rp.drop_fd);
	free(rp.rules);
	free(rp.pkts);
	free(rp.want);
	xw_fw_close(fw);
out_trace:
	cb_trace_free(&tr);
	return err;
}

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
};

static int cmd_fwrules(int argc, char **argv)
{
	return cmd_rulefile(argc, argv, false);
}

static int cmd_nftrules(int argc, char **argv)
{
	return cmd_rulefile(argc, argv, true);
}

static const struct command commands[] = {
	{ "gen", cmd_gen, "N NHDR SEED RULES_OUT TRACE_OUT" },
	{ "fwrules", cmd_fwrules, "RULES OUT [v6]" },
	{ "nftrules", cmd_nftrules, "RULES OUT" },
	{ "load", cmd_load, "PIN_ROOT" },
	{ "floor", cmd_floor, "" },
	{ "replay", cmd_replay, "NAME TRACE [v6] XDPFILTER_OBJ FILTER_PIN_DIR" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  xw-bench %s %s\n", commands[i].name, commands[i].usage);
}

/* libbpf's warnings only: not its notes on xdp-filter's extra ELF sections. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

int main(int argc, char **argv)
{
	libbpf_set_print(libbpf_print);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		int err;

		if (strcmp(argv[1], commands[i].name))
			continue;
		err = commands[i].fn(argc - 1, argv + 1);
		if (err == -EINVAL && argc - 1 < 2) {
			usage(stderr);
			return 2;
		}
		if (err == -EDOM)
			return 1; /* disagreements: already reported */
		if (err) {
			fprintf(stderr, "xw-bench %s: %s\n", argv[1], strerror(-err));
			return 1;
		}
		return 0;
	}
	usage(stderr);
	return 2;
}
