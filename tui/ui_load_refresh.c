/*
 * The marks and last reports of the state database for the refreshes of
 * the list while a log loads (ui_load.c, ui_follow_step.c).
 */
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "ui_internal.h"
#include "xmalloc.h"

/* Buckets of the table of marks and reports, a power of two. */
#define UI_LOAD_STATE_BUCKETS	4096

/*
 * The marks and last reports of the state database, read once when a
 * load starts, so that each new suspect takes its state from memory
 * instead of two queries.  With 300,000 new clients those queries took
 * about 1.6 s of a 2.1 s refresh (one run on a shared 2-core machine).
 * Keys are the IP addresses as inet_ntop writes them, as the store keeps
 * them.
 */
struct ui_load_state_entry {
	char				 ip[INET6_ADDRSTRLEN];
	int				 marked;
	int64_t				 reported_at;
	struct ui_load_state_entry	*next;
};

struct ui_load_state {
	struct ui_load_state_entry	*buckets[UI_LOAD_STATE_BUCKETS];
};

/* FNV-1a over the key. */
static size_t
ui_load_state_hash(const char *key)
{
	uint32_t	h = 2166136261u;

	for (; *key != '\0'; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h & (UI_LOAD_STATE_BUCKETS - 1);
}

static struct ui_load_state_entry *
ui_load_state_find(struct ui_load_state *ls, const char *ip, int create)
{
	struct ui_load_state_entry	*e;
	char				 key[INET6_ADDRSTRLEN], *cause;
	size_t				 h;

	if (store_ip_normalize(ip, key, &cause) == -1) {
		free(cause);
		return NULL;
	}
	h = ui_load_state_hash(key);
	for (e = ls->buckets[h]; e != NULL; e = e->next) {
		if (strcmp(e->ip, key) == 0)
			return e;
	}
	if (!create)
		return NULL;
	e = xcalloc(1, sizeof *e);
	memcpy(e->ip, key, sizeof e->ip);
	e->next = ls->buckets[h];
	ls->buckets[h] = e;
	return e;
}

static void
ui_load_state_add_mark(const char *ip, void *arg)
{
	struct ui_load_state_entry	*e;

	if ((e = ui_load_state_find(arg, ip, 1)) != NULL)
		e->marked = 1;
}

static void
ui_load_state_add_report(const char *ip, int64_t time, void *arg)
{
	struct ui_load_state_entry	*e;

	if ((e = ui_load_state_find(arg, ip, 1)) != NULL &&
	    time > e->reported_at)
		e->reported_at = time;
}

/*
 * Read the marks and last reports for the load.  When that fails, new
 * suspects read their state one by one as in follow mode.
 */
static void
ui_load_state_read(struct ui *ui)
{
	struct ui_load_state	*ls;
	char			*cause;

	if (ui->ctx->store == NULL)
		return;
	ls = xcalloc(1, sizeof *ls);
	ui->load_state = ls;
	if (store_each_mark(ui->ctx->store, ui_load_state_add_mark, ls,
	    &cause) == -1 || store_each_report(ui->ctx->store,
	    ui_load_state_add_report, ls, &cause) == -1) {
		ui_set_message(ui, 1, "reading the state database failed: %s",
		    cause);
		free(cause);
		ui_load_state_free(ui);
	}
}

/* Read the marks and last reports once per load, on its first refresh. */
void
ui_load_state_ensure(struct ui *ui)
{
	if (ui->load_state_tried)
		return;
	ui->load_state_tried = 1;
	ui_load_state_read(ui);
}

int
ui_load_state_apply(struct ui *ui, struct client *c)
{
	struct ui_load_state_entry	*e;

	if (ui->load_state == NULL)
		return 0;
	e = ui_load_state_find(ui->load_state, c->ip, 0);
	c->marked = e != NULL && e->marked;
	if (e != NULL && e->reported_at > c->reported_at)
		c->reported_at = e->reported_at;
	c->state_loaded = 1;
	return 1;
}

void
ui_load_state_free(struct ui *ui)
{
	struct ui_load_state_entry	*e, *next;
	size_t				 i;

	if (ui->load_state == NULL)
		return;
	for (i = 0; i < UI_LOAD_STATE_BUCKETS; i++) {
		for (e = ui->load_state->buckets[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(ui->load_state);
	ui->load_state = NULL;
}
