namespace EventsSubscriptions.Grains.Interfaces.Hosting;

/// <summary>
/// What a grain call that met an infrastructure failure throws to its caller: the kind of failure
/// and no more. The provider's own exception (a PostgresException, say) stays in the silo's log;
/// it cannot cross the wire reliably and would tell callers about the database.
/// </summary>
[GenerateSerializer, Alias("es.ServiceFailureException")]
public sealed class ServiceFailureException : Exception
{
    public ServiceFailureException(string message, bool transient)
        : base(message)
    {
        Transient = transient;
    }

    /// <summary>
    /// An outage (the database could not be reached, a call timed out) that the same call may
    /// outlive, as opposed to a failure of this call itself, which would fail again.
    /// </summary>
    [Id(0)]
    public bool Transient { get; }
}
