/*
 * Mouse input: a click on a row of the list or of the whitelist screen
 * selects it, and the wheel moves the selection.  ui_mouse_read takes the
 * event from curses, and ui_mouse_event acts on it without a terminal, so
 * tests call it alone.
 */
#include <curses.h>

#include "ui_internal.h"
#include "whitelist.h"

/* Rows that one turn of the wheel moves the selection. */
#define UI_WHEEL_ROWS	3

/* Mouse events that the console requests from curses (mousemask). */
#define UI_MOUSE_EVENTS	(BUTTON1_PRESSED | BUTTON1_CLICKED | \
			 BUTTON4_PRESSED | BUTTON5_PRESSED)

void
ui_mouse_start(void)
{
	mousemask(UI_MOUSE_EVENTS, NULL);
	/* Act on the press at once instead of waiting to see a click. */
	mouseinterval(0);
}

/* Move the selection by delta rows and return UI_ACT_* bits. */
static int
ui_mouse_move(struct ui *ui, long delta)
{
	size_t	old = ui->cursor, i;

	if (delta < 0)
		i = (size_t)-delta > ui->cursor ? 0 :
		    ui->cursor - (size_t)-delta;
	else
		i = ui->cursor + (size_t)delta;
	ui_move_to(ui, i);
	return ui->cursor != old ? UI_ACT_SELECT | UI_ACT_REDRAW :
	    UI_ACT_NONE;
}

/* Handle a mouse event on the whitelist screen (L), returning UI_ACT_* bits. */
static int
ui_mouse_wlscreen(struct ui *ui, int y, enum ui_mouse_button button)
{
	size_t	n = wl_count(ui->ctx->wl), entry;

	switch (button) {
	case UI_MOUSE_WHEEL_UP:
		entry = ui->wl_cursor > UI_WHEEL_ROWS ?
		    ui->wl_cursor - UI_WHEEL_ROWS : 0;
		break;
	case UI_MOUSE_WHEEL_DOWN:
		entry = ui->wl_cursor + UI_WHEEL_ROWS;
		if (entry >= n)
			entry = n > 0 ? n - 1 : 0;
		break;
	case UI_MOUSE_CLICK:
		if (y < UI_WL_FIRST_Y || y >= ui->layout.status_y)
			return UI_ACT_NONE;
		entry = ui->wl_top + (size_t)(y - UI_WL_FIRST_Y);
		if (entry >= n)
			return UI_ACT_NONE;
		break;
	default:
		return UI_ACT_NONE;
	}
	if (entry == ui->wl_cursor)
		return UI_ACT_NONE;
	ui->wl_cursor = entry;
	return UI_ACT_REDRAW;
}

/*
 * Act on a mouse event at screen line y and column x.  A message on the
 * status line stays, because a mouse event does not clear it as a key does.
 */
int
ui_mouse_event(struct ui *ui, int y, int x, enum ui_mouse_button button)
{
	const struct ui_layout	*l = &ui->layout;
	size_t			 row;

	if (l->too_small || ui->prompt != UI_PROMPT_NONE)
		return UI_ACT_NONE;
	if (ui->screen == UI_SCREEN_HELP || ui->screen == UI_SCREEN_PREVIEW) {
		if (button == UI_MOUSE_CLICK)
			return UI_ACT_NONE;
		/* The help and the preview scroll with j and k. */
		return ui_key(ui, button == UI_MOUSE_WHEEL_UP ? 'k' : 'j');
	}
	if (ui->screen == UI_SCREEN_WHITELIST)
		return ui_mouse_wlscreen(ui, y, button);
	if (ui->screen != UI_SCREEN_LIST)
		return UI_ACT_NONE;

	switch (button) {
	case UI_MOUSE_WHEEL_UP:
		return ui_mouse_move(ui, -UI_WHEEL_ROWS);
	case UI_MOUSE_WHEEL_DOWN:
		return ui_mouse_move(ui, UI_WHEEL_ROWS);
	case UI_MOUSE_CLICK:
		break;
	}
	if (y < l->list_y || y >= l->list_y + l->list_h || x < l->list_x ||
	    x >= l->list_x + l->list_w)
		return UI_ACT_NONE;
	row = ui->top + (size_t)(y - l->list_y);
	if (row >= ui->nrows)
		return UI_ACT_NONE;
	return ui_mouse_move(ui, (long)row - (long)ui->cursor);
}

/* Take the pending mouse event from curses and act on it. */
int
ui_mouse_read(struct ui *ui)
{
	MEVENT	ev;

	if (getmouse(&ev) != OK)
		return UI_ACT_NONE;
	if (ev.bstate & BUTTON4_PRESSED)
		return ui_mouse_event(ui, ev.y, ev.x, UI_MOUSE_WHEEL_UP);
	if (ev.bstate & BUTTON5_PRESSED)
		return ui_mouse_event(ui, ev.y, ev.x, UI_MOUSE_WHEEL_DOWN);
	if (ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED))
		return ui_mouse_event(ui, ev.y, ev.x, UI_MOUSE_CLICK);
	return UI_ACT_NONE;
}
