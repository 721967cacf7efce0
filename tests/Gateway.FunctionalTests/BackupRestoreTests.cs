namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>
/// docs/operations.md, "Backup and restore", as an operator would do it: a dump of a running
/// stack with deliveries waiting, restored into a fresh database under a fresh stack with the same
/// service id and encryption key, delivers what was waiting, signed with the subscription's secret.
/// </summary>
[Trait("Category", "Functional")]
public sealed class BackupRestoreTests : IAsyncLifetime
{
    private WebhookReceiver receiver = null!;
    private readonly string dump = Path.Combine(Path.GetTempPath(), $"es-backup-{Guid.NewGuid():N}.dump");

    public async Task InitializeAsync() => receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync()
    {
        await receiver.DisposeAsync();
        File.Delete(dump);
    }

    [Fact]
    public async Task A_dump_restored_into_a_fresh_stack_delivers_what_was_waiting()
    {
        const string Secret = "backup-secret-0123456789";
        var resource = $"backedup-{Guid.NewGuid():N}"[..20];
        var source = new RetryingCluster();
        string serviceId, secretKey;
        var events = new List<string>();
        await source.InitializeAsync();
        try
        {
            var api = new EventsClient(source);
            var body = EventsClient.Subscription($"entity:{resource}:created", """{"filters": [{"tag": "context.*"}]}""");
            body["url"] = receiver.Url("restored", "503");
            body["secret"] = Secret;
            await api.SubscribeAsync(body);
            for (var i = 0; i < 5; i++)
            {
                events.Add((await api.OkAsync(HttpMethod.Post, $"/rest/v1/{resource}", new JsonObject { ["n"] = i }))!);
            }
            // Each tried and refused: they wait, with their attempts, in the database.
            await Eventually.HoldsAsync(() => receiver.Calls("restored").Select(Event).Distinct().Count() == 5, TimeSpan.FromSeconds(60),
                "the deliveries were never tried");
            await RunAsync("pg_dump", "--format=custom", $"--file={dump}", $"--dbname={ConnectionInfo(source.Database)}");
            (serviceId, secretKey) = (source.ServiceId, source.SecretKey);
        }
        finally
        {
            await source.DisposeAsync();
        }

        receiver.Url("restored", "200");
        var before = receiver.Calls("restored").Count;
        var restored = new RestoredCluster(dump, serviceId, secretKey);
        await restored.InitializeAsync();
        try
        {
            await Eventually.HoldsAsync(() => receiver.Calls("restored").Skip(before).Where(c => c.Status == 200).Select(Event).Distinct().Count() == 5,
                TimeSpan.FromSeconds(90), "the restored stack never delivered what was waiting");
            var delivered = receiver.Calls("restored").Skip(before).Where(c => c.Status == 200).ToList();
            Assert.Equal(events.Order(), delivered.Select(Event).Distinct().Order());
            Assert.All(delivered, c => Assert.Equal(Secret,
                new Dictionary<string, string>(c.Headers, StringComparer.OrdinalIgnoreCase)["TrackTik-Subscription-Secret"]));
        }
        finally
        {
            await restored.DisposeAsync();
        }
    }

    private static string Event(ReceivedCall call) => JsonNode.Parse(call.Body)!["meta"]!["eventId"]!.GetValue<string>();

    private static string ConnectionInfo(string database)
    {
        var builder = new NpgsqlConnectionStringBuilder(TestEnvironment.Postgres);
        return $"host={builder.Host} port={builder.Port} user={builder.Username} dbname={database}";
    }

    internal static async Task RunAsync(string tool, params string[] arguments)
    {
        var bin = Environment.GetEnvironmentVariable("ES_TEST_PG_BIN") ?? throw new InvalidOperationException("ES_TEST_PG_BIN is not set: run scripts/test.sh");
        var start = new ProcessStartInfo(Path.Combine(bin, tool)) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{tool} exited with {process.ExitCode}: {await error}");
    }

    /// <summary>A stack that delivers to loopback with retries a second apart.</summary>
    private class RetryingCluster : ServiceCluster
    {
        private static readonly KeyValuePair<string, string>[] Targets =
        [
            new("Webhooks__AllowHttp", "true"),
            new("Webhooks__AllowedNetworks__0", "127.0.0.0/8"),
        ];

        protected override IEnumerable<KeyValuePair<string, string>> GatewaySettings => Targets;

        /// <summary>Twenty retries a second apart: a delivery refused for a few seconds still waits.</summary>
        protected override IEnumerable<KeyValuePair<string, string>> SiloSettings =>
        [
            .. Targets,
            .. Enumerable.Range(0, 20).Select(i => new KeyValuePair<string, string>($"Delivery__RetryDelaySeconds__{i}", "1")),
        ];
    }

    /// <summary>A fresh stack on a database restored from a dump, with the dumped stack's service id and encryption key.</summary>
    private sealed class RestoredCluster(string dump, string serviceId, string secretKey) : RetryingCluster
    {
        public override string ServiceId => serviceId;

        public override string SecretKey => secretKey;

        protected override async Task PrepareDatabaseAsync()
        {
            await base.PrepareDatabaseAsync();
            await RunAsync("pg_restore", "--no-owner", "--exit-on-error", $"--dbname={ConnectionInfo(Database)}", dump);
        }
    }
}
