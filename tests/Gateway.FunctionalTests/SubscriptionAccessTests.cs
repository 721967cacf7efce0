namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>Who may call the subscriptions API, and the secret that no response, log line or stored row shows in clear.</summary>
[Trait("Category", "Functional")]
[Collection(ServiceClusterCollection.Name)]
public sealed class SubscriptionAccessTests(ServiceCluster service)
{
    private readonly SubscriptionsClient api = new(service);

    [Fact]
    public async Task The_secret_is_in_no_response_no_log_line_and_not_in_clear_in_the_database()
    {
        var secret = $"s3cr3t-{Guid.NewGuid():N}";
        var body = SubscriptionsClient.ValidBody();
        body["secret"] = secret;
        var responses = new List<string>();

        using (var create = await api.CreateAsync(body))
        {
            responses.Add(await create.Content.ReadAsStringAsync());
        }
        var id = JsonDocument.Parse(responses[0]).RootElement.Data<SubscriptionView>().Id;
        var path = $"{SubscriptionsClient.Path}/{id}";
        var rotated = $"r0tated-{Guid.NewGuid():N}";
        foreach (var (method, payload) in new (HttpMethod, JsonNode?)[]
                 {
                     (HttpMethod.Get, null),
                     (HttpMethod.Patch, new JsonObject { ["secret"] = rotated, ["name"] = "rotated" }),
                     (HttpMethod.Patch, new JsonObject { ["secret"] = "short" }),
                     (HttpMethod.Post, JsonNode.Parse("""{"reason": "checking"}""")),
                 })
        {
            using var response = await api.SendAsync(method, method == HttpMethod.Post ? $"{path}/actions/suspend" : path, payload);
            responses.Add(await response.Content.ReadAsStringAsync());
        }
        // The list, asked for this subscription by id: it is on the page whatever the cluster holds.
        var listed = await api.ListRawAsync($"includeInactive=true&id:in={id}");
        Assert.Equal([id], listed.GetProperty("data").EnumerateArray().Select(s => s.GetProperty("id").GetInt64()));
        responses.Add(listed.GetRawText());

        Assert.All(responses, r => Assert.DoesNotContain(secret, r));
        Assert.All(responses, r => Assert.DoesNotContain(rotated, r));
        Assert.DoesNotContain("\"secret\":\"", string.Concat(responses));
        // Each silo logs a later line (a subscription created on it) before its output is read: what
        // the calls above made a silo log has reached the output by then (the gateway logs none of them).
        var markers = new List<long>();
        await Eventually.HoldsAsync(async () =>
        {
            if (markers.Count == 0 || service.Silos.Any(silo => !markers.Any(m => silo.Output.Contains($"Subscription {m} created"))))
            {
                markers.Add((await api.CreatedAsync(SubscriptionsClient.ValidBody())).Id);
            }
            return service.Silos.All(silo => markers.Any(m => silo.Output.Contains($"Subscription {m} created")));
        }, TimeSpan.FromSeconds(30), "a silo never logged the creation of a marker subscription");
        foreach (var marker in markers)
        {
            await api.ReadAsync(HttpMethod.Post, $"{SubscriptionsClient.Path}/{marker}/actions/archive");
        }
        Assert.DoesNotContain(secret, service.AllOutput);
        Assert.DoesNotContain(rotated, service.AllOutput);

        await using var connection = new NpgsqlConnection(service.PostgresConnectionString);
        await connection.OpenAsync();
        foreach (var value in new[] { secret, rotated })
        {
            await using var command = new NpgsqlCommand("""
                SELECT (SELECT count(*) FROM orleans_grain_state WHERE position(convert_to($1, 'UTF8') IN payloadbinary) > 0)
                     + (SELECT count(*) FROM subscription_list WHERE view::text LIKE '%' || $1 || '%')
                """, connection);
            command.Parameters.Add(new NpgsqlParameter { Value = value });
            Assert.Equal(0L, (long)(await command.ExecuteScalarAsync())!);
        }
        await using var stored = new NpgsqlCommand(
            "SELECT count(*) FROM orleans_grain_state WHERE graintypestring = 'subscription' AND payloadbinary IS NOT NULL", connection);
        Assert.True((long)(await stored.ExecuteScalarAsync())! > 0);
    }

    [Fact]
    public async Task No_token_is_a_401_and_a_read_only_token_cannot_write()
    {
        using var anonymous = await service.Http.GetAsync(SubscriptionsClient.Path);
        await GatewayTests.AssertProblemAsync(anonymous, HttpStatusCode.Unauthorized);

        var reader = service.Token("subscriptions:read");
        using var write = await api.SendAsync(HttpMethod.Post, SubscriptionsClient.Path, SubscriptionsClient.ValidBody(), asToken: reader);
        await GatewayTests.AssertProblemAsync(write, HttpStatusCode.Forbidden);
        using var read = await api.SendAsync(HttpMethod.Get, SubscriptionsClient.Path, asToken: reader);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        using var entitiesOnly = await api.SendAsync(HttpMethod.Get, SubscriptionsClient.Path, asToken: service.Token("entities:read"));
        await GatewayTests.AssertProblemAsync(entitiesOnly, HttpStatusCode.Forbidden);

        // A subscription exports entities, and a delivery's body or the recent events are entities:
        // without entities:read, none of them.
        var noEntities = service.Token("subscriptions:read", "subscriptions:write");
        using var create = await api.SendAsync(HttpMethod.Post, SubscriptionsClient.Path, SubscriptionsClient.ValidBody(), asToken: noEntities);
        await GatewayTests.AssertProblemAsync(create, HttpStatusCode.Forbidden);
        var id = (await api.CreatedAsync(SubscriptionsClient.ValidBody())).Id;
        using var patch = await api.SendAsync(HttpMethod.Patch, $"{SubscriptionsClient.Path}/{id}", new JsonObject { ["name"] = "x" }, asToken: noEntities);
        await GatewayTests.AssertProblemAsync(patch, HttpStatusCode.Forbidden);
        using var body = await api.SendAsync(HttpMethod.Get, $"{SubscriptionsClient.Path}/{id}/deliveries/any-event", asToken: noEntities);
        await GatewayTests.AssertProblemAsync(body, HttpStatusCode.Forbidden);
        using var recent = await api.SendAsync(HttpMethod.Get, "/rest/v1/recent-events?resource=employees", asToken: noEntities);
        await GatewayTests.AssertProblemAsync(recent, HttpStatusCode.Forbidden);
    }
}
