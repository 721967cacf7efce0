using EventsSubscriptions.Grains.Interfaces.Subscriptions;

namespace EventsSubscriptions.Grains.Persistence;

/// <summary>
/// Delivery states as SQL literals, from <see cref="DeliveryText"/>. Written into the statements
/// rather than passed as parameters: PostgreSQL uses the partial indexes on <c>state = 'PENDING'</c>
/// only when a statement names that value itself (a prepared statement's generic plan does not know it).
/// </summary>
internal static class DeliverySql
{
    public static readonly string Pending = Literal(DeliveryState.Pending);
    public static readonly string Exhausted = Literal(DeliveryState.Exhausted);
    public static readonly string Cancelled = Literal(DeliveryState.Cancelled);
    public static readonly string CancelledOutcome = $"'{DeliveryText.Of(LogOutcome.Cancelled)}'";

    private static string Literal(DeliveryState state) => $"'{DeliveryText.Of(state)}'";
}
