/// Lookups over a specification that planning needs many times.
struct SpecIndex {
    /// The groups each group is kept apart from.
    let apartPartners: [GroupName: [GroupName]]
    /// For each group, the groups it is ordered after (`first` of a rule whose `then` it is), in file order.
    let firsts: [GroupName: [GroupName]]
    /// For each group, the groups ordered after it, in file order.
    let thens: [GroupName: [GroupName]]

    init(_ spec: ClusterSpec) {
        var partners: [GroupName: [GroupName]] = [:]
        for rule in spec.colocation where rule.kind == .apart {
            for group in rule.groups {
                partners[group.value, default: []] += rule.groups.map(\.value).filter { $0 != group.value }
            }
        }
        apartPartners = partners
        var firsts: [GroupName: [GroupName]] = [:]
        var thens: [GroupName: [GroupName]] = [:]
        for rule in spec.order {
            firsts[rule.then.value, default: []].append(rule.first.value)
            thens[rule.first.value, default: []].append(rule.then.value)
        }
        self.firsts = firsts
        self.thens = thens
    }
}
