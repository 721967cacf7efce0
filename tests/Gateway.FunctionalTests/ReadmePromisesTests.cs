namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>Promises of the README and docs/api.md that no other test proved end to end.</summary>
[Trait("Category", "Functional")]
[Collection(ServiceClusterCollection.Name)]
public sealed class ReadmePromisesTests(ServiceCluster service)
{
    private readonly SubscriptionsClient api = new(service);

    [Fact]
    public async Task List_filters_on_text_ends_and_on_dates_compare_as_documented()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var first = (await api.CreatedAsync(Named(tag, $"first {tag}-zulu"))).Id;
        var middle = await api.CreatedAsync(Named(tag, $"middle {tag}-yankee"));
        var last = (await api.CreatedAsync(Named(tag, $"last {tag}-zulu"))).Id;
        var createdOn = middle.CreatedOn.ToString("O");
        var middleId = middle.Id;

        async Task<long[]> Ids(string query) =>
            [.. (await api.ListAsync($"customId:startswith={tag}&sort=id&{query}")).Data.Select(i => i.Id)];

        Assert.Equal([first, last], await Ids($"name:endswith={tag}-ZULU"));
        Assert.Equal([middleId, last], await Ids($"createdOn:gte={Uri.EscapeDataString(createdOn)}"));
        Assert.Equal([first], await Ids($"createdOn:lt={Uri.EscapeDataString(createdOn)}"));
        Assert.Equal([first, middleId], await Ids($"createdOn:lte={Uri.EscapeDataString(createdOn)}"));
        Assert.Equal([first, middleId, last], await Ids($"updatedOn:gte={DateTime.UtcNow.AddMinutes(-10):yyyy-MM-dd}"));
        Assert.Empty(await Ids($"createdOn:gt={DateTime.UtcNow.AddDays(1):yyyy-MM-dd}"));
    }

    [Fact]
    public async Task A_merge_patch_sent_as_application_merge_patch_json_changes_only_what_it_names()
    {
        var created = await api.CreatedAsync(SubscriptionsClient.ValidBody());
        var id = created.Id;

        using var response = await api.SendAsync(HttpMethod.Patch, $"{SubscriptionsClient.Path}/{id}",
            new JsonObject { ["name"] = "patched", ["failureEmail"] = "ops@example.com" }, contentType: "application/merge-patch+json");
        var item = await response.ReadDataAsync<SubscriptionView>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(("patched", "ops@example.com"), (item.Name, item.FailureEmail));
        Assert.Equal(created.Url, item.Url);
        Assert.Equal(created.Events, item.Events);
    }

    [Fact]
    public async Task Concurrent_patches_of_different_fields_through_http_lose_none_of_the_changes()
    {
        var id = (await api.CreatedAsync(SubscriptionsClient.ValidBody())).Id;
        var patches = new JsonObject[]
        {
            new() { ["name"] = "renamed concurrently" },
            new() { ["failureEmail"] = "concurrent@example.com" },
            new() { ["language"] = "fr" },
            new() { ["secretHeaderName"] = "X-Concurrent" },
            new() { ["delivery"] = new JsonObject { ["maxInFlight"] = 3 } },
            new() { ["url"] = "https://hooks.events.test/concurrent" },
        };

        var responses = await Task.WhenAll(patches.Select(p => api.SendAsync(HttpMethod.Patch, $"{SubscriptionsClient.Path}/{id}", p)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var (_, body) = await api.ReadAsync(HttpMethod.Get, $"{SubscriptionsClient.Path}/{id}");
        var item = body.Data<SubscriptionView>();
        Assert.Equal("renamed concurrently", item.Name);
        Assert.Equal("concurrent@example.com", item.FailureEmail);
        Assert.Equal("fr", item.Language);
        Assert.Equal("X-Concurrent", item.SecretHeaderName);
        Assert.Equal(3, item.Delivery.MaxInFlight);
        Assert.Equal("https://hooks.events.test/concurrent", item.Url);
    }

    [Fact]
    public async Task Metrics_refuse_a_token_without_the_admin_scope()
    {
        using var request = service.Request(HttpMethod.Get, "/metrics", service.Token("subscriptions:read", "subscriptions:write", "entities:read", "entities:write"));
        using var response = await service.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("scope", (await response.ReadAsAsync<ProblemView>()).Detail);
    }

    [Fact]
    public async Task A_401_and_a_415_say_what_to_do()
    {
        using var anonymous = await service.Http.GetAsync(SubscriptionsClient.Path);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("Bearer", (await anonymous.ReadAsAsync<ProblemView>()).Detail);

        using var request = service.Request(HttpMethod.Post, SubscriptionsClient.Path, service.Token("subscriptions:write", "entities:read"));
        request.Content = new StringContent("customId=x", Encoding.UTF8);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        using var form = await service.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        Assert.Contains("application/json", (await form.ReadAsAsync<ProblemView>()).Detail);
    }

    private static JsonObject Named(string tag, string name)
    {
        var body = SubscriptionsClient.ValidBody($"{tag}-{Guid.NewGuid():N}"[..40]);
        body["name"] = name;
        return body;
    }
}
