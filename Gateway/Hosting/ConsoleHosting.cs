using Microsoft.Extensions.FileProviders;

namespace EventsSubscriptions.Gateway.Hosting;

/// <summary>
/// Serves the operator console (<c>Console/</c> next to the binary) at <c>/console/</c>. The pages
/// hold no secret and need no session: they call the public API with the token the operator pastes
/// (kept in the tab's session storage), so the console can do exactly what that token may.
/// </summary>
public static class ConsoleHosting
{
    public static WebApplication MapConsole(this WebApplication app)
    {
        var files = new PhysicalFileProvider(Path.Combine(AppContext.BaseDirectory, "Console"));
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.Value == "/console")
            {
                context.Response.Redirect("/console/");
                return;
            }
            await next(context);
        });
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files, RequestPath = "/console" });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            RequestPath = "/console",
            OnPrepareResponse = c => c.Context.Response.Headers.CacheControl = "no-cache",
        });
        return app;
    }
}
