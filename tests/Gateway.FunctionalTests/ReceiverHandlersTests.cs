namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>
/// The runnable receivers of docs/receivers (Flask, Express, ASP.NET Core minimal API), started as
/// their comments say, receive real deliveries: each verifies and handles them, and refuses a call
/// whose signature is wrong.
/// </summary>
[Trait("Category", "Functional")]
[Collection(DeliveryClusterCollection.Name)]
public sealed class ReceiverHandlersTests(DeliveryCluster service)
{
    private static readonly string Receivers = Path.Combine(TestEnvironment.RepositoryRoot, "docs", "receivers");
    private readonly EventsClient api = new(service);

    [Theory]
    [InlineData("flask")]
    [InlineData("express")]
    [InlineData("aspnet")]
    public async Task A_receiver_verifies_and_handles_real_deliveries_and_refuses_a_forged_one(string framework)
    {
        const string Secret = "handler-secret-0123456789";
        var port = TestEnvironment.FreePort();
        var (program, arguments) = framework switch
        {
            "flask" => ("python3", new[] { "flask_receiver.py" }),
            "express" => ("node", new[] { "express-receiver.mjs" }),
            _ => ("dotnet", new[] { Path.Combine("aspnet", "bin", "Release", "net10.0", "Receiver.dll") }),
        };
        var start = new ProcessStartInfo(program) { WorkingDirectory = Receivers, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["WEBHOOK_SECRET"] = Secret;
        start.Environment["PORT"] = port.ToString();
        var saved = Directory.CreateTempSubdirectory("es-calls-").FullName;
        start.Environment["SAVE_CALLS"] = saved;
        var output = new StringBuilder();
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, line) => { lock (output) { output.AppendLine(line.Data); } };
        process.ErrorDataReceived += (_, line) => { lock (output) { output.AppendLine(line.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        string Output() { lock (output) { return output.ToString(); } }
        try
        {
            await Eventually.HoldsAsync(() => Output().Contains($"listening on {port}"), TimeSpan.FromSeconds(30), $"{framework} never listened:\n{Output()}");
            var resource = $"handled-{Guid.NewGuid():N}"[..20];
            var body = EventsClient.Subscription($"entity:{resource}:created", """{"filters": [{"tag": "context.*"}]}""");
            body["url"] = $"http://127.0.0.1:{port}/webhooks";
            body["secret"] = Secret;
            var subscription = await api.SubscribeAsync(body);
            var eventId = await api.OkAsync(HttpMethod.Post, $"/rest/v1/{resource}", new JsonObject { ["name"] = "Ada" });

            await Eventually.HoldsAsync(() => Output().Contains($"verified {subscription}-{eventId} entity:{resource}:created"),
                TimeSpan.FromSeconds(30), $"{framework} never handled the delivery:\n{Output()}");
            Assert.Contains("\"Ada\"", Output());
            if (framework != "aspnet")
            {
                // The call it saved is what the command-line verifiers read.
                var call = Path.Combine(saved, $"{subscription}-{eventId}.json");
                var (verifier, script) = framework == "flask" ? ("python3", "verify.py") : ("node", "verify.mjs");
                var verify = new ProcessStartInfo(verifier) { WorkingDirectory = Receivers, RedirectStandardInput = true, RedirectStandardOutput = true };
                verify.ArgumentList.Add(script);
                verify.ArgumentList.Add(Secret);
                using var check = Process.Start(verify)!;
                await check.StandardInput.WriteAsync(await File.ReadAllTextAsync(call));
                check.StandardInput.Close();
                var said = await check.StandardOutput.ReadToEndAsync();
                await check.WaitForExitAsync();
                Assert.True(check.ExitCode == 0, $"{script} on the saved call: {said}");
            }

            // A call that does not carry the secret and a valid signature is refused.
            using var http = new HttpClient();
            using var forged = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{port}/webhooks")
            {
                Content = new StringContent("""{"meta": {"event": "entity:x:created"}, "data": {}}""", Encoding.UTF8, "application/json"),
            };
            forged.Headers.Add("TrackTik-Subscription-Secret", "guessed-secret-0000000000");
            forged.Headers.Add("webhook-id", "1-forged");
            forged.Headers.Add("webhook-timestamp", DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString());
            forged.Headers.Add("webhook-signature", "v1,AAAA");
            using var refused = await http.SendAsync(forged);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.DoesNotContain("verified 1-forged", Output());
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Directory.Delete(saved, recursive: true);
            await api.ArchiveSubscribedAsync();
        }
    }
}
