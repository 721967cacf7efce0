using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EventsSubscriptions.Grains.Interfaces.Hosting;

/// <summary>A settings type bound to one configuration section (<c>Section:Key</c>, environment <c>Section__Key</c>).</summary>
public interface ISettingsSection
{
    static abstract string Section { get; }
}

/// <summary>
/// How the silo and the gateway read every configuration section: options of the section's type,
/// bound from it, checked by <see cref="SettingsValidator{T}"/> (data annotations and
/// <see cref="IValidatableObject"/>), when the host starts. A bad value stops the host with an
/// <see cref="OptionsValidationException"/> that names the setting, instead of failing at its first use.
/// </summary>
public static class Settings
{
    /// <summary>The environment variable naming a folder of secrets mounted as files (Kubernetes).</summary>
    public const string SecretsFolderVariable = "ES_SECRETS_DIR";

    /// <summary>
    /// Settings read from files, one per setting, in the folder <see cref="SecretsFolderVariable"/>
    /// names (a Kubernetes Secret mounted as a volume): a file <c>Secrets__EncryptionKey</c> holds
    /// that setting's value. Secrets then never sit in the environment, where <c>kubectl describe</c>
    /// and crash dumps show them. They win over the environment. Nothing when the variable is unset.
    /// </summary>
    public static IConfigurationBuilder AddSecretFiles(this IConfigurationBuilder configuration)
    {
        var folder = Environment.GetEnvironmentVariable(SecretsFolderVariable);
        if (string.IsNullOrWhiteSpace(folder))
        {
            return configuration;
        }
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"{SecretsFolderVariable} names {folder}, which is not a folder.");
        }
        return configuration.AddKeyPerFile(folder, optional: false);
    }

    public static OptionsBuilder<T> AddSettings<T>(this IServiceCollection services) where T : class, ISettingsSection
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<T>, SettingsValidator<T>>());
        return services.AddOptions<T>().BindConfiguration(T.Section).ValidateOnStart();
    }

    /// <summary>
    /// Registers a section as <see cref="AddSettings{T}"/> does and returns its value now, for what
    /// is configured before the host is built (Orleans' clustering, ports, Kestrel): bound and
    /// validated exactly as the host will, throwing the same exception at once.
    /// <paramref name="validate"/> adds the checks of this host alone.
    /// </summary>
    public static T AddSettingsNow<T>(this IHostApplicationBuilder builder, Action<OptionsBuilder<T>>? validate = null)
        where T : class, ISettingsSection
    {
        var options = builder.Services.AddSettings<T>();
        validate?.Invoke(options);
        return Read(builder.Configuration, builder.Environment, validate);
    }

    /// <summary>A section bound and validated outside a host (<paramref name="environment"/>: for the checks that depend on it).</summary>
    public static T Read<T>(IConfiguration configuration, IHostEnvironment? environment = null, Action<OptionsBuilder<T>>? validate = null)
        where T : class, ISettingsSection
    {
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        if (environment is not null)
        {
            services.AddSingleton(environment);
        }
        var options = services.AddSettings<T>();
        validate?.Invoke(options);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<T>>().Value;
    }

    /// <summary>How a failure names a setting: <c>Smtp:Port (environment Smtp__Port)</c>.</summary>
    public static string Key(string section, string member) =>
        $"{section}:{member} (environment {section}__{member.Replace(":", "__", StringComparison.Ordinal)})";
}

/// <summary>
/// Checks a section's data annotations and, when they hold, its <see cref="IValidatableObject"/>
/// rules, which may ask the validation context for the <see cref="IHostEnvironment"/>. Each failure
/// names the setting it is about.
/// </summary>
public sealed class SettingsValidator<T>(IServiceProvider services) : IValidateOptions<T> where T : class, ISettingsSection
{
    public ValidateOptionsResult Validate(string? name, T options)
    {
        var results = new List<ValidationResult>();
        if (Validator.TryValidateObject(options, new ValidationContext(options, services, items: null), results, validateAllProperties: true))
        {
            return ValidateOptionsResult.Success;
        }
        return ValidateOptionsResult.Fail(results.Select(r => r.MemberNames.FirstOrDefault() is { } member
            ? $"{Settings.Key(T.Section, member)}: {r.ErrorMessage}"
            : $"{T.Section}: {r.ErrorMessage}"));
    }
}
