/* Suite constructors, one per tests/check_<module>.c. */
#ifndef SMTPTRIAGE_CHECK_SUITES_H
#define SMTPTRIAGE_CHECK_SUITES_H

#include <check.h>

Suite	*make_agg_suite(void);
Suite	*make_config_suite(void);
Suite	*make_dns_suite(void);
Suite	*make_esc_suite(void);
Suite	*make_exim_suite(void);
Suite	*make_output_suite(void);
Suite	*make_report_suite(void);
Suite	*make_store_suite(void);
Suite	*make_ts_suite(void);
Suite	*make_ui_suite(void);
Suite	*make_whitelist_suite(void);

#endif
