using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace EventsSubscriptions.Grains.Interfaces.Hosting;

/// <summary>Reads configuration the way the silo and the gateway both need it: validated, failing early with a clear message.</summary>
public static class SettingsReader
{
    public static string RequiredConnectionString(IConfiguration configuration, string name) =>
        configuration.GetConnectionString(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"Configuration 'ConnectionStrings:{name}' (environment ConnectionStrings__{name}) is required.");

    public static T Bind<T>(IConfiguration configuration, string section) where T : class, new()
    {
        var settings = configuration.GetSection(section).Get<T>() ?? new T();
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(settings, new ValidationContext(settings), results, validateAllProperties: true))
        {
            throw new InvalidOperationException(
                $"Invalid configuration section '{section}': " + string.Join("; ", results.Select(r => r.ErrorMessage)));
        }
        return settings;
    }
}
