namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>
/// A delivery test on the shared <see cref="DeliveryCluster"/>: a webhook receiver of its own, a
/// resource of its own, and the subscriptions it makes archived when it ends (none goes on retrying
/// against a receiver that is gone).
/// </summary>
public abstract class DeliveryTest(DeliveryCluster service) : IAsyncLifetime
{
    protected const string Secret = "delivery-secret-0123456789";
    private readonly List<long> created = [];

    protected DeliveryCluster Service { get; } = service;

    protected EventsClient Api { get; } = new(service);

    protected string Resource { get; } = $"hooks-{Guid.NewGuid():N}"[..20];

    protected WebhookReceiver Receiver { get; private set; } = null!;

    public async Task InitializeAsync() => Receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var id in created)
        {
            await Api.SendAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{id}/actions/archive");
        }
        await Receiver.DisposeAsync();
    }

    protected async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(Service.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    protected async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Service.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The values of one metric on a Prometheus page (one per series).</summary>
    protected static List<double> Values(string page, string metric) =>
    [
        .. page.Split('\n')
            .Where(l => l.StartsWith(metric + " ", StringComparison.Ordinal) || l.StartsWith(metric + "{", StringComparison.Ordinal))
            .Select(l => double.Parse((l.Contains('}') ? l[(l.LastIndexOf('}') + 1)..] : l[metric.Length..]).Trim().Split(' ')[0],
                System.Globalization.CultureInfo.InvariantCulture)),
    ];

    /// <summary>es_delivery_attempts_total{outcome="SUCCEEDED"} summed over the silos (their counters are cumulative).</summary>
    protected async Task<double> SucceededAttemptsAsync()
    {
        using var http = new HttpClient();
        var scrapes = await Task.WhenAll(Service.MetricsPorts.Select(p => http.GetStringAsync($"http://localhost:{p}/metrics")));
        return scrapes.SelectMany(s => s.Split('\n'))
            .Where(l => l.StartsWith("es_delivery_attempts_total{", StringComparison.Ordinal) && l.Contains("outcome=\"SUCCEEDED\"", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture));
    }

    protected async Task<long> SubscribeAsync(string url, string? extra = null)
    {
        var body = EventsClient.Subscription($"entity:{Resource}:created entity:{Resource}:updated", """{"filters": [{"tag": "context.*"}]}""");
        body["url"] = url;
        body["secret"] = Secret;
        foreach (var (name, value) in JsonNode.Parse(extra ?? "{}")!.AsObject())
        {
            body[name] = value?.DeepClone();
        }
        var id = await Api.SubscribeAsync(body);
        created.Add(id);
        return id;
    }

    protected async Task<List<ReceivedCall>> CallsAsync(string name, int count)
    {
        await Eventually.HoldsAsync(() => Receiver.Calls(name).Count >= count, TimeSpan.FromSeconds(60), $"'{name}' never received {count} call(s)");
        return [.. Receiver.Calls(name)];
    }

    protected async Task<SubscriptionView> ItemAsync(long subscription) => (await ItemRawAsync(subscription)).As<SubscriptionView>();

    protected async Task<JsonElement> ItemRawAsync(long subscription) =>
        (await Api.SendAsync(HttpMethod.Get, $"/rest/v1/events-subscriptions/{subscription}")).Body.GetProperty("data");

    protected async Task<SubscriptionView> WaitForAsync(long subscription, Func<SubscriptionView, bool> condition)
    {
        SubscriptionView? item = null;
        await Eventually.HoldsAsync(async () => condition(item = await ItemAsync(subscription)), TimeSpan.FromSeconds(60),
            $"subscription {subscription} never reached the expected state");
        return item!;
    }

    protected async Task<List<LogRow>> LogsAsync(long subscription, int count)
    {
        var rows = new List<LogRow>();
        await Eventually.HoldsAsync(async () => (rows = await ReadLogAsync(subscription)).Count >= count, TimeSpan.FromSeconds(60),
            $"subscription {subscription} never logged {count} attempt(s)");
        return rows;
    }

    protected async Task<List<LogRow>> ReadLogAsync(long subscription)
    {
        await using var connection = new NpgsqlConnection(Service.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT attempt, outcome, status_code, error, delivery_id FROM delivery_log WHERE subscription_id = $1 ORDER BY id", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = subscription });
        var rows = new List<LogRow>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(new LogRow(reader.GetInt32(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt32(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4)));
        }
        return rows;
    }
}
