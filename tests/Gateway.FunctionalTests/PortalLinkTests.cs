namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>
/// Console links through the real gateway, as a customer's browser would use them (its cookie
/// handled by hand, as a browser does): a link opens one session of its tenant once; the session
/// sees and changes its tenant's subscriptions alone, with no more than the link's scopes, changes
/// things only with the console's header, and a link limited to one subscription reaches that one
/// alone. The browser journey is in <see cref="ConsoleBrowserTests"/>.
/// </summary>
[Trait("Category", "Functional")]
[Collection(ServiceClusterCollection.Name)]
public sealed class PortalLinkTests(ServiceCluster service) : IDisposable
{
    private readonly string tenantA = $"pa-{Guid.NewGuid():N}"[..20];
    private readonly string tenantB = $"pb-{Guid.NewGuid():N}"[..20];

    // A browser's view of the gateway: no shared cookie jar, each cookie sent by hand.
    private readonly HttpClient browser = new(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = service.BaseAddress };

    public void Dispose() => browser.Dispose();

    private EventsClient Client(string tenant, params string[] scopes) => service.ClientOfTenant(tenant, "integrator", scopes);

    [Fact]
    public async Task A_link_opens_one_session_of_its_tenant_once_and_the_session_reaches_that_tenant_alone()
    {
        var a = Client(tenantA);
        var b = Client(tenantB);
        var mineA = await a.SubscribeAsync(SubscriptionsClient.ValidBody());
        var ofB = await b.SubscribeAsync(SubscriptionsClient.ValidBody());

        var (status, link, _) = await a.SendAsync(HttpMethod.Post, "/rest/v1/portal-links", new JsonObject());
        Assert.Equal(HttpStatusCode.Created, status);
        var data = link.GetProperty("data");
        var url = data.GetProperty("url").GetString()!;
        Assert.StartsWith($"{service.BaseAddress}console/#portal=", url);
        Assert.Equal(tenantA, data.GetProperty("tenant").GetString());
        Assert.False(data.GetProperty("readOnly").GetBoolean());
        Assert.Equal(["subscriptions:read", "subscriptions:write", "entities:read"], data.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        var expiresOn = data.GetProperty("expiresOn").GetDateTimeOffset();
        // An hour by default, but never past the maker's own token (the tests' tokens last 30 minutes).
        Assert.InRange(expiresOn - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(29), TimeSpan.FromMinutes(30.5));
        var secret = url[(url.IndexOf("#portal=", StringComparison.Ordinal) + "#portal=".Length)..];

        // Redeemed by the console alone (its header), then once.
        Assert.Equal(HttpStatusCode.Forbidden, (await RedeemAsync(secret, withHeader: false)).Status);
        var (redeemed, body, cookie) = await RedeemAsync(secret);
        Assert.Equal(HttpStatusCode.OK, redeemed);
        Assert.Equal(tenantA, body.GetProperty("data").GetProperty("tenant").GetString());
        Assert.NotNull(cookie);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", cookie, StringComparison.OrdinalIgnoreCase);
        var again = await RedeemAsync(secret);
        Assert.Equal(HttpStatusCode.Unauthorized, again.Status);
        Assert.Contains("used already", again.Body.GetProperty("detail").GetString());
        Assert.Null(again.Cookie);
        var session = cookie!.Split(';')[0];

        // The session is the tenant's: its list holds its own subscription, not the other's (asked
        // for both by id, so that the answer does not hang on how many the cluster holds).
        var (listed, list) = await SessionAsync(session, HttpMethod.Get, $"/rest/v1/events-subscriptions?id:in={mineA},{ofB}");
        Assert.Equal(HttpStatusCode.OK, listed);
        var ids = list.GetProperty("data").EnumerateArray().Select(s => s.GetProperty("id").GetInt64()).ToList();
        Assert.Contains(mineA, ids);
        Assert.DoesNotContain(ofB, ids);
        var (unknown, unknownBody) = await SessionAsync(session, HttpMethod.Get, "/rest/v1/events-subscriptions/999999999");
        var (other, otherBody) = await SessionAsync(session, HttpMethod.Get, $"/rest/v1/events-subscriptions/{ofB}");
        Assert.Equal(HttpStatusCode.NotFound, unknown);
        Assert.Equal(HttpStatusCode.NotFound, other);
        Assert.Equal(unknownBody.GetProperty("detail").GetString()!.Replace("999999999", ofB.ToString()), otherBody.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await SessionAsync(session, HttpMethod.Post, $"/rest/v1/events-subscriptions/{ofB}/actions/enable", console: true)).Status);
        var (named, _) = await SessionAsync(session, HttpMethod.Get, "/rest/v1/events-subscriptions", headers: [new("X-Tenant", tenantB)]);
        Assert.Equal(HttpStatusCode.Forbidden, named);
        Assert.Equal(HttpStatusCode.Forbidden, (await SessionAsync(session, HttpMethod.Get, "/dashboard/")).Status);

        // Changes only with the console's header; no links made from a session.
        var suspend = new JsonObject { ["reason"] = "from the console" };
        var (bare, bareBody) = await SessionAsync(session, HttpMethod.Post, $"/rest/v1/events-subscriptions/{mineA}/actions/suspend", suspend);
        Assert.Equal(HttpStatusCode.Forbidden, bare);
        Assert.Contains("X-Requested-With", bareBody.GetProperty("detail").GetString());
        Assert.Equal("ACTIVE", await StatusAsync(a, mineA));
        Assert.Equal(HttpStatusCode.OK, (await SessionAsync(session, HttpMethod.Post, $"/rest/v1/events-subscriptions/{mineA}/actions/suspend", suspend, console: true)).Status);
        Assert.Equal("SUSPENDED", await StatusAsync(a, mineA));
        Assert.Equal(HttpStatusCode.Forbidden, (await SessionAsync(session, HttpMethod.Post, "/rest/v1/portal-links", new JsonObject(), console: true)).Status);

        // What the session is, for the console's header; then signed out.
        var (about, aboutBody) = await SessionAsync(session, HttpMethod.Get, "/console/session");
        Assert.Equal(HttpStatusCode.OK, about);
        Assert.Equal("integrator", aboutBody.GetProperty("data").GetProperty("subject").GetString());
        Assert.Equal(JsonValueKind.Null, aboutBody.GetProperty("data").GetProperty("subscriptionId").ValueKind);
        using var signOut = new HttpRequestMessage(HttpMethod.Delete, "/console/session");
        using var cleared = await browser.SendAsync(signOut);
        Assert.Equal(HttpStatusCode.NoContent, cleared.StatusCode);
        Assert.Contains(cleared.Headers.GetValues("Set-Cookie"), c => c.StartsWith("__Host-es_console=;", StringComparison.Ordinal) && c.Contains("expires=Thu, 01 Jan 1970"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await SessionAsync("", HttpMethod.Get, "/console/session")).Status);

        await a.ArchiveSubscribedAsync();
        await b.ArchiveSubscribedAsync();
    }

    [Fact]
    public async Task A_read_only_link_to_one_subscription_shows_that_one_alone_and_changes_nothing()
    {
        var a = Client(tenantA);
        var shown = await a.SubscribeAsync(SubscriptionsClient.ValidBody());
        var hidden = await a.SubscribeAsync(SubscriptionsClient.ValidBody());
        var session = await SessionOfLinkAsync(a, new JsonObject { ["readOnly"] = true, ["subscriptionId"] = shown });

        Assert.Equal(HttpStatusCode.OK, (await SessionAsync(session, HttpMethod.Get, $"/rest/v1/events-subscriptions/{shown}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await SessionAsync(session, HttpMethod.Get, $"/rest/v1/events-subscriptions/{shown}/logs")).Status);
        Assert.Equal(HttpStatusCode.OK, (await SessionAsync(session, HttpMethod.Get, "/rest/v1/event-types")).Status);
        var (list, listBody) = await SessionAsync(session, HttpMethod.Get, "/rest/v1/events-subscriptions");
        Assert.Equal(HttpStatusCode.Forbidden, list);
        Assert.Contains($"subscription {shown} alone", listBody.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await SessionAsync(session, HttpMethod.Get, $"/rest/v1/events-subscriptions/{hidden}")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SessionAsync(session, HttpMethod.Get, "/rest/v1/recent-events?resource=employees")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SessionAsync(session, HttpMethod.Get, "/rest/v1/employees/1")).Status);
        // Read-only: the scope is not there, whatever header it sends.
        Assert.Equal(HttpStatusCode.Forbidden,
            (await SessionAsync(session, HttpMethod.Post, $"/rest/v1/events-subscriptions/{shown}/actions/suspend", new JsonObject { ["reason"] = "x" }, console: true)).Status);
        Assert.Equal("ACTIVE", await StatusAsync(a, shown));
        var about = (await SessionAsync(session, HttpMethod.Get, "/console/session")).Body.GetProperty("data");
        Assert.True(about.GetProperty("readOnly").GetBoolean());
        Assert.Equal(shown, about.GetProperty("subscriptionId").GetInt64());
        Assert.Equal(["subscriptions:read", "entities:read"], about.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));

        // Read-write but limited: its actions, not its configuration (which could point it at any entity of the tenant).
        var limited = await SessionOfLinkAsync(a, new JsonObject { ["subscriptionId"] = shown });
        var (patched, patchBody) = await SessionAsync(limited, HttpMethod.Patch, $"/rest/v1/events-subscriptions/{shown}",
            new JsonObject { ["url"] = "https://elsewhere.events.test/hook" }, console: true);
        Assert.Equal(HttpStatusCode.Forbidden, patched);
        Assert.Contains("cannot change its configuration", patchBody.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await SessionAsync(limited, HttpMethod.Put, $"/rest/v1/events-subscriptions/{shown}", SubscriptionsClient.ValidBody(), console: true)).Status);
        Assert.Equal(HttpStatusCode.OK,
            (await SessionAsync(limited, HttpMethod.Post, $"/rest/v1/events-subscriptions/{shown}/actions/suspend", new JsonObject { ["reason"] = "x" }, console: true)).Status);
        Assert.Equal("SUSPENDED", await StatusAsync(a, shown));

        // A maker without entities:read makes a session without it.
        var narrow = Client(tenantA, "subscriptions:read", "subscriptions:write");
        var narrowSession = await SessionOfLinkAsync(narrow, new JsonObject());
        var narrowScopes = (await SessionAsync(narrowSession, HttpMethod.Get, "/console/session")).Body.GetProperty("data").GetProperty("scopes");
        Assert.Equal(["subscriptions:read", "subscriptions:write"], narrowScopes.EnumerateArray().Select(s => s.GetString()));
        await a.ArchiveSubscribedAsync();
    }

    [Fact]
    public async Task Links_are_refused_field_by_field_and_an_expired_or_forged_link_signs_no_one_in()
    {
        var a = Client(tenantA);
        var b = Client(tenantB);
        var ofB = await b.SubscribeAsync(SubscriptionsClient.ValidBody());

        var (bad, badBody, _) = await a.SendAsync(HttpMethod.Post, "/rest/v1/portal-links",
            new JsonObject { ["expiresInSeconds"] = 3601, ["readOnly"] = "yes", ["subscriptionId"] = -1, ["tenant"] = tenantB });
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        var errors = badBody.GetProperty("errors");
        foreach (var field in new[] { "expiresInSeconds", "readOnly", "subscriptionId", "tenant" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}: {badBody}");
        }
        Assert.Equal(HttpStatusCode.BadRequest, (await a.SendAsync(HttpMethod.Post, "/rest/v1/portal-links", new JsonObject { ["expiresInSeconds"] = 0 })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await a.SendAsync(HttpMethod.Post, "/rest/v1/portal-links", new JsonArray())).Status);

        // Another tenant's subscription is answered as one that does not exist.
        var (other, otherBody, _) = await a.SendAsync(HttpMethod.Post, "/rest/v1/portal-links", new JsonObject { ["subscriptionId"] = ofB });
        var (none, noneBody, _) = await a.SendAsync(HttpMethod.Post, "/rest/v1/portal-links", new JsonObject { ["subscriptionId"] = 999999999 });
        Assert.Equal(HttpStatusCode.NotFound, other);
        Assert.Equal(HttpStatusCode.NotFound, none);
        Assert.Equal(noneBody.GetProperty("detail").GetString()!.Replace("999999999", ofB.ToString()), otherBody.GetProperty("detail").GetString());

        // A read-only token makes no link.
        Assert.Equal(HttpStatusCode.Forbidden, (await Client(tenantA, "subscriptions:read", "entities:read").SendAsync(HttpMethod.Post, "/rest/v1/portal-links")).Status);

        // Expired: refused as such.
        var (_, shortLived, _) = await a.SendAsync(HttpMethod.Post, "/rest/v1/portal-links", new JsonObject { ["expiresInSeconds"] = 1 });
        var url = shortLived.GetProperty("data").GetProperty("url").GetString()!;
        // Time passing is the thing tested: a link redeemed to see whether it has expired would be used up.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var expired = await RedeemAsync(url[(url.IndexOf('=') + 1)..]);
        Assert.Equal(HttpStatusCode.Unauthorized, expired.Status);
        Assert.Contains("expired", expired.Body.GetProperty("detail").GetString());

        // Forged: a made-up secret, a malformed one, and a plain token put in the cookie.
        Assert.Equal(HttpStatusCode.Unauthorized, (await RedeemAsync(new string('A', 43))).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RedeemAsync("../../etc/passwd")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await RedeemAsync("\u0000")).Status);
        var (missing, missingBody) = await SendAsync(new HttpRequestMessage(HttpMethod.Post, "/console/session")
        {
            Content = new StringContent("{}", Encoding.UTF8, "application/json"),
            Headers = { { "X-Requested-With", "es-console" } },
        });
        Assert.Equal(HttpStatusCode.BadRequest, missing);
        Assert.True(missingBody.GetProperty("errors").TryGetProperty("link", out _));
        var token = service.TokenOfTenant(tenantA, "integrator", ServiceCluster.AllScopes);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SessionAsync($"__Host-es_console={token}", HttpMethod.Get, "/rest/v1/events-subscriptions")).Status);
        await b.ArchiveSubscribedAsync();
    }

    private async Task<string> SessionOfLinkAsync(EventsClient maker, JsonObject request)
    {
        var (status, link, _) = await maker.SendAsync(HttpMethod.Post, "/rest/v1/portal-links", request);
        Assert.True(status == HttpStatusCode.Created, $"link: {(int)status} {link}");
        var url = link.GetProperty("data").GetProperty("url").GetString()!;
        var (redeemed, body, cookie) = await RedeemAsync(url[(url.IndexOf("#portal=", StringComparison.Ordinal) + 8)..]);
        Assert.True(redeemed == HttpStatusCode.OK, $"redeem: {(int)redeemed} {body}");
        return cookie!.Split(';')[0];
    }

    private async Task<(HttpStatusCode Status, JsonElement Body, string? Cookie)> RedeemAsync(string secret, bool withHeader = true)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/console/session")
        {
            Content = new StringContent(new JsonObject { ["link"] = secret }.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (withHeader)
        {
            request.Headers.Add("X-Requested-With", "es-console");
        }
        using var response = await browser.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var cookie = response.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies.SingleOrDefault(c => c.StartsWith("__Host-es_console=", StringComparison.Ordinal)) : null;
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone(), cookie);
    }

    /// <summary>A request as the console's page sends it: the session cookie, and the console's header when <paramref name="console"/>.</summary>
    private Task<(HttpStatusCode Status, JsonElement Body)> SessionAsync(string cookie, HttpMethod method, string path, JsonNode? body = null,
        bool console = false, KeyValuePair<string, string>[]? headers = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (cookie.Length > 0)
        {
            request.Headers.Add("Cookie", cookie);
        }
        if (console)
        {
            request.Headers.Add("X-Requested-With", "es-console");
        }
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.Add(name, value);
        }
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        }
        return SendAsync(request);
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpRequestMessage request)
    {
        using (request)
        {
            using var response = await browser.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            JsonElement parsed = default;
            if (text.Length > 0 && response.Content.Headers.ContentType?.MediaType?.Contains("json") == true)
            {
                parsed = JsonDocument.Parse(text).RootElement.Clone();
            }
            return (response.StatusCode, parsed);
        }
    }

    private static async Task<string> StatusAsync(EventsClient client, long id) =>
        (await client.SendAsync(HttpMethod.Get, $"/rest/v1/events-subscriptions/{id}")).Body.Data<SubscriptionView>().Status;
}
