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
