using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EventsSubscriptions.Gateway.FunctionalTests.Infrastructure;

/// <summary>
/// The service as users run it: a migrated database of its own, two silo processes and the
/// gateway process in the Production environment, on free ports, against the real Redis and
/// PostgreSQL of scripts/test.sh.
/// </summary>
public class ServiceCluster : IAsyncLifetime
{
    public const string Issuer = "functional-tests";
    public const string Audience = "events-subscriptions-tests";

    private readonly List<ServiceProcess> silos = [];
    private readonly List<ServiceProcess> retired = [];
    private ServiceProcess? gateway;

    public string Database { get; } = $"es_ft_{Guid.NewGuid():N}";

    public string ClusterId { get; } = $"ft-{Guid.NewGuid():N}";

    public string SigningKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));

    public virtual string SecretKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>The service id every row is keyed by: the cluster's id, unless the database came from another cluster.</summary>
    public virtual string ServiceId => ClusterId;

    /// <summary>The signing key used before <see cref="SigningKey"/>: its tokens are still accepted.</summary>
    public string PreviousSigningKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));

    /// <summary>The operator's identity provider the gateway trusts besides its own key.</summary>
    public TestIdentityProvider IdentityProvider { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public IReadOnlyList<ServiceProcess> Silos => silos;

    public ServiceProcess Gateway => gateway!;

    public string PostgresConnectionString => TestEnvironment.PostgresFor(Database);

    public async Task InitializeAsync()
    {
        await PrepareDatabaseAsync();

        var migrate = ServiceProcess.Start("migrate", TestEnvironment.SiloDll, CommonEnvironment(), "migrate");
        var exit = await migrate.WaitForExitAsync(TimeSpan.FromSeconds(60));
        if (exit != 0)
        {
            throw new InvalidOperationException($"migrate exited with {exit}:\n{migrate.Output}");
        }

        StartSilo();
        StartSilo();
        IdentityProvider = await TestIdentityProvider.StartAsync();
        var port = TestEnvironment.FreePort();
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
        gateway = ServiceProcess.Start("gateway", TestEnvironment.GatewayDll, new Dictionary<string, string>(CommonEnvironment())
        {
            ["Urls"] = BaseAddress.ToString(),
            ["Auth__Issuer"] = Issuer,
            ["Auth__Audience"] = Audience,
            ["Auth__SigningKey"] = SigningKey,
            ["Auth__PreviousSigningKeys__0"] = PreviousSigningKey,
            // The operator's identity provider, on loopback (so its metadata is read over http).
            ["Auth__Authority"] = IdentityProvider.Issuer,
            ["Auth__RequireHttpsMetadata"] = "false",
            ["Auth__MetadataRefreshSeconds"] = "1",
            // Console links name the gateway as browsers reach it (required outside Development).
            ["Gateway__PublicUrl"] = BaseAddress.ToString(),
            // Two callers with limits of their own, for the tests of rate limits and quotas.
            ["Gateway__Callers__rate-test__RequestsPerSecond"] = "1",
            ["Gateway__Callers__rate-test__Burst"] = "3",
            ["Gateway__Callers__quota-test__MaxSubscriptions"] = "2",
            ["Gateway__Tenants__limited-tenant__MaxSubscriptions"] = "1",
            ["Gateway__Tenants__small-tenant__MaxEntities"] = "3",
            ["Gateway__Tenants__slow-tenant__RequestsPerSecond"] = "1",
            ["Gateway__Tenants__slow-tenant__Burst"] = "2",
        }.Concat(GatewaySettings).ToDictionary());
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        await WaitUntilReadyAsync(expectedSilos: 2, TimeSpan.FromSeconds(120));
    }

    /// <summary>Makes the cluster's database (empty: the migrations then make its tables).</summary>
    protected virtual async Task PrepareDatabaseAsync()
    {
        await using var connection = new NpgsqlConnection(TestEnvironment.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {Database}", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Extra configuration of the gateway.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string>> GatewaySettings => [];

    /// <summary>Extra configuration of every silo this cluster starts.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string>> SiloSettings => [];

    private readonly Dictionary<ServiceProcess, int> healthPorts = [];
    private readonly Dictionary<ServiceProcess, int> metricsPorts = [];

    /// <summary>The port of a silo's Prometheus endpoint (/metrics).</summary>
    public int MetricsPort(ServiceProcess silo) => metricsPorts[silo];

    /// <summary>The port of a silo's health endpoints (/healthz, /readyz).</summary>
    public int HealthPort(ServiceProcess silo) => healthPorts[silo];

    /// <summary>The Prometheus port of each silo started, in start order.</summary>
    public List<int> MetricsPorts { get; } = [];

    public ServiceProcess StartSilo()
    {
        var metricsPort = TestEnvironment.FreePort();
        MetricsPorts.Add(metricsPort);
        var healthPort = TestEnvironment.FreePort();
        var silo = ServiceProcess.Start($"silo{silos.Count + retired.Count + 1}", TestEnvironment.SiloDll, new Dictionary<string, string>(CommonEnvironment())
        {
            ["Silo__SiloPort"] = TestEnvironment.FreePort().ToString(),
            ["Silo__GatewayPort"] = TestEnvironment.FreePort().ToString(),
            ["Silo__AdvertisedAddress"] = "127.0.0.1",
            ["Silo__MetricsPort"] = metricsPort.ToString(),
            ["Silo__HealthPort"] = healthPort.ToString(),
            // Every interface, as in a container (loopback is among them).
            ["Silo__MetricsHost"] = "*",
            ["Secrets__EncryptionKey"] = SecretKey,
        }.Concat(SiloSettings).ToDictionary());
        silos.Add(silo);
        healthPorts[silo] = healthPort;
        metricsPorts[silo] = metricsPort;
        return silo;
    }

    /// <summary>Stops every silo (the whole cluster is gone), then starts two new ones.</summary>
    public async Task RestartSilosAsync()
    {
        await Task.WhenAll(silos.Select(s => s.StopAsync()));
        foreach (var silo in silos)
        {
            retired.Add(silo);
        }
        silos.Clear();
        StartSilo();
        StartSilo();
        await WaitUntilReadyAsync(expectedSilos: 2, TimeSpan.FromSeconds(120));
    }

    /// <summary>
    /// Starts a silo in place of each one that has exited (killed by a test), then waits until the
    /// cluster counts as many active silos as before: what a test broke, it gives back.
    /// </summary>
    public async Task ReplaceExitedSilosAsync()
    {
        foreach (var silo in silos.Where(s => s.HasExited).ToList())
        {
            silos.Remove(silo);
            retired.Add(silo);
            StartSilo();
        }
        await WaitUntilReadyAsync(expectedSilos: silos.Count, TimeSpan.FromSeconds(120));
    }

    /// <summary>Everything the silos and the gateway have written to their consoles so far.</summary>
    public string AllOutput => string.Join('\n', silos.Concat(retired).Append(gateway!).Select(p => p.Output));

    /// <summary>A mark in every process's output, for <see cref="OutputSince"/>.</summary>
    public Dictionary<ServiceProcess, int> OutputMark() =>
        silos.Concat(retired).Append(gateway!).ToDictionary(p => p, p => p.LineCount);

    /// <summary>What the silos and the gateway wrote after the mark (processes started since: all of it).</summary>
    public string OutputSince(Dictionary<ServiceProcess, int> mark) =>
        string.Join('\n', silos.Concat(retired).Append(gateway!).Select(p => p.OutputSince(mark.GetValueOrDefault(p))));

    public async Task WaitUntilReadyAsync(int expectedSilos, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            foreach (var process in silos.Append(gateway!).Where(p => p.HasExited))
            {
                throw new InvalidOperationException($"{process.Name} exited with {process.ExitCode}:\n{process.Output}");
            }
            try
            {
                using var response = await Http.GetAsync("/readyz");
                last = await response.Content.ReadAsStringAsync();
                if (response.IsSuccessStatusCode && last.Contains($"\"{expectedSilos} active silo"))
                {
                    return;
                }
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            await Task.Delay(500);
        }
        throw new TimeoutException($"Not ready with {expectedSilos} silos after {timeout}: {last}\n--- gateway ---\n{gateway!.Output}");
    }

    /// <summary>A token signed like the gateway expects, written here independently of the product's issuer.</summary>
    public string Token(params string[] scopes) => Token(scopes, SigningKey, Issuer, Audience);

    /// <summary>A token of another caller (its own <c>sub</c>): rate limits and quotas count per caller.</summary>
    public string TokenFor(string subject, params string[] scopes) => Token(scopes, SigningKey, Issuer, Audience, subject);

    /// <summary>The four scopes of API.md.</summary>
    public static readonly string[] AllScopes = ["entities:read", "entities:write", "subscriptions:read", "subscriptions:write"];

    /// <summary>A client of a tenant's caller, with <see cref="AllScopes"/> when no scope is named.</summary>
    public EventsClient ClientOfTenant(string tenant, string subject, params string[] scopes) =>
        new(this, TokenOfTenant(tenant, subject, scopes.Length == 0 ? AllScopes : scopes));

    /// <summary>A token of a tenant (its <c>tenant</c> claim); <paramref name="subject"/> null leaves out <c>sub</c>.</summary>
    public string TokenOfTenant(string tenant, string? subject, params string[] scopes) =>
        Token(scopes, SigningKey, Issuer, Audience, subject, tenant);

    public static string Token(string[] scopes, string key, string issuer, string audience, string? subject = "functional-test", string? tenant = null) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Expires = DateTime.UtcNow.AddMinutes(30),
            Subject = new ClaimsIdentity(new[]
            {
                subject is null ? null : new Claim("sub", subject),
                new Claim("scope", string.Join(' ', scopes)),
                tenant is null ? null : new Claim("tenant", tenant),
            }.OfType<Claim>()),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
        });

    public HttpRequestMessage Request(HttpMethod method, string path, string? token = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return request;
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (gateway is not null)
        {
            await gateway.DisposeAsync();
        }
        await Task.WhenAll(silos.Concat(retired).Select(s => s.DisposeAsync().AsTask()));
        if (IdentityProvider is not null)
        {
            await IdentityProvider.DisposeAsync();
        }
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(TestEnvironment.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Database} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    private Dictionary<string, string> CommonEnvironment() => new()
    {
        ["DOTNET_ENVIRONMENT"] = "Production",
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["ConnectionStrings__Postgres"] = PostgresConnectionString,
        ["ConnectionStrings__Redis"] = TestEnvironment.Redis,
        ["Cluster__ClusterId"] = ClusterId,
        ["Cluster__ServiceId"] = ServiceId,
        ["Logging__Console__FormatterName"] = "json",
    };
}

[CollectionDefinition(Name)]
public sealed class ServiceClusterCollection : ICollectionFixture<ServiceCluster>
{
    public const string Name = "service cluster";
}
