namespace EventsSubscriptions.Gateway.Subscriptions;

/// <summary>Reads the query string of <c>GET …/{id}</c>: only <c>include=logs</c>.</summary>
public static class ItemQueryReader
{
    public static (bool IncludeLogs, ValidationErrors Errors) Read(IQueryCollection query)
    {
        var include = query["include"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        var errors = new ValidationErrors();
        foreach (var unknown in include.Where(i => i != "logs"))
        {
            errors.Add("include", $"'{unknown}' cannot be included; the only include is logs");
        }
        foreach (var name in query.Keys.Where(k => k != "include"))
        {
            errors.Add(name, "is not a parameter of this endpoint (include)");
        }
        return (include.Count > 0, errors);
    }
}
