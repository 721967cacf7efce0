using System.Text;
using System.Text.Json.Nodes;
using EventsSubscriptions.Grains.Delivery;
using EventsSubscriptions.Grains.Entities;
using EventsSubscriptions.Grains.Hosting;
using EventsSubscriptions.Grains.Interfaces.Entities;
using EventsSubscriptions.Grains.Interfaces.Requests;
using EventsSubscriptions.Grains.Interfaces.Tenants;
using EventsSubscriptions.Grains.Interfaces.Webhooks;
using EventsSubscriptions.Grains.Regions;
using EventsSubscriptions.Grains.Routing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Concurrency;

namespace EventsSubscriptions.Grains.Subscriptions;

/// <summary>
/// Previews (<see cref="ISubscriptionPreviewGrain"/>). The recent events are the entities' last
/// events as their rows keep them (<c>entity_state</c>): an entity changed three times shows its
/// third change only, and a deleted entity none. Matching is the router's (trigger, scope, filters)
/// and bodies and headers are the sender's, so a preview shows what a delivery would carry.
/// </summary>
[StatelessWorker]
public sealed class SubscriptionPreviewGrain(
    EntityRows entities,
    RegionPaths regions,
    SubscriptionRequestReader requests,
    [FromKeyedServices(ServiceClock.Key)] TimeProvider clock) : Grain, ISubscriptionPreviewGrain
{
    /// <summary>How far back the recent events go.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromDays(1);

    /// <summary>At most this many entities are read to count the ones that match now.</summary>
    public const int MaxEntitiesRead = 100_000;

    /// <summary>At most this many ids of matching entities are given.</summary>
    public const int SampleSize = 20;

    private const int Chunk = 1_000;

    /// <summary>The masked value of a secret header.</summary>
    public const string Masked = "********";

    public async Task<SubscriptionPreview> PreviewAsync(SubscriptionSpec spec, SecretText secret, HeaderValues? headers, int events)
    {
        var tenant = Tenants.OfRequest ?? Tenants.Default;
        var resource = Tenants.Qualify(tenant, spec.Resource);
        spec = spec with { SecretHeaderMode = spec.SecretHeaderMode ?? SecretHeaderMode.Secret };
        var extra = headers?.ApplyTo(new Dictionary<string, string>()) ?? [];
        var route = SubscriptionRoute.From(0, spec, SubscriptionStatus.Active);
        var since = clock.GetUtcNow() - Window;

        var recent = await entities.RecentAsync(resource, since, events);
        var previews = new List<PreviewEvent>();
        foreach (var last in recent)
        {
            var entity = JsonNode.Parse(last.Snapshot)!.AsObject();
            var path = await regions.OfEntityAsync(tenant, spec.Resource, last.Id, entity);
            if (!route.Triggers.Contains(last.Trigger, StringComparer.Ordinal) || !RouteSelection.Selects(route, path, new EntityFields(entity)))
            {
                continue;
            }
            var entityEvent = new EntityEvent(last.EventId, spec.Resource, last.Trigger, last.Id, path, last.Snapshot, last.OccurredOn, null, last.Sequence);
            var body = await WebhookBodies.BuildAsync(GrainFactory, requests.Relations, tenant, 0, spec, entityEvent);
            var call = new WebhookCall(spec.Url, body, WebhookHeaders.DeliveryId(0, last.EventId), spec.SecretHeaderName, spec.HeaderMode,
                secret.Value, null, spec.Language, spec.Delivery.TimeoutSeconds) { ExtraHeaders = extra };
            var sent = WebhookSender.HeadersOf(call, Encoding.UTF8.GetBytes(body), clock.GetUtcNow().ToUnixTimeSeconds())
                .Select(h => new PreviewHeader(h.Name, h.Secret ? Masked : h.Value))
                .Prepend(new PreviewHeader("Content-Type", "application/json"));
            previews.Add(new PreviewEvent(last.EventId, entityEvent.Name, last.Id, last.OccurredOn, body, [.. sent]));
        }

        // The entities the draft selects now, whatever their last event.
        var matching = 0L;
        var read = 0L;
        var sample = new List<long>(SampleSize);
        var after = 0L;
        var complete = true;
        while (true)
        {
            if (read == MaxEntitiesRead)
            {
                // Stopped at the bound: complete only if nothing is left.
                complete = (await entities.ReadAsync(resource, after, 1)).Rows.Count == 0;
                break;
            }
            var (rows, _) = await entities.ReadAsync(resource, after, (int)Math.Min(Chunk, MaxEntitiesRead - read));
            foreach (var row in rows)
            {
                var entity = JsonNode.Parse(row.Snapshot)!.AsObject();
                if (RouteSelection.Selects(route, await regions.OfEntityAsync(tenant, spec.Resource, row.Id, entity), new EntityFields(entity)))
                {
                    matching++;
                    if (sample.Count < SampleSize)
                    {
                        sample.Add(row.Id);
                    }
                }
            }
            read += rows.Count;
            if (rows.Count == 0 || (rows.Count < Chunk && read < MaxEntitiesRead))
            {
                break;
            }
            after = rows[^1].Id;
        }
        return new SubscriptionPreview(since, recent.Count, [.. previews], matching, [.. sample], read, complete);
    }
}
