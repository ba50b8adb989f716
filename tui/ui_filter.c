/*
 * Finding suspects.  / filters the list with a PCRE2 pattern, matched
 * ignoring case against the IP, each HELO name, the rDNS name, the
 * provider and each reason name, the fields that T matches too.  n and N
 * move to the next or previous row that the last pattern matches, also
 * after Esc has dropped the filter.  f and a letter set a quick filter by
 * status or by reason kind.  Esc clears the filter and the quick filters.
 * Nothing here touches the terminal.
 */
#include <stdlib.h>
#include <string.h>

#include "esc.h"
#include "reason.h"
#include "regexp.h"
#include "ui_internal.h"
#include "xmalloc.h"

/* Bytes of the pattern shown in the header before it is cut. */
#define UI_FILTER_SHOWN	40

struct ui_filter {
	struct regexp_env	env;
	struct regexp		re;
	int			compiled;	/* re contains the last pattern */
	int			active;		/* and it filters the list */
	char			pattern[UI_PROMPT_MAX + 1];
};

/* The quick filters: a letter after f and what it shows. */
static const struct {
	int			 letter;
	enum ui_quick_status	 status;
	const char		*name;
} ui_quick_statuses[] = {
	{ 'n', UI_QUICK_NEW, "new" },
	{ 'm', UI_QUICK_MARKED, "marked" },
	{ 'w', UI_QUICK_WHITELISTED, "whitelisted" },
	{ 'r', UI_QUICK_REPORTED, "reported" },
};

static const struct {
	int			 letter;
	enum reason_kind	 kind;
} ui_quick_kinds[] = {
	{ 'h', REASON_KIND_HELO },
	{ 'p', REASON_KIND_PTR },
	{ 'd', REASON_KIND_DNSBL },
	{ 's', REASON_KIND_SMTP },
	{ 'o', REASON_KIND_OTHER },
};

#define UI_NQUICK_STATUSES \
	(sizeof ui_quick_statuses / sizeof ui_quick_statuses[0])
#define UI_NQUICK_KINDS	(sizeof ui_quick_kinds / sizeof ui_quick_kinds[0])

static struct ui_filter *
ui_filter_state(struct ui *ui)
{
	if (ui->filter == NULL) {
		ui->filter = xcalloc(1, sizeof *ui->filter);
		regexp_env_init(&ui->filter->env);
	}
	return ui->filter;
}

void
ui_filter_free(struct ui *ui)
{
	if (ui->filter == NULL)
		return;
	if (ui->filter->compiled)
		regexp_free(&ui->filter->re);
	regexp_env_free(&ui->filter->env);
	free(ui->filter);
	ui->filter = NULL;
}

static int
ui_status_shows(const struct ui *ui, const struct client *c)
{
	switch (ui->quick_status) {
	case UI_QUICK_ALL:
		break;
	case UI_QUICK_NEW:
		return !c->marked && !c->whitelisted && c->reported_at == 0;
	case UI_QUICK_MARKED:
		return c->marked;
	case UI_QUICK_WHITELISTED:
		return c->whitelisted;
	case UI_QUICK_REPORTED:
		return c->reported_at != 0;
	}
	return 1;
}

static int
ui_kind_shows(const struct ui *ui, const struct client *c)
{
	size_t	i;

	if (ui->quick_kind == 0)
		return 1;
	for (i = 0; i < c->nreasons; i++) {
		if ((int)reason_kind(c->reasons[i].name) + 1 == ui->quick_kind)
			return 1;
	}
	return 0;
}

/*
 * Return 1 if c belongs in the list.  A whitelisted client belongs only
 * when W shows them or the quick filter f w selects them, and every
 * client must match the quick filters and the / filter.
 */
int
ui_visible(const struct ui *ui, const struct client *c)
{
	const struct ui_filter	*f = ui->filter;

	if (c->whitelisted && !ui->show_whitelisted &&
	    ui->quick_status != UI_QUICK_WHITELISTED)
		return 0;
	if (!ui_status_shows(ui, c) || !ui_kind_shows(ui, c))
		return 0;
	if (f == NULL || !f->active)
		return 1;
	return ui_client_matches(ui, &f->env, &f->re, c);
}

/* /: prompt for a pattern, starting from the active one. */
int
ui_filter_start(struct ui *ui)
{
	const struct ui_filter	*f = ui->filter;

	ui->prompt = UI_PROMPT_FILTER;
	ui->input[0] = '\0';
	if (f != NULL && f->active)
		snprintf(ui->input, sizeof ui->input, "%s", f->pattern);
	ui->input_len = strlen(ui->input);
	return UI_ACT_NONE;
}

/*
 * Filter the list with pattern; an empty pattern drops the filter.
 * Returns 0, or -1 with *cause set (allocated) when the pattern does not
 * compile, in which case the filter in use stays.
 */
int
ui_filter_set(struct ui *ui, const char *pattern, char **cause)
{
	struct ui_filter	*f = ui_filter_state(ui);
	struct regexp		 re;
	size_t			 i, nmatched = 0;

	if (pattern[0] == '\0') {
		f->active = 0;
		ui_rows_rebuild(ui);
		ui_set_message(ui, 0, "filter cleared");
		return 0;
	}
	if (regexp_compile(&f->env, &re, pattern, PCRE2_CASELESS,
	    cause) == -1)
		return -1;
	if (f->compiled)
		regexp_free(&f->re);
	f->re = re;
	f->compiled = 1;
	f->active = 1;
	snprintf(f->pattern, sizeof f->pattern, "%s", pattern);
	ui_rows_rebuild(ui);
	for (i = 0; i < ui->nrows; i++)
		nmatched += ui->rows[i] != NULL;
	ui_set_message(ui, 0, "%zu %s match; Esc clears the filter",
	    nmatched, nmatched == 1 ? "suspect" : "suspects");
	return 0;
}

/* n (backward 0) and N (backward 1): move to the next matching row. */
int
ui_search_key(struct ui *ui, int backward)
{
	const struct ui_filter	*f = ui->filter;
	struct client		*c;
	size_t			 step, i;

	if (f == NULL || !f->compiled) {
		ui_set_message(ui, 0, "no pattern to search for; / sets one");
		return UI_ACT_NONE;
	}
	for (step = 1; step <= ui->nrows; step++) {
		if (backward)
			i = (ui->cursor + ui->nrows - step) % ui->nrows;
		else
			i = (ui->cursor + step) % ui->nrows;
		if ((c = ui->rows[i]) == NULL || !ui_client_matches(ui,
		    &f->env, &f->re, c))
			continue;
		if ((backward && i > ui->cursor) ||
		    (!backward && i < ui->cursor))
			ui_set_message(ui, 0, "search wrapped around");
		else if (i == ui->cursor)
			ui_set_message(ui, 0, "only this suspect matches");
		ui_move_to(ui, i);
		return UI_ACT_SELECT;
	}
	ui_set_message(ui, 0, "no listed suspect matches the pattern");
	return UI_ACT_NONE;
}

/* f: wait for the letter of a quick filter. */
int
ui_quick_start(struct ui *ui)
{
	ui->prompt = UI_PROMPT_QUICK;
	return UI_ACT_NONE;
}

/* The letter after f.  Esc or an unknown letter leaves things as they are. */
int
ui_quick_key(struct ui *ui, int key)
{
	size_t	i;

	ui->prompt = UI_PROMPT_NONE;
	if (key == UI_KEY_ESC) {
		ui_set_message(ui, 0, "cancelled");
		return UI_ACT_NONE;
	}
	if (key == 'a') {
		ui->quick_status = UI_QUICK_ALL;
		ui->quick_kind = 0;
		ui_rows_rebuild(ui);
		ui_set_message(ui, 0, "quick filters cleared");
		return UI_ACT_SELECT;
	}
	for (i = 0; i < UI_NQUICK_STATUSES; i++) {
		if (ui_quick_statuses[i].letter != key)
			continue;
		ui->quick_status = ui_quick_statuses[i].status;
		ui_rows_rebuild(ui);
		ui_set_message(ui, 0, "showing %s suspects",
		    ui_quick_statuses[i].name);
		return UI_ACT_SELECT;
	}
	for (i = 0; i < UI_NQUICK_KINDS; i++) {
		if (ui_quick_kinds[i].letter != key)
			continue;
		ui->quick_kind = (int)ui_quick_kinds[i].kind + 1;
		ui_rows_rebuild(ui);
		ui_set_message(ui, 0, "showing suspects with %s reasons",
		    reason_kind_name(ui_quick_kinds[i].kind));
		return UI_ACT_SELECT;
	}
	ui_set_message(ui, 1, "no quick filter on that key; f a shows all");
	return UI_ACT_NONE;
}

/* 1 when the filter or a quick filter hides suspects from the list. */
int
ui_filtering(const struct ui *ui)
{
	return (ui->filter != NULL && ui->filter->active) ||
	    ui->quick_status != UI_QUICK_ALL || ui->quick_kind != 0;
}

/* The line that an empty list shows in place of its rows. */
const char *
ui_empty_text(const struct ui *ui)
{
	if (ui->nsuspects == 0)
		return ui->loading ? "no suspects found yet" :
		    "no suspects in these logs";
	if (ui_filtering(ui))
		return "no suspect matches the filters; Esc clears them";
	return "every suspect is whitelisted; W shows them";
}

/* Esc in the list: drop the filter and the quick filters. */
int
ui_filter_clear_key(struct ui *ui)
{
	if (!ui_filtering(ui))
		return UI_ACT_NONE;
	if (ui->filter != NULL)
		ui->filter->active = 0;
	ui->quick_status = UI_QUICK_ALL;
	ui->quick_kind = 0;
	ui_rows_rebuild(ui);
	ui_set_message(ui, 0, "filters cleared; n and N still search");
	return UI_ACT_SELECT;
}

/*
 * The header's view: "sort: IP, reversed", then the filter and the quick
 * filters when set.  The pattern is escaped and cut.  Allocated.
 */
char *
ui_view_describe(const struct ui *ui)
{
	const struct ui_filter	*f = ui->filter;
	struct esc_buf		 b = { NULL, 0, 0 };
	char			*pattern;
	size_t			 i, len;

	esc_buf_printf(&b, "sort: %s%s", ui_sort_name(ui->sort),
	    ui->sort_reverse ? ", reversed" : "");
	if (f != NULL && f->active) {
		len = strlen(f->pattern);
		/* A typed backslash shows once, as the admin typed it. */
		pattern = esc_controls(f->pattern, len > UI_FILTER_SHOWN ?
		    UI_FILTER_SHOWN : len);
		esc_buf_printf(&b, " | filter: /%s%s/", pattern,
		    len > UI_FILTER_SHOWN ? "..." : "");
		free(pattern);
	}
	for (i = 0; i < UI_NQUICK_STATUSES; i++) {
		if (ui_quick_statuses[i].status == ui->quick_status)
			esc_buf_printf(&b, " | only %s",
			    ui_quick_statuses[i].name);
	}
	if (ui->quick_kind != 0)
		esc_buf_printf(&b, " | only %s reasons", reason_kind_name(
		    (enum reason_kind)(ui->quick_kind - 1)));
	return b.data;
}

/* The status line of a prompt (allocated), or NULL when none is open. */
char *
ui_prompt_text(const struct ui *ui)
{
	struct esc_buf	 b = { NULL, 0, 0 };
	size_t		 i;

	switch (ui->prompt) {
	case UI_PROMPT_NONE:
		return NULL;
	case UI_PROMPT_TAG:
		esc_buf_printf(&b, "Tag suspects matching (empty: untag all): "
		    "%s", ui->input);
		break;
	case UI_PROMPT_FILTER:
		esc_buf_printf(&b, "Filter (PCRE2, empty: none): %s",
		    ui->input);
		break;
	case UI_PROMPT_QUICK:
		esc_buf_printf(&b, "Quick filter:");
		for (i = 0; i < UI_NQUICK_STATUSES; i++)
			esc_buf_printf(&b, " %c %s,",
			    ui_quick_statuses[i].letter,
			    ui_quick_statuses[i].name);
		for (i = 0; i < UI_NQUICK_KINDS; i++)
			esc_buf_printf(&b, " %c %s,", ui_quick_kinds[i].letter,
			    reason_kind_name(ui_quick_kinds[i].kind));
		esc_buf_printf(&b, " a all; Esc cancels");
		break;
	case UI_PROMPT_WL_CHOICE:
		esc_buf_printf(&b, "%s", ui->wl_pending_label != NULL ?
		    ui->wl_pending_label : "");
		break;
	case UI_PROMPT_WL_ENTRY:
		esc_buf_printf(&b, "New whitelist entry (IP, CIDR block or "
		    "name glob): %s", ui->input);
		break;
	case UI_PROMPT_WL_COMMENT:
		esc_buf_printf(&b, "Comment for %s: %s",
		    ui->wl_pending_label != NULL ? ui->wl_pending_label : "",
		    ui->input);
		break;
	}
	return b.data;
}

/*
 * The status line of a prompt escaped for the terminal (allocated), or
 * NULL.  The patterns of / and T show with only their control bytes
 * escaped, so that a backslash shows once.
 */
char *
ui_prompt_display(const struct ui *ui)
{
	char	*text, *escaped;

	if ((text = ui_prompt_text(ui)) == NULL)
		return NULL;
	if (ui->prompt == UI_PROMPT_TAG || ui->prompt == UI_PROMPT_FILTER)
		escaped = esc_controls(text, strlen(text));
	else
		escaped = ui_escape(text, strlen(text));
	free(text);
	return escaped;
}

/* Enter on a prompt other than T's. */
int
ui_prompt_enter(struct ui *ui)
{
	enum ui_prompt	 prompt = ui->prompt;
	char		*cause;

	ui->prompt = UI_PROMPT_NONE;
	ui->input[ui->input_len] = '\0';
	switch (prompt) {
	case UI_PROMPT_FILTER:
		if (ui_filter_set(ui, ui->input, &cause) == -1) {
			ui_set_message(ui, 1, "invalid pattern \"%s\": %s; "
			    "the filter is unchanged", ui->input, cause);
			free(cause);
			return UI_ACT_NONE;
		}
		return UI_ACT_SELECT;
	case UI_PROMPT_WL_ENTRY:
		return ui_wlscreen_add(ui, ui->input);
	case UI_PROMPT_WL_COMMENT:
		return ui_wlpick_commit(ui, ui->input);
	case UI_PROMPT_NONE:
	case UI_PROMPT_TAG:
	case UI_PROMPT_QUICK:
	case UI_PROMPT_WL_CHOICE:
		break;
	}
	return UI_ACT_NONE;
}

/* Esc on a prompt: forget what it was collecting. */
void
ui_prompt_cancel(struct ui *ui)
{
	ui_wlpick_clear(ui);
}
