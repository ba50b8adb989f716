/*
 * Runs every Check suite.  Set CK_FORK=no to run in one process under gdb
 * or valgrind, and CK_RUN_SUITE or CK_RUN_CASE to pick one suite or case.
 */
#include <stdlib.h>

#include "check_suites.h"

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(make_agg_suite());
	srunner_add_suite(sr, make_config_suite());
	srunner_add_suite(sr, make_dns_suite());
	srunner_add_suite(sr, make_esc_suite());
	srunner_add_suite(sr, make_exim_suite());
	srunner_add_suite(sr, make_output_suite());
	srunner_add_suite(sr, make_report_suite());
	srunner_add_suite(sr, make_store_suite());
	srunner_add_suite(sr, make_ts_suite());
	srunner_add_suite(sr, make_ui_suite());
	srunner_add_suite(sr, make_whitelist_suite());

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
