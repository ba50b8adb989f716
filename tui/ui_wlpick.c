/*
 * w on a suspect that is not whitelisted offers what to whitelist:
 *	i	its IP
 *	n	its /24 (IPv4) or /48 (IPv6)
 *	d	"*." and the registered domain of the rDNS name that the MTA
 *		logged as verified (offered only when there is one)
 *	p	every address range of its provider (offered only when a
 *		provider defined in the config file contains its IP)
 * It then prompts for the comment written after the entries.  The domain
 * is taken only from the MTA's verified name because the whitelist
 * matches name globs against that name alone (wl_match), also in later
 * runs and in the headless commands.  An entry made from a name that only
 * the console's live DNS check confirmed would match nothing there.
 */
#include <sys/types.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "esc.h"
#include "ui_internal.h"
#include "whitelist.h"
#include "xmalloc.h"

/* Prefix lengths of the "n" choice. */
#define UI_WL_NET4	24
#define UI_WL_NET6	48
/* Length of "YYYY-MM-DD" plus the terminator, with room to spare. */
#define UI_WL_DATE_MAX	32

/* The choices for c: entries per letter, NULL when not offered. */
struct ui_wl_choices {
	char	 *ip;
	char	 *net;
	char	 *domain;
	char	**ranges;
	size_t	  nranges;
	char	  provider[PROVIDER_NAME_SIZE];
};

static void
ui_wl_choices_free(struct ui_wl_choices *ch)
{
	size_t	i;

	free(ch->ip);
	free(ch->net);
	free(ch->domain);
	for (i = 0; i < ch->nranges; i++)
		free(ch->ranges[i]);
	free(ch->ranges);
	memset(ch, 0, sizeof *ch);
}

/*
 * Return the /24 or /48 block containing c's address as allocated CIDR
 * text, or NULL if inet_ntop fails.  An IPv4-mapped IPv6 address gets the
 * /24 of its IPv4 address, which is how the whitelist matches it.
 */
static char *
ui_wl_net(const struct client *c)
{
	static const uint8_t	 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				     0xff, 0xff };
	uint8_t			 bytes[16];
	char			 text[INET6_ADDRSTRLEN], *out;
	unsigned int		 prefix, i;
	int			 family = c->addr.family;

	memcpy(bytes, c->addr.bytes, sizeof bytes);
	if (family == AF_INET6 && memcmp(bytes, mapped, sizeof mapped) == 0) {
		memmove(bytes, bytes + 12, 4);
		family = AF_INET;
	}
	prefix = family == AF_INET ? UI_WL_NET4 : UI_WL_NET6;
	for (i = prefix; i < (family == AF_INET ? 32U : 128U); i++)
		bytes[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
	if (inet_ntop(family, bytes, text, sizeof text) == NULL)
		return NULL;
	xasprintf(&out, "%s/%u", text, prefix);
	return out;
}

static void
ui_wl_choices(struct ui *ui, struct client *c, struct ui_wl_choices *ch)
{
	struct provider_info	pv;
	char			domain[PROVIDER_NAME_SIZE];

	memset(ch, 0, sizeof *ch);
	ch->ip = xstrdup(c->ip);
	ch->net = ui_wl_net(c);
	if (c->rdns != NULL && provider_registered_domain(c->rdns, domain,
	    sizeof domain) == 0)
		xasprintf(&ch->domain, "*.%s", domain);
	if (ui->ctx->cfg != NULL) {
		ui_client_provider(ui, c, &pv);
		if (pv.source == PROVIDER_RANGE) {
			ch->ranges = provider_table_ranges(
			    ui->ctx->cfg->providers, pv.name, &ch->nranges);
			memcpy(ch->provider, pv.name, sizeof ch->provider);
		}
	}
}

static size_t	ui_wlpick_matches(const struct ui *);

/* Return the index of entry (any form) in the whitelist, or -1. */
ssize_t
ui_wl_index(const struct whitelist *wl, const char *entry)
{
	char	*norm, *cause;
	size_t	 i, n = wl_count(wl);

	if ((norm = wl_normalize(entry, &cause)) == NULL) {
		free(cause);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(wl_entry(wl, i), norm) == 0) {
			free(norm);
			return (ssize_t)i;
		}
	}
	free(norm);
	return -1;
}

/*
 * Remove entry from the whitelist file and push the removal, with the
 * entry's comment, on the undo stack.  Returns 0, or -1 after setting
 * the error message.
 */
int
ui_wl_remove_entry(struct ui *ui, const char *entry)
{
	char	*cause, *comment;
	ssize_t	 at;

	ui_whitelist_reload(ui);
	at = ui_wl_index(ui->ctx->wl, entry);
	comment = xstrdup(at != -1 ? wl_comment(ui->ctx->wl, (size_t)at) : "");
	if (wl_remove(ui->ctx->wl, entry, &cause) == -1) {
		ui_set_message(ui, 1, "cannot remove whitelist entry %s: %s",
		    entry, cause);
		free(cause);
		free(comment);
		return -1;
	}
	ui_undo_wl(ui, 0, entry, comment);
	free(comment);
	return 0;
}

/* Match every suspect against the whitelist again and rebuild the rows. */
void
ui_whitelist_rematch(struct ui *ui)
{
	struct client	*c;
	size_t		 i;

	for (i = 0; i < ui->nsuspects; i++) {
		c = ui->suspects[i];
		c->whitelisted = wl_match(ui->ctx->wl, &c->addr, c->rdns) !=
		    NULL;
	}
	ui_rows_rebuild(ui);
}

/*
 * Read the whitelist file again when it changed on disk, such as after a
 * hand edit, and match every suspect against it again.  A file that
 * cannot be read leaves the entries as they were, with an error message.
 */
void
ui_whitelist_reload(struct ui *ui)
{
	char	*cause;
	int	 changed;

	if (ui->ctx->wl == NULL)
		return;
	if (wl_reload(ui->ctx->wl, &changed, &cause) == -1) {
		ui_set_message(ui, 1, "cannot read the whitelist again: %s",
		    cause);
		free(cause);
		return;
	}
	if (changed)
		ui_whitelist_rematch(ui);
}

void
ui_wlpick_clear(struct ui *ui)
{
	size_t	i;

	for (i = 0; i < ui->nwl_pending; i++)
		free(ui->wl_pending[i]);
	free(ui->wl_pending);
	free(ui->wl_pending_label);
	ui->wl_pending = NULL;
	ui->nwl_pending = 0;
	ui->wl_pending_label = NULL;
}

/* w: show the choices for c on the status line. */
int
ui_wlpick_start(struct ui *ui, struct client *c)
{
	struct ui_wl_choices	 ch;
	struct esc_buf		 b = { NULL, 0, 0 };

	ui_wl_choices(ui, c, &ch);
	esc_buf_printf(&b, "Whitelist: i IP %s", ch.ip);
	if (ch.net != NULL)
		esc_buf_printf(&b, ", n %s", ch.net);
	if (ch.domain != NULL)
		esc_buf_printf(&b, ", d %s", ch.domain);
	if (ch.nranges > 0)
		esc_buf_printf(&b, ", p %s (%zu range%s)", ch.provider,
		    ch.nranges, ch.nranges == 1 ? "" : "s");
	esc_buf_printf(&b, "; Esc cancels");
	ui_wl_choices_free(&ch);

	ui_wlpick_clear(ui);
	ui->wl_pending_label = b.data;
	ui->prompt = UI_PROMPT_WL_CHOICE;
	return UI_ACT_NONE;
}

/*
 * Take entries[0..n-1] (the array and strings become the console's) and
 * prompt for their comment.  The prompt names them by label.
 */
void
ui_wlpick_offer(struct ui *ui, char **entries, size_t n, const char *label)
{
	char	date[UI_WL_DATE_MAX];

	ui_wlpick_clear(ui);
	ui->wl_pending = entries;
	ui->nwl_pending = n;
	ui->wl_pending_label = xstrdup(label);
	ui_format_date(time(NULL), date, sizeof date);
	snprintf(ui->input, sizeof ui->input, "added by smtptriage %s", date);
	ui->input_len = strlen(ui->input);
	ui->prompt = UI_PROMPT_WL_COMMENT;
}

/* Handle the letter typed after w. */
int
ui_wlpick_key(struct ui *ui, int key)
{
	struct ui_wl_choices	  ch;
	struct client		 *c;
	char			**entries, *label, *text;
	size_t			  n = 0, matched;

	ui->prompt = UI_PROMPT_NONE;
	ui_wlpick_clear(ui);
	if (key == UI_KEY_ESC) {
		ui_set_message(ui, 0, "cancelled");
		return UI_ACT_NONE;
	}
	if ((c = ui_selected(ui)) == NULL)
		return UI_ACT_NONE;
	ui_wl_choices(ui, c, &ch);
	entries = xcalloc(ch.nranges + 1, sizeof *entries);
	label = NULL;
	if (key == 'i') {
		entries[n++] = xstrdup(ch.ip);
		label = xstrdup(ch.ip);
	} else if (key == 'n' && ch.net != NULL) {
		entries[n++] = xstrdup(ch.net);
		label = xstrdup(ch.net);
	} else if (key == 'd' && ch.domain != NULL) {
		entries[n++] = xstrdup(ch.domain);
		label = xstrdup(ch.domain);
	} else if (key == 'p' && ch.nranges > 0) {
		for (; n < ch.nranges; n++)
			entries[n] = xstrdup(ch.ranges[n]);
		xasprintf(&label, "the %zu range%s of %s", n, n == 1 ? "" : "s",
		    ch.provider);
	}
	ui_wl_choices_free(&ch);
	if (n == 0) {
		free(entries);
		ui_set_message(ui, 1, "nothing to whitelist on that key; w "
		    "shows the choices");
		return UI_ACT_NONE;
	}
	ui_wlpick_offer(ui, entries, n, label);
	matched = ui_wlpick_matches(ui);
	if (matched > 1 && ui_confirm_wanted(ui)) {
		/* The comment prompt waits for y (ui_wlpick_confirmed). */
		ui->prompt = UI_PROMPT_NONE;
		xasprintf(&text, "whitelist %s (%zu suspects)? y/n", label,
		    matched);
		ui_confirm_open(ui, UI_CONFIRM_WL_ENTRIES, NULL, NULL, text);
	}
	free(label);
	return UI_ACT_NONE;
}

/*
 * Count the suspects that are not whitelisted yet and that one of the
 * pending entries matches.
 */
static size_t
ui_wlpick_matches(const struct ui *ui)
{
	const struct client	*c;
	size_t			 i, j, n = 0;

	for (i = 0; i < ui->nsuspects; i++) {
		c = ui->suspects[i];
		if (c->whitelisted)
			continue;
		for (j = 0; j < ui->nwl_pending; j++) {
			if (wl_entry_match(ui->wl_pending[j], &c->addr,
			    c->rdns)) {
				n++;
				break;
			}
		}
	}
	return n;
}

/* Open the comment prompt after y to the ui_wlpick_key prompt. */
void
ui_wlpick_confirmed(struct ui *ui)
{
	ui->prompt = UI_PROMPT_WL_COMMENT;
	ui_confirm_close(ui);
}

/*
 * Add the pending entries with comment (which may be empty) after Enter on
 * the comment prompt.  All entries that are new form one undo step.
 */
int
ui_wlpick_commit(struct ui *ui, const char *comment)
{
	const char	*entry;
	char		*cause, *label;
	size_t		 i, added = 0, before = 0, after = 0;

	if (ui->nwl_pending == 0)
		return UI_ACT_NONE;
	ui_whitelist_reload(ui);
	for (i = 0; i < ui->nsuspects; i++)
		before += ui->suspects[i]->whitelisted;
	label = xstrdup(ui->wl_pending_label);
	ui_undo_begin(ui, label);
	for (i = 0; i < ui->nwl_pending; i++) {
		entry = ui->wl_pending[i];
		if (ui_wl_index(ui->ctx->wl, entry) != -1)
			continue;
		if (wl_add(ui->ctx->wl, entry, comment[0] != '\0' ? comment :
		    NULL, &cause) == -1) {
			ui_set_message(ui, 1, "cannot whitelist %s: %s", entry,
			    cause);
			free(cause);
			break;
		}
		ui_undo_wl(ui, 1, entry, NULL);
		added++;
	}
	ui_undo_end(ui);
	ui_wlpick_clear(ui);
	ui_whitelist_rematch(ui);
	for (i = 0; i < ui->nsuspects; i++)
		after += ui->suspects[i]->whitelisted;
	if (ui->message == NULL || !ui->message_error) {
		if (added == 0)
			ui_set_message(ui, 0, "%s is whitelisted already",
			    label);
		else
			ui_set_message(ui, 0, "whitelisted %s: %zu more "
			    "suspect%s%s", label, after - before,
			    after - before == 1 ? "" : "s",
			    ui->show_whitelisted ? "" :
			    "; W shows whitelisted clients");
	}
	free(label);
	return UI_ACT_SELECT;
}
