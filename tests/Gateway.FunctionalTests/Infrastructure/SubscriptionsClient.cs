namespace EventsSubscriptions.Gateway.FunctionalTests.Infrastructure;

/// <summary>Calls /rest/v1/events-subscriptions through the real gateway, with a token of every scope by default.</summary>
public sealed class SubscriptionsClient(ServiceCluster service)
{
    public const string Path = "/rest/v1/events-subscriptions";

    private readonly string token = service.Token("subscriptions:read", "subscriptions:write", "entities:read");

    /// <summary>A body that passes every rule; tests change one thing in it.</summary>
    public static JsonObject ValidBody(string? customId = null) => new()
    {
        ["customId"] = customId ?? $"cid-{Guid.NewGuid():N}",
        ["name"] = "HR sync",
        ["events"] = new JsonArray("entity:employees:created", "entity:employees:updated"),
        ["contextFilters"] = new JsonObject
        {
            ["filters"] = new JsonArray(new JsonObject { ["tag"] = "context.region.3", ["includeChildren"] = true }),
        },
        ["url"] = "https://hooks.events.test/hr",
        ["secret"] = "0123456789abcdef-secret",
    };

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, JsonNode? body = null, string? asToken = null, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", asToken ?? token);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }
        return service.Http.SendAsync(request);
    }

    public Task<HttpResponseMessage> CreateAsync(JsonNode body) => SendAsync(HttpMethod.Post, Path, body);

    public async Task<SubscriptionView> CreatedAsync(JsonNode body) => (await CreatedRawAsync(body)).As<SubscriptionView>();

    /// <summary>The created subscription as raw JSON, for a test of its exact rendering.</summary>
    public async Task<JsonElement> CreatedRawAsync(JsonNode body)
    {
        using var response = await CreateAsync(body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, $"create answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("data").Clone();
    }

    public async Task<(HttpResponseMessage Response, JsonElement Body)> ReadAsync(HttpMethod method, string path, JsonNode? body = null)
    {
        var response = await SendAsync(method, path, body);
        var text = await response.Content.ReadAsStringAsync();
        return (response, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public async Task<ListPage<SubscriptionView>> ListAsync(string query) => (await ListRawAsync(query)).As<ListPage<SubscriptionView>>();

    public async Task<JsonElement> ListRawAsync(string query)
    {
        var (response, body) = await ReadAsync(HttpMethod.Get, $"{Path}?{query}");
        Assert.True(response.IsSuccessStatusCode, $"list answered {(int)response.StatusCode}: {body}");
        return body;
    }
}
