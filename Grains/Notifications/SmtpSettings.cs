using System.ComponentModel.DataAnnotations;
using EventsSubscriptions.Grains.Interfaces.Hosting;
using MimeKit;

namespace EventsSubscriptions.Grains.Notifications;

/// <summary>Failure e-mails (section <c>Smtp</c>). Without a host, no e-mail is sent and a warning says so once.</summary>
public sealed class SmtpSettings : ISettingsSection, IValidatableObject
{
    public static string Section => "Smtp";

    public string? Host { get; set; }

    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    /// <summary><c>StartTls</c> (default), <c>SslOnConnect</c>, <c>StartTlsWhenAvailable</c>, <c>None</c> or <c>Auto</c>.</summary>
    [RegularExpression("^(?i:StartTls|SslOnConnect|StartTlsWhenAvailable|None|Auto)$",
        ErrorMessage = "must be StartTls, SslOnConnect, StartTlsWhenAvailable, None or Auto.")]
    public string Security { get; set; } = "StartTls";

    public string? Username { get; set; }

    public string? Password { get; set; }

    public string From { get; set; } = "events-subscriptions@localhost";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!MailboxAddress.TryParse(From, out _))
        {
            yield return new ValidationResult($"'{From}' is not an e-mail address.", [nameof(From)]);
        }
    }
}
