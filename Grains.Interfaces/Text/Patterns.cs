using System.Text.RegularExpressions;

namespace EventsSubscriptions.Grains.Interfaces.Text;

/// <summary>
/// The shapes of names the API accepts, defined once. Each is anchored with <c>\A…\z</c>: a
/// <c>$</c> would also match before a final newline, and let "name\n" through.
/// </summary>
public static partial class Patterns
{
    /// <summary>A resource, trigger or action name: <c>employees</c>, <c>clock-in</c>.</summary>
    [GeneratedRegex(@"\A[a-z][a-z0-9-]*\z")]
    public static partial Regex Name();

    /// <summary>An event name, <c>entity:&lt;resource&gt;:&lt;trigger&gt;</c>.</summary>
    [GeneratedRegex(@"\Aentity:(?<resource>[a-z][a-z0-9-]*):(?<trigger>[a-z][a-z0-9-]*)\z")]
    public static partial Regex EventName();

    /// <summary>A dotted path into an entity: <c>region.parentRegion</c>, <c>address.city</c>.</summary>
    [GeneratedRegex(@"\A[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\z")]
    public static partial Regex FieldPath();

    /// <summary>A field selector of <c>fields=</c>: a dotted path, optionally <c>:modifier</c>.</summary>
    [GeneratedRegex(@"\A[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*(:[A-Za-z_][A-Za-z0-9_]*)?\z")]
    public static partial Regex FieldSelector();

    /// <summary>An HTTP header name (RFC 9110 token).</summary>
    [GeneratedRegex(@"\A[!#$%&'*+\-.^_`|~0-9A-Za-z]+\z")]
    public static partial Regex HeaderName();

    /// <summary>An e-mail address of the usual shape (checked again by <see cref="System.Net.Mail.MailAddress"/>).</summary>
    [GeneratedRegex(@"\A[^@\s<>()\[\],;:""]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+\z")]
    public static partial Regex Email();
}
