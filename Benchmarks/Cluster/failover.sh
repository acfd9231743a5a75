#!/usr/bin/env bash
# Failover time of real engines, Baton's and keepalived's, measured side by side. Each trial builds two node
# namespaces (two links each on two bridges) and a client namespace, starts one system on both nodes with the
# floating address 10.$NET.1.50 on n1, pings the address from the client every 10 ms, then crashes n1
# (every process in its namespace stopped, its links set down, the processes killed with SIGKILL) and measures the time from the
# crash to the client's first reply from the address. The systems take turns trial by trial, in these
# columns (SYSTEMS chooses and orders them):
#
#   keepalived    Debian's keepalived, VRRPv3 on eth0, advert_int 0.1 s, priorities 100 (n1) and 50 (n2):
#                 the backup takes over after three missed adverts plus its skew, (256 - 50) / 256 × 0.1 s
#   baton         interval 100 ms, deadtime 300 ms (three missed heartbeats), no fencing: the crashed node
#                 answers no ICMP echo on any link (event node-down), so the address is taken without its
#                 ARP probe
#   baton-fenced  the same with fencing through agents/fence-netns (action reboot) and fencing.delay 0s; the
#                 default delay, 5 s, would be in this path by design (the node that runs fewer groups
#                 waits before it fences, so that in a partition the other one survives)
#   baton-20ms    interval 20 ms, deadtime 60 ms, no fencing
#
# Prints every trial, then each column's median, minimum and maximum, and each Baton column's ratio to
# keepalived's median. Needs root, iproute2, iputils-ping and (for its column) keepalived. KEEP=1 keeps
# the folder afterwards, with each trial's configuration, logs and ping output in trial-N-COLUMN.
#
#   Benchmarks/Cluster/failover.sh [BATON] [TRIALS]     (default .build/release/baton, 20 trials)
set -euo pipefail
BATON=$(realpath "${1:-.build/release/baton}")
TRIALS=${2:-20}
SYSTEMS=${SYSTEMS:-keepalived baton baton-fenced baton-20ms}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
P=bf$$
DIR=$(mktemp -d /tmp/baton-failover-XXXXXX)
NET=$((100 + $$ % 100))
VIP=10.$NET.1.50

cleanup() {
    for ns in n1 n2 c; do
        for pid in $(ip netns pids $P$ns 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    done
    for ns in n1 n2 c sw; do ip netns del $P$ns 2>/dev/null || true; done
}
trap 'cleanup; [ -n "${KEEP:-}" ] || rm -rf "$DIR"' EXIT
. "$(dirname "$0")/netns.sh"
head -c 32 /dev/urandom | base64 > "$DIR/key"; chmod 600 "$DIR/key"

baton_config() {  # $1 interval, $2 warntime, $3 deadtime, $4 "fenced" or empty
    cat <<YAML
version: 1
cluster: bench
heartbeat: {interval: $1, warntime: $2, deadtime: $3, initdead: 2s, key-file: key}
nodes:
  - {name: n1, priority: 100, links: [10.$NET.1.1, 10.$NET.2.1]}
  - {name: n2, priority: 50, links: [10.$NET.1.2, 10.$NET.2.2]}
groups:
  - name: vip
    resources:
      - name: vip
        agent: floating-ip
        params: {address: $VIP/24, interface: eth0}
YAML
    [ "$4" = fenced ] && cat <<YAML
fencing:
  action: reboot
  delay: 0s
  devices:
    - {name: netns, agent: $ROOT/agents/fence-netns, params: {namespace_prefix: $P}}
  topology: {n1: [netns], n2: [netns]}
YAML
    return 0
}

owner() {  # the node whose engine reports the group started there, seen from node n2
    "$BATON" status --json -c "$DIR/$1.yaml" --state-dir "$DIR/s2" 2>/dev/null |
        python3 -c 'import json,sys; print("".join(r.get("node","") for r in json.load(sys.stdin)["state"]["resources"] if r["name"]=="vip" and r["status"]=="started"))' 2>/dev/null || true
}

start_baton() {  # $1 the column; returns once n2 sees the group started on n1
    case $1 in
    baton) baton_config 100ms 200ms 300ms "" ;;
    baton-fenced) baton_config 100ms 200ms 300ms fenced ;;
    baton-20ms) baton_config 20ms 40ms 60ms "" ;;
    esac > "$DIR/$1.yaml"
    rm -rf "$DIR"/s1 "$DIR"/s2; mkdir -p "$DIR/s1" "$DIR/s2"
    for n in 1 2; do
        ip netns exec ${P}n$n "$BATON" run -c "$DIR/$1.yaml" --state-dir "$DIR/s$n" >"$DIR/$1.log$n" 2>&1 &
        disown
    done
    for _ in $(seq 1 100); do [ "$(owner "$1")" = n1 ] && return 0; sleep 0.1; done
    echo "$1: the group never started on n1" >&2; tail -n 5 "$DIR/$1.log1" "$DIR/$1.log2" >&2; return 1
}

has_vip() { ip -n ${P}n$1 -o addr show dev eth0 | grep -q " $VIP/"; }

start_keepalived() {  # returns once n1 holds the address and n2 has heard it for half a second
    for n in 1 2; do
        cat > "$DIR/keepalived$n.conf" <<CONF
global_defs {
    router_id n$n
    vrrp_version 3
}
vrrp_instance vip {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority $([ $n = 1 ] && echo 100 || echo 50)
    advert_int 0.1
    virtual_ipaddress {
        $VIP/24 dev eth0
    }
}
CONF
        ip netns exec ${P}n$n keepalived -n -l -P -f "$DIR/keepalived$n.conf" -p "$DIR/keepalived$n.pid" \
            -r "$DIR/keepalived$n.vrrp.pid" >"$DIR/keepalived.log$n" 2>&1 &
        disown
    done
    for _ in $(seq 1 100); do has_vip 1 && ! has_vip 2 && { sleep 0.5; return 0; }; sleep 0.1; done
    echo "keepalived: n1 never held the address" >&2; tail -n 5 "$DIR/keepalived.log1" >&2; return 1
}

trial() {  # $1 the column; writes the milliseconds from the crash to the client's first reply to $DIR/ms
    cleanup; network
    case $1 in keepalived) start_keepalived ;; *) start_baton "$1" ;; esac
    ip netns exec ${P}c ping -D -n -i 0.01 -W 0.05 $VIP > "$DIR/ping" 2>/dev/null &
    local ping=$!
    sleep 0.3
    # The crash, as one instant: every process stopped (none can react to another's death, as keepalived's
    # VRRP process would with its priority-0 advert when its parent dies, nor to its links going down), the
    # links set down (no echo answered, no packet sent), every process killed; the clock starts then.
    local pids
    pids=$(ip netns pids ${P}n1)
    kill -STOP $pids
    ip -n ${P}n1 link set eth0 down; ip -n ${P}n1 link set eth1 down
    kill -9 $pids
    local start
    start=$(date +%s.%N)
    for _ in $(seq 1 100); do has_vip 2 && break; sleep 0.1; done
    sleep 0.3
    kill -INT "$ping" 2>/dev/null || true; wait "$ping" 2>/dev/null || true
    python3 - "$DIR/ping" "$start" > "$DIR/ms" <<'PY'
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
}

for system in $SYSTEMS; do : > "$DIR/times-$system"; done
for run in $(seq 1 "$TRIALS"); do
    line="trial $run:"
    for system in $SYSTEMS; do
        trial "$system"
        ms=$(cat "$DIR/ms")
        if [ -n "${KEEP:-}" ]; then
            mkdir "$DIR/trial-$run-$system"
            mv "$DIR"/$system.* "$DIR"/ping "$DIR/trial-$run-$system"/ 2>/dev/null || true
            [ $system = keepalived ] && mv "$DIR"/keepalived[12].* "$DIR/trial-$run-$system"/
        fi
        [ "$ms" = none ] && { echo "trial $run, $system: no reply from the floating address" >&2; exit 1; }
        echo "$ms" >> "$DIR/times-$system"
        line="$line $system ${ms} ms,"
    done
    echo "${line%,}"
done
python3 - "$DIR" $SYSTEMS <<'PY'
import statistics, sys
folder, systems = sys.argv[1], sys.argv[2:]
times = {s: [int(x) for x in open(f"{folder}/times-{s}")] for s in systems}
median = {s: statistics.median(t) for s, t in times.items()}
for s, t in times.items():
    ratio = f", {median[s] / median['keepalived']:.2f} × keepalived" if "keepalived" in times and s != "keepalived" else ""
    print(f"{s}: {len(t)} trials, median {median[s]:.0f} ms, minimum {min(t)} ms, maximum {max(t)} ms{ratio}")
PY
