namespace EventsSubscriptions.Gateway.FunctionalTests;

[Trait("Category", "Functional")]
[Collection(ServiceClusterCollection.Name)]
public sealed class SubscriptionValidationTests(ServiceCluster service)
{
    private readonly SubscriptionsClient api = new(service);

    private const string DocumentationExample = """
        { "customId": "customId of your choosing like ABC-123", "name": "A bit more descriptive text about the purpouse of this subscription", "events": [ "entity:employees:created" ], "contextFilters": { "filters": [ { "tag": "context.region.3", "includeChildren": true } ] }, "url": "https://your.webhook.url/path/path", "secretHeaderName": "TrackTik-subscription-secret-without-spaces", "secret": "B2C60113ECB7 etc.", "failureEmail": "(optional) An email address you'd like to monitor errors at" }
        """;

    [Fact]
    public async Task The_documentation_example_as_written_is_a_400_naming_only_failureEmail()
    {
        using var response = await api.CreateAsync(JsonNode.Parse(DocumentationExample)!);

        var errors = await AssertValidationProblemAsync(response);
        Assert.Equal(["failureEmail"], errors);
    }

    [Fact]
    public async Task The_documentation_example_with_a_real_address_is_created_with_defaults_and_no_secret()
    {
        var body = JsonNode.Parse(DocumentationExample)!.AsObject();
        body["customId"] = $"ABC-123-{Guid.NewGuid():N}";
        body["failureEmail"] = "ops@example.com";

        using var response = await api.CreateAsync(body);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var raw = JsonDocument.Parse(text).RootElement.GetProperty("data");
        var item = raw.As<SubscriptionView>();
        Assert.True(item.Id > 0);
        Assert.Equal($"/rest/v1/events-subscriptions/{item.Id}", response.Headers.Location?.ToString());
        Assert.Equal("en-US", item.Language);
        Assert.Equal("ACTIVE", item.Status);
        Assert.Equal("TrackTik-subscription-secret-without-spaces", item.SecretHeaderName);
        // Calls carry the secret in that header, as TrackTik's documentation says.
        Assert.Equal("secret", item.SecretHeaderMode);
        Assert.Equal("events-subscriptions", item.ResourceType);
        Assert.Equal(8, item.Delivery.MaxInFlight);
        Assert.Equal("UNKNOWN", item.Health.State);
        // Absence is for raw JSON to show.
        Assert.False(raw.TryGetProperty("secret", out _));
        Assert.DoesNotContain("B2C60113ECB7", text);
    }

    public static TheoryData<string, string?, string> Invalid => new()
    {
        { "events", """["entity:employees:created", "entity:sites:created"]""", "events" },
        { "events", """["employees.created"]""", "events[0]" },
        { "events", """["entity:Employees:created"]""", "events[0]" },
        { "events", "[]", "events" },
        { "events", null, "events" },
        { "contextFilters", """{"filters": [{"tag": "region.3"}]}""", "contextFilters.filters[0].tag" },
        { "contextFilters", """{"filters": [{"tag": "context.region.x"}]}""", "contextFilters.filters[0].tag" },
        { "contextFilters", """{"filters": [{"tag": "context.site.3"}]}""", "contextFilters.filters[0].tag" },
        { "contextFilters", """{"filters": [{"tag": "context.*", "includeChildren": "yes"}]}""", "contextFilters.filters[0].includeChildren" },
        { "contextFilters", """{"filters": []}""", "contextFilters.filters" },
        { "contextFilters", """{"filters": [{"tag": "context.*"}], "exclusions": ["context.*"]}""", "contextFilters.exclusions[0]" },
        { "contextFilters", """{"filters": [{"tag": "context.*"}], "colour": 1}""", "contextFilters.colour" },
        { "url", "\"http://hooks.events.test/x\"", "url" },
        { "url", "\"https://user:password@hooks.events.test/x\"", "url" },
        { "url", "\"http://169.254.169.254/latest/meta-data\"", "url" },
        { "url", "\"https://169.254.169.254/latest/meta-data\"", "url" },
        { "url", "\"https://10.0.0.1/\"", "url" },
        { "url", "\"http://10.0.0.1/\"", "url" },
        { "url", "\"https://[::1]/\"", "url" },
        { "url", "\"http://[::1]/\"", "url" },
        { "url", "\"https://localhost/hook\"", "url" },
        { "url", "\"https://127.0.0.1:8443/hook\"", "url" },
        { "url", "\"ftp://hooks.events.test/x\"", "url" },
        { "url", "\"/relative/path\"", "url" },
        { "secret", "\"fifteen-chars!!\"", "secret" },
        { "secret", null, "secret" },
        { "secretHeaderName", "\"My Secret\"", "secretHeaderName" },
        { "secretHeaderName", "\"webhook-signature\"", "secretHeaderName" },
        { "secretHeaderName", "\"Content-Type\"", "secretHeaderName" },
        { "secretHeaderMode", "\"plain\"", "secretHeaderMode" },
        { "secretHeaderMode", "true", "secretHeaderMode" },
        { "secret", "\"s\u00e9cret-with-an-accent-0123\"", "secret" },
        { "secret", "\"trailing-space-secret-0123 \"", "secret" },
        { "language", "\"klingon\"", "language" },
        { "customId", "\"\"", "customId" },
        { "customId", $"\"{new string('c', 65)}\"", "customId" },
        { "customId", null, "customId" },
        { "name", null, "name" },
        { "name", "42", "name" },
        { "failureEmail", "\"not-an-address\"", "failureEmail" },
        { "delivery", """{"maxInFlight": 0}""", "delivery.maxInFlight" },
        { "delivery", """{"timeoutSeconds": 31}""", "delivery.timeoutSeconds" },
        { "delivery", """{"maxPerSecond": -1}""", "delivery.maxPerSecond" },
        { "userDefinedFilters", """{"salary:approx": "5"}""", "userDefinedFilters.salary:approx" },
        { "userDefinedFilters", """{"salary:between": "5"}""", "userDefinedFilters.salary:between" },
        { "userDefinedFilters", """{"hiredOn:before": "yesterday"}""", "userDefinedFilters.hiredOn:before" },
        { "userDefinedFilters", """{"salary:gt": "lots"}""", "userDefinedFilters.salary:gt" },
        { "userDefinedFilters", """{"0": "address:isEmpty"}""", "userDefinedFilters.0" },
        { "userDefinedFilters", """{"bad path!": "x"}""", "userDefinedFilters.bad path!" },
        { "userDefinedFilters", "[1]", "userDefinedFilters" },
        { "entityResponse", """{"fields": ["a b"]}""", "entityResponse.fields[0]" },
        { "entityResponse", """{"include": ["region"], "expand": true}""", "entityResponse.expand" },
        { "colour", "\"blue\"", "colour" },
        { "id", "7", "id" },
        { "status", "\"SUSPENDED\"", "status" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public async Task A_rule_broken_is_a_400_naming_that_field_and_nothing_is_stored(string field, string? json, string expectedKey)
    {
        var body = SubscriptionsClient.ValidBody();
        // This test's own mark on what it sends (another test's subscriptions do not count): its
        // name, or its custom id when the name is the field at fault.
        var name = $"invalid-{Guid.NewGuid():N}";
        body["name"] = name;
        var mark = field == "name" ? $"customId={body["customId"]!.GetValue<string>()}" : $"name={name}";
        if (json is null)
        {
            body.Remove(field);
        }
        else
        {
            body[field] = JsonNode.Parse(json);
        }

        using var response = await api.CreateAsync(body);

        var errors = await AssertValidationProblemAsync(response);
        Assert.Equal([expectedKey], errors);
        Assert.Equal(0, await CountAsync(mark));
    }

    public static TheoryData<string, string, string, string> Valid => new()
    {
        // field, value, then a path into the created item and what it must read
        { "url", "\"https://hooks.events.test:8443/a/b?c=d\"", "url", "https://hooks.events.test:8443/a/b?c=d" },
        { "language", "\"FR\"", "language", "fr" },
        { "language", "\"zh-hans\"", "language", "zh-Hans" },
        { "secret", "\"sixteen-chars!!!\"", "status", "ACTIVE" },
        { "secretHeaderName", "\"X-My_Secret.1\"", "secretHeaderName", "X-My_Secret.1" },
        { "events", """["entity:employees:created", "entity:employees:created", "entity:employees:clock-in"]""", "events", """["entity:employees:created","entity:employees:clock-in"]""" },
        { "contextFilters", """{"filters": [{"tag": "context.*"}], "exclusions": ["context.region.9"]}""", "contextFilters", """{"filters":[{"tag":"context.*","includeChildren":false}],"exclusions":["context.region.9"]}""" },
        { "userDefinedFilters", """{"salary:gte": 1000, "status:in": ["A", "B"], "hiredOn:between": "2024-01-01|2024-12-31", "0": "address:isNotNull", "skills:inSet": "a|b"}""", "userDefinedFilters", """{"salary:gte":1000,"status:in":["A","B"],"hiredOn:between":"2024-01-01|2024-12-31","0":"address:isNotNull","skills:inSet":"a|b"}""" },
        { "entityResponse", """{"fields": ["id", "address.city", "firstName:first"], "include": ["region"]}""", "entityResponse", """{"fields":["id","address.city","firstName:first"],"include":["region"]}""" },
        { "delivery", """{"maxInFlight": 64, "timeoutSeconds": 1, "maxPerSecond": 2.5}""", "delivery", """{"maxInFlight":64,"timeoutSeconds":1,"maxPerSecond":2.5}""" },
        { "failureEmail", "\"first.last+hooks@mail.example.co.uk\"", "failureEmail", "first.last+hooks@mail.example.co.uk" },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public async Task A_rule_kept_is_accepted_and_rendered_canonically(string field, string json, string path, string expected)
    {
        var body = SubscriptionsClient.ValidBody();
        body[field] = JsonNode.Parse(json);

        // The exact rendering is the point here, so raw JSON.
        var item = await api.CreatedRawAsync(body);

        var value = item.GetProperty(path);
        Assert.Equal(expected, value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText());
    }

    [Fact]
    public async Task A_subscription_keeps_its_secret_header_mode_through_put_and_patch_unless_told()
    {
        var body = SubscriptionsClient.ValidBody();
        body["secretHeaderMode"] = "hmac-sha512";
        var created = await api.CreatedAsync(body);
        Assert.Equal("hmac-sha512", created.SecretHeaderMode);
        var path = $"/rest/v1/events-subscriptions/{created.Id}";

        // A PUT that does not name the mode (written before the field existed) keeps it.
        body.Remove("secretHeaderMode");
        body["name"] = "replaced";
        var (put, replaced) = await api.ReadAsync(HttpMethod.Put, path, body);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(("replaced", "hmac-sha512"), (replaced.GetProperty("data").GetProperty("name").GetString(), replaced.GetProperty("data").GetProperty("secretHeaderMode").GetString()));

        var (patched, switched) = await api.ReadAsync(HttpMethod.Patch, path, new JsonObject { ["secretHeaderMode"] = "secret" });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal("secret", switched.GetProperty("data").GetProperty("secretHeaderMode").GetString());

        var (refused, problem) = await api.ReadAsync(HttpMethod.Patch, path, new JsonObject { ["secretHeaderMode"] = "HMAC" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty("secretHeaderMode", out _));
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_a_400_and_a_body_of_another_type_a_415()
    {
        using var notJson = await service.Http.SendAsync(Raw("{ this is not json", "application/json"));
        await GatewayTests.AssertProblemAsync(notJson, HttpStatusCode.BadRequest);
        // A trailing comma: where it is and what is wrong, without advice meant for the service's programmers.
        using var comma = await service.Http.SendAsync(Raw("{\n  \"name\": \"x\",\n}", "application/json"));
        var detail = (await comma.ReadAsAsync<ProblemView>()).Detail!;
        Assert.StartsWith("The body is not valid JSON (line 3, byte 1): ", detail);
        Assert.DoesNotContain("reader options", detail);

        using var text = await service.Http.SendAsync(Raw(SubscriptionsClient.ValidBody().ToJsonString(), "text/plain"));
        await GatewayTests.AssertProblemAsync(text, HttpStatusCode.UnsupportedMediaType);

        using var array = await service.Http.SendAsync(Raw("[]", "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, array.StatusCode);
    }

    [Fact]
    public async Task A_body_over_the_size_limit_is_a_413()
    {
        var body = SubscriptionsClient.ValidBody();
        body["name"] = new string('n', 1024 * 1024 + 10);
        // The gateway answers 413 from the Content-Length and closes the connection without reading
        // the body; a client still writing it then fails with a broken pipe instead of reading the
        // answer. A client that asks first (Expect: 100-continue) sends nothing and reads the 413.
        using var client = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromSeconds(30) })
        {
            BaseAddress = service.BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
        using var request = Raw(body.ToJsonString(), "application/json");
        request.Headers.ExpectContinue = true;

        using var response = await client.SendAsync(request);

        await GatewayTests.AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task All_errors_of_one_request_are_reported_together()
    {
        var body = SubscriptionsClient.ValidBody();
        body["url"] = "http://10.0.0.1/";
        body["secret"] = "short";
        body["contextFilters"] = JsonNode.Parse("""{"filters": [{"tag": "context.*"}, {"tag": "nope"}]}""");
        body["surprise"] = true;

        using var response = await api.CreateAsync(body);

        var errors = await AssertValidationProblemAsync(response);
        Assert.Equal(["contextFilters.filters[1].tag", "secret", "surprise", "url"], errors.Order(StringComparer.Ordinal));
    }

    private async Task<long> CountAsync(string filter) =>
        (await api.ListAsync($"includeInactive=true&limit=1&{filter}")).Meta.Count;

    private HttpRequestMessage Raw(string content, string contentType)
    {
        var request = service.Request(HttpMethod.Post, SubscriptionsClient.Path, service.Token("subscriptions:write", "subscriptions:read", "entities:read"));
        request.Content = new StringContent(content);
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        return request;
    }

    internal static async Task<string[]> AssertValidationProblemAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"expected 400, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.As<ProblemView>();
        Assert.Equal(400, problem.Status);
        Assert.NotNull(problem.Errors);
        return [.. problem.Errors.Keys];
    }
}
