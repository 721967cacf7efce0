using EventsSubscriptions.Grains.Interfaces.Hosting;
using EventsSubscriptions.Grains.Interfaces.Tenants;

namespace EventsSubscriptions.Grains.Hosting;

/// <summary>
/// A grain method of this service that throws has met an infrastructure failure (domain outcomes
/// are results, not exceptions), possibly after changing its in-memory state without saving it.
/// The activation is dropped so that the next call starts again from what storage holds, and the
/// caller gets a <see cref="ServiceFailureException"/> naming the kind of failure (the provider's
/// exception is logged here, never sent). Only a broken connection clears this process's idle
/// pooled connections (which a database restart has made useless): a statement the database
/// refused says nothing about the connections, and a caller must not be able to empty the pools.
/// A call refused for another tenant's request (<see cref="OtherTenantException"/>) ran nothing and goes back as it is.
/// </summary>
public sealed class DeactivateOnFailureFilter(NpgsqlDataSource dataSource, ILogger<DeactivateOnFailureFilter> logger) : IIncomingGrainCallFilter
{
    private const string OwnNamespace = "EventsSubscriptions.";

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception e) when (context.Grain?.GetType().FullName?.StartsWith(OwnNamespace, StringComparison.Ordinal) == true
                                  && e is not (ServiceFailureException or OtherTenantException))
        {
            if (IsBrokenConnection(e))
            {
                // Both pools: the Orleans providers' (connections opened by connection string) and
                // the service's own data source, which ClearAllPools does not reach.
                NpgsqlConnection.ClearAllPools();
                dataSource.Clear();
            }
            logger.CallFailedActivationReset(e, context.TargetId, context.MethodName);
            context.TargetContext.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationError, e, "call failed"));
            throw new ServiceFailureException(Kind(e), IsTransient(e));
        }
    }

    /// <summary>A connection-level failure: no answer from PostgreSQL, or its class 08 (connection) or 57P (shut down).</summary>
    public static bool IsBrokenConnection(Exception e)
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            if (current is PostgresException postgres)
            {
                return postgres.SqlState.StartsWith("08", StringComparison.Ordinal) || postgres.SqlState.StartsWith("57P", StringComparison.Ordinal);
            }
            if (current is NpgsqlException)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>A failure the same call may outlive: a lost connection, a timeout, a silo that went away.</summary>
    public static bool IsTransient(Exception e)
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            if (current is ServiceFailureException failure)
            {
                return failure.Transient;
            }
            if (current is TimeoutException or OperationCanceledException or SiloUnavailableException or OrleansMessageRejectionException
                || IsBrokenConnection(current))
            {
                return true;
            }
        }
        return false;
    }

    private static string Kind(Exception e) => e switch
    {
        _ when IsBrokenConnection(e) => "the database could not be reached",
        PostgresException or { InnerException: PostgresException } => "the database refused a statement",
        TimeoutException => "a call timed out",
        _ => "an internal error occurred",
    };
}
