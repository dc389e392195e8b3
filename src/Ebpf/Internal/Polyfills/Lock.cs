#if !NET9_0_OR_GREATER
namespace System.Threading;

/// <summary>
/// net8.0 stand-in for .NET 9's <c>System.Threading.Lock</c>, so <c>lock (x)</c> over a dedicated lock object reads
/// the same on every target. The compiler lowers <c>lock</c> on a type of this name to <see cref="EnterScope"/>; here
/// that takes the object's monitor (mutual exclusion, reentrant), as the real type does with its own lock.
/// </summary>
internal sealed class Lock
{
    // A separate monitor object: the compiler warns (CS9216) when a Lock itself is used as a monitor.
    private readonly object _monitor = new();

    /// <summary>Enters the lock; the returned scope exits it when disposed.</summary>
    public Scope EnterScope()
    {
        Monitor.Enter(_monitor);
        return new Scope(_monitor);
    }

    /// <summary>A held lock, released by <see cref="Dispose"/>.</summary>
    public readonly ref struct Scope
    {
        private readonly object _monitor;

        internal Scope(object monitor) => _monitor = monitor;

        /// <summary>Exits the lock.</summary>
        public void Dispose() => Monitor.Exit(_monitor);
    }
}
#endif
