namespace EventsSubscriptions.Grains.Interfaces.Hosting;

/// <summary>
/// Npgsql's keep-alive (the <c>Keepalive</c> setting, which drops pooled connections a database
/// restart broke before a call borrows them) runs on thread-pool threads and waits for its answer
/// synchronously. When PostgreSQL is unreachable rather than down (its host cut off: no reset comes
/// back), every idle connection's keep-alive holds a thread until its socket gives up, and the pool,
/// which adds threads slowly past its minimum, starved a silo for 10 s and more: its membership
/// probes went unanswered, and the others declared it dead. The minimum is raised by as many
/// threads as there are pooled connections, so that blocked keep-alives never take the threads the
/// process runs on.
/// </summary>
public static class KeepAliveThreads
{
    private static readonly Lock Gate = new();
    private static int reserved;

    public static void Reserve(int connections)
    {
        lock (Gate)
        {
            reserved += connections;
            ThreadPool.GetMinThreads(out var workers, out var completions);
            ThreadPool.SetMinThreads(Math.Max(workers, Environment.ProcessorCount + reserved), completions);
        }
    }
}
