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
}
