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
