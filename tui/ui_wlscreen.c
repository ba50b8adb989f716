/*
 * The whitelist screen (L): every entry with its comment, in file order.
 * j and k move, a adds an entry (prompting for the entry, then for its
 * comment), and d removes the selected one after a y/n prompt.  u undoes
 * the last mark or whitelist change as in the list.  q or Esc returns to
 * the list.  Changes go to the undo stack like w's.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "esc.h"
#include "ui_internal.h"
#include "whitelist.h"
#include "xmalloc.h"

int
ui_wlscreen_open(struct ui *ui)
{
	ui_whitelist_reload(ui);
	ui->screen = UI_SCREEN_WHITELIST;
	ui->wl_cursor = 0;
	ui->wl_top = 0;
	return UI_ACT_NONE;
}

/* Keep the cursor on an entry and on screen. */
static void
ui_wlscreen_fix(struct ui *ui)
{
	size_t	n = wl_count(ui->ctx->wl), page = ui->text_page;

	if (page > 1)
		page--;			/* the column titles */
	if (ui->wl_cursor >= n)
		ui->wl_cursor = n > 0 ? n - 1 : 0;
	if (ui->wl_cursor < ui->wl_top)
		ui->wl_top = ui->wl_cursor;
	if (ui->wl_cursor >= ui->wl_top + page)
		ui->wl_top = ui->wl_cursor - page + 1;
}

int
ui_wlscreen_key(struct ui *ui, int key)
{
	const char	*entry;
	char		*text;
	size_t		 n = wl_count(ui->ctx->wl);
	int		 act = UI_ACT_NONE;

	switch (key) {
	case KEY_DOWN:
	case 'j':
		ui->wl_cursor++;
		break;
	case KEY_UP:
	case 'k':
		if (ui->wl_cursor > 0)
			ui->wl_cursor--;
		break;
	case KEY_NPAGE:
		ui->wl_cursor += ui->text_page;
		break;
	case KEY_PPAGE:
		ui->wl_cursor = ui->wl_cursor > ui->text_page ?
		    ui->wl_cursor - ui->text_page : 0;
		break;
	case KEY_HOME:
		ui->wl_cursor = 0;
		break;
	case KEY_END:
		ui->wl_cursor = n > 0 ? n - 1 : 0;
		break;
	case 'a':
		ui->prompt = UI_PROMPT_WL_ENTRY;
		ui->input[0] = '\0';
		ui->input_len = 0;
		break;
	case 'd':
		if ((entry = wl_entry(ui->ctx->wl, ui->wl_cursor)) == NULL) {
			ui_set_message(ui, 0, "the whitelist is empty");
			break;
		}
		xasprintf(&text, "remove whitelist entry %s? y/n", entry);
		ui_confirm_open(ui, UI_CONFIRM_WL_DELETE, NULL, entry, text);
		break;
	case 'u':
		act = ui_undo_key(ui);
		break;
	case 'q':
	case UI_KEY_ESC:
		ui->screen = UI_SCREEN_LIST;
		return UI_ACT_SELECT;
	}
	ui_wlscreen_fix(ui);
	return act;
}

/* Check the entry typed at the a prompt, then prompt for its comment. */
int
ui_wlscreen_add(struct ui *ui, const char *entry)
{
	char	**entries, *norm, *cause;

	if ((norm = wl_normalize(entry, &cause)) == NULL) {
		ui_set_message(ui, 1, "%s; a adds another", cause);
		free(cause);
		return UI_ACT_NONE;
	}
	if (ui_wl_index(ui->ctx->wl, norm) != -1) {
		ui_set_message(ui, 0, "%s is in the whitelist already", norm);
		free(norm);
		return UI_ACT_NONE;
	}
	entries = xcalloc(2, sizeof *entries);
	entries[0] = norm;
	ui_wlpick_offer(ui, entries, 1, norm);
	return UI_ACT_NONE;
}

/* Remove confirm_entry after y to the d prompt, and record it for undo. */
int
ui_wlscreen_delete(struct ui *ui)
{
	const char	*entry = ui->confirm_entry;

	if (ui_wl_remove_entry(ui, entry) == -1)
		return UI_ACT_NONE;
	ui_whitelist_rematch(ui);
	ui_wlscreen_fix(ui);
	ui_set_message(ui, 0, "removed whitelist entry %s; u undoes it",
	    entry);
	return UI_ACT_SELECT;
}

void
ui_wlscreen_draw(struct ui *ui)
{
	const struct ui_layout	*l = &ui->layout;
	const char		*path, *comment;
	char			*title;
	size_t			 i, n = wl_count(ui->ctx->wl);
	int			 y, width = 0, w;
	attr_t			 attr;

	ui_wlscreen_fix(ui);
	path = ui->ctx->cfg != NULL ? ui->ctx->cfg->whitelist_path : "";
	xasprintf(&title, " Whitelist %s: %zu entr%s; a adds, d removes, u "
	    "undoes, q returns ", path, n, n == 1 ? "y" : "ies");
	attron(A_REVERSE);
	mvhline(0, 0, ' ', l->cols);
	attroff(A_REVERSE);
	ui_put_esc(0, 0, l->cols, title, A_REVERSE | A_BOLD);
	free(title);

	for (i = 0; i < n; i++) {
		w = (int)strlen(wl_entry(ui->ctx->wl, i));
		if (w > width)
			width = w;
	}
	if (width > l->cols / 2)
		width = l->cols / 2;
	if (width < 5)
		width = 5;
	ui_put(1, 1, l->cols - 1, "Entry", A_BOLD);
	ui_put(1, width + 3, l->cols - width - 3, "Comment", A_BOLD);
	for (i = ui->wl_top, y = UI_WL_FIRST_Y; i < n && y < l->status_y;
	    i++, y++) {
		attr = i == ui->wl_cursor ? A_REVERSE : A_NORMAL;
		if (attr != A_NORMAL) {
			attron(attr);
			mvhline(y, 0, ' ', l->cols);
			attroff(attr);
		}
		ui_put_esc(y, 1, width + 1, wl_entry(ui->ctx->wl, i), attr);
		comment = wl_comment(ui->ctx->wl, i);
		if (width + 3 < l->cols)
			ui_put_esc(y, width + 3, l->cols - width - 3, comment,
			    attr);
	}
	if (n == 0)
		ui_put(2, 1, l->cols - 1, "(no entries; a adds one)", A_DIM);
}
