namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary><c>Idempotency-Key</c>: a POST sent again after a lost answer acts once.</summary>
[Trait("Category", "Functional")]
[Collection(ServiceClusterCollection.Name)]
public sealed class IdempotencyKeyTests(ServiceCluster service)
{
    private readonly string resource = $"keyed-{Guid.NewGuid():N}"[..20];
    private readonly string token = service.Token("entities:read", "entities:write", "subscriptions:read", "subscriptions:write");

    private async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseHeaders Headers)> PostAsync(string path, JsonNode body, string? key,
        string? bearer = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer ?? token);
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        }
        using var response = await service.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone(), response.Headers);
    }

    [Fact]
    public async Task A_post_sent_again_with_its_key_answers_the_first_answer_and_acts_once()
    {
        var key = Guid.NewGuid().ToString();
        var (created, first, firstHeaders) = await PostAsync($"/rest/v1/{resource}", new JsonObject { ["name"] = "once" }, key);
        var (again, second, secondHeaders) = await PostAsync($"/rest/v1/{resource}", new JsonObject { ["name"] = "once" }, key);

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (created, again));
        Assert.Equal(first.GetRawText(), second.GetRawText());
        Assert.Equal(firstHeaders.GetValues("X-Event-Id"), secondHeaders.GetValues("X-Event-Id"));
        Assert.Equal(firstHeaders.Location, secondHeaders.Location);
        Assert.Equal("true", Assert.Single(secondHeaders.GetValues("Idempotent-Replayed")));
        Assert.False(firstHeaders.Contains("Idempotent-Replayed"));
        var list = await new EventsClient(service, token).SendAsync(HttpMethod.Get, $"/rest/v1/{resource}");
        Assert.Equal(1, list.Body.GetProperty("meta").GetProperty("count").GetInt32());

        // The same key with another body: refused, naming the header; nothing is made.
        var (reused, problem, _) = await PostAsync($"/rest/v1/{resource}", new JsonObject { ["name"] = "twice" }, key);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, reused);
        Assert.True(problem.GetProperty("errors").TryGetProperty("Idempotency-Key", out _));
        // Another caller's key of the same text is its own; a request without a key always acts.
        var other = service.TokenFor("another-caller", "entities:read", "entities:write");
        Assert.Equal(HttpStatusCode.Created, (await PostAsync($"/rest/v1/{resource}", new JsonObject { ["name"] = "twice" }, key, other)).Status);
        Assert.Equal(HttpStatusCode.Created, (await PostAsync($"/rest/v1/{resource}", new JsonObject { ["name"] = "once" }, null)).Status);
        list = await new EventsClient(service, token).SendAsync(HttpMethod.Get, $"/rest/v1/{resource}");
        Assert.Equal(3, list.Body.GetProperty("meta").GetProperty("count").GetInt32());

        var (bad, badProblem, _) = await PostAsync($"/rest/v1/{resource}", new JsonObject { ["name"] = "x" }, "two words");
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.True(badProblem.GetProperty("errors").TryGetProperty("Idempotency-Key", out _));
    }

    [Fact]
    public async Task A_subscription_created_twice_with_one_key_is_one_subscription()
    {
        var key = Guid.NewGuid().ToString();
        var body = SubscriptionsClient.ValidBody();
        var (created, first, _) = await PostAsync("/rest/v1/events-subscriptions", body, key);
        var (again, second, headers) = await PostAsync("/rest/v1/events-subscriptions", body, key);

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (created, again));
        Assert.Equal(first.GetProperty("data").GetProperty("id").GetInt64(), second.GetProperty("data").GetProperty("id").GetInt64());
        Assert.True(headers.Contains("Idempotent-Replayed"));
        await new EventsClient(service, token).SendAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{first.GetProperty("data").GetProperty("id").GetInt64()}/actions/archive");
    }
}
