#!/usr/bin/env bash
# bench/filecmds.sh: hostkeys find, hash and remove against ssh-keygen -F,
# -H and -R, as whole processes, on the same generated file.
#
# It builds hostkeys, writes a 100,000-line known_hosts file with
# bench/genkh (half the names hashed, [host]:port names, comma lists,
# wildcards and markers), and runs each pair of commands in turn, ROUNDS
# times (hostkeys, ssh-keygen, hostkeys, ...). hash and remove rewrite
# their file, so each run gets a fresh copy, made before the clock starts.
# It prints the median wall and CPU (user+sys) seconds of each, and the
# speed of hostkeys relative to ssh-keygen: ssh-keygen's median wall time
# over hostkeys' (above 1 means hostkeys is faster), the ratio taken pair
# by pair and its median given, so that a machine whose speed drifts
# affects both sides alike; and the same for CPU time, the steadier figure
# on a loaded machine (hostkeys parses and looks up on all cores, so its
# wall time can be below its CPU time). It also checks that both remove the same lines
# and find the same ones.
#
# usage: bench/filecmds.sh [ROUNDS]     (needs go and ssh-keygen; default 9)
set -euo pipefail

rounds=${1:-9}
here=$(cd "$(dirname "$0")/.." && pwd)
lab=$(mktemp -d "${TMPDIR:-/tmp}/filecmds-bench.XXXXXX")
trap 'rm -rf "$lab"' EXIT

(cd "$here" && go build -o "$lab/hostkeys" ./cmd/hostkeys && go run ./bench/genkh -n 100000 -o "$lab/kh")
keygen=$(command -v ssh-keygen)
# A plain name from the middle of the file: every lookup also hashes the
# name against all 50,000 hashed entries, whatever it is.
host=$(awk 'NR >= 50000 && $1 ~ /^host/ {split($1, a, ","); print a[1]; exit}' "$lab/kh")
echo "file: 100,000 lines, $(wc -c <"$lab/kh") bytes; host: $host; $rounds rounds; $(nproc) CPUs"

TIMEFORMAT='%3R %3U %3S'
# timed FILE CMD...: runs CMD with output to FILE.out, appends "wall cpu" to FILE.
timed() {
	local out=$1
	shift
	local t
	t=$({ time "$@" >"$out.out" 2>&1; } 2>&1) || true
	awk -v t="$t" 'BEGIN { split(t, a, " "); printf "%s %.3f\n", a[1], a[2] + a[3] }' >>"$out"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

bench() {
	local name=$1 ours=$2 theirs=$3 fresh=$4
	rm -f "$lab/$name".*
	for ((i = 0; i <= rounds; i++)); do
		# Round 0 warms the page cache and is not counted.
		local a="$lab/$name.a" b="$lab/$name.b"
		[ "$i" = 0 ] && a="$lab/warm" b="$lab/warm"
		[ "$fresh" = 1 ] && cp "$lab/kh" "$lab/kh.run" && sync "$lab/kh.run"
		timed "$a" $ours
		[ "$fresh" = 1 ] && cp "$lab/kh" "$lab/kh.run" && sync "$lab/kh.run"
		timed "$b" $theirs
	done
	paste -d' ' "$lab/$name.a" "$lab/$name.b" | awk '{ print $3 / $1 }' >"$lab/$name.ratio"
	paste -d' ' "$lab/$name.a" "$lab/$name.b" | awk '{ print $4 / ($2 > 0 ? $2 : 0.001) }' >"$lab/$name.cpuratio"
	printf '%-7s hostkeys %6.3fs wall %6.3fs cpu | ssh-keygen %6.3fs wall %6.3fs cpu | speed %5.2fx wall, %5.2fx cpu\n' "$name" \
		"$(cut -d' ' -f1 "$lab/$name.a" | median)" "$(cut -d' ' -f2 "$lab/$name.a" | median)" \
		"$(cut -d' ' -f1 "$lab/$name.b" | median)" "$(cut -d' ' -f2 "$lab/$name.b" | median)" \
		"$(median <"$lab/$name.ratio")" "$(median <"$lab/$name.cpuratio")"
}

bench find "$lab/hostkeys find -f $lab/kh $host" "$keygen -F $host -f $lab/kh" 0
cmp -s "$lab/find.a.out" "$lab/find.b.out" || echo "find: the outputs differ" >&2
bench hash "$lab/hostkeys hash -f $lab/kh.run" "$keygen -H -f $lab/kh.run" 1
bench remove "$lab/hostkeys remove -f $lab/kh.run $host" "$keygen -R $host -f $lab/kh.run" 1
# Both removed the same lines: compare the "# Host ... found" lines.
if ! diff <(grep '^# Host' "$lab/remove.a.out") <(grep '^# Host' "$lab/remove.b.out") >/dev/null; then
	echo "remove: the removed lines differ" >&2
fi
