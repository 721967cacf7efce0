namespace EventsSubscriptions.Grains.Interfaces.Text;

/// <summary>
/// Text PostgreSQL can store: no U+0000 (its text type refuses it) and well-formed UTF-16 (a lone
/// surrogate has no UTF-8 form). Callers' input that breaks this is refused at the edge; what a
/// receiver answers is cleaned before it is logged.
/// </summary>
public static class StorableText
{
    public const char Replacement = '\uFFFD';

    /// <summary>Why <paramref name="text"/> cannot be stored, or null when it can.</summary>
    public static string? Problem(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0')
            {
                return $"contains a NUL character (U+0000) at position {i}, which cannot be stored";
            }
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return $"contains a lone UTF-16 surrogate (U+{(int)c:X4}) at position {i}, which is not text";
            }
        }
        return null;
    }

    /// <summary>The text with every NUL and lone surrogate replaced by U+FFFD; the same instance when nothing needs replacing.</summary>
    public static string Clean(string text)
    {
        if (Problem(text) is null)
        {
            return text;
        }
        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
            {
                i++;
            }
            else if (chars[i] == '\0' || char.IsSurrogate(chars[i]))
            {
                chars[i] = Replacement;
            }
        }
        return new string(chars);
    }

    public static string? CleanOrNull(string? text) => text is null ? null : Clean(text);
}
