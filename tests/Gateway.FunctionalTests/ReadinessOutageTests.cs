namespace EventsSubscriptions.Gateway.FunctionalTests;

[Trait("Category", "Functional")]
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
            var readiness = body.As<ReadinessView>();
            Assert.Equal("not-ready", readiness.Status);
            Assert.Equal("DOWN", readiness.Checks["postgres"].Status);
            Assert.Equal("UP", readiness.Checks["redis"].Status);

            // A call that needs the database fails as a plain problem, without internals: a 503,
            // since the same call may succeed once the database is back.
            using var failed = await new SubscriptionsClient(service).CreateAsync(SubscriptionsClient.ValidBody());
            var text = await failed.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
            Assert.Equal("application/problem+json", failed.Content.Headers.ContentType?.MediaType);
            Assert.DoesNotContain("Npgsql", text);
            Assert.DoesNotContain("Exception", text);
            Assert.DoesNotContain(" at ", text);
        }
        finally
        {
            await TestEnvironment.PostgresAsync("start");
            // This test process's own pooled connections died with the server too.
            Npgsql.NpgsqlConnection.ClearAllPools();
        }

        var (after, _) = await PollAsync(s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.OK, after);
        await service.WaitUntilReadyAsync(expectedSilos: 2, TimeSpan.FromSeconds(60));
        Assert.DoesNotContain(service.Silos, s => s.HasExited);

        // Within a few seconds of the restart (connection keep-alive), writes work again everywhere.
        var api = new SubscriptionsClient(service);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var successes = 0;
        while (successes < 10 && DateTime.UtcNow < deadline)
        {
            using var response = await api.CreateAsync(SubscriptionsClient.ValidBody());
            successes = response.StatusCode == HttpStatusCode.Created ? successes + 1 : 0;
            await Task.Delay(successes == 0 ? 1000 : 100);
        }
        Assert.Equal(10, successes);
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
