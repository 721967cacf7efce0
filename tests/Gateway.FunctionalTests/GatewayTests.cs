using System.Net;
using System.Text.Json;
using EventsSubscriptions.Gateway.FunctionalTests.Infrastructure;

namespace EventsSubscriptions.Gateway.FunctionalTests;

[Trait("Category", "Functional")]
[Collection(ServiceClusterCollection.Name)]
public sealed class GatewayTests(ServiceCluster service)
{
    [Fact]
    public async Task Healthz_answers_without_a_token()
    {
        using var response = await service.Http.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("alive", (await response.ReadAsAsync<LivenessView>()).Status);
    }

    [Fact]
    public async Task Readyz_reports_redis_postgres_and_both_silos_up()
    {
        using var response = await service.Http.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadAsAsync<ReadinessView>();
        Assert.Equal("ready", body.Status);
        Assert.Equal("UP", body.Checks["redis"].Status);
        Assert.Equal("UP", body.Checks["postgres"].Status);
        Assert.Equal("UP", body.Checks["cluster"].Status);
        Assert.Equal("2 active silo(s)", body.Checks["cluster"].Detail);
    }

    [Fact]
    public async Task An_unknown_path_is_a_404_problem()
    {
        using var response = await service.Http.GetAsync("/rest/v1/no-such-thing/1/deeper/still");

        await AssertProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_wrong_method_is_a_405_problem()
    {
        using var response = await service.Http.DeleteAsync("/healthz");

        await AssertProblemAsync(response, HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task The_dashboard_without_a_token_is_a_401_problem()
    {
        using var response = await service.Http.GetAsync("/dashboard/");

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Fact]
    public async Task A_token_without_the_scope_is_a_403_problem()
    {
        using var request = service.Request(HttpMethod.Get, "/dashboard/", service.Token("subscriptions:read", "entities:write"));
        using var response = await service.Http.SendAsync(request);

        await AssertProblemAsync(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_403_names_the_scope_needed_and_those_held_and_an_expired_token_is_told_so()
    {
        using var forbidden = service.Request(HttpMethod.Get, "/rest/v1/employees/1", service.Token("subscriptions:read", "subscriptions:write"));
        using var refused = await service.Http.SendAsync(forbidden);
        await AssertProblemAsync(refused, HttpStatusCode.Forbidden);
        var detail = (await refused.ReadAsAsync<ProblemView>()).Detail;
        Assert.Equal("This operation needs the scope entities:read; the token holds subscriptions:read, subscriptions:write.", detail);

        var now = DateTime.UtcNow;
        var expired = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
        {
            Issuer = ServiceCluster.Issuer,
            Audience = ServiceCluster.Audience,
            IssuedAt = now.AddHours(-2),
            NotBefore = now.AddHours(-2),
            Expires = now.AddHours(-1),
            Claims = new Dictionary<string, object> { ["sub"] = "late", ["scope"] = "entities:read" },
            SigningCredentials = new Microsoft.IdentityModel.Tokens.SigningCredentials(
                new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(service.SigningKey)),
                Microsoft.IdentityModel.Tokens.SecurityAlgorithms.HmacSha256),
        });
        using var late = service.Request(HttpMethod.Get, "/rest/v1/employees/1", expired);
        using var unauthorized = await service.Http.SendAsync(late);
        await AssertProblemAsync(unauthorized, HttpStatusCode.Unauthorized);
        Assert.Contains("expired", (await unauthorized.ReadAsAsync<ProblemView>()).Detail);
    }

    [Fact]
    public async Task A_token_with_the_scope_opens_the_dashboard()
    {
        using var request = service.Request(HttpMethod.Get, "/dashboard/", service.Token("admin"));
        using var response = await service.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Orleans Dashboard", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_dashboard_shows_both_silos_active()
    {
        using var request = service.Request(HttpMethod.Get, "/dashboard/DashboardCounters", service.Token("admin"));
        using var response = await service.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var hosts = (await Json(response)).GetProperty("hosts").EnumerateArray().ToList();
        Assert.Equal(2, hosts.Count(h => h.GetProperty("status").GetString() == "Active"));
    }

    [Fact]
    public async Task Metrics_need_the_admin_scope_in_production()
    {
        using var anonymous = await service.Http.GetAsync("/metrics");
        await AssertProblemAsync(anonymous, HttpStatusCode.Unauthorized);

        using var request = service.Request(HttpMethod.Get, "/metrics", service.Token("admin"));
        using var response = await service.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("http_server_request_duration_seconds", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("another key of at least thirty-two bytes, not the gateway's", ServiceCluster.Issuer, ServiceCluster.Audience)]
    [InlineData(null, "someone-else", ServiceCluster.Audience)]
    [InlineData(null, ServiceCluster.Issuer, "another-audience")]
    public async Task A_token_with_the_wrong_key_issuer_or_audience_is_a_401(string? key, string issuer, string audience)
    {
        var token = ServiceCluster.Token(["admin"], key ?? service.SigningKey, issuer, audience);
        using var request = service.Request(HttpMethod.Get, "/dashboard/", token);
        using var response = await service.Http.SendAsync(request);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_openapi_document_requires_what_the_api_requires_and_its_example_is_accepted()
    {
        using var document = await service.Http.GetAsync("/openapi/v1.json");
        var openApi = await Json(document);
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
        await api.CreatedAsync(example);
        var minimal = new System.Text.Json.Nodes.JsonObject();
        foreach (var name in required)
        {
            minimal[name] = example[name]!.DeepClone();
        }
        minimal["customId"] = $"openapi-{Guid.NewGuid():N}";
        await api.CreatedAsync(minimal);
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
    public async Task Each_silo_answers_its_orchestrators_probes_and_its_health_command()
    {
        using var http = new HttpClient();
        // The silos running now (earlier tests may have replaced the first ones).
        foreach (var port in service.Silos.Select(service.HealthPort))
        {
            var alive = await http.GetAsync($"http://127.0.0.1:{port}/healthz");
            Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
            await Eventually.HoldsAsync(async () => (await http.GetAsync($"http://127.0.0.1:{port}/readyz")).StatusCode == HttpStatusCode.OK,
                TimeSpan.FromSeconds(30), $"the silo on health port {port} never became ready");
            Assert.Equal("ready", (await http.GetStringAsync($"http://127.0.0.1:{port}/readyz")).Trim());
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"http://127.0.0.1:{port}/other")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"http://127.0.0.1:{port}/metrics")).StatusCode);
        }
        // Metrics on their own port, listening on every interface (Silo__MetricsHost=*).
        foreach (var port in service.Silos.Select(service.MetricsPort))
        {
            Assert.Contains("dotnet_process_memory_working_set", await http.GetStringAsync($"http://127.0.0.1:{port}/metrics"));
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"http://127.0.0.1:{port}/readyz")).StatusCode);
        }
        // The container health check: `dotnet Silo.dll health <url>` exits 0 when ready, 1 otherwise.
        foreach (var (url, expected) in new[] { ($"http://127.0.0.1:{service.HealthPort(service.Silos[0])}/readyz", 0), ($"http://127.0.0.1:{TestEnvironment.FreePort()}/readyz", 1) })
        {
            var start = new System.Diagnostics.ProcessStartInfo("dotnet", [TestEnvironment.SiloDll, "health", url]) { RedirectStandardOutput = true };
            using var probe = System.Diagnostics.Process.Start(start)!;
            await probe.StandardOutput.ReadToEndAsync();
            await probe.WaitForExitAsync();
            Assert.Equal(expected, probe.ExitCode);
        }
    }

    [Fact]
    public async Task Every_operation_of_the_openapi_document_says_how_to_call_it_and_what_it_may_answer()
    {
        using var document = await service.Http.GetAsync("/openapi/v1.json");
        var openApi = await Json(document);
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
        var openApi = await Json(document);
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
        var openApi = await Json(document);
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

    [Fact]
    public async Task The_token_command_mints_tokens_the_gateway_accepts()
    {
        var environment = new Dictionary<string, string>
        {
            ["Auth__Issuer"] = ServiceCluster.Issuer,
            ["Auth__Audience"] = ServiceCluster.Audience,
            ["Auth__SigningKey"] = service.SigningKey,
        };
        var admin = await RunTokenCommandAsync(environment, "admin");
        var reader = await RunTokenCommandAsync(environment, "subscriptions:read,entities:read");

        using var allowed = await service.Http.SendAsync(service.Request(HttpMethod.Get, "/dashboard/", admin));
        using var denied = await service.Http.SendAsync(service.Request(HttpMethod.Get, "/dashboard/", reader));
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);

        var unknown = ServiceProcess.Start("token", TestEnvironment.GatewayDll, environment, "token", "everything:please");
        Assert.Equal(2, await unknown.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("Unknown scope", unknown.Output);
    }

    private static async Task<string> RunTokenCommandAsync(Dictionary<string, string> environment, string scopes)
    {
        var process = ServiceProcess.Start("token", TestEnvironment.GatewayDll, environment, "token", scopes);
        Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        return process.Output.Trim();
    }

    internal static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    internal static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadAsAsync<ProblemView>();
        Assert.Equal((int)status, problem.Status);
        Assert.False(string.IsNullOrEmpty(problem.Title));
        Assert.False(string.IsNullOrEmpty(problem.Type));
    }
}
