# Sourced by the cluster benchmarks: the namespaces of a two-node test cluster, named $P<name>.
#
# network: a switch namespace ${P}sw with two bridges (br0 answers pings at 10.$NET.1.254, br1 at
# 10.$NET.2.254), nodes ${P}n1 and ${P}n2 (the prefix and the node's name, as agents/fence-netns finds
# them) with eth0 (10.$NET.1.N) on br0 and eth1 (10.$NET.2.N) on br1, and a client ${P}c with eth0
# (10.$NET.1.100) on br0.
network() {
    ip netns add ${P}sw
    for b in 0 1; do
        ip -n ${P}sw link add br$b type bridge; ip -n ${P}sw link set br$b up
        ip -n ${P}sw addr add 10.$NET.$((b + 1)).254/24 dev br$b
    done
    for n in n1 n2 c; do
        ip netns add $P$n
        ip -n $P$n link set lo up
        for b in 0 1; do
            [ $n = c ] && [ $b = 1 ] && continue
            ip link add $P$n$b type veth peer name ${P}s$n$b
            ip link set $P$n$b netns $P$n
            ip link set ${P}s$n$b netns ${P}sw
            ip -n ${P}sw link set ${P}s$n$b master br$b up
            ip -n $P$n link set $P$n$b name eth$b
            host=${n#n}; [ $n = c ] && host=100
            ip -n $P$n addr add 10.$NET.$((b + 1)).$host/24 dev eth$b
            ip -n $P$n link set eth$b up
        done
    done
}
