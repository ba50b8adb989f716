/*
 * "smtptriage report": abuse reports for cron.  It selects the marked
 * suspects (or all of them, or those of one provider), checks their DNS,
 * builds the same plan as the console (recipients, dedupe window, daily
 * cap), sends one message per recipient, and prints one summary line.
 * Suspects without a verified recipient are left out, because no admin
 * is there to confirm an address.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "dns_batch.h"
#include "esc.h"
#include "mail.h"
#include "plan.h"
#include "provider.h"
#include "report.h"
#include "template.h"
#include "xmalloc.h"

/* Exit statuses shared with main.c. */
#define CMD_EXIT_USAGE	1
#define CMD_EXIT_INPUT	2

const char cmd_usage_synopsis[] =
"       smtptriage report [--since TIME] [--provider NAME]\n"
"                         [--marked|--all-suspects] [--send|--dry-run]\n"
"                         [--force] [--no-dns] [options] [LOGFILE...]\n"
"       smtptriage report --retry [options]\n"
"       smtptriage export --format exim|postfix|csv\n"
"                         [--marked|--whitelisted] [options]\n";

const char cmd_usage_options[] =
"  --from ADDRESS     From of reports, as \"Name <address>\" or an address\n"
"  --to ADDRESS       send every report to this one address (review)\n"
"  --sendmail PATH    command that sends reports; \"-oi -t\" is added when\n"
"                     it is a path alone\n"
"  --dry-run          write reports to the outbox only\n"
"  --send             report: send (without it, report is a dry run)\n"
"  --provider NAME    report: only suspects of this provider\n"
"  --marked           report, export: marked suspects (the default)\n"
"  --all-suspects     report: every suspect that is not whitelisted\n"
"  --whitelisted      export: the whitelist's entries\n"
"  --force            report: ignore the dedupe window\n"
"  --retry            report: send the failed reports in the outbox again\n"
"  --no-dns           report: do not check DNS; reports show no DNS part\n";

enum cmd_command
cmd_command(const char *word)
{
	if (strcmp(word, "report") == 0)
		return CMD_REPORT;
	if (strcmp(word, "export") == 0)
		return CMD_EXPORT;
	return CMD_NONE;
}

/* Check a --from or --to mailbox; prints why it is invalid. */
static int
cmd_mailbox(const char *option, const char *value)
{
	char	*display, *address, *cause;

	if (mail_mailbox_parse(value, &display, &address, &cause) == -1) {
		fprintf(stderr, "smtptriage: invalid %s \"%s\": %s\n", option,
		    value, cause);
		free(cause);
		return CMD_EXIT_USAGE;
	}
	free(display);
	free(address);
	return 0;
}

int
cmd_parse_option(struct cmd_args *a, int c, const char *arg)
{
	switch (c) {
	case CMD_OPT_FROM:
		a->from = arg;
		return cmd_mailbox("--from", arg);
	case CMD_OPT_TO:
		a->to = arg;
		return cmd_mailbox("--to", arg);
	case CMD_OPT_SENDMAIL:
		if (arg[0] != '/') {
			fprintf(stderr, "smtptriage: --sendmail \"%s\" must be "
			    "an absolute path, because it runs without a shell "
			    "or PATH search\n", arg);
			return CMD_EXIT_USAGE;
		}
		a->sendmail = arg;
		return 0;
	case CMD_OPT_DRY_RUN:
		a->dry_run = 1;
		return 0;
	case CMD_OPT_SEND:
		a->send = 1;
		return 0;
	case CMD_OPT_PROVIDER:
		a->provider = arg;
		return 0;
	case CMD_OPT_MARKED:
		a->marked = 1;
		return 0;
	case CMD_OPT_ALL_SUSPECTS:
		a->all_suspects = 1;
		return 0;
	case CMD_OPT_WHITELISTED:
		a->whitelisted = 1;
		return 0;
	case CMD_OPT_FORCE:
		a->force = 1;
		return 0;
	case CMD_OPT_RETRY:
		a->retry = 1;
		return 0;
	case CMD_OPT_NO_DNS:
		a->no_dns = 1;
		return 0;
	}
	return CMD_EXIT_USAGE;
}

/* Print that option goes with command only. */
static int
cmd_only(const char *option, const char *command)
{
	fprintf(stderr, "smtptriage: %s goes with %s\n", option, command);
	return CMD_EXIT_USAGE;
}

int
cmd_check_args(const struct cmd_args *a, int list)
{
	if (a->command != CMD_REPORT) {
		if (a->send)
			return cmd_only("--send", "the report command");
		if (a->provider != NULL)
			return cmd_only("--provider", "the report command");
		if (a->all_suspects)
			return cmd_only("--all-suspects", "the report command");
		if (a->force)
			return cmd_only("--force", "the report command");
		if (a->retry)
			return cmd_only("--retry", "the report command");
		if (a->no_dns)
			return cmd_only("--no-dns", "the report command");
	}
	if (a->command != CMD_EXPORT && a->whitelisted)
		return cmd_only("--whitelisted", "the export command");
	if (a->command == CMD_NONE && a->marked)
		return cmd_only("--marked", "the report and export commands");
	if (a->command == CMD_NONE && list && (a->from != NULL ||
	    a->to != NULL || a->sendmail != NULL || a->dry_run))
		return cmd_only("--from, --to, --sendmail and --dry-run",
		    "the console and the report command");
	if (a->send && a->dry_run) {
		fprintf(stderr, "smtptriage: --send and --dry-run exclude each "
		    "other\n");
		return CMD_EXIT_USAGE;
	}
	if (a->marked && (a->all_suspects || a->whitelisted)) {
		fprintf(stderr, "smtptriage: --marked excludes %s\n",
		    a->all_suspects ? "--all-suspects" : "--whitelisted");
		return CMD_EXIT_USAGE;
	}
	if (a->command == CMD_EXPORT) {
		if (a->export_format == NULL) {
			fprintf(stderr, "smtptriage: export needs --format "
			    "exim, postfix or csv\n");
			return CMD_EXIT_USAGE;
		}
		if (strcmp(a->export_format, "exim") != 0 &&
		    strcmp(a->export_format, "postfix") != 0 &&
		    strcmp(a->export_format, "csv") != 0) {
			fprintf(stderr, "smtptriage: invalid --format \"%s\" "
			    "for export: use exim, postfix or csv\n",
			    a->export_format);
			return CMD_EXIT_USAGE;
		}
		if (a->from != NULL || a->to != NULL || a->sendmail != NULL ||
		    a->dry_run)
			return cmd_only("--from, --to, --sendmail and --dry-run",
			    "the console and the report command");
	}
	return 0;
}

int
cmd_apply_config(const struct cmd_args *a, struct config *cfg)
{
	if (a->from != NULL) {
		free(cfg->from);
		cfg->from = xstrdup(a->from);
	}
	if (a->to != NULL) {
		free(cfg->report_to);
		cfg->report_to = xstrdup(a->to);
	}
	if (a->sendmail != NULL) {
		free(cfg->sendmail);
		cfg->sendmail = xstrdup(a->sendmail);
	}
	if (a->dry_run)
		cfg->dry_run = 1;
	/* Without --send, the report command only writes the outbox. */
	if (a->command == CMD_REPORT && !a->send && !a->retry)
		cfg->dry_run = 1;
	return 0;
}

/* Counters for the summary line. */
struct cmd_tally {
	size_t	selected;
	size_t	messages;
	size_t	sent;
	size_t	failed;
	size_t	outbox;
};

/* Print a delivery's outcome to stderr when it needs attention. */
static void
cmd_report_outcome(const struct plan_message *m,
    const struct report_outcome *out, struct cmd_tally *t)
{
	char	*shown;

	if (out->dry_run)
		t->outbox++;
	else if (out->sent)
		t->sent++;
	else if (out->detail != NULL) {
		t->failed++;
		shown = esc_display(out->detail, strlen(out->detail));
		fprintf(stderr, "smtptriage: sending to %s failed (%s); the "
		    "report is in %s\n", m->to, shown, out->path != NULL ?
		    out->path : "the outbox");
		free(shown);
	} else
		t->outbox++;
}

/* Say on stderr, once per message, that the send lock is busy. */
static void
cmd_report_waiting(pid_t holder, void *arg)
{
	(void)arg;
	if (holder != 0)
		fprintf(stderr, "smtptriage: waiting for another smtptriage to "
		    "finish sending (pid %ld)\n", (long)holder);
	else
		fprintf(stderr, "smtptriage: waiting for another smtptriage to "
		    "finish sending\n");
}

/*
 * Compose message i and deliver it under the send lock.  When a suspect
 * was reported to its recipient meanwhile, or a failed report to it
 * appeared in the outbox, only those suspects are dropped: the message is
 * composed again for the rest, from the plan's data (no new DNS check).
 * Each pass drops at least one suspect, so the loop ends.
 */
static void
cmd_report_message(struct plan *p, size_t i, const struct config *cfg,
    const struct plan_options *o, struct plan_compose *pc,
    struct store *store, const struct report_guard *g, struct cmd_tally *t)
{
	struct plan_options	 again = *o;
	struct report_outcome	 out;
	char			*msg, *id, *cause;
	size_t			 unread, before;
	int			 retry;

	t->messages++;
	do {
		retry = 0;
		pc->now = time(NULL);
		if (plan_compose_message(p, i, cfg, pc, &msg, &id, &unread,
		    &cause) == -1) {
			fprintf(stderr, "smtptriage: cannot compose the report "
			    "to %s: %s\n", p->messages[i].to, cause);
			free(cause);
			t->failed++;
			return;
		}
		if (plan_deliver_checked(p, i, cfg, store, g, msg, id, &out,
		    &cause) == -1) {
			fprintf(stderr, "smtptriage: report to %s: %s\n",
			    p->messages[i].to, cause);
			free(cause);
			t->failed++;
		} else if (out.skipped == REPORT_SKIP_WINDOW ||
		    out.skipped == REPORT_SKIP_WAITING) {
			before = p->messages[i].nsuspects;
			again.now = time(NULL);
			if (plan_recheck(p, i, &again, &cause) == -1) {
				fprintf(stderr, "smtptriage: report to %s: "
				    "%s\n", p->messages[i].to, cause);
				free(cause);
				t->failed++;
			} else if (p->messages[i].nsuspects == 0)
				t->messages--;
			else if (p->messages[i].nsuspects < before)
				retry = 1;
			else {
				/* Not seen again outside the lock: skip all. */
				p->skipped[out.skipped == REPORT_SKIP_WINDOW ?
				    PLAN_SKIP_WINDOW : PLAN_SKIP_WAITING] +=
				    before;
				t->messages--;
			}
		} else if (out.skipped != REPORT_SKIP_NONE) {
			/* Another run used up the cap meanwhile. */
			t->messages--;
			p->skipped[PLAN_SKIP_CAP] += p->messages[i].nsuspects;
		} else
			cmd_report_outcome(&p->messages[i], &out, t);
		report_outcome_free(&out);
		free(msg);
		free(id);
	} while (retry);
}

/* Compose and deliver every message of the plan. */
static void
cmd_report_send(struct plan *p, const struct config *cfg,
    const struct plan_options *o, const struct template *tmpl,
    struct agg *agg, struct store *store, struct cmd_tally *t)
{
	struct plan_compose	 pc;
	struct report_guard	 g;
	char			 host[256];
	size_t			 i;

	if (gethostname(host, sizeof host) == -1)
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	memset(&pc, 0, sizeof pc);
	pc.agg = agg;
	pc.template = tmpl;
	pc.hostname = host;
	pc.auto_submitted = 1;
	memset(&g, 0, sizeof g);
	g.force = o->force;
	g.lock_timeout_ms = REPORT_LOCK_WAIT_MS;
	g.waiting = cmd_report_waiting;
	for (i = 0; i < p->nmessages; i++) {
		if (p->messages[i].nsuspects > 0)
			cmd_report_message(p, i, cfg, o, &pc, store, &g, t);
	}
}

/*
 * Select the suspects that --marked or --all-suspects ask for, and with
 * by_provider set those of --provider among them.  dns is NULL or lined
 * up with all.
 */
static struct client **
cmd_report_select(const struct cmd_args *a, const struct config *cfg,
    int by_provider, const struct dns_result *const *dns,
    struct client *const *all, size_t nall, size_t *n)
{
	struct provider_info	  pv;
	struct client		**list;
	size_t			  i;

	list = xcalloc(nall + 1, sizeof *list);
	*n = 0;
	for (i = 0; i < nall; i++) {
		if (!a->all_suspects && !all[i]->marked)
			continue;
		if (by_provider && a->provider != NULL) {
			provider_identify_client(cfg->providers, all[i],
			    dns != NULL ? dns[i] : NULL, &pv);
			if (!provider_matches(&pv, a->provider))
				continue;
		}
		list[(*n)++] = all[i];
	}
	return list;
}

/* Send every failed report in the outbox again. */
static int
cmd_report_retry(const struct config *cfg, struct store *store);

int
cmd_report(const struct cmd_args *a, struct config *cfg, struct agg *agg,
    struct store *store)
{
	struct dns_batch	  batch;
	struct plan_options	  o;
	struct cmd_tally	  t;
	struct template		 *tmpl = NULL;
	struct client		**all, **list;
	const struct dns_result	**dns = NULL;
	struct plan		 *p;
	char			 *cause;
	size_t			  nall, n, i, k;
	int			  rc;

	if (cfg->report_template != NULL &&
	    (tmpl = template_load(cfg->report_template, &cause)) == NULL) {
		fprintf(stderr, "smtptriage: %s\n", cause);
		free(cause);
		return CMD_EXIT_USAGE;
	}

	/* Check DNS before the selection: --provider may need the PTR. */
	memset(&batch, 0, sizeof batch);
	all = agg_suspects(agg, &nall);
	if (!a->no_dns) {
		list = cmd_report_select(a, cfg, 0, NULL, all, nall, &n);
		if (dns_batch_run(&batch, cfg, store, list, n, 1, 0,
		    &cause) == -1) {
			fprintf(stderr, "smtptriage: DNS: %s\n", cause);
			free(cause);
			free(list);
			dns_batch_free(&batch);
			template_free(tmpl);
			return CMD_EXIT_USAGE;
		}
		/* Line the results up with all, for the selection. */
		dns = xcalloc(nall + 1, sizeof *dns);
		for (i = k = 0; i < nall && k < n; i++) {
			if (all[i] == list[k])
				dns[i] = batch.results[k++];
		}
		free(list);
	}
	list = cmd_report_select(a, cfg, 1, dns, all, nall, &n);
	if (dns != NULL) {
		/* The plan wants the results in the order of list. */
		for (i = k = 0; i < nall && k < n; i++) {
			if (all[i] == list[k])
				dns[k++] = dns[i];
		}
	}

	memset(&o, 0, sizeof o);
	o.cfg = cfg;
	o.store = store;
	o.force = a->force;
	o.headless = 1;
	o.now = time(NULL);
	memset(&t, 0, sizeof t);
	t.selected = n;
	rc = 0;
	if ((p = plan_build(list, dns, n, &o, &cause)) == NULL) {
		fprintf(stderr, "smtptriage: %s\n", cause);
		free(cause);
		rc = CMD_EXIT_INPUT;
		goto out;
	}
	cmd_report_send(p, cfg, &o, tmpl, agg, store, &t);

	printf("report%s: %zu suspect%s selected; %zu message%s sent, %zu "
	    "failed, %zu written to the outbox; skipped %zu reported within "
	    "%d days, %zu over the daily cap, %zu without a verified "
	    "recipient, %zu whitelisted, %zu waiting in the outbox for "
	    "--retry\n", cfg->dry_run ? " (dry run)" : "",
	    t.selected, t.selected == 1 ? "" : "s", t.sent, t.sent == 1 ?
	    "" : "s", t.failed, t.outbox, p->skipped[PLAN_SKIP_WINDOW],
	    cfg->report_window_days, p->skipped[PLAN_SKIP_CAP],
	    p->skipped[PLAN_SKIP_NO_RECIPIENT],
	    p->skipped[PLAN_SKIP_WHITELISTED], p->skipped[PLAN_SKIP_WAITING]);
	if (t.failed > 0)
		rc = CMD_EXIT_SEND_FAILED;
	plan_free(p);

out:
	if (fflush(stdout) != 0 && rc == 0)
		rc = CMD_EXIT_INPUT;
	free(list);
	free(dns);
	dns_batch_free(&batch);
	template_free(tmpl);
	return rc;
}

int
cmd_without_logs(const struct cmd_args *a)
{
	return a->command == CMD_EXPORT || (a->command == CMD_REPORT &&
	    a->retry);
}

int
cmd_run_without_logs(const struct cmd_args *a, struct config *cfg)
{
	struct store	*st;
	char		*cause;
	int		 rc;

	if (a->command == CMD_EXPORT)
		return cmd_export(a, cfg);
	if ((st = store_open(cfg->state_path, &cause)) == NULL) {
		fprintf(stderr, "smtptriage: %s\n", cause);
		free(cause);
		return CMD_EXIT_INPUT;
	}
	rc = cmd_report_retry(cfg, st);
	store_close(st);
	return rc;
}

/* Collect the distinct Message-IDs of the failed reports. */
static void
cmd_report_failed_id(const struct store_report *row, void *arg)
{
	struct esc_buf	*ids = arg;
	const char	*p;

	/* ids is a list of Message-IDs, each ending in "\n". */
	for (p = ids->data; p != NULL && p < ids->data + ids->len;
	    p = strchr(p, '\n') + 1) {
		if (strncmp(p, row->message_id, strlen(row->message_id)) == 0 &&
		    p[strlen(row->message_id)] == '\n')
			return;
	}
	esc_buf_printf(ids, "%s\n", row->message_id);
}

static int
cmd_report_retry(const struct config *cfg, struct store *store)
{
	struct esc_buf		 ids = { NULL, 0, 0 };
	struct report_guard	 g;
	struct report_outcome	 out;
	char			*id, *next, *cause, *shown;
	size_t			 sent = 0, failed = 0, already = 0, dropped = 0;

	memset(&g, 0, sizeof g);
	g.lock_timeout_ms = REPORT_LOCK_WAIT_MS;
	g.waiting = cmd_report_waiting;

	if (store_each_failed(store, cmd_report_failed_id, &ids,
	    &cause) == -1) {
		fprintf(stderr, "smtptriage: %s\n", cause);
		free(cause);
		return CMD_EXIT_INPUT;
	}
	for (id = ids.data; id != NULL && id < ids.data + ids.len; id = next) {
		next = strchr(id, '\n');
		*next++ = '\0';
		if (report_retry_checked(cfg, store, id, &g, &out,
		    &cause) == -1) {
			fprintf(stderr, "smtptriage: report %s: %s\n", id,
			    cause);
			free(cause);
			failed++;
		} else if (out.skipped == REPORT_SKIP_SENT)
			already++;
		else if (out.skipped == REPORT_SKIP_SUPERSEDED) {
			fprintf(stderr, "smtptriage: report %s not sent again "
			    "and dropped: %s\n", id, out.skip_reason);
			dropped++;
		} else if (out.sent)
			sent++;
		else {
			shown = esc_display(out.detail != NULL ? out.detail :
			    "", out.detail != NULL ? strlen(out.detail) : 0);
			fprintf(stderr, "smtptriage: report %s failed again "
			    "(%s); it stays in %s\n", id, shown, out.path);
			free(shown);
			failed++;
		}
		report_outcome_free(&out);
	}
	esc_buf_free(&ids);
	printf("report --retry: %zu sent, %zu failed, %zu already sent by "
	    "another smtptriage, %zu dropped as reported since\n", sent,
	    failed, already, dropped);
	if (fflush(stdout) != 0)
		return CMD_EXIT_INPUT;
	return failed > 0 ? CMD_EXIT_SEND_FAILED : 0;
}
