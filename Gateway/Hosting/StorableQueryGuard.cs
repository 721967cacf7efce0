using EventsSubscriptions.Gateway.Apis;
using EventsSubscriptions.Grains.Interfaces.Text;

namespace EventsSubscriptions.Gateway.Hosting;

/// <summary>
/// Refuses a query string or path holding text that cannot be stored or compared (a NUL
/// character, a lone surrogate) with a 400 naming the parameter, before any handler sees it:
/// such a value used to reach PostgreSQL and fail there. A parameter given twice is refused too
/// (<c>?status=ACTIVE&amp;status=ARCHIVED</c>): each handler used to read it its own way.
/// </summary>
public sealed class StorableQueryGuard(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var errors = new ValidationErrors();
        if (StorableText.Problem(context.Request.Path.Value ?? "") is { } pathProblem)
        {
            errors.Add("path", pathProblem);
        }
        foreach (var (key, values) in context.Request.Query)
        {
            if (StorableText.Problem(key) is { } keyProblem)
            {
                errors.Add("query", $"a parameter name {keyProblem}");
                continue;
            }
            if (values.Count > 1)
            {
                // One way everywhere: a parameter is given once; a list is one value (a,b).
                errors.Add(key, $"is given {values.Count} times: give it once (a list is one value: a,b)");
                continue;
            }
            foreach (var value in values)
            {
                if (value is not null && StorableText.Problem(value) is { } problem)
                {
                    errors.Add(key, problem);
                }
            }
        }
        if (errors.Any)
        {
            await Problems.InvalidFields(errors).ExecuteAsync(context);
            return;
        }
        await next(context);
    }
}
