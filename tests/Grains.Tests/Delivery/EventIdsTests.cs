namespace EventsSubscriptions.Grains.Tests.Delivery;

[Trait("Category", "Unit")]
public sealed class EventIdsTests
{
    [Fact]
    public void A_version_7_id_tells_when_it_was_made_to_the_millisecond()
    {
        var at = new DateTimeOffset(2026, 11, 29, 12, 34, 56, 789, TimeSpan.Zero);

        Assert.Equal(at, EventIds.AcceptedOn(Guid.CreateVersion7(at).ToString()));
    }

    [Theory]
    [InlineData("not an id")]
    [InlineData("")]
    [InlineData("0b7e6c5e-1d2f-4a3b-8c9d-0e1f2a3b4c5d")]
    [InlineData("zzzzzzzz-zzzz-7zzz-8zzz-zzzzzzzzzzzz")]
    public void Anything_else_tells_nothing(string id) => Assert.Null(EventIds.AcceptedOn(id));

    [Fact]
    public void A_range_of_ids_is_given_only_when_every_id_sorts_alike_in_any_collation()
    {
        var early = Guid.CreateVersion7(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero)).ToString();
        var late = Guid.CreateVersion7(new DateTimeOffset(2026, 12, 8, 0, 0, 0, TimeSpan.Zero)).ToString();

        Assert.Equal((early, late), EventIds.Range([late, early, late]));
        Assert.Null(EventIds.Range([early, "other-form"]));
        Assert.Null(EventIds.Range([early, late.ToUpperInvariant()]));
        Assert.Null(EventIds.Range([]));
    }
}

