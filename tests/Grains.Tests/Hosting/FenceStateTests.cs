namespace EventsSubscriptions.Grains.Tests.Hosting;

/// <summary>The fence's rule: when a silo that may have been cut off stops acting, and when it acts again.</summary>
[Trait("Category", "Unit")]
public sealed class FenceStateTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(1500);
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset At(double seconds) => Start.AddSeconds(seconds);

    [Fact]
    public void A_silo_acts_only_once_the_membership_says_it_is_active()
    {
        var fence = new FenceState(Window);
        Assert.False(fence.IsOpen(At(0)));
        fence.Membership(SiloStatus.Joining, At(0));
        Assert.False(fence.IsOpen(At(0.1)));
        fence.Membership(SiloStatus.Active, At(0.5));
        Assert.True(fence.IsOpen(At(0.6)));
    }

    [Fact]
    public void Cut_off_from_the_membership_and_the_database_it_stops_within_the_window_and_stays_stopped_when_the_database_answers_again()
    {
        var fence = new FenceState(Window);
        fence.Membership(SiloStatus.Active, At(0));
        Assert.Equal(FenceChange.None, fence.NoMembership(databaseAnswered: false, At(1)));
        // Checked when acting, not only at the next look: past the window it is closed.
        Assert.True(fence.IsOpen(At(1.4)));
        Assert.False(fence.IsOpen(At(1.6)));
        Assert.Equal(FenceChange.Isolated, fence.NoMembership(databaseAnswered: false, At(1.6)));
        // The network is back: PostgreSQL answering proves nothing about membership now.
        Assert.False(fence.AsksDatabase);
        Assert.Equal(FenceChange.None, fence.NoMembership(databaseAnswered: true, At(30)));
        Assert.False(fence.IsOpen(At(30)));
        // The others declared it dead meanwhile: the membership says so, and it stays closed.
        Assert.Equal(FenceChange.NotActive, fence.Membership(SiloStatus.Dead, At(30.5)));
        Assert.False(fence.IsOpen(At(30.6)));
    }

    [Fact]
    public void A_silo_the_membership_still_lists_as_active_after_a_short_isolation_acts_again()
    {
        var fence = new FenceState(Window);
        fence.Membership(SiloStatus.Active, At(0));
        fence.NoMembership(databaseAnswered: false, At(2));
        Assert.False(fence.IsOpen(At(2)));
        Assert.Equal(FenceChange.BackInContact, fence.Membership(SiloStatus.Active, At(3)));
        Assert.True(fence.IsOpen(At(3.1)));
    }

    [Fact]
    public void Redis_alone_unreachable_keeps_the_silo_acting_while_PostgreSQL_answers()
    {
        var fence = new FenceState(Window);
        fence.Membership(SiloStatus.Active, At(0));
        for (var second = 1; second <= 60; second++)
        {
            Assert.True(fence.AsksDatabase);
            Assert.Equal(FenceChange.None, fence.NoMembership(databaseAnswered: true, At(second)));
            Assert.True(fence.IsOpen(At(second + 0.5)));
        }
    }

    [Fact]
    public void The_membership_saying_the_silo_is_dead_stops_it_at_once()
    {
        var fence = new FenceState(Window);
        fence.Membership(SiloStatus.Active, At(0));
        Assert.Equal(FenceChange.NotActive, fence.Membership(SiloStatus.Dead, At(1)));
        Assert.False(fence.IsOpen(At(1)));
        Assert.Equal(FenceChange.None, fence.NoMembership(databaseAnswered: true, At(1.5)));
        Assert.False(fence.IsOpen(At(1.6)));
    }
}
