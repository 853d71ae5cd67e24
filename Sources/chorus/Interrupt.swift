import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ctrl-C for `chorus chat`: while a reply is generated it stops that reply, not the program.
///
/// The handler only sets an atomic flag (async-signal-safe) that the generation loop polls
/// between tokens. It is installed without `SA_RESTART`, so a Ctrl-C at the prompt interrupts the
/// read: the line editor then ends the chat cleanly, with the terminal restored.
enum Interrupt {
    private static let flag = Atomic<Bool>(false)

    /// Routes SIGINT to the flag from now on.
    static func install() {
        var action = sigaction()
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = { _ in Interrupt.flag.store(true, ordering: .relaxed) }
        #else
        action.__sigaction_u.__sa_handler = { _ in Interrupt.flag.store(true, ordering: .relaxed) }
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
    }

    /// Whether Ctrl-C came since the last `clear()`.
    static var requested: Bool { flag.load(ordering: .relaxed) }

    /// Forgets an earlier Ctrl-C.
    static func clear() { flag.store(false, ordering: .relaxed) }
}
