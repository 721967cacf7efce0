using Microsoft.Playwright;

namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>Editing, paging and navigating in the console in a real browser: what was saved is shown, a page being left does not act.</summary>
[Trait("Category", "Functional")]
[Collection(DeliveryClusterCollection.Name)]
public sealed class ConsoleNavigationBrowserTests(DeliveryCluster service) : ConsoleBrowserTest(service)
{
    [Fact]
    public async Task An_operator_clears_a_field_edits_delivery_and_sees_what_was_saved()
    {
        var body = Body("console-edit", "200");
        body["failureEmail"] = "ops@example.com";
        var id = await Api.SubscribeAsync(body);
        var page = await SignedInPageAsync();
        await page.GotoAsync($"{Service.BaseAddress}console/#/s/{id}/edit");
        await Assertions.Expect(page.Locator("#f-failureEmail")).ToHaveValueAsync("ops@example.com");
        await page.FillAsync("#f-failureEmail", "");
        await page.FillAsync("#f-delivery", """{"maxInFlight": 2, "timeoutSeconds": 5, "maxPerSecond": null}""");
        await page.ClickAsync("#edit button");

        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"#/s/{id}$"));
        // The message stays on the page the save led to.
        await Assertions.Expect(page.Locator("#flash")).ToContainTextAsync($"Saved subscription {id}");
        var saved = (await Api.SendAsync(HttpMethod.Get, $"/rest/v1/events-subscriptions/{id}")).Body.GetProperty("data");
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
            events.Add((await Api.OkAsync(HttpMethod.Post, $"/rest/v1/{Resource}", new JsonObject { ["n"] = i }))!);
        }
        await Eventually.HoldsAsync(() => Receiver.Calls("console-many").Count >= 120, TimeSpan.FromSeconds(60), "the deliveries never arrived");
        var page = await SignedInPageAsync();
        await page.GotoAsync($"{Service.BaseAddress}console/#/s/{id}");
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
        await Assertions.Expect(page.Locator("#log")).ToContainTextAsync($"{Resource}/");
        await ShotAsync(page, "18-found");

        // A test call that fails says so, with the status.
        Receiver.Url("console-many", "500");
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
        await page.GotoAsync($"{Service.BaseAddress}console/#/s/{first}");
        await Assertions.Expect(page.Locator("#suspend")).ToBeEnabledAsync();
        // A slow network: the second subscription's page takes two seconds to come.
        await page.RouteAsync($"**/rest/v1/events-subscriptions/{second}", async route =>
        {
            // The delay is the slow network under test, not a wait for something to happen.
            await Task.Delay(2000);
            await route.ContinueAsync();
        });
        await page.EvaluateAsync($"location.hash = '#/s/{second}'");
        // The first page is still shown, but no longer acts.
        await Assertions.Expect(page.Locator("#suspend")).ToBeDisabledAsync();
        await ShotAsync(page, "20-loading");
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync($"#{second}");
        await Assertions.Expect(page.Locator("#suspend")).ToBeEnabledAsync();
        var firstState = (await Api.SendAsync(HttpMethod.Get, $"/rest/v1/events-subscriptions/{first}")).Body.GetProperty("data").GetProperty("status").GetString();
        Assert.Equal("ACTIVE", firstState);
    }
}
