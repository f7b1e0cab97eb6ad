// SPDX-License-Identifier: MIT
/*
 * The reference classifier: the slow obvious way, straight from the ordered
 * rule list. The XDP program and the compiled tree must agree with it on
 * every packet; the differential tests hold them to it.
 */
#include <string.h>

#include "ref_classify.h"

static bool pkt_v6(const struct xw_pkt *p)
{
	return p->key.flags & XW_PKT_V6;
}

static bool pkt_l4(const struct xw_pkt *p)
{
	return p->key.flags & XW_PKT_L4;
}

/* Does the prefix c cover the address in words w[0..3] (v4: w[0] only)? */
static bool prefix_match(const struct xw_cidr *c, const __u32 *w)
{
	unsigned plen = c->plen, i;

	for (i = 0; i < 4 && plen > 0; i++, plen = plen > 32 ? plen - 32 : 0) {
		uint32_t mask = plen >= 32 ? 0xffffffffu : ~(0xffffffffu >> plen);

		if ((w[i] & mask) != (c->w[i] & mask))
			return false;
	}
	return true;
}

static bool addr_match(const struct xw_cidr *c, const struct xw_pkt *p, const __u32 *w)
{
	if ((c->family == 6) != pkt_v6(p))
		return false;
	return prefix_match(c, w);
}

static bool port_match(const struct xw_portset *s, uint32_t port)
{
	unsigned i;

	for (i = 0; i < s->n && i < XW_PORTS_MAX; i++)
		if (port >= s->r[i].lo && port <= s->r[i].hi)
			return true;
	return false;
}

bool xw_ref_match(const struct xw_rule *r, const struct xw_pkt *p)
{
	const struct xw_key *k = &p->key;

	if (r->family == 4 && pkt_v6(p))
		return false;
	if (r->family == 6 && !pkt_v6(p))
		return false;
	if ((r->fields & XW_F_IIF) && strncmp(r->iif, p->iif, XW_IFNAMSIZ))
		return false;
	if ((r->fields & XW_F_VLAN) && (!(k->flags & XW_PKT_VLAN) || k->vlan != r->vlan))
		return false;
	if ((r->fields & XW_F_SADDR) && !addr_match(&r->saddr, p, &k->w[XW_DIM_SADDR0]))
		return false;
	if ((r->fields & XW_F_DADDR) && !addr_match(&r->daddr, p, &k->w[XW_DIM_DADDR0]))
		return false;
	if ((r->fields & XW_F_PROTO) && k->w[XW_DIM_PROTO] != r->proto)
		return false;
	/* every L4 field needs a complete L4 header */
	if ((r->fields & (XW_F_SPORT | XW_F_DPORT | XW_F_TCPFLAGS | XW_F_ICMPTYPE |
			  XW_F_ICMPCODE)) && !pkt_l4(p))
		return false;
	if ((r->fields & XW_F_SPORT) && !port_match(&r->sport, k->w[XW_DIM_SPORT]))
		return false;
	if ((r->fields & XW_F_DPORT) && !port_match(&r->dport, k->w[XW_DIM_DPORT]))
		return false;
	if ((r->fields & XW_F_TCPFLAGS) && (k->tcp_flags & r->tcp_mask) != r->tcp_flags)
		return false;
	if ((r->fields & XW_F_ICMPTYPE) && k->w[XW_DIM_SPORT] != r->icmp_type)
		return false;
	if ((r->fields & XW_F_ICMPCODE) && k->w[XW_DIM_DPORT] != r->icmp_code)
		return false;
	return true;
}

/* IPv6 neighbour discovery (router/neighbour solicitation and advertisement,
 * redirect): never dropped by the policy, or the host loses its network. */
static bool is_nd(const struct xw_pkt *p)
{
	const struct xw_key *k = &p->key;

	return pkt_v6(p) && pkt_l4(p) && k->w[XW_DIM_PROTO] == 58 &&
	       k->w[XW_DIM_SPORT] >= 133 && k->w[XW_DIM_SPORT] <= 137;
}

void xw_ref_classify(const struct xw_rule *rules, size_t n, uint8_t policy,
		     const struct xw_pkt *p, struct xw_ref_result *res)
{
	size_t i;

	memset(res, 0, sizeof(*res));
	res->rule = -1;
	for (i = 0; i < n; i++) {
		const struct xw_rule *r = &rules[i];

		if (r->action != XW_ACT_ACCEPT && r->action != XW_ACT_DROP &&
		    r->action != XW_ACT_COUNT)
			continue;
		if (!xw_ref_match(r, p))
			continue;
		if (r->action == XW_ACT_COUNT) {
			if (res->ncounted < XW_COUNT_MAX)
				res->counted[res->ncounted++] = (long)i;
			continue;
		}
		res->verdict = r->action;
		res->rule = (long)i;
		return;
	}
	res->verdict = is_nd(p) ? XW_ACT_ACCEPT : policy;
}
