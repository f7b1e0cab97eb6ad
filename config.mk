# SPDX-License-Identifier: MIT
# Build configuration, probed with pkg-config. Override any of these on the
# make command line (make CC=clang, make PREFIX=/opt/xdpwall ...).
PREFIX   ?= /usr/local
DESTDIR  ?=
CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
PKG_CONFIG ?= pkg-config

PKGS_LIB   := libbpf libxdp json-c
PKGS_AGENT := libnl-3.0 libnl-route-3.0 inih
PKGS_TEST  := cmocka

pc_cflags = $(shell $(PKG_CONFIG) --cflags $(1) 2>/dev/null)
pc_libs   = $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null)

LIB_CFLAGS   := $(call pc_cflags,$(PKGS_LIB))
LIB_LIBS     := $(call pc_libs,$(PKGS_LIB)) -lelf -lz
AGENT_CFLAGS := $(call pc_cflags,$(PKGS_AGENT))
AGENT_LIBS   := $(call pc_libs,$(PKGS_AGENT))
TEST_CFLAGS  := $(call pc_cflags,$(PKGS_TEST))
TEST_LIBS    := $(call pc_libs,$(PKGS_TEST))

# The BPF target needs the multiarch asm/ headers.
BPF_ARCH_INC := /usr/include/$(shell $(CC) -dumpmachine 2>/dev/null)
