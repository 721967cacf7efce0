namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

public enum ListOperator
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
}
