using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EventsSubscriptions.Gateway.FunctionalTests.Infrastructure;

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
    private readonly string token = service.Token("subscriptions:read", "subscriptions:write", "entities:read", "entities:write");

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
        { "a line break in the url", """{"url": "https://hooks.example.com/ok\r\nX-Injected: y"}""", "url" },
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

        var (status, problem) = await SendRawAsync(HttpMethod.Post, Path, Encoding.UTF8.GetBytes(json));

        Assert.True(status == HttpStatusCode.BadRequest, $"{what}: {(int)status} {problem}");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{what}: {problem}");
        // Nothing was created: the custom id is still free.
        var mark = service.OutputMark();
        var (again, created) = await SendRawAsync(HttpMethod.Post, Path, Encoding.UTF8.GetBytes(SubscriptionsClient.ValidBody(customId).ToJsonString()));
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
            var (status, problem) = await SendRawAsync(path.EndsWith("/7") ? HttpMethod.Put : HttpMethod.Post, path, bytes);
            Assert.True(status == HttpStatusCode.BadRequest, $"{what} on {path}: {(int)status} {problem}");
            if (field is not null)
            {
                Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{what}: {problem}");
            }
        }
        var (missing, _) = await SendRawAsync(HttpMethod.Get, "/rest/v1/hostile-things/7", null);
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
        var (status, body) = await SendRawAsync(HttpMethod.Get, $"{Path}{query}", null);

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
        var id = await CreateAsync();

        var (suspend, problem) = await SendRawAsync(HttpMethod.Post, $"{Path}/{id}/actions/suspend", "{\"reason\": \"x\\u0000\"}"u8.ToArray());
        Assert.Equal(HttpStatusCode.BadRequest, suspend);
        Assert.True(problem.GetProperty("errors").TryGetProperty("reason", out _), problem.ToString());
        var (logs, logProblem) = await SendRawAsync(HttpMethod.Get, $"{Path}/{id}/logs?eventId=%00", null);
        Assert.Equal(HttpStatusCode.BadRequest, logs);
        Assert.True(logProblem.GetProperty("errors").TryGetProperty("eventId", out _), logProblem.ToString());

        var (get, item) = await SendRawAsync(HttpMethod.Get, $"{Path}/{id}", null);
        Assert.Equal(HttpStatusCode.OK, get);
        Assert.Equal("ACTIVE", item.GetProperty("data").GetProperty("status").GetString());
        var (patched, _) = await SendRawAsync(HttpMethod.Patch, $"{Path}/{id}", "{\"name\": \"renamed\"}"u8.ToArray());
        Assert.Equal(HttpStatusCode.OK, patched);
        var (archived, _) = await SendRawAsync(HttpMethod.Post, $"{Path}/{id}/actions/archive", null);
        Assert.Equal(HttpStatusCode.OK, archived);
    }

    [Fact]
    public async Task A_resource_or_action_name_with_a_trailing_newline_is_not_found_and_stores_nothing()
    {
        var (created, body) = await SendRawAsync(HttpMethod.Post, "/rest/v1/things%0A", "{\"name\": \"x\"}"u8.ToArray());
        Assert.True(created == HttpStatusCode.NotFound, $"{(int)created} {body}");
        var (put, _) = await SendRawAsync(HttpMethod.Put, "/rest/v1/newline-things/1", "{\"name\": \"x\"}"u8.ToArray());
        Assert.True(put is HttpStatusCode.OK or HttpStatusCode.Created, $"{(int)put}");
        var (acted, actBody) = await SendRawAsync(HttpMethod.Post, "/rest/v1/newline-things/1/actions/clock-in%0A", null);
        Assert.True(acted is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"{(int)acted} {actBody}");
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
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
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
        var (put, _) = await SendRawAsync(HttpMethod.Put, "/rest/v1/employees/900001", "{\"firstName\": \"loop\", \"employee\": 900001}"u8.ToArray());
        Assert.True(put is HttpStatusCode.OK or HttpStatusCode.Created);

        var deep = string.Join('.', Enumerable.Repeat("employee", 80));
        var (status, problem) = await SendRawAsync(HttpMethod.Get, $"/rest/v1/employees/900001?include={deep}", null);

        Assert.True(status == HttpStatusCode.BadRequest, $"{(int)status} {problem}");
        var (shallow, body) = await SendRawAsync(HttpMethod.Get, "/rest/v1/employees/900001?include=employee.employee", null);
        Assert.True(shallow == HttpStatusCode.OK, $"{(int)shallow} {body}");
    }

    [Theory]
    [InlineData("entity:employee:created", "entity:employees:created")]
    [InlineData("entity:employees:create", "entity:employees:created")]
    [InlineData("entity:shifts:clockin", "entity:shifts:clock-in")]
    public async Task An_event_name_a_letter_or_two_from_a_known_one_is_a_400_suggesting_it(string typo, string meant)
    {
        var body = SubscriptionsClient.ValidBody();
        body["events"] = new JsonArray(typo);

        var (status, problem) = await SendRawAsync(HttpMethod.Post, Path, Encoding.UTF8.GetBytes(body.ToJsonString()));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains($"did you mean {meant}", problem.GetProperty("errors").GetProperty("events[0]")[0].GetString());
    }

    [Fact]
    public async Task A_resource_a_letter_or_two_from_a_known_one_is_a_404_suggesting_it_and_the_event_types_are_listed()
    {
        var (status, problem) = await SendRawAsync(HttpMethod.Post, "/rest/v1/employee", "{\"name\": \"x\"}"u8.ToArray());
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("did you mean 'employees'", problem.GetProperty("detail").GetString());

        var (listed, types) = await SendRawAsync(HttpMethod.Get, "/rest/v1/event-types", null);
        Assert.Equal(HttpStatusCode.OK, listed);
        var created = types.GetProperty("data").EnumerateArray().Single(t => t.GetProperty("event").GetString() == "entity:employees:created");
        Assert.Equal("entity:employees:created", created.GetProperty("examplePayload").GetProperty("meta").GetProperty("event").GetString());
        Assert.Contains(types.GetProperty("data").EnumerateArray(), t => t.GetProperty("event").GetString() == "entity:shifts:clock-in");
    }

    [Fact]
    public async Task Delete_on_a_subscription_is_a_405_that_points_at_archive()
    {
        var id = await CreateAsync();

        var (status, problem) = await SendRawAsync(HttpMethod.Delete, $"{Path}/{id}", null);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, status);
        Assert.Contains("actions/archive", problem.GetProperty("detail").GetString());
        var (get, _) = await SendRawAsync(HttpMethod.Get, $"{Path}/{id}", null);
        Assert.Equal(HttpStatusCode.OK, get);
    }

    [Fact]
    public async Task Two_regions_moved_under_each_other_at_once_do_not_deadlock_and_make_no_cycle()
    {
        var a = Random.Shared.NextInt64(1_000_000, 2_000_000_000);
        var b = a + 1;
        foreach (var region in new[] { a, b })
        {
            var (put, body) = await SendRawAsync(HttpMethod.Put, $"/rest/v1/regions/{region}", Encoding.UTF8.GetBytes($"{{\"name\": \"r{region}\"}}"));
            Assert.True(put is HttpStatusCode.OK or HttpStatusCode.Created, $"{(int)put} {body}");
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var moves = await Task.WhenAll(
            SendRawAsync(HttpMethod.Patch, $"/rest/v1/regions/{a}", Encoding.UTF8.GetBytes($"{{\"parentRegion\": {b}}}")),
            SendRawAsync(HttpMethod.Patch, $"/rest/v1/regions/{b}", Encoding.UTF8.GetBytes($"{{\"parentRegion\": {a}}}")));

        Assert.All(moves, m => Assert.True(m.Status is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"{(int)m.Status} {m.Body}"));
        Assert.Single(moves, m => m.Status == HttpStatusCode.OK);
        Assert.Contains("cycle", Assert.Single(moves, m => m.Status == HttpStatusCode.BadRequest).Body.GetRawText());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"the moves took {watch.Elapsed}");
    }

    [Fact]
    public async Task A_caller_past_its_rate_gets_429_with_retry_after_and_others_are_not_slowed()
    {
        var limited = service.TokenFor("rate-test", "subscriptions:read");
        var statuses = new List<(HttpStatusCode Status, string? RetryAfter, string Body)>();
        for (var i = 0; i < 6; i++)
        {
            using var request = service.Request(HttpMethod.Get, $"{Path}?limit=1", limited);
            using var response = await service.Http.SendAsync(request);
            statuses.Add((response.StatusCode, response.Headers.RetryAfter?.ToString(), await response.Content.ReadAsStringAsync()));
        }

        // A burst of 3, then 1 per second: six calls at once cannot all pass.
        Assert.Equal(HttpStatusCode.OK, statuses[0].Status);
        var refused = statuses.Where(s => s.Status == HttpStatusCode.TooManyRequests).ToList();
        Assert.True(refused.Count >= 2, string.Join(", ", statuses.Select(s => (int)s.Status)));
        Assert.All(refused, r => Assert.True(int.Parse(r.RetryAfter!) >= 1));
        Assert.Contains("rate-test", refused[0].Body);
        var (other, _) = await SendRawAsync(HttpMethod.Get, $"{Path}?limit=1", null);
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

    private async Task<long> CreateAsync()
    {
        var (status, body) = await SendRawAsync(HttpMethod.Post, Path, Encoding.UTF8.GetBytes(SubscriptionsClient.ValidBody().ToJsonString()));
        Assert.True(status == HttpStatusCode.Created, $"{(int)status} {body}");
        return body.GetProperty("data").GetProperty("id").GetInt64();
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendRawAsync(HttpMethod method, string path, byte[]? body)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        using var response = await service.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonElement parsed = default;
        if (text.Length > 0)
        {
            try
            {
                parsed = JsonDocument.Parse(text).RootElement.Clone();
            }
            catch (JsonException)
            {
                parsed = JsonDocument.Parse(JsonSerializer.Serialize(text)).RootElement.Clone();
            }
        }
        return (response.StatusCode, parsed);
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
        body["url"] = "https://p\u0430ypal.example.com/hook";
        var created = await api.CreatedAsync(body);
        Assert.StartsWith("https://xn--", created.Url);
        Assert.EndsWith(".example.com/hook", created.Url);

        // A parameter given twice is refused, naming it, wherever it is given.
        foreach (var path in new[] { $"{Path}?status=ACTIVE&status=ARCHIVED", "/rest/v1/employees?limit=1&limit=2" })
        {
            var (twice, problem, _) = await entities.SendAsync(HttpMethod.Get, path);
            Assert.Equal(HttpStatusCode.BadRequest, twice);
            Assert.Contains("given 2 times", problem.GetProperty("errors").EnumerateObject().Single().Value[0].GetString());
        }
    }
}
