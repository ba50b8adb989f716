/*
 * State shared by the console's files: ui.c (the poll loop, terminal set-up
 * and the DNS side table), ui_draw.c (drawing) and ui_key.c (key handlers).
 * The key handlers touch no terminal, so tests build a struct ui by hand.
 */
#ifndef SMTPTRIAGE_UI_INTERNAL_H
#define SMTPTRIAGE_UI_INTERNAL_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <curses.h>

#include "agg.h"
#include "dns.h"
#include "provider.h"
#include "ui.h"

/* Action bits that a key handler returns for the loop to carry out. */
#define UI_ACT_NONE	0x00
#define UI_ACT_REDRAW	0x01	/* something on screen changed */
#define UI_ACT_SELECT	0x02	/* another suspect is selected */
#define UI_ACT_RECHECK	0x04	/* start a DNS check of the selected one now */
#define UI_ACT_QUIT	0x08
#define UI_ACT_CLEAR	0x10	/* repaint the whole terminal */
#define UI_ACT_EDIT	0x20	/* edit the previewed report in $EDITOR */

/* Key codes that curses does not name. */
#define UI_KEY_ESC	0x1b
#define UI_KEY_CTRL_L	0x0c

/* Smallest usable terminal.  Below it the console shows a note instead. */
#define UI_MIN_COLS	60
#define UI_MIN_LINES	12

/* Columns from which the detail pane moves to the right of the list. */
#define UI_WIDE_COLS	210
/* Width of the detail pane on wide terminals, including its border. */
#define UI_SIDE_WIDTH	80

/* How long the cursor must rest on a suspect before its DNS check starts. */
#define UI_DEBOUNCE_MS	150
/* A DNS result younger than this is shown instead of asking again. */
#define UI_FRESH_MS	60000

/* Buckets of the chained DNS side table, a power of two. */
#define UI_CHECK_BUCKETS 256
/* Buckets of the tag set, a power of two. */
#define UI_TAG_BUCKETS	1024
/* Maximum bytes of a pattern typed on the status line. */
#define UI_PROMPT_MAX	256

/*
 * Maximum bytes of log- or DNS-derived text passed to esc_display.  They
 * are at least 1024 characters, more than a terminal line holds.
 */
#define UI_TEXT_MAX	4096

enum ui_screen {
	UI_SCREEN_LIST,		/* list and detail pane */
	UI_SCREEN_HELP,
	UI_SCREEN_PREVIEW,	/* report preview, y sends, n cancels */
	UI_SCREEN_CONFIRM,	/* list with a y/n question in the status line */
	UI_SCREEN_WHITELIST,	/* L: the whitelist entries */
};

enum ui_confirm {
	UI_CONFIRM_NONE,
	UI_CONFIRM_REPORT_AGAIN,	/* the client was reported before */
	UI_CONFIRM_UNWHITELIST,		/* remove confirm_entry */
	UI_CONFIRM_WHITELIST_MANY,	/* whitelist confirm_list */
	UI_CONFIRM_ACTION,		/* run confirm_do (ui_confirm.c) */
	UI_CONFIRM_WL_DELETE,		/* remove confirm_entry (L screen) */
	UI_CONFIRM_WL_ENTRIES,		/* w: whitelist wl_pending */
};

/* An action that waits for y in a question (ui_confirm.c). */
enum ui_confirm_do {
	UI_DO_NONE,
	UI_DO_MARK,		/* ui_mark_many on confirm_list */
	UI_DO_RECHECK,		/* ui_dns_bulk_clients on confirm_list */
	UI_DO_REPORT,		/* ui_report_start on confirm_list */
	UI_DO_RETRY,		/* ui_report_retry on the selected suspect */
};

/* What the status line prompts for, if anything. */
enum ui_prompt {
	UI_PROMPT_NONE,
	UI_PROMPT_TAG,		/* T: a pattern; suspects matching it get tags */
	UI_PROMPT_FILTER,	/* /: a pattern that filters the list */
	UI_PROMPT_QUICK,	/* f: one letter, a quick filter */
	UI_PROMPT_WL_CHOICE,	/* w: one letter, what to whitelist */
	UI_PROMPT_WL_ENTRY,	/* L, a: a whitelist entry */
	UI_PROMPT_WL_COMMENT,	/* the comment of wl_pending's entries */
};

/* Sort orders of the list: s cycles through them, S reverses. */
enum ui_sort {
	UI_SORT_SCORE,
	UI_SORT_COUNT,
	UI_SORT_LAST,
	UI_SORT_IP,
	UI_SORT_PROVIDER,
};
#define UI_SORTS	5

/* Status quick filters (f n, f m, f w, f r); f a shows all. */
enum ui_quick_status {
	UI_QUICK_ALL,
	UI_QUICK_NEW,
	UI_QUICK_MARKED,
	UI_QUICK_WHITELISTED,
	UI_QUICK_REPORTED,
};

/* One tagged suspect; tags last for the session only. */
struct ui_tag {
	struct client	*client;
	struct ui_tag	*next;
};

/* One provider in the grouped view (g). */
struct ui_group {
	char		  name[PROVIDER_NAME_SIZE];	/* or "unknown" */
	struct client	**members;	/* shown suspects, in list order */
	size_t		  nmembers;
	size_t		  nunverified;	/* members named by their HELO only */
	int		  collapsed;
};

/*
 * One client's latest DNS check, kept by IP so moving back shows it: the
 * console's own check, or a finished one of a bulk re-check.
 */
struct ui_check {
	char			 ip[INET6_ADDRSTRLEN];
	struct client		*client;
	struct dns_check	*check;
	int			 done;
	uint64_t		 done_ms;	/* monotonic, when done */
	struct ui		*ui;
	struct ui_check		*next;
};

/* One evidence line of the selected suspect, escaped for display. */
struct ui_evline {
	char		*text;
	int		 error;		/* text is why the line could not be read */
	uint32_t	 file;
	uint64_t	 line;
};

/* Where the parts of the screen go, from ui_layout. */
struct ui_layout {
	int	too_small;
	int	lines, cols;
	int	list_y, list_x, list_h, list_w;	/* rows of suspects */
	int	detail_y, detail_x, detail_h, detail_w;
	int	side;			/* detail pane right of the list */
	int	status_y;
};

struct ui {
	struct ui_context	*ctx;

	/*
	 * Every suspect in score order, and the rows shown.  In the grouped
	 * view a group header is a NULL row, and row_group gives each row's
	 * index into groups.
	 */
	struct client		**suspects;
	size_t			  nsuspects;
	struct client		**rows;
	size_t			  nrows;
	size_t			 *row_group;
	int			  grouped;
	struct ui_group		 *groups;
	size_t			  ngroups;

	/* Tagged suspects (t, T), and ; waiting for its action key. */
	struct ui_tag		 *tags[UI_TAG_BUCKETS];
	size_t			  ntags;
	int			  tag_prefix;

	/* The pattern being typed on the status line. */
	enum ui_prompt		  prompt;
	char			  input[UI_PROMPT_MAX + 1];
	size_t			  input_len;
	size_t			  cursor;
	size_t			  top;		/* first row on screen */
	size_t			  page;		/* rows on screen, >= 1 */
	size_t			  text_page;	/* preview and help lines, >= 1 */
	size_t			  helo_width;	/* widest escaped first HELO */
	size_t			  rdns_width;	/* widest escaped rDNS name */
	int			  show_whitelisted;

	enum ui_screen		  screen;
	enum ui_screen		  confirm_return; /* screen under the prompt */
	enum ui_confirm		  confirm;
	char			 *confirm_text;
	char			 *confirm_entry;
	struct client		 *confirm_client;
	struct client		**confirm_list;	/* UI_CONFIRM_WHITELIST_MANY */
	size_t			  confirm_nlist;

	/* The report being previewed. */
	struct client		 *report_client;
	char			 *report_msg;
	char			 *report_id;
	char			**report_lines;	/* split copy of report_msg */
	size_t			  nreport_lines;
	size_t			  report_top;
	struct ui_report	 *report;	/* the flow, in ui_report.c */

	/*
	 * Sort order (ui_sort.c): suspects is a sorted copy of source, the
	 * array that ui_set_suspects was given.
	 */
	struct client		**source;
	struct client		**sorted;
	enum ui_sort		  sort;
	int			  sort_reverse;

	/* Filter and search (/, n, N) and quick filters (f), ui_filter.c. */
	struct ui_filter	 *filter;
	enum ui_quick_status	  quick_status;
	int			  quick_kind;	/* enum reason_kind + 1, 0: any */

	/* Whitelist entries waiting for their comment (w, L a). */
	char			**wl_pending;
	size_t			  nwl_pending;
	char			 *wl_pending_label;
	/* Selected entry and first shown entry of the L screen. */
	size_t			  wl_cursor;
	size_t			  wl_top;

	/* The undo stack (u), ui_undo.c. */
	struct ui_undo		 *undo;

	/* Keys from the config file (ui_keymap.c); NULL: the defaults. */
	struct ui_keymap	 *keymap;

	/* The action a UI_CONFIRM_ACTION question runs on y. */
	enum ui_confirm_do	  confirm_do;
	char			 *confirm_label;
	char			 *confirm_stop;
	int			  confirm_given;	/* replaying after y */

	/* Status line message, cleared by the next key. */
	char			 *message;
	int			  message_error;

	/* Evidence lines of detail_client. */
	struct client		 *detail_client;
	uint64_t		  detail_events;	/* its events then */
	struct ui_evline	 *evidence;
	size_t			  nevidence;

	struct ui_check		 *checks[UI_CHECK_BUCKETS];
	struct client		 *pending;	/* DNS check waiting to start */
	uint64_t		  pending_due;	/* monotonic ms */

	size_t			  help_top;
	int			  colour;	/* colour pairs are set up */
	int			  dirty;
	int			  clear;
	size_t			  inflight;	/* DNS queries, as last drawn */
	struct ui_dns		 *dns_state;	/* ui_dns.c; NULL until used */
	struct ui_layout	  layout;

	uint64_t		  follow_due;	/* monotonic ms; 0: off */

	/* Reading the logs in slices (ui_load.c); loading is 0 when done. */
	int			  loading;
	uint64_t		  load_start_ms;	/* monotonic */
	int			  load_bar_drawn;	/* the bar was on screen */
	uint64_t		  load_due;	/* monotonic ms of the next slice */
	uint64_t		  load_total;	/* input bytes; 0: not known */
	uint64_t		  load_rate;	/* lines per second; 0: no limit */
	uint64_t		  load_slice_ms;	/* reading time per pass */
	uint64_t		  load_refresh_due;	/* monotonic ms */
	struct ui_load_state	 *load_state;	/* ui_load_refresh.c */
	int			  load_state_tried;
	/* Parts read on worker threads and merged here; NULL: slices. */
	struct logread_bg	 *load_parts;
	int			  load_parts_fd;	/* readable: a part is read */
	int			  load_stale;	/* merged since the last refresh */
	/* The refresh in steps while parts come in; NULL: none runs. */
	struct ui_follow_step	 *load_step;
	uint64_t		  load_step_us;	/* its time so far */
	int			  load_merged;	/* every part is merged */
	/* Calls of ui_rows_rebuild, so a refresh in steps notices a new view. */
	uint64_t		  rows_builds;
};

/* ui.c */
void		 ui_init(struct ui *, struct ui_context *);
void		 ui_free(struct ui *);
void		 ui_set_suspects(struct ui *, struct client **, size_t);
void		 ui_rows_rebuild(struct ui *);
void		 ui_scroll_fix(struct ui *);
struct client	*ui_selected(const struct ui *);
void		 ui_set_message(struct ui *, int error, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
uint64_t	 ui_now_ms(void);
uint64_t	 ui_now_us(void);
size_t		 ui_name_width(const char *);
void		 ui_checks_prune(struct ui *);
struct ui_check	*ui_check_find(const struct ui *, const char *ip);
int		 ui_timeout_until(uint64_t due, uint64_t now_ms, int timeout);
void		 ui_check_drop(struct ui *, const char *ip);
void		 ui_check_schedule(struct ui *, uint64_t now_ms);
int		 ui_check_ensure(struct ui *, struct client *, uint64_t now_ms);
void		 ui_check_adopt(struct ui *, struct client *,
		    struct dns_check *);
void		 ui_check_start(struct ui *, struct client *);
void		 ui_check_begin(struct ui *, struct client *, int flags);
void		 ui_detail_load(struct ui *, struct client *);
void		 ui_layout(struct ui *, int lines, int cols);
char		*ui_escape(const char *, size_t);
void		 ui_format_time(int64_t utc, char *, size_t);
void		 ui_format_date(int64_t utc, char *, size_t);

/* ui_key.c */
int		 ui_key(struct ui *, int key);
void		 ui_move_to(struct ui *, size_t);
int		 ui_move_by(struct ui *, long);
int		 ui_mark_toggle(struct ui *);
int		 ui_whitelist_key(struct ui *);
int		 ui_report_key(struct ui *);
void		 ui_confirm_open(struct ui *, enum ui_confirm,
		    struct client *, const char *entry, char *text);
void		 ui_confirm_close(struct ui *);

/*
 * ui_tags.c: tags (t, T, and ; before m, w, R or r), the grouped view (g)
 * and the actions on a group header.
 */
int		 ui_tagged(const struct ui *, const struct client *);
int		 ui_tag_set(struct ui *, struct client *, int on);
void		 ui_tags_clear(struct ui *);
struct client	**ui_tagged_list(const struct ui *, size_t *n);
int		 ui_tag_key(struct ui *);
int		 ui_tag_pattern_key(struct ui *);
int		 ui_tag_prefix_key(struct ui *, int key);
int		 ui_prompt_key(struct ui *, int key);
int		 ui_tag_match(struct ui *, const char *pattern, char **cause);
struct regexp_env;
struct regexp;
int		 ui_client_matches(const struct ui *,
		    const struct regexp_env *, const struct regexp *,
		    const struct client *);
void		 ui_client_provider(const struct ui *, const struct client *,
		    struct provider_info *);
int		 ui_group_toggle_view(struct ui *);
void		 ui_groups_build(struct ui *);
char		*ui_group_label(const struct ui_group *);
void		 ui_groups_free(struct ui *);
const struct ui_group *ui_selected_group(const struct ui *);
int		 ui_group_key(struct ui *, int key);
int		 ui_mark_many(struct ui *, struct client **, size_t,
		    const char *what);
int		 ui_whitelist_many_ask(struct ui *, struct client **, size_t,
		    const char *what);
int		 ui_whitelist_many(struct ui *);

/* ui_report.c: the report flow; docs/reports.md describes the keys. */
struct ui_report;
struct plan;
int		 ui_report_start(struct ui *, struct client **, size_t,
		    int force);
int		 ui_report_preview_key(struct ui *, int key);
void		 ui_report_tick(struct ui *);
int		 ui_report_timeout(struct ui *, uint64_t now_ms, int timeout);
int		 ui_report_provider(struct ui *);
const struct plan *ui_report_plan(const struct ui *);
int		 ui_report_retry(struct ui *);
void		 ui_report_close(struct ui *);
void		 ui_report_edit(struct ui *);
int		 ui_report_edit_run(struct ui *, const char *editor,
		    char **cause);
char		*ui_report_title(const struct ui *);
char		*ui_report_status(const struct ui *);
void		 ui_report_detail(struct ui *, struct client *,
		    char **provider, char **history);

/*
 * ui_dns.c: bulk re-checks (A all listed, M all marked), the DNS history,
 * and the DNSBL, abuse contact and history lines of the detail pane.
 */
enum ui_bulk_kind {
	UI_BULK_LISTED,
	UI_BULK_MARKED,
};

/* How a line of the detail pane is drawn. */
enum ui_tone {
	UI_TONE_NORMAL,
	UI_TONE_PASS,
	UI_TONE_FAIL,
	UI_TONE_INDETERMINATE,
	UI_TONE_DIM,
};

struct ui_dns_line {
	const char	*label;		/* static */
	char		*text;		/* allocated, not escaped yet */
	enum ui_tone	 tone;
};
#define UI_DNS_LINES_MAX	(DNS_DNSBL_MAX + 2)

struct esc_buf;
struct ui_dns;
int		 ui_dns_bulk_key(struct ui *, enum ui_bulk_kind);
int		 ui_dns_bulk_clients(struct ui *, struct client **, size_t,
		    const char *label, const char *stop_key);
void		 ui_dns_tick(struct ui *, uint64_t now_ms);
int		 ui_dns_timeout(struct ui *, uint64_t now_ms, int timeout);
int		 ui_dns_redraw_due(struct ui *, uint64_t now_ms);
void		 ui_dns_check_done(struct ui *, struct client *,
		    const struct dns_result *);
void		 ui_dns_prune(struct ui *);
void		 ui_dns_free(struct ui *);
void		 ui_dns_loop_mark(struct ui *, int polled);
void		 ui_dns_status(struct ui *, struct esc_buf *);
void		 ui_dns_age_text(const struct dns_result *, char *, size_t);
char		*ui_dns_history_text(struct ui *, struct client *);
size_t		 ui_dns_lines(struct ui *, struct client *,
		    struct ui_dns_line *, size_t max);

/* ui_draw.c */
void		 ui_colour_init(struct ui *);
void		 ui_draw(struct ui *);
int		 ui_put(int y, int x, int w, const char *, attr_t);
int		 ui_put_esc(int y, int x, int w, const char *raw, attr_t);

/* ui_sort.c: the sort order (s, S). */
void		 ui_sort_apply(struct ui *);
int		 ui_sort_key(struct ui *, int reverse);
const char	*ui_sort_name(enum ui_sort);

/*
 * ui_filter.c: the filter and search (/, n, N), quick filters (f), Esc,
 * and the header's description of them.
 */
struct ui_filter;
int		 ui_visible(const struct ui *, const struct client *);
int		 ui_filter_start(struct ui *);
int		 ui_filter_set(struct ui *, const char *pattern, char **cause);
int		 ui_search_key(struct ui *, int backward);
int		 ui_quick_start(struct ui *);
int		 ui_quick_key(struct ui *, int key);
int		 ui_filter_clear_key(struct ui *);
int		 ui_filtering(const struct ui *);
const char	*ui_empty_text(const struct ui *);
void		 ui_filter_free(struct ui *);
char		*ui_view_describe(const struct ui *);
char		*ui_prompt_text(const struct ui *);
char		*ui_prompt_display(const struct ui *);
int		 ui_prompt_enter(struct ui *);
void		 ui_prompt_cancel(struct ui *);

/* ui_wlpick.c: w offers what to whitelist; the comment prompt. */
int		 ui_wlpick_start(struct ui *, struct client *);
int		 ui_wlpick_key(struct ui *, int key);
void		 ui_wlpick_offer(struct ui *, char **entries, size_t n,
		    const char *label);
int		 ui_wlpick_commit(struct ui *, const char *comment);
void		 ui_wlpick_confirmed(struct ui *);
void		 ui_wlpick_clear(struct ui *);
void		 ui_whitelist_rematch(struct ui *);
void		 ui_whitelist_reload(struct ui *);
struct whitelist;
ssize_t		 ui_wl_index(const struct whitelist *, const char *entry);
int		 ui_wl_remove_entry(struct ui *, const char *entry);

/* ui_wlscreen.c: the whitelist screen (L). */
#define UI_WL_FIRST_Y	2	/* screen line of the first entry */
int		 ui_wlscreen_open(struct ui *);
int		 ui_wlscreen_key(struct ui *, int key);
int		 ui_wlscreen_delete(struct ui *);
int		 ui_wlscreen_add(struct ui *, const char *entry);
void		 ui_wlscreen_draw(struct ui *);

/* ui_undo.c: the undo stack (u) of marks and whitelist changes. */
struct ui_undo;
void		 ui_undo_begin(struct ui *, const char *what);
void		 ui_undo_mark(struct ui *, const char *ip, int was_marked);
void		 ui_undo_wl(struct ui *, int added, const char *entry,
		    const char *comment);
void		 ui_undo_end(struct ui *);
int		 ui_undo_key(struct ui *);
size_t		 ui_undo_depth(const struct ui *);
void		 ui_undo_free(struct ui *);

/* ui_confirm.c: questions before bulk actions and mail. */
int		 ui_confirm_gate(struct ui *, enum ui_confirm_do,
		    struct client **, size_t, const char *label,
		    const char *stop_key);
int		 ui_confirm_wanted(const struct ui *);
int		 ui_confirm_replay(struct ui *);

/* ui_keymap.c: the key table, key names and the config's key lines. */
struct ui_keymap;
struct config;
int		 ui_keymap_build(const struct config *, struct ui_keymap **,
		    char **cause);
void		 ui_keymap_free(struct ui_keymap *);
int		 ui_keymap_dispatch(struct ui *, int key);
int		 ui_keymap_canonical(const struct ui *, int key);
int		 ui_keymap_is(const struct ui *, int key, const char *action);
char		*ui_keymap_keys(const struct ui *, const char *action);
char		**ui_keymap_help(const struct ui *, size_t *n);
char		*ui_keymap_prefix_keys(const struct ui *, int verbs);
int		 ui_key_parse(const char *name, int *codes, size_t *ncodes);
int		 ui_width(const char *);

/* ui_mouse.c */
enum ui_mouse_button {
	UI_MOUSE_CLICK,
	UI_MOUSE_WHEEL_UP,
	UI_MOUSE_WHEEL_DOWN,
};
void		 ui_mouse_start(void);
int		 ui_mouse_event(struct ui *, int y, int x,
		    enum ui_mouse_button);
int		 ui_mouse_read(struct ui *);

/* ui_status.c */
void		 ui_status_counts(const struct ui *, struct esc_buf *);

/* ui_load.c */
/* Cells of the progress bar in the status line. */
#define UI_LOAD_BAR_WIDTH	20
/* Maximum reading time of one pass, in ms, however long refreshes take. */
#define UI_LOAD_SLICE_MAX_MS	50
void		 ui_load_start(struct ui *, uint64_t now_ms);
void		 ui_load_tick(struct ui *, uint64_t now_ms);
void		 ui_load_slice_refresh(struct ui *, int more);
int		 ui_load_timeout(const struct ui *, uint64_t now_ms,
		    int timeout);
void		 ui_load_status(const struct ui *, char *, size_t);
/* Fill *pfd with the descriptor that a read part makes readable; 0: none. */
int		 ui_load_pollfd(const struct ui *, struct pollfd *);
void		 ui_load_free(struct ui *);
void		 ui_load_format(char *, size_t, int bar_width, uint64_t bytes,
		    uint64_t total, uint64_t lines, size_t clients,
		    uint64_t elapsed_ms);

/* ui_load_refresh.c */
struct ui_load_state;
void		 ui_load_state_ensure(struct ui *);
int		 ui_load_state_apply(struct ui *, struct client *);
void		 ui_load_state_free(struct ui *);

/* ui_follow.c */
void		 ui_follow_start(struct ui *, uint64_t now_ms);
void		 ui_follow_tick(struct ui *, uint64_t now_ms);
int		 ui_follow_timeout(const struct ui *, uint64_t now_ms,
		    int timeout);
void		 ui_follow_refresh(struct ui *);
void		 ui_follow_load_state(struct ui *, struct client *);

/* ui_follow_step.c */
struct ui_follow_step;
void		 ui_follow_step_start(struct ui *);
int		 ui_follow_step(struct ui *, uint64_t budget_us);
void		 ui_follow_step_free(struct ui *);

#endif
