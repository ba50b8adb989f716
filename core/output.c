/* Formatting suspects for the headless commands: table, JSON lines, CSV. */
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "dns_json.h"
#include "output.h"
#include "xmalloc.h"

/* Widest a table cell gets; longer text is cut and ends in "...". */
#define OUT_CELL_MAX	48

int
out_format_parse(const char *name, enum out_format *format)
{
	if (strcmp(name, "table") == 0)
		*format = OUT_TABLE;
	else if (strcmp(name, "json") == 0)
		*format = OUT_JSON;
	else if (strcmp(name, "csv") == 0)
		*format = OUT_CSV;
	else
		return -1;
	return 0;
}

/*
 * esc_buf_add, with the copy inline when the buffer has room, because the
 * JSON of each client is mostly short literals.  The inline copy leaves
 * out the NUL after the text.  Room for it is left, so a writer calls
 * out_end once when its last out_add is done.
 */
static inline void
out_add(struct esc_buf *b, const char *s, size_t len)
{
	if (b->size - b->len > len) {
		memcpy(b->data + b->len, s, len);
		b->len += len;
	} else
		esc_buf_add(b, s, len);
}

/* Write the NUL after the text, in the room that out_add left. */
static inline void
out_end(struct esc_buf *b)
{
	b->data[b->len] = '\0';
}

#define out_lit(b, s)	out_add((b), (s), sizeof(s) - 1)

static void
out_json_string(struct esc_buf *b, const char *s)
{
	out_lit(b, "\"");
	esc_buf_json(b, s, strlen(s));
	out_lit(b, "\"");
}

/*
 * The name of a count as a JSON string.  A name that the agg flagged as
 * plain is copied without the escape scan.
 */
static inline void
out_json_name(struct esc_buf *b, const struct client *c,
    const struct agg_count *count)
{
	if (!agg_count_json_plain(c, count)) {
		out_json_string(b, count->name);
		return;
	}
	out_lit(b, "\"");
	out_add(b, count->name, count->len);
	out_lit(b, "\"");
}

/*
 * A JSON string of len bytes that need no escape.  len 0 falls back to
 * out_json_string, for a string whose length is not known.
 */
static inline void
out_json_plain(struct esc_buf *b, const char *s, size_t len)
{
	if (len == 0) {
		out_json_string(b, s);
		return;
	}
	out_lit(b, "\"");
	out_add(b, s, len);
	out_lit(b, "\"");
}

/*
 * The ISO 8601 text of the first second of an hour (UTC), kept by
 * out_format_time for the other seconds of that hour.
 */
struct out_hour {
	int64_t		hour;		/* utc / 3600, rounded down */
	int32_t		offset;		/* of the struct ts */
	uint8_t		has_offset;	/* of the struct ts */
	uint8_t		state;		/* OUT_HOUR_* */
	uint8_t		len;
	char		text[TS_ISO_MAX];
};

#define OUT_HOUR_EMPTY		0
#define OUT_HOUR_TEXT		1	/* text serves every second */
#define OUT_HOUR_DIRECT		2	/* format each second alone */

/*
 * Hours kept per thread: 42 days of a log.  The times of a log's clients
 * bunch up, at its start for first_seen and at its end for last_seen.
 */
#define OUT_HOURS		1024

static _Thread_local struct out_hour out_hours[OUT_HOURS];
/* The ts_local_generation that out_hours were written under. */
static _Thread_local unsigned out_hours_generation;

/*
 * Fill e for the hour of t.  It serves every second of the hour when the
 * texts of its first and last second differ only in "00:00" and "59:59"
 * before the offset.  Then the offset is the same at both ends and is
 * made of whole hours, and tzdata has no offset change and change back
 * within one hour (ts_format_iso assumes the same).  Offsets such as
 * +05:30 and the leap seconds of right/ zones shift the local minutes
 * or seconds, so those hours are formatted second by second.
 */
static void
out_hour_fill(struct out_hour *e, const struct ts *t, int64_t hour)
{
	struct ts	first = *t, last = *t;
	char		text[TS_ISO_MAX];
	size_t		len, end;

	first.utc = hour * 3600;
	first.msec = 0;
	last.utc = first.utc + 3599;
	last.msec = 0;
	e->hour = hour;
	e->offset = t->offset;
	e->has_offset = t->has_offset;
	e->state = OUT_HOUR_DIRECT;
	len = ts_format_iso(&first, e->text, sizeof e->text);
	/* The text ends in ":MM:SS+hh:mm", so the minutes start 11 bytes back. */
	if (len < 12 || len >= sizeof e->text ||
	    ts_format_iso(&last, text, sizeof text) != len)
		return;
	end = len - 11;
	if (e->text[end - 1] != ':' ||
	    memcmp(e->text + end, "00:00", 5) != 0 ||
	    memcmp(text + end, "59:59", 5) != 0 ||
	    memcmp(e->text, text, end) != 0 ||
	    memcmp(e->text + end + 5, text + end + 5, len - end - 5) != 0)
		return;
	e->len = (uint8_t)len;
	e->state = OUT_HOUR_TEXT;
}

/* Format t as ts_format_iso does, into buf of TS_ISO_MAX bytes, through
 * the hour cache out_hours. */
static size_t
out_format_time(const struct ts *t, char *buf)
{
	struct out_hour	*e;
	int64_t		 hour, minute, second;
	unsigned	 generation = ts_local_generation();

	/* After a change of TZ, the local texts are those of another zone. */
	if (generation != out_hours_generation) {
		memset(out_hours, 0, sizeof out_hours);
		out_hours_generation = generation;
	}
	hour = t->utc >= 0 ? t->utc / 3600 : -((-t->utc + 3599) / 3600);
	second = t->utc - hour * 3600;
	e = &out_hours[(uint64_t)hour % OUT_HOURS];
	if (e->state == OUT_HOUR_EMPTY || e->hour != hour ||
	    e->offset != t->offset || e->has_offset != t->has_offset)
		out_hour_fill(e, t, hour);
	if (e->state != OUT_HOUR_TEXT)
		return ts_format_iso(t, buf, TS_ISO_MAX);
	minute = second / 60;
	second %= 60;
	memcpy(buf, e->text, e->len);
	buf[e->len] = '\0';
	buf[e->len - 11] = (char)('0' + minute / 10);
	buf[e->len - 10] = (char)('0' + minute % 10);
	buf[e->len - 8] = (char)('0' + second / 10);
	buf[e->len - 7] = (char)('0' + second % 10);
	return e->len;
}

/* A time and its ISO 8601 text. */
struct out_time {
	struct ts	t;
	char		text[TS_ISO_MAX];
	size_t		len;
	int		valid;
};

/*
 * Write t, or null when the client has no time.  iso keeps the text of
 * the time written before for this client, which is reused when t is the
 * same, as first_seen and last_seen are for a client seen once.
 * ts_format_iso took 45 % of the instructions of writing a client under
 * callgrind, on a log from bench_loggen with 100,000 clients.
 */
static void
out_json_time(struct esc_buf *b, const struct client *c, const struct ts *t,
    struct out_time *iso)
{
	if (c->first.utc == 0 && c->last.utc == 0) {
		out_lit(b, "null");
		return;
	}
	if (!iso->valid || iso->t.utc != t->utc || iso->t.msec != t->msec ||
	    iso->t.offset != t->offset ||
	    iso->t.has_offset != t->has_offset) {
		iso->len = out_format_time(t, iso->text);
		iso->t = *t;
		iso->valid = 1;
	}
	/* ts_format_iso writes digits and "-T:+" only: nothing to escape. */
	out_lit(b, "\"");
	out_add(b, iso->text, iso->len);
	out_lit(b, "\"");
}

static void
out_json_rcode(struct esc_buf *b, enum dns_rcode rcode)
{
	if (rcode == DNS_RCODE_NONE) {
		esc_buf_lit(b, "null");
		return;
	}
	out_json_string(b, dns_rcode_name(rcode));
}

static void
out_json_dns(struct esc_buf *b, const struct dns_result *r)
{
	const struct dns_helo	*h;
	char			 addr[INET6_ADDRSTRLEN];
	size_t			 i, k;

	esc_buf_lit(b, "{\"ptr\":{\"rcode\":");
	out_json_rcode(b, r->ptr_rcode);
	esc_buf_lit(b, ",\"names\":[");
	for (i = 0; i < r->nptr; i++) {
		if (i > 0)
			esc_buf_lit(b, ",");
		out_json_string(b, r->ptr[i].name);
	}
	esc_buf_lit(b, "]},\"fcrdns\":");
	out_json_string(b, dns_verdict_name(r->fcrdns));
	esc_buf_lit(b, ",\"helo\":[");
	for (i = 0; i < r->nhelo; i++) {
		h = &r->helo[i];
		if (i > 0)
			esc_buf_lit(b, ",");
		esc_buf_lit(b, "{\"name\":");
		out_json_string(b, h->name);
		esc_buf_lit(b, ",\"rcode\":");
		out_json_rcode(b, h->literal ? DNS_RCODE_NONE : h->rcode);
		esc_buf_lit(b, ",\"addrs\":[");
		for (k = 0; k < h->forward.count; k++) {
			if (k > 0)
				esc_buf_lit(b, ",");
			inet_ntop(h->forward.addrs[k].family,
			    h->forward.addrs[k].bytes, addr, sizeof addr);
			out_json_string(b, addr);
		}
		esc_buf_lit(b, "],\"verified\":");
		out_json_string(b, dns_verdict_name(h->verified));
		esc_buf_lit(b, "}");
	}
	esc_buf_lit(b, "]}");
}

/* out_client_json, with "dns_history" when history is not NULL. */
static void
out_client_json_history(struct esc_buf *b, const struct client *c,
    const struct dns_result *dns, const struct dnshist_list *history)
{
	struct out_time	 iso;
	const char	*status;
	size_t		 i;

	iso.valid = 0;
	out_lit(b, "{\"ip\":");
	/* The agg writes ip as digits, dots, colons and hex letters. */
	out_json_plain(b, c->ip, c->ip_len);
	out_lit(b, ",\"helo\":[");
	for (i = 0; i < c->nhelos; i++) {
		if (i > 0)
			out_lit(b, ",");
		out_json_name(b, c, &c->helos[i]);
	}
	out_lit(b, "],\"rdns\":");
	if (c->rdns != NULL && c->ip_len != 0)
		out_json_plain(b, c->rdns, agg_string_json_plain(c->rdns));
	else if (c->rdns != NULL)
		out_json_string(b, c->rdns);
	else
		out_lit(b, "null");
	out_lit(b, ",\"reasons\":{");
	for (i = 0; i < c->nreasons; i++) {
		if (i > 0)
			out_lit(b, ",");
		out_json_name(b, c, &c->reasons[i]);
		out_lit(b, ":");
		esc_buf_uint(b, c->reasons[i].count);
	}
	out_lit(b, "},\"events\":");
	esc_buf_uint(b, c->events);
	out_lit(b, ",\"first_seen\":");
	out_json_time(b, c, &c->first, &iso);
	out_lit(b, ",\"last_seen\":");
	out_json_time(b, c, &c->last, &iso);
	out_lit(b, ",\"status\":");
	/* The status names are lowercase words. */
	status = client_status_name(client_status(c));
	out_json_plain(b, status, strlen(status));
	if (dns != NULL) {
		dns_json_lists(b, dns);
		out_lit(b, ",\"dns\":");
		out_json_dns(b, dns);
	}
	if (history != NULL)
		dns_json_history(b, history);
	out_lit(b, "}");
	out_end(b);
}

void
out_client_json(struct esc_buf *b, const struct client *c,
    const struct dns_result *dns)
{
	out_client_json_history(b, c, dns, NULL);
}

/* Join a client's HELO names or reasons as "a;b" or "a=1;b=2". */
static void
out_join_counts(struct esc_buf *b, const struct agg_count *counts, size_t n,
    int with_count)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			esc_buf_lit(b, ";");
		esc_buf_add(b, counts[i].name, strlen(counts[i].name));
		if (with_count)
			esc_buf_printf(b, "=%llu",
			    (unsigned long long)counts[i].count);
	}
}

static void
out_csv_field(struct esc_buf *b, const char *s, int last)
{
	esc_buf_csv(b, s, strlen(s));
	esc_buf_add(b, last ? "\n" : ",", 1);
}

static void
out_csv_client(struct esc_buf *b, const struct client *c,
    const struct dns_result *dns, int with_dns)
{
	struct esc_buf	 tmp = { NULL, 0, 0 };
	char		 first[TS_ISO_MAX] = "", last[TS_ISO_MAX] = "";
	char		 events[32];
	size_t		 i;

	out_csv_field(b, c->ip, 0);
	esc_buf_lit(&tmp, "");
	out_join_counts(&tmp, c->helos, c->nhelos, 0);
	out_csv_field(b, tmp.data, 0);
	out_csv_field(b, c->rdns != NULL ? c->rdns : "", 0);
	tmp.len = 0;
	tmp.data[0] = '\0';
	out_join_counts(&tmp, c->reasons, c->nreasons, 1);
	out_csv_field(b, tmp.data, 0);
	snprintf(events, sizeof events, "%llu", (unsigned long long)c->events);
	out_csv_field(b, events, 0);
	if (c->first.utc != 0 || c->last.utc != 0) {
		ts_format_iso(&c->first, first, sizeof first);
		ts_format_iso(&c->last, last, sizeof last);
	}
	out_csv_field(b, first, 0);
	out_csv_field(b, last, 0);
	out_csv_field(b, client_status_name(client_status(c)), !with_dns);
	if (with_dns) {
		tmp.len = 0;
		tmp.data[0] = '\0';
		if (dns != NULL) {
			for (i = 0; i < dns->nptr; i++) {
				if (i > 0)
					esc_buf_lit(&tmp, ";");
				esc_buf_add(&tmp, dns->ptr[i].name,
				    strlen(dns->ptr[i].name));
			}
		}
		out_csv_field(b, dns != NULL ?
		    dns_rcode_name(dns->ptr_rcode) : "", 0);
		out_csv_field(b, tmp.data, 0);
		out_csv_field(b, dns != NULL ?
		    dns_verdict_name(dns->fcrdns) : "", 0);
		tmp.len = 0;
		tmp.data[0] = '\0';
		for (i = 0; dns != NULL && i < dns->nhelo; i++) {
			if (i > 0)
				esc_buf_lit(&tmp, ";");
			esc_buf_printf(&tmp, "%s=%s", dns->helo[i].name,
			    dns_verdict_name(dns->helo[i].verified));
		}
		out_csv_field(b, tmp.data, 1);
	}
	esc_buf_free(&tmp);
}

/*
 * Local time "YYYY-MM-DD HH:MM" for the table, as the console shows it, or
 * "-" when the log gave no time.
 */
static void
out_local_time(int64_t utc, char *buf, size_t size)
{
	struct tm	tm;
	time_t		t = (time_t)utc;

	if (utc == 0 || localtime_r(&t, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(buf, size, "-");
}

/* A table cell: display-escaped and cut to OUT_CELL_MAX bytes. */
static char *
out_cell(const char *s)
{
	char	*shown, *cut;
	size_t	 len;

	shown = esc_display(s, strlen(s));
	len = strlen(shown);
	if (len <= OUT_CELL_MAX)
		return shown;
	len = OUT_CELL_MAX - 3;
	/* Do not cut inside a UTF-8 sequence. */
	while (len > 0 && ((unsigned char)shown[len] & 0xc0) == 0x80)
		len--;
	xasprintf(&cut, "%.*s...", (int)len, shown);
	free(shown);
	return cut;
}

/*
 * Terminal cells of s, which esc_display wrote: escapes are ASCII, the
 * rest valid UTF-8.  The widths come from the C.UTF-8 locale whatever the
 * program's locale is, because the escaped text is always UTF-8.  Without
 * that locale each code point counts one cell.
 */
static size_t
out_width(const char *s, locale_t utf8)
{
	locale_t	 old = (locale_t)0;
	mbstate_t	 mbs;
	wchar_t		 wc;
	size_t		 left = strlen(s), len, cells = 0;
	int		 w;

	if (utf8 != (locale_t)0)
		old = uselocale(utf8);
	memset(&mbs, 0, sizeof mbs);
	while (left > 0) {
		if (utf8 == (locale_t)0) {
			/* Count the lead bytes only. */
			len = 1;
			cells += ((unsigned char)*s & 0xc0) != 0x80;
		} else {
			len = mbrtowc(&wc, s, left, &mbs);
			if (len == (size_t)-1 || len == (size_t)-2 ||
			    len == 0) {
				memset(&mbs, 0, sizeof mbs);
				len = 1;
				w = 1;
			} else if ((w = wcwidth(wc)) < 0)
				w = 1;
			cells += (size_t)w;
		}
		s += len;
		left -= len;
	}
	if (utf8 != (locale_t)0)
		uselocale(old);
	return cells;
}

/* Append s, which is cells wide, and blanks up to width cells. */
static void
out_pad(struct esc_buf *b, const char *s, size_t cells, size_t width)
{
	esc_buf_add(b, s, strlen(s));
	for (; cells < width; cells++)
		esc_buf_lit(b, " ");
}

/* The last two columns are shown with DNS results only. */
#define OUT_COLUMNS	9

static void
out_table(struct esc_buf *b, struct client *const *clients, size_t n,
    const struct dns_result *const *dns)
{
	static const char *const head[OUT_COLUMNS] = { "IP", "HELO", "RDNS",
	    "REASONS", "EVENTS", "LAST SEEN", "STATUS", "FCRDNS", "HELO CHECK" };
	size_t		  ncols = dns != NULL ? OUT_COLUMNS : OUT_COLUMNS - 2;
	struct esc_buf	  tmp = { NULL, 0, 0 };
	char		***cells, last[TS_ISO_MAX], events[32];
	size_t		  width[OUT_COLUMNS], i, k, len, **cell_width;
	const struct client *c;
	locale_t	  utf8;

	utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	cells = xcalloc(n + 1, sizeof *cells);
	cell_width = xcalloc(n + 1, sizeof *cell_width);
	for (k = 0; k < OUT_COLUMNS; k++)
		width[k] = strlen(head[k]);
	for (i = 0; i < n; i++) {
		c = clients[i];
		cells[i] = xcalloc(OUT_COLUMNS, sizeof **cells);
		cells[i][0] = xstrdup(c->ip);
		cells[i][1] = out_cell(c->nhelos > 0 ? c->helos[0].name : "-");
		cells[i][2] = out_cell(c->rdns != NULL ? c->rdns : "-");
		esc_buf_lit(&tmp, "");
		tmp.len = 0;
		tmp.data[0] = '\0';
		for (k = 0; k < c->nreasons; k++) {
			if (k > 0)
				esc_buf_lit(&tmp, ",");
			esc_buf_add(&tmp, c->reasons[k].name,
			    strlen(c->reasons[k].name));
		}
		cells[i][3] = out_cell(tmp.data);
		snprintf(events, sizeof events, "%llu",
		    (unsigned long long)c->events);
		cells[i][4] = xstrdup(events);
		out_local_time(c->last.utc, last, sizeof last);
		cells[i][5] = xstrdup(last);
		cells[i][6] = xstrdup(client_status_name(client_status(c)));
		cells[i][7] = xstrdup(dns != NULL && dns[i] != NULL ?
		    dns_verdict_name(dns[i]->fcrdns) : "-");
		cells[i][8] = xstrdup(dns != NULL && dns[i] != NULL &&
		    dns[i]->nhelo > 0 ?
		    dns_verdict_name(dns[i]->helo[0].verified) : "-");
		cell_width[i] = xcalloc(OUT_COLUMNS, sizeof **cell_width);
		for (k = 0; k < ncols; k++) {
			len = out_width(cells[i][k], utf8);
			cell_width[i][k] = len;
			if (len > width[k])
				width[k] = len;
		}
	}
	for (k = 0; k + 1 < ncols; k++)
		esc_buf_printf(b, "%-*s  ", (int)width[k], head[k]);
	esc_buf_printf(b, "%s\n", head[ncols - 1]);
	for (i = 0; i < n; i++) {
		for (k = 0; k < ncols; k++) {
			if (k + 1 == ncols)
				esc_buf_printf(b, "%s\n", cells[i][k]);
			else if (k == 4)
				esc_buf_printf(b, "%*s  ", (int)width[k],
				    cells[i][k]);
			else {
				out_pad(b, cells[i][k], cell_width[i][k],
				    width[k]);
				esc_buf_lit(b, "  ");
			}
		}
		for (k = 0; k < OUT_COLUMNS; k++)
			free(cells[i][k]);
		free(cells[i]);
		free(cell_width[i]);
	}
	free(cells);
	free(cell_width);
	if (utf8 != (locale_t)0)
		freelocale(utf8);
	esc_buf_free(&tmp);
}

/*
 * Clients between a prefetch and their output.  Writing a client mostly
 * waits for the memory of the client, its lists and its names, which are
 * far apart, so the JSON loop starts loading them early.
 */
#define OUT_AHEAD	4

/* Start loading all cache lines of a client. */
static void
out_prefetch_client(const struct client *c)
{
	const char	*p = (const char *)c;
	size_t		 off;

	for (off = 0; off < sizeof *c; off += 64)
		__builtin_prefetch(p + off);
	__builtin_prefetch(p + sizeof *c - 1);
}

/* Start loading the first names of a client, loaded ahead already. */
static void
out_prefetch_names(const struct client *c)
{
	if (c->nhelos > 0)
		__builtin_prefetch(c->helos[0].name);
	if (c->nreasons > 0)
		__builtin_prefetch(c->reasons[0].name);
	if (c->nreasons > 1)
		__builtin_prefetch(c->reasons[1].name);
	if (c->rdns != NULL)
		__builtin_prefetch(c->rdns);
}

void
out_clients(struct esc_buf *b, enum out_format format,
    struct client *const *clients, size_t n,
    const struct dns_result *const *dns)
{
	out_clients_history(b, format, clients, n, dns, NULL);
}

void
out_clients_history(struct esc_buf *b, enum out_format format,
    struct client *const *clients, size_t n,
    const struct dns_result *const *dns,
    const struct dnshist_list *history)
{
	size_t	i;

	switch (format) {
	case OUT_TABLE:
		out_table(b, clients, n, dns);
		break;
	case OUT_JSON:
		for (i = 0; i < n; i++) {
			if (i + 2 * OUT_AHEAD < n)
				out_prefetch_client(clients[i + 2 * OUT_AHEAD]);
			if (i + OUT_AHEAD < n)
				out_prefetch_names(clients[i + OUT_AHEAD]);
			out_client_json_history(b, clients[i],
			    dns != NULL ? dns[i] : NULL,
			    history != NULL ? &history[i] : NULL);
			out_lit(b, "\n");
			out_end(b);
		}
		break;
	case OUT_CSV:
		esc_buf_lit(b, "ip,helo,rdns,reasons,events,first_seen,"
		    "last_seen,status");
		if (dns != NULL)
			esc_buf_lit(b, ",ptr_rcode,ptr_names,fcrdns,"
			    "helo_verified");
		esc_buf_lit(b, "\n");
		for (i = 0; i < n; i++)
			out_csv_client(b, clients[i],
			    dns != NULL ? dns[i] : NULL, dns != NULL);
		break;
	}
}
