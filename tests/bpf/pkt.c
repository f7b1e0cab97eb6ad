// SPDX-License-Identifier: MIT
/* Packet builder for the BPF tests (see pkt.h). */
#include <arpa/inet.h>
#include <assert.h>
#include <string.h>

#include "pkt.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static void bound(struct pkt_layout *lay, size_t off)
{
	if (lay->nb && lay->bound[lay->nb - 1] == off)
		return;
	assert(lay->nb < PKT_BMAX);
	lay->bound[lay->nb++] = off;
}

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

bool pkt_is_later_fragment(const struct pkt_spec *s)
{
	if (!s->v6)
		return s->frag_offset != 0;
	for (unsigned i = 0; i < s->next; i++) {
		if (s->ext[i].type == 44 && s->ext[i].offset)
			return true;
	}
	return false;
}

static bool proto_has_l4(bool v6, uint8_t proto)
{
	return proto == 6 || proto == 17 || (!v6 && proto == 1) || (v6 && proto == 58);
}

bool pkt_has_l4(const struct pkt_spec *s)
{
	return !pkt_is_later_fragment(s) && proto_has_l4(s->v6, s->proto);
}

static size_t l4_len(const struct pkt_spec *s, size_t *need)
{
	*need = 0;
	if (!pkt_has_l4(s))
		return 0;
	switch (s->proto) {
	case 6: {
		size_t doff = (s->tcp_doff ? s->tcp_doff : 5) * 4u;

		*need = 20;
		return doff < 20 ? 20 : doff; /* a bad data offset still gets 20 bytes */
	}
	case 17:
		*need = 8;
		return 8;
	default:
		*need = 4;
		return 8;
	}
}

static size_t ext_len(const struct pkt_ext *e)
{
	if (e->type == 44)
		return 8;
	if (e->type == 51)
		return ((size_t)e->len + 2) * 4;
	return ((size_t)e->len + 1) * 8;
}

size_t pkt_build(const struct pkt_spec *s, uint8_t *buf, struct pkt_layout *lay)
{
	static const uint8_t dmac[6] = { 0x02, 0, 0, 0, 0, 2 }, smac[6] = { 0x02, 0, 0, 0, 0, 1 };
	size_t off = 0, l4hdr, need, i;
	uint16_t etype = s->ethertype ? s->ethertype : (s->v6 ? ETH_IP6 : ETH_IP4);
	uint8_t *l4;

	memset(buf, 0, PKT_MAX);
	memset(lay, 0, sizeof(*lay));
	bound(lay, 0);
	memcpy(buf, dmac, 6);
	memcpy(buf + 6, smac, 6);
	off = 12;
	for (i = 0; i < s->nvlan; i++) {
		put16(buf + off, s->tpid[i] ? s->tpid[i] : ETH_DOT1Q);
		bound(lay, off + 2);
		put16(buf + off + 2, s->tci[i]);
		off += 4;
	}
	put16(buf + off, etype);
	off += 2;
	bound(lay, off);
	lay->l3 = off;

	if (s->ethertype) {
		/* ARP or anything else: 28 bytes of something */
		for (i = 0; i < 28; i++)
			buf[off + i] = (uint8_t)i;
		off += 28;
		bound(lay, off);
		lay->l4 = lay->l4_need = 0;
		lay->len = off;
		return off;
	}

	l4hdr = l4_len(s, &need);
	if (!s->v6) {
		uint8_t *ip = buf + off;
		size_t hl = 20 + s->ip_opts, tot;

		assert(s->ip_opts % 4 == 0 && s->ip_opts <= 40);
		ip[0] = (uint8_t)((s->ip_version ? s->ip_version : 4) << 4 |
				  (s->ihl ? s->ihl : hl / 4));
		put16(ip + 4, 0x1234);
		put16(ip + 6, (uint16_t)((s->mf ? 0x2000 : 0) | (s->frag_offset & 0x1fff)));
		ip[8] = 64;
		ip[9] = s->proto;
		put32(ip + 12, s->saddr[0]);
		put32(ip + 16, s->daddr[0]);
		for (i = 0; i < s->ip_opts; i++)
			ip[20 + i] = i + 1 == s->ip_opts ? 0 : 1; /* NOPs, then EOL */
		bound(lay, off + 20);
		off += hl;
		bound(lay, off);
		tot = hl + l4hdr + s->payload;
		put16(ip + 2, (uint16_t)(tot + s->ip_len_delta));
		put16(ip + 10, csum(ip, hl));
	} else {
		uint8_t *ip = buf + off;
		size_t plen;
		uint8_t *nhp = ip + 6;

		ip[0] = (uint8_t)((s->ip_version ? s->ip_version : 6) << 4);
		ip[7] = 64;
		for (i = 0; i < 4; i++) {
			put32(ip + 8 + 4 * i, s->saddr[i]);
			put32(ip + 24 + 4 * i, s->daddr[i]);
		}
		off += 40;
		bound(lay, off);
		for (i = 0; i < s->next; i++) {
			const struct pkt_ext *e = &s->ext[i];
			uint8_t *h = buf + off;
			size_t n = ext_len(e);

			*nhp = e->type;
			nhp = h;
			if (e->type == 44) {
				put16(h + 2, (uint16_t)(e->offset << 3 | (e->mf ? 1 : 0)));
				put32(h + 4, 0xabcd);
			} else {
				h[1] = e->len;
				if (e->type == 51) {
					memset(h + 2, 0x5a, n - 2); /* SPI, sequence, ICV */
				} else {
					h[2] = 1; /* one PadN option covering the rest */
					h[3] = (uint8_t)(n - 4);
				}
			}
			bound(lay, off + 2);
			off += n;
			bound(lay, off);
		}
		*nhp = s->proto;
		plen = off - lay->l3 - 40 + l4hdr + s->payload;
		put16(ip + 4, (uint16_t)(plen + s->ip_len_delta));
	}

	lay->l4 = off;
	lay->l4_need = need ? off + need : 0;
	l4 = buf + off;
	if (l4hdr) {
		switch (s->proto) {
		case 6:
			put16(l4, s->sport);
			put16(l4 + 2, s->dport);
			put32(l4 + 4, 1000);
			l4[12] = (uint8_t)((s->tcp_doff ? s->tcp_doff : 5) << 4);
			l4[13] = s->tcp_flags;
			put16(l4 + 14, 65535);
			break;
		case 17:
			put16(l4, s->sport);
			put16(l4 + 2, s->dport);
			put16(l4 + 4, (uint16_t)(8 + s->payload));
			break;
		default:
			l4[0] = s->icmp_type;
			l4[1] = s->icmp_code;
			put32(l4 + 4, 0x00010002);
			break;
		}
		bound(lay, off + need);
		off += l4hdr;
		bound(lay, off);
	}
	for (i = 0; i < s->payload; i++)
		buf[off + i] = (uint8_t)(0xa0 + i);
	off += s->payload;
	bound(lay, off);
	assert(off <= PKT_MAX);
	lay->len = off;
	return off;
}

void pkt_cut_consistent(uint8_t *buf, const struct pkt_spec *s, const struct pkt_layout *lay,
			size_t cut)
{
	if (s->ethertype)
		return;
	if (!s->v6) {
		if (cut >= lay->l3 + 4)
			put16(buf + lay->l3 + 2, (uint16_t)(cut - lay->l3));
	} else {
		if (cut >= lay->l3 + 40)
			put16(buf + lay->l3 + 4, (uint16_t)(cut - lay->l3 - 40));
	}
}

void pkt_key(const struct pkt_spec *s, uint32_t ifindex, struct xw_key *k)
{
	memset(k, 0, sizeof(*k));
	k->ifindex = ifindex;
	if (s->nvlan) {
		k->flags |= XW_PKT_VLAN;
		k->vlan = s->tci[0] & 0xfff;
	}
	if (s->v6) {
		k->flags |= XW_PKT_V6;
		for (int i = 0; i < 4; i++) {
			k->w[XW_DIM_SADDR0 + i] = s->saddr[i];
			k->w[XW_DIM_DADDR0 + i] = s->daddr[i];
		}
	} else {
		k->w[XW_DIM_SADDR0] = s->saddr[0];
		k->w[XW_DIM_DADDR0] = s->daddr[0];
	}
	k->w[XW_DIM_PROTO] = s->proto;
	if (s->v6) {
		/* a non-first fragment names the header after the fragment header */
		for (unsigned i = 0; i < s->next; i++) {
			if (s->ext[i].type == 44 && s->ext[i].offset) {
				k->w[XW_DIM_PROTO] =
					i + 1 < s->next ? s->ext[i + 1].type : s->proto;
				break;
			}
		}
	}
	if (!pkt_has_l4(s))
		return;
	k->flags |= XW_PKT_L4;
	if (s->proto == 6 || s->proto == 17) {
		k->w[XW_DIM_SPORT] = s->sport;
		k->w[XW_DIM_DPORT] = s->dport;
		if (s->proto == 6)
			k->tcp_flags = s->tcp_flags;
	} else {
		k->w[XW_DIM_SPORT] = s->icmp_type;
		k->w[XW_DIM_DPORT] = s->icmp_code;
	}
}

void pkt_words6(const char *addr, uint32_t w[4])
{
	uint8_t b[16];
	int ok = inet_pton(AF_INET6, addr, b);

	assert(ok == 1);
	for (int i = 0; i < 4; i++)
		w[i] = (uint32_t)b[4 * i] << 24 | (uint32_t)b[4 * i + 1] << 16 |
		       (uint32_t)b[4 * i + 2] << 8 | b[4 * i + 3];
}

void pkt_v4(struct pkt_spec *s, uint32_t saddr, uint32_t daddr, uint8_t proto)
{
	memset(s, 0, sizeof(*s));
	s->saddr[0] = saddr;
	s->daddr[0] = daddr;
	s->proto = proto;
	s->sport = 40000;
	s->dport = 80;
	s->tcp_flags = 0x02;
	s->icmp_type = 8;
	s->payload = 16;
}

void pkt_v6(struct pkt_spec *s, const char *saddr, const char *daddr, uint8_t proto)
{
	memset(s, 0, sizeof(*s));
	s->v6 = true;
	pkt_words6(saddr, s->saddr);
	pkt_words6(daddr, s->daddr);
	s->proto = proto;
	s->sport = 40000;
	s->dport = 80;
	s->tcp_flags = 0x02;
	s->icmp_type = 128;
	s->payload = 16;
}
