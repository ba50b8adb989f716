/* Tests for core/esc.c: what untrusted text looks like once escaped. */
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "esc.h"

static void
assert_display(const char *in, size_t len, const char *want)
{
	char	*got;

	got = esc_display(in, len);
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(test_esc_plain_ascii)
{
	assert_display("mail.example.net", 16, "mail.example.net");
}
END_TEST

START_TEST(test_esc_csi_sequence)
{
	assert_display("a\x1b[2Jb", 6, "a\\x1B[2Jb");
}
END_TEST

START_TEST(test_esc_osc_title)
{
	assert_display("\x1b]0;pwned\x07", 10, "\\x1B]0;pwned\\x07");
}
END_TEST

START_TEST(test_esc_crlf_tab)
{
	assert_display("a\r\nb\tc", 6, "a\\r\\nb\\tc");
}
END_TEST

START_TEST(test_esc_nul_byte)
{
	assert_display("a\0b", 3, "a\\x00b");
}
END_TEST

START_TEST(test_esc_backslash_doubled)
{
	assert_display("a\\x41", 5, "a\\\\x41");
}
END_TEST

START_TEST(test_esc_c1_control)
{
	/* U+009B (CSI as a C1 control) encoded in UTF-8. */
	assert_display("a\xc2\x9b" "b", 4, "a\\x9Bb");
}
END_TEST

START_TEST(test_esc_raw_c1_byte)
{
	assert_display("a\x9b" "b", 3, "a\\x9Bb");
}
END_TEST

START_TEST(test_esc_valid_utf8_kept)
{
	assert_display("m\xc3\xbcller.example", 15, "m\xc3\xbcller.example");
}
END_TEST

START_TEST(test_esc_overlong_utf8)
{
	/* An overlong encoding of '/'. */
	assert_display("\xc0\xaf", 2, "\\xC0\\xAF");
}
END_TEST

START_TEST(test_esc_surrogate_utf8)
{
	assert_display("\xed\xa0\x80", 3, "\\xED\\xA0\\x80");
}
END_TEST

START_TEST(test_esc_truncated_utf8)
{
	assert_display("ab\xe2\x82", 4, "ab\\xE2\\x82");
}
END_TEST

START_TEST(test_esc_bidi_override)
{
	/* An array, so that no string literal contains the override. */
	static const char	bidi[] = { 'a', '\xe2', '\x80', '\xae', 'b', '\0' };

	assert_display(bidi, 5, "a\\u202Eb");
}
END_TEST

START_TEST(test_esc_del)
{
	assert_display("a\x7f", 2, "a\\x7F");
}
END_TEST

START_TEST(test_esc_controls_keep_backslash)
{
	char	*got;

	got = esc_controls("a\\x1B\x1b[2J\n", 10);
	ck_assert_str_eq(got, "a\\x1B\\x1B[2J\\n");
	free(got);
}
END_TEST

START_TEST(test_esc_json_string)
{
	struct esc_buf	b = { NULL, 0, 0 };

	esc_buf_json(&b, "a\"b\\c\n\x01\xff", 8);
	ck_assert_str_eq(b.data, "a\\\"b\\\\c\\n\\u0001\xef\xbf\xbd");
	esc_buf_free(&b);
}
END_TEST

START_TEST(test_esc_csv_plain)
{
	struct esc_buf	b = { NULL, 0, 0 };

	esc_buf_csv(&b, "abc", 3);
	ck_assert_str_eq(b.data, "abc");
	esc_buf_free(&b);
}
END_TEST

START_TEST(test_esc_csv_quoted)
{
	struct esc_buf	b = { NULL, 0, 0 };

	esc_buf_csv(&b, "a,\"b\"\nc", 7);
	ck_assert_str_eq(b.data, "\"a,\"\"b\"\"\\nc\"");
	esc_buf_free(&b);
}
END_TEST

START_TEST(test_esc_buf_printf)
{
	struct esc_buf	b = { NULL, 0, 0 };

	esc_buf_printf(&b, "%d-%s", 42, "x");
	esc_buf_lit(&b, "!");
	ck_assert_str_eq(b.data, "42-x!");
	ck_assert_uint_eq(b.len, 5);
	esc_buf_free(&b);
}
END_TEST

Suite *
make_esc_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("esc");
	tc = tcase_create("display");
	tcase_add_test(tc, test_esc_plain_ascii);
	tcase_add_test(tc, test_esc_csi_sequence);
	tcase_add_test(tc, test_esc_osc_title);
	tcase_add_test(tc, test_esc_crlf_tab);
	tcase_add_test(tc, test_esc_nul_byte);
	tcase_add_test(tc, test_esc_backslash_doubled);
	tcase_add_test(tc, test_esc_c1_control);
	tcase_add_test(tc, test_esc_raw_c1_byte);
	tcase_add_test(tc, test_esc_valid_utf8_kept);
	tcase_add_test(tc, test_esc_overlong_utf8);
	tcase_add_test(tc, test_esc_surrogate_utf8);
	tcase_add_test(tc, test_esc_truncated_utf8);
	tcase_add_test(tc, test_esc_bidi_override);
	tcase_add_test(tc, test_esc_del);
	tcase_add_test(tc, test_esc_controls_keep_backslash);
	suite_add_tcase(s, tc);

	tc = tcase_create("formats");
	tcase_add_test(tc, test_esc_json_string);
	tcase_add_test(tc, test_esc_csv_plain);
	tcase_add_test(tc, test_esc_csv_quoted);
	tcase_add_test(tc, test_esc_buf_printf);
	suite_add_tcase(s, tc);
	return s;
}
