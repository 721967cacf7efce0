using EventsSubscriptions.Grains.Interfaces.Text;
using System.Text.Json.Nodes;
using EventsSubscriptions.Grains.Delivery;
using EventsSubscriptions.Grains.Entities;
using EventsSubscriptions.Grains.Interfaces.Requests;
using EventsSubscriptions.Grains.Interfaces.Tenants;
using EventsSubscriptions.Grains.Persistence;
using EventsSubscriptions.Grains.Regions;
using Microsoft.Extensions.DependencyInjection;

namespace EventsSubscriptions.Grains.Subscriptions;

/// <summary>
/// One subscription: its configuration and status, and the transitions between them. It saves
/// its state first, then brings the listing read model and its resource's index in step
/// ("projection"); a projection cut short by a crash is finished on the next activation, since the
/// state records which version was last projected. Sending is its <see cref="SubscriptionSender"/>'s
/// (SubscriptionGrain.Sending.cs), backfills its <see cref="SubscriptionBackfill"/>.
/// </summary>
public sealed partial class SubscriptionGrain(
    [PersistentState("subscription")] IPersistentState<SubscriptionState> state,
    SecretProtector protector,
    SubscriptionReadModel readModel,
    RoutingDeadLetters deadLetters,
    DeliveryServices delivery,
    SubscriptionRequestReader requests,
    ILogger<SubscriptionGrain> logger) : Grain, ISubscriptionGrain, ISubscriptionSenderControl, IRemindable, ITenantOwned
{
    // The custom id this activation is claiming right now: it counts as held while the claim is
    // answered and the state saved, so that a contested claim does not mistake it for stale.
    private string? claiming;
    private SubscriptionContext? context;
    private SubscriptionSecrets? secrets;
    private SubscriptionSender? sender;
    private SubscriptionBackfill? backfill;

    private long Id => this.GetPrimaryKeyLong();
    private SubscriptionState Current => state.State;
    private string Tenant => Current.Tenant ?? Tenants.Default;
    private TimeProvider Clock => delivery.Clock;

    private SubscriptionSecrets Secrets => secrets ??= new(protector, () => state.State, Id, Clock,
        TimeSpan.FromHours(delivery.Settings.SecretOverlapHours));

    private SubscriptionContext Context => context ??= new(Id, this, () => state.State, Secrets,
        this.AsReference<ISubscriptionSenderControl>(), readModel, logger);

    private SubscriptionSender Sender => sender ??= new(Context, delivery);

    private SubscriptionBackfill Backfill => backfill ??= new(Context, state.WriteStateAsync, QueueEventsAsync, () => Sender.Pending,
        ServiceProvider.GetRequiredService<EntityRows>(), ServiceProvider.GetRequiredService<RegionPaths>(), Clock);

    /// <summary>Calls made for another tenant's requests are refused before they run (TenantGuardFilter).</summary>
    public string? OwnerTenant => Current.Spec is null ? null : Tenant;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Current.Spec is not null)
        {
            await Sender.ActivateAsync(cancellationToken);
            if (Current.HealthRepairVersion < SubscriptionState.CurrentHealthRepair)
            {
                await RepairHealthAsync(cancellationToken);
            }
            Sender.Health.Current = Current.Health;
            if (Current.Status != SubscriptionStatus.Archived)
            {
                await RequeueRoutingDeadLettersAsync(cancellationToken);
            }
        }
        if (BackfillRunning)
        {
            // Resumed from the last chunk saved (a chunk read but not queued is read again).
            await Backfill.StartAsync();
        }
        if (Current.Spec is not null && Current.ProjectedVersion < Current.Version)
        {
            logger.FinishingProjection(Id, Current.Version);
            try
            {
                await ProjectAsync();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The subscription stays readable and can still be changed or archived; the next
                // change projects again.
                logger.ProjectionFailed(e, Id, Current.Version);
            }
        }
    }

    public async Task<SubscriptionResult> CreateAsync(SubscriptionSpec spec, SecretText secret, HeaderValues? headers)
    {
        if (Current.Spec is not null)
        {
            return SubscriptionResult.Fail(SubscriptionOutcome.StatusConflict, $"subscription {Id} exists already");
        }
        // A new subscription sends its secret in the secret header as TrackTik does, unless told otherwise.
        spec = spec with { SecretHeaderMode = spec.SecretHeaderMode ?? SecretHeaderMode.Secret };
        // Everything the subscription names (its custom id, its index, the entities it shapes) is its tenant's.
        Current.Tenant = Tenants.OfRequest ?? Tenants.Default;
        if (!await ClaimAsync(spec.CustomId))
        {
            return SubscriptionChanges.CustomIdTaken(spec.CustomId);
        }
        try
        {
            var now = Clock.GetUtcNow();
            Secrets.SetFirst(secret);
            Current.Spec = Secrets.SetHeaders(spec, headers?.ApplyTo(new Dictionary<string, string>()) ?? new(StringComparer.OrdinalIgnoreCase));
            Current.Status = SubscriptionStatus.Active;
            Current.CreatedOn = now;
            Current.UpdatedOn = now;
            Current.Health = SubscriptionHealth.None;
            Current.HealthRepairVersion = SubscriptionState.CurrentHealthRepair;
            Current.CreatedBy = RequestContext.Get(CallerContext.Key) as string;
            Current.Version = 1;
            await SaveAndProjectAsync();
            // A new subscription has nothing pending: its first deliveries are held without a read.
            Sender.StartEmpty();
        }
        finally
        {
            claiming = null;
        }
        logger.Created(Id, spec.Resource);
        return SubscriptionResult.Ok(View());
    }

    public Task<SubscriptionView?> GetAsync() => Task.FromResult(Current.Spec is null ? null : View());

    public Task<Interfaces.Operations.SubscriptionStateView> GetState() =>
        Task.FromResult(Sender.StateView(Current.Spec is null ? null : View(), Current.ProjectedVersion, Current.FailingSince));

    public async Task<SubscriptionResult> UpdateAsync(SubscriptionSpec spec, SecretText? secret, HeaderValues? headers, int? expectedVersion)
    {
        if (Refusal(expectedVersion) is { } refused)
        {
            return refused;
        }
        // Without a mode in the request, the subscription keeps the one it has (an old one its HMAC).
        spec = spec with { SecretHeaderMode = spec.SecretHeaderMode ?? Current.Spec!.HeaderMode };
        var extra = headers?.ApplyTo(Secrets.ExtraHeaders()) ?? Secrets.ExtraHeaders();
        if (SubscriptionChanges.Errors(spec, Current.Spec!.Url, secret, headers, extra, () => Secrets.CurrentSendable) is { } errors)
        {
            return SubscriptionResult.Invalid(errors);
        }
        var previousCustomId = Current.Spec!.CustomId;
        if (spec.CustomId != previousCustomId && !await ClaimAsync(spec.CustomId))
        {
            return SubscriptionChanges.CustomIdTaken(spec.CustomId);
        }
        try
        {
            if (secret is not null)
            {
                Secrets.Rotate(secret);
            }
            Current.Spec = Secrets.SetHeaders(spec, extra);
            NewVersion();
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
        if (Current.Spec is null)
        {
            return SubscriptionResult.NotFound;
        }
        if (JsonNode.Parse(mergePatch) is not JsonObject patch)
        {
            return SubscriptionResult.Invalid(new Dictionary<string, string[]> { ["$"] = ["a merge patch must be a JSON object"] });
        }
        // Merged onto the current configuration and checked whole; calls run one at a time, so
        // nothing changes between the read and the write.
        var read = requests.ReadPatch(Current.Spec, patch);
        if (read.Errors.Any)
        {
            return SubscriptionResult.Invalid(read.Errors.ToDictionary());
        }
        return await UpdateAsync(read.Spec!, read.Secret, read.Headers, expectedVersion: null);
    }

    public async Task<SubscriptionResult> SuspendAsync(string reason)
    {
        if (Refusal(null) is { } refused)
        {
            return refused;
        }
        if (Current.Status != SubscriptionStatus.Active)
        {
            return NotAllowed("suspend");
        }
        Current.Status = SubscriptionStatus.Suspended;
        Current.StatusReason = reason;
        NewVersion();
        await SaveAndProjectAsync();
        return SubscriptionResult.Ok(View());
    }

    public async Task<SubscriptionResult> EnableAsync()
    {
        if (Refusal(null) is { } refused)
        {
            return refused;
        }
        if (Current.Status != SubscriptionStatus.Suspended)
        {
            return NotAllowed("enable");
        }
        Current.Status = SubscriptionStatus.Active;
        Current.StatusReason = null;
        Current.Health = Sender.Health.Current = Sender.Health.Current with { State = HealthState.Unknown, ConsecutiveFailures = 0 };
        Current.FailingSince = null;
        NewVersion();
        await SaveAndProjectAsync();
        await Sender.EnsureSendingAsync();
        return SubscriptionResult.Ok(View());
    }

    public async Task<SubscriptionResult> ArchiveAsync(string? reason)
    {
        if (Refusal(null) is { } refused)
        {
            return refused;
        }
        Current.Status = SubscriptionStatus.Archived;
        Current.StatusReason = reason;
        NewVersion();
        // A running backfill ends with it (its reminder is dropped by its next tick).
        Backfill.Stop();
        await SaveAndProjectAsync();
        await CustomId(Current.Spec!.CustomId).ReleaseAsync(Id);
        await Sender.CancelAllAsync();
        return SubscriptionResult.Ok(View());
    }

    public async Task<bool> RekeyAsync()
    {
        if (!Secrets.Rekey())
        {
            return false;
        }
        await state.WriteStateAsync();
        return true;
    }

    /// <summary>Refuses changes to a subscription that does not exist, is archived, or moved on; null when the change may go.</summary>
    private SubscriptionResult? Refusal(int? expectedVersion) =>
        Current.Spec is null ? SubscriptionResult.Fail(SubscriptionOutcome.NotFound, $"no subscription {Id}")
        : Current.Status == SubscriptionStatus.Archived ? SubscriptionResult.Fail(SubscriptionOutcome.StatusConflict, $"subscription {Id} is archived, which is final")
        : expectedVersion is { } expected && expected != Current.Version ? SubscriptionResult.Fail(SubscriptionOutcome.VersionMismatch, $"subscription {Id} changed meanwhile")
        : null;

    private void NewVersion()
    {
        Current.UpdatedOn = Clock.GetUtcNow();
        Current.Version++;
    }

    private SubscriptionResult NotAllowed(string action) => SubscriptionResult.Fail(SubscriptionOutcome.StatusConflict, NotAllowedDetail(action));

    private string NotAllowedDetail(string action) =>
        $"'{action}' does not apply to a subscription that is {WireText.Of(Current.Status)}";
}
