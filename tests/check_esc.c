/* Tests for core/esc.c: what untrusted text looks like once escaped. */
#include <stdint.h>
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

/* Append in[0, len) with append to an empty buffer and compare with want. */
static void
assert_appended(void (*append)(struct esc_buf *, const char *, size_t),
    const char *in, size_t len, const char *want)
{
	struct esc_buf	b = { NULL, 0, 0 };

	append(&b, in, len);
	ck_assert_str_eq(b.data, want);
	esc_buf_free(&b);
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

/* One row per rule of esc_utf8_seq.  A length of 0 means invalid. */
START_TEST(test_esc_utf8_seq_cases)
{
	static const struct {
		const char	*in;
		size_t		 len;
		size_t		 want_len;
		uint32_t	 want_cp;
	} cases[] = {
		{ "a", 1, 1, 'a' },
		{ "\x1b", 1, 1, 0x1b },
		{ "\xc3\xbc", 2, 2, 0xfc },
		{ "\xe2\x82\xac", 3, 3, 0x20ac },
		{ "\xf0\x9f\x98\x80", 4, 4, 0x1f600 },
		{ "\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff },
		/* Overlong forms of '/'. */
		{ "\xc0\xaf", 2, 0, 0 },
		{ "\xe0\x80\xaf", 3, 0, 0 },
		{ "\xf0\x80\x80\xaf", 4, 0, 0 },
		/* The surrogate U+D800, U+110000, a lead byte past 0xf4. */
		{ "\xed\xa0\x80", 3, 0, 0 },
		{ "\xf4\x90\x80\x80", 4, 0, 0 },
		{ "\xf5\x80\x80\x80", 4, 0, 0 },
		/* A lone continuation byte, sequences cut short by len. */
		{ "\x80", 1, 0, 0 },
		{ "\xe2\x82", 2, 0, 0 },
		{ "\xe2\x82\xac", 2, 0, 0 },
		/* A lead byte without its continuation bytes. */
		{ "\xe2(\xac", 3, 0, 0 },
	};
	uint32_t	cp;
	size_t		i, n;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cp = 0;
		n = esc_utf8_seq((const unsigned char *)cases[i].in,
		    cases[i].len, &cp);
		ck_assert_msg(n == cases[i].want_len, "case %zu: length %zu, "
		    "expected %zu", i, n, cases[i].want_len);
		if (n > 0)
			ck_assert_msg(cp == cases[i].want_cp, "case %zu: code "
			    "point U+%04X, expected U+%04X", i, (unsigned)cp,
			    (unsigned)cases[i].want_cp);
	}
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
	assert_appended(esc_buf_json, "a\"b\\c\n\x01\xff", 8,
	    "a\\\"b\\\\c\\n\\u0001\xef\xbf\xbd");
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
	/* A valid two-byte sequence split by the eight-byte step stays. */
	assert_appended(esc_buf_json, "abcdefg\xc3\xa9hijklmn\"", 17,
	    "abcdefg\xc3\xa9hijklmn\\\"");
}
END_TEST

START_TEST(test_esc_csv_plain)
{
	assert_appended(esc_buf_csv, "abc", 3, "abc");
}
END_TEST

START_TEST(test_esc_csv_quoted)
{
	assert_appended(esc_buf_csv, "a,\"b\"\nc", 7, "\"a,\"\"b\"\"\\nc\"");
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
	tcase_add_test(tc, test_esc_utf8_seq_cases);
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
