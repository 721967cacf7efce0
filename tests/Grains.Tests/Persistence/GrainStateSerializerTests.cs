using EventsSubscriptions.Grains.Compatibility;
using EventsSubscriptions.Grains.Subscriptions;
using Orleans.Serialization;

namespace EventsSubscriptions.Grains.Tests.Persistence;

[Trait("Category", "Unit")]
public sealed class GrainStateSerializerTests
{
    private readonly GrainStateSerializer serializer = new(new ServiceCollection()
        .AddSerializer(b => b.AddAssembly(typeof(SubscriptionState).Assembly).AddAssembly(typeof(SubscriptionSpec).Assembly))
        .BuildServiceProvider()
        .GetRequiredService<Serializer>());

    // Rows as the earlier versions stored them (Newtonsoft JSON with type names), trimmed.
    private static string Legacy(string health) =>
        "{\"$id\":\"1\",\"$type\":\"EventsSubscriptions.Grains.Subscriptions.SubscriptionState, EventsSubscriptions.Grains\"," +
        "\"Spec\":{\"$id\":\"2\",\"$type\":\"EventsSubscriptions.Grains.Interfaces.Subscriptions.SubscriptionSpec, EventsSubscriptions.Grains.Interfaces\"," +
        "\"CustomId\":\"cid-1\",\"Name\":\"HR sync\",\"Events\":{\"$type\":\"System.String[], System.Private.CoreLib\",\"$values\":[\"entity:employees:created\"]}," +
        "\"Resource\":\"employees\",\"ContextFilters\":{\"$id\":\"3\",\"$type\":\"EventsSubscriptions.Grains.Interfaces.Subscriptions.RegionScope, EventsSubscriptions.Grains.Interfaces\"," +
        "\"Filters\":{\"$type\":\"EventsSubscriptions.Grains.Interfaces.Subscriptions.ScopeFilter[], EventsSubscriptions.Grains.Interfaces\",\"$values\":[{\"$id\":\"4\",\"$type\":\"EventsSubscriptions.Grains.Interfaces.Subscriptions.ScopeFilter, EventsSubscriptions.Grains.Interfaces\",\"RegionId\":3,\"IncludeChildren\":true,\"Tag\":\"context.region.3\"}]}," +
        "\"Exclusions\":{\"$type\":\"System.Int64[], System.Private.CoreLib\",\"$values\":[7]}},\"Url\":\"https://hooks.example.com/hr\",\"SecretHeaderName\":\"X-Sig\",\"Language\":\"en-US\"," +
        "\"Delivery\":{\"$id\":\"5\",\"$type\":\"EventsSubscriptions.Grains.Interfaces.Subscriptions.DeliveryOptions, EventsSubscriptions.Grains.Interfaces\",\"MaxInFlight\":8,\"TimeoutSeconds\":15}," +
        "\"Triggers\":{\"$type\":\"System.Linq.Enumerable+ArraySelectIterator`2[[System.String, System.Private.CoreLib],[System.String, System.Private.CoreLib]], System.Linq\",\"$values\":[\"created\"]}}," +
        "\"EncryptedSecret\":{\"$type\":\"System.Byte[], System.Private.CoreLib\",\"$value\":\"AQID\"},\"Status\":1,\"StatusReason\":\"paused\"," +
        "\"CreatedOn\":\"2026-11-29T07:57:43.7949993+00:00\",\"UpdatedOn\":\"2026-11-29T07:58:43.7949993+00:00\"," + health +
        "\"Version\":3,\"ProjectedVersion\":3,\"IndexedResource\":\"employees\"}";

    [Fact]
    public void A_row_of_the_earlier_json_format_is_read_with_every_field()
    {
        var state = Read<SubscriptionState>(Legacy(""));

        var spec = state.Spec!;
        Assert.Equal(("cid-1", "HR sync", "employees", "X-Sig"), (spec.CustomId, spec.Name, spec.Resource, spec.SecretHeaderName));
        // Made before secret header modes: it keeps sending the HMAC its receiver checks.
        Assert.Equal((null, SecretHeaderMode.HmacSha512), (spec.SecretHeaderMode, spec.HeaderMode));
        Assert.Equal(["entity:employees:created"], spec.Events);
        Assert.Equal(new ScopeFilter(3, true), Assert.Single(spec.ContextFilters.Filters));
        Assert.Equal([7L], spec.ContextFilters.Exclusions);
        Assert.Equal(new DeliveryOptions(8, 15, null), spec.Delivery);
        Assert.Equal([1, 2, 3], state.EncryptedSecret);
        Assert.Equal((SubscriptionStatus.Suspended, "paused", 3), (state.Status, state.StatusReason, state.Version));
        Assert.Equal(new DateTimeOffset(2026, 11, 29, 7, 57, 43, TimeSpan.Zero), state.CreatedOn.AddTicks(-(state.CreatedOn.Ticks % TimeSpan.TicksPerSecond)));
        Assert.Equal(SubscriptionHealth.None, state.Health);
    }

    [Fact]
    public void States_read_one_after_another_never_share_a_health_object()
    {
        var failing = Read<SubscriptionState>(Legacy(
            "\"Health\":{\"$id\":\"6\",\"State\":2,\"ConsecutiveFailures\":4,\"LastFailureOn\":\"2026-11-29T08:00:00+00:00\",\"LastError\":\"the receiver answered 503\"},"));
        var fresh = Read<SubscriptionState>(Legacy(""));
        var healthy = Read<SubscriptionState>(Legacy(
            "\"Health\":{\"$id\":\"6\",\"State\":1,\"LastSuccessOn\":\"2026-11-29T08:01:00+00:00\"},"));
        var binaryFresh = serializer.Deserialize<SubscriptionState>(serializer.Serialize(new SubscriptionState()))!;

        Assert.Equal((HealthState.Failing, 4, "the receiver answered 503"), (failing.Health.State, failing.Health.ConsecutiveFailures, failing.Health.LastError));
        Assert.Equal((HealthState.Healthy, 0, (string?)null), (healthy.Health.State, healthy.Health.ConsecutiveFailures, healthy.Health.LastError));
        Assert.Equal(SubscriptionHealth.None, fresh.Health);
        Assert.Equal(SubscriptionHealth.None, binaryFresh.Health);
        Assert.Equal(new SubscriptionHealth(HealthState.Unknown, 0, null, null, null, 0), SubscriptionHealth.None);
        Assert.NotSame(fresh.Health, binaryFresh.Health);
        Assert.NotSame(SubscriptionHealth.None, SubscriptionHealth.None);
    }

    [Fact]
    public void Type_names_in_a_stored_row_choose_nothing()
    {
        // A row naming another type for a field is read as the declared type, or refused; never instantiated.
        var hostile = "{\"Snapshot\":{\"$type\":\"System.Diagnostics.Process, System.Diagnostics.Process\",\"StartInfo\":{\"FileName\":\"touch\"}},\"Sequence\":2}";
        Assert.ThrowsAny<Exception>(() => Read<EntityState>(hostile));
        var renamed = Read<EntityState>("{\"$type\":\"System.Object, System.Private.CoreLib\",\"Snapshot\":\"{}\",\"Sequence\":2}");
        Assert.Equal(("{}", 2L), (renamed.Snapshot, renamed.Sequence));
    }

    [Fact]
    public void New_rows_are_binary_without_type_names_and_read_back_whole()
    {
        var state = Read<SubscriptionState>(Legacy("\"Health\":{\"State\":2,\"ConsecutiveFailures\":4},"));

        var payload = serializer.Serialize(state).ToArray();

        Assert.Equal(GrainStateSerializer.BinaryMark, payload[0]);
        Assert.DoesNotContain("EventsSubscriptions", Encoding.Latin1.GetString(payload));
        var back = serializer.Deserialize<SubscriptionState>(new BinaryData(payload))!;
        Assert.Equal(state.Spec!.Events, back.Spec!.Events);
        Assert.Equal(state.Spec with { Events = back.Spec.Events, ContextFilters = back.Spec.ContextFilters }, back.Spec);
        Assert.Equal(state.Spec.ContextFilters.Filters, back.Spec.ContextFilters.Filters);
        Assert.Equal((state.Health, state.Version, state.CreatedOn), (back.Health, back.Version, back.CreatedOn));
        Assert.Equal(state.EncryptedSecret, back.EncryptedSecret);
    }

    private T Read<T>(string json) => serializer.Deserialize<T>(new BinaryData(Encoding.UTF8.GetBytes(json)))!;
}
