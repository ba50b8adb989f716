/*
 * Tags and the grouped view.  t tags the current suspect, T tags every
 * shown suspect that a PCRE2 pattern matches, and ; applies the next key
 * (m, w, R or r) to all tagged suspects.  g groups the list by provider:
 * a header row per provider, which Enter or space collapses and expands,
 * and on which m, w, R, r and t act on the whole group.  Tags last for
 * the session only.  Nothing here touches the terminal.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curses.h>

#include "regexp.h"
#include "store.h"
#include "ui_internal.h"
#include "whitelist.h"
#include "xmalloc.h"

/* Control-U clears the pattern being typed, as in a shell. */
#define UI_KEY_CTRL_U		0x15
/* Length of "YYYY-MM-DD" plus the terminator, with room to spare. */
#define UI_TAG_DATE_MAX		32
/* Group name of suspects whose provider is not known. */
#define UI_GROUP_UNKNOWN	"unknown"

static size_t
ui_tag_bucket(const struct client *c)
{
	/* Clients are at least sizeof *c apart, so this spreads them. */
	return ((uintptr_t)c / sizeof *c) & (UI_TAG_BUCKETS - 1);
}

int
ui_tagged(const struct ui *ui, const struct client *c)
{
	const struct ui_tag	*t;

	for (t = ui->tags[ui_tag_bucket(c)]; t != NULL; t = t->next) {
		if (t->client == c)
			return 1;
	}
	return 0;
}

/* Tag (on) or untag c.  Returns 1 when that changed its tag. */
int
ui_tag_set(struct ui *ui, struct client *c, int on)
{
	struct ui_tag	**tp, *t;
	size_t		  b = ui_tag_bucket(c);

	for (tp = &ui->tags[b]; (t = *tp) != NULL; tp = &t->next) {
		if (t->client != c)
			continue;
		if (on)
			return 0;
		*tp = t->next;
		free(t);
		ui->ntags--;
		return 1;
	}
	if (!on)
		return 0;
	t = xcalloc(1, sizeof *t);
	t->client = c;
	t->next = ui->tags[b];
	ui->tags[b] = t;
	ui->ntags++;
	return 1;
}

void
ui_tags_clear(struct ui *ui)
{
	struct ui_tag	*t, *next;
	size_t		 i;

	for (i = 0; i < UI_TAG_BUCKETS; i++) {
		for (t = ui->tags[i]; t != NULL; t = next) {
			next = t->next;
			free(t);
		}
		ui->tags[i] = NULL;
	}
	ui->ntags = 0;
}

/*
 * 1 if c is in the list now: not a whitelisted one while W hides them,
 * and not one that the filter or a quick filter hides.
 */
static int
ui_shown(const struct ui *ui, const struct client *c)
{
	return ui_visible(ui, c);
}

/*
 * The tagged suspects that are shown, in list order, including those in
 * collapsed groups.  The caller frees the array.
 */
struct client **
ui_tagged_list(const struct ui *ui, size_t *n)
{
	struct client	**list, *c;
	size_t		  i;

	*n = 0;
	list = xcalloc(ui->nsuspects + 1, sizeof *list);
	for (i = 0; i < ui->nsuspects; i++) {
		c = ui->suspects[i];
		if (ui_shown(ui, c) && ui_tagged(ui, c))
			list[(*n)++] = c;
	}
	return list;
}

/* t: tag or untag the current suspect, and move to the next row. */
int
ui_tag_key(struct ui *ui)
{
	struct client	*c;
	int		 on;

	if ((c = ui_selected(ui)) == NULL)
		return UI_ACT_NONE;
	on = !ui_tagged(ui, c);
	ui_tag_set(ui, c, on);
	ui_set_message(ui, 0, "%s %s; %zu tagged", on ? "tagged" : "untagged",
	    c->ip, ui->ntags);
	if (ui->cursor + 1 < ui->nrows) {
		ui_move_to(ui, ui->cursor + 1);
		return UI_ACT_SELECT;
	}
	return UI_ACT_NONE;
}

/* T: prompt for a pattern on the status line. */
int
ui_tag_pattern_key(struct ui *ui)
{
	ui->prompt = UI_PROMPT_TAG;
	ui->input_len = 0;
	ui->input[0] = '\0';
	return UI_ACT_NONE;
}

/* Handle a key while the status line prompts for a pattern. */
int
ui_prompt_key(struct ui *ui, int key)
{
	char	*cause;

	if (ui->prompt == UI_PROMPT_QUICK)
		return ui_quick_key(ui, key);
	if (ui->prompt == UI_PROMPT_WL_CHOICE)
		return ui_wlpick_key(ui, key);

	switch (key) {
	case '\r':
	case '\n':
	case KEY_ENTER:
		if (ui->prompt != UI_PROMPT_TAG)
			return ui_prompt_enter(ui);
		ui->prompt = UI_PROMPT_NONE;
		ui->input[ui->input_len] = '\0';
		if (ui_tag_match(ui, ui->input, &cause) == -1) {
			ui_set_message(ui, 1, "invalid pattern \"%s\": %s",
			    ui->input, cause);
			free(cause);
		}
		return UI_ACT_NONE;
	case UI_KEY_ESC:
		ui_prompt_cancel(ui);
		ui->prompt = UI_PROMPT_NONE;
		ui_set_message(ui, 0, "cancelled");
		return UI_ACT_NONE;
	case KEY_BACKSPACE:
	case 0x7f:
	case 0x08:
		/* Drop a whole UTF-8 sequence, not only its last byte. */
		while (ui->input_len > 0 &&
		    ((unsigned char)ui->input[--ui->input_len] & 0xc0) == 0x80)
			continue;
		ui->input[ui->input_len] = '\0';
		return UI_ACT_NONE;
	case UI_KEY_CTRL_U:
		ui->input_len = 0;
		ui->input[0] = '\0';
		return UI_ACT_NONE;
	}
	/* Printable ASCII, and the bytes of UTF-8 characters. */
	if (key >= ' ' && key < 0x100 && key != 0x7f &&
	    ui->input_len < UI_PROMPT_MAX) {
		ui->input[ui->input_len++] = (char)key;
		ui->input[ui->input_len] = '\0';
	}
	return UI_ACT_NONE;
}

/* Work out the provider of c, with its DNS check when one is done. */
void
ui_client_provider(const struct ui *ui, const struct client *c,
    struct provider_info *pv)
{
	struct ui_check	*e;

	e = ui_check_find(ui, c->ip);
	provider_identify_client(ui->ctx->cfg->providers, c, e != NULL &&
	    e->done ? dns_check_result(e->check) : NULL, pv);
}

static int
ui_field_matches(const struct regexp_env *env, const struct regexp *re,
    const char *s)
{
	return s != NULL && s[0] != '\0' && regexp_match(env, re, s,
	    strlen(s), 0);
}

/* 1 if the pattern matches c's IP, a HELO name, rDNS, provider or reason. */
int
ui_client_matches(const struct ui *ui, const struct regexp_env *env,
    const struct regexp *re, const struct client *c)
{
	struct provider_info	pv;
	size_t			i;

	if (ui_field_matches(env, re, c->ip) ||
	    ui_field_matches(env, re, c->rdns))
		return 1;
	for (i = 0; i < c->nhelos; i++) {
		if (ui_field_matches(env, re, c->helos[i].name))
			return 1;
	}
	for (i = 0; i < c->nreasons; i++) {
		if (ui_field_matches(env, re, c->reasons[i].name))
			return 1;
	}
	ui_client_provider(ui, c, &pv);
	return ui_field_matches(env, re, pv.name) ||
	    ui_field_matches(env, re, pv.domain);
}

/*
 * Tag every shown suspect that pattern matches, ignoring case; an empty
 * pattern untags all.  Each field is matched on its own, so ^ and $
 * anchor to a field.  Returns 0, or -1 with *cause set (allocated) when
 * the pattern does not compile.
 */
int
ui_tag_match(struct ui *ui, const char *pattern, char **cause)
{
	struct regexp_env	 env;
	struct regexp		 re;
	struct client		*c;
	size_t			 i, matched = 0, before = ui->ntags;

	if (pattern[0] == '\0') {
		ui_tags_clear(ui);
		ui_set_message(ui, 0, "untagged %zu suspects", before);
		return 0;
	}
	regexp_env_init(&env);
	if (regexp_compile(&env, &re, pattern, PCRE2_CASELESS, cause) == -1) {
		regexp_env_free(&env);
		return -1;
	}
	for (i = 0; i < ui->nsuspects; i++) {
		c = ui->suspects[i];
		if (!ui_shown(ui, c) || !ui_client_matches(ui, &env, &re, c))
			continue;
		matched++;
		ui_tag_set(ui, c, 1);
	}
	regexp_free(&re);
	regexp_env_free(&env);
	ui_set_message(ui, 0, "%zu suspects match; %zu newly tagged, %zu "
	    "tagged in all", matched, ui->ntags - before, ui->ntags);
	return 0;
}

/* The key after ;: apply m, w, R or r to all tagged suspects. */
int
ui_tag_prefix_key(struct ui *ui, int key)
{
	struct client	**list;
	char		 *keys;
	size_t		  n;
	int		  act = UI_ACT_NONE;

	if (key == UI_KEY_ESC) {
		ui_set_message(ui, 0, "cancelled");
		return UI_ACT_NONE;
	}
	list = ui_tagged_list(ui, &n);
	if (n == 0) {
		ui_set_message(ui, 0, "no suspects tagged");
		free(list);
		return UI_ACT_NONE;
	}
	switch (key) {
	case 'm':
		act = ui_mark_many(ui, list, n, "tagged");
		break;
	case 'w':
		act = ui_whitelist_many_ask(ui, list, n, "tagged");
		break;
	case 'R':
		act = ui_dns_bulk_clients(ui, list, n, "tagged", ";R");
		break;
	case 'r':
		act = ui_report_start(ui, list, n, 0);
		break;
	default:
		keys = ui_keymap_prefix_keys(ui, 0);
		ui_set_message(ui, 1, "the key after the tag prefix was none "
		    "of %s, which apply to the tagged suspects", keys);
		free(keys);
		break;
	}
	free(list);
	return act;
}

/*
 * Mark clients[0..n-1] in the store, or unmark them all when every one is
 * marked already.  what names them in the message ("tagged", a provider).
 */
int
ui_mark_many(struct ui *ui, struct client **clients, size_t n,
    const char *what)
{
	struct client	*c;
	char		*cause;
	size_t		 i, changed = 0, unmarked = 0, to_change;
	int		 want;

	if (!ui_confirm_gate(ui, UI_DO_MARK, clients, n, what, NULL))
		return UI_ACT_NONE;
	for (i = 0; i < n; i++) {
		if (!clients[i]->marked)
			unmarked++;
	}
	want = unmarked > 0;
	/* The messages and the undo step count only the suspects that change. */
	to_change = want ? unmarked : n;
	xasprintf(&cause, "%s %zu %s suspect%s", want ? "mark" : "unmark",
	    to_change, what, to_change == 1 ? "" : "s");
	ui_undo_begin(ui, cause);
	free(cause);
	for (i = 0; i < n; i++) {
		c = clients[i];
		if (c->marked == want)
			continue;
		if (store_set_mark(ui->ctx->store, c->ip, want, &cause) == -1) {
			ui_set_message(ui, 1, "cannot %s %s: %s; %zu of the "
			    "%zu %s suspects changed", want ? "mark" :
			    "unmark", c->ip, cause, changed, to_change, what);
			free(cause);
			ui_undo_end(ui);
			return UI_ACT_NONE;
		}
		c->marked = want;
		ui_undo_mark(ui, c->ip, !want);
		changed++;
	}
	ui_undo_end(ui);
	ui_set_message(ui, 0, "%s %zu %s suspect%s", want ? "marked" :
	    "unmarked", changed, what, changed == 1 ? "" : "s");
	return UI_ACT_NONE;
}

/*
 * Ask whether to whitelist the IPs of clients[0..n-1]; y runs
 * ui_whitelist_many.  Whitelisted ones are left out.
 */
int
ui_whitelist_many_ask(struct ui *ui, struct client **clients, size_t n,
    const char *what)
{
	struct client	**list;
	char		 *text;
	size_t		  i, k = 0;
	int		  act;

	list = xcalloc(n + 1, sizeof *list);
	for (i = 0; i < n; i++) {
		if (!clients[i]->whitelisted)
			list[k++] = clients[i];
	}
	if (k == 0) {
		ui_set_message(ui, 0, "the %s suspects are whitelisted "
		    "already", what);
		free(list);
		return UI_ACT_NONE;
	}
	xasprintf(&text, "whitelist the IPs of %zu %s suspects? y/n", k, what);
	ui_confirm_open(ui, UI_CONFIRM_WHITELIST_MANY, NULL, NULL, text);
	ui->confirm_list = list;
	ui->confirm_nlist = k;
	if (ui_confirm_wanted(ui))
		return UI_ACT_NONE;
	/* The config turned questions off: go on without asking. */
	act = ui_whitelist_many(ui);
	ui_confirm_close(ui);
	return act;
}

/* Whitelist the IP of each client in confirm_list. */
int
ui_whitelist_many(struct ui *ui)
{
	struct client	*c;
	char		*cause, *comment, date[UI_TAG_DATE_MAX];
	size_t		 i, done = 0;

	ui_whitelist_reload(ui);
	ui_format_date(time(NULL), date, sizeof date);
	xasprintf(&comment, "added by smtptriage %s", date);
	xasprintf(&cause, "whitelist %zu IPs", ui->confirm_nlist);
	ui_undo_begin(ui, cause);
	free(cause);
	for (i = 0; i < ui->confirm_nlist; i++) {
		c = ui->confirm_list[i];
		if (c->whitelisted)
			continue;
		if (wl_add(ui->ctx->wl, c->ip, comment, &cause) == -1) {
			ui_set_message(ui, 1, "cannot whitelist %s: %s; %zu "
			    "whitelisted before it", c->ip, cause, done);
			free(cause);
			break;
		}
		ui_undo_wl(ui, 1, c->ip, NULL);
		c->whitelisted = 1;
		done++;
	}
	ui_undo_end(ui);
	free(comment);
	ui_rows_rebuild(ui);
	if (i == ui->confirm_nlist)
		ui_set_message(ui, 0, "whitelisted %zu IPs%s", done,
		    ui->show_whitelisted ? "" :
		    "; W shows whitelisted clients");
	return UI_ACT_SELECT;
}

/* The group header under the cursor, or NULL. */
const struct ui_group *
ui_selected_group(const struct ui *ui)
{
	if (!ui->grouped || ui->cursor >= ui->nrows ||
	    ui->rows[ui->cursor] != NULL)
		return NULL;
	return &ui->groups[ui->row_group[ui->cursor]];
}

void
ui_groups_free(struct ui *ui)
{
	size_t	i;

	for (i = 0; i < ui->ngroups; i++)
		free(ui->groups[i].members);
	free(ui->groups);
	free(ui->row_group);
	ui->groups = NULL;
	ui->ngroups = 0;
	ui->row_group = NULL;
}

/*
 * Sort the shown suspects into provider groups and lay out the rows: each
 * group's header, then its members unless it is collapsed.  Groups come
 * in the order of their first member in the list, and members keep the
 * list's order.  A group keeps its collapsed state by name.
 *
 * NOTE: the provider is worked out again on every rebuild, so a DNS check
 * that confirms an rDNS name moves a suspect to another group only at the
 * next rebuild (g, W, whitelisting, new log lines in follow mode, or the
 * end of a bulk re-check).
 */
void
ui_groups_build(struct ui *ui)
{
	struct ui_group		*old = ui->groups, *g;
	struct provider_info	 pv;
	struct client		*c;
	const char		*name;
	size_t			 nold = ui->ngroups, i, j, k, n = 0;
	size_t			 shown = 0;

	ui->groups = NULL;
	ui->ngroups = 0;
	for (i = 0; i < ui->nsuspects; i++) {
		c = ui->suspects[i];
		if (!ui_shown(ui, c))
			continue;
		shown++;
		ui_client_provider(ui, c, &pv);
		name = pv.name[0] != '\0' ? pv.name : UI_GROUP_UNKNOWN;
		for (j = 0; j < ui->ngroups; j++) {
			if (strcasecmp(ui->groups[j].name, name) == 0)
				break;
		}
		if (j == ui->ngroups) {
			ui->groups = xreallocarray(ui->groups,
			    ui->ngroups + 1, sizeof *ui->groups);
			g = &ui->groups[ui->ngroups++];
			memset(g, 0, sizeof *g);
			snprintf(g->name, sizeof g->name, "%s", name);
			for (k = 0; k < nold; k++) {
				if (strcasecmp(old[k].name, name) == 0)
					g->collapsed = old[k].collapsed;
			}
		}
		g = &ui->groups[j];
		g->members = xreallocarray(g->members, g->nmembers + 1,
		    sizeof *g->members);
		g->members[g->nmembers++] = c;
		if (pv.source == PROVIDER_HELO)
			g->nunverified++;
	}
	for (j = 0; j < nold; j++)
		free(old[j].members);
	free(old);

	ui->rows = xreallocarray(ui->rows, shown + ui->ngroups + 1,
	    sizeof *ui->rows);
	ui->row_group = xreallocarray(ui->row_group, shown + ui->ngroups + 1,
	    sizeof *ui->row_group);
	for (j = 0; j < ui->ngroups; j++) {
		g = &ui->groups[j];
		ui->rows[n] = NULL;
		ui->row_group[n++] = j;
		if (g->collapsed)
			continue;
		for (i = 0; i < g->nmembers; i++) {
			ui->rows[n] = g->members[i];
			ui->row_group[n++] = j;
		}
	}
	ui->nrows = n;
}

/*
 * Build the name shown on a group header, not escaped yet.  A name that
 * every member's HELO gave gets "(unverified)", and one that only N
 * members' HELO gave gets "(N unverified)".  Returns an allocated string.
 */
char *
ui_group_label(const struct ui_group *g)
{
	char	*label;

	if (g->nunverified == 0)
		return xstrdup(g->name);
	if (g->nunverified == g->nmembers)
		xasprintf(&label, "%s (unverified)", g->name);
	else
		xasprintf(&label, "%s (%zu unverified)", g->name,
		    g->nunverified);
	return label;
}

/* g: switch between the plain list and the list grouped by provider. */
int
ui_group_toggle_view(struct ui *ui)
{
	ui->grouped = !ui->grouped;
	ui_rows_rebuild(ui);
	if (ui->grouped)
		ui_set_message(ui, 0, "grouped by provider: %zu group%s; Enter "
		    "on a header collapses or expands it", ui->ngroups,
		    ui->ngroups == 1 ? "" : "s");
	else {
		ui_groups_free(ui);
		ui_set_message(ui, 0, "not grouped");
	}
	return UI_ACT_SELECT;
}

/*
 * A key on a group header: Enter or space collapses or expands the group;
 * m, w, R, r and t act on all its suspects.  Returns -1 for other keys.
 */
int
ui_group_key(struct ui *ui, int key)
{
	const struct ui_group	 *g;
	struct client		**list;
	char			  name[PROVIDER_NAME_SIZE];
	size_t			  i, n;
	int			  act = UI_ACT_NONE, on = 0;

	if ((g = ui_selected_group(ui)) == NULL)
		return -1;
	switch (key) {
	case '\r':
	case '\n':
	case KEY_ENTER:
	case ' ':
		ui->groups[ui->row_group[ui->cursor]].collapsed =
		    !g->collapsed;
		ui_rows_rebuild(ui);
		return UI_ACT_NONE;
	case 'm':
	case 'w':
	case 'R':
	case 'r':
	case 't':
		break;
	default:
		return -1;
	}

	/* An action may rebuild the groups, so it works on copies. */
	snprintf(name, sizeof name, "%s", g->name);
	n = g->nmembers;
	list = xcalloc(n + 1, sizeof *list);
	memcpy(list, g->members, n * sizeof *list);
	switch (key) {
	case 'm':
		act = ui_mark_many(ui, list, n, name);
		break;
	case 'w':
		act = ui_whitelist_many_ask(ui, list, n, name);
		break;
	case 'R':
		act = ui_dns_bulk_clients(ui, list, n, name, "R");
		break;
	case 'r':
		act = ui_report_start(ui, list, n, 0);
		break;
	case 't':
		/* Tag the group, or untag it when every member is tagged. */
		for (i = 0; i < n; i++) {
			if (!ui_tagged(ui, list[i]))
				on = 1;
		}
		for (i = 0; i < n; i++)
			ui_tag_set(ui, list[i], on);
		ui_set_message(ui, 0, "%s %zu %s suspects; %zu tagged",
		    on ? "tagged" : "untagged", n, name, ui->ntags);
		break;
	}
	free(list);
	return act;
}
