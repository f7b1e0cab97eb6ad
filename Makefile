# SPDX-License-Identifier: MIT
# xdpwall: make builds build/xdpwall.bpf.o, build/fwctl and build/xdpwalld.
#   make test        install what is missing, build, run every test
#   make bench       the benchmark (CLASSBENCH=DIR adds the ClassBench sets)
#   make demo        the firewall on two namespaces with live traffic
#   make install     PREFIX=/usr/local DESTDIR=
# V=1 shows the commands.
include config.mk

.DELETE_ON_ERROR:
.SUFFIXES:

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

B := build
WARN := -Wall -Wextra -Werror
CFLAGS ?= -O2 -g
XW_CFLAGS := $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude -Ilib -I$(B) $(LIB_CFLAGS)

BPF_SRC   := bpf/xdpwall.bpf.c
BPF_HDRS  := $(wildcard bpf/*.h) $(wildcard include/xdpwall/*.h)
BPF_OBJ   := $(B)/xdpwall.bpf.o
SKEL      := $(B)/xdpwall.skel.h
EXTRA_BPF_SRC := $(filter-out $(BPF_SRC),$(wildcard bpf/*.bpf.c tests/bench/*.bpf.c tests/bpf/*.bpf.c))
EXTRA_BPF_OBJ := $(patsubst %.bpf.c,$(B)/%.bpf.o,$(EXTRA_BPF_SRC))

LIB_SRC := $(wildcard lib/*.c)
LIB_OBJ := $(patsubst %.c,$(B)/%.o,$(LIB_SRC))
LIB_A   := $(B)/libxdpwall.a
CLI_SRC := $(wildcard cli/*.c)
CLI_OBJ := $(patsubst %.c,$(B)/%.o,$(CLI_SRC))
AGENT_SRC := $(wildcard agent/*.c)
AGENT_OBJ := $(patsubst %.c,$(B)/%.o,$(AGENT_SRC))

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst %.c,$(B)/%,$(UNIT_SRC))
BPFT_SRC := $(wildcard tests/bpf/test_*.c)
BPFT_BIN := $(patsubst %.c,$(B)/%,$(BPFT_SRC))
TESTLIB_SRC := $(filter-out $(UNIT_SRC) $(BPFT_SRC),$(wildcard tests/unit/*.c tests/bpf/*.c))
TESTLIB_OBJ := $(patsubst %.c,$(B)/%.o,$(TESTLIB_SRC))
BENCH_SRC := $(wildcard tests/bench/*.c)
BENCH_BIN := $(B)/xw-bench

BINS := $(BPF_OBJ) $(B)/fwctl $(if $(AGENT_SRC),$(B)/xdpwalld)

all: $(BINS) $(EXTRA_BPF_OBJ)

$(BPF_OBJ): $(BPF_SRC) $(BPF_HDRS) | $(B)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -O2 -g -target bpf -Wall -Werror -Iinclude -I$(BPF_ARCH_INC) -c $< -o $@

$(B)/%.bpf.o: %.bpf.c $(BPF_HDRS)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) -O2 -g -target bpf -Wall -Werror -Iinclude -Ibpf -I$(BPF_ARCH_INC) -c $< -o $@

$(SKEL): $(BPF_OBJ)
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name xdpwall_bpf > $@

$(B)/lib/%.o: lib/%.c $(wildcard lib/*.h) $(wildcard include/xdpwall/*.h) $(SKEL)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(XW_CFLAGS) -c $< -o $@

$(LIB_A): $(LIB_OBJ)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(B)/cli/%.o: cli/%.c $(wildcard cli/*.h lib/*.h include/xdpwall/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(XW_CFLAGS) -c $< -o $@

$(B)/fwctl: $(CLI_OBJ) $(LIB_A)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIB_LIBS)

$(B)/agent/%.o: agent/%.c $(wildcard agent/*.h lib/*.h include/xdpwall/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(XW_CFLAGS) $(AGENT_CFLAGS) -c $< -o $@

$(B)/xdpwalld: $(AGENT_OBJ) $(LIB_A)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIB_LIBS) $(AGENT_LIBS)

# Tests: every tests/{unit,bpf}/test_*.c is one program; other .c files there
# are helpers linked into each. -Werror=unused-function catches a test that
# was written but never registered.
$(B)/tests/%.o: tests/%.c $(wildcard tests/*/*.h lib/*.h include/xdpwall/*.h) $(SKEL)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(XW_CFLAGS) $(AGENT_CFLAGS) $(TEST_CFLAGS) -Werror=unused-function -Itests -c $< -o $@

$(B)/tests/unit/test_%: $(B)/tests/unit/test_%.o $(filter $(B)/tests/unit/%,$(TESTLIB_OBJ)) $(filter-out $(B)/agent/main.o,$(AGENT_OBJ)) $(LIB_A)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIB_LIBS) $(AGENT_LIBS) $(TEST_LIBS)

$(B)/tests/bpf/test_%: $(B)/tests/bpf/test_%.o $(filter $(B)/tests/bpf/%,$(TESTLIB_OBJ)) $(LIB_A)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIB_LIBS) $(TEST_LIBS)

$(BENCH_BIN): $(patsubst %.c,$(B)/%.o,$(BENCH_SRC)) $(LIB_A)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIB_LIBS)

$(B):
	$(Q)mkdir -p $@

deps:
	$(Q)scripts/install-deps.sh

# Unit tests need no root; BPF and end-to-end tests do (tests/run.sh says why it skips).
test: deps
	$(Q)$(MAKE) --no-print-directory all $(UNIT_BIN) $(BPFT_BIN)
	$(Q)tests/run.sh $(UNIT_BIN) -- $(BPFT_BIN) -- $(sort $(wildcard tests/e2e/test_*.sh))

unit: all $(UNIT_BIN)
	$(Q)tests/run.sh $(UNIT_BIN) -- --

bench: deps
	$(Q)$(MAKE) --no-print-directory all $(BENCH_BIN)
	$(Q)scripts/bench.sh $(if $(CLASSBENCH),--classbench $(CLASSBENCH))

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/lib/xdpwall
	install -m 0755 $(B)/fwctl $(DESTDIR)$(PREFIX)/sbin/fwctl
	$(if $(AGENT_SRC),install -m 0755 $(B)/xdpwalld $(DESTDIR)$(PREFIX)/sbin/xdpwalld)
	install -m 0644 $(BPF_OBJ) $(DESTDIR)$(PREFIX)/lib/xdpwall/xdpwall.bpf.o
	$(if $(wildcard scripts/xdpwalld.service),install -d $(DESTDIR)$(PREFIX)/lib/systemd/system && \
	  sed 's|@PREFIX@|$(PREFIX)|g' scripts/xdpwalld.service > $(DESTDIR)$(PREFIX)/lib/systemd/system/xdpwalld.service)
	$(if $(wildcard scripts/xdpwall.conf),install -d $(DESTDIR)/etc/xdpwall && \
	  { [ -e $(DESTDIR)/etc/xdpwall/xdpwall.conf ] || install -m 0644 scripts/xdpwall.conf $(DESTDIR)/etc/xdpwall/xdpwall.conf; })

clean:
	rm -rf $(B)

.PHONY: all deps test unit bench demo install clean
