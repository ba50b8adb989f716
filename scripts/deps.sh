#!/bin/sh
# Install the Debian/Ubuntu packages that building and testing smtptriage
# need, when some are missing.  Runs apt-get as root or through sudo
# without a password; otherwise prints the command to run and fails.
#
# Build: gcc make pkg-config and the -dev packages of ncurses, PCRE2,
# c-ares, SQLite, zlib and Check.  Tests: nsd (the DNS fixture server on
# 127.0.0.1, private ports), jq (compares the JSON of the DNS test), tmux
# (drives the console), sqlite3.
set -eu

packages="gcc make pkg-config libncurses-dev libpcre2-dev libc-ares-dev \
libsqlite3-dev zlib1g-dev check nsd jq tmux sqlite3"

missing=""
for p in $packages; do
	if ! dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null |
	    grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
	echo "smtptriage: missing packages:$missing" >&2
	echo "smtptriage: no apt-get here; install them with your package manager" >&2
	exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	sudo="sudo -n"
else
	echo "smtptriage: missing packages:$missing" >&2
	echo "smtptriage: run this, then try again:" >&2
	echo "  sudo apt-get update && sudo apt-get install -y$missing" >&2
	exit 1
fi

echo "smtptriage: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing
