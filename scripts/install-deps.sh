#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install every Debian package xdpwall needs to build, test, demo and bench.
# Idempotent: packages already present are skipped, apt-get update runs at most once.
set -euo pipefail

PKGS=(
	make gcc clang llvm pkg-config
	libbpf-dev libxdp-dev libelf-dev zlib1g-dev
	libnl-3-dev libnl-route-3-dev
	libjson-c-dev libinih-dev libcmocka-dev
	bpftool xdp-tools
	iproute2 iputils-ping nftables socat procps util-linux python3
)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}; run as root to install them" >&2
	exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
