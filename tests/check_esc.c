/* Tests for core/esc.c: what untrusted text looks like once escaped. */
#include <stdio.h>
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

/* Expected JSON escape of one ASCII byte or lone byte 0x80 and up. */
static void
json_escape_byte(struct esc_buf *b, unsigned char c)
{
	char	tmp[8];

	if (c == '"')
		esc_buf_lit(b, "\\\"");
	else if (c == '\\')
		esc_buf_lit(b, "\\\\");
	else if (c == '\n')
		esc_buf_lit(b, "\\n");
	else if (c == '\r')
		esc_buf_lit(b, "\\r");
	else if (c == '\t')
		esc_buf_lit(b, "\\t");
	else if (c < 0x20 || c == 0x7f) {
		snprintf(tmp, sizeof tmp, "\\u%04x", c);
		esc_buf_add(b, tmp, 6);
	} else if (c >= 0x80)
		esc_buf_lit(b, "\xef\xbf\xbd");
	else
		esc_buf_add(b, (const char *)&c, 1);
}

/*
 * esc_buf_json reads eight bytes at a time: put each kind of byte at every
 * position of inputs that end inside and at the end of a word, and compare
 * with escaping byte by byte.  The input is allocated to its exact length,
 * so a read past it shows under valgrind and ASan.
 */
START_TEST(test_esc_json_every_position)
{
	static const unsigned char bytes[] = { 0x00, 0x01, '\t', '\n', 0x1f,
	    ' ', '!', '"', '#', '[', '\\', ']', '~', 0x7f, 0x80, 0xa0, 0xc3,
	    0xfe, 0xff };
	struct esc_buf	 got = { NULL, 0, 0 }, want = { NULL, 0, 0 };
	unsigned char	*in;
	size_t		 len, pos, k, i;

	for (len = 1; len <= 25; len++) {
		in = malloc(len);
		ck_assert_ptr_nonnull(in);
		for (pos = 0; pos < len; pos++) {
			for (k = 0; k < sizeof bytes; k++) {
				for (i = 0; i < len; i++)
					in[i] = (unsigned char)('a' + i % 26);
				in[pos] = bytes[k];
				got.len = want.len = 0;
				esc_buf_json(&got, (const char *)in, len);
				for (i = 0; i < len; i++)
					json_escape_byte(&want, in[i]);
				ck_assert_uint_eq(got.len, want.len);
				ck_assert_mem_eq(got.data, want.data, want.len);
			}
		}
		free(in);
	}
	esc_buf_free(&got);
	esc_buf_free(&want);
}
END_TEST

START_TEST(test_esc_json_utf8_across_words)
{
	struct esc_buf	b = { NULL, 0, 0 };

	/* A valid two-byte sequence split by the eight-byte step stays. */
	esc_buf_json(&b, "abcdefg\xc3\xa9hijklmn\"", 17);
	ck_assert_str_eq(b.data, "abcdefg\xc3\xa9hijklmn\\\"");
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
	tcase_add_test(tc, test_esc_json_every_position);
	tcase_add_test(tc, test_esc_json_utf8_across_words);
	tcase_add_test(tc, test_esc_csv_plain);
	tcase_add_test(tc, test_esc_csv_quoted);
	tcase_add_test(tc, test_esc_buf_printf);
	suite_add_tcase(s, tc);
	return s;
}
