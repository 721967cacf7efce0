using System.Globalization;

namespace EventsSubscriptions.Grains.Delivery;

/// <summary>What an event id says: ids are version 7 UUIDs made when the event is accepted.</summary>
public static class EventIds
{
    /// <summary>
    /// The acceptance time: a version 7 UUID's first 48 bits are Unix milliseconds (the first 8 and
    /// the next 4 hex digits of its text). Null for any other id. Read per event and per delivery,
    /// so it allocates nothing.
    /// </summary>
    public static DateTimeOffset? AcceptedOn(string eventId) =>
        eventId.Length == 36 && eventId[8] == '-' && eventId[14] == '7'
        && long.TryParse(eventId.AsSpan(0, 8), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var high)
        && long.TryParse(eventId.AsSpan(9, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var low)
            ? DateTimeOffset.FromUnixTimeMilliseconds((high << 16) | low)
            : null;
}
