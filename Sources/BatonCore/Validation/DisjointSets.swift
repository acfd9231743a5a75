/// Union-find over group names, for groups that must run together.
struct DisjointSets {
    private var parent: [GroupName: GroupName] = [:]

    init(_ names: [GroupName]) {
        for name in names { parent[name] = name }
    }

    mutating func representative(of name: GroupName) -> GroupName {
        var root = name
        while let next = parent[root], next != root { root = next }
        var current = name
        while let next = parent[current], next != root {
            parent[current] = root
            current = next
        }
        return root
    }

    mutating func union(_ a: GroupName, _ b: GroupName) {
        let (rootA, rootB) = (representative(of: a), representative(of: b))
        if rootA != rootB { parent[max(rootA, rootB)] = min(rootA, rootB) }
    }
}
