using EventsSubscriptions.Receivers;

namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>
/// The verification examples of docs/receivers (C#, Node, Python) accept real deliveries, signed
/// with a plain and with a whsec_ secret, and refuse the same calls once tampered with.
/// </summary>
[Trait("Category", "Functional")]
[Collection(DeliveryClusterCollection.Name)]
public sealed class ReceiverExamplesTests(DeliveryCluster service) : IAsyncLifetime
{
    private static readonly string Examples = Path.Combine(TestEnvironment.RepositoryRoot, "docs", "receivers");
    private readonly EventsClient api = new(service);
    private readonly string resource = $"verify-{Guid.NewGuid():N}"[..20];
    private WebhookReceiver receiver = null!;

    public async Task InitializeAsync() => receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync()
    {
        // None of this test's subscriptions goes on calling the receiver disposed here.
        await api.ArchiveSubscribedAsync();
        await receiver.DisposeAsync();
    }

    public static TheoryData<string, string> Secrets => new()
    {
        { "plain-receiver-secret-0123456789", "secret" },
        { "whsec_" + Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)(i * 7)).ToArray()), "hmac-sha512" },
    };

    [Theory]
    [MemberData(nameof(Secrets))]
    public async Task Each_example_accepts_a_real_delivery_and_refuses_a_tampered_one(string secret, string secretHeaderMode)
    {
        var path = secret.StartsWith("whsec_") ? "verify-whsec" : "verify-plain";
        var body = EventsClient.Subscription($"entity:{resource}:created", """{"filters": [{"tag": "context.*"}]}""");
        body["url"] = receiver.Url(path);
        body["secret"] = secret;
        body["secretHeaderName"] = "X-Hook-Signature";
        body["secretHeaderMode"] = secretHeaderMode;
        await api.SubscribeAsync(body);
        await api.OkAsync(HttpMethod.Post, $"/rest/v1/{resource}", new JsonObject { ["name"] = "Verified" });
        await Eventually.HoldsAsync(() => receiver.Calls(path).Count == 1, TimeSpan.FromSeconds(30), "the delivery never arrived");
        var call = receiver.Calls(path)[0];
        var tampered = call.Body.Concat(" "u8.ToArray()).ToArray();
        Assert.Equal(secretHeaderMode == "secret" ? secret : Convert.ToHexStringLower(HMACSHA512.HashData(Encoding.UTF8.GetBytes(secret), call.Body)),
            call.Headers["x-hook-signature"]);

        Assert.True(WebhookVerifier.IsValid(call.Body, Headers(call), secret, "X-Hook-Signature", DateTimeOffset.UtcNow));
        Assert.False(WebhookVerifier.IsValid(tampered, Headers(call), secret, "X-Hook-Signature", DateTimeOffset.UtcNow));
        Assert.False(WebhookVerifier.IsValid(call.Body, Headers(call), secret, "X-Hook-Signature", DateTimeOffset.UtcNow.AddMinutes(10)));

        foreach (var (program, file) in new[] { ("python3", "verify.py"), ("node", "verify.mjs") })
        {
            var (exit, output) = await RunAsync(program, file, secret, call.Headers, call.Body);
            Assert.True(exit == 0, $"{file}: {output}");
            Assert.Contains("secretHeader: valid", output);
            Assert.Contains("standard: valid", output);
            var (refused, refusal) = await RunAsync(program, file, secret, call.Headers, tampered);
            Assert.True(refused == 1, $"{file} accepted a tampered body: {refusal}");
        }
    }

    private static Dictionary<string, string> Headers(ReceivedCall call) => new(call.Headers, StringComparer.OrdinalIgnoreCase);

    private static async Task<(int Exit, string Output)> RunAsync(string program, string file, string secret, IReadOnlyDictionary<string, string> headers, byte[] body)
    {
        var info = new ProcessStartInfo(program, [Path.Combine(Examples, file), secret, "X-Hook-Signature"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{program} did not start");
        await process.StandardInput.WriteAsync(JsonSerializer.Serialize(new { headers, body = Convert.ToBase64String(body) }));
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output);
    }
}
