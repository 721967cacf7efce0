using EventsSubscriptions.Gateway.Entities;
using EventsSubscriptions.Grains.Interfaces.Entities;
using EventsSubscriptions.Grains.Interfaces.Filters;
using EventsSubscriptions.Grains.Interfaces.Tenants;
using Microsoft.AspNetCore.Mvc;

namespace EventsSubscriptions.Gateway.Apis;

public static partial class EntitiesApi
{
    /// <summary>Rows read from the database at a time while a filtered list looks for its page and counts.</summary>
    private const int ScanChunk = 500;

    /// <summary>
    /// <c>GET /rest/v1/{resource}</c>: the resource's entities in id order, each exactly as
    /// <c>GET /rest/v1/{resource}/{id}</c> renders it with the same <c>include</c> and <c>fields</c>,
    /// filtered with the grammar of subscriptions' <c>userDefinedFilters</c> and matched by the same
    /// code, so an integrator sees what a filter selects before subscribing with it. Without filters
    /// a page is read by the index; with filters the resource is read through (a chunk at a time) to
    /// find the page and count the matches: its cost grows with the resource's entities.
    /// </summary>
    private static async Task<Results<Ok<ListResponse<JsonObject>>, ValidationProblem, ProblemHttpResult>> ListAsync(
        string resource, HttpRequest request, IClusterClient grains, RelationMap relations, [FromServices] EntityListStore store,
        CancellationToken cancellationToken)
    {
        if (!IsResource(request, resource))
        {
            return UnknownResource(request, resource);
        }
        var (query, errors) = EntityListQueryReader.Read(request.Query, relations);
        if (query is null)
        {
            return Problems.Validation(errors);
        }
        var qualified = Tenants.Qualify(Tenants.OfRequest ?? Tenants.Default, resource);
        var (count, page) = query.Filters.Length == 0
            ? (await store.CountAsync(qualified, cancellationToken),
                [.. (await store.ReadAsync(qualified, null, query.Descending, query.Limit, cancellationToken, query.Offset)).Select(r => Parse(r.Snapshot))])
            : await ScanAsync(store, qualified, query, cancellationToken);
        var shaped = new List<JsonObject>(page.Count);
        foreach (var entity in page)
        {
            shaped.Add(await EntityShaper.ShapeAsync(entity, query.Include, query.Fields, relations,
                async (r, i) => await Entity(grains, r, i).GetAsync() is { } json ? Parse(json) : null));
        }
        return TypedResults.Ok(new ListResponse<JsonObject>(new ListMeta(count, shaped.Count, query.Limit, query.Offset), shaped));
    }

    /// <summary>The page of a filtered list and the number of its matches, reading the resource through.</summary>
    private static async Task<(long Count, List<JsonObject> Page)> ScanAsync(EntityListStore store, string resource, EntityListQuery query,
        CancellationToken cancellationToken)
    {
        var page = new List<JsonObject>();
        var matched = 0L;
        long? after = null;
        while (true)
        {
            var rows = await store.ReadAsync(resource, after, query.Descending, ScanChunk, cancellationToken);
            foreach (var (_, snapshot) in rows)
            {
                var entity = Parse(snapshot);
                if (!FilterEvaluator.Matches(query.Filters, entity))
                {
                    continue;
                }
                if (matched >= query.Offset && page.Count < query.Limit)
                {
                    page.Add(entity);
                }
                matched++;
            }
            if (rows.Count < ScanChunk)
            {
                return (matched, page);
            }
            after = rows[^1].Id;
        }
    }
}
