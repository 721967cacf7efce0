using EventsSubscriptions.Grains.Routing;

namespace EventsSubscriptions.Grains.Tests.Subscriptions;

[Trait("Category", "Unit")]
public sealed class ScopeMatcherTests
{
    // A tree four levels deep:  1 ─┬─ 2 ─┬─ 4 ── 8
    //                              │     └─ 5
    //                              └─ 3 ── 6
    private static readonly Dictionary<long, long[]> Paths = new()
    {
        [1] = [1], [2] = [2, 1], [3] = [3, 1], [4] = [4, 2, 1], [5] = [5, 2, 1], [6] = [6, 3, 1], [8] = [8, 4, 2, 1], [0] = [],
    };

    [Theory]
    [InlineData("2", "", "2")]
    [InlineData("2+", "", "2 4 5 8")]
    [InlineData("1+", "", "1 2 3 4 5 6 8")]
    [InlineData("4+", "", "4 8")]
    [InlineData("8+", "", "8")]
    [InlineData("*", "", "0 1 2 3 4 5 6 8")]
    [InlineData("*", "4", "0 1 2 3 5 6")]
    [InlineData("*", "2", "0 1 3 6")]
    [InlineData("1+", "2 6", "1 3")]
    [InlineData("2+", "8", "2 4 5")]
    [InlineData("2 3", "", "2 3")]
    [InlineData("2 6+", "", "2 6")]
    [InlineData("4", "4", "")]
    [InlineData("9+", "", "")]
    public void A_scope_takes_exactly_its_regions(string filters, string exclusions, string expected)
    {
        var scope = new RegionScope(
            [.. filters.Split(' ').Select(f => f == "*" ? new ScopeFilter(null, false) : new ScopeFilter(long.Parse(f.TrimEnd('+')), f.EndsWith('+')))],
            [.. exclusions.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse)]);

        var matched = Paths.Where(p => ScopeMatcher.Matches(scope, p.Value)).Select(p => p.Key).Order();

        Assert.Equal(expected, string.Join(' ', matched));
    }
}
