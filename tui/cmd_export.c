/*
 * "smtptriage export": the marked clients, or the whitelist's entries, in
 * a form an MTA loads as it is.
 *
 *	exim	one address, CIDR block or (whitelist only) host name glob per
 *		line, for a host list: "hosts = /etc/exim4/smtptriage-marked"
 *	postfix	a cidr_table(5): "192.0.2.1/32 REJECT ..." for marked
 *		clients, "192.0.2.0/24 OK" for whitelist entries; name globs
 *		cannot go into a cidr table and become comment lines
 *	csv	"entry,list" with a header line
 *
 * A marked client that the whitelist matches by address is left out, so
 * an export of marked clients never blocks a whitelisted one.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "esc.h"
#include "whitelist.h"
#include "xmalloc.h"

#define CMD_EXIT_INPUT	2

/* The text Postfix sends with the reject, after its 554 code. */
#define CMD_POSTFIX_REJECT	"REJECT client marked as a suspect by smtptriage"

struct cmd_export {
	const struct whitelist	*wl;
	struct esc_buf		 entries;	/* "\n"-separated */
	size_t			 left_out;
};

/* Keep a marked IP unless the whitelist matches it. */
static void
cmd_export_mark(const char *ip, void *arg)
{
	struct cmd_export	*e = arg;
	struct event_addr	 addr;

	memset(&addr, 0, sizeof addr);
	if (inet_pton(AF_INET, ip, addr.bytes) == 1)
		addr.family = AF_INET;
	else if (inet_pton(AF_INET6, ip, addr.bytes) == 1)
		addr.family = AF_INET6;
	else
		return;
	if (e->wl != NULL && wl_match(e->wl, &addr, NULL) != NULL) {
		e->left_out++;
		return;
	}
	esc_buf_printf(&e->entries, "%s\n", ip);
}

/* 1 if entry is an address or CIDR block, 0 if it is a name or glob. */
static int
cmd_export_is_block(const char *entry)
{
	unsigned char	bytes[16];
	char		addr[INET6_ADDRSTRLEN];
	size_t		len = strcspn(entry, "/");

	if (len >= sizeof addr)
		return 0;
	memcpy(addr, entry, len);
	addr[len] = '\0';
	return inet_pton(AF_INET, addr, bytes) == 1 ||
	    inet_pton(AF_INET6, addr, bytes) == 1;
}

/* The entry with a prefix length, as a cidr table needs it. */
static void
cmd_export_cidr(struct esc_buf *out, const char *entry)
{
	if (strchr(entry, '/') != NULL)
		esc_buf_add(out, entry, strlen(entry));
	else
		esc_buf_printf(out, "%s/%d", entry,
		    strchr(entry, ':') != NULL ? 128 : 32);
}

/*
 * Write a whitelist name for an Exim host list.  Exim takes a plain name
 * and a name that starts with "*" as they are.  Any other glob becomes a
 * regular expression, an item that starts with "^".
 */
static void
cmd_export_exim_name(struct esc_buf *out, const char *name)
{
	const char	*p;

	if (strchr(name, '?') == NULL && strchr(name + 1, '*') == NULL) {
		esc_buf_printf(out, "%s\n", name);
		return;
	}
	esc_buf_lit(out, "^");
	for (p = name; *p != '\0'; p++) {
		if (*p == '*')
			esc_buf_lit(out, ".*");
		else if (*p == '?')
			esc_buf_lit(out, ".");
		else if (*p == '.')
			esc_buf_lit(out, "\\.");
		else
			esc_buf_add(out, p, 1);
	}
	esc_buf_lit(out, "$\n");
}

/* Format one entry; list is "marked" or "whitelisted". */
static void
cmd_export_line(struct esc_buf *out, const char *format, const char *list,
    const char *entry)
{
	int	name = !cmd_export_is_block(entry);

	if (strcmp(format, "exim") == 0 && name)
		cmd_export_exim_name(out, entry);
	else if (strcmp(format, "exim") == 0)
		esc_buf_printf(out, "%s\n", entry);
	else if (strcmp(format, "csv") == 0) {
		esc_buf_csv(out, entry, strlen(entry));
		esc_buf_printf(out, ",%s\n", list);
	} else if (name)
		esc_buf_printf(out, "# %s: a name, which a cidr table cannot "
		    "hold\n", entry);
	else {
		cmd_export_cidr(out, entry);
		esc_buf_printf(out, " %s\n", strcmp(list, "marked") == 0 ?
		    CMD_POSTFIX_REJECT : "OK");
	}
}

int
cmd_export(const struct cmd_args *a, const struct config *cfg)
{
	struct cmd_export	 e;
	struct esc_buf		 out = { NULL, 0, 0 };
	struct whitelist	*wl;
	struct store		*st;
	const char		*list, *p, *nl;
	char			*cause, *line;
	size_t			 i;
	int			 rc = 0;

	if ((wl = wl_load(cfg->whitelist_path, &cause)) == NULL) {
		fprintf(stderr, "smtptriage: %s\n", cause);
		free(cause);
		return CMD_EXIT_INPUT;
	}
	memset(&e, 0, sizeof e);
	e.wl = wl;
	esc_buf_add(&e.entries, "", 0);
	list = a->whitelisted ? "whitelisted" : "marked";
	if (a->whitelisted) {
		for (i = 0; i < wl_count(wl); i++)
			esc_buf_printf(&e.entries, "%s\n", wl_entry(wl, i));
	} else {
		if ((st = store_open(cfg->state_path, &cause)) == NULL ||
		    store_each_mark(st, cmd_export_mark, &e, &cause) == -1) {
			fprintf(stderr, "smtptriage: %s\n", cause);
			free(cause);
			store_close(st);
			wl_free(wl);
			esc_buf_free(&e.entries);
			return CMD_EXIT_INPUT;
		}
		store_close(st);
	}

	esc_buf_add(&out, "", 0);
	if (strcmp(a->export_format, "csv") == 0)
		esc_buf_lit(&out, "entry,list\n");
	else
		esc_buf_printf(&out, "# %s clients, written by smtptriage "
		    "export\n", a->whitelisted ? "Whitelisted" : "Marked");
	for (p = e.entries.data; p < e.entries.data + e.entries.len;
	    p = nl + 1) {
		nl = strchr(p, '\n');
		line = xstrndup(p, (size_t)(nl - p));
		cmd_export_line(&out, a->export_format, list, line);
		free(line);
	}
	if (e.left_out > 0)
		fprintf(stderr, "smtptriage: left out %zu marked address%s that "
		    "the whitelist matches\n", e.left_out, e.left_out == 1 ?
		    "" : "es");
	if (fwrite(out.data, 1, out.len, stdout) != out.len ||
	    fflush(stdout) != 0) {
		fprintf(stderr, "smtptriage: write error: %s\n",
		    strerror(errno));
		rc = CMD_EXIT_INPUT;
	}
	esc_buf_free(&out);
	esc_buf_free(&e.entries);
	wl_free(wl);
	return rc;
}
