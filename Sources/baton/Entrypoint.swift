import BatonCLI

@main enum Entrypoint {
    static func main() async { await Baton.main() }
}
