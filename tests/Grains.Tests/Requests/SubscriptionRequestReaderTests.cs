using EventsSubscriptions.Grains.Interfaces.Requests;

namespace EventsSubscriptions.Grains.Tests.Requests;

/// <summary>Reading a subscription body without HTTP: what is accepted, and every error at once, named by its field.</summary>
[Trait("Category", "Unit")]
public sealed class SubscriptionRequestReaderTests
{
    private readonly SubscriptionRequestReader reader = new(new WebhookTargetPolicy(new WebhookSettings()), new RelationMap(), new ResourceCatalog());

    private static JsonObject Valid() => JsonNode.Parse("""
        {"customId": "hr-sync", "name": "HR sync", "events": ["entity:employees:created"],
         "contextFilters": {"filters": [{"tag": "context.region.3", "includeChildren": true}]},
         "url": "https://hooks.example.com/hr", "secret": "a-secret-of-sixteen"}
        """)!.AsObject();

    private SubscriptionReading Read(JsonObject body, bool secretRequired = true) =>
        reader.Read(JsonSerializer.SerializeToElement(body), secretRequired);

    private static IReadOnlyDictionary<string, string[]> Errors(SubscriptionReading reading) => reading.Errors.ToDictionary();

    [Fact]
    public void A_minimal_body_reads_with_the_documented_defaults()
    {
        var reading = Read(Valid());

        Assert.False(reading.Errors.Any, string.Join("; ", Errors(reading).Select(e => $"{e.Key}: {string.Join(", ", e.Value)}")));
        var spec = reading.Spec!;
        Assert.Equal("employees", spec.Resource);
        Assert.Equal(["entity:employees:created"], spec.Events);
        Assert.Equal(SubscriptionRequestReader.DefaultSecretHeaderName, spec.SecretHeaderName);
        // Not given: the grain chooses (the secret itself for a new subscription, the current mode for a change).
        Assert.Null(spec.SecretHeaderMode);
        Assert.Equal("en-US", spec.Language);
        Assert.Equal(DeliveryOptions.Default, spec.Delivery);
        Assert.Null(spec.FailureEmail);
        Assert.NotNull(reading.Secret);
    }

    [Fact]
    public void Every_error_is_reported_at_once_each_under_its_field()
    {
        var body = Valid();
        body["name"] = "";
        body["events"] = new JsonArray("entity:employees:created", "entity:regions:created");
        body["url"] = "ftp://hooks.example.com/hr";
        body["language"] = "klingon";
        body["delivery"] = new JsonObject { ["maxInFlight"] = 0 };
        body["id"] = 7;
        body["colour"] = "blue";
        body.Remove("customId");

        var errors = Errors(Read(body));

        Assert.Equal(["colour", "customId", "delivery.maxInFlight", "events", "id", "language", "name", "url"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("read-only", errors["id"][0]);
        Assert.Contains("not a field", errors["colour"][0]);
    }

    [Fact]
    public void A_body_that_is_not_an_object_is_one_error_on_the_whole_body()
    {
        var reading = reader.Read(JsonSerializer.SerializeToElement(new[] { 1, 2 }), secretRequired: true);

        Assert.Null(reading.Spec);
        Assert.Equal(["$"], Errors(reading).Keys);
    }

    [Fact]
    public void Status_is_read_only_and_says_which_actions_change_it()
    {
        var body = Valid();
        body["status"] = "SUSPENDED";

        Assert.Contains("suspend, enable and archive", Errors(Read(body))["status"][0]);
    }

    [Fact]
    public void A_huge_list_of_events_is_refused_without_an_error_per_item()
    {
        var body = Valid();
        body["events"] = new JsonArray([.. Enumerable.Range(0, 100_000).Select(i => (JsonNode)JsonValue.Create($"entity:employees:action{i}"))]);

        var errors = Errors(Read(body));

        Assert.Equal(["events"], errors.Keys);
        Assert.True(errors["events"].Length <= 3, string.Join("; ", errors["events"]));
    }

    [Theory]
    [InlineData("Webhook-Signature")]
    [InlineData("content-type")]
    [InlineData("Authorization")]
    [InlineData("bad header")]
    public void A_secret_header_the_service_or_http_reserves_is_refused(string header)
    {
        var body = Valid();
        body["secretHeaderName"] = header;

        Assert.True(Errors(Read(body)).ContainsKey("secretHeaderName"));
    }

    [Fact]
    public void The_secret_is_required_on_create_only()
    {
        var body = Valid();
        body.Remove("secret");

        Assert.True(Errors(Read(body, secretRequired: true)).ContainsKey("secret"));
        var replaced = Read(body, secretRequired: false);
        Assert.False(replaced.Errors.Any);
        Assert.Null(replaced.Secret);
    }

    [Fact]
    public void A_misspelt_event_names_the_declared_one_it_is_near()
    {
        var body = Valid();
        body["events"] = new JsonArray("entity:employes:created");

        Assert.Contains("did you mean entity:employees:created", Assert.Single(Errors(Read(body))["events[0]"]));
    }
}
