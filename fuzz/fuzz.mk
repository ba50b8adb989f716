# Fuzzing, included by the Makefile.
#
# make fuzz		build the libFuzzer targets with clang, ASan and UBSan,
#			then run each for FUZZ_SECONDS (default 60); new
#			inputs go to build/fuzz-corpus/NAME, crashes to
#			build/fuzz-crashes/NAME
# make fuzz FUZZ_TARGETS=exim	only the named targets
# make fuzz-replay	build the corpus replay programs with $(CC) and run
#			them over fuzz/corpus/ (fuzz/replay.sh), as the
#			fuzz-replay stage of "make check" does
# make fuzz-replay-build	only build the replay programs

FUZZ_SECONDS	?= 60
FUZZ_CC		?= clang
FUZZ_SANITIZE	 = -fsanitize=address,undefined \
		   -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS	 = -std=c11 -D_GNU_SOURCE $(WARNINGS) $(PKG_CFLAGS) -Icore \
		   -g -O1 $(FUZZ_SANITIZE)

FUZZ_CORE_OBJS	 = $(CORE_SRCS:%.c=build/libfuzzer/%.o)
FUZZ_BINS	 = $(FUZZ_TARGETS:%=build/libfuzzer/fuzz-%)
REPLAY_BINS	 = $(FUZZ_TARGETS:%=build/fuzz/replay-%)
DEPFILES	+= $(FUZZ_CORE_OBJS:.o=.d) \
		   $(FUZZ_TARGETS:%=build/libfuzzer/fuzz/%.d) \
		   $(FUZZ_TARGETS:%=build/fuzz/%.d) \
		   build/libfuzzer/fuzz/common.d build/fuzz/common.d \
		   build/fuzz/replay.d

# The core compiled for libFuzzer: coverage hooks, no main.
build/libfuzzer/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP \
	    -c -o $@ $<

build/libfuzzer/libcore.a: $(FUZZ_CORE_OBJS)
	rm -f $@
	ar rcs $@ $(FUZZ_CORE_OBJS)

build/libfuzzer/fuzz-%: build/libfuzzer/fuzz/%.o \
    build/libfuzzer/fuzz/common.o build/libfuzzer/libcore.a
	$(FUZZ_CC) $(FUZZ_SANITIZE) -fsanitize=fuzzer -o $@ $< \
	    build/libfuzzer/fuzz/common.o build/libfuzzer/libcore.a \
	    $(PKG_LIBS)

build/fuzz/replay-%: build/fuzz/%.o build/fuzz/replay.o build/fuzz/common.o \
    build/libsmtptriage.a
	$(CC) $(LDFLAGS) -o $@ $< build/fuzz/replay.o build/fuzz/common.o \
	    build/libsmtptriage.a $(PKG_LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz-replay-build: $(REPLAY_BINS)

fuzz-replay: fuzz-replay-build
	sh fuzz/replay.sh

fuzz:
	@sh scripts/deps.sh fuzz
	@$(MAKE) --no-print-directory fuzz-build \
	    FUZZ_TARGETS="$(FUZZ_TARGETS)"
	sh fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# Keep the objects that only pattern rules name, so nothing is rebuilt.
.SECONDARY: $(FUZZ_TARGETS:%=build/libfuzzer/fuzz/%.o) \
	build/libfuzzer/fuzz/common.o $(FUZZ_TARGETS:%=build/fuzz/%.o) \
	build/fuzz/common.o build/fuzz/replay.o
