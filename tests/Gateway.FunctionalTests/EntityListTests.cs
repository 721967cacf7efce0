namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>
/// <c>GET /rest/v1/{resource}</c>: the list a subscription's filter selects, each element the very
/// entity its webhook carries.
/// </summary>
[Trait("Category", "Functional")]
[Collection(DeliveryClusterCollection.Name)]
public sealed class EntityListTests(DeliveryCluster service) : ReceivingTest(service)
{
    private readonly string resource = $"listed-{Guid.NewGuid():N}"[..20];

    [Theory]
    [InlineData(null, "")]
    [InlineData("""{"fields": ["id", "name", "salary"]}""", "&fields=id,name,salary")]
    public async Task A_filtered_list_holds_exactly_what_the_subscription_with_that_filter_receives(string? entityResponse, string shape)
    {
        var path = $"list{shape.Length}";
        var body = EventsClient.Subscription($"entity:{resource}:created", """{"filters": [{"tag": "context.*"}]}""",
            """{"status": "active", "salary:gt": 1000}""", entityResponse);
        body["url"] = Receiver.Url(path);
        var subscription = await Api.SubscribeAsync(body);

        JsonObject[] entities =
        [
            new() { ["name"] = "Ann", ["status"] = "active", ["salary"] = 1500, ["tags"] = new JsonArray("a", "b") },
            new() { ["name"] = "Bob", ["status"] = "ACTIVE", ["salary"] = "2000" },
            new() { ["name"] = "Cid", ["status"] = "active", ["salary"] = 900 },
            new() { ["name"] = "Dee", ["status"] = "inactive", ["salary"] = 5000 },
            new() { ["name"] = "Eve", ["salary"] = 3000 },
        ];
        foreach (var entity in entities)
        {
            await Api.OkAsync(HttpMethod.Post, $"/rest/v1/{resource}", entity);
        }
        await Eventually.HoldsAsync(() => Receiver.Calls(path).Count >= 2, TimeSpan.FromSeconds(60), "the two matching webhooks never arrived");
        var webhooks = Receiver.Calls(path).Select(c => JsonNode.Parse(c.Body)!["data"]!).ToList();
        Assert.Equal(2, webhooks.Count);

        var (status, list, _) = await Api.SendAsync(HttpMethod.Get, $"/rest/v1/{resource}?status=active&salary:gt=1000{shape}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, list.GetProperty("meta").GetProperty("count").GetInt64());
        var data = list.GetProperty("data").EnumerateArray().Select(e => JsonNode.Parse(e.GetRawText())!).ToList();
        Assert.Equal(["Ann", "Bob"], data.Select(d => d["name"]!.GetValue<string>()));
        // Byte for byte, once properties are put in one order: the list's element is the webhook's data.
        Assert.Equal(webhooks.Select(Canonical).Order(), data.Select(Canonical).Order());
    }

    [Fact]
    public async Task Lists_page_sort_and_refuse_bad_parameters_by_name()
    {
        for (var i = 1; i <= 5; i++)
        {
            await Api.OkAsync(HttpMethod.Post, $"/rest/v1/{resource}", new JsonObject { ["n"] = i, ["odd"] = i % 2 == 1 });
        }

        var (_, all, _) = await Api.SendAsync(HttpMethod.Get, $"/rest/v1/{resource}?sort=-id&limit=2&offset=1");
        Assert.Equal((5, 2), (all.GetProperty("meta").GetProperty("count").GetInt32(), all.GetProperty("meta").GetProperty("itemCount").GetInt32()));
        Assert.Equal([4, 3], all.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("n").GetInt32()));

        var (_, odd, _) = await Api.SendAsync(HttpMethod.Get, $"/rest/v1/{resource}?odd=true&limit=1&offset=1&n:in=1,3,4");
        Assert.Equal(2, odd.GetProperty("meta").GetProperty("count").GetInt32());
        Assert.Equal([3], odd.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("n").GetInt32()));

        var (_, none, _) = await Api.SendAsync(HttpMethod.Get, $"/rest/v1/{resource}?missing:isNull&n:gte=5");
        Assert.Equal([5], none.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("n").GetInt32()));

        var (bad, problem, _) = await Api.SendAsync(HttpMethod.Get, $"/rest/v1/{resource}?n:gt=lots&sort=n&limit=0&n:approx=1");
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        var errors = problem.GetProperty("errors");
        Assert.All(["n:gt", "sort", "limit", "n:approx"], field => Assert.True(errors.TryGetProperty(field, out _), $"{field}: {errors}"));
    }

    /// <summary>JSON with every object's properties in ordinal order, compact.</summary>
    private static string Canonical(JsonNode? node) => Sorted(node)?.ToJsonString() ?? "null";

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray array => new JsonArray([.. array.Select(Sorted)]),
        _ => node?.DeepClone(),
    };
}
