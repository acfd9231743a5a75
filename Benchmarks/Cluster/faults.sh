#!/usr/bin/env bash
# Split-brain faults on real engines: two `baton run` in network namespaces (two links each, on two bridges
# of a switch namespace whose bridges answer pings at 10.NET.1.254 and 10.NET.2.254), a group of a floating
# address and an OCF gate (whose stop can be made to fail), interval 200ms, deadtime 1s. Each case runs
# TRIALS times in four configurations: no protection, fencing (agents/fence-netns, delay 2s), the
# tiebreaker (the switch's two addresses), and both. A sampler reads both nodes' addresses all the while (with `ip`,
# about every 15 ms; the table shows the 99th percentile of the gaps); the client pings the floating
# address every 10 ms.
#
# Cases: the active engine killed with -9 (its address stays), the active engine stopped (SIGSTOP) for 3 s,
# both networks cut for 5 s, every link of the active node cut for 5 s, every link of the standby cut for
# 5 s, and a stop that fails during a switchover. After each fault the engines that died are started again
# (and a blocked gate cleaned up); "client back" is when the client's longest wait for a reply from the fault
# on ended (0: it never waited 100 ms); the final state is correct when exactly one node holds the address and
# runs the group. A row passes when no trial had the address on both nodes and every final state was
# correct. Prints one table, then "N passed, N failed". Needs root, iproute2, iputils-ping and python3.
#
#   Benchmarks/Cluster/faults.sh [BATON] [TRIALS]     (default .build/release/baton, 3 trials)
#
# MODES and CASES (space-separated) run a part of the table.
set -uo pipefail
BATON=$(realpath "${1:-.build/release/baton}")
TRIALS=${2:-3}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
P=bk$$
DIR=$(mktemp -d /tmp/baton-faults-XXXXXX)
NET=$((100 + $$ % 100))
ADDRESS=10.$NET.1.50

cleanup() {
    for pid in $(cat "$DIR"/pids 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    : > "$DIR/pids"
    for ns in n1 n2 c sw; do
        for pid in $(ip netns pids $P$ns 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns del $P$ns 2>/dev/null || true
    done
}
trap 'cleanup; rm -rf "$DIR"' EXIT
. "$ROOT/Benchmarks/Cluster/netns.sh"

head -c 32 /dev/urandom | base64 > "$DIR/key"; chmod 600 "$DIR/key"
cat > "$DIR/gate" <<'GATE'
#!/bin/sh
# Starts and stops a mark file; its stop fails on the node named in $OCF_RESKEY_refuse/stop-NODE.
state="$HA_RSCTMP/gate"; node="$OCF_RESKEY_CRM_meta_on_node"
case "$1" in
meta-data) echo '<resource-agent name="gate"><parameters><parameter name="refuse"/></parameters></resource-agent>'; exit 0 ;;
start) mkdir -p "$HA_RSCTMP" && touch "$state" ;;
stop) [ -e "$OCF_RESKEY_refuse/stop-$node" ] && exit 1; rm -f "$state" ;;
monitor) [ -e "$state" ] || exit 7 ;;
esac
exit 0
GATE
chmod 755 "$DIR/gate"; mkdir -p "$DIR/refuse"

configure() {  # $1: none, fencing, tiebreaker or both
    cat > "$DIR/cluster.yaml" <<YAML
version: 1
cluster: faults
heartbeat: {interval: 200ms, deadtime: 1s, initdead: 4s, key-file: key}
nodes:
  - {name: n1, priority: 100, links: [10.$NET.1.1, 10.$NET.2.1]}
  - {name: n2, priority: 50, links: [10.$NET.1.2, 10.$NET.2.2]}
groups:
  - name: web
    resources:
      - {name: vip, agent: floating-ip, params: {address: $ADDRESS/24, interface: eth0}}
      - {name: gate, agent: ./gate, params: {refuse: $DIR/refuse}}
YAML
    case $1 in
    none) echo "fencing: {mode: off}" >> "$DIR/cluster.yaml" ;;
    fencing | both) cat >> "$DIR/cluster.yaml" <<YAML
fencing:
  delay: 2s
  devices:
    - {name: netns, agent: $ROOT/agents/fence-netns, params: {namespace_prefix: $P}, timeout: 10s}
  topology: {n1: [netns], n2: [netns]}
YAML
    ;;
    esac
    case $1 in
    tiebreaker | both) echo "tiebreaker: {targets: [10.$NET.1.254, 10.$NET.2.254]}" >> "$DIR/cluster.yaml" ;;
    esac
}

engine() {  # starts node $1's engine; its pid is line $1 of $DIR/engines
    ip netns exec ${P}n$1 "$BATON" run -c "$DIR/cluster.yaml" --state-dir "$DIR/s$1" 2>>"$DIR/log$1" &
    local pid=$!; disown
    echo $pid >> "$DIR/pids"
    sed -i "${1}s/.*/$pid/" "$DIR/engines"
}
alive() { kill -0 "$(sed -n "${1}p" "$DIR/engines")" 2>/dev/null; }
baton() {  # a command to node $NODE's engine; what it says when it fails goes to standard error
    "$BATON" "$@" -c "$DIR/cluster.yaml" --state-dir "$DIR/s$NODE" >/dev/null 2>"$DIR/said" ||
        { echo "baton $*: $(cat "$DIR/said")" >&2; return 1; }
}
holds() { ip -n ${P}n$1 -4 -o addr show 2>/dev/null | grep -c " $ADDRESS/"; }
runs() {  # the node that runs every member of web, as node $1's engine says
    "$BATON" status --json -c "$DIR/cluster.yaml" --state-dir "$DIR/s$1" 2>/dev/null | python3 -c '
import json, sys
r = {x["name"]: x for x in json.load(sys.stdin)["state"]["resources"]}
nodes = {r.get(n, {}).get("node") for n in ("vip", "gate") if r.get(n, {}).get("status") == "started"}
started = all(r.get(n, {}).get("status") == "started" for n in ("vip", "gate"))
print(nodes.pop() if len(nodes) == 1 and started else "")' 2>/dev/null
}
standby() {  # node $1 is the ready standby, as node $2 says
    "$BATON" status --json -c "$DIR/cluster.yaml" --state-dir "$DIR/s$2" 2>/dev/null | python3 -c '
import json, sys
s = json.load(sys.stdin)
print("yes" if any(p["name"] == sys.argv[1] and p["role"] == "SLAVE_OK" for p in s["peers"]) else "")' "n$1" 2>/dev/null
}
wait_for() {  # $1 tenths of a second at most, then the command
    local limit=$1; shift
    for _ in $(seq 1 "$limit"); do "$@" && return 0; sleep 0.1; done
    return 1
}
settled() { [ "$(runs 1)" = n1 ] && [ "$(standby 2 1)" = yes ]; }
one_holder() {
    local node; for node in 1 2; do alive $node || return 1; done
    local holder; holder=$(runs 1)
    [ -n "$holder" ] && [ "$(runs 2)" = "$holder" ] && [ $(( $(holds 1) + $(holds 2) )) = 1 ]
}

sampler() {
    while [ ! -e "$DIR/stop" ]; do echo "$(date +%s.%N) $(holds 1) $(holds 2)"; done > "$DIR/samples"
}

inject() {  # $1: the case
    case $1 in
    engine-killed) kill -9 "$(sed -n 1p "$DIR/engines")"; sleep 5 ;;
    engine-paused)
        kill -STOP "$(sed -n 1p "$DIR/engines")"; sleep 3
        kill -CONT "$(sed -n 1p "$DIR/engines")" 2>/dev/null; sleep 2 ;;  # gone when it was fenced
    partition)
        for b in 0 1; do ip -n ${P}sw link set br$b down; done; sleep 5
        for b in 0 1; do ip -n ${P}sw link set br$b up; done ;;
    active-cut | standby-cut)
        local n=1; [ "$1" = standby-cut ] && n=2
        for l in 0 1; do ip -n ${P}n$n link set eth$l down; done; sleep 5
        for l in 0 1; do ip -n ${P}n$n link set eth$l up; done ;;
    stop-failed)
        touch "$DIR/refuse/stop-n1"; NODE=1 baton switch web --to n2; sleep 5; rm -f "$DIR/refuse/stop-n1" ;;
    esac
}

recover() {  # engines that died are started again, a blocked gate cleaned up, the group back on n1
    local n
    for n in 1 2; do
        alive $n || { ip -n ${P}n$n link set eth0 up; ip -n ${P}n$n link set eth1 up; engine $n; }
    done
    wait_for 100 one_holder || { NODE=1 baton cleanup gate; NODE=2 baton cleanup gate; }
    wait_for 150 one_holder || return 1
    # A fence that failed (the group blocked until an administrator acts) is no right end either.
    ! grep -q "event=fence-failed" "$DIR/log1" "$DIR/log2"
}

CASES=${CASES:-engine-killed engine-paused partition active-cut standby-cut stop-failed}
RESULTS=$DIR/results
: > "$RESULTS"
for mode in ${MODES:-none fencing tiebreaker both}; do
    configure $mode
    for case in $CASES; do
        cleanup; rm -rf "$DIR"/s1 "$DIR"/s2 "$DIR"/refuse/*; mkdir -p "$DIR/s1" "$DIR/s2"
        printf '0\n0\n' > "$DIR/engines"
        network; engine 1; engine 2
        for trial in $(seq 1 "$TRIALS"); do
            # Back on n1 for the next trial, once both engines answer (one fenced may still be starting):
            # failures that keep the group off n1 (an address whose link was down) are forgotten first.
            wait_for 300 one_holder
            if [ "$(runs 1)" = n2 ]; then
                for resource in vip gate; do NODE=1 baton cleanup $resource --wait; done
                [ "$(runs 1)" = n2 ] && NODE=1 baton switch web --to n1 --wait
            fi
            NODE=1 baton unmove web
            wait_for 300 settled ||
                { echo "$mode $case $trial: not settled (n1 says $(runs 1) runs it, n2 says $(runs 2))" >&2
                  "$BATON" status -c "$DIR/cluster.yaml" --state-dir "$DIR/s1" >&2; }
            rm -f "$DIR/stop"; : > "$DIR/log1"; : > "$DIR/log2"
            sampler & SAMPLER=$!
            ip netns exec ${P}c ping -D -n -i 0.01 -W 0.05 $ADDRESS > "$DIR/ping" 2>/dev/null & PING=$!
            sleep 0.3
            start=$(date +%s.%N)
            inject $case
            recover; correct=$?
            touch "$DIR/stop"; wait $SAMPLER 2>/dev/null
            kill -INT $PING 2>/dev/null; wait $PING 2>/dev/null
            python3 - "$DIR/samples" "$DIR/ping" "$start" "$mode" "$case" "$correct" >> "$RESULTS" <<'PY'
import re, sys
samples, ping, start, mode, case, correct = sys.argv[1:]
start = float(start)
rows = [line.split() for line in open(samples) if len(line.split()) == 3]
dual = 0.0
for (t, a, b), (u, _, _) in zip(rows, rows[1:]):
    if a != "0" and b != "0":
        dual += float(u) - float(t)
gaps = sorted(float(u[0]) - float(t[0]) for t, u in zip(rows, rows[1:]))
# The client's outage: the longest wait between two replies from the fault on; "back" is when it ended (0 when the
# client never waited 100 ms), "none" when no reply came after the fault.
replies = [float(m.group(1)) for m in (re.match(r"\[(\d+\.\d+)\] \d+ bytes from", l) for l in open(ping)) if m]
after = [start] + [t for t in replies if t > start]
waits = [(b - a, b) for a, b in zip(after, after[1:])]
longest = max(waits, default=None)
first = None if longest is None else 0 if longest[0] < 0.1 else longest[1] - start
gap = gaps[len(gaps) * 99 // 100] * 1000 if gaps else 0
print(mode, case, round(dual * 1000), "none" if first is None else round(first * 1000), correct, round(gap))
PY
        done
    done
done

python3 - "$RESULTS" "$TRIALS" <<'PY'
import sys
from collections import OrderedDict
rows = OrderedDict()
for line in open(sys.argv[1]):
    mode, case, dual, first, correct, gap = line.split()
    rows.setdefault((mode, case), []).append((int(dual), first, correct == "0", int(gap)))
print(f"{'configuration':<12} {'case':<14} {'trials':>6} {'dual-active ms':>15} {'client back ms':>15} "
      f"{'final state':>12} {'sample gap':>11}")
passed = failed = 0
for (mode, case), trials in rows.items():
    duals = [d for d, _, _, _ in trials]
    firsts = sorted(int(f) for _, f, _, _ in trials if f != "none")
    good = sum(1 for _, _, c, _ in trials if c)
    reply = f"{firsts[len(firsts) // 2]} (median)" if firsts else "none"
    ok = max(duals) == 0 and good == len(trials)
    passed, failed = passed + ok, failed + (not ok)
    print(f"{mode:<12} {case:<14} {len(trials):>6} {('0' if max(duals) == 0 else f'{sum(duals)} total'):>15} "
          f"{reply:>15} {f'{good}/{len(trials)} right':>12} {max(g for *_, g in trials):>8} ms")
print(f"{passed} passed, {failed} failed")
PY
