// SPDX-License-Identifier: MIT
/* fwctl's printing path (cli/output.c): the same calls give text or JSON;
 * JSON separators, nesting, pretty indentation, string escaping (control
 * bytes, invalid UTF-8), and the error document. output.c is compiled in
 * here: it is part of fwctl, not of the library the tests link. */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../cli/output.c"

static char captured[8192];

/* Run fn with stdout sent to a temp file; captured gets what it printed. */
static void capture(void (*fn)(void))
{
	FILE *tmp = tmpfile();
	int saved = dup(STDOUT_FILENO);
	size_t n;

	assert_non_null(tmp);
	assert_true(saved >= 0);
	fflush(stdout);
	assert_true(dup2(fileno(tmp), STDOUT_FILENO) >= 0);
	fn();
	fflush(stdout);
	assert_true(dup2(saved, STDOUT_FILENO) >= 0);
	close(saved);
	rewind(tmp);
	n = fread(captured, 1, sizeof(captured) - 1, tmp);
	captured[n] = '\0';
	fclose(tmp);
}

/* A list-rules-like document, printed in whatever mode out_init chose. */
static void doc(void)
{
	out_begin();
	out_str("policy", "policy %s", "accept");
	out_uint("generation", ", generation %" PRIu64 "\n", 7);
	out_arr_begin("rules");
	for (int i = 1; i <= 2; i++) {
		out_obj_begin(NULL);
		out_uint("handle", "%" PRIu64 " ", (uint64_t)i);
		out_uint(NULL, "text-only ", 5);
		out_str("rule", "%s\n", i == 1 ? "drop" : "accept");
		out_uint("packets", NULL, 10 * (uint64_t)i);
		out_obj_end();
	}
	out_arr_end();
	out_arr_begin("empty");
	out_arr_end();
	out_bool("flag", "flag %s\n", true);
	out_int("neg", "neg %" PRId64 "\n", -3);
	assert_int_equal(out_end(), 0);
}

static void test_text(void **state)
{
	(void)state;
	out_init(false, false);
	capture(doc);
	assert_string_equal(captured, "policy accept, generation 7\n"
				      "1 text-only drop\n"
				      "2 text-only accept\n"
				      "flag yes\n"
				      "neg -3\n");
}

static void test_json_compact(void **state)
{
	(void)state;
	out_init(true, false);
	capture(doc);
	assert_string_equal(captured,
			    "{\"policy\": \"accept\", \"generation\": 7, \"rules\": "
			    "[{\"handle\": 1, \"rule\": \"drop\", \"packets\": 10}, "
			    "{\"handle\": 2, \"rule\": \"accept\", \"packets\": 20}], "
			    "\"empty\": [], \"flag\": true, \"neg\": -3}\n");
}

static void test_json_pretty(void **state)
{
	(void)state;
	out_init(false, true); /* -p implies -j */
	assert_true(out_is_json());
	capture(doc);
	assert_string_equal(captured, "{\n"
				      "  \"policy\": \"accept\",\n"
				      "  \"generation\": 7,\n"
				      "  \"rules\": [\n"
				      "    {\n"
				      "      \"handle\": 1,\n"
				      "      \"rule\": \"drop\",\n"
				      "      \"packets\": 10\n"
				      "    },\n"
				      "    {\n"
				      "      \"handle\": 2,\n"
				      "      \"rule\": \"accept\",\n"
				      "      \"packets\": 20\n"
				      "    }\n"
				      "  ],\n"
				      "  \"empty\": [],\n"
				      "  \"flag\": true,\n"
				      "  \"neg\": -3\n"
				      "}\n");
}

static void strings(void)
{
	out_begin();
	out_str("q", NULL, "a \"b\" \\c");
	out_str("ctl", NULL, "\n\t\x01\x1f\x7f");
	out_str("utf8", NULL, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5");
	out_str("bad", NULL, "\xff|\xc3|\xe2\x82|\xc0\xaf|\x80");
	out_str("slash", NULL, "10.0.0.0/8");
	out_arr_begin("lines");
	out_str(NULL, NULL, "policy drop");
	out_str("ignored-key", NULL, "add-rule drop");
	out_arr_end();
	assert_int_equal(out_end(), 0);
}

static void test_json_strings(void **state)
{
	(void)state;
	out_init(true, false);
	capture(strings);
	assert_string_equal(captured,
			    "{\"q\": \"a \\\"b\\\" \\\\c\", "
			    "\"ctl\": \"\\n\\t\\u0001\\u001f\\u007f\", "
			    "\"utf8\": \"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5\", "
			    "\"bad\": \"\\ufffd|\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd|\\ufffd\", "
			    "\"slash\": \"10.0.0.0/8\", "
			    "\"lines\": [\"policy drop\", \"add-rule drop\"]}\n");
}

static void error_doc(void)
{
	out_error("bad \"token\"", 1);
}

static void error_after_start(void)
{
	out_begin();
	out_error("too late", 1);
	out_uint("x", NULL, 1);
	out_end();
}

static void test_error(void **state)
{
	(void)state;
	out_init(true, false);
	assert_false(out_started());
	capture(error_doc);
	assert_string_equal(captured, "{\"error\": \"bad \\\"token\\\"\", \"status\": 1}\n");
	assert_true(out_started());

	out_init(false, false); /* text mode: errors go to stderr only */
	capture(error_doc);
	assert_string_equal(captured, "");

	out_init(true, false); /* once output started, no second document */
	capture(error_after_start);
	assert_string_equal(captured, "{\"x\": 1}\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json_compact),
		cmocka_unit_test(test_json_pretty),
		cmocka_unit_test(test_json_strings),
		cmocka_unit_test(test_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
