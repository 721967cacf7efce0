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

    /// <summary>
    /// The lowest and highest of <paramref name="eventIds"/> when every one is a UUID written in
    /// lowercase hex (what the service makes): such ids sort alike in every collation, so the bounds
    /// are exact in SQL and let PostgreSQL read only the partitions (weeks of events) they span. Null otherwise.
    /// </summary>
    public static (string Low, string High)? Range(IEnumerable<string> eventIds)
    {
        string? low = null, high = null;
        foreach (var id in eventIds)
        {
            if (!IsLowercaseUuid(id))
            {
                return null;
            }
            if (low is null || string.CompareOrdinal(id, low) < 0)
            {
                low = id;
            }
            if (high is null || string.CompareOrdinal(id, high) > 0)
            {
                high = id;
            }
        }
        return low is null ? null : (low, high!);
    }

    private static bool IsLowercaseUuid(string id)
    {
        if (id.Length != 36)
        {
            return false;
        }
        for (var i = 0; i < id.Length; i++)
        {
            var c = id[i];
            var ok = i is 8 or 13 or 18 or 23 ? c == '-' : char.IsAsciiDigit(c) || c is >= 'a' and <= 'f';
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }
}
