using EventsSubscriptions.Grains.Interfaces.Text;
using System.Globalization;
using EventsSubscriptions.Grains.Interfaces.Filters;

namespace EventsSubscriptions.Gateway.Subscriptions;

/// <summary>Reads the query string of <c>GET …/{id}/logs</c>: outcome, since, until, eventId, limit, offset.</summary>
public static class LogQueryReader
{
    public static (DeliveryLogQuery? Query, ValidationErrors Errors) Read(IQueryCollection query)
    {
        var errors = new ValidationErrors();
        int Number(string name, int fallback, int min, int max)
        {
            if (!query.TryGetValue(name, out var text))
            {
                return fallback;
            }
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            {
                return value;
            }
            errors.Add(name, $"must be an integer from {min} to {max}");
            return fallback;
        }
        DateTimeOffset? Date(string name)
        {
            if (!query.TryGetValue(name, out var text))
            {
                return null;
            }
            if (FilterValues.TryParseDate(text.ToString(), out var date))
            {
                return date;
            }
            errors.Add(name, "must be a date (yyyy-MM-dd or ISO 8601)");
            return null;
        }
        var limit = Number("limit", ListQueryReader.DefaultLimit, 1, ListQueryReader.MaxLimit);
        var offset = Number("offset", 0, 0, int.MaxValue);
        var since = Date("since");
        var until = Date("until");
        string? outcome = query["outcome"].ToString() is { Length: > 0 } o ? o.ToUpperInvariant() : null;
        if (outcome is not null && WireText.Parse<LogOutcome>(outcome) is null)
        {
            errors.Add("outcome", "must be SUCCEEDED, FAILED, RETRY_SCHEDULED, EXHAUSTED or CANCELLED");
        }
        string? eventId = query["eventId"].ToString() is { Length: > 0 } e ? e : null;
        foreach (var name in query.Keys.Where(k => k is not ("limit" or "offset" or "since" or "until" or "outcome" or "eventId")))
        {
            errors.Add(name, "is not a parameter of the log (limit, offset, outcome, since, until, eventId)");
        }
        return errors.Any ? (null, errors) : (new DeliveryLogQuery(limit, offset, outcome, since, until, eventId), errors);
    }
}
