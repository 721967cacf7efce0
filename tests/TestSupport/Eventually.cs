namespace EventsSubscriptions.TestSupport;

public static class Eventually
{
    /// <summary>Polls until the condition holds; fails with the message after the timeout.</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, string message)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await condition())
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"{message} (waited {timeout.TotalSeconds:0} s)");
            }
            await Task.Delay(200);
        }
    }

    public static Task HoldsAsync(Func<bool> condition, TimeSpan timeout, string message) =>
        HoldsAsync(() => Task.FromResult(condition()), timeout, message);
}
