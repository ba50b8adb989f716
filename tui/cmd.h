/*
 * The headless "report" and "export" commands, and the options they add
 * to the command line (main.c parses them through cmd_parse_option).
 */
#ifndef SMTPTRIAGE_CMD_H
#define SMTPTRIAGE_CMD_H

#include <getopt.h>

#include "agg.h"
#include "config.h"
#include "store.h"

/* Exit status of "report" when some reports could not be sent. */
#define CMD_EXIT_SEND_FAILED	3

/* Option codes for getopt_long, above those of main.c. */
enum cmd_option {
	CMD_OPT_FROM = 512,
	CMD_OPT_TO,
	CMD_OPT_SENDMAIL,
	CMD_OPT_DRY_RUN,
	CMD_OPT_SEND,
	CMD_OPT_PROVIDER,
	CMD_OPT_MARKED,
	CMD_OPT_ALL_SUSPECTS,
	CMD_OPT_WHITELISTED,
	CMD_OPT_FORCE,
	CMD_OPT_RETRY,
	CMD_OPT_NO_DNS,
	CMD_OPT_END
};

/* Entries for main.c's getopt_long table. */
#define CMD_LONG_OPTIONS						\
	{ "from", required_argument, NULL, CMD_OPT_FROM },		\
	{ "to", required_argument, NULL, CMD_OPT_TO },			\
	{ "sendmail", required_argument, NULL, CMD_OPT_SENDMAIL },	\
	{ "dry-run", no_argument, NULL, CMD_OPT_DRY_RUN },		\
	{ "send", no_argument, NULL, CMD_OPT_SEND },			\
	{ "provider", required_argument, NULL, CMD_OPT_PROVIDER },	\
	{ "marked", no_argument, NULL, CMD_OPT_MARKED },		\
	{ "all-suspects", no_argument, NULL, CMD_OPT_ALL_SUSPECTS },	\
	{ "whitelisted", no_argument, NULL, CMD_OPT_WHITELISTED },	\
	{ "force", no_argument, NULL, CMD_OPT_FORCE },			\
	{ "retry", no_argument, NULL, CMD_OPT_RETRY },			\
	{ "no-dns", no_argument, NULL, CMD_OPT_NO_DNS }

enum cmd_command {
	CMD_NONE,		/* the console, or "list" */
	CMD_REPORT,
	CMD_EXPORT,
};

struct cmd_args {
	enum cmd_command command;
	const char	*from;
	const char	*to;
	const char	*sendmail;
	int		 dry_run;
	int		 send;
	const char	*provider;
	int		 marked;
	int		 all_suspects;
	int		 whitelisted;
	int		 force;
	int		 retry;
	int		 no_dns;
	const char	*export_format;	/* "exim", "postfix" or "csv" */
};

/* The command named by word ("report", "export"), or CMD_NONE. */
enum cmd_command cmd_command(const char *word);

/*
 * Take option c (a CMD_OPT_* code) with its argument.  Returns 0, or an
 * exit status after printing why.
 */
int	cmd_parse_option(struct cmd_args *, int c, const char *arg);

/*
 * Check the options against the command once all are read.  list is 1
 * for "list" and 0 for the console when a->command is CMD_NONE.  Returns
 * 0, or an exit status after printing why.
 */
int	cmd_check_args(const struct cmd_args *, int list);

/* Apply --from, --to, --sendmail and --dry-run over cfg (0 or status). */
int	cmd_apply_config(const struct cmd_args *, struct config *cfg);

/*
 * Run "report" over the loaded suspects.  Returns the exit status: 0 when
 * every report went out (or there was none), CMD_EXIT_SEND_FAILED when
 * some could not be sent, 2 on an error of the state database.
 */
int	cmd_report(const struct cmd_args *, struct config *cfg,
	    struct agg *agg, struct store *store);

/* Run "export" (no logs needed).  Returns the exit status. */
int	cmd_export(const struct cmd_args *, const struct config *cfg);

/* 1 for the commands that read no logs: export and report --retry. */
int	cmd_without_logs(const struct cmd_args *);
/* Run one of those.  Returns the exit status. */
int	cmd_run_without_logs(const struct cmd_args *, struct config *cfg);

/* The usage lines of both commands, for main.c's help. */
extern const char cmd_usage_synopsis[];
extern const char cmd_usage_options[];

#endif
