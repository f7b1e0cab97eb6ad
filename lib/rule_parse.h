/* SPDX-License-Identifier: MIT */
/* The rule language parser (fwctl and rule files share it). Pure: no maps, no I/O. */
#ifndef XW_LIB_RULE_PARSE_H
#define XW_LIB_RULE_PARSE_H

#include "rule.h"

/* Longest command line or rule text the parser reads, in bytes (a rule's
 * canonical text is at most XW_RULE_TEXT_MAX); longer input is rejected. */
#define XW_LINE_MAX   4096
/* Most tokens in one command. */
#define XW_TOKENS_MAX 256

/* Error report: message names the bad token; col is its 0-based byte offset
 * in the joined text (or -1). Conventions: the token is quoted with single
 * quotes ("port '70000' out of range (0-65535)", "unknown keyword 'foo'");
 * a CIDR with host bits set names the network ("host bits set in
 * '10.0.0.1/8' (did you mean 10.0.0.0/8?)"); a family clash names both
 * sides; lines longer than XW_LINE_MAX give "line too long". The messages
 * carry no "line N: " prefix: xw_ruleset_read_file adds it. */
struct xw_err {
	int col;
	char msg[XW_ERR_MAX];
};

/* Parse one RULE from argv-style tokens (fwctl add-rule ARGS...).
 * Returns 0, or -EINVAL with err filled. *out is zeroed first. */
int xw_rule_parse_argv(int argc, char *const argv[], struct xw_rule *out, struct xw_err *err);

/* Parse one RULE from a string (quoted comment allowed: comment "a b"). */
int xw_rule_parse_str(const char *text, struct xw_rule *out, struct xw_err *err);

/* One line of a rule file (or of fwctl's argv joined): a command without the
 * word fwctl. Blank and comment-only lines give XW_CMD_NONE. */
enum xw_cmd_kind {
	XW_CMD_NONE = 0,
	XW_CMD_ADD,     /* add-rule RULE */
	XW_CMD_INSERT,  /* insert-rule [before HANDLE] RULE */
	XW_CMD_REPLACE, /* replace-rule HANDLE RULE */
	XW_CMD_DELETE,  /* del-rule HANDLE | del-rule RULE */
	XW_CMD_FLUSH,   /* flush-rules */
	XW_CMD_POLICY,  /* policy accept|drop */
};

struct xw_cmd {
	enum xw_cmd_kind kind;
	uint64_t handle;   /* INSERT before / REPLACE / DELETE by handle; 0 if none */
	bool has_rule;     /* DELETE by rule text uses rule */
	uint8_t policy;    /* XW_ACT_ACCEPT or XW_ACT_DROP for POLICY */
	struct xw_rule rule;
};

/* Parse a tokenized command (argv[0] is the command word). */
int xw_cmd_parse_argv(int argc, char *const argv[], struct xw_cmd *out, struct xw_err *err);
/* Parse a rule-file line; strips '#' comments outside quotes. */
int xw_cmd_parse_line(const char *line, struct xw_cmd *out, struct xw_err *err);

#endif
