namespace EventsSubscriptions.Grains.Notifications;

/// <summary>Failure e-mails (section <c>Smtp</c>). Without a host, no e-mail is sent and a warning says so once.</summary>
public sealed class SmtpSettings
{
    public const string Section = "Smtp";

    public string? Host { get; set; }

    [System.ComponentModel.DataAnnotations.Range(1, 65535)]
    public int Port { get; set; } = 587;

    /// <summary><c>StartTls</c> (default), <c>SslOnConnect</c>, <c>StartTlsWhenAvailable</c> or <c>None</c>.</summary>
    [System.ComponentModel.DataAnnotations.RegularExpression("^(?i:StartTls|SslOnConnect|StartTlsWhenAvailable|None|Auto)$",
        ErrorMessage = "Smtp:Security must be StartTls, SslOnConnect, StartTlsWhenAvailable, None or Auto")]
    public string Security { get; set; } = "StartTls";

    public string? Username { get; set; }

    public string? Password { get; set; }

    public string From { get; set; } = "events-subscriptions@localhost";
}
