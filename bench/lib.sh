# bench/lib.sh: what the bench scripts that run a loopback sshd share.
# Source it from a script in bench/ after "set -euo pipefail":
#
#     . "$(dirname "$0")/lib.sh"
#     bench_init NAME          # $here, $lab, $sshd; cleanup on exit
#     host_keys TYPE...        # $lab/host_TYPE for each, used by start_sshd
#     start_sshd NAME [LINE...]  # sshd on 127.0.0.1:$port, extra config lines
#
# It needs nothing but bash, sshd, ssh-keygen and python3 (for a free port).

# bench_init NAME: sets $here (the module root), $lab (a scratch directory,
# removed on exit) and $sshd; on exit stops every sshd of start_sshd.
bench_init() {
	here=$(cd "$(dirname "$0")/.." && pwd)
	lab=$(mktemp -d "${TMPDIR:-/tmp}/$1-bench.XXXXXX")
	pids=()
	trap bench_cleanup EXIT
	sshd=$(command -v sshd || echo /usr/sbin/sshd)
}

bench_cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$lab"
}

# host_keys TYPE...: writes the host keys $lab/host_TYPE.
host_keys() {
	host_types=("$@")
	local t
	if [ "$(id -u)" = 0 ] && [ ! -d /run/sshd ]; then mkdir -p /run/sshd; fi
	for t in "$@"; do ssh-keygen -q -N "" -C "" -t "$t" -f "$lab/host_$t"; done
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_sshd NAME [CONFIG-LINE...]: starts sshd on a free loopback port
# with the keys of host_keys and the extra lines, sets $port, appends its
# pid to $pids, and waits until it sends its banner.
start_sshd() {
	local name=$1 t l _ banner
	shift
	port=$(free_port)
	{
		echo "Port $port"
		echo "ListenAddress 127.0.0.1"
		for t in "${host_types[@]}"; do echo "HostKey $lab/host_$t"; done
		echo "PidFile $lab/$name.pid"
		echo "UsePAM no"
		echo "PasswordAuthentication no"
		echo "KbdInteractiveAuthentication no"
		echo "AuthorizedKeysFile none"
		echo "StrictModes no"
		for l in "$@"; do echo "$l"; done
	} >"$lab/$name.conf"
	"$sshd" -D -e -f "$lab/$name.conf" 2>"$lab/$name.log" &
	pids+=($!)
	for _ in $(seq 100); do
		if banner=$(timeout 1 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$0 && head -c 4 <&3' "$port" 2>/dev/null) &&
			[ "$banner" = SSH- ]; then
			return
		fi
		sleep 0.05
	done
	echo "bench: sshd did not start:" >&2
	cat "$lab/$name.log" >&2
	exit 1
}
