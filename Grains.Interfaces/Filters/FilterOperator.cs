namespace EventsSubscriptions.Grains.Interfaces.Filters;

/// <summary>How a filter compares a field with its values: user-defined filters use them all, the subscription list the first ten.</summary>
public enum FilterOperator
{
    Equal,
    NotEqual,
    In,
    Contains,
    StartsWith,
    EndsWith,
    GreaterThan,
    GreaterOrEqual,
    LessThan,
    LessOrEqual,
    Before,
    After,
    Between,
    InSet,
    IsNull,
    IsNotNull,
}

/// <summary>The operators' names in a query or a filter (<c>salary:gt=1000</c>, <c>{"op": "gt"}</c>), compared ignoring case.</summary>
public static class FilterOperatorNames
{
    /// <summary>Every named operator (equality has no name: it is the default).</summary>
    public static IReadOnlyDictionary<string, FilterOperator> All { get; } = new Dictionary<string, FilterOperator>(StringComparer.OrdinalIgnoreCase)
    {
        ["not"] = FilterOperator.NotEqual,
        ["in"] = FilterOperator.In,
        ["contains"] = FilterOperator.Contains,
        ["startswith"] = FilterOperator.StartsWith,
        ["endswith"] = FilterOperator.EndsWith,
        ["gt"] = FilterOperator.GreaterThan,
        ["gte"] = FilterOperator.GreaterOrEqual,
        ["lt"] = FilterOperator.LessThan,
        ["lte"] = FilterOperator.LessOrEqual,
        ["before"] = FilterOperator.Before,
        ["after"] = FilterOperator.After,
        ["between"] = FilterOperator.Between,
        ["inset"] = FilterOperator.InSet,
    };

    /// <summary>Those a listing's query takes: comparisons of one value, and <c>in</c>.</summary>
    public static IReadOnlyDictionary<string, FilterOperator> ForLists { get; } =
        All.Where(n => n.Value <= FilterOperator.LessOrEqual).ToDictionary(StringComparer.OrdinalIgnoreCase);
}
