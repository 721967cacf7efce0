namespace EventsSubscriptions.Grains.Subscriptions;

[GenerateSerializer, Alias("es.SubscriptionState")]
public sealed class SubscriptionState
{
    /// <summary>The repair of stored health that states saved from now on have had.</summary>
    public const int CurrentHealthRepair = 1;

    /// <summary>Null until the subscription is created.</summary>
    [Id(0)] public SubscriptionSpec? Spec { get; set; }

    /// <summary>The secret, encrypted (see <see cref="SecretProtector"/>); never stored in clear.</summary>
    [Id(1)] public byte[]? EncryptedSecret { get; set; }

    /// <summary>The secret before the last change, kept for the signature overlap after a rotation.</summary>
    [Id(2)] public byte[]? PreviousEncryptedSecret { get; set; }
    [Id(3)] public DateTimeOffset? SecretRotatedOn { get; set; }

    /// <summary>The extra headers' values (names in <see cref="SubscriptionSpec.HeaderNames"/>), as encrypted JSON; null when none.</summary>
    [Id(18)] public byte[]? EncryptedHeaders { get; set; }

    [Id(4)] public SubscriptionStatus Status { get; set; }
    [Id(5)] public string? StatusReason { get; set; }
    [Id(6)] public DateTimeOffset CreatedOn { get; set; }
    [Id(7)] public DateTimeOffset UpdatedOn { get; set; }
    [Id(9)] public SubscriptionHealth Health { get; set; } = SubscriptionHealth.None;

    /// <summary>
    /// Which repair of stored health this state has had (<see cref="CurrentHealthRepair"/>): states
    /// saved before it may hold another subscription's health, and are derived again from the log.
    /// </summary>
    [Id(15)] public int HealthRepairVersion { get; set; }

    /// <summary>The caller (token subject) that created the subscription, as the gateway passed it.</summary>
    [Id(16)] public string? CreatedBy { get; set; }
    [Id(10)] public int Version { get; set; }

    /// <summary>The version last written to the read model and the index; behind <see cref="Version"/> after a crash mid-way.</summary>
    [Id(11)] public int ProjectedVersion { get; set; }

    /// <summary>Since when every attempt failed; null while healthy.</summary>
    [Id(13)] public DateTimeOffset? FailingSince { get; set; }

    /// <summary>When the last notice of failing calls went out (see <see cref="Notifications.FailureNotices"/>).</summary>
    [Id(19)] public DateTimeOffset? FailingNoticeOn { get; set; }

    /// <summary>Whether a failing notice went out since the last success: a success then sends a recovery notice.</summary>
    [Id(20)] public bool FailingNoticeOpen { get; set; }

    /// <summary>When the last e-mail about an exhausted delivery went out.</summary>
    [Id(14)] public DateTimeOffset? ExhaustedMailOn { get; set; }

    /// <summary>The tenant the subscription belongs to; null for one made before tenants (the default tenant's).</summary>
    [Id(17)] public string? Tenant { get; set; }

    /// <summary>The last backfill (<see cref="BackfillProgress"/>), saved after each chunk; null if none ever ran.</summary>
    [Id(21)] public BackfillProgress? Backfill { get; set; }

    /// <summary>The resource whose index lists this subscription, if any (the tenant's index of it).</summary>
    [Id(12)] public string? IndexedResource { get; set; }
}
