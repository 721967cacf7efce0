namespace EventsSubscriptions.Gateway.Subscriptions;

/// <summary>
/// <c>{id:subscriptionId}</c>: the path segment is a <see cref="SubscriptionId"/>. A segment that is
/// not one matches the subscriptions API's catch-all routes instead, which answer it as an unknown id
/// (404, docs/api.md) rather than letting it reach another API's routes.
/// </summary>
public sealed class SubscriptionIdConstraint : IRouteConstraint
{
    public const string Name = "subscriptionId";

    public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
        values.TryGetValue(routeKey, out var value)
        && SubscriptionId.TryParse(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture), out _);
}
