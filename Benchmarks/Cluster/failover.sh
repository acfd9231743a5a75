#!/usr/bin/env bash
# Failover time of real engines: two `baton run` in network namespaces (two links each), a group of one
# floating address, interval 100ms and deadtime 300ms. Each run crashes the active node (kill -9 of its
# engine, its links set down) and measures the time from the crash to the first ping reply from the
# floating address in the client namespace (ping every 10 ms). The crashed node answers no ICMP echo,
# so the floating-ip agent takes the address without its ARP probe (event node-down). Prints every run,
# then the median and the maximum. Needs root, iproute2 and iputils-ping. KEEP=1 keeps the folder
# (the engines' logs) afterwards.
#
#   Benchmarks/Cluster/failover.sh [BATON] [RUNS]     (default .build/release/baton, 20 runs)
set -euo pipefail
BATON=$(realpath "${1:-.build/release/baton}")
RUNS=${2:-20}
P=bf$$
DIR=$(mktemp -d /tmp/baton-failover-XXXXXX)
NET=$((100 + $$ % 100))

cleanup() {
    for pid in $(cat "$DIR"/pids 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    for ns in n1 n2 c sw; do ip netns del $P$ns 2>/dev/null || true; done
}
trap 'cleanup; [ -n "${KEEP:-}" ] || rm -rf "$DIR"' EXIT
. "$(dirname "$0")/netns.sh"

head -c 32 /dev/urandom | base64 > "$DIR/key"; chmod 600 "$DIR/key"
cat > "$DIR/cluster.yaml" <<YAML
version: 1
cluster: bench
heartbeat: {interval: 100ms, warntime: 200ms, deadtime: 300ms, initdead: 2s, key-file: key}
nodes:
  - {name: n1, priority: 100, links: [10.$NET.1.1, 10.$NET.2.1]}
  - {name: n2, priority: 50, links: [10.$NET.1.2, 10.$NET.2.2]}
groups:
  - name: vip
    resources:
      - name: vip
        agent: floating-ip
        params: {address: 10.$NET.1.50/24, interface: eth0}
YAML

owner() {  # the node whose engine reports the group started there, seen from node $1
    "$BATON" status --json -c "$DIR/cluster.yaml" --state-dir "$DIR/s$1" 2>/dev/null |
        python3 -c 'import json,sys; print("".join(r.get("node","") for r in json.load(sys.stdin)["state"]["resources"] if r["name"]=="vip" and r["status"]=="started"))' 2>/dev/null || true
}

times=()
for run in $(seq 1 "$RUNS"); do
    cleanup; : > "$DIR/pids"; rm -rf "$DIR"/s1 "$DIR"/s2; mkdir -p "$DIR/s1" "$DIR/s2"
    network
    for n in 1 2; do
        ip netns exec ${P}n$n "$BATON" run -c "$DIR/cluster.yaml" --state-dir "$DIR/s$n" 2>"$DIR/log$n" &
        echo $! >> "$DIR/pids"; disown
    done
    for _ in $(seq 1 100); do [ "$(owner 2)" = n1 ] && break; sleep 0.1; done
    [ "$(owner 2)" = n1 ] || { echo "run $run: the group never started on n1" >&2; tail -n 5 "$DIR/log1" "$DIR/log2" >&2; exit 1; }
    ip netns exec ${P}c ping -D -n -i 0.01 -W 0.05 10.$NET.1.50 > "$DIR/ping" 2>/dev/null &
    PING=$!
    sleep 0.3
    # The crash: the engine killed, then the links down (until then the kernel still answers for the
    # address); the clock starts once both are done.
    kill -9 "$(head -1 "$DIR/pids")"
    ip -n ${P}n1 link set eth0 down; ip -n ${P}n1 link set eth1 down
    start=$(date +%s.%N)
    for _ in $(seq 1 100); do [ "$(owner 2)" = n2 ] && break; sleep 0.1; done
    sleep 0.3
    kill -INT "$PING" 2>/dev/null || true; wait "$PING" 2>/dev/null || true
    ms=$(python3 - "$DIR/ping" "$start" <<'PY'
import re, sys
start = float(sys.argv[2])
for line in open(sys.argv[1]):
    m = re.match(r"\[(\d+\.\d+)\] \d+ bytes from", line)
    if m and float(m.group(1)) > start:
        print(round((float(m.group(1)) - start) * 1000))
        break
else:
    print("none")
PY
)
    echo "run $run: ${ms} ms"
    [ "$ms" = none ] && { echo "run $run: no reply from the floating address" >&2; exit 1; }
    times+=("$ms")
done
printf '%s\n' "${times[@]}" | sort -n | python3 -c '
import sys
t = [int(x) for x in sys.stdin]
print(f"{len(t)} runs: median {sorted(t)[len(t)//2]} ms, minimum {min(t)} ms, maximum {max(t)} ms")'
