/*
 * Shared parts of the libFuzzer targets in fuzz/.  Each target defines
 * LLVMFuzzerInitialize and LLVMFuzzerTestOneInput.  "make fuzz" links it
 * with libFuzzer.  "make check" links it with fuzz/replay.c instead, which
 * feeds every file of the target's seed corpus to it once.
 */
#ifndef SMTPTRIAGE_FUZZ_H
#define SMTPTRIAGE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Stop the run with a message when a property of the code under test does
 * not hold, so that libFuzzer saves the input as a crash.
 */
#define FUZZ_CHECK(cond, ...) do {					\
	if (!(cond))							\
		fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);	\
} while (0)

void	fuzz_fail(const char *file, int line, const char *cond,
	    const char *fmt, ...)
	    __attribute__((format(printf, 4, 5), noreturn));

/*
 * Check text written for a terminal, a CSV reader or a JSON reader: valid
 * UTF-8 without C0 or C1 controls, DEL or ESC, except the newlines that
 * end records.  Returns NULL, or a static description of the first
 * problem.  With no_bidi set, the bidirectional overrides and isolates
 * (U+202A to U+202E, U+2066 to U+2069) count as problems too.
 */
const char *fuzz_text_problem(const char *s, size_t len, int no_bidi);

struct client;
struct event;

/*
 * Check a client event parsed from line[0..len-1]: an IPv4 or IPv6
 * address, a HELO and rDNS name that are not empty, and each string within
 * its length limit and without a NUL byte.  With FUZZ_IN_LINE set, each
 * string must also lie inside the line and be valid UTF-8 when the line is.
 */
#define FUZZ_IN_LINE	0x1
/* For fuzz_parse_log: leave out lines of invalid UTF-8 as the reader does. */
#define FUZZ_VALID_LINES	0x2
void	fuzz_check_event(const char *line, size_t len, const struct event *ev,
	    int flags);

/*
 * Check that the hand-written readers and PCRE2 alone gave the same
 * result r and rp and the same events ev and ep.
 */
void	fuzz_check_same_event(int r, int rp, const struct event *ev,
	    const struct event *ep);

/* A line parser under test, called by fuzz_parse_log. */
typedef int (*fuzz_parse_fn)(void *arg, const char *line, size_t len,
	    struct event *ev);

/*
 * Split a log into lines as the reader does: a trailing CR is dropped, and
 * lines with a NUL byte or over LOGREAD_LINE_MAX bytes are left out.  Lines
 * of invalid UTF-8 are kept, to test more, unless flags has
 * FUZZ_VALID_LINES.  Each line goes to parse,
 * which returns 1 when it sets ev to a client.  Each such event is checked
 * with fuzz_check_event(flags) and aggregated, and the suspects are checked
 * with fuzz_check_suspects.
 */
void	fuzz_parse_log(const uint8_t *data, size_t size, fuzz_parse_fn parse,
	    void *arg, int flags);

/*
 * Format suspects[0..n-1] as a table, JSON lines and CSV, and check each
 * text with fuzz_text_problem (bidirectional controls included) and its
 * line count.
 */
void	fuzz_check_suspects(struct client *const *suspects, size_t n);

/* Count the bytes c in s[0..len-1]. */
size_t	fuzz_count(const char *s, size_t len, char c);

/*
 * A private folder for the files that targets write, created on first
 * use (in $TMPDIR, or /dev/shm when that exists, so that fsync is cheap)
 * and removed at exit.
 */
const char *fuzz_dir(void);

/*
 * Write data to a new file of mode 0600 in fuzz_dir() and return its
 * path (static storage, replaced by the next call).
 */
const char *fuzz_write_file(const char *name, const uint8_t *data,
	    size_t size);

#endif
