/*
 * Runs every Check suite.  Set CK_FORK=no to run in one process under gdb
 * or valgrind, and CK_RUN_SUITE or CK_RUN_CASE to pick one suite or case.
 * A name that matches nothing runs no test, and that is a failure, so a
 * misspelt suite name cannot pass.
 */
#include <stdio.h>
#include <stdlib.h>

#include "check_suites.h"

int
main(void)
{
	/* The environment variables that select which tests Check runs. */
	static const char *const filters[] = { "CK_RUN_SUITE", "CK_RUN_CASE",
	    "CK_INCLUDE_TAGS", "CK_EXCLUDE_TAGS" };
	SRunner		*sr;
	const char	*value;
	size_t		 i;
	int		 failed, nrun;

	sr = srunner_create(make_agg_suite());
	srunner_add_suite(sr, make_config_suite());
	srunner_add_suite(sr, make_dns_suite());
	srunner_add_suite(sr, make_dnsbl_suite());
	srunner_add_suite(sr, make_dnshist_suite());
	srunner_add_suite(sr, make_esc_suite());
	srunner_add_suite(sr, make_exim_suite());
	srunner_add_suite(sr, make_follow_suite());
	srunner_add_suite(sr, make_logread_suite());
	srunner_add_suite(sr, make_opensmtpd_suite());
	srunner_add_suite(sr, make_outbox_intent_suite());
	srunner_add_suite(sr, make_output_suite());
	srunner_add_suite(sr, make_parser_suite());
	srunner_add_suite(sr, make_postfix_suite());
	srunner_add_suite(sr, make_provider_suite());
	srunner_add_suite(sr, make_regress_suite());
	srunner_add_suite(sr, make_report_suite());
	srunner_add_suite(sr, make_rules_suite());
	srunner_add_suite(sr, make_sendlock_suite());
	srunner_add_suite(sr, make_sendmail_suite());
	srunner_add_suite(sr, make_store_suite());
	srunner_add_suite(sr, make_syslog_suite());
	srunner_add_suite(sr, make_timefilter_suite());
	srunner_add_suite(sr, make_ts_suite());
	srunner_add_suite(sr, make_ui_suite());
	srunner_add_suite(sr, make_ui_console_suite());
	srunner_add_suite(sr, make_ui_dns_suite());
	srunner_add_suite(sr, make_ui_report_suite());
	srunner_add_suite(sr, make_ui_tags_suite());
	srunner_add_suite(sr, make_ui_view_suite());
	srunner_add_suite(sr, make_whitelist_suite());

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	nrun = srunner_ntests_run(sr);
	srunner_free(sr);
	if (nrun == 0) {
		fprintf(stderr, "check_smtptriage: no test ran");
		for (i = 0; i < sizeof filters / sizeof filters[0]; i++) {
			if ((value = getenv(filters[i])) != NULL)
				fprintf(stderr, "; %s=%s", filters[i], value);
		}
		fprintf(stderr, " matches no test\n");
		return EXIT_FAILURE;
	}
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
