/// The meaning of an agent's exit code, as the OCF resource-agent API defines it.
public enum OCFExitCode {
    /// The code's name in plain words; unknown codes count as a generic error.
    public static func meaning(_ code: Int) -> String {
        switch code {
        case 0: "success"
        case 1: "generic error"
        case 2: "invalid argument"
        case 3: "unimplemented feature"
        case 4: "insufficient privileges"
        case 5: "not installed"
        case 6: "not configured"
        case 7: "not running"
        case 8: "running promoted"
        case 9: "failed promoted"
        case 190: "degraded"
        case 191: "degraded promoted"
        default: "generic error (unknown code \(code))"
        }
    }

    /// A hard error: the resource cannot run on that node (invalid argument, insufficient privileges, not
    /// installed), so that node is banned for it until an administrator cleans it up.
    public static func isHardError(_ code: Int) -> Bool { [2, 4, 5].contains(code) }

    /// "Not configured": the resource's configuration is wrong, so it can run nowhere.
    public static func isFatal(_ code: Int) -> Bool { code == 6 }

    /// `exit 7 (not running)`.
    public static func describe(_ code: Int) -> String { "exit \(code): \(meaning(code))" }
}
