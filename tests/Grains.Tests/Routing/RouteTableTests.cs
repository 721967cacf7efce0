using EventsSubscriptions.Grains.Interfaces.Filters;
using EventsSubscriptions.Grains.Routing;

namespace EventsSubscriptions.Grains.Tests.Routing;

[Trait("Category", "Unit")]
public sealed class RouteTableTests
{
    private static SubscriptionRoute Route(long id, params string[] triggers) =>
        new(id, triggers, new RegionScope([new ScopeFilter(null, false)], []), [], SubscriptionStatus.Active);

    private static SubscriptionIndexSnapshot Snapshot(long version, params SubscriptionRoute[] routes) => new("employees", version, routes);

    private static long[] Ids(RouteTable table, string trigger) =>
        table.ByTrigger.TryGetValue(trigger, out var routes) ? [.. routes.All.Select(r => r.SubscriptionId)] : [];

    [Fact]
    public void Changes_rebuild_the_triggers_of_the_changed_subscriptions_alone_and_share_the_others()
    {
        var table = new RouteTable(Snapshot(10, Route(1, "created"), Route(2, "created", "updated"), Route(3, "deleted")));

        // 2 no longer listens to "created"; 4 is new; 1 is gone.
        var next = table.Apply(new SubscriptionIndexChanges(10, 13, [Route(2, "updated"), Route(4, "created")], [1], null));

        Assert.Equal(13, next.Version);
        Assert.Equal([4L], Ids(next, "created"));
        Assert.Equal([2L], Ids(next, "updated"));
        Assert.Same(table.ByTrigger["deleted"], next.ByTrigger["deleted"]);
        Assert.Equal(3, next.Count);
        // The table it came from is as it was: routers still matching against it are not disturbed.
        Assert.Equal([1L, 2L], Ids(table, "created"));
    }

    [Fact]
    public void A_trigger_left_with_no_route_is_gone_and_routes_stay_in_subscription_order()
    {
        var table = new RouteTable(Snapshot(1, Route(5, "created"), Route(9, "created")));

        var added = table.Apply(new SubscriptionIndexChanges(1, 2, [Route(7, "created"), Route(3, "created")], [], null));
        var next = added.Apply(new SubscriptionIndexChanges(2, 4, [], [3, 5, 7, 9], null));

        Assert.Equal([3L, 5L, 7L, 9L], Ids(added, "created"));
        Assert.False(next.ByTrigger.ContainsKey("created"));
        Assert.Equal(0, next.Count);
    }

    [Fact]
    public void The_silos_table_takes_changes_from_its_version_on_never_goes_back_and_asks_again_when_they_start_later()
    {
        var cache = new RouteTableCache();
        Assert.Null(cache.Apply("employees", new SubscriptionIndexChanges(5, 6, [Route(1, "created")], [], null)));
        var whole = cache.Apply("employees", new SubscriptionIndexChanges(0, 6, [], [], Snapshot(6, Route(1, "created"))))!;

        // Changes from 5 to 8 hold every subscription changed after 5: valid on the table at 6.
        var at8 = cache.Apply("employees", new SubscriptionIndexChanges(5, 8, [Route(2, "created")], [1], null))!;
        Assert.Equal(8, at8.Version);
        Assert.Equal([2L], Ids(at8, "created"));
        // An answer that arrives late (older) leaves the table where it is.
        Assert.Same(at8, cache.Apply("employees", new SubscriptionIndexChanges(6, 7, [Route(1, "created")], [], null)));
        Assert.Same(at8, cache.Apply("employees", new SubscriptionIndexChanges(0, 7, [], [], Snapshot(7, Route(1, "created")))));
        // Changes that start after the table's version cannot be applied: ask again from it.
        Assert.Null(cache.Apply("employees", new SubscriptionIndexChanges(9, 10, [], [2], null)));
        Assert.NotSame(whole, cache.Get("employees"));
    }

    [Fact]
    public void An_events_candidates_are_the_routes_of_the_regions_on_its_path_and_of_every_region_alone()
    {
        static SubscriptionRoute Scoped(long id, params ScopeFilter[] filters) => new(id, ["created"], new RegionScope(filters, []), [], SubscriptionStatus.Active);
        var routes = TriggerRoutes.Build(
        [
            Scoped(1, new ScopeFilter(null, false)),
            Scoped(2, new ScopeFilter(3, true)),
            Scoped(3, new ScopeFilter(3, false)),
            Scoped(4, new ScopeFilter(5, false), new ScopeFilter(3, true)),
            Scoped(5, new ScopeFilter(9, true)),
        ]);
        var none = new EntityFields("{}");

        // An entity of region 5, below 3, below 1.
        Assert.Equal([1L, 2L, 4L], routes.Candidates([5, 3, 1], none).Select(r => r.SubscriptionId));
        Assert.Equal([1L, 2L, 3L, 4L], routes.Candidates([3, 1], none).Select(r => r.SubscriptionId));
        Assert.Equal([1L], routes.Candidates([], none).Select(r => r.SubscriptionId));
    }

    [Fact]
    public void Candidates_checked_by_scope_match_exactly_what_checking_every_route_matches()
    {
        var random = new Random(7);
        long Region() => random.Next(1, 12);
        var all = Enumerable.Range(1, 400).Select(id => new SubscriptionRoute(id, ["created"],
            new RegionScope(
                [.. Enumerable.Range(0, random.Next(1, 3)).Select(_ => random.Next(10) == 0 ? new ScopeFilter(null, false) : new ScopeFilter(Region(), random.Next(2) == 0))],
                [.. Enumerable.Range(0, random.Next(0, 2)).Select(_ => Region())]),
            [], SubscriptionStatus.Active)).ToArray();
        var routes = TriggerRoutes.Build(all);
        for (var i = 0; i < 500; i++)
        {
            long[] path = [.. Enumerable.Range(0, random.Next(0, 5)).Select(_ => Region()).Distinct()];
            Assert.Equal(
                all.Where(r => ScopeMatcher.Matches(r.Scope, path)).Select(r => r.SubscriptionId),
                routes.Candidates(path, new EntityFields("{}")).Where(r => ScopeMatcher.Matches(r.Scope, path)).Select(r => r.SubscriptionId));
        }
    }

    private static readonly string[] FilterValuesTried = ["0", "-0", "1", "1.0", "2.5", "10", "-3", "true", "True", "false", "Active", "ACTIVE", "x", "1e1", "2024-01-01"];

    private static FilterCondition RandomCondition(Random random)
    {
        string Value() => FilterValuesTried[random.Next(FilterValuesTried.Length)];
        var path = new[] { "counter", "status", "tags", "address.city", "missing" }[random.Next(5)];
        var op = new[] { FilterOperator.Equal, FilterOperator.In, FilterOperator.LessThan, FilterOperator.LessOrEqual, FilterOperator.GreaterThan,
            FilterOperator.GreaterOrEqual, FilterOperator.Between, FilterOperator.NotEqual, FilterOperator.Contains, FilterOperator.IsNull }[random.Next(10)];
        string[] values = op switch
        {
            FilterOperator.In => [.. Enumerable.Range(0, random.Next(1, 4)).Select(_ => Value())],
            FilterOperator.Between => [Value(), Value()],
            FilterOperator.IsNull => [],
            _ => [Value()],
        };
        return new FilterCondition($"{path}:{op}", path, op, values, false);
    }

    private static string RandomEntity(Random random)
    {
        string Field() => random.Next(9) switch
        {
            0 => "null",
            1 => random.Next(2) == 0 ? "true" : "false",
            2 => $"\"{FilterValuesTried[random.Next(FilterValuesTried.Length)]}\"",
            3 => "[1, \"active\", true, 10]",
            4 => "{\"city\": \"x\"}",
            5 => "-0.0",
            _ => random.Next(-4, 12).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return "{\"counter\": " + Field() + ", \"status\": " + Field() + ", \"tags\": " + Field() + ", \"address\": {\"city\": " + Field() + "}}";
    }

    [Fact]
    public void Candidates_found_by_filter_match_exactly_what_checking_every_route_matches_however_the_routes_were_filed()
    {
        var random = new Random(11);
        ScopeFilter Scope() => random.Next(3) == 0 ? new ScopeFilter(random.Next(1, 4), random.Next(2) == 0) : new ScopeFilter(null, false);
        var all = Enumerable.Range(1, 600).Select(id => new SubscriptionRoute(id, ["created"],
            new RegionScope([Scope()], []),
            [.. Enumerable.Range(0, random.Next(0, 3)).Select(_ => RandomCondition(random))],
            SubscriptionStatus.Active)).ToArray();
        var built = TriggerRoutes.Build(all);
        // The same routes added one by one, some of them first with other filters then replaced,
        // and some added then removed again.
        var grown = TriggerRoutes.Empty;
        foreach (var route in all.OrderBy(_ => random.Next()))
        {
            if (random.Next(4) == 0)
            {
                grown = grown.With(route with { Filters = [RandomCondition(random)], Scope = new RegionScope([Scope()], []) });
            }
            grown = grown.With(route);
            if (random.Next(10) == 0)
            {
                grown = grown.With(route with { SubscriptionId = 10_000 + route.SubscriptionId }).Without(10_000 + route.SubscriptionId);
            }
        }
        Assert.Equal(all.Length, grown.Count);
        var filtered = 0;
        for (var i = 0; i < 1500; i++)
        {
            var snapshot = RandomEntity(random);
            long[] path = [.. Enumerable.Range(0, random.Next(0, 3)).Select(_ => (long)random.Next(1, 4)).Distinct()];
            var entity = System.Text.Json.Nodes.JsonNode.Parse(snapshot)!.AsObject();
            var expected = all.Where(r => ScopeMatcher.Matches(r.Scope, path) && FilterEvaluator.Matches(r.Filters, entity)).Select(r => r.SubscriptionId).ToArray();
            foreach (var routes in new[] { built, grown })
            {
                var candidates = routes.Candidates(path, new EntityFields(snapshot));
                Assert.Equal(candidates.Select(r => r.SubscriptionId).Order().Distinct(), candidates.Select(r => r.SubscriptionId));
                Assert.Equal(expected, candidates
                    .Where(r => ScopeMatcher.Matches(r.Scope, path) && FilterEvaluator.Matches(r.Filters, entity)).Select(r => r.SubscriptionId));
                filtered += all.Length - candidates.Count;
            }
        }
        // The filters did narrow the candidates, not only the regions.
        Assert.True(filtered > 0);
    }

    [Fact]
    public void Routes_whose_bound_or_value_an_entity_cannot_meet_are_not_candidates_at_all()
    {
        static SubscriptionRoute Filtered(long id, FilterOperator op, params string[] values) =>
            new(id, ["created"], new RegionScope([new ScopeFilter(null, false)], []), [new FilterCondition("c", "counter", op, values, false)], SubscriptionStatus.Active);
        var routes = TriggerRoutes.Build([
            .. Enumerable.Range(1, 1000).Select(n => Filtered(n, FilterOperator.LessThan, (-n).ToString(System.Globalization.CultureInfo.InvariantCulture))),
            Filtered(2001, FilterOperator.Equal, "7"),
            Filtered(2002, FilterOperator.In, "8", "9"),
            Filtered(2003, FilterOperator.GreaterThan, "5"),
            Filtered(2004, FilterOperator.Contains, "7"),
        ]);

        // 1,000 routes below zero, two equalities and a bound elsewhere: an entity at 7 is a
        // candidate of the equality of 7, the bound it passes and the route that cannot be looked up.
        Assert.Equal([2001L, 2003L, 2004L], routes.Candidates([], new EntityFields("""{"counter": 7}""")).Select(r => r.SubscriptionId));
        Assert.Equal([2004L], routes.Candidates([], new EntityFields("""{"counter": "none"}""")).Select(r => r.SubscriptionId));
        // At -998: the 997 bounds above it, and the one equal to it (its full check refuses it).
        Assert.Equal(998, routes.Candidates([], new EntityFields("""{"counter": -998}""")).Count(r => r.SubscriptionId <= 1000));
    }
}
