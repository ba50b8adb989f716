/*
 * Drawing the console: header, suspect list, detail pane, status line,
 * help and report preview.  Every log- or DNS-derived string goes through
 * ui_escape before it reaches ui_put, and ui_put clips by display columns
 * (wcwidth), so nothing wraps and no control byte reaches the terminal.
 */
#define NCURSES_WIDECHAR 1

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <curses.h>

#include "config.h"
#include "esc.h"
#include "logread.h"
#include "report.h"
#include "ui_internal.h"
#include "xmalloc.h"

/* Maximum wide characters drawn by one ui_put call. */
#define UI_WIDE_MAX	1024

/* Widths of the fixed list columns. */
#define UI_COL_IP_MIN		15
#define UI_COL_COUNT		7
#define UI_COL_SEEN		16	/* "YYYY-MM-DD HH:MM" */
#define UI_COL_STATUS		11	/* "whitelisted" */
#define UI_COL_NAME_MAX		40	/* HELO and rDNS */
/* Below this many columns for HELO, rDNS and reasons, "last seen" goes. */
/* Narrowest HELO and rDNS columns: their titles. */
#define UI_COL_NAME_MIN		4
#define UI_COL_FLEX_MIN		30
/* The tag column ("*" and a blank), drawn while any suspect is tagged. */
#define UI_COL_TAG		2

/* Addresses listed per DNS answer line in the detail pane. */
#define UI_ADDRS_SHOWN		8

enum ui_colour {
	UI_C_NORMAL,
	UI_C_PASS,
	UI_C_FAIL,
	UI_C_INDETERMINATE,
	UI_C_MARKED,
	UI_C_WHITELISTED,
	UI_C_REPORTED,
	UI_C_HEADER,
	UI_C_ERROR,
	UI_C_LABEL,
	UI_C_DIM,
};

/* Colour pair numbers, one per enum ui_colour that has a colour. */
static const struct {
	enum ui_colour	which;
	short		fg;
	attr_t		extra;
	attr_t		mono;		/* without colour */
} ui_colours[] = {
	{ UI_C_PASS, COLOR_GREEN, 0, A_NORMAL },
	{ UI_C_FAIL, COLOR_RED, A_BOLD, A_BOLD },
	{ UI_C_INDETERMINATE, COLOR_YELLOW, 0, A_UNDERLINE },
	{ UI_C_MARKED, COLOR_YELLOW, A_BOLD, A_BOLD },
	{ UI_C_WHITELISTED, COLOR_GREEN, 0, A_DIM },
	{ UI_C_REPORTED, COLOR_MAGENTA, 0, A_UNDERLINE },
	{ UI_C_ERROR, COLOR_RED, A_BOLD, A_BOLD },
};

/* Column positions and widths of the list, from ui_columns. */
struct ui_cols {
	int	ip, helo, rdns, reasons, count, seen, status;	/* x */
	int	ip_w, helo_w, rdns_w, reasons_w, seen_w;
};

/* A cursor that writes a pane line by line and drops what does not fit. */
struct ui_pen {
	int	y0, x0, w, h;
	int	row, col;
	int	lost;		/* lines that did not fit */
};

/*
 * The help screen below the list keys, which ui_keymap_help writes from
 * the key table.  An entry with NULL text is a blank line.
 */
static const struct {
	int		 heading;
	const char	*text;
} ui_help_text[] = {
	{ 1, "Keys in the report preview" },
	{ 0, "  y               send the report, or write it to the outbox "
	    "when no recipient" },
	{ 0, "                  or no sendmail command is configured" },
	{ 0, "  n               skip this report (the last one: cancel)" },
	{ 0, "  e               edit the report in $EDITOR (default vi)" },
	{ 0, "  t               type the recipient (To); Enter sets it" },
	{ 0, "  R               check the DNS of this report's suspects again "
	    "and compose it anew" },
	{ 0, "  Esc, q          cancel the reports not sent yet" },
	{ 0, "  j, k, PgDn, PgUp, Space, Home, End   scroll" },
	{ 0, NULL },
	{ 1, "After w: what to whitelist" },
	{ 0, "  i the IP, n its /24 (IPv4) or /48 (IPv6), d the rDNS domain "
	    "(only a name the MTA" },
	{ 0, "  verified), p the provider's configured ranges; then a comment. "
	    "Esc cancels." },
	{ 0, NULL },
	{ 1, "After f: quick filters" },
	{ 0, "  n new, m marked, w whitelisted, r reported; reasons: h HELO, "
	    "p PTR, d DNSBL," },
	{ 0, "  s SMTP, o other; a shows all.  A status and a reason kind "
	    "combine." },
	{ 0, NULL },
	{ 1, "Keys in the whitelist screen (L)" },
	{ 0, "  a               add an entry, then its comment" },
	{ 0, "  d               remove the selected entry (asks y/n)" },
	{ 0, "  u               undo the last mark or whitelist change" },
	{ 0, "  q, Esc          back to the list" },
	{ 0, "  j, k, PgDn, PgUp, Home, End   move" },
	{ 0, NULL },
	{ 1, "Prompts and questions" },
	{ 0, "  In a prompt Enter accepts, Esc cancels, Backspace and Ctrl-U "
	    "edit." },
	{ 0, "  A question: y confirms, n or Esc cancels.  \"confirm = no\" "
	    "in the config file" },
	{ 0, "  turns off the questions before actions on many suspects and "
	    "before F." },
	{ 0, NULL },
	{ 1, "DNS checks" },
	{ 0, "  Moving onto a suspect checks its DNS once the cursor rests; "
	    "a result less than" },
	{ 0, "  a minute old is reused.  Verdicts are pass, fail, or "
	    "indeterminate when a" },
	{ 0, "  temporary failure (SERVFAIL, REFUSED, timeout) decided them." },
	{ 0, NULL },
	{ 1, "Status column" },
	{ 0, "  new, marked, whitelisted (shown with W), reported" },
	{ 0, NULL },
	{ 1, "Mouse" },
	{ 0, "  A click selects a row of the list or the whitelist screen; "
	    "the wheel moves" },
	{ 0, "  three rows there and scrolls the help and the report "
	    "preview." },
};

static attr_t
ui_attr(const struct ui *ui, enum ui_colour which)
{
	size_t	i;

	switch (which) {
	case UI_C_NORMAL:
		return A_NORMAL;
	case UI_C_HEADER:
		return A_REVERSE;
	case UI_C_LABEL:
		return A_BOLD;
	case UI_C_DIM:
		return A_DIM;
	default:
		break;
	}
	for (i = 0; i < sizeof ui_colours / sizeof ui_colours[0]; i++) {
		if (ui_colours[i].which != which)
			continue;
		if (!ui->colour)
			return ui_colours[i].mono;
		return COLOR_PAIR((int)i + 1) | ui_colours[i].extra;
	}
	return A_NORMAL;
}

/* Set up colour pairs unless NO_COLOR is set or the terminal has none. */
void
ui_colour_init(struct ui *ui)
{
	const char	*no_colour = getenv("NO_COLOR");
	size_t		 i;

	ui->colour = 0;
	if ((no_colour != NULL && *no_colour != '\0') || !has_colors())
		return;
	if (start_color() == ERR)
		return;
	use_default_colors();
	for (i = 0; i < sizeof ui_colours / sizeof ui_colours[0]; i++)
		init_pair((short)(i + 1), ui_colours[i].fg, -1);
	ui->colour = 1;
}

/* The mark that ends text cut at the column limit: "…", or "~". */
static wchar_t
ui_cut_mark(void)
{
	wchar_t	wc;

	if (mbtowc(&wc, "\xe2\x80\xa6", 3) == 3 && wcwidth(wc) == 1)
		return wc;
	return L'~';
}

/*
 * Decode printable s into at most w columns of wide characters in buf
 * (UI_WIDE_MAX entries).  Returns the columns used and sets *n.  Bytes
 * that do not decode in the locale and characters without a width become
 * '?'.  Text that does not fit ends in a cut mark, so a clipped name never
 * passes for a whole one.
 */
static int
ui_decode(const char *s, int w, wchar_t *buf, size_t *n)
{
	wchar_t		wc;
	mbstate_t	mbs;
	size_t		len, left;
	int		col = 0, cw;

	*n = 0;
	memset(&mbs, 0, sizeof mbs);
	left = strlen(s);
	while (left > 0 && *n < UI_WIDE_MAX - 2) {
		len = mbrtowc(&wc, s, left, &mbs);
		if (len == (size_t)-1 || len == (size_t)-2 || len == 0) {
			memset(&mbs, 0, sizeof mbs);
			wc = L'?';
			len = 1;
		}
		if ((cw = wcwidth(wc)) < 0) {
			wc = L'?';
			cw = 1;
		}
		/* A combining mark at the start would join the cell before. */
		if (cw == 0 && *n == 0) {
			s += len;
			left -= len;
			continue;
		}
		if (col + cw > w)
			break;
		buf[(*n)++] = wc;
		col += cw;
		s += len;
		left -= len;
	}
	if (left == 0 || w < 1)
		return col;

	/* Make room for the cut mark. */
	while (*n > 0 && col + 1 > w) {
		cw = wcwidth(buf[--(*n)]);
		col -= cw > 0 ? cw : 0;
	}
	buf[(*n)++] = ui_cut_mark();
	return col + 1;
}

/* Display columns of printable s, as ui_put draws it. */
int
ui_width(const char *s)
{
	wchar_t	buf[UI_WIDE_MAX];
	size_t	n;

	return ui_decode(s, UI_WIDE_MAX, buf, &n);
}

/*
 * Draw s, which must be printable (escaped, or a literal), at y, x in at
 * most w columns.  Returns the columns used.
 */
int
ui_put(int y, int x, int w, const char *s, attr_t attr)
{
	wchar_t	buf[UI_WIDE_MAX];
	size_t	n;
	int	col;

	if (w <= 0)
		return 0;
	col = ui_decode(s, w, buf, &n);
	if (n > 0) {
		attrset(attr);
		mvaddnwstr(y, x, buf, (int)n);
		attrset(A_NORMAL);
	}
	return col;
}

/* Escape untrusted text and draw it like ui_put. */
int
ui_put_esc(int y, int x, int w, const char *raw, attr_t attr)
{
	char	*s;
	int	 n;

	s = ui_escape(raw, strlen(raw));
	n = ui_put(y, x, w, s, attr);
	free(s);
	return n;
}

static void
ui_fill(int y, int x, int w, attr_t attr)
{
	if (w <= 0)
		return;
	attrset(attr);
	mvhline(y, x, ' ', w);
	attrset(A_NORMAL);
}

static void
ui_pen_start(struct ui_pen *p, int y, int x, int w, int h)
{
	memset(p, 0, sizeof *p);
	p->y0 = y;
	p->x0 = x;
	p->w = w;
	p->h = h;
}

/* Append printable text to the current pen line. */
static void
ui_pen_add(struct ui_pen *p, const char *s, attr_t attr)
{
	if (p->row >= p->h || p->col >= p->w)
		return;
	p->col += ui_put(p->y0 + p->row, p->x0 + p->col, p->w - p->col, s,
	    attr);
}

static void
ui_pen_add_esc(struct ui_pen *p, const char *raw, attr_t attr)
{
	char	*s;

	s = ui_escape(raw, strlen(raw));
	ui_pen_add(p, s, attr);
	free(s);
}

static void
ui_pen_nl(struct ui_pen *p)
{
	if (p->row >= p->h)
		p->lost++;
	p->row++;
	p->col = 0;
}

static attr_t
ui_status_attr(const struct ui *ui, enum client_status s)
{
	switch (s) {
	case CLIENT_MARKED:
		return ui_attr(ui, UI_C_MARKED);
	case CLIENT_WHITELISTED:
		return ui_attr(ui, UI_C_WHITELISTED);
	case CLIENT_REPORTED:
		return ui_attr(ui, UI_C_REPORTED);
	case CLIENT_NEW:
		break;
	}
	return A_NORMAL;
}

static attr_t
ui_verdict_attr(const struct ui *ui, enum dns_verdict v)
{
	switch (v) {
	case DNS_VERDICT_PASS:
		return ui_attr(ui, UI_C_PASS);
	case DNS_VERDICT_FAIL:
		return ui_attr(ui, UI_C_FAIL);
	case DNS_VERDICT_INDETERMINATE:
		return ui_attr(ui, UI_C_INDETERMINATE);
	case DNS_VERDICT_NONE:
		break;
	}
	return A_NORMAL;
}

static attr_t
ui_rcode_attr(const struct ui *ui, enum dns_rcode rc)
{
	if (rc == DNS_RCODE_NXDOMAIN || rc == DNS_RCODE_INVALID)
		return ui_attr(ui, UI_C_FAIL);
	if (dns_rcode_temporary(rc))
		return ui_attr(ui, UI_C_INDETERMINATE);
	return A_NORMAL;
}

static const char *
ui_rcode_name(enum dns_rcode rc)
{
	return rc == DNS_RCODE_NONE ? "pending" : dns_rcode_name(rc);
}

static const char *
ui_verdict_name(enum dns_verdict v)
{
	return v == DNS_VERDICT_NONE ? "pending" : dns_verdict_name(v);
}

/* "…" where the locale can show it. */
static const char *
ui_ellipsis(void)
{
	wchar_t	wc;

	if (mbtowc(&wc, "\xe2\x80\xa6", 3) == 3 && wcwidth(wc) == 1)
		return "\xe2\x80\xa6";
	return "...";
}

static void
ui_format_count(uint64_t n, char *buf, size_t size)
{
	if (n < 1000000)
		snprintf(buf, size, "%llu", (unsigned long long)n);
	else if (n < 1000000000)
		snprintf(buf, size, "%.1fM", (double)n / 1e6);
	else
		snprintf(buf, size, "%.1fG", (double)n / 1e9);
}

/* Join the reason keys of c with commas.  The caller escapes the result. */
static char *
ui_reasons_joined(const struct client *c)
{
	struct esc_buf	b = { NULL, 0, 0 };
	size_t		i;

	esc_buf_add(&b, "", 0);
	for (i = 0; i < c->nreasons && b.len < UI_TEXT_MAX; i++) {
		if (i > 0)
			esc_buf_add(&b, ",", 1);
		esc_buf_add(&b, c->reasons[i].name, strlen(c->reasons[i].name));
	}
	return b.data;
}

static int
ui_column_width(size_t need, int cap)
{
	if (need < UI_COL_NAME_MIN)
		need = UI_COL_NAME_MIN;
	return need < (size_t)cap ? (int)need : cap;
}

static void
ui_columns(const struct ui *ui, int w, struct ui_cols *k)
{
	size_t	i, len, ipmax = UI_COL_IP_MIN;
	int	rem, cap;

	memset(k, 0, sizeof *k);
	for (i = 0; i < ui->nrows; i++) {
		if (ui->rows[i] == NULL)
			continue;
		len = strlen(ui->rows[i]->ip);
		if (len > ipmax)
			ipmax = len;
	}
	k->ip_w = (int)ipmax;
	k->seen_w = UI_COL_SEEN;
	rem = w - (k->ip_w + UI_COL_COUNT + k->seen_w + UI_COL_STATUS + 6);
	if (ui->ntags > 0)
		rem -= UI_COL_TAG;
	if (rem < UI_COL_FLEX_MIN) {
		rem += k->seen_w + 1;
		k->seen_w = 0;
	}
	if (rem < 3)
		rem = 3;
	/* HELO and rDNS take what their names need, up to a cap. */
	cap = rem * 3 / 10;
	if (cap > UI_COL_NAME_MAX)
		cap = UI_COL_NAME_MAX;
	k->helo_w = ui_column_width(ui->helo_width, cap);
	k->rdns_w = ui_column_width(ui->rdns_width, cap);
	k->reasons_w = rem - k->helo_w - k->rdns_w;

	k->ip = ui->ntags > 0 ? UI_COL_TAG : 0;
	k->helo = k->ip + k->ip_w + 1;
	k->rdns = k->helo + k->helo_w + 1;
	k->reasons = k->rdns + k->rdns_w + 1;
	k->count = k->reasons + k->reasons_w + 1;
	k->seen = k->count + UI_COL_COUNT + 1;
	k->status = k->seen + (k->seen_w > 0 ? k->seen_w + 1 : 0);
}

/* 1 when a file before file f has the name path. */
static int
ui_draw_path_seen(const struct agg *agg, uint32_t f, const char *path)
{
	const char	*earlier;
	uint32_t	 g;

	for (g = 0; g < f && (earlier = agg_file_path(agg, g)) != NULL; g++) {
		if (strcmp(earlier, path) == 0)
			return 1;
	}
	return 0;
}

static void
ui_draw_header(struct ui *ui)
{
	const struct ui_layout	*l = &ui->layout;
	const char		*path;
	struct esc_buf		 files = { NULL, 0, 0 };
	char			 right[384], *view;
	size_t			 i, hidden = 0;
	uint32_t		 f;
	int			 rw, x;

	for (i = 0; i < ui->nsuspects; i++)
		hidden += ui->suspects[i]->whitelisted;
	if (ui->show_whitelisted)
		snprintf(right, sizeof right, "%zu %s, %zu whitelisted "
		    "shown", ui->nsuspects,
		    ui->nsuspects == 1 ? "suspect" : "suspects", hidden);
	else
		snprintf(right, sizeof right, "%zu %s, %zu whitelisted "
		    "hidden", ui->nsuspects,
		    ui->nsuspects == 1 ? "suspect" : "suspects", hidden);
	if (ui->ctx->agg != NULL) {
		i = strlen(right);
		snprintf(right + i, sizeof right - i, ", %zu clients",
		    agg_clients(ui->ctx->agg));
		esc_buf_add(&files, "", 0);
		for (f = 0; (path = agg_file_path(ui->ctx->agg, f)) != NULL &&
		    files.len < UI_TEXT_MAX; f++) {
			/* A log removed again and again: one "(removed)". */
			if (ui_draw_path_seen(ui->ctx->agg, f, path))
				continue;
			if (f > 0)
				esc_buf_add(&files, ", ", 2);
			esc_buf_add(&files, path, strlen(path));
		}
	}
	if (ui->ntags > 0) {
		i = strlen(right);
		snprintf(right + i, sizeof right - i, ", %zu tagged",
		    ui->ntags);
	}
	ui_fill(0, 0, l->cols, ui_attr(ui, UI_C_HEADER));
	x = ui_put(0, 0, l->cols, " smtptriage  ",
	    ui_attr(ui, UI_C_HEADER) | A_BOLD);

	/* The sort order and filters stay when the counts do not fit. */
	view = ui_view_describe(ui);
	i = strlen(right);
	snprintf(right + i, sizeof right - i, " | %s  ? help ", view);
	if ((int)strlen(right) > l->cols - x)
		snprintf(right, sizeof right, "%s  ? help ", view);
	free(view);
	rw = (int)strlen(right);
	if (rw > l->cols - x)
		rw = l->cols - x;
	if (files.data != NULL)
		ui_put_esc(0, x, l->cols - x - rw - 1, files.data,
		    ui_attr(ui, UI_C_HEADER));
	ui_put(0, l->cols - rw, rw, right, ui_attr(ui, UI_C_HEADER));
	esc_buf_free(&files);
}

static void
ui_draw_row(struct ui *ui, const struct ui_cols *k, int y, struct client *c,
    int selected)
{
	const struct ui_layout	*l = &ui->layout;
	enum client_status	 st = client_status(c);
	attr_t			 base = selected ? A_REVERSE : A_NORMAL;
	char			 buf[64], *reasons;
	int			 n;

	ui_fill(y, l->list_x, l->list_w, base);
	if (ui_tagged(ui, c))
		ui_put(y, l->list_x, 1, "*", base | A_BOLD);
	ui_put(y, l->list_x + k->ip, k->ip_w, c->ip, base);
	if (c->nhelos > 0)
		ui_put_esc(y, l->list_x + k->helo, k->helo_w, c->helos[0].name,
		    base);
	else
		ui_put(y, l->list_x + k->helo, k->helo_w, "-", base);
	ui_put_esc(y, l->list_x + k->rdns, k->rdns_w,
	    c->rdns != NULL ? c->rdns : "-", base);
	reasons = ui_reasons_joined(c);
	ui_put_esc(y, l->list_x + k->reasons, k->reasons_w, reasons, base);
	free(reasons);

	ui_format_count(c->events, buf, sizeof buf);
	n = (int)strlen(buf);
	if (n > UI_COL_COUNT)
		n = UI_COL_COUNT;
	ui_put(y, l->list_x + k->count + UI_COL_COUNT - n, n, buf, base);
	if (k->seen_w > 0) {
		ui_format_time(c->last.utc, buf, sizeof buf);
		ui_put(y, l->list_x + k->seen, k->seen_w, buf, base);
	}
	ui_put(y, l->list_x + k->status, UI_COL_STATUS,
	    client_status_name(st), base | ui_status_attr(ui, st));
}

/* A group header of the grouped view: "- name  N suspects", "+" collapsed. */
static void
ui_draw_group(struct ui *ui, int y, const struct ui_group *g, int selected)
{
	const struct ui_layout	*l = &ui->layout;
	attr_t			 attr = ui_attr(ui, UI_C_LABEL);
	char			 buf[64], *label;
	size_t			 i, marked = 0, tagged = 0;
	int			 x;

	if (selected)
		attr |= A_REVERSE;
	for (i = 0; i < g->nmembers; i++) {
		marked += g->members[i]->marked != 0;
		tagged += ui_tagged(ui, g->members[i]);
	}
	ui_fill(y, l->list_x, l->list_w, attr);
	x = l->list_x + ui_put(y, l->list_x, l->list_w,
	    g->collapsed ? "+ " : "- ", attr);
	label = ui_group_label(g);
	x += ui_put_esc(y, x, l->list_x + l->list_w - x, label, attr);
	free(label);
	snprintf(buf, sizeof buf, "  %zu %s", g->nmembers,
	    g->nmembers == 1 ? "suspect" : "suspects");
	x += ui_put(y, x, l->list_x + l->list_w - x, buf, attr);
	if (marked > 0) {
		snprintf(buf, sizeof buf, ", %zu marked", marked);
		x += ui_put(y, x, l->list_x + l->list_w - x, buf, attr);
	}
	if (tagged > 0) {
		snprintf(buf, sizeof buf, ", %zu tagged", tagged);
		ui_put(y, x, l->list_x + l->list_w - x, buf, attr);
	}
}

static void
ui_draw_list(struct ui *ui)
{
	const struct ui_layout	*l = &ui->layout;
	struct ui_cols		 k;
	attr_t			 title = ui_attr(ui, UI_C_LABEL);
	size_t			 i;
	int			 y;

	ui_columns(ui, l->list_w, &k);
	ui_put(1, l->list_x + k.ip, k.ip_w, "IP", title);
	ui_put(1, l->list_x + k.helo, k.helo_w, "HELO", title);
	ui_put(1, l->list_x + k.rdns, k.rdns_w, "RDNS", title);
	ui_put(1, l->list_x + k.reasons, k.reasons_w, "REASONS", title);
	ui_put(1, l->list_x + k.count + UI_COL_COUNT - 5, 5, "COUNT", title);
	if (k.seen_w > 0)
		ui_put(1, l->list_x + k.seen, k.seen_w, "LAST SEEN", title);
	ui_put(1, l->list_x + k.status, UI_COL_STATUS, "STATUS", title);

	if (ui->nrows == 0) {
		ui_put(l->list_y, l->list_x + 1, l->list_w - 1,
		    ui_empty_text(ui), A_NORMAL);
		return;
	}
	for (i = ui->top, y = l->list_y;
	    i < ui->nrows && y < l->list_y + l->list_h; i++, y++) {
		if (ui->rows[i] == NULL)
			ui_draw_group(ui, y, &ui->groups[ui->row_group[i]],
			    i == ui->cursor);
		else
			ui_draw_row(ui, &k, y, ui->rows[i], i == ui->cursor);
	}
}

static void
ui_detail_counts(struct ui_pen *p, const struct ui *ui, const char *label,
    const struct agg_count *counts, size_t n, uint64_t other)
{
	char	buf[64];
	size_t	i;

	ui_pen_add(p, label, ui_attr(ui, UI_C_LABEL));
	if (n == 0)
		ui_pen_add(p, "-", A_NORMAL);
	for (i = 0; i < n; i++) {
		if (i > 0)
			ui_pen_add(p, ", ", A_NORMAL);
		ui_pen_add_esc(p, counts[i].name, A_NORMAL);
		snprintf(buf, sizeof buf, " (%llu)",
		    (unsigned long long)counts[i].count);
		ui_pen_add(p, buf, ui_attr(ui, UI_C_DIM));
	}
	if (other > 0) {
		snprintf(buf, sizeof buf, ", other names in %llu lines",
		    (unsigned long long)other);
		ui_pen_add(p, buf, ui_attr(ui, UI_C_DIM));
	}
	ui_pen_nl(p);
}

static void
ui_detail_addrs(struct ui_pen *p, const struct dns_addrlist *a)
{
	char	buf[INET6_ADDRSTRLEN + 1];
	size_t	i;

	for (i = 0; i < a->count && i < UI_ADDRS_SHOWN; i++) {
		if (inet_ntop(a->addrs[i].family, a->addrs[i].bytes, buf + 1,
		    sizeof buf - 1) == NULL)
			continue;
		buf[0] = ' ';
		ui_pen_add(p, buf, A_NORMAL);
	}
	if (a->count > UI_ADDRS_SHOWN) {
		snprintf(buf, sizeof buf, " +%zu", a->count - UI_ADDRS_SHOWN);
		ui_pen_add(p, buf, A_NORMAL);
	}
}

static void
ui_detail_rcodes(struct ui_pen *p, const struct ui *ui,
    const struct dns_addrlist *a)
{
	ui_pen_add(p, "  A ", A_NORMAL);
	ui_pen_add(p, ui_rcode_name(a->rcode_a), ui_rcode_attr(ui, a->rcode_a));
	ui_pen_add(p, " AAAA ", A_NORMAL);
	ui_pen_add(p, ui_rcode_name(a->rcode_aaaa),
	    ui_rcode_attr(ui, a->rcode_aaaa));
}

/* Draw the live DNS results of c into the detail pane. */
static void
ui_detail_dns(struct ui_pen *p, struct ui *ui, struct client *c)
{
	const struct dns_result	*r;
	const struct dns_helo	*h;
	struct ui_check		*e;
	attr_t			 label = ui_attr(ui, UI_C_LABEL);
	char			 buf[128], when[64];
	struct tm		 tm;
	size_t			 i;

	ui_pen_add(p, "DNS      ", label);
	if (ui->ctx->dns == NULL) {
		ui_pen_add(p, "no resolver set up", A_NORMAL);
		ui_pen_nl(p);
		return;
	}
	e = ui_check_find(ui, c->ip);
	if (e == NULL) {
		if (ui->pending == c) {
			snprintf(buf, sizeof buf, "checking%s", ui_ellipsis());
			ui_pen_add(p, buf, A_NORMAL);
		} else
			ui_pen_add(p, "not checked; R checks now", A_NORMAL);
		ui_pen_nl(p);
		return;
	}
	r = dns_check_result(e->check);
	if (!e->done) {
		snprintf(buf, sizeof buf, "checking%s", ui_ellipsis());
		ui_pen_add(p, buf, A_NORMAL);
	} else {
		if (localtime_r(&r->checked_at, &tm) == NULL ||
		    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm) == 0)
			snprintf(when, sizeof when, "-");
		snprintf(buf, sizeof buf, "checked %s; R checks again", when);
		ui_pen_add(p, buf, A_NORMAL);
		ui_dns_age_text(r, buf, sizeof buf);
		if (buf[0] != '\0') {
			ui_pen_add(p, "; ", A_NORMAL);
			ui_pen_add(p, buf, ui_attr(ui, UI_C_DIM));
		}
	}
	ui_pen_nl(p);

	ui_pen_add(p, "  PTR    ", label);
	ui_pen_add(p, ui_rcode_name(r->ptr_rcode), ui_rcode_attr(ui,
	    r->ptr_rcode));
	if (r->ptr_rcode == DNS_RCODE_NOERROR && r->nptr == 0)
		ui_pen_add(p, " (no PTR records)", A_NORMAL);
	ui_pen_nl(p);
	for (i = 0; i < r->nptr && i < DNS_NAMES_MAX; i++) {
		ui_pen_add(p, "    ", A_NORMAL);
		ui_pen_add_esc(p, r->ptr[i].name != NULL ? r->ptr[i].name : "",
		    A_NORMAL);
		if (r->ptr[i].invalid != NULL) {
			ui_pen_add(p, "  not asked: ", A_NORMAL);
			ui_pen_add_esc(p, r->ptr[i].invalid, A_NORMAL);
			ui_pen_nl(p);
			continue;
		}
		ui_detail_rcodes(p, ui, &r->ptr[i].forward);
		ui_detail_addrs(p, &r->ptr[i].forward);
		if (r->ptr[i].forward.rcode_a != DNS_RCODE_NONE &&
		    r->ptr[i].forward.rcode_aaaa != DNS_RCODE_NONE) {
			if (r->ptr[i].confirmed)
				ui_pen_add(p, "  confirms",
				    ui_attr(ui, UI_C_PASS));
			else
				ui_pen_add(p, "  does not confirm",
				    ui_attr(ui, UI_C_FAIL));
		}
		ui_pen_nl(p);
	}

	ui_pen_add(p, "  FCrDNS ", label);
	ui_pen_add(p, ui_verdict_name(r->fcrdns), ui_verdict_attr(ui,
	    r->fcrdns));
	ui_pen_nl(p);

	for (i = 0; i < r->nhelo && i < DNS_HELOS_MAX; i++) {
		h = &r->helo[i];
		ui_pen_add(p, "  HELO   ", label);
		ui_pen_add_esc(p, h->name != NULL ? h->name : "", A_NORMAL);
		ui_pen_add(p, "  ", A_NORMAL);
		if (h->literal)
			ui_pen_add(p, "address literal", A_NORMAL);
		else if (h->invalid != NULL) {
			ui_pen_add(p, "not asked: ", A_NORMAL);
			ui_pen_add_esc(p, h->invalid, A_NORMAL);
		} else {
			ui_pen_add(p, ui_rcode_name(h->rcode),
			    ui_rcode_attr(ui, h->rcode));
			ui_detail_addrs(p, &h->forward);
		}
		ui_pen_add(p, "  ", A_NORMAL);
		ui_pen_add(p, ui_verdict_name(h->verified),
		    ui_verdict_attr(ui, h->verified));
		ui_pen_nl(p);
	}
}

/* The DNSBL, abuse contact and history lines under the DNS results. */
static void
ui_detail_dns_lines(struct ui_pen *p, struct ui *ui, struct client *c)
{
	struct ui_dns_line	lines[UI_DNS_LINES_MAX];
	attr_t			attr;
	size_t			i, n;

	n = ui_dns_lines(ui, c, lines, UI_DNS_LINES_MAX);
	for (i = 0; i < n; i++) {
		switch (lines[i].tone) {
		case UI_TONE_PASS:
			attr = ui_attr(ui, UI_C_PASS);
			break;
		case UI_TONE_FAIL:
			attr = ui_attr(ui, UI_C_FAIL);
			break;
		case UI_TONE_INDETERMINATE:
			attr = ui_attr(ui, UI_C_INDETERMINATE);
			break;
		case UI_TONE_DIM:
			attr = ui_attr(ui, UI_C_DIM);
			break;
		default:
			attr = A_NORMAL;
			break;
		}
		ui_pen_add(p, lines[i].label, ui_attr(ui, UI_C_LABEL));
		ui_pen_add_esc(p, lines[i].text, attr);
		ui_pen_nl(p);
		free(lines[i].text);
	}
}

static void
ui_detail_evidence(struct ui_pen *p, struct ui *ui, struct client *c)
{
	const struct ui_evline	*ev;
	const char		*path;
	char			 buf[128], *base, *copy;
	uint64_t		 seen;
	size_t			 i;
	int			 several;

	/* Without a line with a reason, the evidence is its first lines. */
	seen = c->evidence_plain ? c->events : c->evidence_seen;
	snprintf(buf, sizeof buf, "Evidence %zu of %llu lines",
	    c->nevidence, (unsigned long long)seen);
	ui_pen_add(p, buf, ui_attr(ui, UI_C_LABEL));
	if (seen > c->nevidence)
		ui_pen_add(p, c->evidence_plain ? " (the first)" :
		    " (the first and the latest)", A_NORMAL);
	ui_pen_nl(p);

	several = ui->ctx->agg != NULL &&
	    agg_file_path(ui->ctx->agg, 1) != NULL;
	for (i = 0; i < ui->nevidence; i++) {
		ev = &ui->evidence[i];
		if (several && (path = agg_file_path(ui->ctx->agg,
		    ev->file)) != NULL) {
			copy = xstrdup(path);
			base = basename(copy);
			ui_pen_add(p, "  ", A_NORMAL);
			ui_pen_add_esc(p, base, ui_attr(ui, UI_C_DIM));
			free(copy);
			snprintf(buf, sizeof buf, ":%llu  ",
			    (unsigned long long)ev->line);
		} else
			snprintf(buf, sizeof buf, "%7llu  ",
			    (unsigned long long)ev->line);
		ui_pen_add(p, buf, ui_attr(ui, UI_C_DIM));
		ui_pen_add(p, ev->text, ev->error ? ui_attr(ui, UI_C_ERROR) :
		    A_NORMAL);
		ui_pen_nl(p);
	}
}

static void
ui_draw_detail(struct ui *ui)
{
	const struct ui_layout	*l = &ui->layout;
	struct client		*c = ui_selected(ui);
	struct ui_pen		 p;
	attr_t			 label = ui_attr(ui, UI_C_LABEL);
	enum client_status	 st;
	char			 buf[160], first[32], last[32];
	char			*provider, *history;
	int			 y;

	if (l->side) {
		for (y = 1; y < l->status_y; y++)
			mvaddch(y, l->list_w, ACS_VLINE);
	} else {
		mvhline(l->detail_y - 1, 0, ACS_HLINE, l->cols);
	}
	ui_detail_load(ui, c);
	if (c == NULL)
		return;

	ui_pen_start(&p, l->detail_y, l->detail_x + 1, l->detail_w - 1,
	    l->detail_h);
	st = client_status(c);
	ui_pen_add(&p, "IP       ", label);
	ui_pen_add(&p, c->ip, A_BOLD);
	ui_pen_add(&p, "  status ", label);
	ui_pen_add(&p, client_status_name(st), ui_status_attr(ui, st));
	ui_format_time(c->first.utc, first, sizeof first);
	ui_format_time(c->last.utc, last, sizeof last);
	snprintf(buf, sizeof buf, "  events %llu  first seen %s  last seen "
	    "%s", (unsigned long long)c->events, first, last);
	ui_pen_add(&p, buf, A_NORMAL);
	ui_pen_nl(&p);

	ui_detail_counts(&p, ui, "HELO     ", c->helos, c->nhelos,
	    c->helo_other);
	ui_pen_add(&p, "rDNS     ", label);
	if (c->rdns != NULL) {
		ui_pen_add_esc(&p, c->rdns, A_NORMAL);
		ui_pen_add(&p, " (forward-confirmed by the MTA)",
		    ui_attr(ui, UI_C_DIM));
	} else
		ui_pen_add(&p, "- (no verified name logged)", A_NORMAL);
	/* The provider shares the rDNS line, to keep the pane short. */
	ui_report_detail(ui, c, &provider, &history);
	if (provider != NULL) {
		ui_pen_add(&p, "  provider ", label);
		ui_pen_add_esc(&p, provider, A_NORMAL);
	}
	ui_pen_nl(&p);
	if (history != NULL) {
		ui_pen_add(&p, "History  ", label);
		ui_pen_add_esc(&p, history, ui_attr(ui, UI_C_REPORTED));
		ui_pen_nl(&p);
	}
	free(provider);
	free(history);
	ui_detail_counts(&p, ui, "Reasons  ", c->reasons, c->nreasons, 0);
	ui_detail_dns(&p, ui, c);
	ui_detail_dns_lines(&p, ui, c);
	ui_detail_evidence(&p, ui, c);

	if (p.lost > 0) {
		snprintf(buf, sizeof buf, "%s %d more line%s", ui_ellipsis(),
		    p.lost, p.lost == 1 ? "" : "s");
		/* The count replaces the last line the pen wrote. */
		ui_fill(p.y0 + p.h - 1, p.x0, p.w, A_NORMAL);
		ui_put(p.y0 + p.h - 1, p.x0, p.w, buf, ui_attr(ui, UI_C_DIM));
	}
}

static void
ui_draw_status(struct ui *ui)
{
	const struct ui_layout		*l = &ui->layout;
	const struct logread_stats	*st = ui->ctx->stats;
	const struct logread_bad	*b;
	struct esc_buf			 right = { NULL, 0, 0 };
	struct esc_buf			 counts = { NULL, 0, 0 };
	const char			*text;
	char				*shown, *prompt = NULL;
	char				 progress[256];
	attr_t				 attr;
	int				 rw, x = 0;

	esc_buf_add(&right, "", 0);
	if (ui->ctx->dns != NULL)
		esc_buf_printf(&right, "DNS queries: %zu queued or in flight",
		    ui->inflight);
	ui_dns_status(ui, &right);
	if (st != NULL && st->bad > 0) {
		esc_buf_printf(&right, "%s%llu bad line%s skipped",
		    right.len > 0 ? "  " : "", (unsigned long long)st->bad,
		    st->bad == 1 ? "" : "s");
		if (st->nbad > 0) {
			b = &st->badlist[0];
			esc_buf_printf(&right, " (first: %s:%llu %s)",
			    b->path != NULL ? b->path : "?",
			    (unsigned long long)b->line,
			    b->why != NULL ? b->why : "");
		}
	}
	if (ui->ctx->agg != NULL && agg_dropped(ui->ctx->agg) > 0)
		esc_buf_printf(&right, "%s%llu events skipped: client table "
		    "full at %zu", right.len > 0 ? "  " : "",
		    (unsigned long long)agg_dropped(ui->ctx->agg),
		    agg_max_clients(ui->ctx->agg));
	esc_buf_add(&right, " ", 1);
	shown = ui_escape(right.data, right.len);
	esc_buf_free(&right);

	if (ui->prompt != UI_PROMPT_NONE) {
		/* Escaped already. */
		prompt = ui_prompt_display(ui);
		text = prompt;
		attr = A_BOLD;
	} else if (ui->screen == UI_SCREEN_CONFIRM &&
	    ui->confirm_text != NULL) {
		text = ui->confirm_text;
		attr = A_REVERSE | A_BOLD;
	} else if (ui->message != NULL) {
		text = ui->message;
		attr = ui->message_error ? ui_attr(ui, UI_C_ERROR) : A_NORMAL;
	} else if (ui->loading) {
		ui_load_status(ui, progress, sizeof progress);
		ui->load_bar_drawn = 1;
		text = progress;
		attr = A_BOLD;
	} else {
		text = NULL;
		attr = A_NORMAL;
	}
	if (text != NULL) {
		x = ui_put(l->status_y, 0, 1, " ", attr);
		if (text == prompt)
			x += ui_put(l->status_y, x, l->cols - x, text, attr);
		else
			x += ui_put_esc(l->status_y, x, l->cols - x, text,
			    attr);
	}
	/*
	 * The message wins over the counters when the line is short, and the
	 * suspect counts go first.
	 */
	ui_status_counts(ui, &counts);
	esc_buf_printf(&counts, "%s%s", strcmp(shown, " ") == 0 ? "" : "  ",
	    shown);
	rw = ui_width(counts.data);
	if (x + 1 + rw <= l->cols)
		ui_put(l->status_y, l->cols - rw, rw, counts.data,
		    ui_attr(ui, UI_C_DIM));
	else if (x + 1 + (rw = ui_width(shown)) <= l->cols)
		ui_put(l->status_y, l->cols - rw, rw, shown,
		    ui_attr(ui, UI_C_DIM));
	esc_buf_free(&counts);
	free(shown);
	free(prompt);
}

static void
ui_draw_help(struct ui *ui)
{
	const struct ui_layout	*l = &ui->layout;
	const char		*text;
	char			**keys;
	size_t			 n, nkeys, i, page = ui->text_page;
	int			 y, heading;

	/* The key lines, a blank line, then the fixed text. */
	keys = ui_keymap_help(ui, &nkeys);
	n = nkeys + 1 + sizeof ui_help_text / sizeof ui_help_text[0];
	if (ui->help_top + page > n)
		ui->help_top = n > page ? n - page : 0;
	ui_fill(0, 0, l->cols, ui_attr(ui, UI_C_HEADER));
	ui_put(0, 0, l->cols, " smtptriage help ", ui_attr(ui, UI_C_HEADER) |
	    A_BOLD);
	for (i = ui->help_top, y = 1; i < n && y < l->status_y; i++, y++) {
		if (i < nkeys) {
			text = keys[i];
			heading = i == 0;
		} else if (i == nkeys)
			continue;
		else {
			text = ui_help_text[i - nkeys - 1].text;
			heading = ui_help_text[i - nkeys - 1].heading;
		}
		if (text == NULL)
			continue;
		ui_put(y, 1, l->cols - 1, text, heading ?
		    ui_attr(ui, UI_C_LABEL) : A_NORMAL);
	}
	for (i = 0; i < nkeys; i++)
		free(keys[i]);
	free(keys);
	ui_put(l->status_y, 1, l->cols - 1, "Esc, q or ? closes the help; "
	    "j, k, PgDn and PgUp scroll", A_NORMAL);
}

static void
ui_draw_preview(struct ui *ui)
{
	const struct ui_layout	*l = &ui->layout;
	char			*title, *shown;
	size_t			 i;
	int			 y;

	title = ui_report_title(ui);
	ui_fill(0, 0, l->cols, ui_attr(ui, UI_C_HEADER));
	ui_put(0, 0, l->cols, title, ui_attr(ui, UI_C_HEADER) | A_BOLD);
	free(title);

	/* The message is escaped already: show it exactly as it is sent. */
	for (i = ui->report_top, y = 1;
	    i < ui->nreport_lines && y < l->status_y; i++, y++) {
		shown = esc_controls(ui->report_lines[i],
		    strlen(ui->report_lines[i]));
		ui_put(y, 1, l->cols - 1, shown, A_NORMAL);
		free(shown);
	}

	/* The recipient prompt wins over a message. */
	title = ui_report_status(ui);
	if (ui->message != NULL && strncmp(title, "To (", 4) != 0)
		ui_put_esc(l->status_y, 1, l->cols - 1, ui->message,
		    ui->message_error ? ui_attr(ui, UI_C_ERROR) : A_NORMAL);
	else
		ui_put_esc(l->status_y, 1, l->cols - 1, title, A_NORMAL);
	free(title);
}

/*
 * The note instead of the list on a terminal below UI_MIN_COLS by
 * UI_MIN_LINES.  When the note does not fit on one line, its parts go on
 * lines of their own with the needed size first, so that it shows down to
 * a terminal of one line.
 */
static void
ui_draw_too_small(struct ui *ui)
{
	const struct ui_layout	*l = &ui->layout;
	char			 part[3][48], line[160];
	int			 i, len, n, x, y;

	snprintf(part[0], sizeof part[0], "need %dx%d", UI_MIN_COLS,
	    UI_MIN_LINES);
	snprintf(part[1], sizeof part[1], "have %dx%d", l->cols, l->lines);
	snprintf(part[2], sizeof part[2], "terminal too small");
	snprintf(line, sizeof line, "%s: %s, %s", part[2], part[0], part[1]);
	if ((int)strlen(line) <= l->cols) {
		len = (int)strlen(line);
		ui_put(l->lines / 2, (l->cols - len) / 2, len, line, A_BOLD);
		return;
	}
	n = l->lines < 3 ? l->lines : 3;
	y = (l->lines - n) / 2;
	for (i = 0; i < n; i++) {
		len = (int)strlen(part[i]);
		x = len < l->cols ? (l->cols - len) / 2 : 0;
		ui_put(y + i, x, l->cols - x, part[i], A_BOLD);
	}
}

void
ui_draw(struct ui *ui)
{
	ui_layout(ui, LINES, COLS);
	erase();
	if (ui->layout.too_small)
		ui_draw_too_small(ui);
	else {
		switch (ui->screen) {
		case UI_SCREEN_HELP:
			ui_draw_help(ui);
			break;
		case UI_SCREEN_PREVIEW:
			ui_draw_preview(ui);
			break;
		case UI_SCREEN_WHITELIST:
			ui_wlscreen_draw(ui);
			ui_draw_status(ui);
			break;
		case UI_SCREEN_CONFIRM:
			if (ui->confirm_return == UI_SCREEN_WHITELIST) {
				ui_wlscreen_draw(ui);
				ui_draw_status(ui);
				break;
			}
			/* FALLTHROUGH */
		case UI_SCREEN_LIST:
			ui_draw_header(ui);
			ui_draw_list(ui);
			ui_draw_detail(ui);
			ui_draw_status(ui);
			break;
		}
	}
	if (ui->clear) {
		clearok(curscr, TRUE);
		ui->clear = 0;
	}
	wnoutrefresh(stdscr);
	doupdate();
}
