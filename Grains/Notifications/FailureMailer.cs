using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using EventsSubscriptions.Grains.Hosting;

namespace EventsSubscriptions.Grains.Notifications;

/// <summary>Sends the failure e-mails of subscriptions over SMTP (MailKit).</summary>
public sealed class FailureMailer(IOptions<SmtpSettings> options, ILogger<FailureMailer> logger)
{
    private int warned;

    /// <summary>Sends one e-mail; false when SMTP is not configured or the server refused it (logged, never thrown).</summary>
    public async Task<bool> SendAsync(string to, string subject, string text, CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        if (string.IsNullOrWhiteSpace(settings.Host))
        {
            if (Interlocked.Exchange(ref warned, 1) == 0)
            {
                logger.SmtpNotConfigured();
            }
            return false;
        }
        try
        {
            var message = new MimeMessage();
            message.From.Add(MailboxAddress.Parse(settings.From));
            message.To.Add(MailboxAddress.Parse(to));
            message.Subject = subject;
            message.Body = new TextPart("plain") { Text = text };
            using var client = new SmtpClient { Timeout = 15_000 };
            await client.ConnectAsync(settings.Host, settings.Port, Enum.Parse<SecureSocketOptions>(settings.Security, ignoreCase: true), cancellationToken);
            if (!string.IsNullOrEmpty(settings.Username))
            {
                await client.AuthenticateAsync(settings.Username, settings.Password ?? "", cancellationToken);
            }
            await client.SendAsync(message, cancellationToken);
            await client.DisconnectAsync(quit: true, cancellationToken);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.MailNotSent(e, to);
            return false;
        }
    }
}
