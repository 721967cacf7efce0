using System.Text.Json;
using EventsSubscriptions.Grains.Delivery;

namespace EventsSubscriptions.Grains.Subscriptions;

/// <summary>
/// A subscription's secret, its previous one while a rotation overlaps, and its extra headers:
/// encrypted in the grain's state, in clear only for the time of a call.
/// </summary>
internal sealed class SubscriptionSecrets(SecretProtector protector, Func<SubscriptionState> state, long id, TimeProvider clock, TimeSpan overlap)
{
    private SubscriptionState State => state();

    /// <summary>Stores the first secret of a new subscription.</summary>
    public void SetFirst(SecretText secret) => State.EncryptedSecret = protector.Protect(secret.Value, id);

    /// <summary>A new secret replaces the current one, which still signs alongside it for the overlap.</summary>
    public void Rotate(SecretText secret)
    {
        if (State.EncryptedSecret is { } current && protector.Unprotect(current, id) == secret.Value)
        {
            return;
        }
        State.PreviousEncryptedSecret = State.EncryptedSecret;
        State.SecretRotatedOn = clock.GetUtcNow();
        State.EncryptedSecret = protector.Protect(secret.Value, id);
    }

    /// <summary>Whether the current secret may travel as a header value (one stored before that was required may not).</summary>
    public bool CurrentSendable => SecretHeaderModes.Sendable(protector.Unprotect(State.EncryptedSecret!, id));

    /// <summary>The extra headers sent on every call, decrypted (none for most subscriptions).</summary>
    public Dictionary<string, string> ExtraHeaders() =>
        State.EncryptedHeaders is { } encrypted
            ? new(JsonSerializer.Deserialize<Dictionary<string, string>>(protector.Unprotect(encrypted, id, SecretPurpose.Headers))!, StringComparer.OrdinalIgnoreCase)
            : new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Stores the extra headers' values encrypted and returns the spec naming them.</summary>
    public SubscriptionSpec SetHeaders(SubscriptionSpec spec, Dictionary<string, string> headers)
    {
        State.EncryptedHeaders = headers.Count == 0 ? null : protector.Protect(JsonSerializer.Serialize(headers), id, SecretPurpose.Headers);
        return spec with { HeaderNames = [.. headers.Keys.Order(StringComparer.OrdinalIgnoreCase)] };
    }

    /// <summary>What one attempt sends.</summary>
    public WebhookCall CallOf(SubscriptionSpec spec, string body, string deliveryId) =>
        new(spec.Url, body, deliveryId, spec.SecretHeaderName, spec.HeaderMode, protector.Unprotect(State.EncryptedSecret!, id),
            PreviousWithinOverlap(), spec.Language, spec.Delivery.TimeoutSeconds)
        {
            ExtraHeaders = State.EncryptedHeaders is null ? [] : ExtraHeaders(),
        };

    /// <summary>Encrypts again under the current key what an older key encrypted; true when anything changed.</summary>
    public bool Rekey()
    {
        var changed = false;
        if (State.EncryptedSecret is { } secret && protector.NeedsRekey(secret))
        {
            State.EncryptedSecret = protector.Protect(protector.Unprotect(secret, id), id);
            changed = true;
        }
        if (State.PreviousEncryptedSecret is { } previous && protector.NeedsRekey(previous))
        {
            State.PreviousEncryptedSecret = protector.Protect(protector.Unprotect(previous, id), id);
            changed = true;
        }
        if (State.EncryptedHeaders is { } headers && protector.NeedsRekey(headers))
        {
            State.EncryptedHeaders = protector.Protect(protector.Unprotect(headers, id, SecretPurpose.Headers), id, SecretPurpose.Headers);
            changed = true;
        }
        return changed;
    }

    private string? PreviousWithinOverlap() =>
        State.PreviousEncryptedSecret is { } old && State.SecretRotatedOn is { } rotated && clock.GetUtcNow() - rotated < overlap
            ? protector.Unprotect(old, id)
            : null;
}
