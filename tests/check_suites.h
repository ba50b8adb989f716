/* Suite constructors, one per tests/check_<module>.c. */
#ifndef SMTPTRIAGE_CHECK_SUITES_H
#define SMTPTRIAGE_CHECK_SUITES_H

#include <check.h>

Suite	*make_agg_suite(void);
Suite	*make_config_suite(void);
Suite	*make_dns_suite(void);
Suite	*make_dnsbl_suite(void);
Suite	*make_dnshist_suite(void);
Suite	*make_esc_suite(void);
Suite	*make_exim_suite(void);
Suite	*make_follow_suite(void);
Suite	*make_logread_suite(void);
Suite	*make_opensmtpd_suite(void);
Suite	*make_outbox_intent_suite(void);
Suite	*make_output_suite(void);
Suite	*make_parser_suite(void);
Suite	*make_postfix_suite(void);
Suite	*make_provider_suite(void);
Suite	*make_regress_suite(void);
Suite	*make_report_suite(void);
Suite	*make_rules_suite(void);
Suite	*make_sendlock_suite(void);
Suite	*make_sendmail_suite(void);
Suite	*make_store_suite(void);
Suite	*make_syslog_suite(void);
Suite	*make_timefilter_suite(void);
Suite	*make_ts_suite(void);
Suite	*make_ui_suite(void);
Suite	*make_ui_console_suite(void);
Suite	*make_ui_dns_suite(void);
Suite	*make_ui_report_suite(void);
Suite	*make_ui_tags_suite(void);
Suite	*make_ui_view_suite(void);
Suite	*make_whitelist_suite(void);

#endif
