using System.ComponentModel.DataAnnotations;

namespace EventsSubscriptions.Grains.Interfaces.Hosting;

/// <summary>
/// Where traces go (section <c>Telemetry</c>), the same for silos and gateway. Without
/// <see cref="OtlpEndpoint"/> nothing is traced: no span is made and no <c>traceparent</c> is kept
/// with an event, so the event path pays nothing for it.
/// </summary>
public sealed class TelemetrySettings : ISettingsSection, IValidatableObject
{
    public static string Section => "Telemetry";

    /// <summary>
    /// An OpenTelemetry collector's OTLP endpoint: its base address for <c>HttpProtobuf</c>
    /// (<c>http://collector:4318</c>; <c>/v1/traces</c> is added), the address itself for <c>Grpc</c>
    /// (<c>http://collector:4317</c>).
    /// </summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>How spans are sent to <see cref="OtlpEndpoint"/>.</summary>
    public OtlpTransport OtlpProtocol { get; set; } = OtlpTransport.HttpProtobuf;

    /// <summary>
    /// The share of traces started here that are kept (0 to 1). A call that arrives with a sampled
    /// <c>traceparent</c> is always traced: the caller decided.
    /// </summary>
    [Range(0.0, 1.0)]
    public double SampleRatio { get; set; } = 1.0;

    public bool Enabled => !string.IsNullOrWhiteSpace(OtlpEndpoint);

    /// <summary>The address spans are posted to.</summary>
    public Uri TracesEndpoint() => OtlpProtocol == OtlpTransport.HttpProtobuf
        ? new Uri(OtlpEndpoint!.TrimEnd('/') + "/v1/traces")
        : new Uri(OtlpEndpoint!);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Enabled && (!Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            yield return new ValidationResult("must be an absolute http or https address, e.g. http://collector:4318", [nameof(OtlpEndpoint)]);
        }
    }
}

/// <summary>The two OTLP transports.</summary>
public enum OtlpTransport
{
    HttpProtobuf,
    Grpc,
}
