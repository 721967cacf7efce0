using EventsSubscriptions.Silo.Schema;

if (args.Length > 0 && args[0] == "health")
{
    return await HealthProbe.RunAsync(args.Length > 1 ? args[1]
        : $"http://127.0.0.1:{Environment.GetEnvironmentVariable("Silo__HealthPort") ?? "8081"}/readyz");
}

var migrateOnly = args.Length > 0 && args[0] == "migrate";
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = migrateOnly ? args[1..] : args,
    ContentRootPath = AppContext.BaseDirectory,
});
builder.Configuration.AddSecretFiles();

if (migrateOnly)
{
    // migrate needs PostgreSQL alone: the section is checked as a silo checks it, less Redis.
    var connections = builder.AddSettingsNow<ConnectionStringSettings>();
    builder.Services.AddSingleton(sp => new SchemaMigrator(connections.Postgres, sp.GetRequiredService<ILogger<SchemaMigrator>>()));
    using var tool = builder.Build();
    await tool.Services.GetRequiredService<SchemaMigrator>().MigrateAsync();
    return 0;
}

builder.AddEventsSubscriptionsSilo();
using var host = builder.Build();
try
{
    await host.RunAsync();
    return 0;
}
catch (SchemaBehindException e)
{
    host.Services.GetRequiredService<ILogger<Program>>().SchemaBehind(e.Message);
    return 2;
}
