using EventsSubscriptions.Grains.Interfaces.Requests;

namespace EventsSubscriptions.Grains.Tests.Subscriptions;

/// <summary>A merge patch applied to a subscription as the API renders it, and read whole (what the subscription grain does with a PATCH).</summary>
[Trait("Category", "Unit")]
public sealed class SubscriptionPatchTests
{
    private readonly SubscriptionRequestReader reader = new(new WebhookTargetPolicy(new WebhookSettings()), new RelationMap(), new ResourceCatalog());

    private SubscriptionSpec Current() => reader.Read(JsonSerializer.SerializeToElement(JsonNode.Parse("""
        {"customId": "hr-sync", "name": "HR sync", "events": ["entity:employees:created", "entity:employees:terminate"],
         "contextFilters": {"filters": [{"tag": "context.region.3", "includeChildren": true}, {"tag": "context.*"}], "exclusions": ["context.region.9"]},
         "userDefinedFilters": {"salary:gte": 1000, "status:in": ["A", "B"]},
         "entityResponse": {"fields": ["id", "firstName:first"], "include": ["region"]},
         "url": "https://hooks.example.com/hr", "secretHeaderName": "X-Hr-Secret", "secret": "a-secret-of-sixteen",
         "failureEmail": "ops@example.com", "language": "fr", "delivery": {"maxInFlight": 4, "timeoutSeconds": 10, "maxPerSecond": 2.5}}
        """)), secretRequired: true).Spec!;

    [Fact]
    public void A_subscription_written_as_a_body_reads_back_as_itself()
    {
        var current = Current();

        var written = SubscriptionRequestReader.Write(current);
        var read = reader.Read(JsonSerializer.SerializeToElement(written), secretRequired: false);

        Assert.False(read.Errors.Any);
        Assert.Null(read.Secret);
        Assert.True(JsonNode.DeepEquals(written, SubscriptionRequestReader.Write(read.Spec!)), written.ToJsonString());
        // Every field but the write-only ones.
        Assert.Equal(SubscriptionFields.Names.Where(n => n is not ("secret" or "headers")).Order(), written.Select(p => p.Key).Order());
        Assert.Equal("context.region.9", written["contextFilters"]!["exclusions"]![0]!.GetValue<string>());
    }

    [Fact]
    public void A_patch_changes_what_it_names_merges_objects_and_null_resets_to_the_default()
    {
        var current = Current();

        var read = reader.ReadPatch(current, JsonNode.Parse("""
            {"name": "renamed", "language": null, "failureEmail": null, "delivery": {"maxInFlight": 2, "maxPerSecond": null}}
            """)!.AsObject());

        Assert.False(read.Errors.Any);
        var spec = read.Spec!;
        Assert.Equal("renamed", spec.Name);
        Assert.Equal("en-US", spec.Language);
        Assert.Null(spec.FailureEmail);
        Assert.Equal(new DeliveryOptions(2, 10, null), spec.Delivery);
        Assert.Equal(current.Events, spec.Events);
        Assert.Equal(current.Url, spec.Url);
        Assert.Equal(current.SecretHeaderName, spec.SecretHeaderName);
        // A subscription stored before modes existed is patched into its mode in effect, named.
        Assert.Equal(SecretHeaderMode.HmacSha512, spec.SecretHeaderMode);
        Assert.Equal(current.ContextFilters.Filters, spec.ContextFilters.Filters);
        Assert.Equal(current.ContextFilters.Exclusions, spec.ContextFilters.Exclusions);
        Assert.Equal(current.UserDefinedFilters!.Json, spec.UserDefinedFilters!.Json);
        Assert.Equal(current.EntityResponse!.Fields, spec.EntityResponse!.Fields);
        Assert.Null(read.Secret);
    }

    [Fact]
    public void A_secret_in_the_patch_is_read_and_an_empty_patch_changes_nothing()
    {
        var current = Current();

        var rotated = reader.ReadPatch(current, new JsonObject { ["secret"] = "a-new-secret-0123456789" });
        var unchanged = reader.ReadPatch(current, []);

        Assert.Equal("a-new-secret-0123456789", rotated.Secret!.Value);
        Assert.True(JsonNode.DeepEquals(SubscriptionRequestReader.Write(current), SubscriptionRequestReader.Write(unchanged.Spec!)));
    }

    [Fact]
    public void A_patch_that_breaks_rules_is_refused_with_every_error_named_by_its_field()
    {
        var read = reader.ReadPatch(Current(), JsonNode.Parse("""
            {"colour": "blue", "status": "ACTIVE", "url": "ftp://hooks.example.com", "secret": "short",
             "events": ["entity:sites:created"], "delivery": {"maxInFlight": 0}, "contextFilters": {"filters": null}}
            """)!.AsObject());

        Assert.Null(read.Spec);
        Assert.Equal(
            ["colour", "contextFilters.filters", "delivery.maxInFlight", "secret", "status", "url"],
            read.Errors.Raw.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_patch_that_removes_a_required_field_names_it()
    {
        var read = reader.ReadPatch(Current(), new JsonObject { ["url"] = null, ["name"] = null });

        Assert.Equal(["name", "url"], read.Errors.Raw.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("is required", read.Errors.Raw["url"].Single());
    }
}
