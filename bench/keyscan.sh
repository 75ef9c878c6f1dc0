#!/usr/bin/env bash
# bench/keyscan.sh: ssh-keyscan against hostkeys scan, in the same run,
# against the same loopback sshd.
#
# It starts an OpenSSH sshd on 127.0.0.1 (a free port, scratch directory,
# RSA-3072, ECDSA-256 and Ed25519 host keys, sshd's default key exchange),
# then scans it N times (default 200) with each tool: first Ed25519 only,
# then all three types. It prints the wall time and the client CPU
# (user+sys) of each run, keys found, and the ratios ssh-keyscan/hostkeys.
#
# sshd runs with "MaxStartups 1000:30:1000" so that ssh-keyscan, which opens
# every connection at once, is not cut short by sshd's default limit (it
# then loses over half of its connections); a last run shows hostkeys
# against sshd's default MaxStartups too.
#
# usage: bench/keyscan.sh [N]   (needs sshd, ssh-keyscan, ssh-keygen, go, python3, bc)
# HOSTKEYS_FLAGS adds flags to the hostkeys runs (e.g. "--per-host 16").
set -euo pipefail

N=${1:-200}
. "$(dirname "$0")/lib.sh"
bench_init keyscan
for p in "$sshd" ssh-keyscan ssh-keygen go python3; do
	command -v "$p" >/dev/null || { echo "bench: $p not found (apt-get install openssh-server openssh-client golang)" >&2; exit 2; }
done
host_keys rsa ecdsa ed25519
(cd "$here" && go build -o "$lab/hostkeys" ./cmd/hostkeys)

for i in $(seq "$N"); do echo 127.0.0.1; done >"$lab/hosts"

# sshd_cpu: CPU seconds of the reaped children of the running sshd (its
# per-connection processes): fields cutime and cstime of /proc/PID/stat.
sshd_cpu() {
	local pid=${pids[${#pids[@]}-1]}
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($14 + $15) / hz }' "/proc/$pid/stat"
}

# sshd_self_cpu: CPU seconds of the listening sshd itself (accept, fork):
# fields utime and stime.
sshd_self_cpu() {
	local pid=${pids[${#pids[@]}-1]}
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$pid/stat"
}

# measure LABEL CMD...: runs CMD, records wall/cpu/keys/server CPU in globals.
TIMEFORMAT='%R %U %S'
measure() {
	local label=$1; shift
	local t s0 s1 m0 m1
	s0=$(sshd_cpu)
	m0=$(sshd_self_cpu)
	t=$( { time "$@" >"$lab/out" 2>"$lab/err"; } 2>&1 ) || true
	sleep 0.5 # let sshd reap the last children
	s1=$(sshd_cpu)
	m1=$(sshd_self_cpu)
	server=$(echo "$s1 - $s0 + $m1 - $m0" | bc -l)
	read -r wall user sys <<<"$t"
	keys=$(grep -c . "$lab/out" || true)
	cpu=$(echo "$user + $sys" | bc -l)
	printf '%-44s %8.2f s wall %7.2f s cpu (user %.2f sys %.2f) %5d keys, sshd %.2f s cpu\n' \
		"$label" "$wall" "$cpu" "$user" "$sys" "$keys" "$server"
}

ratio() { echo "scale=1; $1 / $2" | bc -l; }

echo "# $N scans of one loopback sshd ($("$sshd" -V 2>&1 | head -1)), $(nproc) CPUs, $(date -u +%FT%TZ)"
start_sshd big "MaxStartups 1000:30:1000"
for types in ed25519 rsa,ecdsa,ed25519; do
	want=$((N * $(echo "$types" | tr ',' '\n' | wc -l)))
	measure "ssh-keyscan -t $types" ssh-keyscan -p "$port" -t "$types" -f "$lab/hosts"
	kw=$wall kc=$cpu kk=$keys
	measure "hostkeys scan -t $types" "$lab/hostkeys" scan -q -p "$port" -t "$types" ${HOSTKEYS_FLAGS:-} -f "$lab/hosts"
	hw=$wall hc=$cpu hk=$keys
	per_k=$(echo "$kc / ($kk + ($kk == 0))" | bc -l)
	per_h=$(echo "$hc / ($hk + ($hk == 0))" | bc -l)
	printf '  -> keys %d/%d vs %d/%d; wall ratio %sx, cpu-per-key ratio %sx\n' \
		"$kk" "$want" "$hk" "$want" "$(ratio "$kw" "$hw")" "$(ratio "$per_k" "$per_h")"
	# The floor: sshd's CPU for the connections of the hostkeys run (its
	# children and the listener), spread over every core. No client can
	# finish sooner; ssh-keyscan's wall over it is the best ratio possible.
	floor=$(echo "$server / $(nproc)" | bc -l)
	printf '  -> sshd CPU %.1f ms per connection; floor %.2f s; hostkeys at %sx the floor; best possible wall ratio %sx\n' \
		"$(echo "1000 * $server / $want" | bc -l)" "$floor" "$(ratio "$hw" "$floor")" "$(ratio "$kw" "$floor")"
done
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true

start_sshd dflt
measure "hostkeys scan -t ed25519 (default MaxStartups)" "$lab/hostkeys" scan -q -p "$port" -t ed25519 -f "$lab/hosts"
measure "ssh-keyscan -t ed25519 (default MaxStartups)" ssh-keyscan -p "$port" -t ed25519 -f "$lab/hosts"
