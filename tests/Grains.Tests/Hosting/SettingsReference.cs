using System.Collections;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using EventsSubscriptions.Gateway.Hosting;
using EventsSubscriptions.Grains.Interfaces.Hosting;
using EventsSubscriptions.Silo.Hosting;
using EventsSubscriptions.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EventsSubscriptions.Grains.Tests.Hosting;

/// <summary>
/// The settings reference of docs/configuration.md, rendered from the settings types themselves:
/// the sections each host registers (by building its settings as it starts), each property's
/// default (a new instance), its accepted values (its data annotations), its value under
/// Development (the hosts' appsettings.Development.json) and its meaning (its XML summary).
/// </summary>
internal static partial class SettingsReference
{
    public const string Begin = "<!-- settings: generated from the settings types by ConfigurationDocTests; edit their summaries, not this table -->";
    public const string End = "<!-- settings: end -->";

    public static string Render()
    {
        var silo = Registered(builder => builder.AddSiloSettings());
        var gateway = Registered(builder => builder.AddGatewaySettings());
        var development = new[] { "Silo", "Gateway" }
            .Select(host => JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, host, "appsettings.Development.json")))!.AsObject())
            .ToList();
        var text = new StringBuilder();
        foreach (var type in silo.Union(gateway).OrderBy(Section, StringComparer.Ordinal))
        {
            var readers = string.Join(" and ", new[] { silo.Contains(type) ? "silos" : null, gateway.Contains(type) ? "the gateway" : null }.OfType<string>());
            text.Append(CultureInfo.InvariantCulture, $"\n### `{Section(type)}`\n\nRead by {readers}. {Summary(type)}\n\n");
            text.Append("| variable | default | accepted | meaning |\n|---|---|---|---|\n");
            foreach (var row in Rows(type, Section(type), development))
            {
                text.Append(CultureInfo.InvariantCulture, $"| `{row.Variable}` | {Cell(row.Default)} | {Cell(row.Accepted)} | {Cell(row.Meaning)} |\n");
            }
        }
        return text.ToString();
    }

    /// <summary>A table cell: a <c>|</c> of its text (a pattern's alternatives) would end it.</summary>
    private static string Cell(string text) => text.Replace("|", "\\|");

    private sealed record Row(string Variable, string Default, string Accepted, string Meaning);

    /// <summary>The settings types a host binds and validates as it starts.</summary>
    private static HashSet<Type> Registered(Action<HostApplicationBuilder> addSettings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Production", DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = "Host=127.0.0.1",
            ["ConnectionStrings:Redis"] = "127.0.0.1",
            ["Secrets:EncryptionKey"] = Convert.ToBase64String(new byte[32]),
            ["Auth:SigningKey"] = new string('k', 40),
        });
        addSettings(builder);
        return [.. builder.Services
            .Where(s => s.ServiceType.IsGenericType && s.ServiceType.GetGenericTypeDefinition() == typeof(IValidateOptions<>))
            .Select(s => s.ServiceType.GetGenericArguments()[0])
            .Where(t => typeof(ISettingsSection).IsAssignableFrom(t))];
    }

    private static string Section(Type type) => (string)type.GetProperty(nameof(ISettingsSection.Section), BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;

    private static IEnumerable<Row> Rows(Type type, string prefix, List<JsonObject> development)
    {
        var defaults = Activator.CreateInstance(type)!;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var variable = $"{prefix}__{property.Name}";
            var value = property.GetValue(defaults);
            var propertyType = property.PropertyType;
            if (Element(propertyType, out var keyed) is { } element && element != typeof(string) && !element.IsEnum && !element.IsPrimitive)
            {
                // A map or list of settings groups: each group's settings under its key.
                var key = keyed ? "<name>" : "<n>";
                yield return new Row($"{variable}__{key}", value is ICollection { Count: > 0 } ? Format(value) : "none", "", Summary(property));
                foreach (var nested in Rows(element, $"{variable}__{key}", development))
                {
                    yield return nested;
                }
                continue;
            }
            var shown = Element(propertyType, out keyed) is null ? variable : $"{variable}__{(keyed ? "<name>" : "<n>")}";
            var underDevelopment = development.Select(d => Lookup(d, variable)).FirstOrDefault(v => v is not null);
            var defaultText = Format(value) + (underDevelopment is null || underDevelopment == Format(value) ? "" : $" (Development: {underDevelopment})");
            yield return new Row(shown, defaultText, Accepted(property), Summary(property));
        }
    }

    private static Type? Element(Type type, out bool keyed)
    {
        keyed = false;
        if (type == typeof(string))
        {
            return null;
        }
        if (type.IsArray)
        {
            return type.GetElementType();
        }
        if (type.IsGenericType && type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>)) is { } map)
        {
            keyed = true;
            return map.GetGenericArguments()[1];
        }
        return type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type) ? type.GetGenericArguments()[0] : null;
    }

    private static string? Lookup(JsonObject settings, string variable)
    {
        JsonNode? node = settings;
        foreach (var part in variable.Split("__"))
        {
            node = node is JsonObject o ? o[part] : null;
        }
        return node switch
        {
            null => null,
            JsonArray a => string.Join(", ", a.Select(v => $"`{v}`")),
            _ => $"`{node.ToJsonString().Trim('"')}`",
        };
    }

    private static string Format(object? value) => value switch
    {
        null => "none",
        string { Length: 0 } => "none",
        string s => $"`{s}`",
        bool b => b ? "`true`" : "`false`",
        IFormattable f and not Enum => $"`{f.ToString(null, CultureInfo.InvariantCulture)}`",
        Enum e => $"`{e}`",
        IDictionary { Count: 0 } or ICollection { Count: 0 } => "none",
        IDictionary d => string.Join(", ", d.Keys.Cast<object>().Select(k => $"`{k}`")),
        IEnumerable items => string.Join(", ", items.Cast<object>().Select(Format)),
        _ => "",
    };

    private static string Accepted(PropertyInfo property)
    {
        var rules = new List<string>();
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        foreach (var attribute in property.GetCustomAttributes<ValidationAttribute>())
        {
            rules.Add(attribute switch
            {
                RequiredAttribute => "required",
                RangeAttribute r when r.Maximum is int.MaxValue or long.MaxValue => $"at least {Number(r.Minimum)}",
                RangeAttribute r => $"{Number(r.Minimum)}–{Number(r.Maximum)}",
                RegularExpressionAttribute r => $"matches `{r.Pattern}`",
                StringLengthAttribute s => $"{s.MinimumLength}–{s.MaximumLength} characters",
                MinLengthAttribute m => $"at least {m.Length} characters",
                MaxLengthAttribute m => $"at most {m.Length}",
                EmailAddressAttribute => "an e-mail address",
                _ => "",
            });
        }
        if (type.IsEnum)
        {
            rules.Add(string.Join(", ", Enum.GetNames(type).Select(n => $"`{n}`")));
        }
        return string.Join("; ", rules.Where(r => r.Length > 0));
    }

    private static string Number(object value) => value is IFormattable f ? f.ToString(null, CultureInfo.InvariantCulture) : $"{value}";

    private static string Summary(MemberInfo member)
    {
        var id = member is Type type ? $"T:{type.FullName}" : $"P:{member.DeclaringType!.FullName}.{member.Name}";
        var assembly = member is Type t ? t.Assembly : member.DeclaringType!.Assembly;
        var summary = Docs(assembly).GetValueOrDefault(id)
            ?? throw new InvalidOperationException($"{id} has no <summary>: every setting documents itself (docs/configuration.md is made of them).");
        return summary;
    }

    private static readonly Dictionary<Assembly, Dictionary<string, string>> DocsByAssembly = [];

    private static Dictionary<string, string> Docs(Assembly assembly)
    {
        lock (DocsByAssembly)
        {
            if (!DocsByAssembly.TryGetValue(assembly, out var docs))
            {
                var file = Path.ChangeExtension(assembly.Location, ".xml");
                docs = XDocument.Load(file).Descendants("member")
                    .Where(m => m.Element("summary") is not null)
                    .ToDictionary(m => (string)m.Attribute("name")!, m => Text(m.Element("summary")!));
                DocsByAssembly[assembly] = docs;
            }
            return docs;
        }
    }

    /// <summary>A summary as one line of Markdown: code in backticks, references by their last name.</summary>
    private static string Text(XElement summary)
    {
        var text = new StringBuilder();
        foreach (var node in summary.Nodes())
        {
            text.Append(node switch
            {
                XText t => t.Value,
                XElement { Name.LocalName: "c" } c => $"`{c.Value}`",
                XElement { Name.LocalName: "see" or "seealso" } s => $"`{Last((string?)s.Attribute("cref") ?? (string?)s.Attribute("langword") ?? "")}`",
                XElement { Name.LocalName: "para" } p => " " + Text(p) + " ",
                XElement e => e.Value,
                _ => "",
            });
        }
        return Spaces().Replace(text.ToString(), " ").Trim();
    }

    /// <summary>A reference by its last name, without its parameters: <c>M:A.B.Run(System.Int32)</c> is <c>Run</c>.</summary>
    private static string Last(string cref)
    {
        var name = cref.Split('(')[0];
        return name[(name.LastIndexOfAny([':', '.']) + 1)..];
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
