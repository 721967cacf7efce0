using System.ComponentModel;

namespace EventsSubscriptions.Gateway.Subscriptions;

/// <summary>The answer of <c>POST …/actions/preview</c>.</summary>
public sealed record PreviewItem(
    [property: Description("Which events were looked at.")] PreviewWindowItem Window,
    [property: Description("The events among them that the draft would have received, newest first, each as it would have been sent.")]
    IReadOnlyList<PreviewEventItem> Events,
    [property: Description("The entities the draft's scope and filters select now.")] PreviewMatchingItem MatchingNow)
{
    public static PreviewItem From(SubscriptionPreview preview) => new(
        new PreviewWindowItem(preview.Since.UtcDateTime, preview.EventsRead),
        [.. preview.Events.Select(e => new PreviewEventItem(e.EventId, e.Event, e.EntityId, e.OccurredOn.UtcDateTime,
            [.. e.Headers.Select(h => new PreviewHeaderItem(h.Name, h.Value))], e.Body))],
        new PreviewMatchingItem(preview.MatchingNow, preview.MatchingSample, preview.EntitiesRead, preview.MatchingComplete));
}

public sealed record PreviewWindowItem(
    [property: Description("The last event of each entity changed since then was looked at (24 hours back).")] DateTime Since,
    [property: Description("How many events were looked at: one per entity, the most recently changed, at most the limit.")] int EventsRead);

public sealed record PreviewEventItem(
    string EventId,
    [property: Description("The event's name, entity:<resource>:<trigger>.")] string Event,
    long EntityId,
    DateTime OccurredOn,
    [property: Description("The call's headers in the order sent; the secret and extra headers' values are masked.")]
    IReadOnlyList<PreviewHeaderItem> Headers,
    [property: Description("The call's body, exactly as it would be sent (meta.subscription is 0: the draft has no id).")] string Body);

public sealed record PreviewHeaderItem(string Name, string Value);

public sealed record PreviewMatchingItem(
    [property: Description("How many entities the scope and filters select now, among those read.")] long Count,
    [property: Description("The first of them by id, at most 20.")] IReadOnlyList<long> Ids,
    [property: Description("How many entities were read (at most 100,000).")] long EntitiesRead,
    [property: Description("Whether every entity of the resource was read.")] bool Complete);
