import BatonAgents
import BatonCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Files that tests use as agents.
enum Fixtures {
    /// The absolute path of a fixture.
    static func path(_ name: String) -> String {
        let file = #filePath
        return String(file[..<file.lastIndex(of: "/")!]) + "/Fixtures/" + name
    }

    /// The repository's root.
    static var repository: String {
        let file = #filePath
        let tests = file[..<file.lastIndex(of: "/")!]
        return String(tests[..<tests.lastIndex(of: "/")!].dropLast("/Tests".count))
    }
}

extension OCFAgent {
    /// A script agent at `path`, killed one second after SIGTERM on timeout.
    static func script(_ path: String) -> OCFAgent {
        OCFAgent(
            reference: .script(path: path), path: path, provider: "local",
            type: String(path.split(separator: "/").last ?? ""), ocfRoot: "/usr/lib/ocf", grace: .seconds(1))
    }
}

/// A directory made for one test and removed with everything in it when the value goes.
final class TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/baton-test-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw TestFailure("mkdtemp failed") }
        path = String(cString: made)
    }

    deinit {
        removeTree(path)
    }

    func exists(_ name: String) -> Bool { access(path + "/" + name, F_OK) == 0 }

    func readBytes(_ name: String) throws -> [UInt8] { try Self.readBytes(atPath: path + "/" + name) }

    func read(_ name: String) throws -> String { String(decoding: try readBytes(name), as: UTF8.self) }

    /// The contents of any file.
    static func read(atPath path: String) throws -> String {
        String(decoding: try readBytes(atPath: path), as: UTF8.self)
    }

    static func readBytes(atPath path: String) throws -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw TestFailure("cannot read \(path)") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer[..<count]
        }
        return bytes
    }

    func write(_ name: String, _ text: String) throws {
        guard let file = fopen(path + "/" + name, "wb") else { throw TestFailure("cannot write \(name)") }
        defer { fclose(file) }
        _ = text.utf8CString.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count - 1, file) }
    }
}

/// Removes a directory tree without following symbolic links.
func removeTree(_ path: String) {
    if let directory = opendir(path) {
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            let child = path + "/" + name
            if entry.pointee.d_type == UInt8(DT_DIR) { removeTree(child) } else { unlink(child) }
        }
        closedir(directory)
    }
    rmdir(path)
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        var result = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound] + replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}

/// Whether a process runs: it exists and is not a zombie waiting for its parent (PID 1 may reap it late).
func isRunning(_ pid: Int32) -> Bool {
    guard let line = firstLine(of: "/proc/\(pid)/stat"), let close = line.lastIndex(of: ")") else { return false }
    let state = line[close...].dropFirst(2).first
    return state != "Z" && state != "X"
}

/// The first line of a file (up to 511 bytes), or nil when it cannot be read or is empty.
func firstLine(of path: String) -> String? {
    guard let file = fopen(path, "r") else { return nil }
    defer { fclose(file) }
    var buffer = [CChar](repeating: 0, count: 512)
    guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Whether a test's prerequisite holds. Outside CI a missing one skips the test with a printed reason; under
/// `CI=true` it is a failure.
func prerequisite(_ holds: Bool, _ what: String) -> Bool {
    if holds { return true }
    #expect(getenv("CI").map { String(cString: $0) } != "true", "CI=true but \(what)")
    print("skipping: \(what)")
    return false
}

/// Runs a program to its end, never through a shell, for at most ten seconds.
func run(_ program: String, _ arguments: [String]) async -> ProcessResult {
    await ProcessRunner().run(
        ProcessRequest(executable: program, arguments: arguments, timeout: .seconds(10), grace: .seconds(1)))
}

/// A TCP port on 127.0.0.1 that nothing listens on now: the kernel's choice for port 0, so that tests running at
/// the same time do not pick the same one.
func unusedLoopbackPort() throws -> UInt16 {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { throw TestFailure("socket failed") }
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0
        }
    }
    guard bound else { throw TestFailure("cannot bind a loopback port") }
    return UInt16(bigEndian: address.sin_port)
}
