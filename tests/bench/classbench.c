// SPDX-License-Identifier: MIT
/*
 * ClassBench rule sets and header traces: read, write, generate, and turn into
 * an fwctl rule file or an nftables chain.
 *
 * The generator follows the structure ClassBench's parameter files describe
 * (Taylor & Turner, ToN 2007), in a small form: address prefixes drawn from a
 * pool of a few networks so that prefixes nest and overlap, a prefix-length
 * mix with peaks at 0, 16, 24 and 32, port classes (wildcard, exact, 0-1023,
 * 1024-65535, arbitrary range) with different mixes for source and
 * destination, and a protocol mix. Its trace draws every header inside one
 * rule, uniformly over the rules, as ClassBench's trace generator does
 * without locality.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

void cb_set_free(struct cb_set *set)
{
	free(set->r);
	set->r = NULL;
	set->n = 0;
}

void cb_trace_free(struct cb_trace *tr)
{
	free(tr->h);
	tr->h = NULL;
	tr->n = 0;
}

static uint32_t mask_of(unsigned len)
{
	return len ? 0xffffffffu << (32 - len) : 0;
}

int cb_read_rules(const char *path, struct cb_set *set)
{
	unsigned a[4], b[4], sl, dl, splo, sphi, dplo, dphi, pr, pm;
	size_t cap = 0, lineno = 0;
	char line[512];
	FILE *f;
	int err = 0;

	set->r = NULL;
	set->n = 0;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		struct cb_rule *r;

		lineno++;
		if (line[0] != '@')
			continue;
		if (sscanf(line, "@%u.%u.%u.%u/%u %u.%u.%u.%u/%u %u : %u %u : %u %x/%x", &a[0], &a[1],
			   &a[2], &a[3], &sl, &b[0], &b[1], &b[2], &b[3], &dl, &splo, &sphi, &dplo,
			   &dphi, &pr, &pm) != 16 ||
		    sl > 32 || dl > 32 || splo > sphi || sphi > 65535 || dplo > dphi ||
		    dphi > 65535 || pr > 255 || (pm != 0 && pm != 0xff)) {
			fprintf(stderr, "%s:%zu: not a ClassBench rule\n", path, lineno);
			err = -EINVAL;
			goto out;
		}
		if (set->n == cap) {
			cap = cap ? 2 * cap : 1024;
			r = realloc(set->r, cap * sizeof(*r));
			if (!r) {
				err = -ENOMEM;
				goto out;
			}
			set->r = r;
		}
		r = &set->r[set->n++];
		r->src = (a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3]) & mask_of(sl);
		r->dst = (b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]) & mask_of(dl);
		r->slen = (uint8_t)sl;
		r->dlen = (uint8_t)dl;
		r->splo = (uint16_t)splo;
		r->sphi = (uint16_t)sphi;
		r->dplo = (uint16_t)dplo;
		r->dphi = (uint16_t)dphi;
		r->pmask = (uint8_t)pm;
		r->proto = pm ? (uint8_t)pr : 0;
	}
out:
	fclose(f);
	if (err)
		cb_set_free(set);
	return err;
}

int cb_read_trace(const char *path, struct cb_trace *tr)
{
	unsigned long src, dst, sp, dp, pr, fl, filt;
	size_t cap = 0, lineno = 0;
	char line[256];
	FILE *f;
	int err = 0;

	tr->h = NULL;
	tr->n = 0;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		struct cb_hdr *h;
		int k;

		lineno++;
		k = sscanf(line, "%lu %lu %lu %lu %lu %lu %lu", &src, &dst, &sp, &dp, &pr, &fl, &filt);
		if (k <= 0)
			continue;
		if (k < 5 || src > 0xffffffffu || dst > 0xffffffffu || sp > 65535 || dp > 65535 ||
		    pr > 255) {
			fprintf(stderr, "%s:%zu: not a ClassBench header\n", path, lineno);
			err = -EINVAL;
			goto out;
		}
		if (tr->n == cap) {
			cap = cap ? 2 * cap : 1024;
			h = realloc(tr->h, cap * sizeof(*h));
			if (!h) {
				err = -ENOMEM;
				goto out;
			}
			tr->h = h;
		}
		h = &tr->h[tr->n++];
		h->src = (uint32_t)src;
		h->dst = (uint32_t)dst;
		h->sport = (uint16_t)sp;
		h->dport = (uint16_t)dp;
		h->proto = (uint8_t)pr;
		h->filter = k >= 7 ? (uint32_t)filt : 0;
	}
out:
	fclose(f);
	if (err)
		cb_trace_free(tr);
	return err;
}

static void put_ip(FILE *f, uint32_t a)
{
	fprintf(f, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

static int close_checked(FILE *f)
{
	int err = ferror(f) ? -EIO : 0;

	if (fclose(f) && !err)
		err = -errno;
	return err;
}

int cb_write_rules(const char *path, const struct cb_set *set)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	for (size_t i = 0; i < set->n; i++) {
		const struct cb_rule *r = &set->r[i];

		fputc('@', f);
		put_ip(f, r->src);
		fprintf(f, "/%u\t", r->slen);
		put_ip(f, r->dst);
		fprintf(f, "/%u\t%u : %u\t%u : %u\t0x%02x/0x%02X\t0x0000/0x0000\t\n", r->dlen,
			r->splo, r->sphi, r->dplo, r->dphi, r->proto, r->pmask);
	}
	return close_checked(f);
}

int cb_write_trace(const char *path, const struct cb_trace *tr)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	for (size_t i = 0; i < tr->n; i++) {
		const struct cb_hdr *h = &tr->h[i];

		fprintf(f, "%u\t%u\t%u\t%u\t%u\t0\t%u\n", h->src, h->dst, h->sport, h->dport,
			h->proto, h->filter);
	}
	return close_checked(f);
}

/* ---- the generator ---- */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *g)
{
	/* xorshift64* */
	g->s ^= g->s >> 12;
	g->s ^= g->s << 25;
	g->s ^= g->s >> 27;
	return g->s * 0x2545f4914f6cdd1dull;
}

static uint32_t rnd_below(struct rng *g, uint32_t n)
{
	return n ? (uint32_t)((rnd(g) >> 32) % n) : 0;
}

/* Pick from a table of {weight, value}: weights in per mille. */
struct pick {
	unsigned w;
	int v;
};

static int pick(struct rng *g, const struct pick *t, size_t n)
{
	unsigned x = rnd_below(g, 1000), acc = 0;

	for (size_t i = 0; i < n; i++) {
		acc += t[i].w;
		if (x < acc)
			return t[i].v;
	}
	return t[n - 1].v;
}

#define NPICK(t) (sizeof(t) / sizeof((t)[0]))

/* Prefix lengths: -1 stands for "17..23", -2 for "25..31". */
static const struct pick src_len[] = {
	{ 90, 0 }, { 20, 8 }, { 80, 16 }, { 100, -1 }, { 220, 24 }, { 140, -2 }, { 350, 32 },
};
static const struct pick dst_len[] = {
	{ 110, 0 }, { 20, 8 }, { 60, 16 }, { 100, -1 }, { 250, 24 }, { 150, -2 }, { 310, 32 },
};

enum { PC_WC, PC_EXACT, PC_LOW, PC_HIGH, PC_RANGE };
static const struct pick sport_class[] = {
	{ 800, PC_WC }, { 80, PC_EXACT }, { 20, PC_LOW }, { 80, PC_HIGH }, { 20, PC_RANGE },
};
static const struct pick dport_class[] = {
	{ 200, PC_WC }, { 500, PC_EXACT }, { 50, PC_LOW }, { 100, PC_HIGH }, { 150, PC_RANGE },
};
static const struct pick protos[] = {
	{ 550, 6 }, { 250, 17 }, { 80, 1 }, { 80, 0 }, { 40, 47 },
};
static const uint16_t popular_ports[] = {
	80, 443, 22, 25, 53, 110, 143, 993, 995, 3306, 5432, 8080, 8443, 123, 161, 389, 636,
};

static unsigned draw_len(struct rng *g, const struct pick *t, size_t n)
{
	int v = pick(g, t, n);

	if (v == -1)
		return 17 + rnd_below(g, 7);
	if (v == -2)
		return 25 + rnd_below(g, 7);
	return (unsigned)v;
}

static void draw_ports(struct rng *g, int cls, uint16_t *lo, uint16_t *hi)
{
	uint32_t a, w;

	switch (cls) {
	case PC_EXACT:
		if (rnd_below(g, 100) < 60)
			a = popular_ports[rnd_below(g, NPICK(popular_ports))];
		else
			a = rnd_below(g, 65536);
		*lo = *hi = (uint16_t)a;
		break;
	case PC_LOW:
		*lo = 0;
		*hi = 1023;
		break;
	case PC_HIGH:
		*lo = 1024;
		*hi = 65535;
		break;
	case PC_RANGE:
		a = rnd_below(g, 65536);
		w = 1u << rnd_below(g, 13); /* widths 1 .. 4096, log-uniform */
		w += rnd_below(g, w);
		*lo = (uint16_t)a;
		*hi = (uint16_t)(a + w > 65535 ? 65535 : a + w);
		break;
	default:
		*lo = 0;
		*hi = 65535;
		break;
	}
}

/* Addresses come from a pool of networks (a few /8s, /16s below them), so
 * the prefixes of different rules nest and overlap as in real sets. */
static uint32_t draw_addr(struct rng *g, const uint32_t *pool, size_t npool, unsigned len)
{
	uint32_t a = pool[rnd_below(g, (uint32_t)npool)] | (uint32_t)(rnd(g) & 0xffff);

	/* clustered low bits: a few hosts per /24 */
	if (rnd_below(g, 2))
		a &= 0xffffff0fu;
	return a & mask_of(len);
}

int cb_generate(size_t n, size_t nhdr, uint64_t seed, struct cb_set *set, struct cb_trace *tr)
{
	struct rng g = { seed * 0x9e3779b97f4a7c15ull + 1 };
	size_t npool = n / 40 + 8, n8 = npool / 8 + 2;
	uint32_t *pool, *top;

	set->r = calloc(n ? n : 1, sizeof(*set->r));
	tr->h = calloc(nhdr ? nhdr : 1, sizeof(*tr->h));
	pool = calloc(npool, sizeof(*pool));
	top = calloc(n8, sizeof(*top));
	if (!set->r || !tr->h || !pool || !top) {
		free(pool);
		free(top);
		cb_set_free(set);
		cb_trace_free(tr);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n8; i++)
		top[i] = (1 + rnd_below(&g, 223)) << 24;
	for (size_t i = 0; i < npool; i++)
		pool[i] = top[rnd_below(&g, (uint32_t)n8)] | (rnd_below(&g, 256) << 16);

	for (size_t i = 0; i < n; i++) {
		struct cb_rule *r = &set->r[i];
		int pr = pick(&g, protos, NPICK(protos));

		r->slen = (uint8_t)draw_len(&g, src_len, NPICK(src_len));
		do /* no rule covers every address pair: 240/8 stays unmatched */
			r->dlen = (uint8_t)draw_len(&g, dst_len, NPICK(dst_len));
		while (!r->slen && !r->dlen);
		r->src = draw_addr(&g, pool, npool, r->slen);
		r->dst = draw_addr(&g, pool, npool, r->dlen);
		r->proto = (uint8_t)pr;
		r->pmask = pr ? 0xff : 0;
		r->splo = r->dplo = 0;
		r->sphi = r->dphi = 65535;
		if (pr == 6 || pr == 17) {
			draw_ports(&g, pick(&g, sport_class, NPICK(sport_class)), &r->splo, &r->sphi);
			draw_ports(&g, pick(&g, dport_class, NPICK(dport_class)), &r->dplo, &r->dphi);
		}
	}
	set->n = n;

	for (size_t i = 0; i < nhdr; i++) {
		struct cb_hdr *h = &tr->h[i];
		uint32_t k = rnd_below(&g, (uint32_t)n);
		const struct cb_rule *r = &set->r[k];

		h->src = r->src | ((uint32_t)rnd(&g) & ~mask_of(r->slen));
		h->dst = r->dst | ((uint32_t)rnd(&g) & ~mask_of(r->dlen));
		h->sport = (uint16_t)(r->splo + rnd_below(&g, (uint32_t)r->sphi - r->splo + 1));
		h->dport = (uint16_t)(r->dplo + rnd_below(&g, (uint32_t)r->dphi - r->dplo + 1));
		h->proto = r->pmask ? r->proto : (rnd_below(&g, 3) ? 6 : 17);
		h->filter = k + 1;
	}
	tr->n = nhdr;
	free(pool);
	free(top);
	return 0;
}

/* ---- fwctl and nftables files ---- */

uint8_t cb_v6_proto(uint8_t proto)
{
	switch (proto) {
	case 0:
		return 253;
	case 1:
		return 58;
	case 51:
		return 252;
	case 43:
	case 44:
	case 60:
		return 251;
	default:
		return proto;
	}
}

static void put_v6(FILE *f, uint32_t a, unsigned len)
{
	fprintf(f, "2001:db8:%x:%x::/%u", a >> 16, a & 0xffff, 32 + len);
}

static void put_ports(FILE *f, const char *kw, uint16_t lo, uint16_t hi)
{
	if (lo == 0 && hi == 65535)
		return;
	if (lo == hi)
		fprintf(f, " %s %u", kw, lo);
	else
		fprintf(f, " %s %u-%u", kw, lo, hi);
}

static void put_fwctl_rule(FILE *f, const struct cb_rule *r, uint8_t proto, bool has_proto,
			   bool ports, bool v6, const char *action)
{
	fputs("add-rule", f);
	if (v6) {
		fputs(" saddr ", f);
		put_v6(f, r->src, r->slen);
		fputs(" daddr ", f);
		put_v6(f, r->dst, r->dlen);
	} else {
		if (r->slen) {
			fputs(" saddr ", f);
			put_ip(f, r->src);
			fprintf(f, "/%u", r->slen);
		}
		if (r->dlen) {
			fputs(" daddr ", f);
			put_ip(f, r->dst);
			fprintf(f, "/%u", r->dlen);
		}
	}
	if (has_proto) {
		if (proto == 6)
			fputs(" proto tcp", f);
		else if (proto == 17)
			fputs(" proto udp", f);
		else if (proto == 1)
			fputs(" proto icmp", f);
		else if (proto == 58)
			fputs(" proto icmpv6", f);
		else
			fprintf(f, " proto %u", proto);
	}
	if (ports) {
		put_ports(f, "sport", r->splo, r->sphi);
		put_ports(f, "dport", r->dplo, r->dphi);
	}
	fprintf(f, " %s\n", action);
}

static bool has_ports(const struct cb_rule *r)
{
	return r->splo != 0 || r->sphi != 65535 || r->dplo != 0 || r->dphi != 65535;
}

/*
 * Ports need proto tcp or udp in our language (and in nftables): a ClassBench
 * rule with ports and any protocol becomes two rules, tcp then udp, with the
 * same action (the same first match for every packet that has ports); ports of
 * a rule with another protocol are dropped (ClassBench sets have none).
 */
long cb_write_fwctl(const char *path, const struct cb_set *set, bool v6)
{
	FILE *f = fopen(path, "we");
	long lines = 0;
	int err;

	if (!f)
		return -errno;
	fputs("# ClassBench rules as fwctl commands (xw-bench)\npolicy accept\n", f);
	for (size_t i = 0; i < set->n; i++) {
		const struct cb_rule *r = &set->r[i];
		const char *act = i % 2 ? "accept" : "drop";
		uint8_t pr = v6 ? cb_v6_proto(r->proto) : r->proto;

		if (!r->pmask && has_ports(r)) {
			put_fwctl_rule(f, r, 6, true, true, v6, act);
			put_fwctl_rule(f, r, 17, true, true, v6, act);
			lines += 2;
			continue;
		}
		put_fwctl_rule(f, r, pr, r->pmask, r->proto == 6 || r->proto == 17, v6, act);
		lines++;
	}
	err = close_checked(f);
	return err ? err : lines;
}

static void put_nft_rule(FILE *f, const struct cb_rule *r, int proto, const char *action)
{
	fputs("\t\t", f);
	if (r->slen) {
		fputs("ip saddr ", f);
		put_ip(f, r->src);
		fprintf(f, "/%u ", r->slen);
	}
	if (r->dlen) {
		fputs("ip daddr ", f);
		put_ip(f, r->dst);
		fprintf(f, "/%u ", r->dlen);
	}
	if (proto == 6 || proto == 17) {
		const char *p = proto == 6 ? "tcp" : "udp";

		if (!has_ports(r))
			fprintf(f, "meta l4proto %s ", p);
		if (r->splo != 0 || r->sphi != 65535)
			fprintf(f, r->splo == r->sphi ? "%s sport %u " : "%s sport %u-%u ", p,
				r->splo, r->sphi);
		if (r->dplo != 0 || r->dphi != 65535)
			fprintf(f, r->dplo == r->dphi ? "%s dport %u " : "%s dport %u-%u ", p,
				r->dplo, r->dphi);
	} else if (proto >= 0) {
		fprintf(f, "meta l4proto %d ", proto);
	}
	fprintf(f, "%s\n", action);
}

long cb_write_nft(const char *path, const struct cb_set *set)
{
	FILE *f = fopen(path, "we");
	long lines = 0;
	int err;

	if (!f)
		return -errno;
	fputs("table inet xwbench {\n\tchain in {\n"
	      "\t\ttype filter hook input priority 0; policy accept;\n", f);
	for (size_t i = 0; i < set->n; i++) {
		const struct cb_rule *r = &set->r[i];
		const char *act = i % 2 ? "accept" : "drop";

		if (!r->pmask && has_ports(r)) {
			put_nft_rule(f, r, 6, act);
			put_nft_rule(f, r, 17, act);
			lines += 2;
			continue;
		}
		put_nft_rule(f, r, r->pmask ? r->proto : -1, act);
		lines++;
	}
	fputs("\t}\n}\n", f);
	err = close_checked(f);
	return err ? err : lines;
}
