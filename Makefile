# Makefile for the UDP chat and time service suite.
#
#   make            build every program into build/bin/
#   make progs      the programs alone, without tests and benchmarks
#   make run        start the services in the foreground on embedded defaults
#   make cluster-run  a local cluster in the foreground (docs/CLUSTER.md)
#   make check      unit, system and fuzz tests, plain and under ASan/UBSan
#   make fuzz       run every fuzz target for FUZZ_TIME seconds
#   make install    PREFIX=/usr/local DESTDIR= (programs, configs, units)
#   make SANITIZE=1 build with AddressSanitizer and UBSan into build/san/
#
# Layout: lib/<layer>/*.c is the shared library, one archive per layer
# (base, time, sess, chat); tests/support/*.c is code only tests and
# benchmarks link; every folder with a main.c is a program whose other .c
# files are only its own; tests/unit/*.c are cmocka tests,
# tests/system/*.sh whole-program tests, tests/fuzz/*.c libFuzzer targets,
# bench/*.c benchmark programs.  Each links what its uses_ line below
# names; tests/check-layers.sh keeps the includes to the layers.

PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin
SBINDIR		?= $(PREFIX)/sbin
SYSCONFDIR	?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
MANDIR		?= $(PREFIX)/share/man
UNITDIR		?= $(PREFIX)/lib/systemd/system
DESTDIR		?=
SANITIZE	?= 0
WERROR		?= 1
FUZZ_TIME	?= 60

CC		?= cc
ifeq ($(SANITIZE),1)
B		?= build/san
SANFLAGS	?= -fsanitize=address,undefined -fno-sanitize-recover=all \
		   -fno-omit-frame-pointer
OPT		?= -O1 -g
else
B		?= build
SANFLAGS	?=
OPT		?= -O2 -g
endif

WARN		 = -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes \
		   -Wmissing-prototypes -Wformat=2 -Wpointer-arith \
		   -Wno-unused-parameter
ifeq ($(WERROR),1)
WARN		+= -Werror
endif

PKGS		 = libsodium libutf8proc sqlite3 ncursesw icu-uc icu-i18n \
		   libmicrohttpd
PKG_CFLAGS	 = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	 = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CPPFLAGS	+= -D_GNU_SOURCE -I. -Ilib -I$(B)/gen $(PKG_CFLAGS)
CFLAGS		+= $(OPT) $(WARN) $(SANFLAGS) -MMD -MP
LDFLAGS		+= $(SANFLAGS) -Wl,--as-needed
LDLIBS		+= -lev -liniparser $(PKG_LIBS) -lpthread -lm

# Debian packages the tree needs to build and to test.
DEPS_PKGS	 = build-essential pkg-config libev-dev libiniparser-dev \
		   libncurses-dev libsodium-dev libsqlite3-dev libutf8proc-dev \
		   libcmocka-dev libicu-dev tmux clang libclang-rt-14-dev python3 \
		   chrony rdate ntpsec-ntpdig iproute2 util-linux procps \
		   scdoc man-db libmicrohttpd-dev prometheus curl systemd strace \
		   dpkg-dev debhelper lintian fakeroot
# What `make bench` compares with besides (bench/chat-bench.sh: the IRC
# servers); not needed to build or test, so `make bench-deps` installs
# them, not `make deps`.
BENCH_PKGS	 = ngircd inspircd
# chatd's control socket and chatctl speak JSON (jansson).
PKGS		+= jansson
DEPS_PKGS	+= libjansson-dev
# The cluster's store (docs/CLUSTER.md): libpq, and PostgreSQL for its
# tests, which run their own servers on loopback.
PKGS		+= libpq
DEPS_PKGS	+= libpq-dev postgresql
# chatd's bus between cluster nodes (chatd/bus.c): nats.c, and the NATS
# server its tests start.  A single node needs neither at run time.
PKGS		+= libnats
DEPS_PKGS	+= libnats-dev nats-server

# Installation paths compiled in (lib/base/conf.c): rewritten only when they
# change, so `make install PREFIX=/usr` rebuilds what depends on them.
PATHS_H		:= $(B)/gen/paths.h
$(shell mkdir -p $(B)/gen && \
  printf '#define SYSCONFDIR "%s"\n' '$(SYSCONFDIR)' >$(PATHS_H).new && \
  { cmp -s $(PATHS_H).new $(PATHS_H) && rm -f $(PATHS_H).new || \
    mv $(PATHS_H).new $(PATHS_H); })

# The library, one archive per layer (lib/<layer>/*.c), and the code only
# tests and benchmarks link (tests/support/*.c).  LAYER_USES is each
# layer's closure: what an archive of that layer needs after it on the
# link line.  tests/check-layers.sh checks the includes keep to it.
LAYERS		:= base time sess chat
LAYER_USES_base	 = base
LAYER_USES_time	 = time base
LAYER_USES_sess	 = sess base
LAYER_USES_chat	 = chat sess base
LAYER_USES_support = support sess base
LAYER_AR	 = $(if $(filter support,$(1)),$(B)/obj/tests/support/libsupport.a,$(B)/obj/lib/lib$(1).a)

PROGS		:= $(patsubst %/main.c,%,$(wildcard */main.c))
PROG_BINS	:= $(PROGS:%=$(B)/bin/%)
PROG_ARS	:= $(foreach p,$(PROGS),$(B)/obj/$(p)/lib$(p).a)

# What each program, test, benchmark and fuzz target uses: program folders
# (their archive, all but main.c) and layers.  A program's own folder is
# implied.  The link line is the closure, in the order of LINK_ORDER.
uses_timed		 = time
uses_timec		 = time
uses_chatd		 = chat sess
uses_chatc		 = chat
uses_chat-tui		 = chat
uses_chatctl		 = chat
uses_unit/addr		 = base
uses_unit/bus		 = chatd chat
uses_unit/busmsg	 = chatd chat
uses_unit/chatproto	 = chat
uses_unit/chatstore	 = chatd chat
uses_unit/conf		 = base
uses_unit/cursor	 = chatd chat
uses_unit/impair	 = support
uses_unit/metrics	 = base
uses_unit/nick		 = chat
uses_unit/ntpproto	 = time
uses_unit/ports		 = timed time
uses_unit/ratelimit	 = base
uses_unit/session	 = sess
uses_unit/session_attack = support sess
uses_unit/session_handshake = support sess
uses_unit/session_memory = support sess
uses_unit/session_pmtu	 = support sess
uses_unit/session_reliable = support sess
uses_unit/session_shared = support sess
uses_unit/session_roam	 = support sess
uses_unit/session_slow_app = sess
uses_unit/sessproto	 = sess
uses_unit/sessreplay	 = sess
uses_unit/tfmt		 = timed time
uses_unit/timeproto	 = time
uses_unit/tui_app	 = chat-tui chat
uses_unit/tui_edit	 = chat-tui chat
uses_unit/tui_keys	 = chat-tui chat
uses_unit/tui_model	 = chat-tui chat
uses_unit/tui_scroll	 = chat-tui chat
uses_unit/tui_width	 = chat-tui chat
uses_unit/udp		 = base
uses_bench/chat-bench	 = chat sess
uses_bench/chat-flood	 = sess
uses_bench/chat-hostile = chat sess
uses_bench/echo		 = base
uses_bench/history-bench = chat sess
uses_bench/irc-bench	 = base
uses_bench/loadgen	 = time
uses_bench/pg-commit	 = chatd
uses_bench/session-bench = support sess
uses_bench/udp-proxy	 = support
uses_fuzz/busmsg	 = chatd chat
uses_fuzz/chatproto	 = chat
uses_fuzz/ntpproto	 = time
uses_fuzz/session_accept = sess
uses_fuzz/session_cookie = sess
uses_fuzz/session_frames = sess
uses_fuzz/session_hdr	 = sess
uses_fuzz/session_hello	 = sess
uses_fuzz/session_input	 = support sess
uses_fuzz/tfmt		 = timed time
uses_fuzz/timeproto	 = time
uses_fuzz/tui_input	 = chat-tui chat

LINK_ORDER	:= $(PROGS) support chat sess time base
# closure NAMES: the names plus every layer they use.
closure		 = $(sort $(foreach u,$(1),$(u) $(if $(filter $(LAYERS) support,$(u)),$(LAYER_USES_$(u)),)))
# link_ars TARGET: the archives TARGET links, users before what they use.
link_ars	 = $(if $(filter undefined,$(origin uses_$(1))),$(error $(1): no uses_$(1) line in the Makefile),$(foreach u,$(filter $(call closure,$(foreach x,$(uses_$(1)),$(x) $(if $(filter $(PROGS),$(x)),$(uses_$(x)),))),$(LINK_ORDER)),$(if $(filter $(PROGS),$(u)),$(B)/obj/$(u)/lib$(u).a,$(call LAYER_AR,$(u)))))

UNIT_SRCS	:= $(wildcard tests/unit/*.c)
UNIT_BINS	:= $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/unit/%)
BENCH_SRCS	:= $(wildcard bench/*.c)
BENCH_BINS	:= $(BENCH_SRCS:bench/%.c=$(B)/bench/%)
FUZZ_SRCS	:= $(wildcard tests/fuzz/*.c)

.PHONY: all progs deps bench-deps deps-if-missing run cluster-run check unit fuzz fuzz-build \
	install uninstall clean bench fuzz-link install-man uninstall-man

all: $(PROG_BINS) $(UNIT_BINS) $(BENCH_BINS)

# The programs alone, without tests and benchmarks (what install needs).
progs: $(PROG_BINS)

# Keep test and bench objects: they are intermediate files to make.
.SECONDARY:

$(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# One archive per layer, and one for the test support code.
define LAYER_RULES
$(B)/obj/lib/lib$(1).a: $$(patsubst %.c,$(B)/obj/%.o,$$(wildcard lib/$(1)/*.c))
	@mkdir -p $$(@D)
	rm -f $$@ && $$(AR) rcs $$@ $$^
endef
$(foreach l,$(LAYERS),$(eval $(call LAYER_RULES,$(l))))
$(B)/obj/tests/support/libsupport.a: $(patsubst %.c,$(B)/obj/%.o,$(wildcard tests/support/*.c))
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

# One archive per program (all but main.c), so unit tests can link modules.
define PROG_RULES
$(B)/obj/$(1)/lib$(1).a: $$(patsubst %.c,$(B)/obj/%.o,$$(filter-out $(1)/main.c,$$(wildcard $(1)/*.c))) $(B)/obj/lib/empty.o
	@mkdir -p $$(@D)
	rm -f $$@ && $$(AR) rcs $$@ $$^
$(B)/bin/$(1): $(B)/obj/$(1)/main.o $(B)/obj/$(1)/lib$(1).a $$(call link_ars,$(1))
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach p,$(PROGS),$(eval $(call PROG_RULES,$(p))))

# An empty object keeps ar happy for programs that are a lone main.c.
$(B)/obj/lib/empty.o:
	@mkdir -p $(@D)
	echo 'typedef int empty_unit;' | $(CC) -x c -c -o $@ -

# Tests and benchmarks: one rule each, linking what their uses_ line names.
define TEST_RULES
$(B)/$(1)/$(2): $(B)/obj/$(1)/$(2).o $$(call link_ars,$(3)/$(2))
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS) $(4)
endef
$(foreach s,$(UNIT_SRCS),$(eval $(call TEST_RULES,tests/unit,$(basename $(notdir $(s))),unit,-lcmocka)))
$(foreach s,$(BENCH_SRCS),$(eval $(call TEST_RULES,bench,$(basename $(notdir $(s))),bench,)))

# Install the Debian packages that are missing (through sudo unless root).
deps bench-deps:
	@missing=""; for p in $(if $(filter bench-deps,$@),$(BENCH_PKGS),$(DEPS_PKGS)); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | \
	    grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq \
	    --no-install-recommends $$missing; \
	fi
deps-if-missing: deps

# Services in the foreground on embedded defaults; Ctrl-C stops them all.
# chatd keeps its state (keys, the message store) under build/state.
SERVICES	:= $(filter %d,$(PROGS))
RUN_ARGS_chatd	 = -D $(B)/state/chatd
run: deps-if-missing
	@$(MAKE) --no-print-directory all
	@mkdir -p $(B)/state/chatd
	@echo "starting $(SERVICES); Ctrl-C stops them"
	@pids=""; trap 'kill -TERM $$pids 2>/dev/null; wait' INT TERM; \
	$(foreach s,$(SERVICES),$(B)/bin/$(s) $(RUN_ARGS_$(s)) & pids="$$pids $$!";) \
	wait

# A local cluster in the foreground (tests/cluster-run.sh; docs/CLUSTER.md):
# PostgreSQL with a synchronous standby, three NATS, three chatd machines.
cluster-run: deps-if-missing
	@$(MAKE) --no-print-directory all
	@tests/cluster-run.sh $(B)

unit: $(UNIT_BINS)

# Builds use every CPU (JOBS); tests/run.sh runs TEST_JOBS tests at once
# (default: one per CPU and one more), longest first.
JOBS		?= $(shell nproc 2>/dev/null || echo 2)
check: deps-if-missing
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@$(MAKE) --no-print-directory -j$(JOBS) SANITIZE=1 all
	@if command -v clang >/dev/null; then \
	  $(MAKE) --no-print-directory -j$(JOBS) fuzz-build; fi
	@tests/run.sh build build/san

# libFuzzer targets, built with clang against clang-built objects.
FUZZ_B		 = build/fuzz
FUZZ_FLAGS	 = -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
fuzz-build:
	@$(MAKE) --no-print-directory B=$(FUZZ_B) CC=clang OPT="-O1 -g" \
	  SANFLAGS="$(FUZZ_FLAGS)" fuzz-link
FUZZ_BINS	:= $(FUZZ_SRCS:tests/fuzz/%.c=$(B)/bin/%)
fuzz-link: $(FUZZ_BINS)
define FUZZ_RULES
$(B)/bin/$(1): $(B)/obj/tests/fuzz/$(1).o $$(call link_ars,fuzz/$(1))
	@mkdir -p $$(@D)
	clang -fsanitize=fuzzer,address,undefined -o $$@ $$^ $$(LDLIBS)
endef
$(foreach s,$(FUZZ_SRCS),$(eval $(call FUZZ_RULES,$(basename $(notdir $(s))))))

fuzz: fuzz-build
	@for s in $(FUZZ_SRCS); do n=$$(basename $$s .c); \
	  mkdir -p build/fuzz/corpus/$$n; \
	  echo "fuzzing $$n for $(FUZZ_TIME)s"; \
	  $(FUZZ_B)/bin/$$n -max_total_time=$(FUZZ_TIME) \
	    build/fuzz/corpus/$$n tests/fuzz/seeds/$$n || exit 1; done

bench: all bench-deps
	@bench/run.sh

# Manual pages: docs/man/NAME.SECTION.scd in scdoc, built into $(B)/man/
# as roff when scdoc is there (make deps installs it), with @SYSCONFDIR@
# replaced by the real path.  Bash completion: etc/completion/PROGRAM.
SCDOC		:= $(shell command -v scdoc 2>/dev/null)
MAN_PAGES	:= $(if $(SCDOC),$(patsubst docs/man/%.scd,$(B)/man/%,$(wildcard docs/man/*.scd)))
COMPLETIONS	:= $(wildcard etc/completion/*)
BASHCOMPDIR	?= $(PREFIX)/share/bash-completion/completions
all: $(MAN_PAGES)
$(B)/man/%: docs/man/%.scd $(PATHS_H)
	@mkdir -p $(@D)
	sed 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' $< | $(SCDOC) >$@.new && mv $@.new $@
install: install-man
install-man: $(MAN_PAGES)
	for f in $(MAN_PAGES); do d=$(DESTDIR)$(MANDIR)/man$${f##*.}; \
	  install -d $$d && install -m 644 $$f $$d/ || exit 1; done
	install -d $(DESTDIR)$(BASHCOMPDIR)
	install -m 644 $(COMPLETIONS) $(DESTDIR)$(BASHCOMPDIR)/
uninstall: uninstall-man
uninstall-man:
	for f in $(notdir $(MAN_PAGES)); do \
	  rm -f $(DESTDIR)$(MANDIR)/man$${f##*.}/$$f; done
	rm -f $(addprefix $(DESTDIR)$(BASHCOMPDIR)/,$(notdir $(COMPLETIONS)))

# systemd units: etc/NAME.service.in with the installed paths filled in.
UNITS		:= $(patsubst etc/%.in,%,$(wildcard etc/*.service.in))
install: progs
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
	  $(DESTDIR)$(SYSCONFDIR)/udp-suite $(DESTDIR)$(UNITDIR)
	for p in $(PROGS); do case $$p in \
	  *d|chatctl) install -m 755 $(B)/bin/$$p $(DESTDIR)$(SBINDIR)/$$p ;; \
	  *)  install -m 755 $(B)/bin/$$p $(DESTDIR)$(BINDIR)/$$p ;; esac; done
	for f in etc/*.ini; do \
	  install -m 644 $$f $(DESTDIR)$(SYSCONFDIR)/udp-suite/; done
	for u in $(UNITS); do \
	  sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	    etc/$$u.in >$(DESTDIR)$(UNITDIR)/$$u && \
	  chmod 644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; done

uninstall:
	for p in $(PROGS); do rm -f $(DESTDIR)$(SBINDIR)/$$p \
	  $(DESTDIR)$(BINDIR)/$$p; done
	rm -rf $(DESTDIR)$(SYSCONFDIR)/udp-suite
	for u in $(UNITS); do rm -f $(DESTDIR)$(UNITDIR)/$$u; done

clean:
	rm -rf build

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
