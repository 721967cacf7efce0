using System.ComponentModel.DataAnnotations;
using System.Net;
using EventsSubscriptions.Grains.Interfaces.Hosting;

namespace EventsSubscriptions.Grains.Interfaces.Webhooks;

/// <summary>
/// Which webhook targets are allowed (section <c>Webhooks</c>), read by the gateway at create time
/// and by the silos at every delivery. The defaults are the production ones: https only, public
/// addresses only.
/// </summary>
public sealed class WebhookSettings : ISettingsSection, IValidatableObject
{
    public static string Section => "Webhooks";

    /// <summary>Accept <c>http://</c> URLs (development and tests).</summary>
    public bool AllowHttp { get; set; }

    /// <summary>
    /// Networks (CIDR, e.g. <c>127.0.0.0/8</c>, <c>10.1.0.0/16</c>) that may be called although they
    /// are not public. Loopback listed here also allows the name <c>localhost</c>.
    /// </summary>
    public string[] AllowedNetworks { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < AllowedNetworks.Length; i++)
        {
            if (!IPNetwork.TryParse(AllowedNetworks[i].Trim(), out _))
            {
                yield return new ValidationResult(
                    $"'{AllowedNetworks[i]}' is not a CIDR network (e.g. 10.20.0.0/16).", [$"{nameof(AllowedNetworks)}:{i}"]);
            }
        }
    }
}
