using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventsSubscriptions.Grains.Hosting;

/// <summary>
/// A grain method of this service that throws has met an infrastructure failure (domain outcomes
/// are results, not exceptions), possibly after changing its in-memory state without saving it.
/// The activation is dropped so that the next call starts again from what storage holds. A broken
/// PostgreSQL connection also clears this process's idle pooled connections, which a database
/// restart has made useless.
/// </summary>
public sealed class DeactivateOnFailureFilter(ILogger<DeactivateOnFailureFilter> logger) : IIncomingGrainCallFilter
{
    private const string OwnNamespace = "EventsSubscriptions.";

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception e) when (context.Grain?.GetType().FullName?.StartsWith(OwnNamespace, StringComparison.Ordinal) == true)
        {
            if (e is NpgsqlException || e.InnerException is NpgsqlException)
            {
                NpgsqlConnection.ClearAllPools();
            }
            logger.LogWarning("{Grain}.{Method} failed ({Error}); the activation restarts from storage",
                context.TargetId, context.MethodName, e.GetType().Name);
            context.TargetContext.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationError, e, "call failed"));
            throw;
        }
    }
}
