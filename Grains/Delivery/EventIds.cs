namespace EventsSubscriptions.Grains.Delivery;

/// <summary>What an event id says: ids are version 7 UUIDs made when the event is accepted.</summary>
public static class EventIds
{
    /// <summary>The acceptance time: a version 7 UUID's first 48 bits are Unix milliseconds. Null for any other id.</summary>
    public static DateTimeOffset? AcceptedOn(string eventId) =>
        Guid.TryParse(eventId, out var id) && id.Version == 7
            ? DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(id.ToString("N")[..12], 16))
            : null;
}
