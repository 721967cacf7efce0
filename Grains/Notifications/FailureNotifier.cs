using System.Text.Json.Nodes;

namespace EventsSubscriptions.Grains.Notifications;

/// <summary>An operational webhook's event: its type and data.</summary>
public sealed record OperatorEvent(string Type, JsonObject Data);

/// <summary>
/// What a subscription tells of its failures, and to whom: its <c>failureEmail</c> (an e-mail) and
/// its tenant's operator URL (an operational webhook), whichever are set.
/// </summary>
public sealed class FailureNotifier(FailureMailer mailer, OperatorWebhooks operators)
{
    /// <summary>Whether anyone hears of this subscription's failures.</summary>
    public bool Listened(string? failureEmail, string tenant) => failureEmail is not null || operators.Configured(tenant);

    public async Task TellAsync(string? failureEmail, string tenant, Mail? mail, OperatorEvent? operatorEvent)
    {
        if (operatorEvent is not null)
        {
            operators.Send(tenant, operatorEvent.Type, operatorEvent.Data);
        }
        if (failureEmail is not null && mail is not null)
        {
            await mailer.SendAsync(failureEmail, mail.Subject, mail.Text);
        }
    }
}
