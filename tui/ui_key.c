/*
 * Key handlers.  Each one changes the console's state, calls into the
 * store, whitelist and report modules, and returns UI_ACT_* bits for the
 * loop.  None of them touches the terminal, so tests drive them directly.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curses.h>

#include "config.h"
#include "report.h"
#include "store.h"
#include "ui_internal.h"
#include "whitelist.h"
#include "xmalloc.h"

/* Length of "YYYY-MM-DD" plus the terminator, with room to spare. */
#define UI_DATE_MAX	32

static int	ui_key_list(struct ui *, int);
static int	ui_key_help(struct ui *, int);
static int	ui_key_preview(struct ui *, int);
static int	ui_key_confirm(struct ui *, int);
static int	ui_move_by(struct ui *, long);
static int	ui_mark_toggle(struct ui *);
static int	ui_whitelist_key(struct ui *);
static int	ui_whitelist_remove(struct ui *);
static int	ui_report_key(struct ui *);
static int	ui_report_open(struct ui *, struct client *);
static int	ui_report_send(struct ui *);
static void	ui_confirm_open(struct ui *, enum ui_confirm,
		    struct client *, const char *entry, char *text);

int
ui_key(struct ui *ui, int key)
{
	/* curses has taken the new size already when it returns KEY_RESIZE. */
	if (key == KEY_RESIZE || key == UI_KEY_CTRL_L)
		return UI_ACT_CLEAR | UI_ACT_REDRAW;

	/* A message, even an error, stays until the next key. */
	free(ui->message);
	ui->message = NULL;
	ui->message_error = 0;

	switch (ui->screen) {
	case UI_SCREEN_HELP:
		return ui_key_help(ui, key) | UI_ACT_REDRAW;
	case UI_SCREEN_PREVIEW:
		return ui_key_preview(ui, key) | UI_ACT_REDRAW;
	case UI_SCREEN_CONFIRM:
		return ui_key_confirm(ui, key) | UI_ACT_REDRAW;
	case UI_SCREEN_LIST:
		break;
	}
	return ui_key_list(ui, key) | UI_ACT_REDRAW;
}

static int
ui_key_list(struct ui *ui, int key)
{
	switch (key) {
	case KEY_DOWN:
	case 'j':
		return ui_move_by(ui, 1);
	case KEY_UP:
	case 'k':
		return ui_move_by(ui, -1);
	case KEY_NPAGE:
		return ui_move_by(ui, (long)ui->page);
	case KEY_PPAGE:
		return ui_move_by(ui, -(long)ui->page);
	case KEY_HOME:
	case KEY_A1:
		return ui_move_by(ui, -(long)ui->nrows);
	case KEY_END:
	case KEY_C1:
		return ui_move_by(ui, (long)ui->nrows);
	case 'm':
		return ui_mark_toggle(ui);
	case 'w':
		return ui_whitelist_key(ui);
	case 'W':
		ui->show_whitelisted = !ui->show_whitelisted;
		ui_rows_rebuild(ui);
		ui_set_message(ui, 0, ui->show_whitelisted ?
		    "showing whitelisted clients" :
		    "hiding whitelisted clients");
		return UI_ACT_SELECT;
	case 'r':
		return ui_report_key(ui);
	case 'R':
		if (ui_selected(ui) == NULL)
			return UI_ACT_NONE;
		if (ui->ctx->dns == NULL) {
			ui_set_message(ui, 1, "no DNS resolver is set up");
			return UI_ACT_NONE;
		}
		return UI_ACT_RECHECK;
	case '?':
		ui->screen = UI_SCREEN_HELP;
		ui->help_top = 0;
		return UI_ACT_NONE;
	case 'q':
		return UI_ACT_QUIT;
	case UI_KEY_ESC:
		return UI_ACT_NONE;
	}
	if (key >= 0 && key < 0x80 && isgraph(key))
		ui_set_message(ui, 0, "key %c does nothing here; ? lists the "
		    "keys", key);
	return UI_ACT_NONE;
}

/* Move the cursor to row i (clamped) and scroll so it shows. */
void
ui_move_to(struct ui *ui, size_t i)
{
	if (ui->nrows == 0)
		i = 0;
	else if (i >= ui->nrows)
		i = ui->nrows - 1;
	ui->cursor = i;
	ui_scroll_fix(ui);
}

static int
ui_move_by(struct ui *ui, long delta)
{
	size_t	old = ui->cursor, i;

	if (delta < 0)
		i = (size_t)-delta > ui->cursor ? 0 : ui->cursor - (size_t)-delta;
	else
		i = ui->cursor + (size_t)delta;
	ui_move_to(ui, i);
	return ui->cursor != old ? UI_ACT_SELECT : UI_ACT_NONE;
}

static int
ui_mark_toggle(struct ui *ui)
{
	struct client	*c;
	char		*cause;
	int		 want;

	if ((c = ui_selected(ui)) == NULL)
		return UI_ACT_NONE;
	want = !c->marked;
	if (store_set_mark(ui->ctx->store, c->ip, want, &cause) == -1) {
		ui_set_message(ui, 1, "cannot %s %s: %s",
		    want ? "mark" : "unmark", c->ip, cause);
		free(cause);
		return UI_ACT_NONE;
	}
	c->marked = want;
	ui_set_message(ui, 0, "%s %s", want ? "marked" : "unmarked", c->ip);
	return UI_ACT_NONE;
}

/*
 * Whitelist the selected IP, or, when it is whitelisted already (shown
 * with W), ask whether to remove the entry that matches it.
 */
static int
ui_whitelist_key(struct ui *ui)
{
	struct client	*c;
	const char	*entry;
	char		*cause, *comment, *text, date[UI_DATE_MAX];

	if ((c = ui_selected(ui)) == NULL)
		return UI_ACT_NONE;

	if (c->whitelisted) {
		entry = wl_match(ui->ctx->wl, &c->addr, c->rdns);
		if (entry == NULL) {
			ui_set_message(ui, 1, "no whitelist entry matches %s",
			    c->ip);
			return UI_ACT_NONE;
		}
		xasprintf(&text, "remove whitelist entry %s? y/n", entry);
		ui_confirm_open(ui, UI_CONFIRM_UNWHITELIST, c, entry, text);
		return UI_ACT_NONE;
	}

	ui_format_date(time(NULL), date, sizeof date);
	xasprintf(&comment, "added by smtptriage %s", date);
	if (wl_add(ui->ctx->wl, c->ip, comment, &cause) == -1) {
		ui_set_message(ui, 1, "cannot whitelist %s: %s", c->ip, cause);
		free(cause);
		free(comment);
		return UI_ACT_NONE;
	}
	free(comment);
	c->whitelisted = 1;
	ui_rows_rebuild(ui);
	if (ui->show_whitelisted)
		ui_set_message(ui, 0, "whitelisted %s", c->ip);
	else
		ui_set_message(ui, 0, "whitelisted %s; W shows whitelisted "
		    "clients", c->ip);
	return UI_ACT_SELECT;
}

/* Remove confirm_entry, then match every client it covered again. */
static int
ui_whitelist_remove(struct ui *ui)
{
	struct client	*c = ui->confirm_client, *s;
	const char	*still;
	char		*cause;
	size_t		 i;

	if (wl_remove(ui->ctx->wl, ui->confirm_entry, &cause) == -1) {
		ui_set_message(ui, 1, "cannot remove whitelist entry %s: %s",
		    ui->confirm_entry, cause);
		free(cause);
		return UI_ACT_NONE;
	}
	for (i = 0; i < ui->nsuspects; i++) {
		s = ui->suspects[i];
		if (s->whitelisted)
			s->whitelisted = wl_match(ui->ctx->wl, &s->addr,
			    s->rdns) != NULL;
	}
	ui_rows_rebuild(ui);
	still = wl_match(ui->ctx->wl, &c->addr, c->rdns);
	if (still != NULL)
		ui_set_message(ui, 0, "removed whitelist entry %s; %s is "
		    "still whitelisted by %s", ui->confirm_entry, c->ip, still);
	else
		ui_set_message(ui, 0, "removed whitelist entry %s",
		    ui->confirm_entry);
	return UI_ACT_SELECT;
}

static int
ui_report_key(struct ui *ui)
{
	struct client	*c;
	char		*text, date[UI_DATE_MAX];

	if ((c = ui_selected(ui)) == NULL)
		return UI_ACT_NONE;
	if (c->reported_at != 0) {
		ui_format_date(c->reported_at, date, sizeof date);
		xasprintf(&text, "already reported %s; report again? y/n",
		    date);
		ui_confirm_open(ui, UI_CONFIRM_REPORT_AGAIN, c, NULL, text);
		return UI_ACT_NONE;
	}
	return ui_report_open(ui, c);
}

/* Compose the report about c and show it in the preview. */
static int
ui_report_open(struct ui *ui, struct client *c)
{
	struct report_input	 in;
	struct ui_check		*e;
	char			**lines, *cause, *p, *nl;
	size_t			  i, n = 0, failed = 0;

	lines = xcalloc(c->nevidence + 1, sizeof *lines);
	for (i = 0; i < c->nevidence && ui->ctx->agg != NULL; i++) {
		if (agg_read_evidence(ui->ctx->agg, &c->evidence[i],
		    &lines[n], &cause) == -1) {
			free(cause);
			failed++;
			continue;
		}
		n++;
	}

	memset(&in, 0, sizeof in);
	in.client = c;
	e = ui_check_find(ui, c->ip);
	in.dns = e != NULL && e->done ? dns_check_result(e->check) : NULL;
	in.evidence = lines;
	in.nevidence = n;
	in.from = ui->ctx->cfg->from;
	in.to = report_recipient(ui->ctx->cfg);
	in.hostname = ui->ctx->hostname;
	in.now = time(NULL);

	ui_report_close(ui);
	ui->report_msg = report_compose(&in, &ui->report_id);
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);

	/* Split a copy into lines for the preview. */
	p = xstrdup(ui->report_msg);
	for (;;) {
		ui->report_lines = xreallocarray(ui->report_lines,
		    ui->nreport_lines + 1, sizeof *ui->report_lines);
		if ((nl = strchr(p, '\n')) != NULL)
			*nl = '\0';
		ui->report_lines[ui->nreport_lines++] = xstrdup(p);
		if (nl == NULL || nl[1] == '\0')
			break;
		memmove(p, nl + 1, strlen(nl + 1) + 1);
	}
	free(p);

	ui->report_client = c;
	ui->report_top = 0;
	ui->screen = UI_SCREEN_PREVIEW;
	if (failed > 0)
		ui_set_message(ui, 1, "%zu evidence line%s could not be read "
		    "and %s left out", failed, failed == 1 ? "" : "s",
		    failed == 1 ? "is" : "are");
	return UI_ACT_NONE;
}

/* Free the previewed report and go back to the list. */
void
ui_report_close(struct ui *ui)
{
	size_t	i;

	for (i = 0; i < ui->nreport_lines; i++)
		free(ui->report_lines[i]);
	free(ui->report_lines);
	free(ui->report_msg);
	free(ui->report_id);
	ui->report_lines = NULL;
	ui->nreport_lines = 0;
	ui->report_msg = NULL;
	ui->report_id = NULL;
	ui->report_client = NULL;
	if (ui->screen == UI_SCREEN_PREVIEW)
		ui->screen = UI_SCREEN_LIST;
}

static int
ui_report_send(struct ui *ui)
{
	struct ui_context	*ctx = ui->ctx;
	struct client		*c = ui->report_client;
	struct report_outcome	 out;
	const char		*to;
	char			*cause;
	int64_t			 last;

	to = report_recipient(ctx->cfg);
	memset(&out, 0, sizeof out);
	if (report_deliver(ctx->cfg, ctx->store, c->ip, to, ui->report_msg,
	    ui->report_id, &out, &cause) == -1) {
		ui_set_message(ui, 1, "report about %s failed: %s", c->ip,
		    cause);
		free(cause);
		report_outcome_free(&out);
		ui_report_close(ui);
		return UI_ACT_NONE;
	}

	if (out.sent)
		ui_set_message(ui, 0, "sent to %s", to);
	else if (ctx->cfg->sendmail != NULL && to != NULL)
		ui_set_message(ui, 1, "sending to %s failed (%s); the report "
		    "is in %s", to, out.detail != NULL ? out.detail :
		    "no reason given", out.path != NULL ? out.path :
		    "the outbox");
	else
		ui_set_message(ui, 0, "written to %s",
		    out.path != NULL ? out.path : "the outbox");
	report_outcome_free(&out);

	/* The store decides what counts as reported (exit status 0). */
	last = store_last_report(ctx->store, c->ip, &cause);
	if (last == -1) {
		ui_set_message(ui, 1, "report about %s done, but reading the "
		    "report history failed: %s", c->ip, cause);
		free(cause);
	} else if (last > 0)
		c->reported_at = last;
	ui_report_close(ui);
	return UI_ACT_NONE;
}

static int
ui_key_preview(struct ui *ui, int key)
{
	size_t	n = ui->nreport_lines, page = ui->text_page, last;

	/* The last top line that still fills the screen. */
	last = n > page ? n - page : 0;
	switch (key) {
	case 'y':
	case 'Y':
		return ui_report_send(ui);
	case 'n':
	case 'N':
	case 'q':
	case UI_KEY_ESC:
		ui_report_close(ui);
		ui_set_message(ui, 0, "report cancelled");
		return UI_ACT_NONE;
	case KEY_DOWN:
	case 'j':
		if (ui->report_top < last)
			ui->report_top++;
		break;
	case KEY_UP:
	case 'k':
		if (ui->report_top > 0)
			ui->report_top--;
		break;
	case KEY_NPAGE:
	case ' ':
		ui->report_top += page;
		if (ui->report_top > last)
			ui->report_top = last;
		break;
	case KEY_PPAGE:
		ui->report_top = ui->report_top > page ?
		    ui->report_top - page : 0;
		break;
	case KEY_HOME:
	case KEY_A1:
		ui->report_top = 0;
		break;
	case KEY_END:
	case KEY_C1:
		ui->report_top = last;
		break;
	}
	return UI_ACT_NONE;
}

static int
ui_key_help(struct ui *ui, int key)
{
	switch (key) {
	case KEY_DOWN:
	case 'j':
		ui->help_top++;
		break;
	case KEY_UP:
	case 'k':
		if (ui->help_top > 0)
			ui->help_top--;
		break;
	case KEY_HOME:
	case KEY_A1:
		ui->help_top = 0;
		break;
	case '?':
	case 'q':
	case UI_KEY_ESC:
	case '\r':
	case '\n':
	case KEY_ENTER:
		ui->screen = UI_SCREEN_LIST;
		break;
	}
	return UI_ACT_NONE;
}

static void
ui_confirm_open(struct ui *ui, enum ui_confirm what, struct client *c,
    const char *entry, char *text)
{
	ui_confirm_close(ui);
	ui->confirm = what;
	ui->confirm_client = c;
	ui->confirm_entry = entry != NULL ? xstrdup(entry) : NULL;
	ui->confirm_text = text;
	ui->confirm_return = ui->screen;
	ui->screen = UI_SCREEN_CONFIRM;
}

/* Drop the question and go back to the screen under it. */
void
ui_confirm_close(struct ui *ui)
{
	free(ui->confirm_text);
	free(ui->confirm_entry);
	ui->confirm_text = NULL;
	ui->confirm_entry = NULL;
	ui->confirm = UI_CONFIRM_NONE;
	if (ui->screen == UI_SCREEN_CONFIRM)
		ui->screen = ui->confirm_return;
}

static int
ui_key_confirm(struct ui *ui, int key)
{
	struct client	*c = ui->confirm_client;
	int		 act = UI_ACT_NONE;

	switch (key) {
	case 'y':
	case 'Y':
		break;
	case 'n':
	case 'N':
	case 'q':
	case UI_KEY_ESC:
		ui_confirm_close(ui);
		ui_set_message(ui, 0, "cancelled");
		return UI_ACT_NONE;
	default:
		/* Any other key leaves the question open. */
		return UI_ACT_NONE;
	}

	switch (ui->confirm) {
	case UI_CONFIRM_REPORT_AGAIN:
		ui_confirm_close(ui);
		act = ui_report_open(ui, c);
		break;
	case UI_CONFIRM_UNWHITELIST:
		act = ui_whitelist_remove(ui);
		ui_confirm_close(ui);
		break;
	case UI_CONFIRM_NONE:
		ui_confirm_close(ui);
		break;
	}
	return act;
}
