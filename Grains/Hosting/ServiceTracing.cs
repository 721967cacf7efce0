using System.Diagnostics;

namespace EventsSubscriptions.Grains.Hosting;

/// <summary>
/// The service's own spans (source <see cref="SourceName"/>): an event's trace goes from the API
/// call through the entity grain (the event keeps the call's <c>traceparent</c>), its routing and
/// the subscription grain to the webhook call, which sends <c>traceparent</c> to the receiver. The
/// source has listeners only when tracing is on (<c>Telemetry__OtlpEndpoint</c>); otherwise nothing
/// here makes a span or keeps a context.
/// </summary>
public static class ServiceTracing
{
    public const string SourceName = "EventsSubscriptions";

    public static readonly ActivitySource Source = new(SourceName, "1.0.0");

    /// <summary>The current span's W3C <c>traceparent</c>, to keep with what continues the trace later; null when tracing is off.</summary>
    public static string? CurrentParent() =>
        Source.HasListeners() && Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;

    /// <summary>
    /// A span continuing the trace <paramref name="traceParent"/> was kept from; null when tracing is
    /// off, the context is missing or unreadable (a row written before tracing was on), or the
    /// sampler drops it.
    /// </summary>
    public static Activity? StartFrom(string? traceParent, string name, ActivityKind kind)
    {
        if (traceParent is null || !Source.HasListeners() || !ActivityContext.TryParse(traceParent, null, isRemote: true, out var parent))
        {
            return null;
        }
        return Source.StartActivity(name, kind, parent);
    }
}
