namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>
/// What an attacker sends: text PostgreSQL cannot store, malformed bodies, huge lists, names with a
/// trailing newline, hostile query values. Each is a 4xx naming the problem and changes nothing;
/// none is a 500.
/// </summary>
[Trait("Category", "Functional")]
[Collection(ServiceClusterCollection.Name)]
public sealed class HostileInputTests(ServiceCluster service)
{
    private const string Path = SubscriptionsClient.Path;
    private readonly RawApi raw = new(service, service.Token("subscriptions:read", "subscriptions:write", "entities:read", "entities:write"));

    // A valid subscription body in which {0} is replaced by the raw JSON of one hostile part.
    public static TheoryData<string, string, string> HostileBodies => new()
    {
        { "NUL in name", """{"name": "HR\u0000sync"}""", "name" },
        { "lone surrogate in name", """{"name": "HR \ud800 sync"}""", "name" },
        { "NUL in a filter value", """{"userDefinedFilters": {"status": "active\u0000"}}""", "userDefinedFilters.status" },
        { "NUL in a key", """{"userDefinedFilters": {"sta\u0000tus": "active"}}""", "userDefinedFilters" },
        { "trailing newline in the secret header", """{"secretHeaderName": "X-Sig\n"}""", "secretHeaderName" },
        { "trailing newline in an event", """{"events": ["entity:employees:created\n"]}""", "events[0]" },
        { "trailing newline in a field path", """{"entityResponse": {"fields": ["name\n"]}}""", "entityResponse.fields[0]" },
        { "trailing newline in a filter path", """{"userDefinedFilters": {"name\n": "x"}}""", "userDefinedFilters.name\n" },
        { "too many fields", Json("{\"entityResponse\": {\"fields\": [", 100_000, i => $"\"f{i}\"", "]}}"), "entityResponse.fields" },
        { "too many includes", Json("{\"entityResponse\": {\"include\": [", 50, i => $"\"r{i}\"", "]}}"), "entityResponse.include" },
        { "too many events", Json("{\"events\": [", 5000, i => $"\"entity:employees:t{i}\"", "]}"), "events" },
        { "too many exclusions", Json("{\"contextFilters\": {\"filters\": [{\"tag\": \"context.*\"}], \"exclusions\": [", 5000, i => $"\"context.region.{i + 1}\"", "]}}"), "contextFilters.exclusions" },
        { "too many scope filters", Json("{\"contextFilters\": {\"filters\": [", 5000, i => $"{{\"tag\": \"context.region.{i + 1}\"}}", "]}}"), "contextFilters.filters" },
        { "a content header as the secret header", """{"secretHeaderName": "Content-Language"}""", "secretHeaderName" },
        { "a webhook- header as the secret header", """{"secretHeaderName": "webhook-foo"}""", "secretHeaderName" },
        { "Set-Cookie as the secret header", """{"secretHeaderName": "Set-Cookie"}""", "secretHeaderName" },
        { "zero-width spaces as the custom id", """{"customId": "\u200b\u200b"}""", "customId" },
        { "a right-to-left override in the name", """{"name": "HR sync \u202egpj.exe"}""", "name" },
        { "a number beyond a double in a filter", """{"userDefinedFilters": {"salary:gt": 1e400}}""", "userDefinedFilters.salary:gt" },
        { "a whsec_ secret that decodes to nothing", """{"secret": "whsec_          "}""", "secret" },
        { "a blank secret", """{"secret": "                "}""", "secret" },
        { "a line break in the url", """{"url": "https://hooks.events.test/ok\r\nX-Injected: y"}""", "url" },
        { "an include following too many relations", """{"entityResponse": {"include": ["region.parentRegion.parentRegion.parentRegion.parentRegion.parentRegion"]}}""", "entityResponse.include" },
        { "too many values in an in-list", Json("{\"userDefinedFilters\": {\"status:in\": [", 500, i => $"\"s{i}\"", "]}}"), "userDefinedFilters.status:in" },
    };

    /// <summary>The end of the services' output, for a failure's message (what CI keeps of a log is its end).</summary>
    private static string Tail(string output) => output.Length <= 6000 ? output : output[^6000..];

    private static string Json(string open, int count, Func<int, string> item, string close) =>
        open + string.Join(',', Enumerable.Range(0, count).Select(item)) + close;

    [Theory]
    [MemberData(nameof(HostileBodies))]
    public async Task A_hostile_subscription_body_is_a_400_naming_the_field_and_creates_nothing(string what, string part, string field)
    {
        var customId = $"hostile-{Guid.NewGuid():N}";
        // The hostile members are spliced in as written: some cannot even be read into a JsonNode.
        var body = SubscriptionsClient.ValidBody(customId);
        foreach (var member in JsonDocument.Parse(part).RootElement.EnumerateObject())
        {
            body.Remove(member.Name);
        }
        var json = body.ToJsonString()[..^1] + "," + part.Trim()[1..];

        var (status, problem) = await raw.SendAsync(HttpMethod.Post, Path, Encoding.UTF8.GetBytes(json));

        Assert.True(status == HttpStatusCode.BadRequest, $"{what}: {(int)status} {problem}");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{what}: {problem}");
        // Nothing was created: the custom id is still free.
        var mark = service.OutputMark();
        var (again, created) = await raw.SendAsync(HttpMethod.Post, Path, Encoding.UTF8.GetBytes(SubscriptionsClient.ValidBody(customId).ToJsonString()));
        Assert.True(again == HttpStatusCode.Created, $"{what}: the valid create answered {(int)again} {created}\n--- the services' output meanwhile ---\n{Tail(service.OutputSince(mark))}");
    }

    public static TheoryData<string, byte[], string?> MalformedBodies => new()
    {
        { "invalid UTF-8", [.. "{\"name\": \"a"u8, 0xC3, 0x28, .. "\"}"u8], "name" },
        { "duplicate keys", "{\"name\": \"a\", \"name\": \"b\"}"u8.ToArray(), null },
        { "escaped lone low surrogate", "{\"name\": \"\\udc00\"}"u8.ToArray(), "name" },
        { "lone surrogate in a key", "{\"\\ud800\": 1}"u8.ToArray(), "$" },
        { "lone surrogate in a nested key", "{\"x\": {\"a\\ud800b\": 1}}"u8.ToArray(), null },
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task A_malformed_body_is_a_400_for_subscriptions_and_entities(string what, byte[] bytes, string? field)
    {
        foreach (var path in new[] { Path, "/rest/v1/hostile-things", "/rest/v1/hostile-things/7" })
        {
            var (status, problem) = await raw.SendAsync(path.EndsWith("/7") ? HttpMethod.Put : HttpMethod.Post, path, bytes);
            Assert.True(status == HttpStatusCode.BadRequest, $"{what} on {path}: {(int)status} {problem}");
            if (field is not null)
            {
                Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{what}: {problem}");
            }
        }
        var (missing, _) = await raw.SendAsync(HttpMethod.Get, "/rest/v1/hostile-things/7", null);
        Assert.Equal(HttpStatusCode.NotFound, missing);
    }

    [Theory]
    [InlineData("?customId=%00", "customId")]
    [InlineData("?name:in=a,%00", "name:in")]
    [InlineData("?name=%ED%A0%80x", null)]
    [InlineData("?createdOn:contains=2026", "createdOn:contains")]
    [InlineData("?health.state:contains=FAIL", null)]
    public async Task A_hostile_query_value_is_a_400_or_harmless_never_a_500(string query, string? field)
    {
        var (status, body) = await raw.SendAsync(HttpMethod.Get, $"{Path}{query}", null);

        if (field is null)
        {
            Assert.True(status is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"{query}: {(int)status} {body}");
        }
        else
        {
            Assert.True(status == HttpStatusCode.BadRequest, $"{query}: {(int)status} {body}");
            Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), $"{query}: {body}");
        }
    }

    [Fact]
    public async Task A_nul_in_an_action_or_a_log_query_is_refused_and_the_subscription_stays_usable()
    {
        var id = await raw.CreateAsync();

        var (suspend, problem) = await raw.SendAsync(HttpMethod.Post, $"{Path}/{id}/actions/suspend", "{\"reason\": \"x\\u0000\"}"u8.ToArray());
        Assert.Equal(HttpStatusCode.BadRequest, suspend);
        Assert.True(problem.GetProperty("errors").TryGetProperty("reason", out _), problem.ToString());
        var (logs, logProblem) = await raw.SendAsync(HttpMethod.Get, $"{Path}/{id}/logs?eventId=%00", null);
        Assert.Equal(HttpStatusCode.BadRequest, logs);
        Assert.True(logProblem.GetProperty("errors").TryGetProperty("eventId", out _), logProblem.ToString());

        var (get, item) = await raw.SendAsync(HttpMethod.Get, $"{Path}/{id}", null);
        Assert.Equal(HttpStatusCode.OK, get);
        Assert.Equal("ACTIVE", item.GetProperty("data").GetProperty("status").GetString());
        var (patched, _) = await raw.SendAsync(HttpMethod.Patch, $"{Path}/{id}", "{\"name\": \"renamed\"}"u8.ToArray());
        Assert.Equal(HttpStatusCode.OK, patched);
        var (archived, _) = await raw.SendAsync(HttpMethod.Post, $"{Path}/{id}/actions/archive", null);
        Assert.Equal(HttpStatusCode.OK, archived);
    }

    [Fact]
    public async Task A_resource_or_action_name_with_a_trailing_newline_is_not_found_and_stores_nothing()
    {
        var (created, body) = await raw.SendAsync(HttpMethod.Post, "/rest/v1/things%0A", "{\"name\": \"x\"}"u8.ToArray());
        Assert.True(created == HttpStatusCode.NotFound, $"{(int)created} {body}");
        var (put, _) = await raw.SendAsync(HttpMethod.Put, "/rest/v1/newline-things/1", "{\"name\": \"x\"}"u8.ToArray());
        Assert.True(put is HttpStatusCode.OK or HttpStatusCode.Created, $"{(int)put}");
        // What the database holds of the entity the action names: its sequence, last event and last change.
        Task<string> StoredEntityAsync() => service.ScalarAsync<string>(
            "SELECT sequence || ' ' || coalesce(event_id, '-') || ' ' || coalesce(event_trigger, '-') || ' ' || modified_on FROM entity_state WHERE service_id = $1 AND resource = 'newline-things' AND id = 1",
            service.ServiceId);
        var before = await StoredEntityAsync();
        var (acted, actBody) = await raw.SendAsync(HttpMethod.Post, "/rest/v1/newline-things/1/actions/clock-in%0A", null);
        Assert.True(acted is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"{(int)acted} {actBody}");

        // Stored: no entity of a resource whose name holds a line break, and nothing of the refused action.
        Assert.Equal(0L, await service.ScalarAsync<long>("SELECT count(*) FROM entity_state WHERE service_id = $1 AND resource LIKE E'%\\n%'", service.ServiceId));
        Assert.Equal(before, await StoredEntityAsync());
    }

    [Theory]
    [InlineData("application/json; charset=latin1", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("text/plain", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("application/json; charset=utf-8", HttpStatusCode.Created)]
    [InlineData("application/json; charset=\"utf-8\"", HttpStatusCode.Created)]
    public async Task Only_utf8_json_is_read_and_a_415_says_why(string contentType, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Path)
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(SubscriptionsClient.ValidBody().ToJsonString())),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", raw.Token);
        using var response = await service.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode} {text}");
        if (expected == HttpStatusCode.UnsupportedMediaType)
        {
            Assert.False(string.IsNullOrWhiteSpace(JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString()));
        }
    }

    [Fact]
    public async Task An_entity_get_including_too_many_relations_deep_is_a_400()
    {
        var (put, _) = await raw.SendAsync(HttpMethod.Put, "/rest/v1/employees/900001", "{\"firstName\": \"loop\", \"employee\": 900001}"u8.ToArray());
        Assert.True(put is HttpStatusCode.OK or HttpStatusCode.Created);

        var deep = string.Join('.', Enumerable.Repeat("employee", 80));
        var (status, problem) = await raw.SendAsync(HttpMethod.Get, $"/rest/v1/employees/900001?include={deep}", null);

        Assert.True(status == HttpStatusCode.BadRequest, $"{(int)status} {problem}");
        var (shallow, body) = await raw.SendAsync(HttpMethod.Get, "/rest/v1/employees/900001?include=employee.employee", null);
        Assert.True(shallow == HttpStatusCode.OK, $"{(int)shallow} {body}");
    }

    [Fact]
    public async Task Odd_input_is_refused_or_normalized_as_documented()
    {
        var entities = new EventsClient(service);
        var (number, numberProblem, _) = await entities.SendAsync(HttpMethod.Post, "/rest/v1/employees", JsonNode.Parse("""{"name": "Ann", "salary": 1e400}"""));
        Assert.Equal(HttpStatusCode.BadRequest, number);
        Assert.True(numberProblem.GetProperty("errors").TryGetProperty("salary", out _), numberProblem.ToString());

        // A look-alike host (a Cyrillic "а") is kept in its ASCII form, which shows what it is.
        var api = new SubscriptionsClient(service);
        var body = SubscriptionsClient.ValidBody();
        body["url"] = "https://p\u0430ypal.events.test/hook";
        var created = await api.CreatedAsync(body);
        Assert.StartsWith("https://xn--", created.Url);
        Assert.EndsWith(".events.test/hook", created.Url);

        // A parameter given twice is refused, naming it, wherever it is given.
        foreach (var path in new[] { $"{Path}?status=ACTIVE&status=ARCHIVED", "/rest/v1/employees?limit=1&limit=2" })
        {
            var (twice, problem, _) = await entities.SendAsync(HttpMethod.Get, path);
            Assert.Equal(HttpStatusCode.BadRequest, twice);
            Assert.Contains("given 2 times", problem.GetProperty("errors").EnumerateObject().Single().Value[0].GetString());
        }
    }
}
