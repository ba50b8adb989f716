# smtptriage: a plain Makefile.  "make" builds ./smtptriage; "make check"
# runs every test; "make run" opens the console on the bundled sample.

CC	?= cc
PREFIX	?= /usr/local
CFLAGS	?= -O2 -g
PKGS	 = ncursesw libpcre2-8 libcares sqlite3 zlib

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
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)

ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARNINGS) $(PKG_CFLAGS) -Icore $(CFLAGS)

CORE_SRCS = \
	core/agg.c \
	core/config.c \
	core/dns.c \
	core/dns_judge.c \
	core/dns_wire.c \
	core/esc.c \
	core/exim.c \
	core/logread.c \
	core/output.c \
	core/reason.c \
	core/report.c \
	core/store.c \
	core/ts.c \
	core/whitelist.c \
	core/xmalloc.c

# tui/main.c holds main(); the rest is linked into the tests as well.
TUI_SRCS = \
	tui/ui.c \
	tui/ui_draw.c \
	tui/ui_key.c

TEST_SRCS = \
	tests/check_agg.c \
	tests/check_config.c \
	tests/check_dns.c \
	tests/check_esc.c \
	tests/check_exim.c \
	tests/check_main.c \
	tests/check_output.c \
	tests/check_report.c \
	tests/check_store.c \
	tests/check_ts.c \
	tests/check_ui.c \
	tests/check_whitelist.c

CORE_OBJS = $(CORE_SRCS:%.c=build/%.o)
TUI_OBJS  = $(TUI_SRCS:%.c=build/%.o)
TEST_OBJS = $(TEST_SRCS:%.c=build/%.o)
DEPFILES  = $(CORE_OBJS:.o=.d) $(TUI_OBJS:.o=.d) $(TEST_OBJS:.o=.d) \
	    build/tui/main.d build/tests/corpus_check.d

.PHONY: all deps run check unit corpus dns-test tui-test clean install \
	screenshots

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

# Install missing Debian packages (as root or with password-less sudo).
deps:
	@sh scripts/deps.sh

run: deps
	@$(MAKE) --no-print-directory smtptriage
	@sh scripts/run.sh

unit: build/check_smtptriage
	./build/check_smtptriage

corpus: build/corpus_check
	./build/corpus_check ../shared/corpus/real

dns-test: smtptriage
	sh tests/dns_test.sh

tui-test: smtptriage
	sh tests/tui_test.sh

check: deps
	@$(MAKE) --no-print-directory smtptriage build/check_smtptriage \
	    build/corpus_check
	sh tests/run_all.sh

screenshots: smtptriage
	sh scripts/screenshots.sh

install: smtptriage
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 smtptriage $(DESTDIR)$(PREFIX)/bin/smtptriage

clean:
	rm -rf build smtptriage

-include $(DEPFILES)
