using EventsSubscriptions.Grains.Interfaces.Hosting;

namespace EventsSubscriptions.Gateway.Auth;

/// <summary>
/// <c>Gateway token [scopes…] [--hours N] [--tenant NAME]</c>: prints a token signed with the
/// configured key, for local use. Scopes may be separated by spaces or commas; none means every
/// scope. Without <c>--tenant</c> the token acts for the default tenant.
/// </summary>
public static class DevelopmentToken
{
    public static int Print(string[] args)
    {
        var hours = 12.0;
        string? tenant = null;
        var scopes = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--tenant")
            {
                if (i + 1 >= args.Length || !Grains.Interfaces.Tenants.Tenants.Name().IsMatch(args[i + 1]))
                {
                    Console.Error.WriteLine("--tenant takes a tenant name: 1 to 63 characters of a-z, 0-9 and '-', starting with a letter or digit.");
                    return 2;
                }
                tenant = args[++i];
                continue;
            }
            if (args[i] == "--hours")
            {
                // Up to a year; a token that lives longer belongs in the identity provider's hands.
                if (i + 1 >= args.Length || !double.TryParse(args[i + 1], System.Globalization.NumberStyles.Float,
                        System.Globalization.CultureInfo.InvariantCulture, out var h) || !(h > 0 && h <= 8784))
                {
                    Console.Error.WriteLine("--hours takes how long the token lives, in hours: a number above 0 and at most 8784 (a year), such as 2 or 0.5.");
                    return 2;
                }
                hours = h;
                i++;
                continue;
            }
            if (args[i].StartsWith("--", StringComparison.Ordinal))
            {
                Console.Error.WriteLine($"Unknown option {args[i]}. Options: --hours N, --tenant NAME; other arguments are scopes ({string.Join(" ", Scopes.All)}).");
                return 2;
            }
            scopes.AddRange(args[i].Split([' ', ','], StringSplitOptions.RemoveEmptyEntries));
        }
        var unknown = scopes.Where(s => !Scopes.All.Contains(s)).ToList();
        if (unknown.Count > 0)
        {
            Console.Error.WriteLine($"Unknown scope(s): {string.Join(", ", unknown)}. Known: {string.Join(" ", Scopes.All)}");
            return 2;
        }
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory,
                $"appsettings.{Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? "Production"}.json"), optional: true)
            .AddEnvironmentVariables()
            .Build();
        var settings = Settings.Read<AuthSettings>(configuration);
        Console.WriteLine(TokenIssuer.Issue(settings, scopes.Count == 0 ? Scopes.All : scopes, TimeSpan.FromHours(hours), tenant: tenant));
        return 0;
    }
}
