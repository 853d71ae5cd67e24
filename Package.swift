// swift-tools-version: 6.2
// Chorus: a locally hosted MoE assistant for Messenger, Instagram and WhatsApp.
// Targets are layers (see README's tree); dependencies point down.
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]
/// The engine works on raw pointers shared across its own worker threads.
let engine: [SwiftSetting] = [.swiftLanguageMode(.v5), .unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

let package = Package(
    name: "Chorus",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "chorus", targets: ["chorus"]),
        // The parsers, as a library for the fuzzing package in Fuzz/.
        .library(name: "ChorusParsers", targets: [
            "ChorusCore", "MetaWebhook", "MessengerAdapter", "InstagramAdapter", "WhatsAppAdapter", "MoE",
        ]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // The normalized message model. No dependencies.
        .target(name: "ChorusCore", path: "Sources/ChorusCore", swiftSettings: strict),

        // System libraries from Debian's packages.
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CJPEG", path: "Sources/CJPEG", pkgConfig: "libjpeg",
                       providers: [.apt(["libjpeg62-turbo-dev"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),

        // Platform adapters: pure decode/render, no I/O.
        .target(name: "MetaWebhook", dependencies: ["ChorusCore", "CCrypto"], path: "adapters/Meta", swiftSettings: strict),
        .target(name: "MessengerAdapter", dependencies: ["ChorusCore", "MetaWebhook"], path: "adapters/Messenger", swiftSettings: strict),
        .target(name: "InstagramAdapter", dependencies: ["ChorusCore", "MetaWebhook"], path: "adapters/Instagram", swiftSettings: strict),
        .target(name: "WhatsAppAdapter", dependencies: ["ChorusCore", "MetaWebhook"], path: "adapters/WhatsApp", swiftSettings: strict),

        // Durable queue, history and outbox.
        .target(name: "Queue", dependencies: [
            "ChorusCore",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/Queue", swiftSettings: strict),
        // The same queue on PostgreSQL, for several hosts sharing one queue. A target of its own so the
        // layers that only need the protocols (ingress, worker) and SQLite users do not link NIO's client.
        .target(name: "QueuePostgres", dependencies: [
            "ChorusCore", "Queue",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/QueuePostgres", swiftSettings: strict),

        // HTTP ingress.
        .target(name: "Webhooks", dependencies: [
            "ChorusCore", "MetaWebhook", "MessengerAdapter", "InstagramAdapter", "WhatsAppAdapter", "Queue",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
        ], path: "webhooks", swiftSettings: strict),

        // Language identification from bundled n-gram data (Resources/ holds the model).
        .target(name: "LanguageID", path: "Sources/LanguageID", resources: [.copy("Resources")], swiftSettings: strict),

        // Plays Meta: signed webhooks, a fake Graph API, scenarios and load.
        .target(name: "Simulator", dependencies: [
            "ChorusCore", "MetaWebhook",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "Sources/Simulator", swiftSettings: strict),

        // The engine's hot integer dot products in C: AVX2 / AVX-512 VNNI variants chosen at run time,
        // portable C elsewhere. Optimized in debug builds too, so tests run at speed.
        .target(name: "CKernels", path: "Sources/CKernels", cSettings: [.unsafeFlags(["-O2"])]),

        // The inference engine: knows nothing about chat platforms.
        .target(name: "MoE", dependencies: ["CBLAS", "CKernels", "CJPEG", "CPNG"], path: "Sources/MoE", swiftSettings: engine),

        // The worker: queue → policy → memory → engine → outbox → Send API.
        .target(name: "Assistant", dependencies: [
            "ChorusCore", "Queue", "MetaWebhook", "MessengerAdapter", "InstagramAdapter", "WhatsAppAdapter", "LanguageID", "MoE",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
        ], path: "Sources/Assistant", swiftSettings: strict),

        // The in-process engine as an OpenAI-compatible HTTP API (/v1/chat/completions, /v1/models).
        .target(name: "OpenAIServer", dependencies: [
            "Assistant", "MoE",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/OpenAIServer", swiftSettings: strict),

        // The command line: one composition root.
        .executableTarget(name: "chorus", dependencies: [
            "ChorusCore", "Queue", "QueuePostgres", "Webhooks", "MoE", "Simulator", "LanguageID", "Assistant", "OpenAIServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ], path: "Sources/chorus", swiftSettings: strict),

        .testTarget(name: "ChorusCoreTests", dependencies: ["ChorusCore"], path: "Tests/ChorusCoreTests"),
        .testTarget(name: "AdapterTests", dependencies: ["ChorusCore", "MetaWebhook", "MessengerAdapter", "InstagramAdapter", "WhatsAppAdapter"],
                    path: "Tests/AdapterTests", resources: [.copy("Fixtures")]),
        .testTarget(name: "QueueTests", dependencies: [
            "ChorusCore", "Queue", "QueuePostgres", .product(name: "PostgresNIO", package: "postgres-nio"),
        ], path: "Tests/QueueTests"),
        .testTarget(name: "WebhooksTests", dependencies: [
            "chorus", "Webhooks", "Queue", "ChorusCore", "MetaWebhook", "Simulator",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "Tests/WebhooksTests"),
        .testTarget(name: "AssistantTests", dependencies: [
            "chorus", "Assistant", "Queue", "QueuePostgres", "ChorusCore", "Simulator", "MoE",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "Tests/AssistantTests"),
        .testTarget(name: "OpenAIServerTests", dependencies: [
            "chorus", "OpenAIServer", "Assistant", "MoE", "Simulator",
            .product(name: "Hummingbird", package: "hummingbird"),
        ], path: "Tests/OpenAIServerTests"),
        .testTarget(name: "LanguageIDTests", dependencies: ["LanguageID"], path: "Tests/LanguageIDTests"),
        .testTarget(name: "MoETests", dependencies: ["MoE", "LanguageID"], path: "Tests/MoETests", resources: [.copy("Fixtures")]),
    ]
)
