# smtptriage: a plain Makefile.  "make" builds ./smtptriage; "make check"
# runs every test; "make run" opens the console on the bundled sample.

CC	?= cc
PREFIX	?= /usr/local
MANDIR	?= $(PREFIX)/share/man
CFLAGS	?= -O2 -g
PKGS	 = ncursesw libpcre2-8 libcares sqlite3 zlib libpsl

WARNINGS = -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wwrite-strings \
	   -Wundef -Wno-unused-parameter
ifeq ($(CI),true)
WARNINGS += -Werror
endif
ifeq ($(WERROR),1)
WARNINGS += -Werror
endif
ifeq ($(SANITIZE),1)
CFLAGS	+= -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS	+= -fsanitize=address,undefined
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -pthread
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)

ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARNINGS) $(PKG_CFLAGS) -Icore $(CFLAGS)

CORE_SRCS = \
	core/agg.c \
	core/config.c \
	core/dns.c \
	core/dns_batch.c \
	core/dns_json.c \
	core/dns_judge.c \
	core/dns_pool.c \
	core/dns_wire.c \
	core/dnsbl.c \
	core/dnshist.c \
	core/esc.c \
	core/exim.c \
	core/exim_host.c \
	core/exim_split.c \
	core/field.c \
	core/follow.c \
	core/logread.c \
	core/logread_back.c \
	core/logread_gz.c \
	core/logread_bg.c \
	core/logread_par.c \
	core/logread_paths.c \
	core/mail.c \
	core/opensmtpd.c \
	core/outbox_intent.c \
	core/output.c \
	core/output_par.c \
	core/parser.c \
	core/plan.c \
	core/postfix.c \
	core/postfix_fast.c \
	core/provider.c \
	core/reason.c \
	core/regexp.c \
	core/report.c \
	core/report_guard.c \
	core/rules.c \
	core/rules_literal.c \
	core/sendlock.c \
	core/sendmail.c \
	core/store.c \
	core/syslog.c \
	core/template.c \
	core/timefilter.c \
	core/tmpfile.c \
	core/ts.c \
	core/whitelist.c \
	core/xarf.c \
	core/xmalloc.c

# tui/main.c holds main(); the rest is linked into the tests as well.
TUI_SRCS = \
	tui/cmd_export.c \
	tui/cmd_report.c \
	tui/ui.c \
	tui/ui_confirm.c \
	tui/ui_dns.c \
	tui/ui_draw.c \
	tui/ui_filter.c \
	tui/ui_follow.c \
	tui/ui_follow_step.c \
	tui/ui_key.c \
	tui/ui_keymap.c \
	tui/ui_load.c \
	tui/ui_load_refresh.c \
	tui/ui_mouse.c \
	tui/ui_report.c \
	tui/ui_sort.c \
	tui/ui_status.c \
	tui/ui_tags.c \
	tui/ui_undo.c \
	tui/ui_wlpick.c \
	tui/ui_wlscreen.c

TEST_SRCS = \
	tests/check_agg.c \
	tests/check_config.c \
	tests/check_dns.c \
	tests/check_dnsbl.c \
	tests/check_dnshist.c \
	tests/check_esc.c \
	tests/check_event.c \
	tests/check_exim.c \
	tests/check_follow.c \
	tests/check_logread.c \
	tests/check_main.c \
	tests/check_opensmtpd.c \
	tests/check_outbox_intent.c \
	tests/check_output.c \
	tests/check_parser.c \
	tests/check_postfix.c \
	tests/check_provider.c \
	tests/check_regress.c \
	tests/check_report.c \
	tests/check_rules.c \
	tests/check_sendlock.c \
	tests/check_sendmail.c \
	tests/check_store.c \
	tests/check_syslog.c \
	tests/check_timefilter.c \
	tests/check_ts.c \
	tests/check_ui.c \
	tests/check_ui_console.c \
	tests/check_ui_dns.c \
	tests/check_ui_report.c \
	tests/check_ui_tags.c \
	tests/check_ui_view.c \
	tests/check_util.c \
	tests/check_whitelist.c

# libFuzzer targets, one fuzz/NAME.c each with its seeds in fuzz/corpus/NAME.
FUZZ_TARGETS = \
	config \
	dns \
	exim \
	opensmtpd \
	parser \
	postfix \
	rules \
	sendmail \
	syslog \
	ts \
	whitelist

CORE_OBJS = $(CORE_SRCS:%.c=build/%.o)
TUI_OBJS  = $(TUI_SRCS:%.c=build/%.o)
TEST_OBJS = $(TEST_SRCS:%.c=build/%.o)
DEPFILES  = $(CORE_OBJS:.o=.d) $(TUI_OBJS:.o=.d) $(TEST_OBJS:.o=.d) \
	    build/tui/main.d build/tests/corpus_check.d \
	    build/tests/crash_harness.d $(FLOOR_OBJS:.o=.d)

.PHONY: all deps run check unit corpus dns-test tui-test follow-test \
	report-test clean install uninstall \
	screenshots fuzz fuzz-build fuzz-replay fuzz-replay-build valgrind lint

all: smtptriage

build/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

build/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Itui -MMD -MP -c -o $@ $<

build/tui/%.o: tui/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itui -MMD -MP -c -o $@ $<

build/libsmtptriage.a: $(CORE_OBJS)
	rm -f $@
	ar rcs $@ $(CORE_OBJS)

smtptriage: build/tui/main.o $(TUI_OBJS) build/libsmtptriage.a
	$(CC) $(LDFLAGS) -o $@ build/tui/main.o $(TUI_OBJS) \
	    build/libsmtptriage.a $(PKG_LIBS)

build/check_smtptriage: $(TEST_OBJS) $(TUI_OBJS) build/libsmtptriage.a
	$(CC) $(LDFLAGS) -o $@ $(TEST_OBJS) $(TUI_OBJS) build/libsmtptriage.a \
	    $(CHECK_LIBS) $(PKG_LIBS)

build/corpus_check: build/tests/corpus_check.o build/libsmtptriage.a
	$(CC) $(LDFLAGS) -o $@ build/tests/corpus_check.o \
	    build/libsmtptriage.a $(PKG_LIBS)

# Writes state through core/ for tests/crash_test.sh.
build/crash_harness: build/tests/crash_harness.o build/libsmtptriage.a
	$(CC) $(LDFLAGS) -o $@ build/tests/crash_harness.o \
	    build/libsmtptriage.a $(PKG_LIBS)

# Install missing Debian packages (as root or with password-less sudo).
deps:
	@sh scripts/deps.sh

run:
	@sh scripts/deps.sh run
	@$(MAKE) --no-print-directory smtptriage
	@sh scripts/run.sh

unit: build/check_smtptriage
	./build/check_smtptriage

# Exit status 77: the corpus folder is missing, so nothing was tested.
corpus: build/corpus_check
	./build/corpus_check ../shared/corpus/real || [ $$? -eq 77 ]

dns-test: smtptriage
	sh tests/dns_test.sh

tui-test: smtptriage
	sh tests/tui_test.sh

report-test: smtptriage
	sh tests/report_test.sh

follow-test: smtptriage
	sh tests/follow_test.sh

check: deps
	@$(MAKE) --no-print-directory smtptriage build/check_smtptriage \
	    build/corpus_check fuzz-replay-build build/crash_harness \
	    build/bench_loggen build/floor/smtptriage
	SANITIZE=$(SANITIZE) sh tests/run_all.sh

screenshots: smtptriage
	sh scripts/screenshots.sh

# Memcheck over the unit tests, the fuzz corpora and a headless list; a
# leak or an invalid access fails.  Needs a build without SANITIZE.
VALGRIND = valgrind -q --error-exitcode=1 --leak-check=full \
	   --errors-for-leak-kinds=definite --num-callers=40 \
	   --child-silent-after-fork=yes --suppressions=tests/valgrind.supp
valgrind:
	@sh scripts/deps.sh valgrind
	@$(MAKE) --no-print-directory smtptriage build/check_smtptriage \
	    fuzz-replay-build
	CHECK_LIGHT=1 CK_FORK=no $(VALGRIND) ./build/check_smtptriage
	for t in $(FUZZ_TARGETS); do \
	    $(VALGRIND) build/fuzz/replay-$$t fuzz/corpus/$$t || exit 1; \
	done
	rm -rf build/valgrind && mkdir -p build/valgrind
	$(VALGRIND) ./smtptriage list --format json --config /dev/null \
	    --state build/valgrind/state.db \
	    --whitelist build/valgrind/whitelist \
	    tests/fixtures/tui-mainlog >/dev/null

# Static analysis with the check sets that docs/security.md explains.
LINT_SRCS = $(CORE_SRCS) $(TUI_SRCS) tui/main.c $(TEST_SRCS) \
	    tests/corpus_check.c tests/crash_harness.c $(wildcard fuzz/*.c)
CPPCHECK_FLAGS = --enable=warning,performance,portability --std=c11 \
	   -D_GNU_SOURCE -Icore -Itui --inline-suppr --quiet \
	   --error-exitcode=1
TIDY_CHECKS := -*,clang-analyzer-*,bugprone-*,cert-*,misc-*,performance-*
TIDY_CHECKS := $(TIDY_CHECKS),portability-*
TIDY_CHECKS := $(TIDY_CHECKS),-bugprone-easily-swappable-parameters
TIDY_CHECKS := $(TIDY_CHECKS),-bugprone-sizeof-expression
TIDY_CHECKS := $(TIDY_CHECKS),-bugprone-implicit-widening-of-multiplication-result
TIDY_CHECKS := $(TIDY_CHECKS),-bugprone-branch-clone,-cert-err33-c
TIDY_CHECKS := $(TIDY_CHECKS),-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling
TIDY_CHECKS := $(TIDY_CHECKS),-clang-analyzer-optin.performance.Padding
TIDY_CHECKS := $(TIDY_CHECKS),-misc-unused-parameters
lint:
	@sh scripts/deps.sh lint
	cppcheck $(CPPCHECK_FLAGS) $(filter-out tests/%,$(LINT_SRCS))
	@# One file per run: clang-tidy 14 carries the state of its va_list
	@# check from one file to the next and reports false errors.
	@rc=0; for f in $(LINT_SRCS); do \
	    echo "clang-tidy $$f"; \
	    clang-tidy --quiet --checks='$(TIDY_CHECKS)' \
	        --warnings-as-errors='*' $$f -- $(ALL_CFLAGS) \
	        $(CHECK_CFLAGS) -Itui 2>/dev/null || rc=1; \
	done; exit $$rc

# Benchmarks, not part of "make check"; docs/performance.md has results.
.PHONY: bench bench-dns bench-log
bench: bench-dns bench-log

bench-dns: smtptriage build/bench_dns
	sh bench/dns/run.sh

bench-log: smtptriage build/bench_loggen build/bench_linecount \
	    build/bench_latency
	sh bench/log/run.sh
	sh bench/log/console.sh

build/bench_loggen: bench/log/loggen.c
	@mkdir -p build
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ bench/log/loggen.c

build/bench_linecount: bench/log/linecount.c
	@mkdir -p build
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -pthread -o $@ bench/log/linecount.c

build/bench_latency: bench/log/latency.c
	@mkdir -p build
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -pthread -o $@ bench/log/latency.c

# The lower bounds of bench/log/floor.sh: ./smtptriage with the hooks of
# bench/log/floor.h in the counting code.  Its own copies of agg.o and
# logread.o come before the library, so the linker takes them.
FLOOR_OBJS = build/floor/agg.o build/floor/logread.o build/floor/floor.o
FLOOR_CFLAGS = -DSMTPTRIAGE_FLOOR -Ibench/log

build/floor/%.o: core/%.c
	@mkdir -p build/floor
	$(CC) $(ALL_CFLAGS) $(FLOOR_CFLAGS) -MMD -MP -c -o $@ $<

build/floor/floor.o: bench/log/floor.c
	@mkdir -p build/floor
	$(CC) $(ALL_CFLAGS) $(FLOOR_CFLAGS) -MMD -MP -c -o $@ $<

build/floor/smtptriage: build/tui/main.o $(TUI_OBJS) $(FLOOR_OBJS) \
	    build/libsmtptriage.a
	$(CC) $(LDFLAGS) -o $@ build/tui/main.o $(TUI_OBJS) $(FLOOR_OBJS) \
	    build/libsmtptriage.a $(PKG_LIBS)

build/bench_dns: bench/dns/dnsbench.c build/libsmtptriage.a
	@mkdir -p build
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ bench/dns/dnsbench.c \
	    build/libsmtptriage.a $(PKG_LIBS)

install: smtptriage
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 smtptriage $(DESTDIR)$(PREFIX)/bin/smtptriage
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 0644 docs/smtptriage.1 $(DESTDIR)$(MANDIR)/man1/smtptriage.1
	install -m 0644 docs/smtptriage.conf.5 \
	    $(DESTDIR)$(MANDIR)/man5/smtptriage.conf.5

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/smtptriage \
	    $(DESTDIR)$(MANDIR)/man1/smtptriage.1 \
	    $(DESTDIR)$(MANDIR)/man5/smtptriage.conf.5

clean:
	rm -rf build smtptriage

include fuzz/fuzz.mk

-include $(DEPFILES)
