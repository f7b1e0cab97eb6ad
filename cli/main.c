// SPDX-License-Identifier: MIT
/* fwctl: global options, the one command table, usage and help generated from it. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fwctl.h"
#include "output.h"

#ifndef XW_VERSION
#define XW_VERSION "0.1.0"
#endif

struct command {
	const char *name;
	const char *args; /* synopsis of the arguments */
	const char *help;
	int min_args, max_args; /* after the command word; -1: no limit */
	int (*handler)(struct fwctl *c, int argc, char **argv);
};

static int cmd_help(struct fwctl *c, int argc, char **argv);

static const struct command commands[] = {
	{ "add-rule", "RULE", "append a rule", 1, -1, cmd_edit },
	{ "insert-rule", "[before HANDLE] RULE", "insert a rule at the top, or before HANDLE", 1,
	  -1, cmd_edit },
	{ "replace-rule", "HANDLE RULE", "replace the rule HANDLE, keeping the handle", 2, -1,
	  cmd_edit },
	{ "del-rule", "HANDLE | RULE", "delete a rule by handle, or by its exact text", 1, -1,
	  cmd_edit },
	{ "list-rules", "", "the rules with handles and counters, the policy and generation", 0,
	  0, cmd_list_rules },
	{ "flush-rules", "", "delete every rule", 0, 0, cmd_edit },
	{ "policy", "accept|drop", "set the default policy", 1, 1, cmd_edit },
	{ "apply", "-f FILE|-", "replace the whole ruleset atomically by a rule file (- is stdin)",
	  2, 2, cmd_apply },
	{ "save", "[FILE]", "print (or write FILE) a rule file that apply -f loads back", 0, 1,
	  cmd_save },
	{ "status", "", "agent, interfaces, policy, generation and rule count", 0, 0,
	  cmd_status },
	{ "stats", "", "per-verdict packet and byte counters, map memory", 0, 0, cmd_stats },
	{ "help", "[COMMAND]", "this text, or one command's", 0, 1, cmd_help },
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char options_help[] =
	"Options (before the command):\n"
	"  -j, --json     JSON output; a failure prints {\"error\": MSG, \"status\": N}\n"
	"  -p, --pretty   indented JSON (implies -j)\n"
	"  -c, --check    check only: validate against the live ruleset, change nothing\n"
	"  -e, --echo     print the handle of the rule added, inserted, replaced or deleted\n"
	"  -h, --help     this text\n"
	"      --version  the version\n";

static const char rule_help[] =
	"RULE := [iif IFNAME] [vlan ID] [saddr CIDR] [daddr CIDR]\n"
	"        [proto tcp|udp|icmp|icmpv6|NUM] [sport PORTS] [dport PORTS]\n"
	"        [tcp-flags FLAGS] [icmp-type TYPE [code CODE]] ACTION [comment \"TEXT\"]\n"
	"PORTS := N | N-M | N,M,N-M    CIDR := IPv4 or IPv6 address[/len]\n"
	"ACTION := accept | drop | count\n";

static const char status_help[] =
	"A rule file holds one command per line without the word fwctl (policy drop,\n"
	"add-rule ...), # comments and blank lines. apply -f starts from no rules and\n"
	"the current policy and commits once: a file with no commands (empty, or only\n"
	"comments) removes every rule and keeps the policy; one bad line applies nothing.\n"
	"\n"
	"Output: edits print nothing (-c prints ok, -e the handle). With -j every command\n"
	"prints one JSON object on stdout; edits print {\"generation\": N} (-c:\n"
	"{\"check\": true}) plus \"handle\" with -e; a failure prints {\"error\": MSG,\n"
	"\"status\": N} and the message on stderr too.\n"
	"\n"
	"Exit status: 0 success, 1 rejected input (bad rule, file or handle) or a failed\n"
	"system call, 2 usage error, 3 firewall not loaded (no pins).\n"
	"Environment: XDPWALL_PIN_ROOT, XDPWALL_STATE_DIR, XDPWALL_RUN_DIR.\n";

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (name && strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void print_usage(FILE *f)
{
	fprintf(f, "Usage: fwctl [OPTIONS] COMMAND [ARGS]\n%s\nCommands:\n", options_help);
	for (size_t i = 0; i < N_COMMANDS; i++) {
		char syn[64];

		snprintf(syn, sizeof(syn), "%s %s", commands[i].name, commands[i].args);
		fprintf(f, "  %-34s %s\n", syn, commands[i].help);
	}
	fprintf(f, "\n%s\n%s", rule_help, status_help);
}

static int cmd_help(struct fwctl *c, int argc, char **argv)
{
	const struct command *one = NULL;

	if (argc > 1) {
		one = find_command(argv[1]);
		if (!one)
			return fw_usage(c, "unknown command '%s'", argv[1]);
	}
	if (!out_is_json()) {
		if (one)
			printf("Usage: fwctl [OPTIONS] %s %s\n  %s\n", one->name, one->args,
			       one->help);
		else
			print_usage(stdout);
		return fw_done(c);
	}
	out_begin();
	out_str("version", NULL, XW_VERSION);
	out_arr_begin("commands");
	for (size_t i = 0; i < N_COMMANDS; i++) {
		if (one && one != &commands[i])
			continue;
		out_obj_begin(NULL);
		out_str("name", NULL, commands[i].name);
		out_str("args", NULL, commands[i].args);
		out_str("help", NULL, commands[i].help);
		out_obj_end();
	}
	out_arr_end();
	return fw_done(c);
}

static void vfail(const struct fwctl *c, int status, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (c->cmd)
		fprintf(stderr, "fwctl: %s: %s\n", c->cmd, msg);
	else
		fprintf(stderr, "fwctl: %s\n", msg);
	out_error(msg, status);
}

int fw_fail(const struct fwctl *c, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(c, status, fmt, ap);
	va_end(ap);
	return status;
}

int fw_usage(const struct fwctl *c, const char *fmt, ...)
{
	const struct command *cmd = find_command(c->cmd);
	va_list ap;

	va_start(ap, fmt);
	vfail(c, FW_EXIT_USAGE, fmt, ap);
	va_end(ap);
	if (cmd)
		fprintf(stderr, "Usage: fwctl [OPTIONS] %s %s\n", cmd->name, cmd->args);
	else
		fprintf(stderr, "Try 'fwctl help'.\n");
	return FW_EXIT_USAGE;
}

int fw_open_fail(const struct fwctl *c, int err)
{
	if (err == -ENOENT)
		return fw_fail(c, FW_EXIT_NOT_LOADED,
			       "firewall not loaded: no pins under %s (is xdpwalld running?)",
			       c->paths.pin_root);
	if (err == -EPROTO)
		return fw_fail(c, FW_EXIT_REJECTED,
			       "the pins under %s have another layout version; restart xdpwalld",
			       c->paths.pin_root);
	if (err == -EBADMSG)
		return fw_fail(c, FW_EXIT_REJECTED,
			       "the persisted ruleset in %s is unreadable; the loaded rules stay "
			       "enforced; move its 'ruleset' and 'delta' aside and apply -f a saved file",
			       c->paths.state_dir);
	return fw_fail(c, FW_EXIT_REJECTED, "cannot open the firewall at %s: %s",
		       c->paths.pin_root, strerror(-err));
}

int fw_done(const struct fwctl *c)
{
	int err = out_end();

	if (err) {
		fprintf(stderr, "fwctl: %s: writing the output: %s\n", c->cmd ? c->cmd : "",
			strerror(-err));
		return FW_EXIT_REJECTED;
	}
	return FW_EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },  { "pretty", no_argument, NULL, 'p' },
		{ "check", no_argument, NULL, 'c' }, { "echo", no_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },  { "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static char out_buf[1 << 16];
	struct fwctl c = { 0 };
	const struct command *cmd;
	bool help = false, version = false;
	int opt, nargs;

	setvbuf(stdout, out_buf, _IOFBF, sizeof(out_buf));
	out_init(false, false);
	opterr = 0;
	/* '+': options end at the command word; rule tokens are never options. */
	while ((opt = getopt_long(argc, argv, "+jpceh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			c.json = true;
			break;
		case 'p':
			c.pretty = c.json = true;
			break;
		case 'c':
			c.check = true;
			break;
		case 'e':
			c.echo = true;
			break;
		case 'h':
			help = true;
			break;
		case 'V':
			version = true;
			break;
		default:
			out_init(c.json, c.pretty);
			if (optopt)
				return fw_usage(&c, "unknown option '-%c'", optopt);
			return fw_usage(&c, "unknown option '%s'", argv[optind - 1]);
		}
	}
	out_init(c.json, c.pretty);
	xw_paths_default(&c.paths);

	if (version) {
		out_begin();
		out_str("version", "fwctl %s\n", XW_VERSION);
		return fw_done(&c);
	}
	if (help) {
		char *hargv[] = { "help", NULL };

		c.cmd = "help";
		return cmd_help(&c, 1, hargv);
	}
	if (optind >= argc) {
		if (c.json)
			out_error("missing command", FW_EXIT_USAGE);
		fprintf(stderr, "fwctl: missing command\n");
		print_usage(stderr);
		return FW_EXIT_USAGE;
	}
	cmd = find_command(argv[optind]);
	if (!cmd)
		return fw_usage(&c, "unknown command '%s'", argv[optind]);
	c.cmd = cmd->name;
	nargs = argc - optind - 1;
	if (nargs < cmd->min_args)
		return fw_usage(&c, "missing argument");
	if (cmd->max_args >= 0 && nargs > cmd->max_args)
		return fw_usage(&c, "unexpected argument '%s'", argv[optind + 1 + cmd->max_args]);
	return cmd->handler(&c, argc - optind, argv + optind);
}
