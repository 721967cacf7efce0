using EventsSubscriptions.Gateway.Health;

namespace EventsSubscriptions.Gateway.Apis;

public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("Health").AllowAnonymous();
        group.MapGet("/healthz", Alive)
            .WithName("Alive")
            .WithSummary("The gateway process is alive.");
        group.MapGet("/readyz", ReadyAsync)
            .WithName("Ready")
            .WithSummary("Redis, PostgreSQL and at least one silo answer.")
            .WithDescription("200 when every dependency answers; 503 naming what is down otherwise.");
        return app;
    }

    private static Ok<AliveResponse> Alive() => TypedResults.Ok(new AliveResponse("alive"));

    private static async Task<Results<Ok<ReadinessReport>, JsonHttpResult<ReadinessReport>>> ReadyAsync(
        ReadinessProbe probe, CancellationToken cancellationToken)
    {
        var report = await probe.CheckAsync(cancellationToken);
        return report.Status == "ready"
            ? TypedResults.Ok(report)
            : TypedResults.Json(report, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    public sealed record AliveResponse(string Status);
}
