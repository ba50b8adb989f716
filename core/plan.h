/*
 * Report plans: which suspects go into which message.  A plan takes a
 * list of suspects (the selected one, the tagged ones, or every marked
 * suspect of one provider) and finds each one's provider and recipient.
 * It drops those already reported to that recipient within the dedupe
 * window, and those with a failed report to that recipient waiting in the
 * outbox for --retry, and groups the rest into one message per
 * recipient.  The console and the "report" command share it, so both
 * apply the same dedupe, cap and recipient rules.
 */
#ifndef SMTPTRIAGE_PLAN_H
#define SMTPTRIAGE_PLAN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "agg.h"
#include "config.h"
#include "dns.h"
#include "provider.h"
#include "report.h"
#include "store.h"
#include "template.h"

/* The reason a suspect is left out of the plan's messages. */
enum plan_skip {
	PLAN_KEEP = 0,
	PLAN_SKIP_WHITELISTED,
	PLAN_SKIP_WINDOW,	/* reported to the recipient within the window */
	PLAN_SKIP_NO_RECIPIENT,	/* headless, and no verified recipient */
	PLAN_SKIP_CAP,		/* the recipient's daily cap is reached */
	/* A failed report to the recipient waits in the outbox. */
	PLAN_SKIP_WAITING,
	PLAN_SKIP_COUNT
};

struct plan_suspect {
	struct client		*client;
	const struct dns_result	*dns;		/* NULL if never checked */
	struct provider_info	 provider;
	struct provider_rcpt	 rcpt;
	enum plan_skip		 skip;
	int64_t			 reported_at;	/* PLAN_SKIP_WINDOW: when */
	size_t			 message;	/* its message when kept */
};

struct plan_message {
	char			 to[PROVIDER_ADDRESS_SIZE];	/* "" if none */
	/* When to is "": a recipient the admin may confirm, or "". */
	char			 suggestion[PROVIDER_ADDRESS_SIZE];
	enum provider_rcpt_source source;
	size_t			*suspects;	/* indices into plan suspects */
	size_t			 nsuspects;
	int64_t			 sent_today;	/* to "to" in the last 24 h */
};

struct plan {
	struct plan_suspect	*suspects;
	size_t			 nsuspects;
	struct plan_message	*messages;
	size_t			 nmessages;
	size_t			 skipped[PLAN_SKIP_COUNT];	/* suspects */
	int			 force;
	time_t			 now;
};

struct plan_options {
	const struct config	*cfg;		/* providers, report_to, limits */
	struct store		*store;		/* NULL: no history checks */
	int			 force;		/* ignore the dedupe window */
	/*
	 * Headless runs leave out suspects without a verified recipient.
	 * The console groups them into messages without To, by suggested
	 * recipient, for the admin to address.
	 */
	int			 headless;
	time_t			 now;
};

/*
 * Build the plan for clients[0..n-1]; dns is NULL or an array of n
 * results (an entry may be NULL).  The clients and results are borrowed
 * and must outlive the plan.  Returns NULL with *cause set when the
 * report history cannot be read.
 */
struct plan	*plan_build(struct client *const *clients,
		    const struct dns_result *const *dns, size_t n,
		    const struct plan_options *, char **cause);
void		 plan_free(struct plan *);

/*
 * Address message i to address (typed or confirmed by the admin), then
 * apply the dedupe window to its suspects again.  Returns 0, or -1 with
 * *cause when address is not a valid recipient or the history cannot be
 * read.  A message whose suspects were all reported to address within
 * the window keeps no suspect; the caller sees nsuspects == 0.
 */
int		 plan_set_recipient(struct plan *, size_t i, const char *address,
		    const struct plan_options *, char **cause);

/*
 * Apply the dedupe window and the check for failed reports waiting in
 * the outbox to the suspects of message i again, at o->now, and keep
 * only those that pass.  The others are counted in p->skipped.  Returns
 * 0, or -1 with *cause when the history cannot be read.
 */
int		 plan_recheck(struct plan *, size_t i,
		    const struct plan_options *, char **cause);

/*
 * 1 if message i may not be sent because address's daily cap is reached
 * (with the number sent in the last 24 hours in *sent), 0 if it may, -1
 * with *cause on a history error.
 */
int		 plan_over_cap(const struct plan *, size_t i,
		    const struct plan_options *, int64_t *sent, char **cause);

struct plan_compose {
	const struct agg	*agg;		/* for the evidence; may be NULL */
	const struct template	*template;	/* NULL: the built-in one */
	const char		*hostname;
	int			 auto_submitted;
	time_t			 now;
	uint64_t		 nonce;		/* 0: random */
};

/*
 * Compose message i: its suspects, their evidence read back from the
 * logs, From, Reply-To and X-ARF from cfg.  Returns 0 with *msg and
 * *message_id set, or -1 with *cause.  *unread counts evidence lines that
 * could not be read back and are left out.
 */
int		 plan_compose_message(const struct plan *, size_t i,
		    const struct config *cfg, const struct plan_compose *,
		    char **msg, char **message_id, size_t *unread,
		    char **cause);

/* Deliver msg as message i: report_deliver_ips with its suspects' IPs. */
int		 plan_deliver(const struct plan *, size_t i,
		    const struct config *cfg, struct store *store,
		    const char *msg, const char *message_id,
		    struct report_outcome *out, char **cause);

/*
 * plan_deliver through report_deliver_checked with g (NULL: unchecked,
 * as plan_deliver), so the window and cap are checked again under the
 * send lock.
 */
int		 plan_deliver_checked(const struct plan *, size_t i,
		    const struct config *cfg, struct store *store,
		    const struct report_guard *g, const char *msg,
		    const char *message_id, struct report_outcome *out,
		    char **cause);

/* The abuse contact the DNS check found for the client, or NULL. */
const char	*plan_abuse_contact(const struct dns_result *);

/* "whitelisted", "reported within the window", ... for the summaries. */
const char	*plan_skip_name(enum plan_skip);

#endif
