using System.Text.Json.Nodes;
using EventsSubscriptions.Grains.Interfaces.Filters;

namespace EventsSubscriptions.Grains.Routing;

/// <summary>How a route is filed in a <see cref="RouteSet"/>: by which of its conditions, if any.</summary>
internal enum GuardKind
{
    /// <summary>No condition that can be looked up: the route is a candidate of every event.</summary>
    None,

    /// <summary><c>=</c> or <c>:in</c>: filed under each of its values.</summary>
    Equality,

    /// <summary>A numeric lower bound (<c>:gt</c>, <c>:gte</c>, <c>:between</c>'s first value).</summary>
    Lower,

    /// <summary>A numeric upper bound (<c>:lt</c>, <c>:lte</c>).</summary>
    Upper,
}

/// <summary>
/// The condition of a route's filters that files it in a <see cref="RouteSet"/>: an event can match
/// the route only when its entity passes that condition, so only the routes whose guard the entity
/// passes are candidates. The choice depends on the filters alone (a route is removed from where
/// it was added). Equality is preferred: it is the most selective.
/// </summary>
internal readonly record struct FilterGuard(GuardKind Kind, FilterCondition? Condition, double Bound)
{
    public static FilterGuard Of(SubscriptionRoute route)
    {
        foreach (var condition in route.Filters)
        {
            if (condition.Operator is FilterOperator.Equal or FilterOperator.In)
            {
                return new FilterGuard(GuardKind.Equality, condition, 0);
            }
        }
        foreach (var condition in route.Filters)
        {
            var kind = condition.Operator switch
            {
                FilterOperator.GreaterThan or FilterOperator.GreaterOrEqual or FilterOperator.Between => GuardKind.Lower,
                FilterOperator.LessThan or FilterOperator.LessOrEqual => GuardKind.Upper,
                _ => GuardKind.None,
            };
            // A bound that is a number (and not a date) compares only with numbers.
            if (kind != GuardKind.None && FilterValues.TryParseNumber(condition.Values[0], out var bound) && !FilterValues.TryParseDate(condition.Values[0], out _))
            {
                return new FilterGuard(kind, condition, bound == 0 ? 0 : bound);
            }
        }
        return default;
    }
}

/// <summary>
/// A value as an equality filter can meet it: every form it compares as (a boolean, a number, a
/// text compared without case). A filter's value and an entity's field that are equal by
/// <see cref="FilterEvaluator"/> share at least one key; keys may also meet where the evaluator
/// says no (the route is then a candidate that its full check refuses), never the reverse.
/// </summary>
internal readonly struct ValueKey : IEquatable<ValueKey>
{
    private readonly byte kind;
    private readonly string? text;
    private readonly double number;

    private ValueKey(byte kind, string? text, double number)
    {
        this.kind = kind;
        this.text = text;
        this.number = number;
    }

    /// <summary>The keys a filter value is filed under.</summary>
    public static IEnumerable<ValueKey> OfFilterValue(string value)
    {
        yield return new ValueKey(0, value, 0);
        if (FilterValues.TryParseNumber(value, out var number))
        {
            yield return new ValueKey(1, null, number == 0 ? 0 : number);
        }
        if (bool.TryParse(value, out var flag))
        {
            yield return new ValueKey(2, null, flag ? 1 : 0);
        }
    }

    /// <summary>The keys an entity's field is looked up by (each item of an array).</summary>
    public static void OfField(JsonNode? field, List<ValueKey> into)
    {
        if (field is JsonArray array)
        {
            foreach (var item in array)
            {
                if (item is JsonValue)
                {
                    OfField(item, into);
                }
            }
            return;
        }
        if (field is not JsonValue scalar)
        {
            return;
        }
        if (scalar.TryGetValue<bool>(out var flag))
        {
            into.Add(new ValueKey(2, null, flag ? 1 : 0));
        }
        if (FilterEvaluator.AsNumber(scalar) is { } number)
        {
            into.Add(new ValueKey(1, null, number == 0 ? 0 : number));
        }
        if (FilterEvaluator.AsText(scalar) is { } text)
        {
            into.Add(new ValueKey(0, text, 0));
        }
    }

    public bool Equals(ValueKey other) =>
        kind == other.kind && number.Equals(other.number) && StringComparer.OrdinalIgnoreCase.Equals(text, other.text);

    public override bool Equals(object? obj) => obj is ValueKey other && Equals(other);

    public override int GetHashCode() =>
        HashCode.Combine(kind, number, text is null ? 0 : StringComparer.OrdinalIgnoreCase.GetHashCode(text));
}
