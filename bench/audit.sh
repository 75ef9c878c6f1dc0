#!/usr/bin/env bash
# bench/audit.sh: hostkeys audit of a large fleet, against the floor set
# by de-hashing.
#
# It writes a known_hosts file of 100,000 lines, half of them hashed
# (bench/genkh), a pin list of 10,000 hosts and an inventory of 1,000 names
# taken from it (bench/genaudit), then runs
#
#     hostkeys audit --known-hosts KH --pins PINS --inventory INV
#
# RUNS times (default 5) with the text output to /dev/null, and prints the
# best and median wall time and the CPU (user+sys) of each run, the number
# of HMAC-SHA1 computations the audit spent de-hashing (from its JSON
# stats), the measured cost of one HMAC (the CPU time of knownhosts'
# BenchmarkHMACX2 per HMAC, or BenchmarkHMAC's without SHA extensions),
# and the floor: HMACs × that cost, in CPU time and divided over the
# cores. On a shared machine read the CPU figures: wall time stretches
# with the load, CPU time much less.
#
# usage: bench/audit.sh [RUNS]   (needs go, python3)
set -euo pipefail

RUNS=${1:-5}
here=$(cd "$(dirname "$0")/.." && pwd)
lab=$(mktemp -d "${TMPDIR:-/tmp}/audit-bench.XXXXXX")
trap 'rm -rf "$lab"' EXIT

cd "$here"
go build -o "$lab/hostkeys" ./cmd/hostkeys
go run ./bench/genkh -n 100000 -o "$lab/known_hosts"
go run ./bench/genaudit -kh "$lab/known_hosts" -pins 10000 -inventory 1000 \
	-pins-out "$lab/pins" -inventory-out "$lab/inventory" 2>/dev/null
go test -c -o "$lab/knownhosts.test" ./knownhosts

audit=("$lab/hostkeys" audit --known-hosts "$lab/known_hosts" --pins "$lab/pins" --inventory "$lab/inventory")
"${audit[@]}" --format json >"$lab/report.json" || true

echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$lab/report.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["stats"]
print("== input: %d known_hosts lines (%d entries, %d hashed), %d pins, %d inventory names"
      % (s["lines"], s["entries"], s["hashed_entries"], s["pins"], s["inventory_names"]))
print("== findings: %d errors, %d warnings, %d notes" % (d["summary"]["error"], d["summary"]["warning"], d["summary"]["note"]))
PY

echo "== hostkeys audit, $RUNS runs (text to /dev/null)"
: >"$lab/times"
for i in $(seq "$RUNS"); do
	/usr/bin/env time -f "%e %U %S %M" -o "$lab/t" "${audit[@]}" >/dev/null || true
	read -r wall user sys rss < <(tail -n 1 "$lab/t")
	printf 'run %d: %5.2f s wall, %5.2f s CPU (user %.2f, sys %.2f), peak RSS %d MB\n' \
		"$i" "$wall" "$(echo "$user + $sys" | bc)" "$user" "$sys" "$((rss / 1024))"
	echo "$wall $user $sys" >>"$lab/times"
done

# The cost of one HMAC, as the audit computes it: the CPU time (not the
# wall time, which a busy machine stretches) of N calls of the two-way
# HMAC, over 2N; BenchmarkHMAC's N calls over N without SHA extensions.
N=20000000
cpu_of() {
	/usr/bin/env time -f "%U %S" -o "$lab/b" "$lab/knownhosts.test" -test.run '^$' -test.bench "$1" -test.benchtime "${N}x" >"$lab/bench.out"
	tail -n 1 "$lab/b" | awk '{print $1 + $2}'
}
x2=""
if grep -q '^BenchmarkHMACX2' < <("$lab/knownhosts.test" -test.run '^$' -test.bench '^BenchmarkHMACX2$' -test.benchtime 1x); then
	x2=$(cpu_of '^BenchmarkHMACX2$')
fi
one=$(cpu_of '^BenchmarkHMAC$')

python3 - "$lab/report.json" "$lab/times" "${x2:-}" "${one:-}" "$(nproc)" "$N" <<'PY'
import json, statistics, sys
stats = json.load(open(sys.argv[1]))["stats"]
times = [list(map(float, l.split())) for l in open(sys.argv[2])]
x2, one, cores, n = sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
cost = float(x2) * 1e9 / (2 * n) if x2 else float(one) * 1e9 / n
how = "CPU of BenchmarkHMACX2, per HMAC" if x2 else "CPU of BenchmarkHMAC"
walls = sorted(t[0] for t in times)
cpus = sorted(t[1] + t[2] for t in times)
h = stats["hmacs"]
floor_cpu = h * cost / 1e9
print("== de-hashing: %d HMACs (%d hashed entries x %d names), %.1f ns each (%s)"
      % (h, stats["hashed_entries"], stats["dehash_names"], cost, how))
print("audit wall:  best %.2f s, median %.2f s" % (walls[0], statistics.median(walls)))
print("audit CPU:   best %.2f s, median %.2f s" % (cpus[0], statistics.median(cpus)))
print("floor:       %.2f s CPU = %.2f s wall on %d cores (HMACs x cost of one)" % (floor_cpu, floor_cpu / cores, cores))
print("ratio:       wall/floor %.2f, CPU/floor %.2f" % (walls[0] / (floor_cpu / cores), cpus[0] / floor_cpu))
PY
