import Runtime
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs Runtime's symbolication (``SymbolCache``'s misses) on one long-lived thread.
///
/// `Backtrace.symbolicated()` keeps the ELF images and DWARF line tables it loads in a cache
/// *per thread* (Runtime's `ElfImageCache.threadLocal`): run on the capturing thread, every
/// thread's first capture would load the debug info again (~40-120 ms) and keep its own copy.
/// On this one thread it is loaded once per process and shared, and ``warmUp()`` can load it at
/// ``SentrySDK/start(options:)`` before anything is captured.
///
/// The thread (`sentry-symbols`) is created on first use, detached, and then lives as long as
/// the process: one idle thread blocked on a condition variable. A capture that misses the
/// cache hands its symbolication over and waits for it (it needs the result), so the caller's
/// cost is unchanged but for the loading it no longer repeats. Jobs run one at a time, in order
/// (symbolication was serialized before too). A forked child starts its own thread; if a thread
/// cannot be created, jobs run on the caller's thread as before. Thread-safe.
final class Symbolicator: @unchecked Sendable {
    static let shared = Symbolicator()

    private final class Job {
        let body: () -> Void
        var done = false
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let workReady: UnsafeMutablePointer<pthread_cond_t>
    private let jobDone: UnsafeMutablePointer<pthread_cond_t>
    // Guarded by `mutex`.
    private var queue: [Job] = []
    /// The process the thread was started in (0: none yet); another pid means a forked child.
    private var threadPid: pid_t = 0
    private var thread = pthread_t()
    private var warmedUp = false

    private init() {
        mutex = .allocate(capacity: 1)
        workReady = .allocate(capacity: 1)
        jobDone = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(workReady, nil)
        pthread_cond_init(jobDone, nil)
    }

    /// Runs `body` on the symbolication thread and returns its result (inline when called on
    /// that thread, or when no thread can be started).
    func run<T>(_ body: () -> T) -> T {
        withoutActuallyEscaping(body) { body in
            var result: T?
            let job = Job { result = body() }
            pthread_mutex_lock(mutex)
            if threadPid == getpid(), pthread_equal(thread, pthread_self()) != 0 {
                pthread_mutex_unlock(mutex)
                return body()
            }
            guard startLocked() else {
                pthread_mutex_unlock(mutex)
                return body()
            }
            queue.append(job)
            pthread_cond_signal(workReady)
            while !job.done { pthread_cond_wait(jobDone, mutex) }
            pthread_mutex_unlock(mutex)
            return result!
        }
    }

    /// Loads the debug info that captures need (the image map, and the symbols and line tables
    /// of the image that holds the SDK: the main executable of a SwiftPM build) on the
    /// symbolication thread, without waiting for it. Once per process; later calls do nothing.
    func warmUp() {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard !warmedUp, startLocked() else { return }
        warmedUp = true
        queue.append(Job { SymbolCache.shared.warmUp() })
        pthread_cond_signal(workReady)
    }

    /// Starts the thread unless it runs in this process. Call with `mutex` held.
    private func startLocked() -> Bool {
        let pid = getpid()
        if threadPid == pid { return true }
        if threadPid != 0 {
            // A forked child: the parent's thread and queue are not here.
            queue.removeAll()
            warmedUp = false
        }
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
        var t = pthread_t()
        let rc = pthread_create(
            &t, &attr,
            { arg in
                Unmanaged<Symbolicator>.fromOpaque(arg!).takeUnretainedValue().loop()
                return nil
            }, Unmanaged.passUnretained(self).toOpaque())
        pthread_attr_destroy(&attr)
        guard rc == 0 else { return false }
        thread = t
        threadPid = pid
        return true
    }

    private typealias SetName = @convention(c) (pthread_t, UnsafePointer<CChar>?) -> Int32

    /// `pthread_setname_np`, which the Glibc module does not import (a GNU extension).
    private static let setName: SetName? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pthread_setname_np") else { return nil }
        return unsafeBitCast(symbol, to: SetName.self)
    }()

    private func loop() {
        _ = Self.setName?(pthread_self(), "sentry-symbols")
        pthread_mutex_lock(mutex)
        while true {
            while queue.isEmpty { pthread_cond_wait(workReady, mutex) }
            let job = queue.removeFirst()
            pthread_mutex_unlock(mutex)
            job.body()
            pthread_mutex_lock(mutex)
            job.done = true
            pthread_cond_broadcast(jobDone)
        }
    }
}
