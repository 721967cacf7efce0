using System.Text.Json.Nodes;
using EventsSubscriptions.Gateway.FunctionalTests.Infrastructure;
using Microsoft.Playwright;

namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>
/// The operator console in a real browser (Debian's chromium, headless, driven by Playwright)
/// against the real gateway, silos, Redis and PostgreSQL. Each page is saved as a screenshot in
/// <c>screenshots/</c> next to the test assembly.
/// </summary>
[Trait("Category", "Functional")]
[Collection(DeliveryClusterCollection.Name)]
public sealed class ConsoleBrowserTests(DeliveryCluster service) : IAsyncLifetime
{
    private const string Secret = "console-secret-0123456789";
    private static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "screenshots");
    private readonly EventsClient api = new(service);
    private readonly string resource = $"console-{Guid.NewGuid():N}"[..20];
    private WebhookReceiver receiver = null!;
    private IPlaywright playwright = null!;
    private IBrowser browser = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Screenshots);
        receiver = await WebhookReceiver.StartAsync();
        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("ES_TEST_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
    }

    public async Task DisposeAsync()
    {
        await browser.DisposeAsync();
        playwright.Dispose();
        // None of this test's subscriptions goes on retrying against the receiver disposed here.
        await api.ArchiveSubscribedAsync();
        await receiver.DisposeAsync();
    }

    [Fact]
    public async Task An_operator_finds_a_failing_subscription_sees_why_down_to_one_attempt_retries_it_and_sees_it_succeed()
    {
        var id = await SubscribeAsync("console-down", "503");
        var eventId = await api.OkAsync(HttpMethod.Post, $"/rest/v1/{resource}", new JsonObject { ["name"] = "Failing" });
        await Eventually.HoldsAsync(async () => (await HealthAsync(id)) == "FAILING", TimeSpan.FromSeconds(30), "the subscription never failed");
        var page = await SignedInPageAsync();

        await page.ClickAsync("#nav-failing");
        var row = page.Locator($"#subscriptions tr[data-id='{id}']");
        await Assertions.Expect(row).ToBeVisibleAsync();
        await Assertions.Expect(row).ToContainTextAsync("FAILING");
        await ShotAsync(page, "1-failing-list");

        await row.ClickAsync();
        await Assertions.Expect(page.Locator("#health-state")).ToContainTextAsync("FAILING");
        await Assertions.Expect(page.Locator("#last-error")).ToContainTextAsync("503");
        await ShotAsync(page, "2-detail");

        await page.Locator("#log tr[data-log]").Last.ClickAsync();
        await Assertions.Expect(page.Locator("#attempt")).ToContainTextAsync("503");
        await Assertions.Expect(page.Locator("#request")).ToContainTextAsync("webhook-id");
        await Assertions.Expect(page.Locator("#request")).ToContainTextAsync("hidden");
        await Assertions.Expect(page.Locator("#request")).Not.ToContainTextAsync(Secret);
        await Assertions.Expect(page.Locator("#request-body")).ToContainTextAsync(eventId!);
        await ShotAsync(page, "3-attempt");

        // The receiver is fixed; one click sends the delivery again now.
        receiver.Url("console-down", "200");
        await page.ClickAsync("#retry-one");
        await Assertions.Expect(page.Locator("#flash")).ToContainTextAsync("retry queued");
        await Eventually.HoldsAsync(async () => (await HealthAsync(id)) == "HEALTHY", TimeSpan.FromSeconds(30), "the retried delivery never succeeded");
        await page.GotoAsync($"{service.BaseAddress}console/#/s/{id}");
        await Assertions.Expect(page.Locator("#health-state")).ToContainTextAsync("HEALTHY");
        await Assertions.Expect(page.Locator("#log")).ToContainTextAsync("SUCCEEDED");
        await ShotAsync(page, "4-retried");
    }

    [Fact]
    public async Task An_operator_creates_a_subscription_fixing_the_field_the_api_refused_then_suspends_and_enables_it()
    {
        var page = await SignedInPageAsync();
        await page.GotoAsync($"{service.BaseAddress}console/#/new");
        await page.FillAsync("#f-customId", $"console-{Guid.NewGuid():N}");
        await page.FillAsync("#f-name", "Made in the console");
        await page.FillAsync("#f-events", $"entity:{resource}:created");
        await page.FillAsync("#f-url", "not a url");
        await page.FillAsync("#f-secret", Secret);
        await page.ClickAsync("#edit button");

        await Assertions.Expect(page.Locator("[data-field='url']")).ToHaveClassAsync("field-error");
        await Assertions.Expect(page.Locator("#error-url")).Not.ToBeEmptyAsync();
        await Assertions.Expect(page.Locator("[data-field='name']")).Not.ToHaveClassAsync("field-error");
        await ShotAsync(page, "5-create-refused");

        await page.FillAsync("#f-url", receiver.Url("console-made"));
        await page.ClickAsync("#edit button");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("#/s/[0-9]+$"));
        await Assertions.Expect(page.Locator("#summary")).ToContainTextAsync("ACTIVE");
        await ShotAsync(page, "6-created");

        page.Dialog += async (_, dialog) => await dialog.AcceptAsync("receiver maintenance");
        await page.ClickAsync("#suspend");
        await Assertions.Expect(page.Locator("#summary")).ToContainTextAsync("SUSPENDED");
        await Assertions.Expect(page.Locator("#summary")).ToContainTextAsync("receiver maintenance");
        await page.ClickAsync("#enable");
        await Assertions.Expect(page.Locator("#summary")).ToContainTextAsync("ACTIVE");
        await ShotAsync(page, "7-enabled");

        // A backfill from the console: confirmed, then its progress in the summary.
        await page.ClickAsync("#backfill");
        await Assertions.Expect(page.Locator("#backfill-progress")).ToContainTextAsync(new System.Text.RegularExpressions.Regex("RUNNING|COMPLETED"));
        await Assertions.Expect(page.Locator("#backfill-progress")).ToContainTextAsync(" read, ");
        await ShotAsync(page, "8-backfill");
    }

    [Fact]
    public async Task An_operator_sees_a_region_subtree_and_the_recent_events_of_a_resource_with_their_subscriptions()
    {
        var root = Random.Shared.NextInt64(1_000_000, 2_000_000_000);
        await api.RegionAsync(root, "Console root", null);
        await api.RegionAsync(root + 1, "Console child", root);
        await api.RegionAsync(root + 2, "Console grandchild", root + 1);
        var id = await SubscribeAsync("console-events", "200");
        var eventId = await api.OkAsync(HttpMethod.Post, $"/rest/v1/{resource}", new JsonObject { ["name"] = "Recent" });
        await Eventually.HoldsAsync(() => receiver.Calls("console-events").Count == 1, TimeSpan.FromSeconds(30), "the event never arrived");
        var page = await SignedInPageAsync();

        await page.ClickAsync("#nav-regions");
        await page.FillAsync("input[name=root]", root.ToString());
        await page.ClickAsync("#regions-form button");
        await Assertions.Expect(page.Locator("#region-tree")).ToContainTextAsync("Console child");
        await Assertions.Expect(page.Locator("#region-tree ul ul")).ToContainTextAsync("Console grandchild");
        await ShotAsync(page, "9-regions");

        await page.ClickAsync("#nav-events");
        await page.FillAsync("input[name=resource]", resource);
        await page.ClickAsync("#events-form button");
        var row = page.Locator("#recent-events tbody tr").First;
        await Assertions.Expect(row).ToContainTextAsync(eventId!);
        await Assertions.Expect(row).ToContainTextAsync($"#{id}");
        await Assertions.Expect(row).ToContainTextAsync("SUCCEEDED");
        await ShotAsync(page, "10-recent-events");
    }

    [Fact]
    public async Task The_console_works_at_phone_width()
    {
        var id = await SubscribeAsync("console-phone", "200");
        var page = await SignedInPageAsync(new ViewportSize { Width = 390, Height = 844 });

        await page.GotoAsync($"{service.BaseAddress}console/#/s/{id}");

        await Assertions.Expect(page.Locator("#summary")).ToContainTextAsync("ACTIVE");
        await AssertFitsAsync(page, "detail");
        await ShotAsync(page, "8-phone-detail");
        // Every page, not only the detail: the list, the editor, the recent events, an attempt.
        foreach (var (hash, ready) in new[] { ("#/", "#subscriptions"), ($"#/s/{id}/edit", "#edit"), ("#/events", "h1"), ("#/regions", "h1") })
        {
            await page.GotoAsync($"{service.BaseAddress}console/{hash}");
            await Assertions.Expect(page.Locator(ready)).ToBeVisibleAsync();
            await AssertFitsAsync(page, hash);
        }
        await ShotAsync(page, "8-phone-regions");
    }

    [Fact]
    public async Task A_customer_opens_its_console_from_a_one_time_link_and_sees_its_own_subscriptions_alone()
    {
        var tenant = $"portal-{Guid.NewGuid():N}"[..20];
        var customer = new EventsClient(service, service.TokenOfTenant(tenant, "integrator", "subscriptions:read", "subscriptions:write", "entities:read"));
        var own = await customer.SubscribeAsync(Body("portal-own", "200"));
        var others = await SubscribeAsync("portal-other", "200");
        try
        {
            var link = await LinkAsync(customer, new JsonObject());
            var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
            var page = await context.NewPageAsync();
            await page.GotoAsync(link);
            // Nothing is redeemed until the customer clicks: a page that merely loads the link (a scanner) does not use it up.
            await Assertions.Expect(page.Locator("#open-link-card")).ToBeVisibleAsync();
            Assert.DoesNotContain("portal=", page.Url);
            await ShotAsync(page, "11-link-open");
            await page.ClickAsync("#open-link");
            await Assertions.Expect(page.Locator("#who")).ToHaveTextAsync(tenant);
            await Assertions.Expect(page.Locator($"#subscriptions tr[data-id='{own}']")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator($"#subscriptions tr[data-id='{others}']")).ToHaveCountAsync(0);
            await Assertions.Expect(page.Locator("#token")).ToBeHiddenAsync();
            // The secret left the address bar; the session is a cookie the page cannot read.
            Assert.DoesNotContain("portal=", page.Url);
            var cookie = (await context.CookiesAsync()).Single(c => c.Name == "__Host-es_console");
            Assert.True(cookie.HttpOnly);
            Assert.True(cookie.Secure);
            Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
            Assert.DoesNotContain("es_console", await page.EvaluateAsync<string>("document.cookie"));
            await ShotAsync(page, "12-link-list");

            // The session acts: its subscription suspended from the console.
            await page.Locator($"#subscriptions tr[data-id='{own}']").ClickAsync();
            page.Dialog += async (_, dialog) => await dialog.AcceptAsync("paused by the customer");
            await page.ClickAsync("#suspend");
            await Assertions.Expect(page.Locator("#summary")).ToContainTextAsync("paused by the customer");
            await ShotAsync(page, "13-link-detail");

            // Used once: the same link in another browser signs no one in.
            var reused = await (await browser.NewContextAsync()).NewPageAsync();
            await reused.GotoAsync(link);
            await reused.ClickAsync("#open-link");
            await Assertions.Expect(reused.Locator("#flash")).ToContainTextAsync("used already");
            await Assertions.Expect(reused.Locator("#token")).ToBeVisibleAsync();
            await Assertions.Expect(reused.Locator("#subscriptions")).ToHaveCountAsync(0);
            await ShotAsync(reused, "14-link-reused");

            var expired = await LinkAsync(customer, new JsonObject { ["expiresInSeconds"] = 1 });
            await Task.Delay(TimeSpan.FromSeconds(2));
            var late = await (await browser.NewContextAsync()).NewPageAsync();
            await late.GotoAsync(expired);
            await late.ClickAsync("#open-link");
            await Assertions.Expect(late.Locator("#flash")).ToContainTextAsync("expired");
            await Assertions.Expect(late.Locator("#subscriptions")).ToHaveCountAsync(0);

            // Read-only and limited to one subscription: that one, without a button that changes it.
            var limited = await LinkAsync(customer, new JsonObject { ["readOnly"] = true, ["subscriptionId"] = own });
            var narrow = await (await browser.NewContextAsync()).NewPageAsync();
            await narrow.GotoAsync(limited);
            await narrow.ClickAsync("#open-link");
            await Assertions.Expect(narrow).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"#/s/{own}$"));
            await Assertions.Expect(narrow.Locator("#summary")).ToContainTextAsync("SUSPENDED");
            await Assertions.Expect(narrow.Locator("#who")).ToContainTextAsync("read-only");
            await Assertions.Expect(narrow.Locator("#enable")).ToBeHiddenAsync();
            await Assertions.Expect(narrow.Locator("#edit-button")).ToHaveCountAsync(0);
            await Assertions.Expect(narrow.Locator("#nav-list")).ToBeHiddenAsync();
            await Assertions.Expect(narrow.Locator("#nav-new")).ToBeHiddenAsync();
            await ShotAsync(narrow, "15-link-read-only");
            await narrow.GotoAsync($"{service.BaseAddress}console/#/");
            await Assertions.Expect(narrow).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"#/s/{own}$"));

            await narrow.ClickAsync("#signout");
            await Assertions.Expect(narrow.Locator("#token")).ToBeVisibleAsync();
            await narrow.ReloadAsync();
            await Assertions.Expect(narrow.Locator("#token")).ToBeVisibleAsync();
            await Assertions.Expect(narrow.Locator("#summary")).ToHaveCountAsync(0);
        }
        finally
        {
            await customer.ArchiveSubscribedAsync();
        }
    }

    [Fact]
    public async Task An_operator_clears_a_field_edits_delivery_and_sees_what_was_saved()
    {
        var body = Body("console-edit", "200");
        body["failureEmail"] = "ops@example.com";
        var id = await api.SubscribeAsync(body);
        var page = await SignedInPageAsync();
        await page.GotoAsync($"{service.BaseAddress}console/#/s/{id}/edit");
        await Assertions.Expect(page.Locator("#f-failureEmail")).ToHaveValueAsync("ops@example.com");
        await page.FillAsync("#f-failureEmail", "");
        await page.FillAsync("#f-delivery", """{"maxInFlight": 2, "timeoutSeconds": 5, "maxPerSecond": null}""");
        await page.ClickAsync("#edit button");

        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"#/s/{id}$"));
        // The message stays on the page the save led to.
        await Assertions.Expect(page.Locator("#flash")).ToContainTextAsync($"Saved subscription {id}");
        var saved = (await api.SendAsync(HttpMethod.Get, $"/rest/v1/events-subscriptions/{id}")).Body.GetProperty("data");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, saved.GetProperty("failureEmail").ValueKind);
        Assert.Equal(2, saved.GetProperty("delivery").GetProperty("maxInFlight").GetInt32());
        Assert.Equal(5, saved.GetProperty("delivery").GetProperty("timeoutSeconds").GetInt32());
        await ShotAsync(page, "16-saved");
    }

    [Fact]
    public async Task An_operator_pages_through_deliveries_finds_one_by_event_id_and_sees_a_failing_test_say_why()
    {
        var id = await SubscribeAsync("console-many", "200");
        var events = new List<string>();
        for (var i = 0; i < 120; i++)
        {
            events.Add((await api.OkAsync(HttpMethod.Post, $"/rest/v1/{resource}", new JsonObject { ["n"] = i }))!);
        }
        await Eventually.HoldsAsync(() => receiver.Calls("console-many").Count >= 120, TimeSpan.FromSeconds(60), "the deliveries never arrived");
        var page = await SignedInPageAsync();
        await page.GotoAsync($"{service.BaseAddress}console/#/s/{id}");
        await Assertions.Expect(page.Locator("#chart")).ToContainTextAsync("100 %");
        var deliveriesPager = page.Locator("#pager-deliveries");
        await Assertions.Expect(deliveriesPager).ToContainTextAsync("1–50 of 120");
        // Succeeded deliveries offer no retry.
        await Assertions.Expect(page.Locator("#deliveries button.retry")).ToHaveCountAsync(0);
        await deliveriesPager.Locator("a.older").ClickAsync();
        await Assertions.Expect(deliveriesPager).ToContainTextAsync("51–100 of 120");
        await deliveriesPager.Locator("a.older").ClickAsync();
        await Assertions.Expect(deliveriesPager).ToContainTextAsync("101–120 of 120");
        await ShotAsync(page, "17-paged");

        // The first event, by its id: its delivery alone, and its log.
        await page.FillAsync("#find input[name=eventId]", events[0]);
        await page.ClickAsync("#find button");
        await Assertions.Expect(page.Locator("#deliveries tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#deliveries")).ToContainTextAsync(events[0]);
        await Assertions.Expect(page.Locator("#log tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#log")).ToContainTextAsync($"{resource}/");
        await ShotAsync(page, "18-found");

        // A test call that fails says so, with the status.
        receiver.Url("console-many", "500");
        await page.ClickAsync("#test");
        await Assertions.Expect(page.Locator("#flash")).ToContainTextAsync("Test call FAILED: HTTP 500");
        await Assertions.Expect(page.Locator("#flash")).ToHaveClassAsync("bad");
        await ShotAsync(page, "19-test-failed");
    }

    [Fact]
    public async Task A_click_while_the_next_page_loads_does_not_act_on_the_page_being_left()
    {
        var first = await SubscribeAsync("console-first", "200");
        var second = await SubscribeAsync("console-second", "200");
        var page = await SignedInPageAsync();
        await page.GotoAsync($"{service.BaseAddress}console/#/s/{first}");
        await Assertions.Expect(page.Locator("#suspend")).ToBeEnabledAsync();
        // A slow network: the second subscription's page takes two seconds to come.
        await page.RouteAsync($"**/rest/v1/events-subscriptions/{second}", async route =>
        {
            await Task.Delay(2000);
            await route.ContinueAsync();
        });
        await page.EvaluateAsync($"location.hash = '#/s/{second}'");
        // The first page is still shown, but no longer acts.
        await Assertions.Expect(page.Locator("#suspend")).ToBeDisabledAsync();
        await ShotAsync(page, "20-loading");
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync($"#{second}");
        await Assertions.Expect(page.Locator("#suspend")).ToBeEnabledAsync();
        var firstState = (await api.SendAsync(HttpMethod.Get, $"/rest/v1/events-subscriptions/{first}")).Body.GetProperty("data").GetProperty("status").GetString();
        Assert.Equal("ACTIVE", firstState);
    }

    private static async Task AssertFitsAsync(IPage page, string what)
    {
        var width = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(width <= 400, $"{what}: the page is {width} px wide at a 390-px viewport");
    }

    private async Task<IPage> SignedInPageAsync(ViewportSize? viewport = null)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = viewport ?? new ViewportSize { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync($"{service.BaseAddress}console/");
        await page.FillAsync("#token", service.Token("subscriptions:read", "subscriptions:write", "entities:read"));
        await page.ClickAsync("#signin button[type=submit]");
        await Assertions.Expect(page.Locator("#flash")).ToContainTextAsync("Signed in");
        await Assertions.Expect(page.Locator("#subscriptions")).ToBeVisibleAsync();
        return page;
    }

    private Task<long> SubscribeAsync(string path, string answers) => api.SubscribeAsync(Body(path, answers));

    private JsonObject Body(string path, string answers)
    {
        var body = EventsClient.Subscription($"entity:{resource}:created", """{"filters": [{"tag": "context.*"}]}""");
        body["url"] = receiver.Url(path, answers);
        body["secret"] = Secret;
        body["name"] = $"console {path}";
        return body;
    }

    /// <summary>A console link the customer's application made.</summary>
    private static async Task<string> LinkAsync(EventsClient customer, JsonObject request)
    {
        var (status, answer, _) = await customer.SendAsync(HttpMethod.Post, "/rest/v1/portal-links", request);
        Assert.True(status == System.Net.HttpStatusCode.Created, $"link: {(int)status} {answer}");
        return answer.GetProperty("data").GetProperty("url").GetString()!;
    }

    private async Task<string?> HealthAsync(long id) =>
        (await api.SendAsync(HttpMethod.Get, $"/rest/v1/events-subscriptions/{id}")).Body.Data<SubscriptionView>().Health.State;

    private static Task ShotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, $"{name}.png"), FullPage = true });
}
