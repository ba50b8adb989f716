#!/bin/sh
# Install the Debian/Ubuntu packages that building and testing smtptriage
# need, when some are missing.  Runs apt-get as root or through sudo
# without a password; otherwise prints the command to run and fails.
#
# Build: gcc make pkg-config and the -dev packages of ncurses, PCRE2,
# c-ares, SQLite, zlib and libpsl.  Tests: Check, nsd (the DNS fixture
# server on 127.0.0.1, private ports), jq (compares the JSON of the DNS
# test), tmux (drives the console), sqlite3.
#
# usage: sh scripts/deps.sh [run | [fuzz] [valgrind] [lint]]
# Each argument adds the packages of that make target.  "run" installs
# only what "make run" needs, the build and nsd for the demo's DNS server,
# so no test tools and no MTA.
set -eu

# libpsl-dev (and publicsuffix, which it recommends): registered domains of
# providers.
build="gcc make pkg-config libncurses-dev libpcre2-dev libc-ares-dev \
libsqlite3-dev zlib1g-dev libpsl-dev publicsuffix"
if [ "${1:-}" = run ]; then
	packages="$build nsd"
	shift
else
	# strace: the injection test checks which programs are run.  time:
	# the limits test measures peak memory with /usr/bin/time.  mandoc:
	# the cli test lints the man pages with it.
	packages="$build check nsd jq tmux sqlite3 strace time mandoc"
	# exim4-daemon-light: the report test sends through Exim's sendmail
	# binary with a private config.  Installing it makes Exim the system
	# MTA and starts its service on localhost under systemd.  apt would
	# also remove any other MTA, exim4-daemon-heavy too, so it is
	# installed only where nothing provides /usr/sbin/sendmail yet.  An
	# Exim that is there already serves the test; without one, the MTA
	# part of the test is skipped.
	if [ ! -e /usr/sbin/sendmail ]; then
		packages="$packages exim4-daemon-light"
	fi
fi

# Extra packages for other make targets: "sh scripts/deps.sh fuzz" etc.
for group in "$@"; do
	case $group in
	fuzz)	packages="$packages clang libclang-rt-14-dev" ;;
	valgrind) packages="$packages valgrind" ;;
	lint)	packages="$packages cppcheck clang-tidy" ;;
	*)	echo "smtptriage: unknown package group \"$group\"" >&2
		exit 1 ;;
	esac
done

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
	echo "  sudo apt-get update && sudo apt-get install -y" \
	    "--no-install-recommends$missing" >&2
	exit 1
fi

echo "smtptriage: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing
