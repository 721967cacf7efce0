namespace EventsSubscriptions.Grains.Interfaces.Hosting;

/// <summary>
/// <c>dotnet Silo.dll health [url]</c> and <c>dotnet Gateway.dll health [url]</c>: asks a health
/// endpoint and exits 0 when it answers 2xx, 1 otherwise. For container health checks in images
/// that have no curl (the compose file's).
/// </summary>
public static class HealthProbe
{
    public static async Task<int> RunAsync(string url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            using var response = await http.GetAsync(url);
            Console.WriteLine($"{(int)response.StatusCode} {(await response.Content.ReadAsStringAsync()).Trim()}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or UriFormatException or InvalidOperationException)
        {
            Console.WriteLine($"{url}: {e.Message}");
            return 1;
        }
    }
}
