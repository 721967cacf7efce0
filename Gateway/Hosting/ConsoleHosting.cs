using Microsoft.Extensions.FileProviders;

namespace EventsSubscriptions.Gateway.Hosting;

/// <summary>
/// Serves the console (<c>Console/</c> next to the binary) at <c>/console/</c>. The pages hold no
/// secret: they call the public API with the token an operator pastes (kept in the tab's session
/// storage) or with the session cookie a portal link opened, so the console can do exactly what that
/// token or session may.
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
            OnPrepareResponse = c =>
            {
                var headers = c.Context.Response.Headers;
                headers.CacheControl = "no-cache";
                // The pages run their own script alone, in no one else's frame, and send no Referer.
                headers.ContentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
            },
        });
        return app;
    }
}
