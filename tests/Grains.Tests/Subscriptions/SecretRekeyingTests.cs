namespace EventsSubscriptions.Grains.Tests.Subscriptions;

/// <summary>
/// A key rotation while the service runs: the new key with the old one as previous, every stored
/// secret rewritten under the new key, then the old key removed, and calls still signed and authorized.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SecretRekeyingTests : ReceiverClusterTest
{
    private Dictionary<string, string?> settings = [];

    protected override IReadOnlyDictionary<string, string?> SiloSettings => settings;

    [Fact]
    public async Task Every_secret_is_reencrypted_under_the_new_key_and_the_old_key_can_then_go()
    {
        const string Secret = "rotation-secret-0123456789";
        var id = await Cluster.Client.GetGrain<IIdSequenceGrain>(IdSequences.Subscriptions).NextAsync();
        var created = await Grain(id).CreateAsync(TestSpecs.Subscription("rekeyed", Receiver.Url("rekey")) with { SecretHeaderMode = SecretHeaderMode.Secret },
            new SecretText(Secret), new HeaderValues(new Dictionary<string, string?> { ["X-Api-Key"] = "api-key-for-the-rotation" }, whole: true));
        Assert.Equal(SubscriptionOutcome.Ok, created.Outcome);
        var oldKey = Cluster.SecretKey;
        var newKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

        // The new key, the old one still able to decrypt: the pass rewrites the subscription.
        await Cluster.StopAllAsync();
        settings = new() { ["Secrets:EncryptionKey"] = newKey, ["Secrets:PreviousKeys"] = $"{Convert.ToBase64String(new byte[32])}, {oldKey}" };
        await StartSiloAsync();
        await Cluster.StartClientAsync();
        await Eventually.HoldsAsync(async () => await Database.ScalarAsync<long>(
                "SELECT count(*) FROM secret_rekeying WHERE done AND rekeyed = 1") == 1,
            TimeSpan.FromSeconds(60), "the re-encryption pass never finished");

        // The old key gone: the secret and the headers still decrypt, and go out on a call.
        await Cluster.StopAllAsync();
        settings = new() { ["Secrets:EncryptionKey"] = newKey };
        await StartSiloAsync();
        await Cluster.StartClientAsync();
        var test = await Grain(id).TestAsync();
        Assert.Equal(SubscriptionOutcome.Ok, test.Outcome);
        Assert.Equal(LogOutcome.Succeeded, test.Entry!.Outcome);
        var call = Assert.Single(Receiver.Calls("rekey"));
        var headers = new Dictionary<string, string>(call.Headers, StringComparer.OrdinalIgnoreCase);
        Assert.Equal(Secret, headers["X-Secret"]);
        Assert.Equal("api-key-for-the-rotation", headers["X-Api-Key"]);
    }
}
