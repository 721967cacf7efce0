namespace EventsSubscriptions.Grains.Interfaces.Filters;

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
