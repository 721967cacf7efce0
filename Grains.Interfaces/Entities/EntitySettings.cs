using System.ComponentModel.DataAnnotations;
using EventsSubscriptions.Grains.Interfaces.Hosting;
using EventsSubscriptions.Grains.Interfaces.Text;

namespace EventsSubscriptions.Grains.Interfaces.Entities;

/// <summary>
/// Entities beyond the built-in ones (section <c>Entities</c>): more relation fields, and more
/// resources with their actions; a subscription's <c>events</c> naming one a letter or two away from
/// a declared resource or action is refused as a typo.
/// </summary>
public sealed class EntitySettings : ISettingsSection, IValidatableObject
{
    public static string Section => "Entities";

    /// <summary>
    /// A relation field and the resource its ids belong to (<c>Entities__Relations__supervisor=employees</c>),
    /// added to or replacing the built-in ones (<c>region</c>, <c>parentRegion</c>, <c>employee</c>, <c>site</c>…: see
    /// docs/api.md); <c>entityResponse.include</c> follows them.
    /// </summary>
    public Dictionary<string, string> Relations { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Resources declared by configuration, with their actions beside created, updated and deleted.</summary>
    public Dictionary<string, ResourceDeclaration> Resources { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// How many levels a region tree may have (a root is level 1): a create or move that would
    /// pass it is refused. Paths are walked level by level when events are routed.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxRegionDepth { get; set; } = 10_000;

    public RelationMap RelationMap() => new(Relations);

    public ResourceCatalog ResourceCatalog() =>
        new(Resources.ToDictionary(r => r.Key, r => r.Value?.Actions ?? [], StringComparer.Ordinal));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (field, resource) in Relations)
        {
            if (field.Contains('.', StringComparison.Ordinal) || !Patterns.FieldPath().IsMatch(field))
            {
                yield return new ValidationResult($"'{field}' is not a field name (letters, digits, '_').", [$"{nameof(Relations)}:{field}"]);
            }
            else if (!Patterns.Name().IsMatch(resource ?? ""))
            {
                yield return new ValidationResult($"'{resource}' is not a resource name (lowercase: employees, work-orders).", [$"{nameof(Relations)}:{field}"]);
            }
        }
        foreach (var (name, declaration) in Resources)
        {
            if (!Patterns.Name().IsMatch(name))
            {
                yield return new ValidationResult($"'{name}' is not a resource name (lowercase: employees, work-orders).", [$"{nameof(Resources)}:{name}"]);
                continue;
            }
            var actions = declaration?.Actions ?? [];
            for (var i = 0; i < actions.Length; i++)
            {
                if (!Patterns.Name().IsMatch(actions[i] ?? ""))
                {
                    yield return new ValidationResult($"'{actions[i]}' is not an action name (lowercase: terminate, clock-in).",
                        [$"{nameof(Resources)}:{name}:{nameof(ResourceDeclaration.Actions)}:{i}"]);
                }
            }
        }
    }
}

/// <summary>A resource declared by configuration.</summary>
public sealed class ResourceDeclaration
{
    /// <summary>The resource's actions (lowercase names such as <c>clock-in</c>), each a trigger besides created, updated and deleted.</summary>
    public string[] Actions { get; set; } = [];
}
