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

    protected Task<T> ScalarAsync<T>(string sql) => Service.ScalarAsync<T>(sql);

    protected Task ExecuteAsync(string sql) => Service.ExecuteAsync(sql);

    /// <summary>es_delivery_attempts_total{outcome="SUCCEEDED"} summed over the silos (their counters are cumulative: compare with a reading taken before).</summary>
    protected Task<double> SucceededAttemptsAsync() =>
        SiloMetrics.SumAsync(Service.MetricsPorts, "es_delivery_attempts_total", "outcome=\"SUCCEEDED\"");

    /// <summary>
    /// Waits until a silo or the gateway has written a line matching <paramref name="pattern"/> since
    /// <paramref name="mark"/>: the services' own account of a decision they took.
    /// </summary>
    protected async Task WaitForOutputAsync(Dictionary<ServiceProcess, int> mark, string pattern, string message) =>
        await Eventually.HoldsAsync(() => System.Text.RegularExpressions.Regex.IsMatch(Service.OutputSince(mark), pattern), TimeSpan.FromSeconds(60), message);

    /// <summary>
    /// Asserts a call carries the Standard Webhooks headers of its own attempt: a <c>webhook-timestamp</c>
    /// of integer Unix seconds close to when the call came (within a few seconds, a loaded machine's
    /// slack), and a <c>webhook-signature</c> that signs <c>{webhook-id}.{webhook-timestamp}.{body}</c>
    /// with <paramref name="secrets"/> in order (the subscription's secret when none are named).
    /// </summary>
    protected static void AssertSignedAtItsAttempt(ReceivedCall call, params string[] secrets)
    {
        Assert.True(call.Headers.TryGetValue("webhook-timestamp", out var stamp), "no webhook-timestamp header");
        Assert.True(long.TryParse(stamp, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds),
            $"webhook-timestamp '{stamp}' is not an integer of Unix seconds");
        var at = call.At.ToUnixTimeSeconds();
        Assert.InRange(seconds, at - 10, at + 1);
        var signed = Encoding.UTF8.GetBytes($"{call.Headers["webhook-id"]}.{stamp}.").Concat(call.Body).ToArray();
        var expected = (secrets.Length == 0 ? [Secret] : secrets).Select(secret =>
        {
            using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(secret));
            return $"v1,{Convert.ToBase64String(hmac.ComputeHash(signed))}";
        });
        Assert.Equal(expected, call.Headers["webhook-signature"].Split(' '));
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

    protected Task<List<LogRow>> ReadLogAsync(long subscription) => Service.RowsAsync(
        "SELECT attempt, outcome, status_code, error, delivery_id FROM delivery_log WHERE subscription_id = $1 ORDER BY id",
        reader => new LogRow(reader.GetInt32(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt32(2),
            reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4)),
        subscription);
}
