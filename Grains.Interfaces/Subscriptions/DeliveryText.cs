namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

/// <summary>
/// The text of outcomes and states, as the API shows them and the database stores them
/// (<c>RETRY_SCHEDULED</c>), defined in this one place.
/// </summary>
public static class DeliveryText
{
    public static string Of(LogOutcome outcome) => outcome switch
    {
        LogOutcome.Succeeded => "SUCCEEDED",
        LogOutcome.Failed => "FAILED",
        LogOutcome.RetryScheduled => "RETRY_SCHEDULED",
        LogOutcome.Exhausted => "EXHAUSTED",
        LogOutcome.Cancelled => "CANCELLED",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome)),
    };

    public static string Of(DeliveryState state) => state switch
    {
        DeliveryState.Pending => "PENDING",
        DeliveryState.Succeeded => "SUCCEEDED",
        DeliveryState.Exhausted => "EXHAUSTED",
        DeliveryState.Cancelled => "CANCELLED",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    public static IReadOnlyList<string> Outcomes { get; } = [.. Enum.GetValues<LogOutcome>().Select(Of)];

    public static IReadOnlyList<string> States { get; } = [.. Enum.GetValues<DeliveryState>().Select(Of)];
}
