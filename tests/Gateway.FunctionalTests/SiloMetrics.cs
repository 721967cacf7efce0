using System.Globalization;

namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>
/// The silos' Prometheus pages (/metrics on each silo's metrics port) and the values on them. A
/// counter is cumulative over the whole run: a test reads it before and after what it does and
/// asserts the difference, never the total.
/// </summary>
public static class SiloMetrics
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>One page per port, in the order given.</summary>
    public static async Task<string[]> PagesAsync(IEnumerable<int> ports) =>
        await Task.WhenAll(ports.Select(p => Http.GetStringAsync($"http://localhost:{p}/metrics")));

    /// <summary>The page of each port that answers (a silo a test stopped does not).</summary>
    public static async Task<List<string>> AnsweringPagesAsync(IEnumerable<int> ports)
    {
        var pages = new List<string>();
        foreach (var port in ports)
        {
            try
            {
                pages.Add(await Http.GetStringAsync($"http://localhost:{port}/metrics"));
            }
            catch (HttpRequestException)
            {
                // A silo another test stopped.
            }
        }
        return pages;
    }

    /// <summary>The values of one metric on a page (one per series), of the series whose labels hold every one of <paramref name="labels"/> (e.g. <c>outcome="SUCCEEDED"</c>).</summary>
    public static List<double> Values(string page, string metric, params string[] labels) =>
    [
        .. page.Split('\n')
            .Where(l => l.StartsWith(metric + " ", StringComparison.Ordinal) || l.StartsWith(metric + "{", StringComparison.Ordinal))
            .Where(l => labels.All(label => l.Contains(label, StringComparison.Ordinal)))
            .Select(l => double.Parse((l.Contains('}') ? l[(l.LastIndexOf('}') + 1)..] : l[metric.Length..]).Trim().Split(' ')[0],
                CultureInfo.InvariantCulture)),
    ];

    /// <summary>A metric's series that carry the labels, summed over every silo's page.</summary>
    public static async Task<double> SumAsync(IEnumerable<int> ports, string metric, params string[] labels) =>
        (await PagesAsync(ports)).Sum(page => Values(page, metric, labels).Sum());
}
