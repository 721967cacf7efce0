using System.Text.RegularExpressions;

namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>
/// The README's walkthrough, taken from the file (so the two cannot drift) and run by bash against
/// a real stack, as a reader pasting it would: it must end with a webhook received and verified.
/// </summary>
[Trait("Category", "Functional")]
[Collection(DeliveryClusterCollection.Name)]
public sealed partial class ReadmeWalkthroughTests(DeliveryCluster service)
{
    [Fact]
    public async Task The_readme_walkthrough_runs_as_written_and_ends_with_a_verified_webhook()
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(TestEnvironment.RepositoryRoot, "README.md"));
        var block = Walkthrough().Match(readme);
        Assert.True(block.Success, "README.md has no walkthrough block between its markers");

        var info = new ProcessStartInfo("bash", ["-euo", "pipefail", "-c", block.Groups["script"].Value])
        {
            WorkingDirectory = TestEnvironment.RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["GW"] = service.BaseAddress.ToString().TrimEnd('/');
        info.Environment["TOKEN"] = service.Token("subscriptions:read", "subscriptions:write", "entities:read", "entities:write");
        info.Environment["OTHER"] = service.TokenOfTenant("globex", "walkthrough", "subscriptions:read", "subscriptions:write", "entities:read", "entities:write");
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        var text = $"{await output}\n--- stderr ---\n{await errors}";

        Assert.True(process.ExitCode == 0, text);
        Assert.Contains("\"event\": \"entity:employees:created\"", text);
        Assert.Contains("\"secretHeader\": \"valid: the secret itself\"", text);
        Assert.Contains("\"standardSignature\": \"valid\"", text);
        Assert.Contains("\"outcome\": \"SUCCEEDED\"", text);
        Assert.Contains("\"HR sync (v2)\"", text);
        Assert.Contains("\"ARCHIVED\"", text);
        // The other tenant: a 404 for the subscription, a region 3 of its own, and East unchanged.
        Assert.Contains("\"status\": 404", text);
        Assert.Matches(@"Globex East\s+East", text);
        // Its own console: a one-time link.
        Assert.Matches(@"http://[^\s]+/console/#portal=[A-Za-z0-9_-]{43}", text);
    }

    [GeneratedRegex(@"<!-- walkthrough:start -->\s*```bash\n(?<script>.*?)```\s*<!-- walkthrough:end -->", RegexOptions.Singleline)]
    private static partial Regex Walkthrough();
}
