using System.Net;
using EventsSubscriptions.Gateway.FunctionalTests.Infrastructure;

namespace EventsSubscriptions.Gateway.FunctionalTests;

[Collection(ServiceClusterCollection.Name)]
public sealed class ReadinessOutageTests(ServiceCluster service)
{
    [Fact]
    public async Task Readyz_is_503_naming_postgres_while_it_is_stopped_and_200_once_it_is_back()
    {
        await service.WaitUntilReadyAsync(expectedSilos: 2, TimeSpan.FromSeconds(60));
        await TestEnvironment.PostgresAsync("stop");
        try
        {
            var (status, body) = await PollAsync(s => s == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(30));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal("not-ready", body.GetProperty("status").GetString());
            Assert.Equal("DOWN", body.GetProperty("checks").GetProperty("postgres").GetProperty("status").GetString());
            Assert.Equal("UP", body.GetProperty("checks").GetProperty("redis").GetProperty("status").GetString());
        }
        finally
        {
            await TestEnvironment.PostgresAsync("start");
        }

        var (after, _) = await PollAsync(s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.OK, after);
        await service.WaitUntilReadyAsync(expectedSilos: 2, TimeSpan.FromSeconds(60));
        Assert.DoesNotContain(service.Silos, s => s.HasExited);
    }

    private async Task<(HttpStatusCode Status, System.Text.Json.JsonElement Body)> PollAsync(Func<HttpStatusCode, bool> wanted, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            using var response = await service.Http.GetAsync("/readyz");
            var body = await GatewayTests.Json(response);
            if (wanted(response.StatusCode) || DateTime.UtcNow > deadline)
            {
                return (response.StatusCode, body);
            }
            await Task.Delay(500);
        }
    }
}
