namespace EventsSubscriptions.Gateway.FunctionalTests;

[Trait("Category", "Functional")]
[Collection(ServiceClusterCollection.Name)]
public sealed class EventRoutingTests(ServiceCluster service) : IAsyncLifetime
{
    private readonly EventsClient api = new(service);

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>The subscriptions of a test are archived with it: none goes on retrying its deliveries while later tests run.</summary>
    public Task DisposeAsync() => api.ArchiveSubscribedAsync();

    private static long NewRegionBase() => Random.Shared.NextInt64(1, 1_000_000) * 100;

    private static string NewResource(string stem) => $"{stem}-{Guid.NewGuid():N}"[..24];

    [Fact]
    public async Task Each_subscription_queues_exactly_the_events_it_matches_with_the_entity_as_get_renders_it()
    {
        var r = NewRegionBase();
        await api.RegionAsync(r + 1, "root", null);
        await api.RegionAsync(r + 2, "level 2", r + 1);
        await api.RegionAsync(r + 3, "level 3", r + 2);
        await api.RegionAsync(r + 4, "level 4", r + 3);
        await api.RegionAsync(r + 5, "sibling", r + 1);
        var res = NewResource("staff");
        string Scope(string tag, bool children = false, string exclusions = "") =>
            $$"""{"filters": [{"tag": "{{tag}}", "includeChildren": {{(children ? "true" : "false")}}}], "exclusions": [{{exclusions}}]}""";

        var a = await api.SubscribeAsync(EventsClient.Subscription($"entity:{res}:created", Scope($"context.region.{r + 2}", children: true)));
        var b = await api.SubscribeAsync(EventsClient.Subscription($"entity:{res}:created", Scope($"context.region.{r + 2}")));
        var c = await api.SubscribeAsync(EventsClient.Subscription($"entity:{res}:created", Scope("context.*", exclusions: $"\"context.region.{r + 3}\"")));
        var d = await api.SubscribeAsync(EventsClient.Subscription($"entity:{res}:created entity:{res}:updated", Scope($"context.region.{r + 1}", children: true),
            filters: """{"salary:gte": 1000}""", entityResponse: """{"include": ["region"], "fields": ["id", "firstName", "region.name:regionName"]}"""));
        var e = await api.SubscribeAsync(EventsClient.Subscription($"entity:{res}:updated", Scope("context.*")));
        var f = await api.SubscribeAsync(EventsClient.Subscription("entity:other-things:created", Scope("context.*")));
        var g = await api.SubscribeAsync(EventsClient.Subscription($"entity:{res}:created", Scope("context.*")));
        var h = await api.SubscribeAsync(EventsClient.Subscription($"entity:{res}:created", Scope("context.*")));
        await api.OkAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{g}/actions/archive");
        await api.OkAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{h}/actions/suspend", new JsonObject { ["reason"] = "still queues" });

        async Task<(long Id, string EventId)> Hire(string name, long? region, int salary)
        {
            var (status, body, eventId) = await api.SendAsync(HttpMethod.Post, $"/rest/v1/{res}",
                new JsonObject { ["firstName"] = name, ["region"] = region, ["salary"] = salary });
            Assert.Equal(HttpStatusCode.Created, status);
            return (body.Data<CreatedEntityView>().Id, eventId!);
        }
        var e1 = await Hire("Ann", r + 2, 500);
        var e2 = await Hire("Bob", r + 3, 1500);
        var e3 = await Hire("Cid", r + 4, 2000);
        var e4 = await Hire("Dee", r + 5, 1200);
        var e5 = await Hire("Eve", null, 3000);
        var raised = await api.OkAsync(HttpMethod.Patch, $"/rest/v1/{res}/{e2.Id}", new JsonObject { ["salary"] = 900 });
        await api.SettleAsync(res, e1.Id, e2.Id, e3.Id, e4.Id, e5.Id);

        await AssertQueuedAsync(h, e1.EventId, e2.EventId, e3.EventId, e4.EventId, e5.EventId);
        await AssertQueuedAsync(a, e1.EventId, e2.EventId, e3.EventId);
        await AssertQueuedAsync(b, e1.EventId);
        await AssertQueuedAsync(c, e1.EventId, e4.EventId, e5.EventId);
        await AssertQueuedAsync(d, e2.EventId, e3.EventId, e4.EventId);
        await AssertQueuedAsync(e, raised!);
        await AssertQueuedAsync(f);
        await AssertQueuedAsync(g);

        foreach (var row in await api.QueuedAsync(d))
        {
            var entityId = long.Parse(row.EntityKey.Split('/')[1]);
            var (_, rendered, _) = await api.SendAsync(HttpMethod.Get, $"/rest/v1/{res}/{entityId}?include=region&fields=id,firstName,region.name:regionName");
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(rendered.GetProperty("data").GetRawText()), row.Body["data"]), row.Body.ToJsonString());
            var meta = row.Body["meta"]!.AsObject();
            Assert.Equal($"entity:{res}:created", meta["event"]!.GetValue<string>());
            Assert.Equal(row.EventId, meta["eventId"]!.GetValue<string>());
            Assert.Equal(d, meta["subscription"]!.GetValue<long>());
            Assert.Equal("en-US", meta["language"]!.GetValue<string>());
            Assert.True(DateTime.TryParse(meta["occurredOn"]!.GetValue<string>(), out _));
        }
        var (_, item, _) = await api.SendAsync(HttpMethod.Get, $"/rest/v1/events-subscriptions/{h}");
        Assert.Equal(5, item.Data<SubscriptionView>().Health.PendingDeliveries);
    }

    [Fact]
    public async Task A_deep_chain_routes_by_its_whole_path_and_its_tree_is_viewed_20_levels_at_a_time()
    {
        const int depth = 40;
        var r = NewRegionBase();
        for (var level = 1; level <= depth; level++)
        {
            await api.RegionAsync(r + level, $"level {level}", level == 1 ? null : r + level - 1);
        }
        await api.RegionAsync(r + 50, "other root", null);
        var res = NewResource("posts");
        var top = await api.SubscribeAsync(EventsClient.Subscription($"entity:{res}:updated",
            $$"""{"filters": [{"tag": "context.region.{{r + 1}}", "includeChildren": true}]}"""));
        var other = await api.SubscribeAsync(EventsClient.Subscription($"entity:{res}:updated",
            $$"""{"filters": [{"tag": "context.region.{{r + 50}}", "includeChildren": true}]}"""));
        await api.OkAsync(HttpMethod.Put, $"/rest/v1/{res}/1", new JsonObject { ["name"] = "deep", ["region"] = r + depth });

        var first = await api.OkAsync(HttpMethod.Patch, $"/rest/v1/{res}/1", new JsonObject { ["note"] = "first" });
        await api.OkAsync(HttpMethod.Patch, $"/rest/v1/regions/{r + 10}", new JsonObject { ["parentRegion"] = r + 50 });
        var second = await api.OkAsync(HttpMethod.Patch, $"/rest/v1/{res}/1", new JsonObject { ["note"] = "second" });
        await api.SettleAsync(res, 1);
        await AssertQueuedAsync(top, first!);
        await AssertQueuedAsync(other, second!);

        // The view lists the region and 20 levels below it; the last listed says a child is left.
        var (status, tree, _) = await api.SendAsync(HttpMethod.Get, $"/rest/v1/regions/{r + 50}/tree");
        Assert.Equal(HttpStatusCode.OK, status);
        var node = tree.GetProperty("data");
        for (var level = 0; level < 20; level++)
        {
            Assert.Equal(1, node.GetProperty("childCount").GetInt32());
            node = node.GetProperty("children")[0];
        }
        Assert.Equal(r + 29, node.GetProperty("id").GetInt64());
        Assert.Equal((1, 0), (node.GetProperty("childCount").GetInt32(), node.GetProperty("children").GetArrayLength()));
        var (_, rest, _) = await api.SendAsync(HttpMethod.Get, $"/rest/v1/regions/{r + 29}/tree");
        Assert.Equal("level 30", rest.GetProperty("data").GetProperty("children")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task Moving_a_subtree_changes_routing_for_events_accepted_after_the_move()
    {
        var r = NewRegionBase();
        await api.RegionAsync(r + 1, "root", null);
        await api.RegionAsync(r + 2, "east", r + 1);
        await api.RegionAsync(r + 3, "west", r + 1);
        await api.RegionAsync(r + 4, "branch", r + 2);
        await api.RegionAsync(r + 5, "leaf", r + 4);
        var res = NewResource("guards");
        var east = await api.SubscribeAsync(EventsClient.Subscription($"entity:{res}:updated",
            $$"""{"filters": [{"tag": "context.region.{{r + 2}}", "includeChildren": true}]}"""));
        var west = await api.SubscribeAsync(EventsClient.Subscription($"entity:{res}:updated",
            $$"""{"filters": [{"tag": "context.region.{{r + 3}}", "includeChildren": true}]}"""));
        var (_, created, _) = await api.SendAsync(HttpMethod.Post, $"/rest/v1/{res}", new JsonObject { ["name"] = "Sam", ["region"] = r + 5 });
        var guard = created.Data<CreatedEntityView>().Id;

        var before = await api.OkAsync(HttpMethod.Patch, $"/rest/v1/{res}/{guard}", new JsonObject { ["note"] = "before" });
        await api.OkAsync(HttpMethod.Patch, $"/rest/v1/regions/{r + 4}", new JsonObject { ["parentRegion"] = r + 3 });
        var after = await api.OkAsync(HttpMethod.Patch, $"/rest/v1/{res}/{guard}", new JsonObject { ["note"] = "after" });
        await api.SettleAsync(res, guard);

        await AssertQueuedAsync(east, before!);
        await AssertQueuedAsync(west, after!);
        var (_, leaf, _) = await api.SendAsync(HttpMethod.Get, $"/rest/v1/regions/{r + 5}?include=parentRegion.parentRegion&fields=parentRegion.parentRegion.name:grandparent");
        Assert.Equal("west", leaf.GetProperty("data").GetProperty("grandparent").GetString());
    }

    [Fact]
    public async Task Subscription_changes_apply_to_events_accepted_after_the_call_returned()
    {
        var res = NewResource("crew");
        var witness = await api.SubscribeAsync(EventsClient.Subscription($"entity:{res}:created entity:{res}:updated", """{"filters": [{"tag": "context.*"}]}"""));
        var subject = await api.SubscribeAsync(EventsClient.Subscription($"entity:{res}:created", """{"filters": [{"tag": "context.*"}]}"""));
        var first = await api.OkAsync(HttpMethod.Put, $"/rest/v1/{res}/1", new JsonObject { ["name"] = "one" });
        // Only events accepted after a change are promised to see it: let the earlier ones be routed first.
        await api.SettleAsync(res, 1);
        await AssertQueuedAsync(witness, first!);

        await api.OkAsync(HttpMethod.Patch, $"/rest/v1/events-subscriptions/{subject}", JsonNode.Parse($$"""{"events": ["entity:{{res}}:updated"]}"""));
        var second = await api.OkAsync(HttpMethod.Put, $"/rest/v1/{res}/2", new JsonObject { ["name"] = "two" });
        var third = await api.OkAsync(HttpMethod.Patch, $"/rest/v1/{res}/2", new JsonObject { ["name"] = "deux" });
        await api.SettleAsync(res, 1, 2);
        await AssertQueuedAsync(witness, first!, second!, third!);

        await api.OkAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{subject}/actions/archive");
        var fourth = await api.OkAsync(HttpMethod.Patch, $"/rest/v1/{res}/1", new JsonObject { ["name"] = "un" });
        await api.SettleAsync(res, 1, 2);

        await AssertQueuedAsync(witness, first!, second!, third!, fourth!);
        await AssertQueuedAsync(subject, first!, third!);
    }

    [Fact]
    public async Task A_thousand_events_over_ten_entities_are_queued_in_acceptance_order_per_entity()
    {
        var res = NewResource("tickets");
        var subscription = await api.SubscribeAsync(EventsClient.Subscription($"entity:{res}:updated", """{"filters": [{"tag": "context.*"}]}"""));
        var accepted = new Dictionary<long, List<string>>();
        for (var entity = 1; entity <= 10; entity++)
        {
            await api.OkAsync(HttpMethod.Put, $"/rest/v1/{res}/{entity}", new JsonObject { ["counter"] = 0 });
            accepted[entity] = [];
        }

        await Task.WhenAll(accepted.Keys.Select(async entity =>
        {
            for (var counter = 1; counter <= 100; counter++)
            {
                accepted[entity].Add((await api.OkAsync(HttpMethod.Patch, $"/rest/v1/{res}/{entity}", new JsonObject { ["counter"] = counter }))!);
            }
        }));

        await api.QueuedAsync(subscription, 1000, TimeSpan.FromSeconds(120));
        await api.SettleAsync(res, [.. accepted.Keys]);
        var queued = await api.QueuedAsync(subscription);
        Assert.Equal(1000, queued.Count);
        foreach (var (entity, eventIds) in accepted)
        {
            var rows = queued.Where(q => q.EntityKey == $"{res}/{entity}").ToList();
            Assert.Equal(eventIds, rows.Select(q => q.EventId));
            Assert.Equal(Enumerable.Range(1, 100), rows.Select(q => q.Body["data"]!["counter"]!.GetValue<int>()));
            Assert.Equal(Enumerable.Range(2, 100).Select(i => (long)i), rows.Select(q => q.EntitySequence));
        }
    }

    [Fact]
    public async Task Bad_input_on_the_data_api_is_a_400_that_stores_nothing_and_fires_nothing()
    {
        var r = NewRegionBase();
        await api.RegionAsync(r + 1, "top", null);
        await api.RegionAsync(r + 2, "below", r + 1);
        var res = NewResource("assets");
        var witness = await api.SubscribeAsync(EventsClient.Subscription($"entity:{res}:created entity:{res}:updated",
            """{"filters": [{"tag": "context.*"}]}"""));
        await api.OkAsync(HttpMethod.Put, $"/rest/v1/{res}/1", new JsonObject { ["name"] = "kept", ["region"] = r + 1 });
        // What the database holds of this test's entities and regions: each row's key, sequence and last change.
        Task<string> StoredAsync() => service.ScalarAsync<string>("""
            SELECT string_agg(resource || '/' || id || ' ' || sequence || ' ' || modified_on, '; ' ORDER BY resource, id) FROM entity_state
            WHERE service_id = $1 AND (resource = $2 OR (resource = 'regions' AND id BETWEEN $3 AND $4))
            """, service.ServiceId, res, r, r + 99);
        var stored = await StoredAsync();
        Assert.Contains($"{res}/1 ", stored);
        Assert.Contains($"regions/{r + 2} ", stored);

        var attempts = new (HttpMethod Method, string Path, JsonNode? Body, string Field)[]
        {
            (HttpMethod.Put, $"/rest/v1/{res}/2", new JsonObject { ["region"] = r + 99 }, "region"),
            (HttpMethod.Post, $"/rest/v1/{res}", new JsonObject { ["region"] = "north" }, "region"),
            (HttpMethod.Patch, $"/rest/v1/{res}/1", new JsonObject { ["region"] = -3 }, "region"),
            (HttpMethod.Patch, $"/rest/v1/{res}/1", new JsonObject { ["region"] = r + 99 }, "region"),
            (HttpMethod.Post, $"/rest/v1/{res}", new JsonObject { ["id"] = 5, ["name"] = "x" }, "id"),
            (HttpMethod.Put, $"/rest/v1/{res}/3", new JsonObject { ["id"] = 4 }, "id"),
            (HttpMethod.Patch, $"/rest/v1/regions/{r + 1}", new JsonObject { ["parentRegion"] = r + 2 }, "parentRegion"),
            (HttpMethod.Patch, $"/rest/v1/regions/{r + 1}", new JsonObject { ["parentRegion"] = r + 1 }, "parentRegion"),
            (HttpMethod.Put, $"/rest/v1/regions/{r + 3}", new JsonObject { ["name"] = "orphan", ["parentRegion"] = r + 98 }, "parentRegion"),
            (HttpMethod.Put, $"/rest/v1/regions/{r + 3}", new JsonObject { ["parentRegion"] = r + 1 }, "name"),
            (HttpMethod.Get, $"/rest/v1/{res}/1?include=colour", null, "include"),
            (HttpMethod.Get, $"/rest/v1/{res}/1?fields=a..b", null, "fields"),
        };
        foreach (var (method, path, body, field) in attempts)
        {
            var (status, problem, eventId) = await api.SendAsync(method, path, body);
            Assert.True(status == HttpStatusCode.BadRequest, $"{method} {path}: {(int)status} {problem}");
            Assert.True(problem.As<ProblemView>().Errors?.ContainsKey(field) == true, $"{method} {path}: {problem}");
            Assert.Null(eventId);
        }
        foreach (var path in new[] { $"/rest/v1/{res}/abc", $"/rest/v1/{res}/0", $"/rest/v1/{res}/1.5" })
        {
            var (status, _, _) = await api.SendAsync(HttpMethod.Get, path);
            Assert.Equal(HttpStatusCode.BadRequest, status);
        }
        // Nothing stored: the same rows, unchanged, in the database.
        Assert.Equal(stored, await StoredAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await api.SendAsync(HttpMethod.Get, $"/rest/v1/{res}/2")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await api.SendAsync(HttpMethod.Get, $"/rest/v1/regions/{r + 3}")).Status);
        var (_, kept, _) = await api.SendAsync(HttpMethod.Get, $"/rest/v1/{res}/1");
        Assert.Equal(r + 1, kept.Data<RegionalEntityView>().Region);
        var (_, top, _) = await api.SendAsync(HttpMethod.Get, $"/rest/v1/regions/{r + 1}");
        Assert.Null(top.Data<RegionView>().ParentRegion);

        var last = await api.OkAsync(HttpMethod.Patch, $"/rest/v1/{res}/1", new JsonObject { ["name"] = "still here" });
        await api.SettleAsync(res, 1);
        var queued = await api.QueuedAsync(witness);
        Assert.Equal(2, queued.Count);
        Assert.Equal(last, queued[^1].EventId);
    }

    [Fact]
    public async Task A_patch_that_changes_nothing_fires_nothing_and_delete_and_actions_fire_with_the_last_state()
    {
        var res = NewResource("vehicles");
        var witness = await api.SubscribeAsync(EventsClient.Subscription(
            $"entity:{res}:created entity:{res}:updated entity:{res}:deleted entity:{res}:clock-in", """{"filters": [{"tag": "context.*"}]}"""));
        var created = await api.OkAsync(HttpMethod.Put, $"/rest/v1/{res}/7", new JsonObject { ["plate"] = "ABC" });
        // Changing nothing fires nothing; the answer names the event that made the entity so.
        Assert.Equal(created, await api.OkAsync(HttpMethod.Patch, $"/rest/v1/{res}/7", new JsonObject { ["plate"] = "ABC" }));
        Assert.Equal(created, await api.OkAsync(HttpMethod.Put, $"/rest/v1/{res}/7", new JsonObject { ["plate"] = "ABC" }));
        var action = await api.OkAsync(HttpMethod.Post, $"/rest/v1/{res}/7/actions/clock-in", new JsonObject { ["at"] = "gate 2" });
        var deleted = await api.OkAsync(HttpMethod.Delete, $"/rest/v1/{res}/7");

        // Every event here is entity 7's, and reaches the witness in order: one fired by the PATCH or
        // PUT that changed nothing would be among the first three rows. (No entity is left to settle.)
        var queued = await api.QueuedAsync(witness, 3);
        Assert.Equal([created, action, deleted], queued.Select(q => q.EventId));
        Assert.Equal(["entity:" + res + ":created", "entity:" + res + ":clock-in", "entity:" + res + ":deleted"], queued.Select(q => q.EventName));
        Assert.Equal("ABC", queued[^1].Body["data"]!["plate"]!.GetValue<string>());
        // The action's body goes with its event, after data; the other events have none.
        Assert.Equal("""{"at":"gate 2"}""", queued[1].Body["actionBody"]!.ToJsonString());
        Assert.False(queued[0].Body.ContainsKey("actionBody") || queued[2].Body.ContainsKey("actionBody"));
        Assert.Equal(HttpStatusCode.NotFound, (await api.SendAsync(HttpMethod.Get, $"/rest/v1/{res}/7")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await api.SendAsync(HttpMethod.Delete, $"/rest/v1/{res}/7")).Status);
    }

    /// <summary>Exactly these events, no more: call once the events' routers are settled (<see cref="EventsClient.SettleAsync"/>).</summary>
    private async Task AssertQueuedAsync(long subscription, params string[] eventIds) =>
        Assert.Equal(eventIds.Order(), (await api.QueuedAsync(subscription)).Select(q => q.EventId).Order());
}
