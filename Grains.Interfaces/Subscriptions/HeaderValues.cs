namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

/// <summary>
/// The extra headers of a request (field <c>headers</c>) in transit from the gateway to the
/// subscription's grain: names and write-only values. <see cref="Whole"/>: they replace the
/// subscription's headers (create, PUT, or a PATCH of <c>"headers": null</c>); otherwise they are
/// merged onto them, a null value removing its header. Values never appear in <see cref="ToString"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("es.HeaderValues")]
public sealed class HeaderValues(IReadOnlyDictionary<string, string?> values, bool whole)
{
    /// <summary>At most this many extra headers per subscription.</summary>
    public const int MaxCount = 10;

    /// <summary>A value's length limit, in characters.</summary>
    public const int MaxValueLength = 1024;

    [Id(0)]
    public IReadOnlyDictionary<string, string?> Values { get; } = values;

    [Id(1)]
    public bool Whole { get; } = whole;

    /// <summary>The subscription's headers once these are applied to <paramref name="current"/>.</summary>
    public Dictionary<string, string> ApplyTo(IReadOnlyDictionary<string, string> current)
    {
        var next = new Dictionary<string, string>(Whole ? [] : current, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in Values)
        {
            // Removed first: a name given again in another case takes the new spelling.
            next.Remove(name);
            if (value is not null)
            {
                next[name] = value;
            }
        }
        return next;
    }

    public override string ToString() => $"headers {string.Join(", ", Values.Keys)}: ***";
}
