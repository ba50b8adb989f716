/*
 * The undo stack of the session: u takes back the last change of marks or
 * of the whitelist, and pressed again, the one before it.  A step is what
 * one key did (a mark, whitelisting a block, ;m on many suspects), and
 * undoing it writes the state database and the whitelist file again.
 */
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "ui_internal.h"
#include "whitelist.h"
#include "xmalloc.h"

/* Maximum number of steps kept, after which the oldest one is dropped. */
#define UI_UNDO_MAX	1000

enum ui_undo_kind {
	UI_UNDO_MARK,		/* text is an IP, was its mark before */
	UI_UNDO_WL_ADDED,	/* text is a whitelist entry that was added */
	UI_UNDO_WL_REMOVED,	/* text was removed, with comment */
};

struct ui_undo_item {
	enum ui_undo_kind	 kind;
	char			*text;
	char			*comment;	/* or NULL */
	int			 was;
};

struct ui_undo_step {
	char			*what;
	struct ui_undo_item	*items;
	size_t			 nitems;
};

struct ui_undo {
	struct ui_undo_step	*steps[UI_UNDO_MAX];
	size_t			 nsteps;
	struct ui_undo_step	*open;		/* between begin and end */
};

static struct ui_undo *
ui_undo_state(struct ui *ui)
{
	if (ui->undo == NULL)
		ui->undo = xcalloc(1, sizeof *ui->undo);
	return ui->undo;
}

static void
ui_undo_step_free(struct ui_undo_step *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nitems; i++) {
		free(s->items[i].text);
		free(s->items[i].comment);
	}
	free(s->items);
	free(s->what);
	free(s);
}

void
ui_undo_free(struct ui *ui)
{
	size_t	i;

	if (ui->undo == NULL)
		return;
	for (i = 0; i < ui->undo->nsteps; i++)
		ui_undo_step_free(ui->undo->steps[i]);
	ui_undo_step_free(ui->undo->open);
	free(ui->undo);
	ui->undo = NULL;
}

size_t
ui_undo_depth(const struct ui *ui)
{
	return ui->undo != NULL ? ui->undo->nsteps : 0;
}

/* Start a step, so the items added up to ui_undo_end undo together. */
void
ui_undo_begin(struct ui *ui, const char *what)
{
	struct ui_undo	*u = ui_undo_state(ui);

	ui_undo_step_free(u->open);
	u->open = xcalloc(1, sizeof *u->open);
	u->open->what = xstrdup(what);
}

/* Push the open step, unless it has no items. */
void
ui_undo_end(struct ui *ui)
{
	struct ui_undo		*u = ui_undo_state(ui);
	struct ui_undo_step	*s = u->open;

	u->open = NULL;
	if (s == NULL || s->nitems == 0) {
		ui_undo_step_free(s);
		return;
	}
	if (u->nsteps == UI_UNDO_MAX) {
		ui_undo_step_free(u->steps[0]);
		memmove(&u->steps[0], &u->steps[1],
		    (UI_UNDO_MAX - 1) * sizeof u->steps[0]);
		u->nsteps--;
	}
	u->steps[u->nsteps++] = s;
}

/* Add an item to the open step, or push it as a step of its own. */
static void
ui_undo_add(struct ui *ui, enum ui_undo_kind kind, const char *text,
    const char *comment, int was, const char *what)
{
	struct ui_undo		*u = ui_undo_state(ui);
	struct ui_undo_item	*it;
	int			 alone = u->open == NULL;

	if (alone)
		ui_undo_begin(ui, what);
	u->open->items = xreallocarray(u->open->items, u->open->nitems + 1,
	    sizeof *u->open->items);
	it = &u->open->items[u->open->nitems++];
	it->kind = kind;
	it->text = xstrdup(text);
	it->comment = comment != NULL && comment[0] != '\0' ?
	    xstrdup(comment) : NULL;
	it->was = was;
	if (alone)
		ui_undo_end(ui);
}

/* Record that the mark of ip changed from was_marked. */
void
ui_undo_mark(struct ui *ui, const char *ip, int was_marked)
{
	char	*what;

	xasprintf(&what, "%s %s", was_marked ? "unmark" : "mark", ip);
	ui_undo_add(ui, UI_UNDO_MARK, ip, NULL, was_marked, what);
	free(what);
}

/* Record that entry was added (added 1) or removed with its comment. */
void
ui_undo_wl(struct ui *ui, int added, const char *entry, const char *comment)
{
	char	*what;

	xasprintf(&what, "%s whitelist entry %s", added ? "add" : "remove",
	    entry);
	ui_undo_add(ui, added ? UI_UNDO_WL_ADDED : UI_UNDO_WL_REMOVED, entry,
	    comment, 0, what);
	free(what);
}

static struct client *
ui_undo_client(struct ui *ui, const char *ip)
{
	size_t	i;

	for (i = 0; i < ui->nsuspects; i++) {
		if (strcmp(ui->suspects[i]->ip, ip) == 0)
			return ui->suspects[i];
	}
	return NULL;
}

/* Take back one item.  Returns 0, or -1 with *cause set. */
static int
ui_undo_item(struct ui *ui, const struct ui_undo_item *it, char **cause)
{
	struct client	*c;

	switch (it->kind) {
	case UI_UNDO_MARK:
		if (store_set_mark(ui->ctx->store, it->text, it->was,
		    cause) == -1)
			return -1;
		if ((c = ui_undo_client(ui, it->text)) != NULL)
			c->marked = it->was;
		return 0;
	case UI_UNDO_WL_ADDED:
		return wl_remove(ui->ctx->wl, it->text, cause);
	case UI_UNDO_WL_REMOVED:
		return wl_add(ui->ctx->wl, it->text, it->comment, cause);
	}
	return 0;
}

/*
 * u: undo the last step, its items last first.  A step that fails half
 * way keeps the items not undone yet, so u can try them again.
 */
int
ui_undo_key(struct ui *ui)
{
	struct ui_undo		*u = ui->undo;
	struct ui_undo_step	*s;
	char			*cause;
	int			 wl = 0;

	if (u == NULL || u->nsteps == 0) {
		ui_set_message(ui, 0, "nothing to undo");
		return UI_ACT_NONE;
	}
	s = u->steps[u->nsteps - 1];
	while (s->nitems > 0) {
		if (ui_undo_item(ui, &s->items[s->nitems - 1], &cause) == -1) {
			ui_set_message(ui, 1, "cannot undo \"%s\": %s", s->what,
			    cause);
			free(cause);
			if (wl)
				ui_whitelist_rematch(ui);
			return UI_ACT_SELECT;
		}
		if (s->items[s->nitems - 1].kind != UI_UNDO_MARK)
			wl = 1;
		s->nitems--;
		free(s->items[s->nitems].text);
		free(s->items[s->nitems].comment);
	}
	if (wl)
		ui_whitelist_rematch(ui);
	else
		ui_rows_rebuild(ui);
	u->nsteps--;
	ui_set_message(ui, 0, "undone: %s; %zu more step%s to undo", s->what,
	    u->nsteps, u->nsteps == 1 ? "" : "s");
	ui_undo_step_free(s);
	return UI_ACT_SELECT;
}
