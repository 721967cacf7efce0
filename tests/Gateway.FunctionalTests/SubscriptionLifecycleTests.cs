namespace EventsSubscriptions.Gateway.FunctionalTests;

[Trait("Category", "Functional")]
[Collection(ServiceClusterCollection.Name)]
public sealed class SubscriptionLifecycleTests(ServiceCluster service)
{
    private readonly SubscriptionsClient api = new(service);

    [Fact]
    public async Task Suspend_enable_and_archive_move_the_status_and_refuse_what_does_not_apply()
    {
        var created = await api.CreatedAsync(SubscriptionsClient.ValidBody());
        var path = $"{SubscriptionsClient.Path}/{created.Id}";

        var (noReason, _) = await api.ReadAsync(HttpMethod.Post, $"{path}/actions/suspend", new JsonObject());
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);

        var (suspended, suspendedBody) = await api.ReadAsync(HttpMethod.Post, $"{path}/actions/suspend", new JsonObject { ["reason"] = "receiver maintenance" });
        Assert.Equal(HttpStatusCode.OK, suspended.StatusCode);
        var item = suspendedBody.Data<SubscriptionView>();
        Assert.Equal("SUSPENDED", item.Status);
        Assert.Equal("receiver maintenance", item.StatusReason);
        Assert.True(item.UpdatedOn > created.UpdatedOn);
        Assert.Equal(created.CreatedOn, item.CreatedOn);

        var (again, _) = await api.ReadAsync(HttpMethod.Post, $"{path}/actions/suspend", new JsonObject { ["reason"] = "twice" });
        await GatewayTests.AssertProblemAsync(again, HttpStatusCode.Conflict);

        var (enabled, enabledBody) = await api.ReadAsync(HttpMethod.Post, $"{path}/actions/enable");
        Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
        var enabledItem = enabledBody.Data<SubscriptionView>();
        Assert.Equal("ACTIVE", enabledItem.Status);
        Assert.Null(enabledItem.StatusReason);
        var (enabledTwice, _) = await api.ReadAsync(HttpMethod.Post, $"{path}/actions/enable");
        await GatewayTests.AssertProblemAsync(enabledTwice, HttpStatusCode.Conflict);

        var (archived, archivedBody) = await api.ReadAsync(HttpMethod.Post, $"{path}/actions/archive");
        Assert.Equal(HttpStatusCode.OK, archived.StatusCode);
        Assert.Equal("ARCHIVED", archivedBody.Data<SubscriptionView>().Status);

        foreach (var action in new[] { "archive", "enable" })
        {
            var (refused, _) = await api.ReadAsync(HttpMethod.Post, $"{path}/actions/{action}");
            await GatewayTests.AssertProblemAsync(refused, HttpStatusCode.Conflict);
        }
        var (suspendArchived, _) = await api.ReadAsync(HttpMethod.Post, $"{path}/actions/suspend", new JsonObject { ["reason"] = "x" });
        await GatewayTests.AssertProblemAsync(suspendArchived, HttpStatusCode.Conflict);
        var (putArchived, _) = await api.ReadAsync(HttpMethod.Put, path, SubscriptionsClient.ValidBody());
        await GatewayTests.AssertProblemAsync(putArchived, HttpStatusCode.Conflict);
        var (unknown, _) = await api.ReadAsync(HttpMethod.Post, $"{path}/actions/explode");
        await GatewayTests.AssertProblemAsync(unknown, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Archived_subscriptions_are_hidden_from_the_list_unless_asked_for_and_free_their_custom_id()
    {
        var customId = $"archived-{Guid.NewGuid():N}";
        var created = await api.CreatedAsync(SubscriptionsClient.ValidBody(customId));
        var id = created.Id;
        await api.ReadAsync(HttpMethod.Post, $"{SubscriptionsClient.Path}/{id}/actions/archive");

        Assert.Equal(0, (await api.ListAsync($"customId={customId}")).Meta.Count);
        var inactive = await api.ListAsync($"customId={customId}&includeInactive=true");
        Assert.Equal(id, inactive.Data[0].Id);
        Assert.Equal(1, (await api.ListAsync($"customId={customId}&status=ARCHIVED")).Meta.Count);

        var again = await api.CreatedAsync(SubscriptionsClient.ValidBody(customId));
        Assert.NotEqual(id, again.Id);
    }

    [Fact]
    public async Task Fifty_concurrent_creates_get_fifty_distinct_increasing_ids()
    {
        var items = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => api.CreatedAsync(SubscriptionsClient.ValidBody())));

        var ids = items.Select(i => i.Id).ToList();
        Assert.Equal(50, ids.Distinct().Count());
        Assert.All(ids, id => Assert.True(id > 0));
        // Increasing: a subscription created after them all has a higher id than each of them.
        var later = (await api.CreatedAsync(SubscriptionsClient.ValidBody())).Id;
        Assert.True(later > ids.Max(), $"{later} is not above {ids.Max()}");
    }

    [Fact]
    public async Task Ten_concurrent_creates_with_one_custom_id_give_one_201_and_nine_409()
    {
        var customId = $"race-{Guid.NewGuid():N}";

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => api.CreateAsync(SubscriptionsClient.ValidBody(customId))));

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(9, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        Assert.Equal(1, (await api.ListAsync($"customId={customId}")).Meta.Count);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task Put_replaces_everything_and_needs_the_secret_patch_merges()
    {
        var created = await api.CreatedAsync(SubscriptionsClient.ValidBody());
        var path = $"{SubscriptionsClient.Path}/{created.Id}";

        var replacement = SubscriptionsClient.ValidBody(created.CustomId);
        replacement["name"] = "replaced";
        replacement.Remove("secret");
        var (noSecret, noSecretBody) = await api.ReadAsync(HttpMethod.Put, path, replacement);
        Assert.Equal(HttpStatusCode.BadRequest, noSecret.StatusCode);
        Assert.Contains("secret", noSecretBody.As<ProblemView>().Errors!.Keys);

        replacement["secret"] = "a-brand-new-secret-value";
        replacement["language"] = "de";
        var (put, putBody) = await api.ReadAsync(HttpMethod.Put, path, replacement);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var putItem = putBody.Data<SubscriptionView>();
        Assert.Equal("replaced", putItem.Name);
        Assert.Equal("de", putItem.Language);

        var (patched, patchedBody) = await api.ReadAsync(HttpMethod.Patch, path,
            JsonNode.Parse("""{"name": "patched", "language": null, "delivery": {"maxInFlight": 2}}"""));
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var item = patchedBody.Data<SubscriptionView>();
        Assert.Equal("patched", item.Name);
        Assert.Equal("en-US", item.Language);
        Assert.Equal(2, item.Delivery.MaxInFlight);
        Assert.Equal(15, item.Delivery.TimeoutSeconds);
        Assert.Equal("https://hooks.events.test/hr", item.Url);

        var (unknownField, unknownBody) = await api.ReadAsync(HttpMethod.Patch, path, JsonNode.Parse("""{"colour": "blue"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, unknownField.StatusCode);
        Assert.Contains("colour", unknownBody.As<ProblemView>().Errors!.Keys);
        var (_, unchanged) = await api.ReadAsync(HttpMethod.Get, path);
        Assert.Equal("patched", unchanged.Data<SubscriptionView>().Name);
    }

    [Fact]
    public async Task A_change_of_custom_id_to_one_in_use_is_a_409()
    {
        var first = await api.CreatedAsync(SubscriptionsClient.ValidBody());
        var second = await api.CreatedAsync(SubscriptionsClient.ValidBody());

        var (response, _) = await api.ReadAsync(HttpMethod.Patch, $"{SubscriptionsClient.Path}/{second.Id}",
            new JsonObject { ["customId"] = first.CustomId });

        await GatewayTests.AssertProblemAsync(response, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Unknown_and_malformed_ids_are_404()
    {
        foreach (var id in new[] { "999999999", "abc", "-1", "0" })
        {
            var (response, _) = await api.ReadAsync(HttpMethod.Get, $"{SubscriptionsClient.Path}/{id}");
            await GatewayTests.AssertProblemAsync(response, HttpStatusCode.NotFound);
        }
    }

    [Fact]
    public async Task A_malformed_id_is_the_404_of_an_unknown_id_on_every_route()
    {
        foreach (var bad in new[] { "abc", "-1", "0", "+1", "1.0", "99999999999999999999" })
        {
            foreach (var (method, path, body) in new (HttpMethod, string, JsonNode?)[]
                     {
                         (HttpMethod.Get, "", null),
                         (HttpMethod.Get, "/logs", null),
                         (HttpMethod.Put, "", SubscriptionsClient.ValidBody()),
                         (HttpMethod.Patch, "", new JsonObject { ["name"] = "x" }),
                         (HttpMethod.Post, "/actions/suspend", new JsonObject { ["reason"] = "x" }),
                         (HttpMethod.Post, "/actions/enable", null),
                         (HttpMethod.Post, "/actions/archive", null),
                         (HttpMethod.Post, "/actions/test", null),
                         (HttpMethod.Post, "/actions/replay", new JsonObject { ["since"] = "2024-01-01" }),
                         (HttpMethod.Post, "/actions/explode", null),
                     })
            {
                var (response, problem) = await api.ReadAsync(method, $"{SubscriptionsClient.Path}/{bad}{path}", body);
                await GatewayTests.AssertProblemAsync(response, HttpStatusCode.NotFound);
                Assert.Equal($"There is no events subscription with id '{bad}'.", problem.As<ProblemView>().Detail);
            }
        }
    }

    [Fact]
    public async Task Each_action_reads_its_own_body_naming_each_field_at_fault_and_an_unknown_action_lists_them()
    {
        var path = $"{SubscriptionsClient.Path}/{(await api.CreatedAsync(SubscriptionsClient.ValidBody())).Id}/actions";

        var (noBody, noBodyProblem) = await api.ReadAsync(HttpMethod.Post, $"{path}/suspend");
        await GatewayTests.AssertProblemAsync(noBody, HttpStatusCode.BadRequest);
        Assert.Equal("A JSON body is required.", noBodyProblem.As<ProblemView>().Detail);
        using var text = await api.SendAsync(HttpMethod.Post, $"{path}/replay", JsonValue.Create("since yesterday"), contentType: "text/plain");
        await GatewayTests.AssertProblemAsync(text, HttpStatusCode.UnsupportedMediaType);

        foreach (var (action, body, fields) in new (string, string, string[])[]
                 {
                     ("suspend", """{"reason": " ", "since": "2024-01-01"}""", ["reason", "since"]),
                     ("suspend", "{}", ["reason"]),
                     ("replay", """{"reason": "x"}""", ["reason", "since"]),
                     ("replay", """{"since": "2024-01-02", "until": "2024-01-01", "onlyFailed": "yes"}""", ["onlyFailed", "until"]),
                     ("enable", """{"reason": "x"}""", ["reason"]),
                     ("archive", """{"reason": 5}""", ["reason"]),
                 })
        {
            using var response = await api.SendAsync(HttpMethod.Post, $"{path}/{action}", JsonNode.Parse(body));
            var errors = await SubscriptionValidationTests.AssertValidationProblemAsync(response);
            Assert.Equal(fields, errors.Order(StringComparer.Ordinal));
        }

        var (unknown, unknownProblem) = await api.ReadAsync(HttpMethod.Post, $"{path}/explode");
        await GatewayTests.AssertProblemAsync(unknown, HttpStatusCode.NotFound);
        Assert.Equal("There is no action 'explode'; the actions are suspend, enable, archive, test, replay, backfill, cancel-backfill.", unknownProblem.As<ProblemView>().Detail);
        var (archived, _) = await api.ReadAsync(HttpMethod.Post, $"{path}/archive");
        Assert.Equal(HttpStatusCode.OK, archived.StatusCode);
    }

    [Fact]
    public async Task The_list_filters_sorts_and_pages()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var names = new[] { "delta", "alpha", "echo", "charlie", "bravo" };
        var ids = new List<long>();
        foreach (var name in names)
        {
            var body = SubscriptionsClient.ValidBody($"{tag}-{name}");
            body["name"] = $"{name} {tag}";
            ids.Add((await api.CreatedAsync(body)).Id);
        }
        await api.ReadAsync(HttpMethod.Post, $"{SubscriptionsClient.Path}/{ids[2]}/actions/suspend", new JsonObject { ["reason"] = "r" });

        var page = await api.ListAsync($"customId:startswith={tag}&sort=-name&limit=2&offset=1");
        Assert.Equal(new ListMeta(Count: 5, ItemCount: 2, Limit: 2, Offset: 1), page.Meta);
        Assert.Equal([$"delta {tag}", $"charlie {tag}"], page.Data.Select(i => i.Name));

        var byIds = await api.ListAsync($"id:in={ids[0]},{ids[4]}&sort=id");
        Assert.Equal([ids[0], ids[4]], byIds.Data.Select(i => i.Id));

        var contains = await api.ListAsync($"name:contains=HARLIE {tag.ToUpperInvariant()}");
        Assert.Equal(ids[3], contains.Data.Single().Id);

        var suspended = await api.ListAsync($"customId:startswith={tag}&status=suspended");
        Assert.Equal(ids[2], suspended.Data.Single().Id);

        var notSuspended = await api.ListAsync($"customId:startswith={tag}&status:not=SUSPENDED&sort=-id");
        Assert.Equal(ids.Where(i => i != ids[2]).Reverse(), notSuspended.Data.Select(i => i.Id));

        var after = await api.ListAsync($"customId:startswith={tag}&id:gt={ids[3]}");
        Assert.Equal([ids[4]], after.Data.Select(i => i.Id));

        foreach (var bad in new[] { "colour=blue", "sort=secret", "limit=0", "limit=1001", "offset=-1", "id=abc", "status=PAUSED", "name:approx=x", "includeInactive=maybe" })
        {
            var (response, body) = await api.ReadAsync(HttpMethod.Get, $"{SubscriptionsClient.Path}?{bad}");
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{bad}: {(int)response.StatusCode}");
            Assert.Single(body.As<ProblemView>().Errors!);
        }
    }

    [Fact]
    public async Task Subscriptions_survive_a_full_cluster_restart()
    {
        var created = await api.CreatedAsync(SubscriptionsClient.ValidBody());
        var id = created.Id;
        await api.ReadAsync(HttpMethod.Post, $"{SubscriptionsClient.Path}/{id}/actions/suspend", new JsonObject { ["reason"] = "before restart" });

        await service.RestartSilosAsync();

        var (response, body) = await api.ReadAsync(HttpMethod.Get, $"{SubscriptionsClient.Path}/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var item = body.Data<SubscriptionView>();
        Assert.Equal(created.CustomId, item.CustomId);
        Assert.Equal("SUSPENDED", item.Status);
        Assert.Equal("before restart", item.StatusReason);
        var (enable, _) = await api.ReadAsync(HttpMethod.Post, $"{SubscriptionsClient.Path}/{id}/actions/enable");
        Assert.Equal(HttpStatusCode.OK, enable.StatusCode);

        var next = await api.CreatedAsync(SubscriptionsClient.ValidBody());
        Assert.True(next.Id > id);
        using var duplicate = await api.CreateAsync(SubscriptionsClient.ValidBody(created.CustomId));
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
    }
}
