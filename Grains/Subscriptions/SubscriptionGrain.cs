using System.Text.Json;
using System.Text.Json.Nodes;
using EventsSubscriptions.Grains.Delivery;
using EventsSubscriptions.Grains.Hosting;
using EventsSubscriptions.Grains.Interfaces.Entities;
using EventsSubscriptions.Grains.Interfaces.Subscriptions;
using EventsSubscriptions.Grains.Interfaces.Tenants;
using EventsSubscriptions.Grains.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EventsSubscriptions.Grains.Subscriptions;

/// <summary>
/// One subscription. Saves its state first, then brings the listing read model and its
/// resource's index in step ("projection"); a projection cut short by a crash is finished on the
/// next activation, since the state records which version was last projected.
/// </summary>
public sealed partial class SubscriptionGrain(
    [PersistentState("subscription")] IPersistentState<SubscriptionState> state,
    SecretProtector secrets,
    SubscriptionReadModel readModel,
    RoutingDeadLetters deadLetters,
    DeliveryStore deliveries,
    DeliveryWindows windows,
    WebhookSender sender,
    DeliveryMetrics metrics,
    Notifications.FailureNotifier notifier,
    IOptions<DeliverySettings> deliverySettings,
    SubscriptionRequestReader requests,
    [FromKeyedServices(ServiceClock.Key)] TimeProvider clock,
    ILogger<SubscriptionGrain> logger) : Grain, ISubscriptionGrain, ISubscriptionSenderControl, IRemindable, ITenantOwned
{
    // The custom id this activation is claiming right now: it counts as held while the claim is
    // answered and the state saved, so that a contested claim does not mistake it for stale.
    private string? claiming;

    // Kept in memory, read back from the outbox on activation: no state write per delivery.
    private long pendingDeliveries;
    private DateTimeOffset? lastTriggeredOn;

    private long Id => this.GetPrimaryKeyLong();

    private SubscriptionState S => state.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Spec is not null)
        {
            (pendingDeliveries, lastTriggeredOn) = await deliveries.ReadQueueAsync(Id, cancellationToken);
            if (pendingDeliveries > 0 && S.Status == SubscriptionStatus.Archived)
            {
                // Left pending by a call under way when it was archived whose record failed: ended now.
                await deliveries.CancelPendingAsync(Id, clock.GetUtcNow(), [], cancellationToken);
                pendingDeliveries = 0;
            }
            if (pendingDeliveries == 0)
            {
                // Nothing waits on disk: the deliveries queued from now on are held without a read.
                window.StartEmpty();
            }
            if (S.HealthRepairVersion < SubscriptionState.CurrentHealthRepair)
            {
                await RepairHealthAsync(cancellationToken);
            }
            health = S.Health;
        }
        if (S.Spec is not null && S.Status != SubscriptionStatus.Archived)
        {
            await TakeBackDeadLettersAsync(cancellationToken);
        }
        if (BackfillRunning)
        {
            // Resumed from the last chunk saved (a chunk read but not queued is read again).
            await StartBackfillAsync();
        }
        if (S.Spec is not null && S.ProjectedVersion < S.Version)
        {
            logger.FinishingProjection(Id, S.Version);
            try
            {
                await ProjectAsync();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The subscription stays readable and can still be changed or archived; the next
                // change projects again.
                logger.ProjectionFailed(e, Id, S.Version);
            }
        }
    }

    public async Task<SubscriptionResult> CreateAsync(SubscriptionSpec spec, SecretText secret, HeaderValues? headers)
    {
        if (S.Spec is not null)
        {
            return SubscriptionResult.Fail(SubscriptionOutcome.StatusConflict, $"subscription {Id} exists already");
        }
        // A new subscription sends its secret in the secret header as TrackTik does, unless told otherwise.
        spec = spec with { SecretHeaderMode = spec.SecretHeaderMode ?? SecretHeaderMode.Secret };
        // Everything the subscription names (its custom id, its index, the entities it shapes) is its tenant's.
        S.Tenant = Tenants.OfRequest ?? Tenants.Default;
        if (!await ClaimAsync(spec.CustomId))
        {
            return CustomIdTaken(spec.CustomId);
        }
        try
        {
            var now = clock.GetUtcNow();
            S.EncryptedSecret = secrets.Protect(secret.Value, Id);
            S.Spec = SetHeaders(spec, headers?.ApplyTo(new Dictionary<string, string>()) ?? new(StringComparer.OrdinalIgnoreCase));
            S.Status = SubscriptionStatus.Active;
            S.CreatedOn = now;
            S.UpdatedOn = now;
            S.Health = SubscriptionHealth.None;
            S.HealthRepairVersion = SubscriptionState.CurrentHealthRepair;
            S.CreatedBy = RequestContext.Get(CallerContext.Key) as string;
            S.Version = 1;
            await SaveAndProjectAsync();
            // A new subscription has nothing pending: its first deliveries are held without a read.
            window.StartEmpty();
        }
        finally
        {
            claiming = null;
        }
        logger.Created(Id, spec.Resource);
        return SubscriptionResult.Ok(View());
    }

    /// <summary>
    /// Health saved by a version that could mix subscriptions' health up is derived again from
    /// this subscription's own delivery log, once, and saved with the listing's copy.
    /// </summary>
    private async Task RepairHealthAsync(CancellationToken cancellationToken)
    {
        var (repaired, failingSince) = await readModel.HealthFromLogAsync(Id, S.CreatedOn, cancellationToken);
        if (repaired != S.Health with { PendingDeliveries = 0 })
        {
            logger.HealthRepaired(Id, S.Health, repaired);
        }
        S.Health = repaired;
        S.FailingSince = failingSince;
        S.HealthRepairVersion = SubscriptionState.CurrentHealthRepair;
        await state.WriteStateAsync(cancellationToken);
        await readModel.ProjectHealthNowAsync(Id, repaired with { PendingDeliveries = pendingDeliveries }, cancellationToken);
    }

    /// <summary>
    /// Queues the events a router set apart while this subscription could not take them. One that
    /// still fails stays set apart for the next activation: it never makes this one fail.
    /// </summary>
    private async Task TakeBackDeadLettersAsync(CancellationToken cancellationToken)
    {
        foreach (var entityEvent in await deadLetters.ReadAsync(Id, cancellationToken))
        {
            try
            {
                await EnqueueAsync(entityEvent);
                await deadLetters.RemoveAsync(Id, entityEvent.EventId, cancellationToken);
                logger.TookBack(Id, entityEvent.EventId);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.StaysSetApart(e, Id, entityEvent.EventId);
            }
        }
    }

    public Task<Interfaces.Operations.SubscriptionStateView> GetState() => Task.FromResult(new Interfaces.Operations.SubscriptionStateView(
        S.Spec is null ? null : View(), Queue.Count, Queue.InFlight, pump is not null, reminderOn, S.ProjectedVersion, S.FailingSince, Queue.Bytes));

    public Task<SubscriptionView?> GetAsync() => Task.FromResult(S.Spec is null ? null : View());

    public async Task<SubscriptionResult> UpdateAsync(SubscriptionSpec spec, SecretText? secret, HeaderValues? headers, int? expectedVersion)
    {
        if (Check(expectedVersion) is { } refused)
        {
            return refused;
        }
        // Without a mode in the request, the subscription keeps the one it has (an old one its HMAC).
        spec = spec with { SecretHeaderMode = spec.SecretHeaderMode ?? S.Spec!.HeaderMode };
        if (spec.HeaderMode == SecretHeaderMode.Secret && secret is null && !SecretHeaderModes.Sendable(secrets.Unprotect(S.EncryptedSecret!, Id)))
        {
            // A secret stored before secrets had to be sendable, asked to be sent as it is.
            return SubscriptionResult.Invalid(new Dictionary<string, string[]>
            {
                ["secretHeaderMode"] = ["the current secret cannot be sent as a header value (it must be printable ASCII with no space at either end): give a new secret with this mode"],
            });
        }
        var extra = headers?.ApplyTo(ExtraHeaders()) ?? ExtraHeaders();
        if (Problem(extra, spec.SecretHeaderName) is { } problem)
        {
            return SubscriptionResult.Invalid(new Dictionary<string, string[]> { ["headers"] = [problem] });
        }
        if (Origin(spec.Url) != Origin(S.Spec!.Url) && MovedWithout(spec, secret, headers, extra) is { } unsent)
        {
            return SubscriptionResult.Invalid(unsent);
        }
        var previousCustomId = S.Spec!.CustomId;
        if (spec.CustomId != previousCustomId && !await ClaimAsync(spec.CustomId))
        {
            return CustomIdTaken(spec.CustomId);
        }
        try
        {
            if (secret is not null && !SameSecret(secret))
            {
                S.PreviousEncryptedSecret = S.EncryptedSecret;
                S.SecretRotatedOn = clock.GetUtcNow();
                S.EncryptedSecret = secrets.Protect(secret.Value, Id);
            }
            S.Spec = SetHeaders(spec, extra);
            Touch();
            await SaveAndProjectAsync();
        }
        finally
        {
            claiming = null;
        }
        if (spec.CustomId != previousCustomId)
        {
            await CustomId(previousCustomId).ReleaseAsync(Id);
        }
        return SubscriptionResult.Ok(View());
    }

    public async Task<SubscriptionResult> PatchAsync(string mergePatch)
    {
        if (S.Spec is null)
        {
            return SubscriptionResult.NotFound;
        }
        if (JsonNode.Parse(mergePatch) is not JsonObject patch)
        {
            return SubscriptionResult.Invalid(new Dictionary<string, string[]> { ["$"] = ["a merge patch must be a JSON object"] });
        }
        // Merged onto the current configuration and checked whole; calls run one at a time, so
        // nothing changes between the read and the write.
        var read = requests.ReadPatch(S.Spec, patch);
        if (read.Errors.Any)
        {
            return SubscriptionResult.Invalid(read.Errors.ToDictionary());
        }
        return await UpdateAsync(read.Spec!, read.Secret, read.Headers, expectedVersion: null);
    }

    public async Task<SubscriptionResult> SuspendAsync(string reason)
    {
        if (Check(null) is { } refused)
        {
            return refused;
        }
        if (S.Status != SubscriptionStatus.Active)
        {
            return NotAllowed("suspend");
        }
        S.Status = SubscriptionStatus.Suspended;
        S.StatusReason = reason;
        Touch();
        await SaveAndProjectAsync();
        return SubscriptionResult.Ok(View());
    }

    public async Task<SubscriptionResult> EnableAsync()
    {
        if (Check(null) is { } refused)
        {
            return refused;
        }
        if (S.Status != SubscriptionStatus.Suspended)
        {
            return NotAllowed("enable");
        }
        S.Status = SubscriptionStatus.Active;
        S.StatusReason = null;
        S.Health = health = health with { State = HealthState.Unknown, ConsecutiveFailures = 0 };
        S.FailingSince = null;
        Touch();
        await SaveAndProjectAsync();
        await EnsureSendingAsync();
        return SubscriptionResult.Ok(View());
    }

    public async Task<SubscriptionResult> ArchiveAsync(string? reason)
    {
        if (Check(null) is { } refused)
        {
            return refused;
        }
        S.Status = SubscriptionStatus.Archived;
        S.StatusReason = reason;
        Touch();
        // A running backfill ends with it (its reminder is dropped by its next tick).
        StopBackfill();
        await SaveAndProjectAsync();
        await CustomId(S.Spec!.CustomId).ReleaseAsync(Id);
        await CancelDeliveriesAsync();
        return SubscriptionResult.Ok(View());
    }

    public async Task<bool> RekeyAsync()
    {
        var changed = false;
        if (S.EncryptedSecret is { } secret && secrets.NeedsRekey(secret))
        {
            S.EncryptedSecret = secrets.Protect(secrets.Unprotect(secret, Id), Id);
            changed = true;
        }
        if (S.PreviousEncryptedSecret is { } previous && secrets.NeedsRekey(previous))
        {
            S.PreviousEncryptedSecret = secrets.Protect(secrets.Unprotect(previous, Id), Id);
            changed = true;
        }
        if (S.EncryptedHeaders is { } headers && secrets.NeedsRekey(headers))
        {
            S.EncryptedHeaders = secrets.Protect(secrets.Unprotect(headers, Id, SecretPurpose.Headers), Id, SecretPurpose.Headers);
            changed = true;
        }
        if (changed)
        {
            await state.WriteStateAsync();
        }
        return changed;
    }

    public Task<bool> EnqueueAsync(EntityEvent entityEvent) => EnqueueManyAsync([entityEvent]);

    public async Task<bool> EnqueueManyAsync(EntityEvent[] entityEvents)
    {
        if (!BackfillRunning)
        {
            ungatedEnqueues++;
            try
            {
                return await QueueEventsAsync(entityEvents);
            }
            finally
            {
                ungatedEnqueues--;
            }
        }
        // A backfill runs: its check-and-queue of a chunk and live events go one at a time.
        await enqueueGate.WaitAsync();
        try
        {
            return await QueueEventsAsync(entityEvents);
        }
        finally
        {
            enqueueGate.Release();
        }
    }

    private async Task<bool> QueueEventsAsync(EntityEvent[] entityEvents)
    {
        if (S.Spec is not { } spec || S.Status == SubscriptionStatus.Archived)
        {
            return false;
        }
        var now = clock.GetUtcNow();
        var rows = new List<OutboxRow>(entityEvents.Length);
        foreach (var entityEvent in entityEvents)
        {
            rows.Add(new OutboxRow(Id, entityEvent.EventId, $"{entityEvent.Resource}/{entityEvent.EntityId}", entityEvent.Sequence,
                entityEvent.Name, await BuildBodyAsync(spec, entityEvent), now, entityEvent.TraceParent));
        }
        // Queued in this order, so the outbox keeps it; one write carries them all.
        var queued = await Task.WhenAll(rows.Select(deliveries.AppendAsync));
        var added = 0;
        for (var i = 0; i < rows.Count; i++)
        {
            // False: the subscription had the event queued already (a re-delivered event).
            if (!queued[i])
            {
                continue;
            }
            // Held in memory if the window has room, else it waits on disk for a read.
            window.Offer(new PendingDelivery
            {
                EventId = rows[i].EventId,
                EventName = rows[i].EventName,
                EntityKey = rows[i].EntityKey,
                EntitySequence = rows[i].EntitySequence,
                Body = rows[i].Body,
                TraceParent = rows[i].TraceParent,
            });
            added++;
        }
        if (added > 0)
        {
            CountPending(pendingDeliveries + added);
            metrics.DeliveryQueued(added, Tenant);
            lastTriggeredOn = clock.GetUtcNow();
            await EnsureSendingAsync();
        }
        return true;
    }

    /// <summary>The webhook body, built once (<see cref="WebhookBodies"/>).</summary>
    private Task<string> BuildBodyAsync(SubscriptionSpec spec, EntityEvent entityEvent) =>
        WebhookBodies.BuildAsync(GrainFactory, requests.Relations, Tenant, Id, spec, entityEvent);

    /// <param name="key">The custom id's key (<see cref="Tenants.CustomIdKey"/>), as the claim grain is keyed.</param>
    public Task<bool> HoldsCustomIdAsync(string key) =>
        Task.FromResult((claiming is { } claimed && Tenants.CustomIdKey(Tenant, claimed) == key)
            || (S.Spec is not null && S.Status != SubscriptionStatus.Archived && Tenants.CustomIdKey(Tenant, S.Spec.CustomId) == key));

    private async Task<bool> ClaimAsync(string customId)
    {
        claiming = customId;
        if (await CustomId(customId).ClaimAsync(Id))
        {
            return true;
        }
        claiming = null;
        return false;
    }

    /// <summary>Refuses changes to a subscription that does not exist, is archived, or moved on.</summary>
    private SubscriptionResult? Check(int? expectedVersion)
    {
        if (S.Spec is null)
        {
            return SubscriptionResult.Fail(SubscriptionOutcome.NotFound, $"no subscription {Id}");
        }
        if (S.Status == SubscriptionStatus.Archived)
        {
            return SubscriptionResult.Fail(SubscriptionOutcome.StatusConflict, $"subscription {Id} is archived, which is final");
        }
        if (expectedVersion is { } expected && expected != S.Version)
        {
            return SubscriptionResult.Fail(SubscriptionOutcome.VersionMismatch, $"subscription {Id} changed meanwhile");
        }
        return null;
    }

    /// <summary>The extra headers sent on every call, decrypted (none for most subscriptions).</summary>
    private Dictionary<string, string> ExtraHeaders() =>
        S.EncryptedHeaders is { } encrypted
            ? new(JsonSerializer.Deserialize<Dictionary<string, string>>(secrets.Unprotect(encrypted, Id, SecretPurpose.Headers))!, StringComparer.OrdinalIgnoreCase)
            : new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Stores the extra headers' values encrypted and returns the spec naming them.</summary>
    private SubscriptionSpec SetHeaders(SubscriptionSpec spec, Dictionary<string, string> headers)
    {
        S.EncryptedHeaders = headers.Count == 0 ? null : secrets.Protect(JsonSerializer.Serialize(headers), Id, SecretPurpose.Headers);
        return spec with { HeaderNames = [.. headers.Keys.Order(StringComparer.OrdinalIgnoreCase)] };
    }

    /// <summary>
    /// A subscription whose URL moves to another origin sends what it holds in clear (the secret
    /// itself, the extra headers) to that origin: whoever may change the URL must then give them
    /// again, so that a changed URL cannot be used to read them. The errors, or null.
    /// </summary>
    private static Dictionary<string, string[]>? MovedWithout(SubscriptionSpec spec, SecretText? secret, HeaderValues? headers, Dictionary<string, string> extra)
    {
        var errors = new Dictionary<string, string[]>();
        if (spec.HeaderMode == SecretHeaderMode.Secret && secret is null)
        {
            errors["secret"] = ["is required with a url of another origin (scheme, host or port): the secret header carries it there"];
        }
        if (extra.Count > 0 && headers is null)
        {
            errors["headers"] = ["are required with a url of another origin (scheme, host or port): they are sent there (give them again, or null to remove them)"];
        }
        return errors.Count == 0 ? null : errors;
    }

    private static string Origin(string url) => new Uri(url).GetLeftPart(UriPartial.Authority).ToLowerInvariant();

    /// <summary>What the merged headers break, checked once the whole change is known; null when nothing.</summary>
    private static string? Problem(Dictionary<string, string> headers, string secretHeaderName) =>
        headers.Count > HeaderValues.MaxCount ? $"at most {HeaderValues.MaxCount} headers ({headers.Count} with this change)"
        : headers.ContainsKey(secretHeaderName) ? $"'{secretHeaderName}' is the secret header (secretHeaderName): remove it from the headers or name another"
        : null;

    private bool SameSecret(SecretText secret) =>
        S.EncryptedSecret is { } current && secrets.Unprotect(current, Id) == secret.Value;

    private void Touch()
    {
        S.UpdatedOn = clock.GetUtcNow();
        S.Version++;
    }

    private async Task SaveAndProjectAsync()
    {
        await state.WriteStateAsync();
        await ProjectAsync();
    }

    private async Task ProjectAsync()
    {
        var spec = S.Spec!;
        await readModel.UpsertAsync(View());
        if (S.IndexedResource is { } old && old != spec.Resource)
        {
            await Index(old).RemoveAsync(Id);
        }
        if (S.Status == SubscriptionStatus.Archived)
        {
            await Index(spec.Resource).RemoveAsync(Id);
            S.IndexedResource = null;
        }
        else
        {
            await Index(spec.Resource).UpsertAsync(SubscriptionRoute.From(Id, spec, S.Status));
            S.IndexedResource = spec.Resource;
        }
        S.ProjectedVersion = S.Version;
        await state.WriteStateAsync();
    }

    private SubscriptionView View() => new()
    {
        Id = Id,
        Spec = S.Spec!,
        Status = S.Status,
        StatusReason = S.StatusReason,
        LastTriggeredOn = lastTriggeredOn,
        CreatedOn = S.CreatedOn,
        UpdatedOn = S.UpdatedOn,
        Health = health with { PendingDeliveries = pendingDeliveries },
        Version = S.Version,
        Tenant = S.Tenant,
        CreatedBy = S.CreatedBy,
        Backfill = S.Backfill,
    };

    private SubscriptionResult NotAllowed(string action) => SubscriptionResult.Fail(SubscriptionOutcome.StatusConflict, NotAllowedDetail(action));

    private string NotAllowedDetail(string action) =>
        $"'{action}' does not apply to a subscription that is {SubscriptionReadModel.StatusText(S.Status)}";

    private static SubscriptionResult CustomIdTaken(string customId) =>
        SubscriptionResult.Fail(SubscriptionOutcome.CustomIdTaken, $"customId '{customId}' is used by another subscription");

    private ICustomIdGrain CustomId(string customId) => GrainFactory.GetGrain<ICustomIdGrain>(Tenants.CustomIdKey(Tenant, customId));

    private ISubscriptionIndexGrain Index(string resource) => GrainFactory.GetGrain<ISubscriptionIndexGrain>(Tenants.Qualify(Tenant, resource));

    private string Tenant => S.Tenant ?? Tenants.Default;

    /// <summary>Calls made for another tenant's requests are refused before they run (TenantGuardFilter).</summary>
    public string? OwnerTenant => S.Spec is null ? null : Tenant;
}
