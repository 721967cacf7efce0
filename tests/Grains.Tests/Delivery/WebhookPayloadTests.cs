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
}
