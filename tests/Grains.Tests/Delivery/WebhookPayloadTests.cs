namespace EventsSubscriptions.Grains.Tests.Delivery;

[Trait("Category", "Unit")]
public sealed class WebhookPayloadTests
{
    private static readonly SubscriptionSpec Spec = new()
    {
        CustomId = "hr-<sync>", Name = "n", Events = ["entity:employees:created"], Resource = "employees",
        ContextFilters = new RegionScope([], []), Url = "https://example.com/hook", SecretHeaderName = "X-Signature",
        Language = "fr-CA", Delivery = DeliveryOptions.Default,
    };

    [Theory]
    [InlineData("""{"id":7,"name":"Zoë <b>&amp;</b>","emoji":"😀","pay":12.50,"big":1e3,"tags":["a",null,true],"region":{"id":3},"note":"line\nnext \u0000 \"q\""}""")]
    [InlineData("""{}""")]
    [InlineData("""{ "spaced" :  [ 1 , 2 ] , "esc" : "\u00e9\/" }""")]
    public void An_unshaped_entity_is_written_as_the_node_tree_writes_it(string entity)
    {
        var occurred = new DateTimeOffset(2026, 11, 29, 16, 0, 0, 123, TimeSpan.FromHours(-5));

        var fromText = WebhookPayload.Build(42, Spec, "entity:employees:created", "0193-id", occurred, entity);
        var fromTree = WebhookPayload.Build(42, Spec, "entity:employees:created", "0193-id", occurred, JsonNode.Parse(entity)!.AsObject());

        Assert.Equal(fromTree, fromText);
        var meta = JsonNode.Parse(fromText)!["meta"]!;
        Assert.Equal("2026-11-29T21:00:00.123Z", (string?)meta["occurredOn"]);
        Assert.Equal(42, (long?)meta["subscription"]);
        Assert.Equal("hr-<sync>", (string?)meta["customId"]);
    }

    [Fact]
    public void Subscriptions_that_shape_alike_share_a_key_and_late_events_keep_their_own_data()
    {
        var now = DateTimeOffset.UtcNow;
        var recent = Guid.CreateVersion7(now - TimeSpan.FromHours(2)).ToString();
        SubscriptionSpec Shaped(string[] fields, string[] include) => Spec with { EntityResponse = new EntityResponse(fields, include) };

        Assert.Equal("entity", WebhookBodies.SharedShape(Spec, recent, now));
        var key = WebhookBodies.SharedShape(Shaped(["id", "name"], ["region"]), recent, now);
        Assert.StartsWith("shaped:", key);
        Assert.Equal(key, WebhookBodies.SharedShape(Shaped(["id", "name"], ["region"]), recent, now));
        Assert.NotEqual(key, WebhookBodies.SharedShape(Shaped(["name", "id"], ["region"]), recent, now));
        Assert.NotEqual(key, WebhookBodies.SharedShape(Shaped(["id"], ["name", "region"]), recent, now));
        // Queued over a day after its event, or with an id that does not say when: its own copy.
        Assert.Null(WebhookBodies.SharedShape(Spec, Guid.CreateVersion7(now - TimeSpan.FromDays(2)).ToString(), now));
        Assert.Null(WebhookBodies.SharedShape(Spec, "backfill-1", now));
    }
}
