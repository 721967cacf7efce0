namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>
/// What a caller meets when it errs or asks too much: a name a letter or two off suggests the
/// right one, DELETE points at archive, regions moved under each other make no cycle, a rate limit
/// and a quota per caller.
/// </summary>
[Trait("Category", "Functional")]
[Collection(ServiceClusterCollection.Name)]
public sealed class CallerGuardrailsTests(ServiceCluster service)
{
    private const string Path = SubscriptionsClient.Path;
    private readonly RawApi raw = new(service, service.Token("subscriptions:read", "subscriptions:write", "entities:read", "entities:write"));

    [Theory]
    [InlineData("entity:employee:created", "entity:employees:created")]
    [InlineData("entity:employees:create", "entity:employees:created")]
    [InlineData("entity:shifts:clockin", "entity:shifts:clock-in")]
    public async Task An_event_name_a_letter_or_two_from_a_known_one_is_a_400_suggesting_it(string typo, string meant)
    {
        var body = SubscriptionsClient.ValidBody();
        body["events"] = new JsonArray(typo);

        var (status, problem) = await raw.SendAsync(HttpMethod.Post, Path, Encoding.UTF8.GetBytes(body.ToJsonString()));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains($"did you mean {meant}", problem.GetProperty("errors").GetProperty("events[0]")[0].GetString());
    }

    [Fact]
    public async Task A_resource_a_letter_or_two_from_a_known_one_is_a_404_suggesting_it_and_the_event_types_are_listed()
    {
        var (status, problem) = await raw.SendAsync(HttpMethod.Post, "/rest/v1/employee", "{\"name\": \"x\"}"u8.ToArray());
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("did you mean 'employees'", problem.GetProperty("detail").GetString());

        var (listed, types) = await raw.SendAsync(HttpMethod.Get, "/rest/v1/event-types", null);
        Assert.Equal(HttpStatusCode.OK, listed);
        var created = types.GetProperty("data").EnumerateArray().Single(t => t.GetProperty("event").GetString() == "entity:employees:created");
        Assert.Equal("entity:employees:created", created.GetProperty("examplePayload").GetProperty("meta").GetProperty("event").GetString());
        Assert.Contains(types.GetProperty("data").EnumerateArray(), t => t.GetProperty("event").GetString() == "entity:shifts:clock-in");
    }

    [Fact]
    public async Task Delete_on_a_subscription_is_a_405_that_points_at_archive()
    {
        var id = await raw.CreateAsync();

        var (status, problem) = await raw.SendAsync(HttpMethod.Delete, $"{Path}/{id}", null);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, status);
        Assert.Contains("actions/archive", problem.GetProperty("detail").GetString());
        var (get, _) = await raw.SendAsync(HttpMethod.Get, $"{Path}/{id}", null);
        Assert.Equal(HttpStatusCode.OK, get);
    }

    [Fact]
    public async Task Two_regions_moved_under_each_other_at_once_do_not_deadlock_and_make_no_cycle()
    {
        var a = Random.Shared.NextInt64(1_000_000, 2_000_000_000);
        var b = a + 1;
        foreach (var region in new[] { a, b })
        {
            var (put, body) = await raw.SendAsync(HttpMethod.Put, $"/rest/v1/regions/{region}", Encoding.UTF8.GetBytes($"{{\"name\": \"r{region}\"}}"));
            Assert.True(put is HttpStatusCode.OK or HttpStatusCode.Created, $"{(int)put} {body}");
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var moves = await Task.WhenAll(
            raw.SendAsync(HttpMethod.Patch, $"/rest/v1/regions/{a}", Encoding.UTF8.GetBytes($"{{\"parentRegion\": {b}}}")),
            raw.SendAsync(HttpMethod.Patch, $"/rest/v1/regions/{b}", Encoding.UTF8.GetBytes($"{{\"parentRegion\": {a}}}")));

        Assert.All(moves, m => Assert.True(m.Status is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"{(int)m.Status} {m.Body}"));
        Assert.Single(moves, m => m.Status == HttpStatusCode.OK);
        Assert.Contains("cycle", Assert.Single(moves, m => m.Status == HttpStatusCode.BadRequest).Body.GetRawText());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"the moves took {watch.Elapsed}");
    }

    [Fact]
    public async Task A_caller_past_its_rate_gets_429_with_retry_after_and_others_are_not_slowed()
    {
        var limited = service.TokenFor("rate-test", "subscriptions:read");
        async Task<(HttpStatusCode Status, string? RetryAfter, string Body)> CallAsync()
        {
            using var request = service.Request(HttpMethod.Get, $"{Path}?limit=1", limited);
            using var response = await service.Http.SendAsync(request);
            return (response.StatusCode, response.Headers.RetryAfter?.ToString(), await response.Content.ReadAsStringAsync());
        }

        // A burst of 3, then 1 per second: six calls at once cannot all pass. Sent together, so that
        // a slow machine does not spread them over the seconds that would refill the bucket; the
        // passes allowed grow with the seconds they did take.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var statuses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => CallAsync()));
        var allowed = 3 + (int)Math.Ceiling(watch.Elapsed.TotalSeconds);
        var summary = $"{string.Join(", ", statuses.Select(s => (int)s.Status))} in {watch.Elapsed.TotalSeconds:0.0} s";
        Assert.All(statuses, s => Assert.True(s.Status is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, summary));
        Assert.Contains(statuses, s => s.Status == HttpStatusCode.OK);
        Assert.True(statuses.Count(s => s.Status == HttpStatusCode.OK) <= allowed, summary);
        var refused = statuses.Where(s => s.Status == HttpStatusCode.TooManyRequests).ToList();
        Assert.True(refused.Count > 0, summary);
        Assert.All(refused, r => Assert.True(int.Parse(r.RetryAfter!) >= 1));
        Assert.Contains("rate-test", refused[0].Body);
        var (other, _) = await raw.SendAsync(HttpMethod.Get, $"{Path}?limit=1", null);
        Assert.Equal(HttpStatusCode.OK, other);
        using var probe = await service.Http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
    }

    [Fact]
    public async Task A_caller_at_its_subscription_quota_gets_409_until_it_archives_one()
    {
        var quota = service.TokenFor("quota-test", "subscriptions:read", "subscriptions:write", "entities:read");
        async Task<(HttpStatusCode Status, JsonElement Body)> CreateAs()
        {
            using var request = service.Request(HttpMethod.Post, Path, quota);
            request.Content = new StringContent(SubscriptionsClient.ValidBody().ToJsonString(), Encoding.UTF8, "application/json");
            using var response = await service.Http.SendAsync(request);
            return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
        }
        var held = new List<long>();
        for (var (status, body) = await CreateAs(); status == HttpStatusCode.Created; (status, body) = await CreateAs())
        {
            held.Add(body.GetProperty("data").GetProperty("id").GetInt64());
            Assert.True(held.Count <= 2, "the quota of 2 was passed");
        }
        Assert.Equal(2, held.Count);
        var (refused, problem) = await CreateAs();
        Assert.Equal(HttpStatusCode.Conflict, refused);
        Assert.Contains("quota-test", problem.GetProperty("detail").GetString());

        using (var archive = service.Request(HttpMethod.Post, $"{Path}/{held[0]}/actions/archive", quota))
        using (var archived = await service.Http.SendAsync(archive))
        {
            Assert.Equal(HttpStatusCode.OK, archived.StatusCode);
        }
        Assert.Equal(HttpStatusCode.Created, (await CreateAs()).Status);
    }
}
