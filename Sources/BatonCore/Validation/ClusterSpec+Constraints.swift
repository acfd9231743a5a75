extension ClusterSpec {
    /// Unknown groups, self-references and cycles in `order`.
    func validateOrder() -> [Diagnostic] {
        let known = groups.map(\.name)
        let defined = Set(known)
        var diagnostics: [Diagnostic] = []
        var edges: [GroupName: [GroupName]] = [:]
        var firstRule: [Set<GroupName>: SourceLocation] = [:]
        for rule in order {
            let unknown = [rule.first, rule.then].filter { !defined.contains($0.value) }
            diagnostics += unknown.map { Self.unknownReference($0, known: known, in: "an order rule") }
            guard unknown.isEmpty else { continue }
            if rule.first.value == rule.then.value {
                diagnostics.append(
                    Diagnostic(
                        .error, .orderCycle, at: rule.location, "group '\(rule.first.value)' is ordered after itself",
                        hint: "an order rule names two different groups: {first: A, then: B}"))
                continue
            }
            edges[rule.first.value, default: []].append(rule.then.value)
            firstRule[[rule.first.value, rule.then.value]] =
                firstRule[[rule.first.value, rule.then.value]] ?? rule.location
        }
        for component in Self.stronglyConnectedComponents(known, edges: edges) where component.count > 1 {
            let members = Set(component)
            // Report the cycle once, at the first rule in the file that belongs to it.
            let location = order.first { members.contains($0.first.value) && members.contains($0.then.value) }!.location
            diagnostics.append(
                Diagnostic(
                    .error, .orderCycle, at: location,
                    "order rules form a cycle among groups \(component.sorted().map { "'\($0)'" }.joined(separator: ", "))",
                    hint: "remove one of the order rules between these groups so that one of them can start first"))
        }
        return diagnostics
    }

    /// Unknown groups, contradictions between together and apart, and sets of groups that cannot be placed.
    func validateColocation() -> [Diagnostic] {
        guard !colocation.isEmpty else { return [] }
        let known = groups.map(\.name)
        let defined = Set(known)
        var diagnostics: [Diagnostic] = []
        var sets = DisjointSets(known)
        var usable: [ColocationConstraint] = []
        for rule in colocation {
            let unknown = rule.groups.filter { !defined.contains($0.value) }
            diagnostics += unknown.map { Self.unknownReference($0, known: known, in: "a colocation rule") }
            var seen: Set<GroupName> = []
            for name in rule.groups where !seen.insert(name.value).inserted {
                diagnostics.append(
                    Diagnostic(
                        .error, .colocationConflict, at: name.location,
                        "group '\(name.value)' is listed twice in one colocation rule",
                        hint: "list each group once"))
            }
            if seen.count < 2 {
                diagnostics.append(
                    Diagnostic(
                        .error, .badValue, at: rule.location, "a colocation rule needs at least two groups",
                        hint: "list two or more groups, or remove the rule"))
            }
            guard unknown.isEmpty, seen.count == rule.groups.count, seen.count >= 2 else { continue }
            usable.append(rule)
            if rule.kind == .together {
                for name in rule.groups.dropFirst() { sets.union(rule.groups[0].value, name.value) }
            }
        }
        var candidates: [GroupName: Set<NodeName>] = [:]
        for group in groups {
            candidates[sets.representative(of: group.name), default: Set(nodes.map(\.name))].formIntersection(
                self.candidates(for: group))
        }
        for rule in usable where rule.kind == .together {
            let representative = sets.representative(of: rule.groups[0].value)
            if candidates[representative]!.isEmpty {
                let names = rule.groups.map { "'\($0.value)'" }.joined(separator: ", ")
                diagnostics.append(
                    Diagnostic(
                        .error, .unplaceable, at: rule.location,
                        "groups \(names) must run together but have no node in common",
                        hint: "list a node that every one of these groups may run on"))
            }
        }
        for rule in usable where rule.kind == .apart {
            diagnostics += apartErrors(rule, sets: &sets, candidates: candidates)
        }
        return diagnostics
    }

    private func apartErrors(
        _ rule: ColocationConstraint, sets: inout DisjointSets, candidates: [GroupName: Set<NodeName>]
    ) -> [Diagnostic] {
        let names = rule.groups.map(\.value)
        for (index, a) in names.enumerated() {
            for b in names[(index + 1)...] where sets.representative(of: a) == sets.representative(of: b) {
                return [
                    Diagnostic(
                        .error, .colocationConflict, at: rule.location,
                        "groups '\(a)' and '\(b)' must be apart here but are kept together by another colocation rule",
                        hint: "remove one of the two rules")
                ]
            }
        }
        let options = names.map { candidates[sets.representative(of: $0)]! }
        guard Self.maximumMatching(options) < names.count else { return [] }
        let usableNodes = options.reduce(into: Set<NodeName>()) { $0.formUnion($1) }.sorted()
        return [
            Diagnostic(
                .error, .unplaceable, at: rule.location,
                "\(names.count) groups must run on different nodes but can use only \(usableNodes.count) "
                    + "(\(usableNodes.map { "'\($0)'" }.joined(separator: ", ")))",
                hint: "allow more nodes for these groups, or keep fewer of them apart")
        ]
    }

    /// The size of a maximum matching of groups to distinct nodes (Kuhn's augmenting paths).
    static func maximumMatching(_ options: [Set<NodeName>]) -> Int {
        var owner: [NodeName: Int] = [:]
        func augment(_ group: Int, _ visited: inout Set<NodeName>) -> Bool {
            for node in options[group].sorted() where visited.insert(node).inserted {
                if let other = owner[node], !augment(other, &visited) { continue }
                owner[node] = group
                return true
            }
            return false
        }
        var matched = 0
        for group in options.indices {
            var visited: Set<NodeName> = []
            if augment(group, &visited) { matched += 1 }
        }
        return matched
    }

    /// Tarjan's algorithm, iterative so that a long chain of order rules cannot exhaust the stack.
    static func stronglyConnectedComponents(_ vertices: [GroupName], edges: [GroupName: [GroupName]]) -> [[GroupName]] {
        var index: [GroupName: Int] = [:]
        var lowLink: [GroupName: Int] = [:]
        var onStack: Set<GroupName> = []
        var stack: [GroupName] = []
        var components: [[GroupName]] = []
        var counter = 0
        for root in vertices where index[root] == nil {
            var work: [(vertex: GroupName, next: Int)] = [(root, 0)]
            index[root] = counter
            lowLink[root] = counter
            counter += 1
            stack.append(root)
            onStack.insert(root)
            while let (vertex, next) = work.last {
                let successors = edges[vertex] ?? []
                if next < successors.count {
                    work[work.count - 1].next += 1
                    let successor = successors[next]
                    if index[successor] == nil {
                        index[successor] = counter
                        lowLink[successor] = counter
                        counter += 1
                        stack.append(successor)
                        onStack.insert(successor)
                        work.append((successor, 0))
                    } else if onStack.contains(successor) {
                        lowLink[vertex] = min(lowLink[vertex]!, index[successor]!)
                    }
                    continue
                }
                work.removeLast()
                if let parent = work.last?.vertex {
                    lowLink[parent] = min(lowLink[parent]!, lowLink[vertex]!)
                }
                if lowLink[vertex] == index[vertex] {
                    var component: [GroupName] = []
                    while let member = stack.popLast() {
                        onStack.remove(member)
                        component.append(member)
                        if member == vertex { break }
                    }
                    components.append(component)
                }
            }
        }
        return components
    }
}
