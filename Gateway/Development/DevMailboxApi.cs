namespace EventsSubscriptions.Gateway.Development;

/// <summary><c>GET /dev/mail</c>: what the development mailbox was given, newest first (Development only, no authentication).</summary>
public static class DevMailboxApi
{
    public static IEndpointRouteBuilder MapDevMailbox(this IEndpointRouteBuilder app)
    {
        app.MapGet("/dev/mail", (DevMailbox mailbox, string? to) => TypedResults.Ok(new
        {
            data = mailbox.Mails.Where(m => to is null || m.To.Contains(to, StringComparer.OrdinalIgnoreCase)).ToArray(),
            meta = new { kept = DevMailbox.Kept },
        })).AllowAnonymous().ExcludeFromDescription();
        return app;
    }
}
