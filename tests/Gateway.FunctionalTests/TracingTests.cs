namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>
/// An event's trace, as an operator's collector receives it from the gateway and both silos, and
/// as the receiver sees it in <c>traceparent</c>.
/// </summary>
[Trait("Category", "Functional")]
[Collection(DeliveryClusterCollection.Name)]
public sealed class TracingTests(DeliveryCluster service) : ReceivingTest(service)
{
    private const string Gateway = "events-subscriptions-gateway";
    private const string Silo = "events-subscriptions-silo";

    [Fact]
    public async Task An_events_trace_runs_from_the_API_call_through_the_silos_to_the_receiver()
    {
        var resource = $"traced-{Guid.NewGuid():N}"[..20];
        var draft = EventsClient.Subscription($"entity:{resource}:created", """{"filters": [{"tag": "context.*"}]}""");
        draft["url"] = Receiver.Url("traced");
        await Api.SubscribeAsync(draft);

        // Each change comes from a caller that traces (its own span is the parent of the API call's):
        // several of them, so that the entity grains, routers and the subscription grain they pass
        // through are spread over both silos.
        var callers = new List<(string TraceId, string CallerSpan)>();
        for (var i = 0; i < 8; i++)
        {
            var caller = (TraceId: Hex(16), CallerSpan: Hex(8));
            using var request = service.Request(HttpMethod.Post, $"/rest/v1/{resource}", service.Token(ServiceCluster.AllScopes));
            request.Headers.Add("traceparent", $"00-{caller.TraceId}-{caller.CallerSpan}-01");
            request.Content = JsonContent.Create(new JsonObject { ["name"] = $"traced {i}" });
            using var response = await service.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            callers.Add(caller);
        }

        await Eventually.HoldsAsync(() => Receiver.Calls("traced").Count >= callers.Count, TimeSpan.FromSeconds(60), "the webhooks never arrived");
        // traceparent: 00-<trace id>-<the webhook call's span>-<flags>.
        var received = Receiver.Calls("traced").Select(c => c.Headers["traceparent"].Split('-')).ToList();
        Assert.Equal(callers.Select(c => c.TraceId).Order(), received.Select(r => r[1]).Order());
        Assert.All(received, r => Assert.Equal("01", r[3]));

        var silos = new HashSet<string>();
        foreach (var (traceId, callerSpan) in callers)
        {
            var webhookSpan = received.Single(r => r[1] == traceId)[2];
            IReadOnlyList<CollectedSpan> spans = [];
            await Eventually.HoldsAsync(() =>
            {
                spans = service.Traces.Trace(traceId);
                return spans.Any(s => s.SpanId == webhookSpan) && spans.Any(s => s.Name.StartsWith("route "));
            }, TimeSpan.FromSeconds(30), $"trace {traceId} did not reach the collector whole");
            var byId = spans.ToDictionary(s => s.SpanId);

            // From the webhook's HTTP call up to the caller: the delivery on a silo, the event's
            // acceptance in its entity grain, the API call on the gateway, all in one line of parents.
            var line = Ancestors(webhookSpan, byId, out var top);
            Assert.Equal(callerSpan, top);
            Assert.Equal(Silo, line[0].Service);
            Assert.Contains(line, s => s.Name.StartsWith("deliver entity:") && s.Service == Silo);
            Assert.Contains(line, s => s.Name.Contains("EntityGrain") && s.Service == Silo);
            Assert.Contains(line, s => s.Service == Gateway);
            Assert.Equal(Gateway, line[^1].Service);

            // The event's routing hangs from the same acceptance (a branch of the line).
            var route = spans.Single(s => s.Name == $"route entity:{resource}:created");
            Assert.Equal(callerSpan, Tops(route.SpanId, byId));
            silos.UnionWith(spans.Where(s => s.Service == Silo).Select(s => s.ServiceInstance));
        }
        Assert.Equal(2, silos.Count);
    }

    /// <summary>The span and its parents, nearest first, while the collector has them; <paramref name="top"/> is the first parent it has not (the caller's).</summary>
    private static List<CollectedSpan> Ancestors(string spanId, Dictionary<string, CollectedSpan> byId, out string? top)
    {
        var line = new List<CollectedSpan>();
        string? current = spanId;
        while (current is not null && byId.TryGetValue(current, out var span))
        {
            line.Add(span);
            current = span.ParentSpanId;
        }
        top = current;
        return line;
    }

    private static string? Tops(string spanId, Dictionary<string, CollectedSpan> byId)
    {
        Ancestors(spanId, byId, out var top);
        return top;
    }

    private static string Hex(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));
}
