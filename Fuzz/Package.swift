// swift-tools-version: 6.2
// libFuzzer targets for Chorus's parsers. Built only by scripts/fuzz.sh with
// `-Xswiftc -sanitize=fuzzer` (libFuzzer supplies main), never by the main package.
import PackageDescription

let package = Package(
    name: "ChorusFuzz",
    // `chorus` is a symbolic link to the repository: the package identity comes from that name,
    // whatever the clone's folder is called.
    dependencies: [.package(path: "chorus")],
    targets: [
        .executableTarget(name: "FuzzWebhooks", dependencies: [.product(name: "ChorusParsers", package: "chorus")]),
        .executableTarget(name: "FuzzGGUF", dependencies: [.product(name: "ChorusParsers", package: "chorus")]),
        .executableTarget(name: "FuzzTokenizer", dependencies: [.product(name: "ChorusParsers", package: "chorus")]),
    ]
)
