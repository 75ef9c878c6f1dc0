#!/usr/bin/env bash
# bench/knownhosts.sh: the knownhosts DB against golang.org/x/crypto's
# knownhosts.New and ssh-keygen -F, in the same run, on the same file.
#
# It writes a generated known_hosts file of 100,000 lines (half hashed, with
# [host]:port names, comma lists, wildcards and markers; see
# knownhosts/internal/khgen), then prints:
#   - peak RSS of a fresh process that loads the file with each library
#     (and of one that loads nothing, the baseline);
#   - load time (best of 5) and retained heap, and their ratios;
#   - the time of one lookup through each HostKeyCallback (best of 20 / 5)
#     for a plain name, a hashed name and a miss, with ssh-keygen -F
#     (best of 3) for scale, and the ratios.
#
# usage: bench/knownhosts.sh             (needs go; ssh-keygen optional)
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
lab=$(mktemp -d "${TMPDIR:-/tmp}/knownhosts-bench.XXXXXX")
trap 'rm -rf "$lab"' EXIT

(cd "$here" && go test -c -o "$lab/knownhosts.test" ./knownhosts)
export HOSTKEYS_BENCH=1 HOSTKEYS_BENCH_FILE="$lab/known_hosts"
run() { "$lab/knownhosts.test" -test.run '^TestBenchReport$' "$@"; }

# Write the file first, in a process of its own.
HOSTKEYS_BENCH_RSS=none run >/dev/null

echo "== peak RSS of a process that loads the file (kB)"
declare -A rss
for impl in none hostkeys xcrypto; do
	rss[$impl]=$(HOSTKEYS_BENCH_RSS=$impl run | awk '/^rss/ {print $3}')
	printf '%-9s %8s kB\n' "$impl" "${rss[$impl]}"
done
awk -v n="${rss[none]}" -v h="${rss[hostkeys]}" -v x="${rss[xcrypto]}" 'BEGIN {
	printf "x/crypto/hostkeys: %.2f (whole process), %.2f (above the baseline)\n", x/h, (x-n)/(h-n) }'

echo
echo "== load and lookups"
run | grep -v '^PASS$'
