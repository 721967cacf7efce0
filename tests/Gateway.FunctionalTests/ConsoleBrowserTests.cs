using Microsoft.Playwright;

namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>The operator console in a real browser: failing subscriptions down to one attempt, creating with the API's refusals, regions and recent events, a phone's width.</summary>
[Trait("Category", "Functional")]
[Collection(DeliveryClusterCollection.Name)]
public sealed class ConsoleBrowserTests(DeliveryCluster service) : ConsoleBrowserTest(service)
{
    [Fact]
    public async Task An_operator_finds_a_failing_subscription_sees_why_down_to_one_attempt_retries_it_and_sees_it_succeed()
    {
        var id = await SubscribeAsync("console-down", "503");
        var eventId = await Api.OkAsync(HttpMethod.Post, $"/rest/v1/{Resource}", new JsonObject { ["name"] = "Failing" });
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
        Receiver.Url("console-down", "200");
        await page.ClickAsync("#retry-one");
        await Assertions.Expect(page.Locator("#flash")).ToContainTextAsync("retry queued");
        await Eventually.HoldsAsync(async () => (await HealthAsync(id)) == "HEALTHY", TimeSpan.FromSeconds(30), "the retried delivery never succeeded");
        await page.GotoAsync($"{Service.BaseAddress}console/#/s/{id}");
        await Assertions.Expect(page.Locator("#health-state")).ToContainTextAsync("HEALTHY");
        await Assertions.Expect(page.Locator("#log")).ToContainTextAsync("SUCCEEDED");
        await ShotAsync(page, "4-retried");
    }

    [Fact]
    public async Task An_operator_creates_a_subscription_fixing_the_field_the_api_refused_then_suspends_and_enables_it()
    {
        var page = await SignedInPageAsync();
        await page.GotoAsync($"{Service.BaseAddress}console/#/new");
        await page.FillAsync("#f-customId", $"console-{Guid.NewGuid():N}");
        await page.FillAsync("#f-name", "Made in the console");
        await page.FillAsync("#f-events", $"entity:{Resource}:created");
        await page.FillAsync("#f-url", "not a url");
        await page.FillAsync("#f-secret", Secret);
        await page.ClickAsync("#edit button");

        await Assertions.Expect(page.Locator("[data-field='url']")).ToHaveClassAsync("field-error");
        await Assertions.Expect(page.Locator("#error-url")).Not.ToBeEmptyAsync();
        await Assertions.Expect(page.Locator("[data-field='name']")).Not.ToHaveClassAsync("field-error");
        await ShotAsync(page, "5-create-refused");

        await page.FillAsync("#f-url", Receiver.Url("console-made"));
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
        await Api.RegionAsync(root, "Console root", null);
        await Api.RegionAsync(root + 1, "Console child", root);
        await Api.RegionAsync(root + 2, "Console grandchild", root + 1);
        var id = await SubscribeAsync("console-events", "200");
        var eventId = await Api.OkAsync(HttpMethod.Post, $"/rest/v1/{Resource}", new JsonObject { ["name"] = "Recent" });
        await Eventually.HoldsAsync(() => Receiver.Calls("console-events").Count == 1, TimeSpan.FromSeconds(30), "the event never arrived");
        var page = await SignedInPageAsync();

        await page.ClickAsync("#nav-regions");
        await page.FillAsync("input[name=root]", root.ToString());
        await page.ClickAsync("#regions-form button");
        await Assertions.Expect(page.Locator("#region-tree")).ToContainTextAsync("Console child");
        await Assertions.Expect(page.Locator("#region-tree ul ul")).ToContainTextAsync("Console grandchild");
        await ShotAsync(page, "9-regions");

        await page.ClickAsync("#nav-events");
        await page.FillAsync("input[name=resource]", Resource);
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

        await page.GotoAsync($"{Service.BaseAddress}console/#/s/{id}");

        await Assertions.Expect(page.Locator("#summary")).ToContainTextAsync("ACTIVE");
        await AssertFitsAsync(page, "detail");
        await ShotAsync(page, "8-phone-detail");
        // Every page, not only the detail: the list, the editor, the recent events, an attempt.
        foreach (var (hash, ready) in new[] { ("#/", "#subscriptions"), ($"#/s/{id}/edit", "#edit"), ("#/events", "h1"), ("#/regions", "h1") })
        {
            await page.GotoAsync($"{Service.BaseAddress}console/{hash}");
            await Assertions.Expect(page.Locator(ready)).ToBeVisibleAsync();
            await AssertFitsAsync(page, hash);
        }
        await ShotAsync(page, "8-phone-regions");
    }
}
