using EventsSubscriptions.Grains.Interfaces.Entities;

namespace EventsSubscriptions.Grains.Entities;

/// <summary>
/// Applies a PUT or PATCH once per request: a repeat of the request whose change was applied last
/// (the gateway trying again after a timeout, while the first attempt was still waiting in the
/// grain) gets that change's result, and no second event. The gateway repeats no other change
/// (<see cref="RepeatedCall"/>).
/// </summary>
internal sealed class RepeatedChanges
{
    private (string Request, EntityResult Result)? lastApplied;

    public async Task<EntityResult> ApplyOnceAsync(Func<Task<EntityResult>> change)
    {
        var request = RequestContext.Get(RepeatedCall.ContextKey) as string;
        if (request is not null && lastApplied is { } last && last.Request == request)
        {
            return last.Result;
        }
        var result = await change();
        if (request is not null && result.EventId is not null)
        {
            lastApplied = (request, result);
        }
        return result;
    }
}
