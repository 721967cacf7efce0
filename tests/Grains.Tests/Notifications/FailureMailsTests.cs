using EventsSubscriptions.Grains.Notifications;

namespace EventsSubscriptions.Grains.Tests.Notifications;

[Trait("Category", "Unit")]
public sealed class FailureMailsTests
{
    [Fact]
    public void The_exhausted_mail_names_the_subscription_the_event_the_error_and_where_to_look()
    {
        var mail = FailureMails.DeliveryExhausted(42, "hr-sync", "https://hr.example/hook", "entity:employees:created", "evt-1", 8,
            "the receiver answered 503");

        Assert.Equal("Webhook deliveries are failing: subscription 42 (hr-sync)", mail.Subject);
        Assert.Contains("entity:employees:created (event evt-1) to https://hr.example/hook failed 8 times", mail.Text);
        Assert.Contains("Last error: the receiver answered 503", mail.Text);
        Assert.Contains("GET /rest/v1/events-subscriptions/42/logs", mail.Text);
    }

    [Fact]
    public void The_suspension_mail_says_why_and_how_to_enable_again()
    {
        var mail = FailureMails.Suspended(42, "hr-sync", "https://hr.example/hook", "the receiver answered 410 Gone");

        Assert.Equal("Webhook subscription 42 (hr-sync) was suspended", mail.Subject);
        Assert.Contains("was suspended: the receiver answered 410 Gone.", mail.Text);
        Assert.Contains("POST /rest/v1/events-subscriptions/42/actions/enable", mail.Text);
    }
}
