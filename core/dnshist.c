/*
 * The DNS check history in the state database.  The table is created
 * here, with CREATE TABLE IF NOT EXISTS, so the schema version that
 * store.c keeps does not change:
 *	dns_history(id, ip, time, ptr, fcrdns, helo, listed, problem)
 */
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "dnshist.h"
#include "xmalloc.h"

#define DNSHIST_STRING(x)	#x
#define DNSHIST_NUMBER(x)	DNSHIST_STRING(x)

enum dnshist_stmt {
	DNSHIST_INSERT,
	DNSHIST_PRUNE,
	DNSHIST_SELECT,
	DNSHIST_STMT_COUNT
};

static const char *const dnshist_schema[] = {
	"CREATE TABLE IF NOT EXISTS dns_history ("
	"  id INTEGER PRIMARY KEY,"
	"  ip TEXT NOT NULL,"
	"  time INTEGER NOT NULL,"
	"  ptr TEXT NOT NULL,"
	"  fcrdns TEXT NOT NULL,"
	"  helo TEXT,"
	"  listed TEXT NOT NULL,"
	"  problem TEXT NOT NULL"
	")",
	"CREATE INDEX IF NOT EXISTS dns_history_ip ON dns_history (ip, id)",
};

static const char *const dnshist_sql[DNSHIST_STMT_COUNT] = {
	[DNSHIST_INSERT] =
	    "INSERT INTO dns_history (ip, time, ptr, fcrdns, helo, listed, "
	    "problem) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	/* Delete what is older than the newest DNSHIST_KEEP rows. */
	[DNSHIST_PRUNE] =
	    "DELETE FROM dns_history WHERE ip = ?1 AND id <= (SELECT id "
	    "FROM dns_history WHERE ip = ?1 ORDER BY id DESC LIMIT 1 OFFSET "
	    DNSHIST_NUMBER(DNSHIST_KEEP) ")",
	[DNSHIST_SELECT] =
	    "SELECT time, ptr, fcrdns, helo, listed, problem FROM (SELECT * "
	    "FROM dns_history WHERE ip = ?1 ORDER BY id DESC LIMIT "
	    DNSHIST_NUMBER(DNSHIST_KEEP) ") ORDER BY id",
};

struct dnshist {
	sqlite3		*db;
	sqlite3_stmt	*stmt[DNSHIST_STMT_COUNT];
};

static int
dnshist_fail(struct dnshist *h, const char *what, char **cause)
{
	xasprintf(cause, "state database: DNS history: %s: %s", what,
	    sqlite3_errmsg(h->db));
	return -1;
}

struct dnshist *
dnshist_open(struct store *store, char **cause)
{
	struct dnshist	*h;
	size_t		 i;

	h = xcalloc(1, sizeof *h);
	h->db = store_sqlite(store);
	for (i = 0; i < sizeof dnshist_schema / sizeof dnshist_schema[0];
	    i++) {
		if (sqlite3_exec(h->db, dnshist_schema[i], NULL, NULL, NULL) !=
		    SQLITE_OK) {
			dnshist_fail(h, dnshist_schema[i], cause);
			free(h);
			return NULL;
		}
	}
	for (i = 0; i < DNSHIST_STMT_COUNT; i++) {
		if (sqlite3_prepare_v2(h->db, dnshist_sql[i], -1, &h->stmt[i],
		    NULL) != SQLITE_OK) {
			dnshist_fail(h, dnshist_sql[i], cause);
			dnshist_close(h);
			return NULL;
		}
	}
	return h;
}

void
dnshist_close(struct dnshist *h)
{
	size_t	i;

	if (h == NULL)
		return;
	for (i = 0; i < DNSHIST_STMT_COUNT; i++)
		sqlite3_finalize(h->stmt[i]);
	free(h);
}

enum dns_rcode
dnshist_rcode_parse(const char *s)
{
	enum dns_rcode	rc;

	for (rc = DNS_RCODE_NOERROR; rc <= DNS_RCODE_INVALID; rc++) {
		if (strcmp(dns_rcode_name(rc), s) == 0)
			return rc;
	}
	return DNS_RCODE_NONE;
}

enum dns_verdict
dnshist_verdict_parse(const char *s)
{
	enum dns_verdict	v;

	for (v = DNS_VERDICT_PASS; v <= DNS_VERDICT_INDETERMINATE; v++) {
		if (strcmp(dns_verdict_name(v), s) == 0)
			return v;
	}
	return DNS_VERDICT_NONE;
}

/* Rank verdicts so that the worst one wins: fail, indeterminate, pass. */
static int
dnshist_verdict_rank(enum dns_verdict v)
{
	switch (v) {
	case DNS_VERDICT_FAIL:
		return 3;
	case DNS_VERDICT_INDETERMINATE:
		return 2;
	case DNS_VERDICT_PASS:
		return 1;
	case DNS_VERDICT_NONE:
		break;
	}
	return 0;
}

void
dnshist_outcome(const struct dns_result *r, int64_t t,
    struct dnshist_entry *e)
{
	size_t	i, len;
	int	answered = 0;

	memset(e, 0, sizeof *e);
	e->time = t;
	e->ptr = r->ptr_rcode;
	e->fcrdns = r->fcrdns;
	e->helo = DNS_VERDICT_NONE;
	for (i = 0; i < r->nhelo && i < DNS_HELOS_MAX; i++) {
		if (dnshist_verdict_rank(r->helo[i].verified) >
		    dnshist_verdict_rank(e->helo))
			e->helo = r->helo[i].verified;
	}
	for (i = 0; i < r->ndnsbl && i < DNS_DNSBL_MAX; i++) {
		if (r->dnsbl[i].listed == DNS_LISTED_NO)
			answered = 1;
		if (r->dnsbl[i].listed != DNS_LISTED_YES ||
		    r->dnsbl[i].zone == NULL)
			continue;
		answered = 1;
		len = strlen(e->listed);
		snprintf(e->listed + len, sizeof e->listed - len, "%s%s",
		    len > 0 ? "," : "", r->dnsbl[i].zone);
	}
	if (!answered)
		snprintf(e->listed, sizeof e->listed, "%s", DNSHIST_NOT_ASKED);

	if (e->ptr != DNS_RCODE_NOERROR)
		snprintf(e->problem, sizeof e->problem, "PTR %s",
		    dns_rcode_name(e->ptr));
	else if (r->nptr == 0)
		snprintf(e->problem, sizeof e->problem, "no PTR record");
	else if (e->fcrdns != DNS_VERDICT_PASS)
		snprintf(e->problem, sizeof e->problem, "FCrDNS %s",
		    dns_verdict_name(e->fcrdns));
	else if (e->helo == DNS_VERDICT_FAIL ||
	    e->helo == DNS_VERDICT_INDETERMINATE)
		snprintf(e->problem, sizeof e->problem, "HELO %s",
		    dns_verdict_name(e->helo));
	else if (answered && e->listed[0] != '\0')
		snprintf(e->problem, sizeof e->problem, "listed in %s",
		    e->listed);
}

/* Run stmt, which returns no rows, and reset it. */
static int
dnshist_step(struct dnshist *h, sqlite3_stmt *stmt, char **cause)
{
	int	rc;

	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE)
		dnshist_fail(h, sqlite3_sql(stmt), cause);
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
dnshist_insert(struct dnshist *h, const char *ip,
    const struct dnshist_entry *e, char **cause)
{
	sqlite3_stmt	*stmt = h->stmt[DNSHIST_INSERT];
	char		 text[INET6_ADDRSTRLEN];

	if (store_ip_normalize(ip, text, cause) == -1)
		return -1;
	sqlite3_bind_text(stmt, 1, text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)e->time);
	sqlite3_bind_text(stmt, 3, dns_rcode_name(e->ptr), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, dns_verdict_name(e->fcrdns), -1,
	    SQLITE_STATIC);
	if (e->helo != DNS_VERDICT_NONE)
		sqlite3_bind_text(stmt, 5, dns_verdict_name(e->helo), -1,
		    SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, e->listed, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 7, e->problem, -1, SQLITE_STATIC);
	if (dnshist_step(h, stmt, cause) == -1)
		return -1;

	stmt = h->stmt[DNSHIST_PRUNE];
	sqlite3_bind_text(stmt, 1, text, -1, SQLITE_TRANSIENT);
	return dnshist_step(h, stmt, cause);
}

int
dnshist_add(struct dnshist *h, const char *const *ips,
    const struct dnshist_entry *entries, size_t n, char **cause)
{
	size_t	i;

	if (n == 0)
		return 0;
	if (sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return dnshist_fail(h, "BEGIN IMMEDIATE", cause);
	for (i = 0; i < n; i++) {
		if (dnshist_insert(h, ips[i], &entries[i], cause) == -1)
			goto fail;
	}
	if (sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		dnshist_fail(h, "COMMIT", cause);
		goto fail;
	}
	return 0;

fail:
	if (!sqlite3_get_autocommit(h->db))
		sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* Copy column col of stmt into buf, or "" when it is NULL. */
static void
dnshist_column(sqlite3_stmt *stmt, int col, char *buf, size_t len)
{
	const unsigned char	*s;

	s = sqlite3_column_text(stmt, col);
	snprintf(buf, len, "%s", s != NULL ? (const char *)s : "");
}

int
dnshist_get(struct dnshist *h, const char *ip, struct dnshist_entry **out,
    size_t *n, char **cause)
{
	sqlite3_stmt		*stmt = h->stmt[DNSHIST_SELECT];
	struct dnshist_entry	*e, *entries;
	char			 text[INET6_ADDRSTRLEN], word[32];
	int			 rc;

	*out = NULL;
	*n = 0;
	if (store_ip_normalize(ip, text, cause) == -1)
		return -1;
	entries = xcalloc(DNSHIST_KEEP, sizeof *entries);
	sqlite3_bind_text(stmt, 1, text, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW && *n < DNSHIST_KEEP) {
		e = &entries[(*n)++];
		e->time = sqlite3_column_int64(stmt, 0);
		dnshist_column(stmt, 1, word, sizeof word);
		e->ptr = dnshist_rcode_parse(word);
		dnshist_column(stmt, 2, word, sizeof word);
		e->fcrdns = dnshist_verdict_parse(word);
		dnshist_column(stmt, 3, word, sizeof word);
		e->helo = dnshist_verdict_parse(word);
		dnshist_column(stmt, 4, e->listed, sizeof e->listed);
		dnshist_column(stmt, 5, e->problem, sizeof e->problem);
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		dnshist_fail(h, sqlite3_sql(stmt), cause);
		sqlite3_reset(stmt);
		sqlite3_clear_bindings(stmt);
		free(entries);
		*n = 0;
		return -1;
	}
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	if (*n == 0) {
		free(entries);
		return 0;
	}
	*out = entries;
	return 0;
}

/* Write the local date of t as "today", "yesterday" or YYYY-MM-DD. */
static void
dnshist_day(int64_t t, int64_t now, char *buf, size_t len)
{
	struct tm	tm, today, yesterday;
	time_t		tt = (time_t)t, tn = (time_t)now, ty;

	if (localtime_r(&tt, &tm) == NULL || localtime_r(&tn, &today) ==
	    NULL) {
		snprintf(buf, len, "-");
		return;
	}
	if (tm.tm_year == today.tm_year && tm.tm_yday == today.tm_yday) {
		snprintf(buf, len, "today");
		return;
	}
	/* Noon of the day before now, so a DST change cannot skip it. */
	yesterday = today;
	yesterday.tm_mday--;
	yesterday.tm_hour = 12;
	yesterday.tm_min = yesterday.tm_sec = 0;
	yesterday.tm_isdst = -1;
	ty = mktime(&yesterday);
	if (ty != (time_t)-1 && localtime_r(&ty, &yesterday) != NULL &&
	    tm.tm_year == yesterday.tm_year &&
	    tm.tm_yday == yesterday.tm_yday) {
		snprintf(buf, len, "yesterday");
		return;
	}
	if (strftime(buf, len, "%Y-%m-%d", &tm) == 0)
		snprintf(buf, len, "-");
}

void
dnshist_summary(const struct dnshist_entry *entries, size_t n, int64_t now,
    char *buf, size_t len)
{
	const struct dnshist_entry	**kept;
	const char			 *latest;
	char				  day[32];
	size_t				  i, nkept = 0, first, count;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (n == 0)
		return;

	/* Leave out the checks that cannot tell whether a listing ended. */
	kept = xcalloc(n, sizeof *kept);
	for (i = 0; i < n; i++) {
		if (nkept > 0 && entries[i].problem[0] == '\0' &&
		    strcmp(entries[i].listed, DNSHIST_NOT_ASKED) == 0 &&
		    strncmp(kept[nkept - 1]->problem, "listed in ", 10) == 0)
			continue;
		kept[nkept++] = &entries[i];
	}

	/* The run of checks that ended with the same problem as the last. */
	latest = kept[nkept - 1]->problem;
	first = nkept - 1;
	while (first > 0 && strcmp(kept[first - 1]->problem, latest) == 0)
		first--;
	count = nkept - first;
	dnshist_day(kept[first]->time, now, day, sizeof day);

	if (latest[0] != '\0')
		snprintf(buf, len, "%s since %s, %zu check%s", latest, day,
		    count, count == 1 ? "" : "s");
	else if (first > 0)
		snprintf(buf, len, "fixed since %s (was %s)", day,
		    kept[first - 1]->problem);
	else
		snprintf(buf, len, "no problem since %s, %zu check%s", day,
		    count, count == 1 ? "" : "s");
	free(kept);
}
