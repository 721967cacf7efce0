using EventsSubscriptions.Gateway.Auth;

namespace EventsSubscriptions.Grains.Tests.Hosting;

/// <summary><c>scripts/token.sh</c>: a wrong option says what it takes, not "unknown scope".</summary>
[Trait("Category", "Unit")]
[Collection(ConsoleOutput.Name)]
public sealed class DevelopmentTokenTests
{
    [Theory]
    [InlineData("--hours", "0", "--hours takes how long the token lives")]
    [InlineData("--hours", "soon", "--hours takes how long the token lives")]
    [InlineData("--hours", "99999", "--hours takes how long the token lives")]
    [InlineData("--days", "2", "Unknown option --days")]
    [InlineData("entities:read", "everything", "Unknown scope(s): everything")]
    public void A_wrong_argument_is_refused_saying_what_is_expected(string first, string second, string expected)
    {
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        try
        {
            Assert.Equal(2, DevelopmentToken.Print([first, second]));
        }
        finally
        {
            Console.SetError(previous);
        }
        Assert.StartsWith(expected, error.ToString());
    }
}

/// <summary>Tests that redirect the console run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleOutput
{
    public const string Name = "console output";
}
