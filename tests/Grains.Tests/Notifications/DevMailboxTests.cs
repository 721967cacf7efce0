using System.Net.Sockets;
using EventsSubscriptions.Gateway.Development;
using EventsSubscriptions.Grains.Notifications;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace EventsSubscriptions.Grains.Tests.Notifications;

/// <summary>The development mailbox: what the silos mail in Development is kept and readable, and a hostile client keeps nothing.</summary>
[Trait("Category", "Unit")]
public sealed class DevMailboxTests : IAsyncLifetime
{
    private readonly DevMailbox mailbox = new(0, NullLogger<DevMailbox>.Instance);
    private int port;

    public async Task InitializeAsync()
    {
        await mailbox.StartAsync(CancellationToken.None);
        port = await mailbox.Port.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public async Task DisposeAsync() => await mailbox.StopAsync(CancellationToken.None);

    [Fact]
    public async Task A_mail_sent_over_smtp_is_kept_with_its_subject_and_text()
    {
        var notice = FailureMails.Failing(42, "hr-sync", "https://hr.example/hook",
            Interfaces.Subscriptions.SubscriptionHealth.None with
            {
                State = Interfaces.Subscriptions.HealthState.Failing, ConsecutiveFailures = 2, LastError = "the receiver answered 401 Unauthorized",
            },
            0, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("events-subscriptions@localhost"));
        message.To.Add(MailboxAddress.Parse("ops@example.com"));
        message.Subject = notice.Subject;
        message.Body = new TextPart("plain") { Text = notice.Text + "\n.a line that starts with a dot\n" };
        using (var smtp = new SmtpClient())
        {
            await smtp.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None);
            await smtp.SendAsync(message);
            await smtp.DisconnectAsync(true);
        }

        var kept = Assert.Single(mailbox.Mails);
        Assert.Equal(["ops@example.com"], kept.To);
        Assert.Equal("Webhook calls are failing: subscription 42 (hr-sync)", kept.Subject);
        Assert.Contains("401 Unauthorized", kept.Text);
        Assert.Contains("\n.a line that starts with a dot", kept.Text!.Replace("\r\n", "\n"));
    }

    [Fact]
    public async Task A_client_that_sends_an_endless_line_is_cut_off_and_leaves_nothing()
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        var greeting = new byte[256];
        Assert.True(await stream.ReadAsync(greeting) > 0);
        await stream.WriteAsync(Encoding.ASCII.GetBytes("EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n" + new string('x', 10_000)));

        // The server closes the connection: reading ends (after whatever answers it had sent).
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            while (await stream.ReadAsync(buffer, timeout.Token) > 0)
            {
            }
        }
        catch (IOException)
        {
        }
        Assert.False(timeout.IsCancellationRequested, "the connection was not closed");
        Assert.Empty(mailbox.Mails);
    }
}
