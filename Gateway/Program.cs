using EventsSubscriptions.Gateway.Apis;
using EventsSubscriptions.Gateway.Development;
using EventsSubscriptions.Gateway.Hosting;
using EventsSubscriptions.Gateway.Portal;
using EventsSubscriptions.Grains.Interfaces.Hosting;
using Orleans.Dashboard;
using OpenTelemetry.Exporter;
using Scalar.AspNetCore;

if (args.Length > 0 && args[0] == "token")
{
    return DevelopmentToken.Print(args[1..]);
}
if (args.Length > 0 && args[0] == "health")
{
    return await HealthProbe.RunAsync(args.Length > 1 ? args[1] : "http://127.0.0.1:8080/readyz");
}

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddSecretFiles();
builder.AddGatewayServices();

var app = builder.Build();
app.UseGateway();

app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
app.MapScalarApiReference("/docs", o => o.WithTitle("Events Subscriptions API").WithOpenApiRoutePattern("/openapi/{documentName}.json")).AllowAnonymous();
app.MapHealthApi();
app.MapSubscriptionsApi();
app.MapDeliveriesApi();
app.MapEventTypesApi();
app.MapOperationsViewsApi();
app.MapEntitiesApi();
if (app.Services.GetRequiredService<GatewaySettings>().DevInbox)
{
    app.MapDevInbox();
}
if (app.Services.GetRequiredService<GatewaySettings>().DevMailbox)
{
    app.MapDevMailbox();
}
if (app.Services.GetRequiredService<GatewaySettings>().Console)
{
    app.MapConsole();
}
app.MapPortalApi();
app.MapOrleansDashboard("/dashboard").RequireAuthorization(AuthExtensions.OperationsPolicy).ExcludeFromDescription();
app.MapPrometheusScrapingEndpoint("/metrics").RequireAuthorization(AuthExtensions.OperationsPolicy).ExcludeFromDescription();

app.Run();
return 0;
