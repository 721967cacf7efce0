using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MimeKit;

namespace EventsSubscriptions.Gateway.Development;

/// <summary>One e-mail the development mailbox was given.</summary>
public sealed record DevMail(DateTimeOffset ReceivedOn, string? From, IReadOnlyList<string> To, string? Subject, string? Text);

/// <summary>
/// A mailbox for trying the service out (<c>Gateway:DevMailbox</c>, on in Development only): a
/// minimal SMTP server on loopback (<c>Gateway:DevMailboxPort</c>, 2525) that <c>scripts/up.sh</c>
/// points the silos at, so that the e-mails to <c>failureEmail</c> addresses can be read at
/// <c>GET /dev/mail</c>. It keeps the last <see cref="Kept"/> messages in memory and is bounded
/// against whatever connects: a few connections at a time, lines and messages of limited size, an
/// idle connection closed. No authentication: never enable it where others can reach the gateway.
/// </summary>
public sealed class DevMailbox(int port, ILogger<DevMailbox> logger) : BackgroundService
{
    public const int Kept = 100;
    private const int MaxConnections = 8;
    private const int MaxLine = 2000;
    private const int MaxMessage = 1 << 20;
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(30);

    private readonly ConcurrentQueue<DevMail> mails = new();
    private readonly SemaphoreSlim connections = new(MaxConnections);
    private readonly TaskCompletionSource<int> bound = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The port it listens on, once it does (for a port of 0, the one the system gave).</summary>
    public Task<int> Port => bound.Task;

    /// <summary>The messages kept, newest first.</summary>
    public IReadOnlyList<DevMail> Mails => [.. mails.Reverse()];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        try
        {
            listener.Start();
        }
        catch (SocketException e)
        {
            logger.LogWarning(e, "The development mailbox could not listen on 127.0.0.1:{Port}; e-mails are not kept", port);
            bound.TrySetException(e);
            return;
        }
        bound.TrySetResult(((IPEndPoint)listener.LocalEndpoint).Port);
        using (listener)
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await listener.AcceptTcpClientAsync(stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                if (!connections.Wait(0))
                {
                    client.Dispose();
                    continue;
                }
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await ServeAsync(client, stoppingToken);
                    }
                    catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or InvalidDataException)
                    {
                        // A client that breaks the dialogue loses its message, nothing more.
                    }
                    finally
                    {
                        client.Dispose();
                        connections.Release();
                    }
                }, CancellationToken.None);
            }
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken stoppingToken)
    {
        await using var stream = client.GetStream();
        var reader = new LineReader(stream);
        async Task Say(string line) => await stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"), stoppingToken);
        await Say("220 dev-mailbox ESMTP (development only)");
        string? from = null;
        var to = new List<string>();
        while (true)
        {
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            idle.CancelAfter(IdleTimeout);
            if (await reader.ReadLineAsync(idle.Token) is not { } line)
            {
                return;
            }
            var verb = line.Split(' ', 2)[0].ToUpperInvariant();
            switch (verb)
            {
                case "EHLO" or "HELO":
                    await Say("250 dev-mailbox");
                    break;
                case "MAIL":
                    from = Address(line);
                    to.Clear();
                    await Say("250 OK");
                    break;
                case "RCPT" when to.Count < 100:
                    to.Add(Address(line) ?? "");
                    await Say("250 OK");
                    break;
                case "DATA" when to.Count > 0:
                    await Say("354 end with <CRLF>.<CRLF>");
                    var data = new StringBuilder();
                    while (await reader.ReadLineAsync(idle.Token) is { } text && text != ".")
                    {
                        if (data.Length + text.Length > MaxMessage)
                        {
                            await Say("552 message too large");
                            return;
                        }
                        data.Append(text.StartsWith("..", StringComparison.Ordinal) ? text[1..] : text).Append("\r\n");
                    }
                    Keep(from, [.. to], data.ToString());
                    to.Clear();
                    await Say("250 kept");
                    break;
                case "RSET" or "NOOP":
                    await Say("250 OK");
                    break;
                case "QUIT":
                    await Say("221 bye");
                    return;
                default:
                    await Say("502 not here");
                    break;
            }
        }
    }

    private void Keep(string? from, string[] to, string data)
    {
        string? subject = null;
        string? text = data;
        try
        {
            using var content = new MemoryStream(Encoding.UTF8.GetBytes(data));
            var message = MimeMessage.Load(content);
            subject = message.Subject;
            text = message.TextBody ?? message.HtmlBody;
        }
        catch (FormatException)
        {
            // Not a message MimeKit reads: kept as it came.
        }
        mails.Enqueue(new DevMail(DateTimeOffset.UtcNow, from, to, subject, text));
        while (mails.Count > Kept && mails.TryDequeue(out _))
        {
        }
    }

    private static string? Address(string line) =>
        line.IndexOf('<') is var open and >= 0 && line.IndexOf('>', open) is var close and > 0 ? line[(open + 1)..close] : null;

    /// <summary>Reads CRLF-terminated lines of at most <see cref="MaxLine"/> characters from a stream.</summary>
    private sealed class LineReader(Stream stream)
    {
        private readonly byte[] buffer = new byte[4096];
        private int start;
        private int end;

        public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
        {
            var line = new StringBuilder();
            while (true)
            {
                if (start == end)
                {
                    start = 0;
                    end = await stream.ReadAsync(buffer, cancellationToken);
                    if (end == 0)
                    {
                        return line.Length > 0 ? line.ToString() : null;
                    }
                }
                var newline = Array.IndexOf(buffer, (byte)'\n', start, end - start);
                var stop = newline < 0 ? end : newline;
                line.Append(Encoding.UTF8.GetString(buffer, start, stop - start));
                start = newline < 0 ? end : newline + 1;
                if (line.Length > MaxLine)
                {
                    throw new InvalidDataException($"a line longer than {MaxLine} characters");
                }
                if (newline >= 0)
                {
                    return line.ToString().TrimEnd('\r');
                }
            }
        }
    }
}
