import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ctrl-C for `chorus chat`: while a reply is generated it stops that reply, not the program.
///
/// The handler runs on whichever thread the kernel picks, so it only touches atomics
/// (async-signal-safe): during a reply it sets a flag the generation loop polls between tokens;
/// otherwise it restores the default action and raises SIGINT again, ending the program as usual.
/// At a terminal prompt Ctrl-C never becomes a signal: the line editor reads it as a key.
enum Interrupt {
    private static let flag = Atomic<Bool>(false)
    private static let replying = Atomic<Bool>(false)

    /// Routes SIGINT to the handler from now on.
    static func install() {
        var action = sigaction()
        let handler: @convention(c) (Int32) -> Void = { _ in
            if Interrupt.replying.load(ordering: .sequentiallyConsistent) {
                Interrupt.flag.store(true, ordering: .sequentiallyConsistent)
            } else {
                signal(SIGINT, SIG_DFL)
                raise(SIGINT)
            }
        }
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = handler
        #else
        action.__sigaction_u.__sa_handler = handler
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(SIGINT, &action, nil)
    }

    /// Runs `body` (a reply) with Ctrl-C stopping it rather than the program.
    static func duringReply<T>(_ body: () throws -> T) rethrows -> T {
        flag.store(false, ordering: .sequentiallyConsistent)
        replying.store(true, ordering: .sequentiallyConsistent)
        defer { replying.store(false, ordering: .sequentiallyConsistent) }
        return try body()
    }

    /// Whether Ctrl-C came during the current reply.
    static var requested: Bool { flag.load(ordering: .relaxed) }
}
