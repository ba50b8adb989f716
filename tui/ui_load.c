/*
 * Reading the logs in slices from the poll loop, so the console handles
 * keys while a large log loads.  Each pass reads lines for a slice of
 * time (UI_LOAD_SLICE_MS), and the status line shows a progress bar.
 *
 * When the inputs can be read in parts (logread_bg_start), worker threads
 * read them, and each pass merges for UI_LOAD_MERGE_US at most.
 *
 * Either way the list takes in the new clients at most every
 * UI_LOAD_REFRESH_MS once its page is full, because that costs about the
 * whole table.  That refresh runs in steps of UI_LOAD_STEP_US
 * (ui_follow_step.c), and nothing is read or merged until it is done.
 * When a check of the parts fails, the list starts again empty and the
 * logs are read in slices.
 *
 * NOTE: without --follow, standard input is read with blocking reads, so
 * a pipe that stalls also stalls the console until data or its end come.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ui_internal.h"

/*
 * Milliseconds of reading per pass before keys and drawing get a turn.
 * A pass may overrun it by one chunk of UI_LOAD_CHUNK_LINES.
 */
#define UI_LOAD_SLICE_MS	40
/* Lines read between two reads of the clock. */
#define UI_LOAD_CHUNK_LINES	2000
/* Passes per second when SMTPTRIAGE_LOAD_RATE limits the reading. */
#define UI_LOAD_PACED_PASSES	20
/* A load that took this many ms or more ends with a message. */
#define UI_LOAD_NOTE_MS		1000
/* Highest SMTPTRIAGE_LOAD_RATE accepted, in lines per second. */
#define UI_LOAD_RATE_MAX	100000000ULL
/* Microseconds of merging parts per pass. */
#define UI_LOAD_MERGE_US	5000
/* Microseconds of the refresh in steps per pass. */
#define UI_LOAD_STEP_US		5000
/*
 * Minimum milliseconds between two refreshes of the list once the page is
 * full, and the factor of the last refresh's time that is waited at
 * least, so that refreshes take at most about a tenth of the time.
 */
#define UI_LOAD_REFRESH_MS	250
#define UI_LOAD_REFRESH_FACTOR	10

/*
 * Return the size of path when it is a regular file that is not
 * gzip-compressed, else 0.  The bytes counted while reading a gzip file
 * are its decompressed bytes, which the file size does not give.
 */
static uint64_t
ui_load_plain_size(const char *path)
{
	struct stat	 sb;
	unsigned char	 magic[2];
	int		 fd;
	ssize_t		 n;

	if (strcmp(path, "-") == 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return 0;
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return 0;
	}
	n = read(fd, magic, sizeof magic);
	close(fd);
	if (n == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
		return 0;
	return (uint64_t)sb.st_size;
}

/*
 * Sum the sizes of the inputs for the progress bar.  Returns 0 when one
 * of them has no size known in advance (standard input, a gzip file).
 */
static uint64_t
ui_load_total(struct agg *agg)
{
	const char	*path;
	uint64_t	 total = 0, size;
	uint32_t	 f;

	for (f = 0; (path = agg_file_path(agg, f)) != NULL; f++) {
		if ((size = ui_load_plain_size(path)) == 0)
			return 0;
		total += size;
	}
	return total;
}

/* Parse a numeric IPv4 or IPv6 address from the store. */
static int
ui_load_addr(const char *ip, struct event_addr *addr)
{
	memset(addr, 0, sizeof *addr);
	if (inet_pton(AF_INET, ip, addr->bytes) == 1)
		addr->family = AF_INET;
	else if (inet_pton(AF_INET6, ip, addr->bytes) == 1)
		addr->family = AF_INET6;
	else
		return -1;
	return 0;
}

/* Read SMTPTRIAGE_LOAD_RATE, a limit in lines per second for tests. */
static uint64_t
ui_load_rate(void)
{
	const char		*s = getenv("SMTPTRIAGE_LOAD_RATE");
	char			*end;
	unsigned long long	 v;

	if (s == NULL || *s == '\0')
		return 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || v > UI_LOAD_RATE_MAX)
		return 0;
	return v;
}

void
ui_load_start(struct ui *ui, uint64_t now_ms)
{
	if (!ui->ctx->loading || ui->ctx->logread == NULL ||
	    ui->ctx->agg == NULL)
		return;
	ui->loading = 1;
	ui->load_start_ms = now_ms;
	ui->load_bar_drawn = 0;
	ui->load_due = now_ms;
	ui->load_total = ui_load_total(ui->ctx->agg);
	ui->load_rate = ui_load_rate();
	ui->load_slice_ms = UI_LOAD_SLICE_MS;
	ui->load_merged = 0;
	ui->load_parts = logread_bg_start(ui->ctx->logread,
	    &ui->load_parts_fd);
	ui->dirty = 1;
}

/* Write n bytes as "512 B", "12.5 KiB", "27.3 MiB" or "1.2 GiB". */
static void
ui_load_bytes(uint64_t n, char *buf, size_t size)
{
	if (n < 1024)
		snprintf(buf, size, "%llu B", (unsigned long long)n);
	else if (n < 1024 * 1024)
		snprintf(buf, size, "%.1f KiB", (double)n / 1024);
	else if (n < 1024ULL * 1024 * 1024)
		snprintf(buf, size, "%.1f MiB", (double)n / (1024 * 1024));
	else
		snprintf(buf, size, "%.1f GiB",
		    (double)n / (1024.0 * 1024 * 1024));
}

/*
 * Format the progress line: a bar of bar_width cells and the percentage
 * when total is known, then the bytes, lines, clients and the rate in
 * bytes per second since the start.
 */
void
ui_load_format(char *buf, size_t size, int bar_width, uint64_t bytes,
    uint64_t total, uint64_t lines, size_t clients, uint64_t elapsed_ms)
{
	char		 done[32], all[32], rate[32];
	size_t		 len;
	uint64_t	 permille;
	int		 i, filled;

	if (size == 0)
		return;
	ui_load_bytes(bytes, done, sizeof done);
	ui_load_bytes(elapsed_ms > 0 ? bytes * 1000 / elapsed_ms : 0, rate,
	    sizeof rate);
	snprintf(buf, size, "loading ");
	if (total > 0) {
		/* A file that grew while it was read must not pass 100%. */
		permille = bytes >= total ? 1000 : bytes * 1000 / total;
		filled = (int)(permille * (uint64_t)bar_width / 1000);
		len = strlen(buf);
		if (bar_width > 0 && len + (size_t)bar_width + 3 < size) {
			buf[len++] = '[';
			for (i = 0; i < bar_width; i++)
				buf[len++] = i < filled ? '#' : '.';
			buf[len++] = ']';
			buf[len++] = ' ';
			buf[len] = '\0';
		}
		ui_load_bytes(total, all, sizeof all);
		len = strlen(buf);
		snprintf(buf + len, size - len, "%llu%%  %s of %s",
		    (unsigned long long)(permille / 10), done, all);
	} else {
		len = strlen(buf);
		snprintf(buf + len, size - len, "%s", done);
	}
	len = strlen(buf);
	snprintf(buf + len, size - len, ", %llu lines, %zu clients, %s/s",
	    (unsigned long long)lines, clients, rate);
}

/* The progress line of the running load for the status line. */
void
ui_load_status(const struct ui *ui, char *buf, size_t size)
{
	const struct logread_stats	*st = ui->ctx->stats;
	uint64_t			 bytes, lines;

	bytes = st != NULL ? st->bytes : 0;
	lines = st != NULL ? st->lines : 0;
	if (ui->load_parts != NULL && st != NULL && st->parts == 0)
		logread_bg_progress(ui->load_parts, &bytes, &lines);
	ui_load_format(buf, size, UI_LOAD_BAR_WIDTH, bytes, ui->load_total,
	    lines, agg_clients(ui->ctx->agg),
	    ui_now_ms() - ui->load_start_ms);
}

/*
 * Read load_slice_ms worth of lines, or one paced share of them.
 * Returns 1 while lines are left.
 */
static int
ui_load_slice(struct ui *ui, uint64_t now_ms)
{
	uint64_t	start = now_ms;
	int		more;

	if (ui->load_rate > 0) {
		ui->load_due = now_ms + 1000 / UI_LOAD_PACED_PASSES;
		return logread_run(ui->ctx->logread,
		    ui->load_rate / UI_LOAD_PACED_PASSES + 1);
	}
	ui->load_due = now_ms;
	do {
		more = logread_run(ui->ctx->logread, UI_LOAD_CHUNK_LINES);
	} while (more && ui_now_ms() - start < ui->load_slice_ms);
	return more;
}

void
ui_state_apply_mark(const char *ip, void *arg)
{
	struct event_addr	 addr;
	struct client		*c;

	if (ui_load_addr(ip, &addr) == 0 &&
	    (c = agg_find(arg, &addr)) != NULL)
		c->marked = 1;
}

void
ui_state_apply_report(const char *ip, int64_t time, void *arg)
{
	struct event_addr	 addr;
	struct client		*c;

	if (ui_load_addr(ip, &addr) == 0 &&
	    (c = agg_find(arg, &addr)) != NULL && time > c->reported_at)
		c->reported_at = time;
}

static void ui_load_end(struct ui *);

/*
 * Run the refresh in steps for one pass.  When it is done, arm the next
 * one, and end the load after the last part.
 */
static void
ui_load_step_tick(struct ui *ui, uint64_t now_ms)
{
	uint64_t	start = ui_now_us(), wait;
	int		at_top, running;

	/* A cursor on the first row stays there while suspects come in. */
	at_top = ui->cursor == 0;
	running = ui_follow_step(ui, UI_LOAD_STEP_US);
	ui->load_step_us += ui_now_us() - start;
	if (running)
		return;
	if (at_top && ui->cursor != 0) {
		ui_move_to(ui, 0);
		ui_check_schedule(ui, now_ms);
	}
	/* A page with empty rows takes new suspects in sooner. */
	wait = ui->load_step_us / 1000 * UI_LOAD_REFRESH_FACTOR;
	if (ui->nrows >= ui->page && wait < UI_LOAD_REFRESH_MS)
		wait = UI_LOAD_REFRESH_MS;
	ui->load_refresh_due = ui_now_ms() + wait;
	if (ui->load_merged)
		ui_load_end(ui);
}

/* Start a refresh in steps of the clients merged so far. */
static void
ui_load_step_start(struct ui *ui, uint64_t now_ms)
{
	ui->load_stale = 0;
	ui->load_step_us = 0;
	ui_load_state_ensure(ui);
	ui_follow_step_start(ui);
	ui_load_step_tick(ui, now_ms);
}

/*
 * Merge the parts that are read, and take them into the list when the
 * refresh is due or the load is complete.
 */
static void
ui_load_parts_tick(struct ui *ui, uint64_t now_ms)
{
	uint64_t	limit = UINT64_MAX;
	int		rc, merged, more;

	if (ui->load_rate > 0) {
		limit = ui->load_rate * (now_ms - ui->load_start_ms) / 1000;
		ui->load_due = now_ms + 1000 / UI_LOAD_PACED_PASSES;
	}
	rc = logread_bg_merge(ui->load_parts, UI_LOAD_MERGE_US, limit,
	    &merged);
	if (merged)
		ui->load_stale = 1;
	if (rc == -1) {
		/*
		 * The clients shown so far are gone from the table, so
		 * nothing may keep pointing to them for new work.
		 */
		ui_detail_load(ui, NULL);
		ui_tags_clear(ui);
		ui->pending = NULL;
		ui_follow_refresh(ui);
		ui->load_stale = 0;
		ui->load_due = now_ms;
		return;
	}
	if (rc == 0)
		ui->load_merged = 1;
	/*
	 * Once the page is full, a refresh waits while the next part is
	 * read and can be merged at once.  At the end of a large log both
	 * threads' last parts are read at about the same time, and a
	 * refresh between their merges costs about 0.1 s.  A paced load
	 * merges no faster, so it does not wait.
	 */
	more = ui->load_rate == 0 && ui->nrows >= ui->page &&
	    logread_bg_ready(ui->load_parts);
	if (rc == 0 || (ui->load_stale && now_ms >= ui->load_refresh_due &&
	    !more))
		ui_load_step_start(ui, now_ms);
}

/*
 * Start a refresh in steps after a slice when one is due.  After the last
 * slice more is 0: the refresh always starts, and the load ends with it,
 * so that the list ends complete.
 */
void
ui_load_slice_refresh(struct ui *ui, int more)
{
	uint64_t	now_ms = ui_now_ms();

	/* The progress bar moved even when the rows wait. */
	ui->dirty = 1;
	if (!more)
		ui->load_merged = 1;
	if (more && now_ms < ui->load_refresh_due)
		return;
	ui_load_step_start(ui, now_ms);
}

/*
 * Read the next slice when it is due, or go on with the refresh in steps.
 * No slice is read while a refresh runs.
 */
void
ui_load_tick(struct ui *ui, uint64_t now_ms)
{
	if (!ui->loading)
		return;
	/* A paced load paces its reading, not its refreshes. */
	if (ui->load_step != NULL) {
		ui_load_step_tick(ui, now_ms);
		return;
	}
	if (now_ms < ui->load_due)
		return;
	if (ui->load_parts != NULL && logread_bg_active(ui->load_parts)) {
		ui_load_parts_tick(ui, now_ms);
		return;
	}
	ui_load_slice_refresh(ui, ui_load_slice(ui, now_ms));
}

/*
 * Finish the load: a message when it took long or its progress bar was
 * seen, then follow mode.
 */
static void
ui_load_end(struct ui *ui)
{
	const struct logread_stats	*st = ui->ctx->stats;
	uint64_t			 took;

	ui_load_state_free(ui);
	/* A load that ends before its progress bar is drawn needs no message. */
	ui->loading = 0;
	took = ui_now_ms() - ui->load_start_ms;
	if (st != NULL && (took >= UI_LOAD_NOTE_MS || ui->load_bar_drawn))
		ui_set_message(ui, 0, "loaded %llu lines, %zu clients, %zu "
		    "suspects in %.1f s", (unsigned long long)st->lines,
		    agg_clients(ui->ctx->agg), ui->nsuspects,
		    (double)took / 1000);
	ui_follow_start(ui, ui_now_ms());
}

/*
 * Shorten the poll timeout to the next slice while the load runs.  While
 * parts are read on threads, poll waits for the next part to be read,
 * for a merge to go on or for the refresh that is due.
 */
int
ui_load_timeout(const struct ui *ui, uint64_t now_ms, int timeout)
{
	if (!ui->loading)
		return timeout;
	if (ui->load_step != NULL)
		return 0;
	if (ui->load_parts == NULL ||
	    !logread_bg_active(ui->load_parts) || ui->load_rate > 0)
		return ui_timeout_until(ui->load_due, now_ms, timeout);
	if (logread_bg_ready(ui->load_parts))
		return 0;
	if (ui->load_stale)
		timeout = ui_timeout_until(ui->load_refresh_due, now_ms,
		    timeout);
	return timeout;
}

int
ui_load_pollfd(const struct ui *ui, struct pollfd *pfd)
{
	if (!ui->loading || ui->load_parts == NULL ||
	    !logread_bg_active(ui->load_parts))
		return 0;
	pfd->fd = ui->load_parts_fd;
	pfd->events = POLLIN;
	pfd->revents = 0;
	return 1;
}

void
ui_load_free(struct ui *ui)
{
	ui_follow_step_free(ui);
	logread_bg_free(ui->load_parts);
	ui->load_parts = NULL;
}
