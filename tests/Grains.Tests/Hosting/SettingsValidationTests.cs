using EventsSubscriptions.Grains.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace EventsSubscriptions.Grains.Tests.Hosting;

/// <summary>A silo refuses to start on a setting it could only fail on later.</summary>
public sealed class SettingsValidationTests
{
    [Theory]
    [InlineData("Smtp:Security", "Bogus", "Smtp:Security")]
    [InlineData("Smtp:Port", "0", "Port")]
    [InlineData("Delivery:SuspendAfterHours", "0", "SuspendAfterHours")]
    public async Task A_silo_with_an_invalid_setting_does_not_start_and_names_it(string key, string value, string named)
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var cluster = new SiloCluster(database);

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            cluster.StartSiloAsync(c => c.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value })));

        Assert.Contains(named, failure.Message);
    }
}
