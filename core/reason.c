/* Reason names, the warning-text table and the score weights. */
#include <stdlib.h>
#include <string.h>

#include "reason.h"
#include "xmalloc.h"

#define REASON_NAME_MAX	64

struct reason_entry {
	char	*text;
	size_t	 len;
	char	*reason;
};

struct reason_table {
	struct reason_entry	*entries;
	size_t			 count;
};

static const struct {
	const char	*text;
	const char	*reason;
} reason_defaults[] = {
	{ "HELO verification failed", REASON_HELO_VERIFY_FAILED },
	{ "Forward/Reverse DNS mismatch", REASON_FCRDNS_MISMATCH },
};

struct reason_table *
reason_table_create(void)
{
	struct reason_table	*rt;
	size_t			 i;

	rt = xcalloc(1, sizeof *rt);
	for (i = 0; i < sizeof reason_defaults / sizeof reason_defaults[0]; i++)
		reason_table_add(rt, reason_defaults[i].text,
		    reason_defaults[i].reason, NULL);
	return rt;
}

void
reason_table_free(struct reason_table *rt)
{
	size_t	i;

	if (rt == NULL)
		return;
	for (i = 0; i < rt->count; i++) {
		free(rt->entries[i].text);
		free(rt->entries[i].reason);
	}
	free(rt->entries);
	free(rt);
}

static int
reason_valid_name(const char *name)
{
	size_t	i, len;

	len = strlen(name);
	if (len == 0 || len > REASON_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if ((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= '0' && name[i] <= '9') || name[i] == '_')
			continue;
		return 0;
	}
	return 1;
}

int
reason_table_add(struct reason_table *rt, const char *text,
    const char *reason, char **cause)
{
	struct reason_entry	*e;
	size_t			 i;

	if (!reason_valid_name(reason)) {
		if (cause != NULL)
			xasprintf(cause, "invalid reason name \"%s\": use "
			    "a-z, 0-9 and _ only, at most %d characters",
			    reason, REASON_NAME_MAX);
		return -1;
	}
	if (*text == '\0') {
		if (cause != NULL)
			xasprintf(cause, "empty warning text for reason %s",
			    reason);
		return -1;
	}
	for (i = 0; i < rt->count; i++) {
		e = &rt->entries[i];
		if (strcmp(e->text, text) == 0) {
			free(e->reason);
			e->reason = xstrdup(reason);
			return 0;
		}
	}
	rt->entries = xreallocarray(rt->entries, rt->count + 1,
	    sizeof *rt->entries);
	e = &rt->entries[rt->count++];
	e->text = xstrdup(text);
	e->len = strlen(text);
	e->reason = xstrdup(reason);
	return 0;
}

const char *
reason_table_lookup(const struct reason_table *rt, const char *text,
    size_t len)
{
	const struct reason_entry	*e, *best = NULL;
	size_t				 i;

	for (i = 0; i < rt->count; i++) {
		e = &rt->entries[i];
		if (e->len > len || memcmp(e->text, text, e->len) != 0)
			continue;
		if (best == NULL || e->len > best->len)
			best = e;
	}
	return best != NULL ? best->reason : NULL;
}

/*
 * Weights favour what the MTA itself found wrong with the client's identity
 * over what it could not check.  A temporary failure weighs least because
 * the fault may lie with a resolver, not the client.
 */
static const struct {
	const char	*key;
	int		 weight;
} reason_weights[] = {
	{ REASON_HELO_REJECTED, 5 },
	{ REASON_HELO_VERIFY_FAILED, 4 },
	{ REASON_FCRDNS_MISMATCH, 4 },
	{ REASON_HELO_INVALID, 4 },
	{ REASON_POSTSCREEN_PREGREET, 4 },
	{ REASON_NO_RDNS, 3 },
	{ REASON_PTR_NAME_UNRESOLVED, 3 },
	{ REASON_HELO_UNKNOWN, 3 },
	{ REASON_HELO_NON_FQDN, 3 },
	{ REASON_DNSBL, 3 },
	{ REASON_POSTSCREEN_DNSBL, 3 },
	{ REASON_POSTSCREEN_PIPELINING, 3 },
	{ REASON_POSTSCREEN_NON_SMTP, 3 },
	{ REASON_POSTSCREEN_DENYLISTED, 3 },
	{ REASON_NO_VERIFIED_RDNS, 1 },
	{ REASON_RDNS_TEMPFAIL, 1 },
	{ REASON_POSTSCREEN_HANGUP, 1 },
};

int
reason_weight(const char *key)
{
	size_t	i;

	for (i = 0; i < sizeof reason_weights / sizeof reason_weights[0]; i++)
		if (strcmp(reason_weights[i].key, key) == 0)
			return reason_weights[i].weight;
	return 2;
}

static const struct {
	const char		*key;
	enum reason_kind	 kind;
} reason_kinds[] = {
	{ REASON_HELO_VERIFY_FAILED, REASON_KIND_HELO },
	{ REASON_HELO_REJECTED, REASON_KIND_HELO },
	{ REASON_HELO_UNKNOWN, REASON_KIND_HELO },
	{ REASON_HELO_NON_FQDN, REASON_KIND_HELO },
	{ REASON_HELO_INVALID, REASON_KIND_HELO },
	{ REASON_FCRDNS_MISMATCH, REASON_KIND_PTR },
	{ REASON_NO_RDNS, REASON_KIND_PTR },
	{ REASON_RDNS_TEMPFAIL, REASON_KIND_PTR },
	{ REASON_NO_VERIFIED_RDNS, REASON_KIND_PTR },
	{ REASON_PTR_NAME_UNRESOLVED, REASON_KIND_PTR },
	{ REASON_DNSBL, REASON_KIND_DNSBL },
	{ REASON_POSTSCREEN_DNSBL, REASON_KIND_DNSBL },
	{ REASON_POSTSCREEN_DENYLISTED, REASON_KIND_DNSBL },
	{ REASON_PROTOCOL_ERROR, REASON_KIND_SMTP },
	{ REASON_NO_MAIL, REASON_KIND_SMTP },
	{ REASON_POSTSCREEN_PREGREET, REASON_KIND_SMTP },
	{ REASON_POSTSCREEN_HANGUP, REASON_KIND_SMTP },
	{ REASON_POSTSCREEN_PIPELINING, REASON_KIND_SMTP },
	{ REASON_POSTSCREEN_NON_SMTP, REASON_KIND_SMTP },
	{ REASON_POSTSCREEN_BARE_NEWLINE, REASON_KIND_SMTP },
	{ REASON_POSTSCREEN_COMMAND_LIMIT, REASON_KIND_SMTP },
};

enum reason_kind
reason_kind(const char *key)
{
	size_t	i;

	for (i = 0; i < sizeof reason_kinds / sizeof reason_kinds[0]; i++)
		if (strcmp(reason_kinds[i].key, key) == 0)
			return reason_kinds[i].kind;
	return REASON_KIND_OTHER;
}

const char *
reason_kind_name(enum reason_kind kind)
{
	switch (kind) {
	case REASON_KIND_HELO:
		return "HELO";
	case REASON_KIND_PTR:
		return "PTR";
	case REASON_KIND_DNSBL:
		return "DNSBL";
	case REASON_KIND_SMTP:
		return "SMTP";
	case REASON_KIND_OTHER:
		break;
	}
	return "other";
}
