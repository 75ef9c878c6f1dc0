#!/usr/bin/env bash
# bench/fingerprint.sh: ssh-keygen -lf against hostkeys fingerprint -f, in
# the same run, on the same generated 100,000-line known_hosts files.
#
# Two files are generated (go run ./bench/genkh): one whose keys come from a
# pool of 600 (as in real files, where a host key appears under several
# names and addresses), and one with a different key on every line (no
# repetition for hostkeys' per-file key cache to exploit). Both mix
# Ed25519, ECDSA (three curves), RSA 2048-4096 and DSA keys, half the names
# hashed, [host]:port entries, comma lists, markers and comments.
#
# For each file and each tool it prints the best wall time of R runs and
# the client CPU (user+sys) of that run, checks that the outputs are
# identical, and prints the ratios ssh-keygen/hostkeys.
#
# usage: bench/fingerprint.sh [LINES] [RUNS]   (needs ssh-keygen and go)
set -euo pipefail

LINES=${1:-100000}
RUNS=${2:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/fingerprint-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

for p in ssh-keygen go; do
	command -v "$p" >/dev/null || { echo "bench: $p not found (apt-get install openssh-client)" >&2; exit 2; }
done
(cd "$here" && go build -o "$work/hostkeys" ./cmd/hostkeys)
echo "generating $LINES-line files..." >&2
(cd "$here" && go run ./bench/genkh -n "$LINES" -keys 600 -o "$work/pool" \
	&& go run ./bench/genkh -n "$LINES" -distinct -o "$work/distinct")

# measure OUT CMD...: best wall time of $RUNS runs; prints "wall cpu".
measure() {
	local out=$1; shift
	local best=""
	for _ in $(seq "$RUNS"); do
		local t
		t=$( { TIMEFORMAT='%R %U %S'; time "$@" >"$out" 2>/dev/null; } 2>&1 | tail -1)
		local wall cpu
		wall=$(echo "$t" | awk '{print $1}')
		cpu=$(echo "$t" | awk '{printf "%.2f", $2 + $3}')
		if [ -z "$best" ] || awk -v a="$wall" -v b="${best% *}" 'BEGIN{exit !(a < b)}'; then
			best="$wall $cpu"
		fi
	done
	echo "$best"
}

printf '%-9s %-12s %9s %9s %8s\n' file tool wall_s cpu_s keys
for f in pool distinct; do
	k=$(measure "$work/$f.keygen" ssh-keygen -lf "$work/$f")
	h=$(measure "$work/$f.hostkeys" "$work/hostkeys" fingerprint -f "$work/$f")
	if ! cmp -s "$work/$f.keygen" "$work/$f.hostkeys"; then
		echo "bench: outputs differ on $f" >&2
		diff "$work/$f.keygen" "$work/$f.hostkeys" | head >&2
		exit 1
	fi
	n=$(wc -l <"$work/$f.keygen")
	printf '%-9s %-12s %9s %9s %8s\n' "$f" ssh-keygen ${k% *} ${k#* } "$n"
	printf '%-9s %-12s %9s %9s %8s\n' "$f" hostkeys ${h% *} ${h#* } "$n"
	awk -v kw="${k% *}" -v kc="${k#* }" -v hw="${h% *}" -v hc="${h#* }" -v f="$f" \
		'BEGIN{printf "%-9s ratio ssh-keygen/hostkeys: wall %.1fx, cpu %.1fx (outputs identical)\n", f, kw/hw, kc/hc}'
done
