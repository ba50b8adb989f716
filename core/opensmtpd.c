/*
 * OpenSMTPD messages in each of its log formats:
 * - 6.4 and later: "<id> smtp connected address=<ip> host=<name>", then
 *   "<id> smtp failed-command command=\"...\" result=\"...\"" and others;
 * - 6.0 to 6.3: the same with "event=" before the verb;
 * - 5.x: "smtp-in: New session <id> from host <name> [<ip>]", the 5.7
 *   "smtp-in: session <id>: connection from host <name> [<ip>]
 *   established", and "smtp-in: ... session <id> ..." lines.
 *
 * Every line of a session names its client, through the session table.
 * The connect line gives the address and the PTR name ("<unknown>" when
 * there is none); a failed HELO or EHLO gives the HELO.  OpenSMTPD logs
 * the PTR name without checking that it resolves back to the address, and
 * whoever controls the client's reverse zone chooses it, so the name is
 * never reported as a verified rDNS name: a whitelist glob must not match
 * it.  The live DNS check shows the PTR and whether it confirms.
 *
 * The table is an open-addressing hash of session ids, with linear
 * probing, over a pool of session records.  A list in connect order gives
 * the oldest session to drop when OPENSMTPD_SESSIONS_MAX are live.  Records
 * are reused, so a line allocates nothing once the pool has grown.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "field.h"
#include "opensmtpd.h"
#include "reason.h"
#include "xmalloc.h"

/* Hash slots: a power of two, twice the sessions, so probes stay short. */
#define SMTPD_HASH_BITS		17
#define SMTPD_HASH_SIZE		(1u << SMTPD_HASH_BITS)
/* Pool records allocated first; the pool doubles up to the maximum. */
#define SMTPD_POOL_FIRST	64
/* End of a list of pool indexes. */
#define SMTPD_NONE		UINT32_MAX
/* Hex digits of a session id. */
#define SMTPD_ID_LEN		16
/* Longest quoted command or result read. */
#define SMTPD_QUOTED_MAX	4096
/* Bytes searched for "session <id>" in a 5.x line. */
#define SMTPD_OLD_SCAN_MAX	256

struct smtpd_session {
	uint64_t		id;
	struct event_addr	addr;
	int			local;		/* the unix socket: no client */
	uint32_t		prev, next;	/* connect order, or free list */
	size_t			helo_len;
	char			helo[EVENT_NAME_MAX];
};

struct opensmtpd_parser {
	struct smtpd_session	*pool;
	uint32_t		 pool_size;	/* records allocated */
	uint32_t		 pool_used;	/* records ever handed out */
	uint32_t		 free_head;
	uint32_t		 oldest, newest;
	uint32_t		 live;
	uint32_t		*hash;		/* pool index + 1, 0 if empty */
};

/* The effect of a line on its session. */
enum smtpd_kind {
	SMTPD_CONNECT,		/* starts a session */
	SMTPD_FAILED,		/* a failed command: HELO and reason */
	SMTPD_AUTH,		/* an authentication result */
	SMTPD_FIXED,		/* a line with the entry's reason */
	SMTPD_END,		/* ends the session */
	SMTPD_SESSION,		/* any other line of a session */
};

/* Verbs after "<id> smtp " (and "event=" in OpenSMTPD 6.0 to 6.3). */
static const struct {
	const char	*verb;
	enum smtpd_kind	 kind;
	const char	*reason;
} smtpd_verbs[] = {
	{ "connected", SMTPD_CONNECT, NULL },
	{ "failed-command", SMTPD_FAILED, NULL },
	{ "authentication", SMTPD_AUTH, NULL },
	{ "bad-input", SMTPD_FIXED, REASON_PROTOCOL_ERROR },
	{ "disconnected", SMTPD_END, NULL },
};

/* 5.x texts after "smtp-in: ", each followed by the session id. */
static const struct {
	const char	*text;
	enum smtpd_kind	 kind;
} smtpd_old_texts[] = {
	{ "New session ", SMTPD_CONNECT },
	{ "Failed command on session ", SMTPD_FAILED },
	{ "Closing session ", SMTPD_END },
	{ "Received disconnect from session ", SMTPD_END },
	{ "Disconnecting session ", SMTPD_END },
	{ "session ", SMTPD_SESSION },
};

struct opensmtpd_parser *
opensmtpd_parser_create(void)
{
	struct opensmtpd_parser	*op;

	op = xcalloc(1, sizeof *op);
	op->hash = xcalloc(SMTPD_HASH_SIZE, sizeof *op->hash);
	op->free_head = op->oldest = op->newest = SMTPD_NONE;
	return op;
}

void
opensmtpd_parser_free(struct opensmtpd_parser *op)
{
	if (op == NULL)
		return;
	free(op->pool);
	free(op->hash);
	free(op);
}

size_t
opensmtpd_sessions(const struct opensmtpd_parser *op)
{
	return op->live;
}

static int
smtpd_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

int
opensmtpd_shape(const char *msg, size_t len)
{
	size_t	i;

	if (field_starts(msg, len, "smtp-in: "))
		return 1;
	if (len < SMTPD_ID_LEN + 6)
		return 0;
	for (i = 0; i < SMTPD_ID_LEN; i++)
		if (!smtpd_hex(msg[i]))
			return 0;
	return memcmp(msg + SMTPD_ID_LEN, " smtp ", 6) == 0;
}

/* Read a session id of 16 hex digits at s.  Returns 0, or -1. */
static int
smtpd_id(const char *s, size_t len, uint64_t *id)
{
	size_t	i;

	if (len < SMTPD_ID_LEN)
		return -1;
	*id = 0;
	for (i = 0; i < SMTPD_ID_LEN; i++) {
		if (!smtpd_hex(s[i]))
			return -1;
		*id = (*id << 4) | (uint64_t)(s[i] <= '9' ? s[i] - '0' :
		    s[i] - 'a' + 10);
	}
	if (len > SMTPD_ID_LEN && smtpd_hex(s[SMTPD_ID_LEN]))
		return -1;
	return 0;
}

static uint32_t
smtpd_slot(uint64_t id)
{
	return (uint32_t)((id * 0x9e3779b97f4a7c15ULL) >>
	    (64 - SMTPD_HASH_BITS));
}

/* Find the hash slot of a session id, or return SMTPD_NONE. */
static uint32_t
smtpd_find_slot(const struct opensmtpd_parser *op, uint64_t id)
{
	uint32_t	slot, idx;

	for (slot = smtpd_slot(id); (idx = op->hash[slot]) != 0;
	    slot = (slot + 1) & (SMTPD_HASH_SIZE - 1))
		if (op->pool[idx - 1].id == id)
			return slot;
	return SMTPD_NONE;
}

static struct smtpd_session *
smtpd_lookup(const struct opensmtpd_parser *op, uint64_t id)
{
	uint32_t	slot;

	if ((slot = smtpd_find_slot(op, id)) == SMTPD_NONE)
		return NULL;
	return &op->pool[op->hash[slot] - 1];
}

/* Remove a session from the hash, the connect order and the pool. */
static void
smtpd_remove(struct opensmtpd_parser *op, struct smtpd_session *s)
{
	uint32_t	idx = (uint32_t)(s - op->pool), i, j, home;

	/* Backward-shift deletion keeps every probe sequence unbroken. */
	i = smtpd_find_slot(op, s->id);
	for (j = (i + 1) & (SMTPD_HASH_SIZE - 1); op->hash[j] != 0;
	    j = (j + 1) & (SMTPD_HASH_SIZE - 1)) {
		home = smtpd_slot(op->pool[op->hash[j] - 1].id);
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && home <= i && home > j)) {
			op->hash[i] = op->hash[j];
			i = j;
		}
	}
	op->hash[i] = 0;

	if (s->prev != SMTPD_NONE)
		op->pool[s->prev].next = s->next;
	else
		op->oldest = s->next;
	if (s->next != SMTPD_NONE)
		op->pool[s->next].prev = s->prev;
	else
		op->newest = s->prev;
	s->next = op->free_head;
	op->free_head = idx;
	op->live--;
}

/* Take a pool record for a new session, dropping the oldest if needed. */
static struct smtpd_session *
smtpd_insert(struct opensmtpd_parser *op, uint64_t id)
{
	struct smtpd_session	*s;
	uint32_t		 idx, slot;

	if ((s = smtpd_lookup(op, id)) != NULL)
		smtpd_remove(op, s);
	if (op->live >= OPENSMTPD_SESSIONS_MAX)
		smtpd_remove(op, &op->pool[op->oldest]);
	if (op->free_head != SMTPD_NONE) {
		idx = op->free_head;
		op->free_head = op->pool[idx].next;
	} else {
		if (op->pool_used == op->pool_size) {
			op->pool_size = op->pool_size == 0 ? SMTPD_POOL_FIRST :
			    op->pool_size * 2;
			if (op->pool_size > OPENSMTPD_SESSIONS_MAX)
				op->pool_size = OPENSMTPD_SESSIONS_MAX;
			op->pool = xreallocarray(op->pool, op->pool_size,
			    sizeof *op->pool);
		}
		idx = op->pool_used++;
	}
	s = &op->pool[idx];
	memset(s, 0, sizeof *s);
	s->id = id;
	s->prev = op->newest;
	s->next = SMTPD_NONE;
	if (op->newest != SMTPD_NONE)
		op->pool[op->newest].next = idx;
	else
		op->oldest = idx;
	op->newest = idx;
	op->live++;

	for (slot = smtpd_slot(id); op->hash[slot] != 0;
	    slot = (slot + 1) & (SMTPD_HASH_SIZE - 1))
		;
	op->hash[slot] = idx + 1;
	return s;
}

/* Copy a name into a session buffer, cut like an event's names. */
static size_t
smtpd_copy(char *dst, const char *src, size_t len)
{
	len = field_cut(src, len, EVENT_NAME_MAX);
	memcpy(dst, src, len);
	return len;
}

/*
 * Start a session from its connect line: address text a (in brackets or
 * not, "local" for the unix socket) and PTR name h ("<unknown>" if none).
 */
static struct smtpd_session *
smtpd_connect(struct opensmtpd_parser *op, uint64_t id, const char *a,
    size_t alen, const char *h, size_t hlen)
{
	struct smtpd_session	*s;

	s = smtpd_insert(op, id);
	if (alen >= 2 && a[0] == '[' && a[alen - 1] == ']') {
		a++;
		alen -= 2;
	}
	if (field_addr(a, alen, &s->addr) == -1) {
		s->local = 1;
		return s;
	}
	/* The host name (h, hlen) is not kept: see the comment above. */
	return s;
}

/*
 * Measure a quoted string at s, backslash escapes included, without the
 * quotes.  Returns -1 when s does not hold a closed one.
 */
static int
smtpd_quoted(const char *s, size_t len, size_t *qlen)
{
	size_t	n;

	if (len < 2 || s[0] != '"')
		return -1;
	for (n = 1; n < len && n <= SMTPD_QUOTED_MAX; n++) {
		if (s[n] == '\\')
			n++;
		else if (s[n] == '"') {
			*qlen = n - 1;
			return 0;
		}
	}
	return -1;
}

/*
 * Apply a failed command cmd with the reply res to a session and ev.  The
 * argument of a HELO or EHLO becomes the session's HELO.  A permanent reply
 * gives helo_rejected for a HELO or EHLO, auth_failed for AUTH, and
 * "rejected:<text>" for other commands; a temporary one gives no reason.
 */
static void
smtpd_failed(struct smtpd_session *s, const char *cmd, size_t clen,
    const char *res, size_t rlen, struct event *ev)
{
	const char	*text, *arg;
	size_t		 text_len, alen;
	int		 code, helo;

	helo = clen >= 5 && (strncasecmp(cmd, "HELO ", 5) == 0 ||
	    strncasecmp(cmd, "EHLO ", 5) == 0);
	if (helo) {
		arg = cmd + 5;
		alen = clen - 5;
		while (alen > 0 && *arg == ' ') {
			arg++;
			alen--;
		}
		while (alen > 0 && arg[alen - 1] == ' ')
			alen--;
		if (alen > 0)
			s->helo_len = smtpd_copy(s->helo, arg, alen);
	}
	text = field_reply_text(res, rlen, &code, &text_len);
	if (code == 4)
		return;
	if (helo)
		ev->reason = REASON_HELO_REJECTED;
	else if (clen >= 4 && strncasecmp(cmd, "AUTH", 4) == 0)
		ev->reason = REASON_AUTH_FAILED;
	else
		field_set_reason(ev, REASON_REJECTED, text, text_len);
}

/* Parse "command=\"...\" result=\"...\"" of a 6.x failed-command line. */
static void
smtpd_failed_new(struct smtpd_session *s, const char *p, size_t len,
    struct event *ev)
{
	const char	*c, *r;
	size_t		 clen, rlen;

	if ((c = memmem(p, len, "command=\"", 9)) == NULL)
		return;
	c += 8;
	if (smtpd_quoted(c, len - (size_t)(c - p), &clen) == -1)
		return;
	r = c + clen + 2;
	if (!field_starts(r, len - (size_t)(r - p), " result=\""))
		return;
	r += 8;
	if (smtpd_quoted(r, len - (size_t)(r - p), &rlen) == -1)
		return;
	smtpd_failed(s, c + 1, clen, r + 1, rlen, ev);
}

/* Parse "\"<cmd>\" => <reply>" of a 5.x "Failed command" line. */
static void
smtpd_failed_old(struct smtpd_session *s, const char *p, size_t len,
    struct event *ev)
{
	const char	*r;
	size_t		 clen;

	if (smtpd_quoted(p, len, &clen) == -1)
		return;
	r = p + clen + 2;
	if (!field_starts(r, len - (size_t)(r - p), " => "))
		return;
	r += 4;
	smtpd_failed(s, p + 1, clen, r, len - (size_t)(r - p), ev);
}

/* Fill ev with the client of a session. */
static enum parse_result
smtpd_event(const struct smtpd_session *s, struct event *ev)
{
	if (s == NULL || s->local)
		return PARSE_SKIP;
	ev->addr = s->addr;
	if (s->helo_len > 0) {
		ev->helo = s->helo;
		ev->helo_len = s->helo_len;
	}
	return PARSE_CLIENT;
}

/* Measure a word at s: the bytes up to a space or the end. */
static size_t
smtpd_word(const char *s, size_t len)
{
	const char	*sp;

	sp = memchr(s, ' ', len);
	return sp != NULL ? (size_t)(sp - s) : len;
}

/* Parse a 6.x line "<id> smtp [event=]<verb> ..." after the id. */
static enum parse_result
smtpd_parse_new(struct opensmtpd_parser *op, uint64_t id, const char *p,
    size_t len, struct event *ev)
{
	struct smtpd_session	*s;
	const char		*a, *h, *r;
	size_t			 i, n, alen, hlen;
	enum parse_result	 rc;

	if (field_starts(p, len, "event=")) {
		p += 6;
		len -= 6;
	}
	n = smtpd_word(p, len);
	for (i = 0; i < sizeof smtpd_verbs / sizeof smtpd_verbs[0]; i++)
		if (n == strlen(smtpd_verbs[i].verb) &&
		    memcmp(p, smtpd_verbs[i].verb, n) == 0)
			break;
	if (i == sizeof smtpd_verbs / sizeof smtpd_verbs[0])
		return smtpd_event(smtpd_lookup(op, id), ev);
	p += n;
	len -= n;

	switch (smtpd_verbs[i].kind) {
	case SMTPD_CONNECT:
		if (!field_starts(p, len, " address="))
			return PARSE_SKIP;
		a = p + 9;
		alen = smtpd_word(a, len - 9);
		h = a + alen;
		if (!field_starts(h, len - 9 - alen, " host="))
			return PARSE_SKIP;
		h += 6;
		hlen = smtpd_word(h, len - (size_t)(h - p));
		return smtpd_event(smtpd_connect(op, id, a, alen, h, hlen),
		    ev);
	case SMTPD_FAILED:
		s = smtpd_lookup(op, id);
		if ((rc = smtpd_event(s, ev)) == PARSE_CLIENT) {
			smtpd_failed_new(s, p, len, ev);
			smtpd_event(s, ev);
		}
		return rc;
	case SMTPD_AUTH:
		rc = smtpd_event(smtpd_lookup(op, id), ev);
		r = field_rfind(p, 0, len, " result=");
		if (rc == PARSE_CLIENT && r != NULL &&
		    field_starts(r, len - (size_t)(r - p), " result=permfail"))
			ev->reason = REASON_AUTH_FAILED;
		return rc;
	case SMTPD_FIXED:
		rc = smtpd_event(smtpd_lookup(op, id), ev);
		if (rc == PARSE_CLIENT)
			ev->reason = smtpd_verbs[i].reason;
		return rc;
	case SMTPD_END:
		if ((s = smtpd_lookup(op, id)) == NULL)
			return PARSE_SKIP;
		rc = smtpd_event(s, ev);
		/* The names stay readable: the record is only reused later. */
		smtpd_remove(op, s);
		return rc;
	case SMTPD_SESSION:
		break;
	}
	return smtpd_event(smtpd_lookup(op, id), ev);
}

/*
 * Parse the rest of a 5.x "session <id>: " line: the 5.7 connect and close
 * texts and invalid commands.
 */
static enum parse_result
smtpd_parse_old_session(struct opensmtpd_parser *op, uint64_t id,
    const char *p, size_t len, struct event *ev)
{
	struct smtpd_session	*s;
	const char		*a, *end;
	size_t			 hlen;
	enum parse_result	 rc;

	if (field_starts(p, len, ": connection from host ")) {
		p += 23;
		len -= 23;
		if (len >= 13 && memcmp(p + len - 13, "] established", 13) == 0) {
			hlen = smtpd_word(p, len);
			a = p + hlen + 1;
			end = p + len - 13;
			if (a + 1 >= end || a[0] != '[')
				return PARSE_SKIP;
			return smtpd_event(smtpd_connect(op, id, a + 1,
			    (size_t)(end - a - 1), p, hlen), ev);
		}
		if ((s = smtpd_lookup(op, id)) == NULL)
			return PARSE_SKIP;
		rc = smtpd_event(s, ev);
		if (memmem(p, len, " closed", 7) != NULL)
			smtpd_remove(op, s);
		return rc;
	}
	rc = smtpd_event(smtpd_lookup(op, id), ev);
	if (rc == PARSE_CLIENT &&
	    field_starts(p, len, ": received invalid command"))
		ev->reason = REASON_PROTOCOL_ERROR;
	return rc;
}

/* Parse a 5.x "smtp-in: ..." line after that prefix. */
static enum parse_result
smtpd_parse_old(struct opensmtpd_parser *op, const char *p, size_t len,
    struct event *ev)
{
	struct smtpd_session	*s;
	const char		*q, *a;
	size_t			 i, n, hlen, scan;
	uint64_t		 id;
	enum parse_result	 rc;

	for (i = 0; i < sizeof smtpd_old_texts / sizeof smtpd_old_texts[0];
	    i++)
		if (field_starts(p, len, smtpd_old_texts[i].text))
			break;
	if (i == sizeof smtpd_old_texts / sizeof smtpd_old_texts[0]) {
		/* Any other line that names its session: "... session <id>". */
		scan = len < SMTPD_OLD_SCAN_MAX ? len : SMTPD_OLD_SCAN_MAX;
		if ((q = memmem(p, scan, "session ", 8)) == NULL ||
		    smtpd_id(q + 8, len - (size_t)(q + 8 - p), &id) == -1)
			return PARSE_SKIP;
		return smtpd_event(smtpd_lookup(op, id), ev);
	}
	n = strlen(smtpd_old_texts[i].text);
	if (smtpd_id(p + n, len - n, &id) == -1)
		return PARSE_SKIP;
	p += n + SMTPD_ID_LEN;
	len -= n + SMTPD_ID_LEN;

	switch (smtpd_old_texts[i].kind) {
	case SMTPD_CONNECT:
		/* " from host <name> [<ip>]" */
		if (!field_starts(p, len, " from host "))
			return PARSE_SKIP;
		p += 11;
		len -= 11;
		hlen = smtpd_word(p, len);
		a = p + hlen;
		if (len < hlen + 3 || a[1] != '[' || p[len - 1] != ']')
			return PARSE_SKIP;
		return smtpd_event(smtpd_connect(op, id, a + 2,
		    (size_t)(p + len - 1 - (a + 2)), p, hlen), ev);
	case SMTPD_FAILED:
		s = smtpd_lookup(op, id);
		if ((rc = smtpd_event(s, ev)) == PARSE_CLIENT &&
		    field_starts(p, len, ": ")) {
			smtpd_failed_old(s, p + 2, len - 2, ev);
			smtpd_event(s, ev);
		}
		return rc;
	case SMTPD_END:
		if ((s = smtpd_lookup(op, id)) == NULL)
			return PARSE_SKIP;
		rc = smtpd_event(s, ev);
		smtpd_remove(op, s);
		return rc;
	case SMTPD_SESSION:
		return smtpd_parse_old_session(op, id, p, len, ev);
	case SMTPD_AUTH:
	case SMTPD_FIXED:
		break;
	}
	return PARSE_SKIP;
}

enum parse_result
opensmtpd_parse(struct opensmtpd_parser *op, const char *line, size_t len,
    const struct syslog_msg *sm, struct event *ev)
{
	const char	*p = line + sm->msg;
	size_t		 n = len - sm->msg;
	uint64_t	 id;

	memset(ev, 0, sizeof *ev);
	ev->time = sm->time;
	ev->has_time = sm->has_time;
	if (!opensmtpd_shape(p, n))
		return PARSE_SKIP;
	if (field_starts(p, n, "smtp-in: "))
		return smtpd_parse_old(op, p + 9, n - 9, ev);
	if (smtpd_id(p, n, &id) == -1)
		return PARSE_SKIP;
	return smtpd_parse_new(op, id, p + SMTPD_ID_LEN + 6,
	    n - SMTPD_ID_LEN - 6, ev);
}
