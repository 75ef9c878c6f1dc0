#!/usr/bin/env bash
# bench/verify.sh: hostkeys verify against hostkeys scan, in the same run,
# against the same loopback sshd.
#
# It starts an OpenSSH sshd on 127.0.0.1 (a free port, scratch directory,
# ECDSA-256 and Ed25519 host keys, "MaxStartups 1000:30:1000"), writes a pin
# list approving its Ed25519 key, then runs N targets (default 200) through
# "hostkeys scan" and "hostkeys verify --pins" ROUNDS times each (default 3),
# alternating, and prints the client CPU (user+sys) per key of each run and
# the ratio of the best verify to the best scan. The bar: verify costs no
# more client CPU per key than scan + 10%.
#
# Each measurement runs its command REPS times in a row (default 5) and
# divides their total CPU by their total keys: one run of 200 keys costs
# about 0.15 s of CPU, too close to the clock tick of the CPU accounting to
# compare alone. At the end, the pin-list figures: loading a list of 10,000
# hosts and looking up a plain name in it (go test -bench).
#
# usage: bench/verify.sh [N] [ROUNDS] [REPS]   (needs sshd, ssh-keygen, go, python3, bc)
set -euo pipefail

N=${1:-200}
ROUNDS=${2:-3}
REPS=${3:-5}
. "$(dirname "$0")/lib.sh"
bench_init verify
for p in "$sshd" ssh-keygen go python3 bc; do
	command -v "$p" >/dev/null || { echo "bench: $p not found" >&2; exit 2; }
done
host_keys ecdsa ed25519
(cd "$here" && go build -o "$lab/hostkeys" ./cmd/hostkeys)
start_sshd sshd "MaxStartups 1000:30:1000"

for i in $(seq "$N"); do echo 127.0.0.1; done >"$lab/hosts"
printf 'Host [127.0.0.1]:%s\n%s\n' "$port" "$(ssh-keygen -lf "$lab/host_ed25519.pub" | awk '{print $2}')" >"$lab/pins"

TIMEFORMAT='%R %U %S'
# measure LABEL CMD...: prints wall, CPU and keys; sets $cpu_per_key.
measure() {
	local label=$1; shift
	local t wall user sys keys cpu
	t=$( { time for _ in $(seq "$REPS"); do "$@" || true; done >"$lab/out" 2>"$lab/err"; } 2>&1 ) || true
	read -r wall user sys <<<"$t"
	keys=$(grep -c . "$lab/out" || true)
	cpu=$(echo "$user + $sys" | bc -l)
	cpu_per_key=$(echo "$cpu / ($keys + ($keys == 0))" | bc -l)
	printf '%-28s %6.2f s wall %6.2f s cpu %4d keys %6.2f ms cpu/key\n' "$label" "$wall" "$cpu" "$keys" "$(echo "$cpu_per_key * 1000" | bc -l)"
}

echo "# $N targets x $REPS runs per measurement, one loopback sshd ($("$sshd" -V 2>&1 | head -1)), $(nproc) CPUs, $(date -u +%FT%TZ)"
best_scan=999 best_verify=999
for r in $(seq "$ROUNDS"); do
	measure "scan   (round $r)" "$lab/hostkeys" scan -q -p "$port" -t ed25519 -f "$lab/hosts"
	if (( $(echo "$cpu_per_key < $best_scan" | bc -l) )); then best_scan=$cpu_per_key; fi
	measure "verify (round $r)" "$lab/hostkeys" verify --pins "$lab/pins" -p "$port" -t ed25519 -f "$lab/hosts"
	if (( $(echo "$cpu_per_key < $best_verify" | bc -l) )); then best_verify=$cpu_per_key; fi
done
printf 'best cpu/key: scan %.3f ms, verify %.3f ms: verify/scan = %.3f (bar: 1.10)\n' \
	"$(echo "$best_scan * 1000" | bc -l)" "$(echo "$best_verify * 1000" | bc -l)" "$(echo "$best_verify / $best_scan" | bc -l)"

echo "# pin list of 10,000 hosts: load (cpu-ms/op) and lookup of a plain name"
(cd "$here" && go test -run '^$' -bench 'Pins(Load|Lookup)10k$' -benchtime 30x -count 2 . | grep '^Benchmark')
