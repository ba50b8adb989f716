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
static int	ui_key_confirm(struct ui *, int);
static int	ui_whitelist_remove(struct ui *);
static int	ui_report_open(struct ui *, struct client *);

int
ui_key(struct ui *ui, int key)
{
	/* curses has taken the new size already when it returns KEY_RESIZE. */
	if (key == KEY_RESIZE || ui_keymap_is(ui, key, "redraw"))
		return UI_ACT_CLEAR | UI_ACT_REDRAW;

	/* A message, even an error, stays until the next key. */
	free(ui->message);
	ui->message = NULL;
	ui->message_error = 0;

	/* A prompt or a ; prefix takes the key before the list does. */
	if (ui->prompt != UI_PROMPT_NONE)
		return ui_prompt_key(ui, key) | UI_ACT_REDRAW;
	if (ui->tag_prefix && ui->screen == UI_SCREEN_LIST) {
		ui->tag_prefix = 0;
		if (key != UI_KEY_ESC)
			key = ui_keymap_canonical(ui, key);
		return ui_tag_prefix_key(ui, key) | UI_ACT_REDRAW;
	}

	switch (ui->screen) {
	case UI_SCREEN_HELP:
		return ui_key_help(ui, key) | UI_ACT_REDRAW;
	case UI_SCREEN_PREVIEW:
		return ui_report_preview_key(ui, key) | UI_ACT_REDRAW;
	case UI_SCREEN_CONFIRM:
		return ui_key_confirm(ui, key) | UI_ACT_REDRAW;
	case UI_SCREEN_WHITELIST:
		return ui_wlscreen_key(ui, key) | UI_ACT_REDRAW;
	case UI_SCREEN_LIST:
		break;
	}
	return ui_key_list(ui, key) | UI_ACT_REDRAW;
}

/*
 * A key in the list.  A group header takes it first (ui_tags.c), as the
 * action it is bound to, then the key table (ui_keymap.c).
 */
static int
ui_key_list(struct ui *ui, int key)
{
	int	act;

	if ((act = ui_group_key(ui, ui_keymap_canonical(ui, key))) != -1)
		return act;
	return ui_keymap_dispatch(ui, key);
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

int
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

int
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
	ui_undo_mark(ui, c->ip, !want);
	ui_set_message(ui, 0, "%s %s", want ? "marked" : "unmarked", c->ip);
	return UI_ACT_NONE;
}

/*
 * Offer what to whitelist for the selected suspect (ui_wlpick.c), or,
 * when it is whitelisted already (shown with W), ask whether to remove
 * the entry that matches it.
 */
int
ui_whitelist_key(struct ui *ui)
{
	struct client	*c;
	const char	*entry;
	char		*text;

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

	return ui_wlpick_start(ui, c);
}

/* Remove confirm_entry, then match every client it covered again. */
static int
ui_whitelist_remove(struct ui *ui)
{
	struct client	*c = ui->confirm_client, *s;
	const char	*still;
	size_t		 i;

	if (ui_wl_remove_entry(ui, ui->confirm_entry) == -1)
		return UI_ACT_NONE;
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

int
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

/*
 * Compose the report about c and show it in the preview (ui_report.c).
 * The dedupe window does not apply: the admin asked for this report.
 */
static int
ui_report_open(struct ui *ui, struct client *c)
{
	/*
	 * Lift the window only when the admin confirmed a report about a
	 * client reported before.  Otherwise a report that another instance
	 * sends meanwhile stops this one at y.
	 */
	return ui_report_start(ui, &c, 1, c->reported_at != 0);
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
	case KEY_NPAGE:
	case ' ':
		/* Drawing the help stops it at the last page. */
		ui->help_top += ui->text_page;
		break;
	case KEY_PPAGE:
		ui->help_top = ui->help_top > ui->text_page ?
		    ui->help_top - ui->text_page : 0;
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

void
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
	free(ui->confirm_list);
	free(ui->confirm_label);
	free(ui->confirm_stop);
	ui->confirm_text = NULL;
	ui->confirm_entry = NULL;
	ui->confirm_list = NULL;
	ui->confirm_nlist = 0;
	ui->confirm_label = NULL;
	ui->confirm_stop = NULL;
	ui->confirm_do = UI_DO_NONE;
	/* A w question that was not answered y drops its entries. */
	if (ui->confirm == UI_CONFIRM_WL_ENTRIES &&
	    ui->prompt != UI_PROMPT_WL_COMMENT)
		ui_wlpick_clear(ui);
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
	case UI_CONFIRM_WHITELIST_MANY:
		act = ui_whitelist_many(ui);
		ui_confirm_close(ui);
		break;
	case UI_CONFIRM_ACTION:
		act = ui_confirm_replay(ui);
		break;
	case UI_CONFIRM_WL_DELETE:
		act = ui_wlscreen_delete(ui);
		ui_confirm_close(ui);
		break;
	case UI_CONFIRM_WL_ENTRIES:
		ui_wlpick_confirmed(ui);
		break;
	case UI_CONFIRM_NONE:
		ui_confirm_close(ui);
		break;
	}
	return act;
}
