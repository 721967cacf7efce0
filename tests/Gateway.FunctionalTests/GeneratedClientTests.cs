namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>
/// The OpenAPI document is good enough to generate a client from: openapi-typescript makes types of
/// the document the gateway serves, TypeScript checks the README's walkthrough written against them
/// (tests/GeneratedClient/walkthrough.ts), and the walkthrough runs through openapi-fetch against the
/// real stack: subscribe, create an entity, see the delivery succeed in the log, archive.
/// </summary>
[Trait("Category", "Functional")]
[Collection(DeliveryClusterCollection.Name)]
public sealed class GeneratedClientTests(DeliveryCluster service)
{
    private static readonly string Client = Path.Combine(TestEnvironment.RepositoryRoot, "tests", "GeneratedClient");

    [Fact]
    public async Task The_walkthrough_runs_through_a_client_generated_from_the_openapi_document()
    {
        var work = Directory.CreateTempSubdirectory("es-client-").FullName;
        try
        {
            foreach (var file in new[] { "walkthrough.ts", "tsconfig.json", "package.json" })
            {
                File.Copy(Path.Combine(Client, file), Path.Combine(work, file));
            }
            Directory.CreateSymbolicLink(Path.Combine(work, "node_modules"), Path.Combine(Client, "node_modules"));
            await File.WriteAllTextAsync(Path.Combine(work, "openapi.json"), await service.Http.GetStringAsync("/openapi/v1.json"));

            await RunAsync(work, "openapi-typescript", new Dictionary<string, string>(), "openapi.json", "--output", "schema.d.ts");
            // The walkthrough type-checks against the document: a missing path, parameter or field fails here.
            await RunAsync(work, "tsc", new Dictionary<string, string>(), "--project", "tsconfig.json");
            var said = await RunAsync(work, "tsx", new Dictionary<string, string>
            {
                ["GATEWAY"] = service.BaseAddress.ToString().TrimEnd('/'),
                ["TOKEN"] = service.Token(ServiceCluster.AllScopes),
                ["RECEIVER_URL"] = $"{service.BaseAddress}dev/inbox/generated-client",
                ["RESOURCE"] = $"generated-{Guid.NewGuid():N}"[..20],
            }, "walkthrough.ts");
            Assert.Contains("SUCCEEDED 200", said);
            Assert.Contains("archived ARCHIVED", said);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<string> RunAsync(string directory, string tool, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(Client, "node_modules", ".bin", tool))
        {
            WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        var said = $"{await output}{await error}";
        Assert.True(process.ExitCode == 0, $"{tool} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{said}");
        return said;
    }
}
