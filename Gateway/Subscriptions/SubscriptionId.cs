using System.Globalization;

namespace EventsSubscriptions.Gateway.Subscriptions;

/// <summary>
/// A subscription id as the path gives it: decimal digits only (no sign, no spaces), a positive
/// 64-bit number. <see cref="ToString"/> is the text as written (<c>007</c> names subscription 7),
/// for the answers that name it. Routes take it through <see cref="SubscriptionIdConstraint"/>.
/// </summary>
public readonly record struct SubscriptionId
{
    private readonly string text;

    private SubscriptionId(long value, string text)
    {
        Value = value;
        this.text = text;
    }

    /// <summary>The grain key.</summary>
    public long Value { get; }

    public static bool TryParse(string? text, out SubscriptionId id)
    {
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0)
        {
            id = new SubscriptionId(value, text!);
            return true;
        }
        id = default;
        return false;
    }

    public override string ToString() => text ?? Value.ToString(CultureInfo.InvariantCulture);
}
