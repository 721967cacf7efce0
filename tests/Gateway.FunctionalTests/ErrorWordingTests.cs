namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>Answers that say what happened: one wording per kind of 404, a warning for a scope's unknown region.</summary>
[Trait("Category", "Functional")]
[Collection(ServiceClusterCollection.Name)]
public sealed class ErrorWordingTests(ServiceCluster service)
{
    private readonly SubscriptionsClient api = new(service);
    private readonly EventsClient events = new(service);

    [Fact]
    public async Task A_scope_naming_a_region_that_does_not_exist_is_kept_with_a_warning_naming_the_tag()
    {
        var region = 700_000 + Random.Shared.Next(100_000);
        await events.RegionAsync(region, "Known", null);
        var body = SubscriptionsClient.ValidBody();
        body["contextFilters"] = JsonNode.Parse($$"""{"filters": [{"tag": "context.region.{{region}}"}, {"tag": "context.region.999999999"}]}""");
        var (created, answer) = await api.ReadAsync(HttpMethod.Post, SubscriptionsClient.Path, body);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var warning = Assert.Single(answer.GetProperty("warnings").EnumerateArray()).GetString();
        Assert.StartsWith("contextFilters.filters[1].tag: region 999999999 does not exist", warning);
        var id = answer.GetProperty("data").GetProperty("id").GetInt64();

        var (patched, patchAnswer) = await api.ReadAsync(HttpMethod.Patch, $"{SubscriptionsClient.Path}/{id}",
            JsonNode.Parse($$$"""{"contextFilters": {"filters": [{"tag": "context.region.{{{region}}}"}]}}"""));
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.False(patchAnswer.TryGetProperty("warnings", out _), patchAnswer.ToString());
    }

    [Fact]
    public async Task Each_kind_of_missing_thing_has_one_wording()
    {
        var (entity, entityAnswer, _) = await events.SendAsync(HttpMethod.Get, "/rest/v1/employees/987654321");
        Assert.Equal(HttpStatusCode.NotFound, entity);
        Assert.Equal("There is no employees entity with id '987654321'.", entityAnswer.GetProperty("detail").GetString());
        var (region, regionAnswer, _) = await events.SendAsync(HttpMethod.Get, "/rest/v1/regions/987654321/tree");
        Assert.Equal(HttpStatusCode.NotFound, region);
        Assert.Equal("There is no regions entity with id '987654321'.", regionAnswer.GetProperty("detail").GetString());

        var subscription = (await api.CreatedAsync(SubscriptionsClient.ValidBody())).Id;
        var (retry, retryAnswer, _) = await events.SendAsync(HttpMethod.Post,
            $"{SubscriptionsClient.Path}/{subscription}/deliveries/no-such-event/actions/retry");
        Assert.Equal(HttpStatusCode.NotFound, retry);
        Assert.Equal($"There is no delivery of event 'no-such-event' in events subscription '{subscription}'.", retryAnswer.GetProperty("detail").GetString());
        var (read, readAnswer, _) = await events.SendAsync(HttpMethod.Get, $"{SubscriptionsClient.Path}/{subscription}/deliveries/no-such-event");
        Assert.Equal(HttpStatusCode.NotFound, read);
        Assert.Equal(retryAnswer.GetProperty("detail").GetString(), readAnswer.GetProperty("detail").GetString());
        var (missing, missingAnswer, _) = await events.SendAsync(HttpMethod.Post, $"{SubscriptionsClient.Path}/987654321/deliveries/x/actions/retry");
        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Equal("There is no events subscription with id '987654321'.", missingAnswer.GetProperty("detail").GetString());
    }
}
