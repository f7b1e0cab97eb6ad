// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the rule language: any bytes as a rule-file line must
 * be rejected cleanly or parse to a rule whose canonical text reads back to
 * the identical struct.
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE \
 *     -Iinclude -Ilib tests/fuzz/fuzz_rule_parse.c lib/rule_parse.c lib/rule_print.c \
 *     -o build/fuzz_rule_parse && build/fuzz_rule_parse -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rule_parse.h"
#include "rule_print.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1), text[XW_RULE_TEXT_MAX];
	struct xw_cmd cmd;
	struct xw_rule back;
	struct xw_err err;
	int n;

	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	if (xw_cmd_parse_line(line, &cmd, &err) == 0 && cmd.has_rule) {
		cmd.rule.handle = 0;
		n = xw_rule_format(&cmd.rule, text, sizeof(text));
		if (n < 0 || n >= (int)sizeof(text))
			abort();
		if (xw_rule_parse_str(text, &back, &err) || memcmp(&back, &cmd.rule, sizeof(back)))
			abort();
	}
	free(line);
	return 0;
}
