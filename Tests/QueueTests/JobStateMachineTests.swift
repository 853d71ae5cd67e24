import Foundation
import Queue
import Testing

/// The lifecycle table, rule by rule: every (state, event) pair is exercised.
@Suite struct JobStateMachineTests {
    let t0 = Date(timeIntervalSince1970: 1_000_000)
    let policy = RetryPolicy(maxAttempts: 3, baseDelay: 10, multiplier: 2, maxDelay: 25)

    func queued(attempts: Int = 0, availableAt: Date? = nil) -> Job {
        Job(state: .queued, attempts: attempts, availableAt: availableAt ?? t0)
    }

    func leased(by owner: String = "w1", attempts: Int = 1, expiresAt: Date? = nil) -> Job {
        Job(state: .leased, attempts: attempts, leaseOwner: owner, leasedAt: t0,
            leaseExpiresAt: expiresAt ?? t0.addingTimeInterval(30), availableAt: t0)
    }

    func apply(_ job: Job, _ event: JobStateMachine.Event) -> JobStateMachine.Action {
        JobStateMachine.transition(job, on: event, policy: policy)
    }

    @Test func leaseTakesAQueuedJobAndCountsAnAttempt() {
        let action = apply(queued(), .lease(owner: "w1", now: t0, duration: 30))
        let expected = Job(state: .leased, attempts: 1, leaseOwner: "w1", leasedAt: t0,
                           leaseExpiresAt: t0.addingTimeInterval(30), availableAt: t0)
        #expect(action == .update(expected, .leased(attempt: 1, expiresAt: t0.addingTimeInterval(30))))
    }

    @Test func leaseTakesARetryJobOnceItsBackoffPassed() {
        let job = Job(state: .retry, attempts: 1, availableAt: t0.addingTimeInterval(10), lastError: "timeout")
        #expect(apply(job, .lease(owner: "w1", now: t0, duration: 30)) == .reject(.notYetAvailable(until: t0.addingTimeInterval(10))))
        guard case .update(let next, .leased(attempt: 2, _)) = apply(job, .lease(owner: "w1", now: t0.addingTimeInterval(10), duration: 30)) else {
            Issue.record("retry job not leased after its backoff")
            return
        }
        #expect(next.state == .leased)
        #expect(next.lastError == "timeout", "the previous error stays visible to the worker")
    }

    @Test(arguments: [JobState.leased, .done, .dead])
    func leaseRejectsJobsThatAreNotWaiting(state: JobState) {
        var job = state == .leased ? leased() : queued()
        job.state = state
        #expect(apply(job, .lease(owner: "w2", now: t0.addingTimeInterval(100), duration: 30)) == .reject(.notLeasable(state)))
    }

    @Test func completeByTheHolderMarksDoneAndClearsTheLease() {
        let action = apply(leased(), .complete(owner: "w1", now: t0))
        #expect(action == .update(Job(state: .done, attempts: 1, availableAt: t0), .completed))
    }

    @Test func completeAfterExpiryStillCountsWhenNobodyTookTheLease() {
        let job = leased(expiresAt: t0)
        guard case .update(let next, .completed) = apply(job, .complete(owner: "w1", now: t0.addingTimeInterval(60))) else {
            Issue.record("late completion by the holder rejected")
            return
        }
        #expect(next.state == .done)
    }

    @Test func completeByAnotherWorkerIsRejected() {
        #expect(apply(leased(by: "w2"), .complete(owner: "w1", now: t0)) == .reject(.leaseLost(currentOwner: "w2")))
    }

    @Test(arguments: [JobState.queued, .done, .retry, .dead])
    func answersNeedALease(state: JobState) {
        var job = queued()
        job.state = state
        #expect(apply(job, .complete(owner: "w1", now: t0)) == .reject(.notLeased(state)))
        #expect(apply(job, .fail(owner: "w1", error: "x", permanent: false, now: t0)) == .reject(.notLeased(state)))
        #expect(apply(job, .renew(owner: "w1", now: t0, duration: 30)) == .reject(.notLeased(state)))
        #expect(apply(job, .leaseExpired(now: t0)) == .reject(.notLeased(state)))
    }

    @Test func renewExtendsOnlyTheHoldersLease() {
        let later = t0.addingTimeInterval(20)
        guard case .update(let next, .renewed(let until)) = apply(leased(), .renew(owner: "w1", now: later, duration: 30)) else {
            Issue.record("renew rejected")
            return
        }
        #expect(until == later.addingTimeInterval(30))
        #expect(next.leaseExpiresAt == until)
        #expect(apply(leased(), .renew(owner: "w9", now: later, duration: 30)) == .reject(.leaseLost(currentOwner: "w1")))
    }

    /// Attempt n failed (transiently) → retry after the policy's delay, until the last attempt.
    @Test(arguments: [(1, 10.0), (2, 20.0)])
    func transientFailureSchedulesABackoff(attempts: Int, delay: TimeInterval) {
        let now = t0.addingTimeInterval(5)
        let action = apply(leased(attempts: attempts), .fail(owner: "w1", error: "HTTP 503", permanent: false, now: now))
        let expected = Job(state: .retry, attempts: attempts, availableAt: now.addingTimeInterval(delay), lastError: "HTTP 503")
        #expect(action == .update(expected, .scheduledRetry(delay: delay, availableAt: now.addingTimeInterval(delay))))
    }

    @Test func failureOnTheLastAttemptIsDead() {
        guard case .update(let next, .deadLettered(let reason)) =
                apply(leased(attempts: 3), .fail(owner: "w1", error: "HTTP 503", permanent: false, now: t0)) else {
            Issue.record("last attempt not dead-lettered")
            return
        }
        #expect(next.state == .dead)
        #expect(next.leaseOwner == nil)
        #expect(reason == "HTTP 503 (gave up after 3 attempts)")
        #expect(next.lastError == reason)
    }

    @Test func permanentFailureIsDeadAtOnce() {
        let action = apply(leased(attempts: 1), .fail(owner: "w1", error: "131047 outside window", permanent: true, now: t0))
        let expected = Job(state: .dead, attempts: 1, availableAt: t0, lastError: "131047 outside window")
        #expect(action == .update(expected, .deadLettered(reason: "131047 outside window")))
    }

    @Test func failByAnotherWorkerIsRejected() {
        #expect(apply(leased(by: "w2"), .fail(owner: "w1", error: "x", permanent: true, now: t0)) == .reject(.leaseLost(currentOwner: "w2")))
    }

    @Test func expiredLeaseIsReleasedAndAvailableAtOnce() {
        let now = t0.addingTimeInterval(31)
        let action = apply(leased(attempts: 1), .leaseExpired(now: now))
        let expected = Job(state: .queued, attempts: 1, availableAt: now, lastError: "lease of w1 expired")
        #expect(action == .update(expected, .released))
    }

    @Test func leaseThatHasNotExpiredIsNotReleased() {
        let until = t0.addingTimeInterval(30)
        #expect(apply(leased(), .leaseExpired(now: t0.addingTimeInterval(29))) == .reject(.leaseNotExpired(until: until)))
    }

    @Test func expiredLeaseOnTheLastAttemptIsDead() {
        guard case .update(let next, .deadLettered) = apply(leased(attempts: 3), .leaseExpired(now: t0.addingTimeInterval(31))) else {
            Issue.record("poison event not dead-lettered")
            return
        }
        #expect(next.state == .dead)
        #expect(next.lastError?.contains("expired on the last of 3 attempts") == true)
    }

    @Test(arguments: [JobState.dead, .retry])
    func operatorRetryRequeuesWithFreshAttempts(state: JobState) {
        let job = Job(state: state, attempts: 3, availableAt: t0.addingTimeInterval(500), lastError: "boom")
        let now = t0.addingTimeInterval(60)
        let action = apply(job, .operatorRetry(now: now))
        #expect(action == .update(Job(state: .queued, attempts: 0, availableAt: now, lastError: "boom"), .requeued))
    }

    @Test(arguments: [JobState.queued, .leased, .done])
    func operatorRetryRejectsOtherStates(state: JobState) {
        var job = leased()
        job.state = state
        #expect(apply(job, .operatorRetry(now: t0)) == .reject(.notRetryable(state)))
    }

    @Test func mutatingHandleKeepsTheNewFieldsAndIgnoresRejections() {
        var machine = JobStateMachine(job: queued(), policy: policy)
        _ = machine.handle(.lease(owner: "w1", now: t0, duration: 30))
        #expect(machine.job.state == .leased)
        _ = machine.handle(.complete(owner: "intruder", now: t0))
        #expect(machine.job.state == .leased)
        _ = machine.handle(.complete(owner: "w1", now: t0))
        #expect(machine.job.state == .done)
    }

    /// A whole life: three tries with backoff, dead, operator retry, success.
    @Test func fullLifecycle() {
        var machine = JobStateMachine(job: queued(), policy: policy)
        var now = t0
        var delays: [TimeInterval] = []
        for _ in 1...3 {
            guard case .update(let job, .leased) = machine.handle(.lease(owner: "w", now: now, duration: 30)) else {
                Issue.record("lease rejected at \(now)")
                return
            }
            if case .update(_, .scheduledRetry(let delay, _)) = machine.handle(.fail(owner: "w", error: "e", permanent: false, now: now)) {
                delays.append(delay)
                now = now.addingTimeInterval(delay)
            }
            _ = job
        }
        #expect(delays == [10, 20])
        #expect(machine.job.state == .dead)
        _ = machine.handle(.operatorRetry(now: now))
        _ = machine.handle(.lease(owner: "w", now: now, duration: 30))
        #expect(machine.job.attempts == 1)
        _ = machine.handle(.complete(owner: "w", now: now))
        #expect(machine.job.state == .done)
    }
}
