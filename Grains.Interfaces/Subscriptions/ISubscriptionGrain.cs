using Orleans.Concurrency;

namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

/// <summary>One subscription (key: its id): configuration, status and health; the secret encrypted at rest.</summary>
[Alias("es.ISubscriptionGrain")]
public interface ISubscriptionGrain : IGrainWithIntegerKey
{
    /// <summary>For the Orleans Dashboard's grain-state view: configuration (never the secret), health, sender.</summary>
    [Alias("GetState"), ReadOnly]
    Task<Operations.SubscriptionStateView> GetState();

    /// <summary>Creates the subscription, with its extra headers when given.</summary>
    [Alias("Create")]
    Task<SubscriptionResult> CreateAsync(SubscriptionSpec spec, SecretText secret, HeaderValues? headers);

    /// <summary>The subscription, or null when no subscription has this id.</summary>
    [Alias("Get"), ReadOnly]
    Task<SubscriptionView?> GetAsync();

    /// <summary>
    /// Replaces the configuration. A null secret keeps the current one, null headers the current
    /// extra headers. With an expected version, fails with
    /// <see cref="SubscriptionOutcome.VersionMismatch"/> if it changed since.
    /// </summary>
    [Alias("Update")]
    Task<SubscriptionResult> UpdateAsync(SubscriptionSpec spec, SecretText? secret, HeaderValues? headers, int? expectedVersion);

    /// <summary>
    /// Applies a JSON merge patch (RFC 7396, a JSON object) to the configuration as the API renders
    /// it, checks the result whole and saves it: <see cref="SubscriptionOutcome.Invalid"/> with every
    /// error (nothing changed), or as <see cref="UpdateAsync"/>. A <c>secret</c> in the patch rotates it.
    /// Calls are one at a time, so concurrent patches of different fields all apply.
    /// </summary>
    [Alias("Patch")]
    Task<SubscriptionResult> PatchAsync(string mergePatch);

    [Alias("Suspend")]
    Task<SubscriptionResult> SuspendAsync(string reason);

    [Alias("Enable")]
    Task<SubscriptionResult> EnableAsync();

    [Alias("Archive")]
    [ResponseTimeout("00:00:30")] // cancels every pending delivery, however many wait
    Task<SubscriptionResult> ArchiveAsync(string? reason);

    /// <summary>
    /// Starts a backfill: the current state of every entity the subscription selects, queued as
    /// <c>entity:&lt;resource&gt;:backfill</c> events, paced behind its live deliveries. A conflict
    /// when archived or while one runs.
    /// </summary>
    /// <summary>
    /// Re-encrypts the stored secrets (secret, previous secret, extra headers) that are not under
    /// the current encryption key; true when it wrote any. The key rotation's pass calls it.
    /// </summary>
    [Alias("Rekey")]
    Task<bool> RekeyAsync();

    [Alias("Backfill")]
    Task<SubscriptionResult> BackfillAsync();

    /// <summary>Stops the running backfill (what it queued already is sent); a conflict when none runs.</summary>
    [Alias("CancelBackfill")]
    Task<SubscriptionResult> CancelBackfillAsync();

    /// <summary>
    /// Queues a matched event for delivery: builds the body once and stores it durably before
    /// returning. Idempotent on the event id; an archived subscription ignores it (false).
    /// </summary>
    [Alias("Enqueue"), AlwaysInterleave]
    Task<bool> EnqueueAsync(EventsSubscriptions.Grains.Interfaces.Entities.EntityEvent entityEvent);

    /// <summary>
    /// Queues matched events, in the order given (a router's batch of one stream key): one call
    /// and one durable write for all of them. Idempotent on each event id; false when archived.
    /// </summary>
    [Alias("EnqueueMany"), AlwaysInterleave]
    Task<bool> EnqueueManyAsync(EventsSubscriptions.Grains.Interfaces.Entities.EntityEvent[] entityEvents);

    /// <summary>
    /// Sends one signed <c>entity:&lt;resource&gt;:test</c> call now, outside the queue, and returns
    /// its log entry; or <see cref="SubscriptionOutcome.NotFound"/>, or
    /// <see cref="SubscriptionOutcome.StatusConflict"/> when archived.
    /// </summary>
    [Alias("TestCall"), AlwaysInterleave]
    [ResponseTimeout("00:00:45")] // one webhook call, up to the subscription's 30-s timeout
    Task<TestCallResult> TestAsync();

    /// <summary>
    /// Queues again the deliveries of the events it queued between <paramref name="since"/> and
    /// <paramref name="until"/> (only those that failed for good, with <paramref name="onlyFailed"/>):
    /// the number queued again and the subscription after; or <see cref="SubscriptionOutcome.NotFound"/>,
    /// or <see cref="SubscriptionOutcome.StatusConflict"/> when archived.
    /// </summary>
    [Alias("ReplayWindow")]
    [ResponseTimeout("00:00:30")] // reads and queues a range of history
    Task<ReplayResult> ReplayAsync(DateTimeOffset since, DateTimeOffset? until, bool onlyFailed);

    /// <summary>
    /// Sends one delivery again now: one waiting for its retry is made due at once; one that
    /// finished (sent, exhausted, cancelled) is queued again from its first attempt. It still goes
    /// after the earlier deliveries of its entity.
    /// </summary>
    [Alias("RetryDelivery")]
    Task<DeliveryRetry> RetryDeliveryAsync(string eventId);

    /// <summary>Asked by a custom id whose claim is contested (by its key, the tenant's custom id): does this subscription still hold it?</summary>
    [Alias("HoldsCustomId"), AlwaysInterleave, ReadOnly]
    Task<bool> HoldsCustomIdAsync(string key);
}
