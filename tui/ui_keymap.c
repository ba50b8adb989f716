/*
 * The key table of the list: every action with its name, its default
 * keys, its handler and its help text.  Keys are dispatched through it,
 * the help screen (?) is generated from it, and "key ACTION = KEY" lines
 * of the config file rebind it.  The first key line of an action replaces
 * its default keys, and further lines add keys.  Other screens (help,
 * preview, questions, prompts, the whitelist screen) keep fixed keys.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "esc.h"
#include "ui_internal.h"
#include "xmalloc.h"

/* Maximum key codes that one key name maps to ("Enter" maps to three). */
#define UI_KEY_CODES_MAX	3
/* Maximum default keys of one action. */
#define UI_ACTION_KEYS_MAX	3
/* Function keys that have names (F1 to F12). */
#define UI_FKEYS		12

struct ui_action {
	const char	*name;
	const char	*keys[UI_ACTION_KEYS_MAX];	/* default key names */
	int		(*fn)(struct ui *);
	const char	*help;
};

struct ui_binding {
	int		code;
	size_t		action;		/* index into ui_actions */
	const char	*where;		/* config line, or NULL for a default */
};


static int
ui_act_down(struct ui *ui)
{
	return ui_move_by(ui, 1);
}

static int
ui_act_up(struct ui *ui)
{
	return ui_move_by(ui, -1);
}

static int
ui_act_page_down(struct ui *ui)
{
	return ui_move_by(ui, (long)ui->page);
}

static int
ui_act_page_up(struct ui *ui)
{
	return ui_move_by(ui, -(long)ui->page);
}

static int
ui_act_first(struct ui *ui)
{
	return ui_move_by(ui, -(long)ui->nrows);
}

static int
ui_act_last(struct ui *ui)
{
	return ui_move_by(ui, (long)ui->nrows);
}

static int
ui_act_show_whitelisted(struct ui *ui)
{
	ui->show_whitelisted = !ui->show_whitelisted;
	ui_rows_rebuild(ui);
	ui_set_message(ui, 0, ui->show_whitelisted ?
	    "showing whitelisted clients" : "hiding whitelisted clients");
	return UI_ACT_SELECT;
}

static int
ui_act_tag_prefix(struct ui *ui)
{
	char	*keys;

	if (ui->ntags == 0) {
		ui_set_message(ui, 0, "no suspects tagged");
		return UI_ACT_NONE;
	}
	ui->tag_prefix = 1;
	keys = ui_keymap_prefix_keys(ui, 1);
	ui_set_message(ui, 0, "apply to %zu tagged: %s; Esc cancels",
	    ui->ntags, keys);
	free(keys);
	return UI_ACT_NONE;
}

static int
ui_act_collapse(struct ui *ui)
{
	ui_set_message(ui, 0, "this key collapses a group header of the "
	    "grouped view (g)");
	return UI_ACT_NONE;
}

static int
ui_act_recheck(struct ui *ui)
{
	if (ui_selected(ui) == NULL)
		return UI_ACT_NONE;
	if (ui->ctx->dns == NULL) {
		ui_set_message(ui, 1, "no DNS resolver is set up");
		return UI_ACT_NONE;
	}
	return UI_ACT_RECHECK;
}

static int
ui_act_recheck_all(struct ui *ui)
{
	return ui_dns_bulk_key(ui, UI_BULK_LISTED);
}

static int
ui_act_recheck_marked(struct ui *ui)
{
	return ui_dns_bulk_key(ui, UI_BULK_MARKED);
}

static int
ui_act_sort(struct ui *ui)
{
	return ui_sort_key(ui, 0);
}

static int
ui_act_sort_reverse(struct ui *ui)
{
	return ui_sort_key(ui, 1);
}

static int
ui_act_search_next(struct ui *ui)
{
	return ui_search_key(ui, 0);
}

static int
ui_act_search_previous(struct ui *ui)
{
	return ui_search_key(ui, 1);
}

static int
ui_act_help(struct ui *ui)
{
	ui->screen = UI_SCREEN_HELP;
	ui->help_top = 0;
	return UI_ACT_NONE;
}

static int
ui_act_redraw(struct ui *ui)
{
	return UI_ACT_CLEAR;
}

static int
ui_act_quit(struct ui *ui)
{
	return UI_ACT_QUIT;
}

/*
 * The actions in help order.  The first key of an action is the one
 * that group headers and the ; prefix see when a rebound key is pressed.
 */
static const struct ui_action ui_actions[] = {
	{ "down", { "j", "Down" }, ui_act_down, "next suspect" },
	{ "up", { "k", "Up" }, ui_act_up, "previous suspect" },
	{ "page-down", { "PgDn" }, ui_act_page_down, "next page" },
	{ "page-up", { "PgUp" }, ui_act_page_up, "previous page" },
	{ "first", { "Home" }, ui_act_first, "first suspect" },
	{ "last", { "End" }, ui_act_last, "last suspect" },
	{ "sort", { "s" }, ui_act_sort, "sort by the next order: score, "
	    "count, last seen, IP, provider" },
	{ "sort-reverse", { "S" }, ui_act_sort_reverse, "reverse the sort "
	    "order" },
	{ "filter", { "/" }, ui_filter_start, "filter by a PCRE2 pattern "
	    "over IP, HELO, rDNS, provider, reasons" },
	{ "search-next", { "n" }, ui_act_search_next, "next suspect that "
	    "the last pattern matches" },
	{ "search-previous", { "N" }, ui_act_search_previous, "previous "
	    "suspect that the last pattern matches" },
	{ "quick-filter", { "f" }, ui_quick_start, "quick filter: then n, "
	    "m, w, r (status), h, p, d, s, o (reasons), a" },
	{ "clear", { "Esc" }, ui_filter_clear_key, "clear the filter and "
	    "the quick filters" },
	{ "mark", { "m" }, ui_mark_toggle, "mark or unmark the suspect "
	    "(kept in the state database)" },
	{ "whitelist", { "w" }, ui_whitelist_key, "whitelist the IP, its "
	    "/24 or /48, rDNS domain or provider ranges" },
	{ "show-whitelisted", { "W" }, ui_act_show_whitelisted, "show or "
	    "hide whitelisted clients" },
	{ "whitelist-screen", { "L" }, ui_wlscreen_open, "the whitelist: "
	    "list, add (a) and remove (d) entries" },
	{ "undo", { "u" }, ui_undo_key, "undo the last mark or whitelist "
	    "change; again for the one before" },
	{ "report", { "r" }, ui_report_key, "compose an abuse report and "
	    "preview it" },
	{ "report-provider", { "P" }, ui_report_provider, "report every "
	    "marked suspect of the selected one's provider" },
	{ "resend", { "F" }, ui_report_retry, "send the suspect's failed "
	    "reports again" },
	{ "recheck", { "R" }, ui_act_recheck, "check the suspect's DNS "
	    "again now, asking the servers" },
	{ "recheck-all", { "A" }, ui_act_recheck_all, "re-check every "
	    "listed suspect in the background; again stops" },
	{ "recheck-marked", { "M" }, ui_act_recheck_marked, "re-check "
	    "every marked suspect; again stops" },
	{ "tag", { "t" }, ui_tag_key, "tag or untag the suspect and move "
	    "down" },
	{ "tag-pattern", { "T" }, ui_tag_pattern_key, "tag the suspects "
	    "that a PCRE2 pattern matches; empty untags" },
	/* ui_keymap_help adds the keys that may follow. */
	{ "tag-prefix", { ";" }, ui_act_tag_prefix, "apply the next key "
	    "to all tagged suspects:" },
	{ "group", { "g" }, ui_group_toggle_view, "group the list by "
	    "provider, or stop grouping" },
	{ "collapse", { "Enter", "Space" }, ui_act_collapse, "on a group "
	    "header: collapse or expand it" },
	{ "help", { "?" }, ui_act_help, "this help" },
	{ "redraw", { "C-l" }, ui_act_redraw, "repaint the screen" },
	{ "quit", { "q" }, ui_act_quit, "quit" },
};
#define UI_NACTIONS	(sizeof ui_actions / sizeof ui_actions[0])

struct ui_keymap {
	struct ui_binding	*binds;
	size_t			 nbinds;
	/* Key names bound to each action, for the help screen. */
	char			*names[64];
};

/* Named keys, where one name may map to more than one key code. */
static const struct {
	const char	*name;
	int		 codes[UI_KEY_CODES_MAX];
	size_t		 ncodes;
} ui_key_names[] = {
	{ "Esc", { UI_KEY_ESC }, 1 },
	{ "Enter", { '\r', '\n', KEY_ENTER }, 3 },
	{ "Space", { ' ' }, 1 },
	{ "Tab", { '\t' }, 1 },
	{ "Backspace", { KEY_BACKSPACE, 0x7f, 0x08 }, 3 },
	{ "Up", { KEY_UP }, 1 },
	{ "Down", { KEY_DOWN }, 1 },
	{ "Left", { KEY_LEFT }, 1 },
	{ "Right", { KEY_RIGHT }, 1 },
	{ "PgUp", { KEY_PPAGE }, 1 },
	{ "PgDn", { KEY_NPAGE }, 1 },
	{ "Home", { KEY_HOME, KEY_A1 }, 2 },
	{ "End", { KEY_END, KEY_C1 }, 2 },
	{ "Insert", { KEY_IC }, 1 },
	{ "Delete", { KEY_DC }, 1 },
};
#define UI_NKEY_NAMES	(sizeof ui_key_names / sizeof ui_key_names[0])

/*
 * Parse a key name: one printable ASCII character, a name from
 * ui_key_names (any case), F1 to F12, or C-a to C-z for Control.  Fills
 * codes (room for UI_KEY_CODES_MAX).  Returns 0, or -1 if invalid.
 */
int
ui_key_parse(const char *name, int *codes, size_t *ncodes)
{
	size_t	i, len = strlen(name);
	int	n;

	*ncodes = 0;
	if (len == 1 && isgraph((unsigned char)name[0])) {
		codes[(*ncodes)++] = (unsigned char)name[0];
		return 0;
	}
	for (i = 0; i < UI_NKEY_NAMES; i++) {
		if (strcasecmp(ui_key_names[i].name, name) != 0)
			continue;
		memcpy(codes, ui_key_names[i].codes,
		    ui_key_names[i].ncodes * sizeof *codes);
		*ncodes = ui_key_names[i].ncodes;
		return 0;
	}
	if ((name[0] == 'F' || name[0] == 'f') && len >= 2 && len <= 3 &&
	    strspn(name + 1, "0123456789") == len - 1 && name[1] != '0') {
		n = (int)strtol(name + 1, NULL, 10);
		if (n >= 1 && n <= UI_FKEYS) {
			codes[(*ncodes)++] = KEY_F(n);
			return 0;
		}
	}
	if (len == 3 && (name[0] == 'C' || name[0] == 'c') && name[1] == '-' &&
	    isalpha((unsigned char)name[2])) {
		codes[(*ncodes)++] = tolower((unsigned char)name[2]) - 'a' + 1;
		return 0;
	}
	return -1;
}

static ssize_t
ui_action_find(const char *name)
{
	size_t	i;

	for (i = 0; i < UI_NACTIONS; i++) {
		if (strcmp(ui_actions[i].name, name) == 0)
			return (ssize_t)i;
	}
	return -1;
}

static void
ui_keymap_bind(struct ui_keymap *km, size_t action, const char *name,
    const char *where)
{
	int	codes[UI_KEY_CODES_MAX];
	size_t	n, i;
	char	*joined;

	if (ui_key_parse(name, codes, &n) == -1)
		return;
	for (i = 0; i < n; i++) {
		km->binds = xreallocarray(km->binds, km->nbinds + 1,
		    sizeof *km->binds);
		km->binds[km->nbinds].code = codes[i];
		km->binds[km->nbinds].action = action;
		km->binds[km->nbinds].where = where;
		km->nbinds++;
	}
	if (km->names[action] == NULL)
		km->names[action] = xstrdup(name);
	else {
		xasprintf(&joined, "%s, %s", km->names[action], name);
		free(km->names[action]);
		km->names[action] = joined;
	}
}

void
ui_keymap_free(struct ui_keymap *km)
{
	size_t	i;

	if (km == NULL)
		return;
	for (i = 0; i < UI_NACTIONS; i++)
		free(km->names[i]);
	free(km->binds);
	free(km);
}

static struct ui_keymap *
ui_keymap_defaults(void)
{
	struct ui_keymap	*km;
	size_t			 i, k;

	km = xcalloc(1, sizeof *km);
	for (i = 0; i < UI_NACTIONS; i++) {
		for (k = 0; k < UI_ACTION_KEYS_MAX &&
		    ui_actions[i].keys[k] != NULL; k++)
			ui_keymap_bind(km, i, ui_actions[i].keys[k], NULL);
	}
	return km;
}

/* Drop the bindings of action (its defaults, before a key line). */
static void
ui_keymap_unbind(struct ui_keymap *km, size_t action)
{
	size_t	i, n = 0;

	for (i = 0; i < km->nbinds; i++) {
		if (km->binds[i].action != action)
			km->binds[n++] = km->binds[i];
	}
	km->nbinds = n;
	free(km->names[action]);
	km->names[action] = NULL;
}

/*
 * Build the key map from the defaults and cfg's key lines.  Returns 0, or
 * -1 with *cause set (allocated, naming the config line) for an unknown
 * action, an invalid key, or a key bound to two actions.
 */
int
ui_keymap_build(const struct config *cfg, struct ui_keymap **out,
    char **cause)
{
	const struct config_keybind	*kb;
	struct ui_keymap		*km;
	const struct ui_binding		*a, *b;
	unsigned char			 rebound[UI_NACTIONS];
	int				 codes[UI_KEY_CODES_MAX];
	size_t				 i, j, n;
	ssize_t				 act;
	char				*echo;

	*out = NULL;
	km = ui_keymap_defaults();
	memset(rebound, 0, sizeof rebound);
	for (i = 0; cfg != NULL && i < cfg->nkeybinds; i++) {
		kb = &cfg->keybinds[i];
		if ((act = ui_action_find(kb->action)) == -1) {
			echo = esc_display(kb->action, strlen(kb->action));
			xasprintf(cause, "%s: unknown action \"%s\" in a key "
			    "line; smtptriage.conf(5) lists the actions",
			    kb->where, echo);
			free(echo);
			ui_keymap_free(km);
			return -1;
		}
		if (ui_key_parse(kb->key, codes, &n) == -1) {
			echo = esc_display(kb->key, strlen(kb->key));
			xasprintf(cause, "%s: invalid key \"%s\": use one "
			    "printable character or a name such as F5, Esc, "
			    "Enter, Down or C-x", kb->where, echo);
			free(echo);
			ui_keymap_free(km);
			return -1;
		}
		if (!rebound[act]) {
			ui_keymap_unbind(km, (size_t)act);
			rebound[act] = 1;
		}
		ui_keymap_bind(km, (size_t)act, kb->key, kb->where);
	}

	for (i = 0; i < km->nbinds; i++) {
		for (j = i + 1; j < km->nbinds; j++) {
			a = &km->binds[i];
			b = &km->binds[j];
			if (a->code != b->code || a->action == b->action)
				continue;
			if (b->where == NULL) {
				a = &km->binds[j];
				b = &km->binds[i];
			}
			xasprintf(cause, "%s: key %s is bound to both %s and "
			    "%s; give one of them another key",
			    b->where != NULL ? b->where : "config",
			    km->names[b->action] != NULL ?
			    km->names[b->action] : "?",
			    ui_actions[a->action].name,
			    ui_actions[b->action].name);
			ui_keymap_free(km);
			return -1;
		}
	}
	*out = km;
	return 0;
}

/* Return the index of the action bound to key, or -1. */
static ssize_t
ui_keymap_lookup(const struct ui *ui, int key)
{
	static struct ui_keymap	*defaults;
	const struct ui_keymap	*km = ui->keymap;
	size_t			 i;

	if (km == NULL) {
		/* Built once and kept for the life of the program. */
		if (defaults == NULL)
			defaults = ui_keymap_defaults();
		km = defaults;
	}
	for (i = 0; i < km->nbinds; i++) {
		if (km->binds[i].code == key)
			return (ssize_t)km->binds[i].action;
	}
	return -1;
}

/* Return 1 if key is bound to the action named action. */
int
ui_keymap_is(const struct ui *ui, int key, const char *action)
{
	ssize_t	a = ui_keymap_lookup(ui, key);

	return a != -1 && strcmp(ui_actions[a].name, action) == 0;
}

/*
 * Return the default key code of the action that key is bound to.  Code
 * that tests for fixed keys (group headers, the ; prefix) uses it so that
 * a rebound key still selects its action.  Returns -1 when key is bound
 * to nothing or the default key fails to parse.
 */
int
ui_keymap_canonical(const struct ui *ui, int key)
{
	int	codes[UI_KEY_CODES_MAX];
	size_t	n;
	ssize_t	a;

	if ((a = ui_keymap_lookup(ui, key)) == -1)
		return -1;
	if (ui_key_parse(ui_actions[a].keys[0], codes, &n) == -1)
		return -1;
	return codes[0];
}

/* Run the action bound to key in the list. */
int
ui_keymap_dispatch(struct ui *ui, int key)
{
	ssize_t	a;

	if ((a = ui_keymap_lookup(ui, key)) != -1)
		return ui_actions[a].fn(ui);
	if (key >= 0 && key < 0x80 && isgraph(key))
		ui_set_message(ui, 0, "key %c does nothing here; ? lists the "
		    "keys", key);
	return UI_ACT_NONE;
}

/* Return the names of the keys bound to action, joined by ", " (allocated). */
char *
ui_keymap_keys(const struct ui *ui, const char *action)
{
	struct ui_keymap	*km;
	ssize_t			 a;
	char			*out;

	if ((a = ui_action_find(action)) == -1)
		return xstrdup("");
	if (ui->keymap != NULL)
		return xstrdup(ui->keymap->names[a] != NULL ?
		    ui->keymap->names[a] : "");
	km = ui_keymap_defaults();
	out = xstrdup(km->names[a] != NULL ? km->names[a] : "");
	ui_keymap_free(km);
	return out;
}

/*
 * The help screen's lines for the list keys: a heading, then per action
 * its keys, its help text and its name for the config file.  The caller
 * frees the lines and the array.
 */
char **
ui_keymap_help(const struct ui *ui, size_t *n)
{
	char	**lines, *keys, *after, *prefix;
	size_t	  i;

	lines = xcalloc(UI_NACTIONS + 2, sizeof *lines);
	*n = 0;
	lines[(*n)++] = xstrdup("Keys in the list (config name in brackets)");
	for (i = 0; i < UI_NACTIONS; i++) {
		keys = ui_keymap_keys(ui, ui_actions[i].name);
		after = xstrdup("");
		if (strcmp(ui_actions[i].name, "tag-prefix") == 0) {
			free(after);
			prefix = ui_keymap_prefix_keys(ui, 0);
			xasprintf(&after, " %s", prefix);
			free(prefix);
		}
		xasprintf(&lines[(*n)++], "  %-15s %s%s [%s]", keys[0] != '\0' ?
		    keys : "(none)", ui_actions[i].help, after,
		    ui_actions[i].name);
		free(after);
		free(keys);
	}
	return lines;
}

/* The actions that may follow the tag prefix, with their verbs. */
static const struct {
	const char	*action;
	const char	*verb;
} ui_prefix_actions[] = {
	{ "mark", "marks" },
	{ "whitelist", "whitelists" },
	{ "recheck", "re-checks" },
	{ "report", "reports" },
};
#define UI_NPREFIX_ACTIONS \
	(sizeof ui_prefix_actions / sizeof ui_prefix_actions[0])

/*
 * List the keys bound to the actions that may follow the tag prefix, as
 * "m, w, R, r", or with verbs as "m marks, w whitelists, ...".  An action
 * bound to no key is left out.  Returns an allocated string.
 */
char *
ui_keymap_prefix_keys(const struct ui *ui, int verbs)
{
	char	*keys, *out = NULL, *joined;
	size_t	 i;

	for (i = 0; i < UI_NPREFIX_ACTIONS; i++) {
		keys = ui_keymap_keys(ui, ui_prefix_actions[i].action);
		if (keys[0] == '\0') {
			free(keys);
			continue;
		}
		xasprintf(&joined, "%s%s%s%s%s", out != NULL ? out : "",
		    out != NULL ? ", " : "", keys, verbs ? " " : "",
		    verbs ? ui_prefix_actions[i].verb : "");
		free(out);
		free(keys);
		out = joined;
	}
	return out != NULL ? out : xstrdup("no keys bound");
}
