namespace EventsSubscriptions.Grains.Tests.Infrastructure;

/// <summary>A valid subscription of every region for the grain tests: a resource, its triggers, a URL; a custom id of its own.</summary>
public static class TestSpecs
{
    public static SubscriptionSpec Subscription(string resource, string url, params string[] triggers) => new()
    {
        CustomId = $"test-{Guid.NewGuid():N}",
        Name = "grain test",
        Events = [.. (triggers.Length == 0 ? ["created"] : triggers).Select(t => $"entity:{resource}:{t}")],
        Resource = resource,
        ContextFilters = new RegionScope([new ScopeFilter(null, false)], []),
        Url = url,
        SecretHeaderName = "X-Secret",
        Language = "en-US",
        Delivery = DeliveryOptions.Default,
    };
}
