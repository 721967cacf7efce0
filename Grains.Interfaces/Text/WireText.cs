using System.Collections.Frozen;
using System.Reflection;

namespace EventsSubscriptions.Grains.Interfaces.Text;

/// <summary>Names an enum member on the wire and in the database, where the default (<c>UPPER_SNAKE</c>) does not fit.</summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class WireNameAttribute(string name) : Attribute
{
    public string Name => name;
}

/// <summary>
/// The one mapping between the service's enums and their text, as the API shows it and the
/// database stores it: <c>RetryScheduled</c> is <c>RETRY_SCHEDULED</c> unless the member says
/// otherwise with <see cref="WireNameAttribute"/>. Reading is case-insensitive.
/// </summary>
public static class WireText
{
    public static string Of<T>(T value) where T : struct, Enum =>
        Names<T>.ByValue.TryGetValue(value, out var text) ? text : throw new ArgumentOutOfRangeException(nameof(value), value, null);

    public static T? Parse<T>(string? text) where T : struct, Enum =>
        text is not null && Names<T>.ByText.TryGetValue(text, out var value) ? value : null;

    /// <summary>Every member's text, in declaration order.</summary>
    public static IReadOnlyList<string> All<T>() where T : struct, Enum => Names<T>.InOrder;

    private static class Names<T> where T : struct, Enum
    {
        public static readonly IReadOnlyList<string> InOrder;
        public static readonly FrozenDictionary<T, string> ByValue;
        public static readonly FrozenDictionary<string, T> ByText;

        static Names()
        {
            var members = typeof(T).GetFields(BindingFlags.Public | BindingFlags.Static)
                .Select(f => ((T)f.GetValue(null)!, f.GetCustomAttribute<WireNameAttribute>()?.Name ?? UpperSnake(f.Name)))
                .ToList();
            InOrder = [.. members.Select(m => m.Item2)];
            ByValue = members.ToFrozenDictionary(m => m.Item1, m => m.Item2);
            ByText = members.ToFrozenDictionary(m => m.Item2, m => m.Item1, StringComparer.OrdinalIgnoreCase);
        }
    }

    private static string UpperSnake(string name) =>
        string.Concat(name.Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : char.ToUpperInvariant(c).ToString()));
}
