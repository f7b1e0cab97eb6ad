// SPDX-License-Identifier: MIT
/*
 * Canonical printing of rules. Fixed field order:
 *   iif X vlan N saddr C daddr C proto P sport PORTS dport PORTS
 *   tcp-flags F icmp-type T code C ACTION comment "TEXT"
 * xw_rule_parse_str() reads the text back to an identical struct (handle aside).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rule_print.h"

/* snprintf-style appender: counts what it would write even past the end. */
struct sb {
	char *buf;
	size_t len;
	size_t pos;
};

__attribute__((format(printf, 2, 3)))
static void sb_printf(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->pos < b->len ? b->buf + b->pos : NULL,
		      b->pos < b->len ? b->len - b->pos : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->pos += (size_t)n;
}

static void sb_putc(struct sb *b, char c)
{
	if (b->pos + 1 < b->len) {
		b->buf[b->pos] = c;
		b->buf[b->pos + 1] = '\0';
	}
	b->pos++;
}

const char *xw_action_name(uint8_t action)
{
	switch (action) {
	case XW_ACT_ACCEPT: return "accept";
	case XW_ACT_DROP: return "drop";
	case XW_ACT_COUNT: return "count";
	case XW_ACT_NONE: return "none";
	}
	return "unknown";
}

/* "10.0.0.0/8", "2001:db8::/32"; a host address prints without its length. */
int xw_cidr_format(const struct xw_cidr *c, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	unsigned char b[16];
	int i;

	if (c->family == 4) {
		if (c->plen > 32)
			return -EINVAL;
		for (i = 0; i < 4; i++)
			b[i] = (unsigned char)(c->w[0] >> (24 - 8 * i));
		if (!inet_ntop(AF_INET, b, a, sizeof(a)))
			return -EINVAL;
	} else if (c->family == 6) {
		if (c->plen > 128)
			return -EINVAL;
		for (i = 0; i < 16; i++)
			b[i] = (unsigned char)(c->w[i / 4] >> (24 - 8 * (i % 4)));
		if (!inet_ntop(AF_INET6, b, a, sizeof(a)))
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	if (c->plen == (c->family == 4 ? 32 : 128))
		return snprintf(buf, len, "%s", a);
	return snprintf(buf, len, "%s/%u", a, c->plen);
}

static int put_cidr(struct sb *b, const char *kw, const struct xw_cidr *c)
{
	char a[INET6_ADDRSTRLEN + 8];

	if (xw_cidr_format(c, a, sizeof(a)) < 0)
		return -EINVAL;
	sb_printf(b, " %s %s", kw, a);
	return 0;
}

static int put_ports(struct sb *b, const char *kw, const struct xw_portset *p)
{
	unsigned i;

	if (p->n == 0 || p->n > XW_PORTS_MAX)
		return -EINVAL;
	sb_printf(b, " %s ", kw);
	for (i = 0; i < p->n; i++) {
		if (p->r[i].lo > p->r[i].hi)
			return -EINVAL;
		if (p->r[i].lo == p->r[i].hi)
			sb_printf(b, "%s%u", i ? "," : "", p->r[i].lo);
		else
			sb_printf(b, "%s%u-%u", i ? "," : "", p->r[i].lo, p->r[i].hi);
	}
	return 0;
}

static const char *const tcp_flag_names[8] = {
	"fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr",
};

static int put_tcp_flags(struct sb *b, uint8_t flags, uint8_t mask)
{
	bool first = true;
	int i;

	if (!mask || (flags & ~mask))
		return -EINVAL;
	sb_printf(b, " tcp-flags ");
	for (i = 0; i < 8; i++) {
		if (!(mask & (1u << i)))
			continue;
		sb_printf(b, "%s%s%s", first ? "" : ",", flags & (1u << i) ? "" : "!",
			  tcp_flag_names[i]);
		first = false;
	}
	return 0;
}

int xw_rule_format(const struct xw_rule *r, char *buf, size_t len)
{
	struct sb b = { buf, len, 0 };
	bool icmp_proto = (r->fields & XW_F_PROTO) && (r->proto == 1 || r->proto == 58);
	size_t i, clen;

	if (len)
		buf[0] = '\0';
	if (r->action != XW_ACT_ACCEPT && r->action != XW_ACT_DROP && r->action != XW_ACT_COUNT)
		return -EINVAL;
	/* every field is printed with a leading space, dropped at the end */
	if (r->fields & XW_F_IIF)
		sb_printf(&b, " iif %.*s", (int)XW_IFNAMSIZ - 1, r->iif);
	if (r->fields & XW_F_VLAN)
		sb_printf(&b, " vlan %u", r->vlan);
	if ((r->fields & XW_F_SADDR) && put_cidr(&b, "saddr", &r->saddr))
		return -EINVAL;
	if ((r->fields & XW_F_DADDR) && put_cidr(&b, "daddr", &r->daddr))
		return -EINVAL;
	/* A family that no address or ICMP protocol states (only hand-made rules)
	 * is said the way the parser says it: a /0 source prefix. */
	if ((r->family == 4 || r->family == 6) && !(r->fields & (XW_F_SADDR | XW_F_DADDR)) &&
	    !icmp_proto)
		sb_printf(&b, " saddr %s", r->family == 4 ? "0.0.0.0/0" : "::/0");
	if (r->fields & XW_F_PROTO) {
		switch (r->proto) {
		case 6: sb_printf(&b, " proto tcp"); break;
		case 17: sb_printf(&b, " proto udp"); break;
		case 1: sb_printf(&b, " proto icmp"); break;
		case 58: sb_printf(&b, " proto icmpv6"); break;
		default: sb_printf(&b, " proto %u", r->proto); break;
		}
	}
	if ((r->fields & XW_F_SPORT) && put_ports(&b, "sport", &r->sport))
		return -EINVAL;
	if ((r->fields & XW_F_DPORT) && put_ports(&b, "dport", &r->dport))
		return -EINVAL;
	if ((r->fields & XW_F_TCPFLAGS) && put_tcp_flags(&b, r->tcp_flags, r->tcp_mask))
		return -EINVAL;
	if (r->fields & XW_F_ICMPTYPE)
		sb_printf(&b, " icmp-type %u", r->icmp_type);
	if (r->fields & XW_F_ICMPCODE)
		sb_printf(&b, " code %u", r->icmp_code);
	sb_printf(&b, " %s", xw_action_name(r->action));
	if (r->fields & XW_F_COMMENT) {
		clen = strnlen(r->comment, XW_COMMENT_MAX);
		if (clen >= XW_COMMENT_MAX)
			return -EINVAL;
		sb_printf(&b, " comment \"");
		for (i = 0; i < clen; i++) {
			if (r->comment[i] == '"' || r->comment[i] == '\\')
				sb_putc(&b, '\\');
			sb_putc(&b, r->comment[i]);
		}
		sb_putc(&b, '"');
	}
	/* drop the leading space */
	if (len)
		memmove(buf, buf + 1, strnlen(buf, len));
	return (int)b.pos - 1;
}
