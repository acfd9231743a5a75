#!/usr/bin/env bash
# Idle cost of real engines: two `baton run` in network namespaces, three links each (three bridges),
# interval INTERVAL (default 200ms) and deadtime DEADTIME (default five intervals), and 50 resources of
# the shell agent agents/dummy in 10 groups, each monitored every 10 s. After the cluster has formed,
# samples each engine's CPU time (its own, and its reaped children's: the agents) and resident memory
# for DURATION seconds, and prints CPU as a share of one core and RSS, and how many links went late or
# down and nodes were lost meanwhile (all should be 0: nothing failed).
# Needs root and iproute2.
#
#   [INTERVAL=20ms DEADTIME=60ms] Benchmarks/Cluster/idle.sh [BATON] [DURATION]
#                                                      (default .build/release/baton, 300 s)
set -euo pipefail
BATON=$(realpath "${1:-.build/release/baton}")
DURATION=${2:-300}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
P=bi$$
DIR=$(mktemp -d /tmp/baton-idle-XXXXXX)
NET=$((100 + $$ % 100))
PIDS=()

cleanup() {
    for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    for ns in 1 2 sw; do ip netns del $P$ns 2>/dev/null || true; done
}
trap 'cleanup; rm -rf "$DIR"' EXIT

head -c 32 /dev/urandom | base64 > "$DIR/key"; chmod 600 "$DIR/key"
cp -r "$ROOT/agents" "$DIR/agents"
{
    echo "version: 1"
    echo "cluster: idle"
    echo "heartbeat: {interval: ${INTERVAL:-200ms}${DEADTIME:+, deadtime: $DEADTIME}, key-file: key}"
    echo "nodes:"
    echo "  - {name: n1, priority: 100, links: [10.$NET.1.1, 10.$NET.2.1, 10.$NET.3.1]}"
    echo "  - {name: n2, priority: 50, links: [10.$NET.1.2, 10.$NET.2.2, 10.$NET.3.2]}"
    echo "groups:"
    for g in $(seq 1 10); do
        echo "  - name: g$g"
        echo "    resources:"
        for r in $(seq 1 5); do
            echo "      - {name: d$g-$r, agent: agents/dummy, monitor: {interval: 10s, timeout: 20s}}"
        done
    done
} > "$DIR/cluster.yaml"

ip netns add ${P}sw
for b in 0 1 2; do ip -n ${P}sw link add br$b type bridge; ip -n ${P}sw link set br$b up; done
for n in 1 2; do
    ip netns add $P$n
    ip -n $P$n link set lo up
    for b in 0 1 2; do
        ip link add $P$n$b type veth peer name ${P}s$n$b
        ip link set $P$n$b netns $P$n
        ip link set ${P}s$n$b netns ${P}sw
        ip -n ${P}sw link set ${P}s$n$b master br$b up
        ip -n $P$n addr add 10.$NET.$((b + 1)).$n/24 dev $P$n$b
        ip -n $P$n link set $P$n$b up
    done
done
for n in 1 2; do
    mkdir -p "$DIR/s$n"
    ip netns exec $P$n "$BATON" run -c "$DIR/cluster.yaml" --state-dir "$DIR/s$n" 2>"$DIR/log$n" &
    PIDS+=($!); disown
done
for _ in $(seq 1 300); do
    started=$("$BATON" status --json -c "$DIR/cluster.yaml" --state-dir "$DIR/s2" 2>/dev/null |
        python3 -c 'import json,sys; print(sum(r["status"]=="started" for r in json.load(sys.stdin)["state"]["resources"]))' 2>/dev/null || echo 0)
    [ "$started" = 50 ] && break
    sleep 0.2
done
[ "$started" = 50 ] || { echo "the 50 resources never started" >&2; exit 1; }
sleep 2
for n in 1 2; do wc -l < "$DIR/log$n" > "$DIR/lines$n"; done

ticks=$(getconf CLK_TCK)
sample() {  # utime+stime, cutime+cstime (ticks) and RSS (kB) of a process
    read -r -a stat < <(sed 's/^.*) //' "/proc/$1/stat")
    echo "$((stat[11] + stat[12])) $((stat[13] + stat[14])) $(awk '/VmRSS/ {print $2}' "/proc/$1/status")"
}
declare -A own0 children0 rssmax
for i in 0 1; do
    read -r own children rss < <(sample "${PIDS[$i]}")
    own0[$i]=$own; children0[$i]=$children; rssmax[$i]=$rss
done
for _ in $(seq 1 "$DURATION"); do
    sleep 1
    for i in 0 1; do
        read -r own children rss < <(sample "${PIDS[$i]}")
        (( rss > rssmax[$i] )) && rssmax[$i]=$rss
    done
done
for i in 0 1; do
    read -r own children rss < <(sample "${PIDS[$i]}")
    python3 - "n$((i + 1))" "$((own - own0[$i]))" "$((children - children0[$i]))" "$ticks" "$DURATION" "$rss" "${rssmax[$i]}" <<'PY'
import sys
node, own, children, ticks, duration, rss, peak = sys.argv[1], *map(int, sys.argv[2:])
print(f"{node}: engine CPU {own / ticks:.2f} s in {duration} s ({100 * own / ticks / duration:.2f} % of a core); "
      f"agents (monitors) {children / ticks:.2f} s; RSS {rss / 1024:.1f} MiB at the end, {peak / 1024:.1f} MiB at most")
PY
done
for n in 1 2; do
    tail -n +"$(($(cat "$DIR/lines$n") + 1))" "$DIR/log$n" > "$DIR/sampled$n"
    echo "n$n: while sampled, $(grep -c 'event=link-late' "$DIR/sampled$n") links late, $(grep -c 'event=link-down' \
        "$DIR/sampled$n") links down, $(grep -c 'event=node-lost' "$DIR/sampled$n") nodes lost"
done
