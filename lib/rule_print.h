/* SPDX-License-Identifier: MIT */
/* Canonical printing of rules: what list-rules and save show, and what the
 * parser reads back to an identical struct xw_rule (round trip exact). */
#ifndef XW_LIB_RULE_PRINT_H
#define XW_LIB_RULE_PRINT_H

#include "rule.h"

#define XW_RULE_TEXT_MAX 1024

/* Canonical text of r without the handle, e.g.
 * "iif eth0 saddr 10.0.0.0/8 proto tcp dport 22,80 drop comment \"ssh\"".
 * Returns the length written (snprintf semantics), or -EINVAL. */
int xw_rule_format(const struct xw_rule *r, char *buf, size_t len);

const char *xw_action_name(uint8_t action);
int xw_cidr_format(const struct xw_cidr *c, char *buf, size_t len);

#endif
