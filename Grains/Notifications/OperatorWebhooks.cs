using System.ComponentModel.DataAnnotations;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using EventsSubscriptions.Grains.Delivery;
using EventsSubscriptions.Grains.Hosting;
using EventsSubscriptions.Grains.Interfaces.Hosting;
using EventsSubscriptions.Grains.Interfaces.Webhooks;
using Microsoft.Extensions.DependencyInjection;

namespace EventsSubscriptions.Grains.Notifications;

/// <summary>Where a tenant's operator hears of its subscriptions' failures.</summary>
public sealed class OperatorWebhook
{
    /// <summary>An absolute http(s) URL; the webhook target rules apply to it as to subscriptions' URLs.</summary>
    [Required, Url]
    public string Url { get; set; } = "";

    /// <summary>Signs each call (Standard Webhooks): 16-256 characters, or <c>whsec_</c> and a base64 key.</summary>
    [Required, StringLength(256, MinimumLength = 16)]
    public string Secret { get; set; } = "";
}

/// <summary>Operational webhooks (section <c>OperatorWebhooks</c>): per tenant, <c>OperatorWebhooks__Tenants__&lt;tenant&gt;__Url</c> and <c>__Secret</c>.</summary>
public sealed class OperatorWebhookSettings : ISettingsSection, IValidatableObject
{
    public static string Section => "OperatorWebhooks";

    /// <summary>Each tenant's operational webhooks (<c>subscription.failing</c>, <c>subscription.suspended</c>, <c>subscription.recovered</c>, <c>delivery.exhausted</c>; see docs/behaviour.md), by tenant.</summary>
    public Dictionary<string, OperatorWebhook> Tenants { get; set; } = new(StringComparer.Ordinal);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (tenant, hook) in Tenants)
        {
            if (!Uri.TryCreate(hook.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            {
                yield return new ValidationResult($"Tenants:{tenant}: Url must be an absolute http or https URL.", [$"Tenants:{tenant}"]);
            }
            var results = new List<ValidationResult>();
            Validator.TryValidateObject(hook, new ValidationContext(hook), results, validateAllProperties: true);
            foreach (var result in results)
            {
                yield return new ValidationResult($"Tenants:{tenant}: {result.ErrorMessage}", [$"Tenants:{tenant}"]);
            }
        }
    }
}

/// <summary>
/// Tells a tenant's operator URL, as Svix's operational webhooks do, when one of its subscriptions
/// starts failing (<c>subscription.failing</c>), is suspended (<c>subscription.suspended</c>),
/// recovers (<c>subscription.recovered</c>), or gives a delivery up (<c>delivery.exhausted</c>).
/// Each call is a JSON body <c>{"type", "timestamp", "tenant", "data"}</c> signed with Standard
/// Webhooks headers; it is tried four times over about three minutes (0, 5 s, 30 s, 2 min) in the
/// background, then given up and logged: a notice, not a delivery the service keeps.
/// </summary>
public sealed class OperatorWebhooks(
    IOptions<OperatorWebhookSettings> options, GuardedConnector connector, [FromKeyedServices(ServiceClock.Key)] TimeProvider clock,
    ILogger<OperatorWebhooks> logger)
{
    private static readonly TimeSpan[] Delays = [TimeSpan.Zero, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2)];

    private readonly HttpClient client = new(connector.CreateHandler()) { Timeout = TimeSpan.FromSeconds(15) };

    public bool Configured(string tenant) => options.Value.Tenants.ContainsKey(tenant);

    /// <summary>Sends the notice in the background (never throws, never waits for the operator).</summary>
    public void Send(string tenant, string type, JsonObject data)
    {
        if (!options.Value.Tenants.TryGetValue(tenant, out var hook))
        {
            return;
        }
        var id = $"op_{Guid.CreateVersion7():N}";
        var body = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["type"] = type,
            ["timestamp"] = clock.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture),
            ["tenant"] = tenant,
            ["data"] = data,
        }.ToJsonString());
        _ = Task.Run(async () =>
        {
            try
            {
                await DeliverAsync(hook, id, type, body);
            }
            catch (Exception e)
            {
                // Nobody awaits a notice: whatever it meets is logged, never left unobserved.
                logger.OperatorWebhookGivenUp(type, id, 0, $"{e.GetType().Name}: {e.Message}");
            }
        });
    }

    private async Task DeliverAsync(OperatorWebhook hook, string id, string type, byte[] body)
    {
        string? last = null;
        foreach (var delay in Delays)
        {
            await Task.Delay(delay);
            try
            {
                var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
                using var request = new HttpRequestMessage(HttpMethod.Post, hook.Url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                request.Headers.TryAddWithoutValidation(WebhookHeaders.Id, id);
                request.Headers.TryAddWithoutValidation(WebhookHeaders.Timestamp, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
                request.Headers.TryAddWithoutValidation(WebhookHeaders.Signature, WebhookSigner.Standard(id, timestamp, body, [hook.Secret]));
                using var response = await client.SendAsync(request);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
                last = $"the operator URL answered {(int)response.StatusCode}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                last = e.Message;
            }
        }
        logger.OperatorWebhookGivenUp(type, id, Delays.Length, last);
    }
}
