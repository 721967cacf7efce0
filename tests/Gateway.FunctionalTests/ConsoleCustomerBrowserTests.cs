using Microsoft.Playwright;

namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>A customer's console, opened in a real browser from a one-time link its application made.</summary>
[Trait("Category", "Functional")]
[Collection(DeliveryClusterCollection.Name)]
public sealed class ConsoleCustomerBrowserTests(DeliveryCluster service) : ConsoleBrowserTest(service)
{
    [Fact]
    public async Task A_customer_opens_its_console_from_a_one_time_link_and_sees_its_own_subscriptions_alone()
    {
        var tenant = $"portal-{Guid.NewGuid():N}"[..20];
        var customer = new EventsClient(Service, Service.TokenOfTenant(tenant, "integrator", "subscriptions:read", "subscriptions:write", "entities:read"));
        var own = await customer.SubscribeAsync(Body("portal-own", "200"));
        var others = await SubscribeAsync("portal-other", "200");
        try
        {
            var link = await LinkAsync(customer, new JsonObject());
            var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
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
            var reused = await (await Browser.NewContextAsync()).NewPageAsync();
            await reused.GotoAsync(link);
            await reused.ClickAsync("#open-link");
            await Assertions.Expect(reused.Locator("#flash")).ToContainTextAsync("used already");
            await Assertions.Expect(reused.Locator("#token")).ToBeVisibleAsync();
            await Assertions.Expect(reused.Locator("#subscriptions")).ToHaveCountAsync(0);
            await ShotAsync(reused, "14-link-reused");

            var expired = await LinkAsync(customer, new JsonObject { ["expiresInSeconds"] = 1 });
            // Time passing is the thing tested: opening the link sooner would use it up.
            await Task.Delay(TimeSpan.FromSeconds(2));
            var late = await (await Browser.NewContextAsync()).NewPageAsync();
            await late.GotoAsync(expired);
            await late.ClickAsync("#open-link");
            await Assertions.Expect(late.Locator("#flash")).ToContainTextAsync("expired");
            await Assertions.Expect(late.Locator("#subscriptions")).ToHaveCountAsync(0);

            // Read-only and limited to one subscription: that one, without a button that changes it.
            var limited = await LinkAsync(customer, new JsonObject { ["readOnly"] = true, ["subscriptionId"] = own });
            var narrow = await (await Browser.NewContextAsync()).NewPageAsync();
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
            await narrow.GotoAsync($"{Service.BaseAddress}console/#/");
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
}
