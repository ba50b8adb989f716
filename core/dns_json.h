/*
 * The JSON of "smtptriage list" for the DNS lists and the DNS history:
 *	"dnsbl": [{"zone": ..., "listed": true|false|null,
 *	    "codes": ["127.0.0.2", ...], "rcode": ...}, ...]
 *	"abuse_contact": {"rcode": ..., "addresses": [...]} or null
 *	"dns_history": [{"time": ..., "ptr": ..., "fcrdns": ..., "helo": ...,
 *	    "listed": [...], "problem": ...}, ...]
 */
#ifndef SMTPTRIAGE_DNS_JSON_H
#define SMTPTRIAGE_DNS_JSON_H

#include "dns.h"
#include "dnshist.h"
#include "esc.h"

/* Append ,"dnsbl":[...],"abuse_contact":... for the result r. */
void	dns_json_lists(struct esc_buf *b, const struct dns_result *r);

/* Append ,"dns_history":[...], oldest check first. */
void	dns_json_history(struct esc_buf *b, const struct dnshist_list *h);

#endif
