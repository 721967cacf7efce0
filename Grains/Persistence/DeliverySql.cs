using EventsSubscriptions.Grains.Interfaces.Text;

namespace EventsSubscriptions.Grains.Persistence;

/// <summary>
/// Delivery states as SQL literals, from <see cref="WireText"/>. Written into the statements
/// rather than passed as parameters: PostgreSQL uses the partial indexes on <c>state = 'PENDING'</c>
/// only when a statement names that value itself (a prepared statement's generic plan does not know it).
/// </summary>
internal static class DeliverySql
{
    public static readonly string Pending = Literal(DeliveryState.Pending);
    public static readonly string Exhausted = Literal(DeliveryState.Exhausted);
    public static readonly string Cancelled = Literal(DeliveryState.Cancelled);
    public static readonly string CancelledOutcome = $"'{WireText.Of(LogOutcome.Cancelled)}'";

    private static string Literal(DeliveryState state) => $"'{WireText.Of(state)}'";
}

/// <summary>The stored text of a delivery's state or an attempt's outcome, read back; the schema's checks allow no other.</summary>
internal static class DeliveryStates
{
    public static DeliveryState Read(string text) =>
        WireText.Parse<DeliveryState>(text) ?? throw new InvalidDataException($"unknown delivery state '{text}'");

    public static LogOutcome ReadOutcome(string text) =>
        WireText.Parse<LogOutcome>(text) ?? throw new InvalidDataException($"unknown delivery outcome '{text}'");
}
