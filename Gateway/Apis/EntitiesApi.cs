using EventsSubscriptions.Grains.Interfaces.Text;
using EventsSubscriptions.Gateway.Entities;
using EventsSubscriptions.Gateway.Hosting;
using EventsSubscriptions.Grains.Interfaces.Entities;
using EventsSubscriptions.Grains.Interfaces.Tenants;
using EventsSubscriptions.Grains.Interfaces.Ids;

namespace EventsSubscriptions.Gateway.Apis;

/// <summary>
/// The data API that fires events: <c>/rest/v1/{resource}</c> for any lowercase plural resource.
/// A 2xx answer means the change is saved and its event durably on the stream.
/// </summary>
public static partial class EntitiesApi
{
    public const string EventIdHeader = "X-Event-Id";

    public static IEndpointRouteBuilder MapEntitiesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/rest/v1/{resource}").WithTags("Entities")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesValidationProblem();
        group.MapPost("", CreateAsync).RequireAuthorization(Scopes.EntitiesWrite)
            .WithName("CreateEntity").WithSummary("Create an entity with a new id; fires entity:{resource}:created.")
            .Accepts<JsonObject>("application/json").ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        group.MapGet("", ListAsync).RequireAuthorization(Scopes.EntitiesRead)
            .WithName("ListEntities").WithSummary("List entities in id order: filters as userDefinedFilters (status=active, salary:gt=1000, id:in=1,2), limit, offset, sort=id|-id, include, fields.");
        group.MapGet("{id}", GetAsync).RequireAuthorization(Scopes.EntitiesRead)
            .WithName("GetEntity").WithSummary("Read an entity; include=a,b renders relations as objects, fields=x,y.z,a:alias selects.");
        group.MapPut("{id}", PutAsync).RequireAuthorization(Scopes.EntitiesWrite)
            .WithName("PutEntity").WithSummary("Create or replace an entity; fires created, or updated when something changed.")
            .Accepts<JsonObject>("application/json");
        group.MapPatch("{id}", PatchAsync).RequireAuthorization(Scopes.EntitiesWrite)
            .WithName("PatchEntity").WithSummary("JSON merge patch; fires updated only when something changed.")
            .Accepts<JsonObject>("application/merge-patch+json", "application/json");
        group.MapDelete("{id}", DeleteAsync).RequireAuthorization(Scopes.EntitiesWrite)
            .WithName("DeleteEntity").WithSummary("Delete an entity; fires deleted with its last state.");
        group.MapPost("{id}/actions/{action}", ActAsync).RequireAuthorization(Scopes.EntitiesWrite)
            .WithName("EntityAction").WithSummary("Fires entity:{resource}:{action}; the optional body is recorded with the event.")
            .Accepts<JsonObject>("application/json");
        return app;
    }

    private static async Task<Results<Created<DataResponse<JsonObject>>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        string resource, HttpRequest request, IClusterClient grains, RelationMap relations, CancellationToken cancellationToken)
    {
        if (!IsResource(request, resource))
        {
            return UnknownResource(request, resource);
        }
        var (body, problem) = await ReadEntityAsync(request, resource, pathId: null, relations, cancellationToken);
        if (problem is not null)
        {
            return problem switch { ValidationProblem v => v, ProblemHttpResult p => p, _ => throw new InvalidOperationException() };
        }
        if (await PlaceAsync(request, grains, existing: null) is { } full)
        {
            return full;
        }
        // A PUT may have taken an id the sequence hands out later: then take the next one.
        while (true)
        {
            var id = await grains.GetGrain<IIdSequenceGrain>(IdSequences.Entities).NextAsync();
            var result = await Entity(grains, resource, id).CreateAsync(body!.ToJsonString());
            if (result.Outcome == EntityOutcome.Exists)
            {
                continue;
            }
            if (Refused(result) is { } refused)
            {
                return refused;
            }
            request.HttpContext.Response.Headers[EventIdHeader] = result.EventId;
            return TypedResults.Created($"/rest/v1/{resource}/{id}", new DataResponse<JsonObject>(Parse(result.Snapshot!)));
        }
    }

    private static async Task<Results<Ok<DataResponse<JsonObject>>, ValidationProblem, ProblemHttpResult>> GetAsync(
        string resource, string id, HttpRequest request, IClusterClient grains, RelationMap relations)
    {
        if (Check(request, resource, id, out var key) is { } invalid)
        {
            return invalid;
        }
        var errors = new ValidationErrors();
        var include = List(request.Query["include"]);
        var fields = List(request.Query["fields"]);
        foreach (var error in EntityShaper.CheckInclude(include, relations))
        {
            errors.Add("include", error);
        }
        foreach (var error in EntityShaper.CheckFields(fields))
        {
            errors.Add("fields", error);
        }
        foreach (var name in request.Query.Keys.Where(k => k is not ("include" or "fields")))
        {
            errors.Add(name, "is not a parameter of this endpoint (include, fields)");
        }
        if (errors.Any)
        {
            return Problems.Validation(errors);
        }
        if (await Entity(grains, resource, key).GetAsync() is not { } snapshot)
        {
            return Problems.NotFound(NoEntity(resource, key.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        var shaped = await EntityShaper.ShapeAsync(Parse(snapshot), include, fields, relations,
            async (r, i) => await Entity(grains, r, i).GetAsync() is { } json ? Parse(json) : null);
        return TypedResults.Ok(new DataResponse<JsonObject>(shaped));
    }

    private static async Task<Results<Ok<DataResponse<JsonObject>>, Created<DataResponse<JsonObject>>, ValidationProblem, ProblemHttpResult>> PutAsync(
        string resource, string id, HttpRequest request, IClusterClient grains, RelationMap relations, CancellationToken cancellationToken)
    {
        if (Check(request, resource, id, out var key) is { } invalid)
        {
            return invalid;
        }
        var (body, problem) = await ReadEntityAsync(request, resource, key, relations, cancellationToken);
        if (problem is not null)
        {
            return problem switch { ValidationProblem v => v, ProblemHttpResult p => p, _ => throw new InvalidOperationException() };
        }
        if (await PlaceAsync(request, grains, Entity(grains, resource, key)) is { } full)
        {
            return full;
        }
        var result = await Entity(grains, resource, key).PutAsync(body!.ToJsonString());
        if (Refused(result) is { } refused)
        {
            return refused;
        }
        if (NotFound(result, resource, key) is { } notFound)
        {
            return notFound;
        }
        SetEventId(request, result);
        var data = new DataResponse<JsonObject>(Parse(result.Snapshot!));
        return result.Created ? TypedResults.Created($"/rest/v1/{resource}/{key}", data) : TypedResults.Ok(data);
    }

    private static async Task<Results<Ok<DataResponse<JsonObject>>, ValidationProblem, ProblemHttpResult>> PatchAsync(
        string resource, string id, HttpRequest request, IClusterClient grains, RelationMap relations, CancellationToken cancellationToken)
    {
        if (Check(request, resource, id, out var key) is { } invalid)
        {
            return invalid;
        }
        var (body, problem) = await ReadEntityAsync(request, resource, key, relations, cancellationToken, patch: true);
        if (problem is not null)
        {
            return problem switch { ValidationProblem v => v, ProblemHttpResult p => p, _ => throw new InvalidOperationException() };
        }
        return Answer(request, await Entity(grains, resource, key).PatchAsync(body!.ToJsonString()), resource, key);
    }

    private static async Task<Results<Ok<DataResponse<JsonObject>>, ValidationProblem, ProblemHttpResult>> DeleteAsync(
        string resource, string id, HttpRequest request, IClusterClient grains)
    {
        if (Check(request, resource, id, out var key) is { } invalid)
        {
            return invalid;
        }
        return Answer(request, await Entity(grains, resource, key).DeleteAsync(), resource, key);
    }

    private static async Task<Results<Ok<DataResponse<JsonObject>>, ValidationProblem, ProblemHttpResult>> ActAsync(
        string resource, string id, string action, HttpRequest request, IClusterClient grains, CancellationToken cancellationToken)
    {
        if (Check(request, resource, id, out var key) is { } invalid)
        {
            return invalid;
        }
        if (!Patterns.Name().IsMatch(action) || EntityTriggers.Changes.Contains(action))
        {
            var errors = new ValidationErrors();
            errors.Add("action", $"'{action}' is not an action name (lowercase letters, digits and '-'; not created, updated or deleted)");
            return Problems.Validation(errors);
        }
        var (body, problem) = await JsonBody.ReadAsync(request, optional: true, cancellationToken);
        if (problem is not null)
        {
            return (ProblemHttpResult)problem;
        }
        return Answer(request, await Entity(grains, resource, key).ActAsync(action, body?.GetRawText()), resource, key);
    }

    /// <summary>Reads an entity body: what is not JSON answered as by <see cref="JsonBody"/>, what is not an entity as a validation problem.</summary>
    private static async Task<(JsonObject? Body, IResult? Problem)> ReadEntityAsync(
        HttpRequest request, string resource, long? pathId, RelationMap relations, CancellationToken cancellationToken, bool patch = false)
    {
        var (body, problem) = await JsonBody.ReadAsync(request, optional: false, cancellationToken);
        if (problem is not null)
        {
            return (null, problem);
        }
        var (entity, errors) = EntityBodyReader.Read(body!.Value, resource, pathId, relations, patch);
        return errors.Any ? (null, Problems.Validation(errors)) : (entity, null);
    }

    private static ProblemHttpResult? Check(HttpRequest request, string resource, string id, out long key)
    {
        key = 0;
        if (!IsResource(request, resource))
        {
            return UnknownResource(request, resource);
        }
        if (!long.TryParse(id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out key) || key <= 0)
        {
            return Problems.BadRequest($"'{id}' is not an entity id: ids are positive integers.");
        }
        return null;
    }

    /// <summary>The answer to a change of one existing entity: refused, not found, or its new state (and event id).</summary>
    private static Results<Ok<DataResponse<JsonObject>>, ValidationProblem, ProblemHttpResult> Answer(
        HttpRequest request, EntityResult result, string resource, long key)
    {
        if (Refused(result) is { } refused)
        {
            return refused;
        }
        if (NotFound(result, resource, key) is { } notFound)
        {
            return notFound;
        }
        SetEventId(request, result);
        return TypedResults.Ok(new DataResponse<JsonObject>(Parse(result.Snapshot!)));
    }

    private static ProblemHttpResult? NotFound(EntityResult result, string resource, long id) =>
        result.Outcome == EntityOutcome.NotFound ? Problems.NotFound(NoEntity(resource, id.ToString(System.Globalization.CultureInfo.InvariantCulture))) : null;

    /// <summary>The one wording of a 404 for an entity (docs/api.md, "Errors").</summary>
    public static string NoEntity(string resource, string id) => $"There is no {resource} entity with id '{id}'.";

    private static ValidationProblem? Refused(EntityResult result) =>
        result.Outcome == EntityOutcome.Invalid
            ? TypedResults.ValidationProblem(result.Errors!, detail: "Nothing was changed.",
                title: "One or more fields are invalid.", type: "https://tools.ietf.org/html/rfc9110#section-15.5.1")
            : null;

    private static void SetEventId(HttpRequest request, EntityResult result)
    {
        if (result.EventId is not null)
        {
            request.HttpContext.Response.Headers[EventIdHeader] = result.EventId;
        }
    }

    private static string[] List(Microsoft.Extensions.Primitives.StringValues values) =>
        [.. values.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).Distinct()];

    /// <summary>
    /// A place under the tenant's entity limit, when it has one (<c>Gateway:Tenants:&lt;t&gt;:MaxEntities</c>):
    /// null when the write may go on, the refusal when the tenant is full. A PUT of an entity that
    /// exists changes no count and goes on at the limit.
    /// </summary>
    private static async Task<ProblemHttpResult?> PlaceAsync(HttpRequest request, IClusterClient grains, IEntityGrain? existing)
    {
        var tenant = TenantResolution.Of(request.HttpContext);
        if (request.HttpContext.RequestServices.GetRequiredService<GatewaySettings>().ForTenant(tenant)?.MaxEntities is not { } limit
            || await grains.GetGrain<ITenantEntitiesGrain>(tenant).ReserveAsync(limit)
            || (existing is not null && await existing.GetAsync() is not null))
        {
            return null;
        }
        return Problems.Conflict($"This tenant holds {limit} entities, its limit: delete some before creating more.");
    }

    /// <summary>The request's tenant's entity (its grain key qualifies the resource by the tenant).</summary>
    private static IEntityGrain Entity(IClusterClient grains, string resource, long id) =>
        grains.GetGrain<IEntityGrain>(EntityKey.Format(Tenants.Qualify(Tenants.OfRequest ?? Tenants.Default, resource), id));

    private static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();

    private static ResourceCatalog Catalog(HttpRequest request) => request.HttpContext.RequestServices.GetRequiredService<ResourceCatalog>();

    /// <summary>A lowercase name that is not a near miss of a declared resource (<c>employee</c> for <c>employees</c>).</summary>
    private static bool IsResource(HttpRequest request, string resource) =>
        Patterns.Name().IsMatch(resource) && resource.Length <= 64 && Catalog(request).NearMiss(resource) is null;

    private static ProblemHttpResult UnknownResource(HttpRequest request, string resource) =>
        Patterns.Name().IsMatch(resource) && Catalog(request).NearMiss(resource) is { } meant
            ? Problems.NotFound($"'{resource}' is not a resource: did you mean '{meant}'? (GET /rest/v1/event-types lists the known resources)")
            : Problems.NotFound($"'{resource}' is not a resource: resources are lowercase plural names (employees, sites, regions…).");
}
