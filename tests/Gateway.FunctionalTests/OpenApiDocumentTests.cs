namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>The OpenAPI document and its reference page: public, complete, and saying what the API requires.</summary>
[Trait("Category", "Functional")]
[Collection(ServiceClusterCollection.Name)]
public sealed class OpenApiDocumentTests(ServiceCluster service)
{
    [Fact]
    public async Task The_openapi_document_requires_what_the_api_requires_and_its_example_is_accepted()
    {
        using var document = await service.Http.GetAsync("/openapi/v1.json");
        var openApi = await GatewayTests.Json(document);
        var schema = openApi.GetProperty("components").GetProperty("schemas").GetProperty("SubscriptionRequest");

        var required = schema.GetProperty("required").EnumerateArray().Select(r => r.GetString()!).Order().ToList();
        Assert.Equal(["contextFilters", "customId", "events", "name", "secret", "url"], required);
        foreach (var property in schema.GetProperty("properties").EnumerateObject())
        {
            Assert.True(property.Value.TryGetProperty("description", out var description) && description.GetString()!.Length > 10, property.Name);
        }
        // Each field the document leaves out of "required" may indeed be left out, and the example is accepted as it stands.
        var example = System.Text.Json.Nodes.JsonNode.Parse(schema.GetProperty("examples")[0].GetRawText())!.AsObject();
        example["customId"] = $"openapi-{Guid.NewGuid():N}";
        var api = new SubscriptionsClient(service);
        var accepted = new List<long> { (await api.CreatedAsync(example)).Id };
        var minimal = new System.Text.Json.Nodes.JsonObject();
        foreach (var name in required)
        {
            minimal[name] = example[name]!.DeepClone();
        }
        minimal["customId"] = $"openapi-{Guid.NewGuid():N}";
        accepted.Add((await api.CreatedAsync(minimal)).Id);
        // The example's URL is an outside host: archived at once, these subscriptions never send to it.
        foreach (var id in accepted)
        {
            var (archived, _) = await api.ReadAsync(HttpMethod.Post, $"{SubscriptionsClient.Path}/{id}/actions/archive");
            Assert.Equal(HttpStatusCode.OK, archived.StatusCode);
        }
        foreach (var name in required)
        {
            var missing = minimal.DeepClone().AsObject();
            missing["customId"] = $"openapi-{Guid.NewGuid():N}";
            missing.Remove(name);
            using var refused = await api.CreateAsync(missing);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }

        // The webhook itself is described; operational routes are not in the document.
        var webhook = openApi.GetProperty("webhooks").GetProperty("entityEvent").GetProperty("post");
        Assert.Contains(webhook.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "webhook-signature");
        Assert.DoesNotContain(openApi.GetProperty("paths").EnumerateObject(), p => p.Name.StartsWith("/dashboard") || p.Name.StartsWith("/metrics"));
    }

    [Fact]
    public async Task Every_operation_of_the_openapi_document_says_how_to_call_it_and_what_it_may_answer()
    {
        using var document = await service.Http.GetAsync("/openapi/v1.json");
        var openApi = await GatewayTests.Json(document);
        var operations = openApi.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(o => (Path: p.Name, Method: o.Name, Operation: o.Value))).ToList();
        Assert.NotEmpty(operations);
        foreach (var (path, method, operation) in operations)
        {
            var name = $"{method} {path}";
            var security = operation.GetProperty("security");
            var isPublic = path is "/healthz" or "/readyz";
            Assert.True(isPublic ? security.GetArrayLength() == 0 : security[0].TryGetProperty("bearer", out _), $"{name}: security {security}");
            var responses = operation.GetProperty("responses");
            Assert.All(isPublic ? new[] { "503" } : ["401", "403", "429", "503"], status => Assert.True(responses.TryGetProperty(status, out _), $"{name}: no {status}"));
            if (path.Contains('{'))
            {
                Assert.True(responses.TryGetProperty("404", out _), $"{name}: no 404");
            }
            // Placeholders stay visible on the reference page: no raw "<" outside code spans.
            foreach (var text in new[] { "summary", "description" }.Select(k => operation.TryGetProperty(k, out var t) ? t.GetString()! : ""))
            {
                Assert.DoesNotContain("<", System.Text.RegularExpressions.Regex.Replace(text, "`[^`]*`", ""));
            }
        }
        string[] Parameters(string path, string method) => [.. openApi.GetProperty("paths").GetProperty(path).GetProperty(method)
            .GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()!)];
        Assert.Superset(new HashSet<string> { "limit", "offset", "sort", "includeInactive" }, Parameters("/rest/v1/events-subscriptions", "get").ToHashSet());
        Assert.Superset(new HashSet<string> { "outcome", "since", "until", "eventId", "limit", "offset" },
            Parameters("/rest/v1/events-subscriptions/{id}/logs", "get").ToHashSet());
        Assert.Superset(new HashSet<string> { "limit", "offset", "sort", "include", "fields" }, Parameters("/rest/v1/{resource}", "get").ToHashSet());

        var schemas = openApi.GetProperty("components").GetProperty("schemas");
        Assert.DoesNotContain(schemas.EnumerateObject(), s => s.Name.Contains("AnonymousType"));
        Assert.Equal(12, schemas.GetProperty("SubscriptionItem").GetProperty("examples")[0].GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task The_openapi_document_and_the_reference_page_are_public()
    {
        using var document = await service.Http.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
        var openApi = await GatewayTests.Json(document);
        Assert.Equal("Events Subscriptions", openApi.GetProperty("info").GetProperty("title").GetString());
        var paths = openApi.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/readyz", out _));
        Assert.True(paths.GetProperty("/rest/v1/events-subscriptions").TryGetProperty("post", out var create));
        Assert.True(create.GetProperty("responses").TryGetProperty("201", out _));
        Assert.True(create.GetProperty("responses").TryGetProperty("409", out _));
        Assert.True(create.TryGetProperty("requestBody", out _));
        // Every POST may carry an Idempotency-Key; the entity list is documented.
        Assert.Contains(create.GetProperty("parameters").EnumerateArray(),
            p => p.GetProperty("name").GetString() == "Idempotency-Key" && p.GetProperty("in").GetString() == "header");
        Assert.True(paths.GetProperty("/rest/v1/{resource}").TryGetProperty("get", out _));
        foreach (var method in new[] { "get", "put", "patch" })
        {
            Assert.True(paths.GetProperty("/rest/v1/events-subscriptions/{id}").TryGetProperty(method, out _), method);
        }
        foreach (var action in new[] { "suspend", "enable", "archive", "test", "replay" })
        {
            Assert.True(paths.TryGetProperty($"/rest/v1/events-subscriptions/{{id}}/actions/{action}", out _), action);
        }
        Assert.False(paths.TryGetProperty("/rest/v1/events-subscriptions/{id}/actions/{action}", out _));
        Assert.Equal("bearer", openApi.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").GetProperty("scheme").GetString());

        using var page = await service.Http.GetAsync("/docs/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("scalar", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_openapi_document_gives_each_action_its_own_body_and_answer()
    {
        using var document = await service.Http.GetAsync("/openapi/v1.json");
        var openApi = await GatewayTests.Json(document);
        var paths = openApi.GetProperty("paths");
        var schemas = openApi.GetProperty("components").GetProperty("schemas");
        JsonElement Operation(string action) => paths.GetProperty($"/rest/v1/events-subscriptions/{{id}}/actions/{action}").GetProperty("post");
        string? Reference(JsonElement content) => content.GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString();
        string? Body(string action) => Operation(action).TryGetProperty("requestBody", out var body) ? Reference(body.GetProperty("content")) : null;
        string? Answer(string action) => Reference(Operation(action).GetProperty("responses").GetProperty("200").GetProperty("content"));
        string[] Required(string schema) =>
            schemas.GetProperty(schema).TryGetProperty("required", out var required) ? [.. required.EnumerateArray().Select(r => r.GetString()!)] : [];

        Assert.Equal("#/components/schemas/SuspendRequest", Body("suspend"));
        Assert.Equal("#/components/schemas/ArchiveRequest", Body("archive"));
        Assert.Equal("#/components/schemas/ReplayRequest", Body("replay"));
        Assert.Null(Body("enable"));
        Assert.Null(Body("test"));
        Assert.True(Operation("replay").GetProperty("requestBody").GetProperty("required").GetBoolean());
        Assert.False(Operation("archive").GetProperty("requestBody").TryGetProperty("required", out var optional) && optional.GetBoolean());
        Assert.Equal(["reason"], Required("SuspendRequest"));
        Assert.Empty(Required("ArchiveRequest"));
        Assert.Equal(["since"], Required("ReplayRequest"));
        Assert.Equal(["onlyFailed", "since", "until"], schemas.GetProperty("ReplayRequest").GetProperty("properties").EnumerateObject().Select(p => p.Name).Order());
        foreach (var action in new[] { "suspend", "enable", "archive", "replay" })
        {
            Assert.Equal("#/components/schemas/DataResponseOfSubscriptionItem", Answer(action));
        }
        Assert.Equal("#/components/schemas/DataResponseOfLogItem", Answer("test"));
    }
}
