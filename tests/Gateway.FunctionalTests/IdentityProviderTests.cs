namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>
/// Production tokens: the operator's identity provider (OpenID Connect discovery, JWKS, RS256, key
/// rollover) besides the service's own key, and a rotation of that key.
/// </summary>
[Trait("Category", "Functional")]
[Collection(ServiceClusterCollection.Name)]
public sealed class IdentityProviderTests(ServiceCluster service)
{
    private const string Path = "/rest/v1/events-subscriptions?limit=1";

    [Fact]
    public async Task Tokens_of_the_identity_provider_are_accepted_through_a_key_rollover()
    {
        var idp = service.IdentityProvider;
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(idp.Token(ServiceCluster.Audience, "hr-sync", ["subscriptions:read"])));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(idp.Token(ServiceCluster.Audience, "hr-sync", ["subscriptions:read"], scopesAsScp: true)));
        // Scopes count whoever signed: a token without the scope is a 403.
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(idp.Token(ServiceCluster.Audience, "hr-sync", ["entities:read"])));
        // Another audience is not for this service.
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(idp.Token("another-api", "hr-sync", ["subscriptions:read"])));

        var before = idp.Token(ServiceCluster.Audience, "hr-sync", ["subscriptions:read"]);
        idp.RotateKey();
        var after = idp.Token(ServiceCluster.Audience, "hr-sync", ["subscriptions:read"]);
        // The new key is read from the JWKS when a token names it (no sooner than a second after the last read).
        await Eventually.HoldsAsync(async () => await StatusAsync(after) == HttpStatusCode.OK, TimeSpan.FromSeconds(20),
            "a token of the provider's new key was never accepted");
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(before));
    }

    [Fact]
    public async Task Tokens_of_the_previous_signing_key_are_still_accepted_and_of_no_key_refused()
    {
        string[] scopes = ["subscriptions:read"];
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(ServiceCluster.Token(scopes, service.PreviousSigningKey, ServiceCluster.Issuer, ServiceCluster.Audience)));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(service.Token("subscriptions:read")));
        var unknown = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(ServiceCluster.Token(scopes, unknown, ServiceCluster.Issuer, ServiceCluster.Audience)));
    }

    private async Task<HttpStatusCode> StatusAsync(string token)
    {
        using var response = await service.Http.SendAsync(service.Request(HttpMethod.Get, Path, token));
        return response.StatusCode;
    }
}
