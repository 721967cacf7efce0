namespace EventsSubscriptions.TestSupport;

/// <summary>The checkout the tests run from: the folder of EventsSubscriptions.sln above the test assembly.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EventsSubscriptions.sln")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException("EventsSubscriptions.sln not found above the test assembly.");
    }
}
