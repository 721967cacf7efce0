using System.ComponentModel.DataAnnotations;
using EventsSubscriptions.Grains.Interfaces.Hosting;
using MimeKit;

namespace EventsSubscriptions.Grains.Notifications;

/// <summary>Failure e-mails (section <c>Smtp</c>). Without a host, no e-mail is sent and a warning says so once.</summary>
public sealed class SmtpSettings : ISettingsSection, IValidatableObject
{
    public static string Section => "Smtp";

    /// <summary>The SMTP relay failure e-mails go through; none: no e-mail is sent.</summary>
    public string? Host { get; set; }

    /// <summary>The relay's port.</summary>
    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    /// <summary><c>StartTls</c> (default), <c>SslOnConnect</c>, <c>StartTlsWhenAvailable</c>, <c>None</c> or <c>Auto</c>.</summary>
    [RegularExpression("^(?i:StartTls|SslOnConnect|StartTlsWhenAvailable|None|Auto)$",
        ErrorMessage = "must be StartTls, SslOnConnect, StartTlsWhenAvailable, None or Auto.")]
    public string Security { get; set; } = "StartTls";

    /// <summary>The relay's login, when it asks for one.</summary>
    public string? Username { get; set; }

    /// <summary>The login's password (a secret: better as a file, see <c>ES_SECRETS_DIR</c>).</summary>
    public string? Password { get; set; }

    /// <summary>The sender of the e-mails: an e-mail address.</summary>
    public string From { get; set; } = "events-subscriptions@localhost";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!MailboxAddress.TryParse(From, out _))
        {
            yield return new ValidationResult($"'{From}' is not an e-mail address.", [nameof(From)]);
        }
    }
}
