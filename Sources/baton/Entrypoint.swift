import BatonCLI
import CMalloc

@main enum Entrypoint {
    static func main() async {
        // One malloc arena, grown 4 MiB at a time. Commands run on a worker thread, whose own arena grew a few
        // pages per call: 2,500 mprotect calls for one `baton plan` of 500 groups. Baton's threads allocate
        // little at once, so they do not contend for the one arena.
        mallopt(M_ARENA_MAX, 1)
        mallopt(M_TOP_PAD, 4 << 20)
        await ConfigOptions.$commandLine.withValue(Array(CommandLine.arguments.dropFirst())) { await Baton.main() }
    }
}
