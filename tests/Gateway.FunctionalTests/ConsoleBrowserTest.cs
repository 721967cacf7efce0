using Microsoft.Playwright;

namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>
/// The operator console in a real browser (Debian's chromium, headless, driven by Playwright)
/// against the real gateway, silos, Redis and PostgreSQL. Each page is saved as a screenshot in
/// <c>screenshots/</c> next to the test assembly.
/// </summary>
public abstract class ConsoleBrowserTest(DeliveryCluster service) : IAsyncLifetime
{
    protected const string Secret = "console-secret-0123456789";
    private static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "screenshots");
    private IPlaywright playwright = null!;

    protected DeliveryCluster Service { get; } = service;

    protected EventsClient Api { get; } = new(service);

    protected string Resource { get; } = $"console-{Guid.NewGuid():N}"[..20];

    protected WebhookReceiver Receiver { get; private set; } = null!;

    protected IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Screenshots);
        Receiver = await WebhookReceiver.StartAsync();
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("ES_TEST_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        playwright.Dispose();
        // None of this test's subscriptions goes on retrying against the receiver disposed here.
        await Api.ArchiveSubscribedAsync();
        await Receiver.DisposeAsync();
    }

    protected static async Task AssertFitsAsync(IPage page, string what)
    {
        var width = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(width <= 400, $"{what}: the page is {width} px wide at a 390-px viewport");
    }

    protected async Task<IPage> SignedInPageAsync(ViewportSize? viewport = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = viewport ?? new ViewportSize { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync($"{Service.BaseAddress}console/");
        await page.FillAsync("#token", Service.Token("subscriptions:read", "subscriptions:write", "entities:read"));
        await page.ClickAsync("#signin button[type=submit]");
        await Assertions.Expect(page.Locator("#flash")).ToContainTextAsync("Signed in");
        await Assertions.Expect(page.Locator("#subscriptions")).ToBeVisibleAsync();
        return page;
    }

    protected Task<long> SubscribeAsync(string path, string answers) => Api.SubscribeAsync(Body(path, answers));

    protected JsonObject Body(string path, string answers)
    {
        var body = EventsClient.Subscription($"entity:{Resource}:created", """{"filters": [{"tag": "context.*"}]}""");
        body["url"] = Receiver.Url(path, answers);
        body["secret"] = Secret;
        body["name"] = $"console {path}";
        return body;
    }

    /// <summary>A console link the customer's application made.</summary>
    protected static async Task<string> LinkAsync(EventsClient customer, JsonObject request)
    {
        var (status, answer, _) = await customer.SendAsync(HttpMethod.Post, "/rest/v1/portal-links", request);
        Assert.True(status == System.Net.HttpStatusCode.Created, $"link: {(int)status} {answer}");
        return answer.GetProperty("data").GetProperty("url").GetString()!;
    }

    protected async Task<string?> HealthAsync(long id) =>
        (await Api.SendAsync(HttpMethod.Get, $"/rest/v1/events-subscriptions/{id}")).Body.Data<SubscriptionView>().Health.State;

    protected static Task ShotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, $"{name}.png"), FullPage = true });
}
