/*
 * The console's main loop: one poll(2) over the terminal, the DNS sockets,
 * a signal self-pipe and the debounce timer.  Key handlers (ui_key.c) and
 * DNS callbacks only change state and set the dirty flag.  Drawing
 * (ui_draw.c) happens once per pass, before the loop sleeps.
 */
#include <sys/ioctl.h>

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "esc.h"
#include "ui_internal.h"
#include "xmalloc.h"

/* Poll entries: the terminal, the self-pipe and the DNS sockets. */
#define UI_POLLFDS_MAX		66
#define UI_POLLFD_TTY		0
#define UI_POLLFD_SIGNAL	1
#define UI_POLLFD_DNS		2

/* Maximum poll timeout.  Poll returns earlier on any event. */
#define UI_SLEEP_MAX_MS		60000

/*
 * Passes in a row where poll reported the terminal readable but curses
 * returned no key.  A terminal that keeps doing this is gone (end of
 * file), and the loop stops instead of spinning.
 */
#define UI_EMPTY_READS_MAX	100

/*
 * Keys handled per loop pass.  After that many the loop draws and looks
 * at DNS before it takes the rest, so a flood of input cannot starve the
 * DNS timeouts.
 */
#define UI_KEYS_PER_PASS	256

/* Milliseconds curses waits for the rest of an escape sequence. */
#define UI_ESCDELAY_MS		25

static volatile sig_atomic_t	ui_sig_quit;
static volatile sig_atomic_t	ui_sig_winch;
static int			ui_sig_fd = -1;

static void	ui_measure_names(struct ui *);
static void	ui_check_done(struct dns_check *, void *);
static void	ui_check_free(struct ui_check *);
static size_t	ui_check_bucket(const char *);

/* Shorten a poll timeout in ms so that poll returns by due. */
int
ui_timeout_until(uint64_t due, uint64_t now_ms, int timeout)
{
	if (due <= now_ms)
		return 0;
	if (due - now_ms < (uint64_t)timeout)
		return (int)(due - now_ms);
	return timeout;
}

uint64_t
ui_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
ui_init(struct ui *ui, struct ui_context *ctx)
{
	struct client	**suspects;
	size_t		  n = 0;

	memset(ui, 0, sizeof *ui);
	ui->ctx = ctx;
	ui->page = 1;
	ui->text_page = 1;
	ui->dirty = 1;
	if (ctx->agg != NULL) {
		suspects = agg_suspects(ctx->agg, &n);
		ui_set_suspects(ui, suspects, n);
	}
}

void
ui_free(struct ui *ui)
{
	struct ui_check	*e, *next;
	size_t		 i;

	ui_dns_free(ui);
	for (i = 0; i < UI_CHECK_BUCKETS; i++) {
		for (e = ui->checks[i]; e != NULL; e = next) {
			next = e->next;
			ui_check_free(e);
		}
		ui->checks[i] = NULL;
	}
	ui_report_close(ui);
	ui_confirm_close(ui);
	ui_detail_load(ui, NULL);
	ui_tags_clear(ui);
	ui_groups_free(ui);
	ui_load_free(ui);
	ui_filter_free(ui);
	ui_wlpick_clear(ui);
	ui_undo_free(ui);
	ui_load_state_free(ui);
	ui_keymap_free(ui->keymap);
	ui->keymap = NULL;
	free(ui->sorted);
	ui->sorted = NULL;
	free(ui->rows);
	free(ui->message);
	ui->rows = NULL;
	ui->message = NULL;
}

/* Use suspects (borrowed, in score order) as the list, sorted as chosen. */
void
ui_set_suspects(struct ui *ui, struct client **suspects, size_t n)
{
	ui->source = suspects;
	ui->nsuspects = n;
	ui_sort_apply(ui);
	ui->cursor = 0;
	ui->top = 0;
	ui_rows_rebuild(ui);
}

struct client *
ui_selected(const struct ui *ui)
{
	if (ui->cursor >= ui->nrows)
		return NULL;
	return ui->rows[ui->cursor];
}

/*
 * Rebuild the shown rows after whitelisting, the W toggle or a change of
 * the grouped view.  The cursor stays on the same suspect or group header
 * when it is still shown, else on the row that took its place.  DNS
 * checks of suspects no longer shown are cancelled.
 */
void
ui_rows_rebuild(struct ui *ui)
{
	const struct ui_group	*group;
	struct client		*selected, *c;
	char			 header[PROVIDER_NAME_SIZE] = "";
	size_t			 i, n = 0;

	ui->rows_builds++;
	selected = ui_selected(ui);
	if ((group = ui_selected_group(ui)) != NULL)
		snprintf(header, sizeof header, "%s", group->name);
	if (ui->grouped) {
		ui_groups_build(ui);
		n = ui->nrows;
	} else {
		ui->rows = xreallocarray(ui->rows, ui->nsuspects + 1,
		    sizeof *ui->rows);
		for (i = 0; i < ui->nsuspects; i++) {
			c = ui->suspects[i];
			if (ui_visible(ui, c))
				ui->rows[n++] = c;
		}
		ui->nrows = n;
	}
	ui_measure_names(ui);

	for (i = 0; i < n; i++) {
		if (selected != NULL ? ui->rows[i] == selected :
		    ui->rows[i] == NULL && header[0] != '\0' &&
		    strcmp(ui->groups[ui->row_group[i]].name, header) == 0) {
			ui->cursor = i;
			break;
		}
	}
	if (ui->cursor >= n)
		ui->cursor = n == 0 ? 0 : n - 1;
	ui_scroll_fix(ui);
	ui_checks_prune(ui);
}

/*
 * Find the widest first HELO and rDNS name of the rows, as escaped, so the
 * list gives those columns no more room than they need.  Widths are in
 * display columns, so a wide character counts two and a UTF-8 letter one.
 */
static void
ui_measure_names(struct ui *ui)
{
	struct client	*c;
	size_t		 i, len;

	ui->helo_width = ui->rdns_width = 1;	/* "-" */
	for (i = 0; i < ui->nrows; i++) {
		if ((c = ui->rows[i]) == NULL)
			continue;
		if (c->nhelos > 0 &&
		    (len = ui_name_width(c->helos[0].name)) > ui->helo_width)
			ui->helo_width = len;
		if (c->rdns != NULL &&
		    (len = ui_name_width(c->rdns)) > ui->rdns_width)
			ui->rdns_width = len;
	}
}

/*
 * Display width of a name once escaped.  Printable ASCII other than the
 * backslash comes out of ui_escape unchanged, one column a byte, so most
 * names skip the escape: with 100,000 rows it took most of a refresh.
 */
size_t
ui_name_width(const char *name)
{
	const unsigned char	*p;
	char			*s;
	size_t			 width;

	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		if (*p < 0x20 || *p > 0x7e || *p == '\\')
			break;
	}
	if (*p == '\0' && p - (const unsigned char *)name <= UI_TEXT_MAX)
		return (size_t)(p - (const unsigned char *)name);
	s = ui_escape(name, strlen(name));
	width = (size_t)ui_width(s);
	free(s);
	return width;
}

/* Keep the cursor on screen and the screen filled with rows. */
void
ui_scroll_fix(struct ui *ui)
{
	if (ui->page == 0)
		ui->page = 1;
	if (ui->cursor < ui->top)
		ui->top = ui->cursor;
	if (ui->cursor >= ui->top + ui->page)
		ui->top = ui->cursor - ui->page + 1;
	if (ui->top + ui->page > ui->nrows)
		ui->top = ui->nrows > ui->page ? ui->nrows - ui->page : 0;
}

/*
 * Show a message on the status line until the next key.  A notice does
 * not replace an error that is still shown, so the error stays until the
 * user has seen it.
 */
void
ui_set_message(struct ui *ui, int error, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	if (!error && ui->message != NULL && ui->message_error)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		s = xstrdup("(message could not be formatted)");
	va_end(ap);
	free(ui->message);
	ui->message = s;
	ui->message_error = error;
}

/*
 * Escape untrusted text for the terminal.  At most UI_TEXT_MAX bytes are
 * used, cut before a UTF-8 continuation byte so the cut does not show up
 * as an escape of its own.
 */
char *
ui_escape(const char *s, size_t len)
{
	if (len > UI_TEXT_MAX) {
		len = UI_TEXT_MAX;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	return esc_display(s, len);
}

/* Local time "YYYY-MM-DD HH:MM", or "-" when the log gave none. */
void
ui_format_time(int64_t utc, char *buf, size_t size)
{
	struct tm	tm;
	time_t		t = (time_t)utc;

	if (utc == 0 || localtime_r(&t, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(buf, size, "-");
}

/* Local date "YYYY-MM-DD". */
void
ui_format_date(int64_t utc, char *buf, size_t size)
{
	struct tm	tm;
	time_t		t = (time_t)utc;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%d", &tm) == 0)
		snprintf(buf, size, "-");
}

/*
 * Read the evidence lines of c for the detail pane, once per selection.
 * Passing NULL frees them.
 */
void
ui_detail_load(struct ui *ui, struct client *c)
{
	const struct agg_evidence	*from;
	struct ui_evline		*ev;
	char				*line, *cause;
	size_t				 i;

	/*
	 * Follow mode adds events to the client on screen, so the count of
	 * its lines decides too, not only which client it is.
	 */
	if (c == ui->detail_client &&
	    (c == NULL || c->events == ui->detail_events))
		return;
	for (i = 0; i < ui->nevidence; i++)
		free(ui->evidence[i].text);
	free(ui->evidence);
	ui->evidence = NULL;
	ui->nevidence = 0;
	ui->detail_client = c;
	ui->detail_events = c != NULL ? c->events : 0;
	if (c == NULL || ui->ctx->agg == NULL || c->nevidence == 0)
		return;

	ui->evidence = xcalloc(c->nevidence, sizeof *ui->evidence);
	for (i = 0; i < c->nevidence; i++) {
		/* agg_client_evidence returns file order, even before agg_finish. */
		from = agg_client_evidence(c, i);
		ev = &ui->evidence[ui->nevidence++];
		ev->file = from->file;
		ev->line = from->line;
		if (agg_read_evidence(ui->ctx->agg, from, &line,
		    &cause) == -1) {
			ev->text = ui_escape(cause, strlen(cause));
			ev->error = 1;
			free(cause);
			continue;
		}
		ev->text = ui_escape(line, strlen(line));
		free(line);
	}
}

/*
 * Split the screen.  The list takes about two fifths of the height above
 * the detail pane, or the left part of a wide terminal.
 */
void
ui_layout(struct ui *ui, int lines, int cols)
{
	struct ui_layout	*l = &ui->layout;
	int			 avail;

	memset(l, 0, sizeof *l);
	l->lines = lines;
	l->cols = cols;
	if (lines < UI_MIN_LINES || cols < UI_MIN_COLS) {
		l->too_small = 1;
		return;
	}
	l->status_y = lines - 1;
	l->list_y = 2;			/* below the header and column titles */
	avail = lines - 3;

	if (cols >= UI_WIDE_COLS) {
		l->side = 1;
		l->list_x = 0;
		l->list_w = cols - UI_SIDE_WIDTH;
		l->list_h = avail;
		l->detail_y = 1;
		l->detail_x = l->list_w + 1;	/* after the border column */
		l->detail_w = UI_SIDE_WIDTH - 1;
		l->detail_h = avail + 1;
	} else {
		l->list_x = 0;
		l->list_w = cols;
		l->list_h = avail * 2 / 5;
		if (l->list_h < 3)
			l->list_h = 3;
		l->detail_y = l->list_y + l->list_h + 1;	/* after a rule */
		l->detail_x = 0;
		l->detail_w = cols;
		l->detail_h = l->status_y - l->detail_y;
	}
	ui->page = (size_t)l->list_h;
	ui->text_page = (size_t)(lines - 2);	/* minus title and status */
	ui_scroll_fix(ui);
}

/* FNV-1a over the address text. */
static size_t
ui_check_bucket(const char *ip)
{
	uint32_t	h = 2166136261U;

	for (; *ip != '\0'; ip++) {
		h ^= (unsigned char)*ip;
		h *= 16777619U;
	}
	return h & (UI_CHECK_BUCKETS - 1);
}

struct ui_check *
ui_check_find(const struct ui *ui, const char *ip)
{
	struct ui_check	*e;

	for (e = ui->checks[ui_check_bucket(ip)]; e != NULL; e = e->next) {
		if (strcmp(e->ip, ip) == 0)
			return e;
	}
	return NULL;
}

static void
ui_check_free(struct ui_check *e)
{
	if (e->check != NULL)
		dns_check_free(e->check);
	free(e);
}

/* Forget the check of ip, cancelling it if it still runs. */
void
ui_check_drop(struct ui *ui, const char *ip)
{
	struct ui_check	**ep, *e;

	for (ep = &ui->checks[ui_check_bucket(ip)]; (e = *ep) != NULL;
	    ep = &e->next) {
		if (strcmp(e->ip, ip) == 0) {
			*ep = e->next;
			ui_check_free(e);
			ui->dirty = 1;
			return;
		}
	}
}

/* Cancel the checks of suspects that left the list. */
void
ui_checks_prune(struct ui *ui)
{
	struct ui_check	**ep, *e;
	size_t		  i;

	for (i = 0; i < UI_CHECK_BUCKETS; i++) {
		ep = &ui->checks[i];
		while ((e = *ep) != NULL) {
			if (e->client->whitelisted && !ui->show_whitelisted) {
				*ep = e->next;
				ui_check_free(e);
				continue;
			}
			ep = &e->next;
		}
	}
	if (ui->pending != NULL && ui->pending->whitelisted &&
	    !ui->show_whitelisted)
		ui->pending = NULL;
	ui_dns_prune(ui);
}

/*
 * The selection changed: arm the debounce timer for a DNS check of the
 * selected suspect, unless one runs or a fresh result is there.
 */
void
ui_check_schedule(struct ui *ui, uint64_t now_ms)
{
	struct client	*c;
	struct ui_check	*e;

	ui->pending = NULL;
	if ((c = ui_selected(ui)) == NULL || ui->ctx->dns == NULL)
		return;
	e = ui_check_find(ui, c->ip);
	if (e != NULL && (!e->done || now_ms - e->done_ms < UI_FRESH_MS))
		return;
	ui->pending = c;
	ui->pending_due = now_ms + UI_DEBOUNCE_MS;
}

/*
 * Start a DNS check of c at once, without the debounce, unless one runs
 * or a result younger than UI_FRESH_MS is there.  Returns 1 while a check
 * of c runs, 0 when its result is there or no check could start.
 */
int
ui_check_ensure(struct ui *ui, struct client *c, uint64_t now_ms)
{
	struct ui_check	*e;

	if (ui->ctx->dns == NULL)
		return 0;
	e = ui_check_find(ui, c->ip);
	if (e == NULL || (e->done && now_ms - e->done_ms >= UI_FRESH_MS)) {
		ui_check_begin(ui, c, 0);
		e = ui_check_find(ui, c->ip);
	}
	return e != NULL && !e->done;
}

/*
 * Store check, which a bulk re-check ran and which has finished, as the
 * result of c, so reports, the detail pane and the grouped view read it.
 * A check of c that still runs is newer, so it stays and check is freed.
 */
void
ui_check_adopt(struct ui *ui, struct client *c, struct dns_check *check)
{
	struct ui_check	*e;
	size_t		 b;

	if ((e = ui_check_find(ui, c->ip)) != NULL && !e->done) {
		dns_check_free(check);
		return;
	}
	if (e == NULL) {
		e = xcalloc(1, sizeof *e);
		snprintf(e->ip, sizeof e->ip, "%s", c->ip);
		e->ui = ui;
		b = ui_check_bucket(e->ip);
		e->next = ui->checks[b];
		ui->checks[b] = e;
	} else
		dns_check_free(e->check);
	e->client = c;
	e->check = check;
	e->done = 1;
	e->done_ms = ui_now_ms();
}

/* Start a DNS check of c now, replacing any earlier result. */
void
ui_check_start(struct ui *ui, struct client *c)
{
	ui_check_begin(ui, c, 0);
}

/* ui_check_start with DNS_CHECK_* flags.  It is always urgent. */
void
ui_check_begin(struct ui *ui, struct client *c, int flags)
{
	const char	*helos[DNS_HELOS_MAX];
	struct ui_check	*e;
	size_t		 i, n, b;

	if (ui->pending == c)
		ui->pending = NULL;
	if (ui->ctx->dns == NULL)
		return;
	ui_check_drop(ui, c->ip);

	n = c->nhelos < DNS_HELOS_MAX ? c->nhelos : DNS_HELOS_MAX;
	for (i = 0; i < n; i++)
		helos[i] = c->helos[i].name;

	e = xcalloc(1, sizeof *e);
	snprintf(e->ip, sizeof e->ip, "%s", c->ip);
	e->client = c;
	e->ui = ui;
	e->check = dns_check_begin(ui->ctx->dns, &c->addr, helos, n,
	    flags | DNS_CHECK_URGENT, ui_check_done, e);
	if (e->check == NULL) {
		ui_set_message(ui, 1, "DNS check of %s could not start", c->ip);
		free(e);
		return;
	}
	b = ui_check_bucket(e->ip);
	e->next = ui->checks[b];
	ui->checks[b] = e;
	ui->dirty = 1;
}

/* Record a finished check.  It runs inside dns_process, so it only marks. */
static void
ui_check_done(struct dns_check *check, void *arg)
{
	struct ui_check	*e = arg;

	e->done = 1;
	e->done_ms = ui_now_ms();
	e->ui->dirty = 1;
	ui_dns_check_done(e->ui, e->client, dns_check_result(check));
}

static void
ui_signal(int sig)
{
	int	saved_errno = errno;

	if (sig == SIGWINCH)
		ui_sig_winch = 1;
	else
		ui_sig_quit = 1;
	if (ui_sig_fd != -1 && write(ui_sig_fd, "s", 1) == -1) {
		/* A full pipe already wakes the loop. */
	}
	errno = saved_errno;
}

struct ui_signals {
	int			pipe[2];
	struct sigaction	old_int, old_term, old_hup, old_winch, old_pipe;
};

static int
ui_signals_start(struct ui_signals *s, char **cause)
{
	struct sigaction	sa;
	int			i;

	if (pipe(s->pipe) == -1) {
		xasprintf(cause, "pipe: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < 2; i++) {
		fcntl(s->pipe[i], F_SETFL, fcntl(s->pipe[i], F_GETFL) |
		    O_NONBLOCK);
		fcntl(s->pipe[i], F_SETFD, FD_CLOEXEC);
	}
	ui_sig_quit = 0;
	ui_sig_winch = 0;
	ui_sig_fd = s->pipe[1];

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = ui_signal;
	sigaction(SIGINT, &sa, &s->old_int);
	sigaction(SIGTERM, &sa, &s->old_term);
	sigaction(SIGHUP, &sa, &s->old_hup);
	/* Installed before curses starts, so curses keeps its own away. */
	sigaction(SIGWINCH, &sa, &s->old_winch);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &s->old_pipe);
	return 0;
}

static void
ui_signals_stop(struct ui_signals *s)
{
	sigaction(SIGINT, &s->old_int, NULL);
	sigaction(SIGTERM, &s->old_term, NULL);
	sigaction(SIGHUP, &s->old_hup, NULL);
	sigaction(SIGWINCH, &s->old_winch, NULL);
	sigaction(SIGPIPE, &s->old_pipe, NULL);
	ui_sig_fd = -1;
	close(s->pipe[0]);
	close(s->pipe[1]);
}

/*
 * Take the new terminal size after SIGWINCH.  resizeterm also queues
 * KEY_RESIZE, which only repaints (see ui_key).
 */
static void
ui_resize(struct ui *ui)
{
	struct winsize	ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	ui->clear = 1;
	ui->dirty = 1;
}

/* Act on what a key handler returned.  Returns 1 when the console ends. */
static int
ui_apply(struct ui *ui, int act, uint64_t now_ms)
{
	struct client	*c;

	if (act & UI_ACT_QUIT)
		return 1;
	if (act & UI_ACT_CLEAR)
		ui->clear = 1;
	if (act & UI_ACT_SELECT)
		ui_check_schedule(ui, now_ms);
	if ((act & UI_ACT_RECHECK) && (c = ui_selected(ui)) != NULL)
		ui_check_begin(ui, c, DNS_CHECK_FRESH);
	if (act & UI_ACT_EDIT)
		ui_report_edit(ui);
	ui->dirty = 1;
	return 0;
}

/*
 * Milliseconds poll may sleep: until the debounce timer, a DNS timeout or
 * the follow timer.
 */
static int
ui_poll_timeout(struct ui *ui, uint64_t now_ms)
{
	int	timeout = UI_SLEEP_MAX_MS, dns_ms;

	if (ui->pending != NULL) {
		if (ui->pending_due <= now_ms)
			timeout = 0;
		else if (ui->pending_due - now_ms < (uint64_t)timeout)
			timeout = (int)(ui->pending_due - now_ms);
	}
	if (ui->ctx->dns != NULL) {
		dns_ms = dns_timeout(ui->ctx->dns, timeout);
		if (dns_ms >= 0 && dns_ms < timeout)
			timeout = dns_ms;
	}
	timeout = ui_dns_timeout(ui, now_ms, timeout);
	timeout = ui_report_timeout(ui, now_ms, timeout);
	timeout = ui_load_timeout(ui, now_ms, timeout);
	return ui_follow_timeout(ui, now_ms, timeout);
}

static int
ui_loop(struct ui *ui, int sigfd, char **cause)
{
	struct pollfd	 fds[UI_POLLFDS_MAX];
	struct dns	*dns = ui->ctx->dns;
	size_t		 ndns = 0, nload, inflight;
	uint64_t	 now;
	char		 drain[64];
	int		 ch, keys, timeout, empty_reads = 0, tty_ready = 0;

	for (;;) {
		/* Keys curses has buffered would not wake poll: take them. */
		now = ui_now_ms();
		keys = 0;
		while (keys < UI_KEYS_PER_PASS && (ch = getch()) != ERR) {
			keys++;
			if (ui_apply(ui, ch == KEY_MOUSE ? ui_mouse_read(ui) :
			    ui_key(ui, ch), now))
				return 0;
		}
		if (tty_ready && keys == 0) {
			if (++empty_reads >= UI_EMPTY_READS_MAX)
				return 0;
		} else
			empty_reads = 0;
		if (ui_sig_quit)
			return 0;
		if (ui_sig_winch) {
			ui_sig_winch = 0;
			ui_resize(ui);
		}

		now = ui_now_ms();
		if (ui->pending != NULL && ui->pending_due <= now)
			ui_check_start(ui, ui->pending);
		ui_dns_tick(ui, now);
		ui_load_tick(ui, now);
		ui_follow_tick(ui, now);
		inflight = dns != NULL ? dns_inflight(dns) : 0;
		if (inflight != ui->inflight && ui_dns_redraw_due(ui, now))
			ui->dirty = 1;
		if (ui->dirty) {
			ui->inflight = inflight;
			ui_draw(ui);
			ui->dirty = 0;
		}

		fds[UI_POLLFD_TTY].fd = STDIN_FILENO;
		fds[UI_POLLFD_TTY].events = POLLIN;
		fds[UI_POLLFD_SIGNAL].fd = sigfd;
		fds[UI_POLLFD_SIGNAL].events = POLLIN;
		if (dns != NULL)
			ndns = dns_pollfds(dns, fds + UI_POLLFD_DNS,
			    UI_POLLFDS_MAX - UI_POLLFD_DNS - 1);
		/* The load's entry goes last, after the DNS entries. */
		nload = ui_load_pollfd(ui, &fds[UI_POLLFD_DNS + ndns]);
		timeout = keys == UI_KEYS_PER_PASS ? 0 :
		    ui_poll_timeout(ui, now);
		ui_dns_loop_mark(ui, 0);
		if (poll(fds, UI_POLLFD_DNS + ndns + nload, timeout) == -1) {
			if (errno != EINTR && errno != EAGAIN) {
				xasprintf(cause, "poll: %s", strerror(errno));
				return -1;
			}
			for (ch = 0; ch < (int)(UI_POLLFD_DNS + ndns + nload);
			    ch++)
				fds[ch].revents = 0;
		}

		ui_dns_loop_mark(ui, 1);
		if (fds[UI_POLLFD_SIGNAL].revents & POLLIN) {
			while (read(sigfd, drain, sizeof drain) > 0)
				continue;
		}
		if (fds[UI_POLLFD_TTY].revents & (POLLHUP | POLLERR | POLLNVAL))
			return 0;
		tty_ready = (fds[UI_POLLFD_TTY].revents & POLLIN) != 0;
		if (dns != NULL)
			dns_process(dns, fds + UI_POLLFD_DNS, ndns);
	}
}

int
ui_run(struct ui_context *ctx, char **cause)
{
	struct ui		 ui;
	struct ui_signals	 sigs;
	struct ui_keymap	*keymap;
	SCREEN			*screen;
	int			 rc;

	/* Bad key lines are reported with or without a terminal. */
	if (ui_keymap_build(ctx->cfg, &keymap, cause) == -1)
		return -1;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		xasprintf(cause, "the console needs a terminal on standard "
		    "input and output; use \"smtptriage list\" otherwise");
		ui_keymap_free(keymap);
		return -1;
	}
	setlocale(LC_ALL, "");
	if (ui_signals_start(&sigs, cause) == -1) {
		ui_keymap_free(keymap);
		return -1;
	}
	if ((screen = newterm(NULL, stdout, stdin)) == NULL) {
		ui_keymap_free(keymap);
		ui_signals_stop(&sigs);
		xasprintf(cause, "cannot set up the terminal \"%s\"; check "
		    "TERM", getenv("TERM") != NULL ? getenv("TERM") : "");
		return -1;
	}
	set_term(screen);
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(UI_ESCDELAY_MS);
	curs_set(0);
	ui_mouse_start();

	ui_init(&ui, ctx);
	ui.keymap = keymap;
	ui_colour_init(&ui);
	ui_check_schedule(&ui, ui_now_ms());
	ui_load_start(&ui, ui_now_ms());
	ui_follow_start(&ui, ui_now_ms());
	rc = ui_loop(&ui, sigs.pipe[0], cause);

	endwin();
	delscreen(screen);
	ui_free(&ui);
	ui_signals_stop(&sigs);
	return rc;
}
