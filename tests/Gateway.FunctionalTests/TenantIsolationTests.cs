namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>
/// Two tenants with the same region ids, entity ids and custom ids, through the real gateway: each
/// sees, changes and receives its own alone; the other's subscription is a 404 on every route and
/// action, word for word the answer to an id that does not exist. Then the rules of the tenant claim
/// and of the X-Tenant header.
/// </summary>
[Trait("Category", "Functional")]
[Collection(ServiceClusterCollection.Name)]
public sealed class TenantIsolationTests(ServiceCluster service) : IAsyncLifetime
{
    private readonly string tenantA = $"a-{Guid.NewGuid():N}"[..20];
    private readonly string tenantB = $"b-{Guid.NewGuid():N}"[..20];

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => Task.CompletedTask;

    private EventsClient Client(string tenant, params string[] scopes) => service.ClientOfTenant(tenant, "alice", scopes);

    [Fact]
    public async Task Two_tenants_with_the_same_ids_share_nothing_through_any_route()
    {
        var a = Client(tenantA);
        var b = Client(tenantB);
        // The same ids in both: region 3 under region 1, employee 7 in region 3, custom id "hr-sync".
        foreach (var (api, name) in new[] { (a, "A"), (b, "B") })
        {
            await api.RegionAsync(1, $"root {name}", null);
            await api.RegionAsync(3, $"east {name}", 1);
            await api.OkAsync(HttpMethod.Put, "/rest/v1/employees/7", new JsonObject { ["name"] = $"employee {name}", ["region"] = 3 });
        }
        var subscriptionA = await a.SubscribeAsync(Subscription("hr-sync"));
        var subscriptionB = await b.SubscribeAsync(Subscription("hr-sync"));
        Assert.NotEqual(subscriptionA, subscriptionB);
        // Within a tenant the custom id is still taken.
        var (taken, _, _) = await b.SendAsync(HttpMethod.Post, "/rest/v1/events-subscriptions", Subscription("hr-sync"));
        Assert.Equal(HttpStatusCode.Conflict, taken);

        // Each reads its own entity, region and tree.
        Assert.Equal("employee A", (await a.SendAsync(HttpMethod.Get, "/rest/v1/employees/7")).Body.GetProperty("data").GetProperty("name").GetString());
        Assert.Equal("employee B", (await b.SendAsync(HttpMethod.Get, "/rest/v1/employees/7")).Body.GetProperty("data").GetProperty("name").GetString());
        Assert.Equal("east B", (await b.SendAsync(HttpMethod.Get, "/rest/v1/regions/3")).Body.GetProperty("data").GetProperty("name").GetString());
        // A list holds the tenant's own entities alone.
        Assert.Equal(["employee B"], (await b.SendAsync(HttpMethod.Get, "/rest/v1/employees?id:in=7")).Body.GetProperty("data").EnumerateArray()
            .Select(e => e.GetProperty("name").GetString()));
        var tree = (await b.SendAsync(HttpMethod.Get, "/rest/v1/regions/1/tree")).Body.GetProperty("data");
        Assert.Equal("root B", tree.GetProperty("name").GetString());
        Assert.Equal("east B", tree.GetProperty("children")[0].GetProperty("name").GetString());

        // A change in A reaches A's subscription alone, and B's change B's.
        var changedA = await a.OkAsync(HttpMethod.Patch, "/rest/v1/employees/7", new JsonObject { ["note"] = "from A" });
        var changedB = await b.OkAsync(HttpMethod.Patch, "/rest/v1/employees/7", new JsonObject { ["note"] = "from B" });
        await a.SettleAsync("employees", 7);
        await b.SettleAsync("employees", 7);
        Assert.Equal([changedA], (await a.QueuedAsync(subscriptionA)).Select(q => q.EventId));
        Assert.Equal([changedB], (await b.QueuedAsync(subscriptionB)).Select(q => q.EventId));
        Assert.Equal("from A", (await a.QueuedAsync(subscriptionA))[0].Body["data"]!["note"]!.GetValue<string>());

        // B's list and recent events hold B's alone.
        var listed = (await b.SendAsync(HttpMethod.Get, "/rest/v1/events-subscriptions?customId=hr-sync")).Body;
        Assert.Equal([subscriptionB], listed.GetProperty("data").EnumerateArray().Select(i => i.GetProperty("id").GetInt64()));
        var recent = (await b.SendAsync(HttpMethod.Get, "/rest/v1/recent-events?resource=employees")).Body.GetProperty("data");
        Assert.DoesNotContain(recent.EnumerateArray(), e => e.GetProperty("eventId").GetString() == changedA);
        Assert.Contains(recent.EnumerateArray(), e => e.GetProperty("eventId").GetString() == changedB);

        // Every route and action on A's subscription answers B as an id that does not exist.
        var unknown = 9_000_000_000_000_000_000L + Random.Shared.NextInt64(1_000_000);
        var body = Subscription("hr-sync");
        var attempts = new (HttpMethod Method, string Path, JsonNode? Body)[]
        {
            (HttpMethod.Get, "", null),
            (HttpMethod.Get, "/logs", null),
            (HttpMethod.Get, "?include=logs", null),
            (HttpMethod.Get, "/deliveries", null),
            (HttpMethod.Get, $"/deliveries/{changedA}", null),
            (HttpMethod.Post, $"/deliveries/{changedA}/actions/retry", null),
            (HttpMethod.Put, "", body),
            (HttpMethod.Patch, "", new JsonObject { ["url"] = "https://attacker.events.test/hook" }),
            (HttpMethod.Post, "/actions/suspend", new JsonObject { ["reason"] = "taken over" }),
            (HttpMethod.Post, "/actions/enable", new JsonObject()),
            (HttpMethod.Post, "/actions/test", new JsonObject()),
            (HttpMethod.Post, "/actions/replay", new JsonObject { ["since"] = DateTime.UtcNow.AddDays(-1).ToString("O") }),
            (HttpMethod.Post, "/actions/archive", new JsonObject()),
        };
        // Written plainly and with leading zeros (routes name the id as the path wrote it).
        foreach (var (method, path, sent) in attempts)
        {
            foreach (var zeros in new[] { "", "00" })
            {
                var (status, answer, _) = await b.SendAsync(method, $"/rest/v1/events-subscriptions/{zeros}{subscriptionA}{path}", sent?.DeepClone());
                var (unknownStatus, unknownAnswer, _) = await b.SendAsync(method, $"/rest/v1/events-subscriptions/{zeros}{unknown}{path}", sent?.DeepClone());
                Assert.True(status == HttpStatusCode.NotFound, $"{method} {zeros}{path}: {(int)status} {answer}");
                Assert.Equal(unknownStatus, status);
                Assert.Equal(Comparable(unknownAnswer, unknown), Comparable(answer, subscriptionA));
            }
        }
        // Nothing changed for A.
        var (_, own, _) = await a.SendAsync(HttpMethod.Get, $"/rest/v1/events-subscriptions/{subscriptionA}");
        Assert.Equal("ACTIVE", own.GetProperty("data").GetProperty("status").GetString());
        Assert.Equal(Subscription("x")["url"]!.GetValue<string>(), own.GetProperty("data").GetProperty("url").GetString());
    }

    [Fact]
    public async Task A_tenant_claim_that_is_not_a_name_or_a_token_without_subject_is_a_401_and_only_admin_names_another_tenant()
    {
        foreach (var token in new[]
        {
            service.TokenOfTenant("Acme!", "alice", ServiceCluster.AllScopes),
            service.TokenOfTenant(new string('a', 64), "alice", ServiceCluster.AllScopes),
            service.TokenOfTenant(tenantA, null, ServiceCluster.AllScopes),
        })
        {
            var (status, problem, _) = await new EventsClient(service, token).SendAsync(HttpMethod.Get, "/rest/v1/events-subscriptions");
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        }

        var a = Client(tenantA);
        var subscriptionA = await a.SubscribeAsync(Subscription("mine"));
        // A token may name its own tenant in X-Tenant, not another, unless it has scope admin.
        Assert.Equal(HttpStatusCode.OK, await GetAsync(service.TokenOfTenant(tenantA, "alice", ServiceCluster.AllScopes), tenantA, subscriptionA));
        Assert.Equal(HttpStatusCode.Forbidden, await GetAsync(service.TokenOfTenant(tenantB, "alice", ServiceCluster.AllScopes), tenantA, subscriptionA));
        var admin = service.TokenOfTenant(tenantB, "operator", [.. ServiceCluster.AllScopes, "admin"]);
        Assert.Equal(HttpStatusCode.OK, await GetAsync(admin, tenantA, subscriptionA));
        Assert.Equal(HttpStatusCode.NotFound, await GetAsync(admin, tenantB, subscriptionA));
        Assert.Equal(HttpStatusCode.BadRequest, await GetAsync(admin, "Not A Tenant", subscriptionA));
    }

    [Fact]
    public async Task A_tenants_own_limits_hold_all_its_callers_together()
    {
        // At most one subscription in the tenant, whoever creates it.
        var first = new EventsClient(service, service.TokenOfTenant("limited-tenant", "alice", ServiceCluster.AllScopes));
        var second = new EventsClient(service, service.TokenOfTenant("limited-tenant", "bob", ServiceCluster.AllScopes));
        var (created, _, _) = await first.SendAsync(HttpMethod.Post, "/rest/v1/events-subscriptions", Subscription("one"));
        Assert.Equal(HttpStatusCode.Created, created);
        var (refused, problem, _) = await second.SendAsync(HttpMethod.Post, "/rest/v1/events-subscriptions", Subscription("two"));
        Assert.Equal(HttpStatusCode.Conflict, refused);
        Assert.Contains("tenant", problem.GetProperty("detail").GetString());
        // Another tenant is not counted in it.
        var (other, _, _) = await Client(tenantA).SendAsync(HttpMethod.Post, "/rest/v1/events-subscriptions", Subscription("one"));
        Assert.Equal(HttpStatusCode.Created, other);

        // Two requests at once for the whole tenant, then one a second: two callers share that bucket.
        var statuses = new List<HttpStatusCode>();
        foreach (var subject in new[] { "carol", "dave", "carol", "dave" })
        {
            var api = new EventsClient(service, service.TokenOfTenant("slow-tenant", subject, ServiceCluster.AllScopes));
            statuses.Add((await api.SendAsync(HttpMethod.Get, "/rest/v1/events-subscriptions")).Status);
        }
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.Equal(HttpStatusCode.OK, statuses[0]);
    }

    [Fact]
    public async Task A_tenants_entity_limit_counts_its_own_entities_of_every_resource()
    {
        // At most three entities in the tenant: a region and two employees.
        var small = new EventsClient(service, service.TokenOfTenant("small-tenant", "alice", ServiceCluster.AllScopes));
        await small.RegionAsync(1, "root", null);
        await small.OkAsync(HttpMethod.Post, "/rest/v1/employees", new JsonObject { ["name"] = "first", ["region"] = 1 });
        await small.OkAsync(HttpMethod.Put, "/rest/v1/employees/50", new JsonObject { ["name"] = "second", ["region"] = 1 });
        var (refused, problem, _) = await small.SendAsync(HttpMethod.Post, "/rest/v1/employees", new JsonObject { ["name"] = "third" });
        Assert.Equal(HttpStatusCode.Conflict, refused);
        Assert.Contains("3 entities", problem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await small.SendAsync(HttpMethod.Put, "/rest/v1/employees/51", new JsonObject { ["name"] = "third" })).Status);
        // A change of an entity it holds is not a new one; another tenant is not counted in it.
        Assert.Equal(HttpStatusCode.OK, (await small.SendAsync(HttpMethod.Put, "/rest/v1/employees/50", new JsonObject { ["name"] = "renamed", ["region"] = 1 })).Status);
        await Client(tenantA).OkAsync(HttpMethod.Post, "/rest/v1/employees", new JsonObject { ["name"] = "elsewhere" });

        // A deleted entity frees its place once the tenant is counted again.
        await small.OkAsync(HttpMethod.Delete, "/rest/v1/employees/50");
        await Eventually.HoldsAsync(
            async () => (await small.SendAsync(HttpMethod.Put, "/rest/v1/employees/52", new JsonObject { ["name"] = "after" })).Status == HttpStatusCode.Created,
            TimeSpan.FromSeconds(40), "the deleted entity's place was never free again");
    }

    private async Task<HttpStatusCode> GetAsync(string token, string tenantHeader, long id)
    {
        using var request = service.Request(HttpMethod.Get, $"/rest/v1/events-subscriptions/{id}", token);
        request.Headers.Add("X-Tenant", tenantHeader);
        using var response = await service.Http.SendAsync(request);
        return response.StatusCode;
    }

    private static JsonObject Subscription(string customId)
    {
        var body = EventsClient.Subscription("entity:employees:updated", """{"filters": [{"tag": "context.region.1", "includeChildren": true}]}""");
        body["customId"] = customId;
        return body;
    }

    /// <summary>The answer without what differs between any two answers: the trace id, and the id asked for.</summary>
    private static string Comparable(JsonElement answer, long id)
    {
        if (answer.ValueKind != JsonValueKind.Object)
        {
            return answer.ToString();
        }
        var node = JsonNode.Parse(answer.GetRawText())!.AsObject();
        node.Remove("traceId");
        if (node["detail"]?.GetValue<string>() is { } detail)
        {
            node["detail"] = System.Text.RegularExpressions.Regex.Replace(detail, $@"\b0*{id}\b", "ID");
        }
        return node.ToJsonString();
    }
}
