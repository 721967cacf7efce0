using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EventsSubscriptions.TestSupport;

public sealed record ReceivedCall(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, DateTimeOffset At, int Status);

/// <summary>
/// A real HTTP receiver (Kestrel on loopback) for webhook calls. Each path answers from a script
/// of statuses (the last one repeats), optionally with a Retry-After, or hangs.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<ReceivedCall>> calls = new();
    private readonly ConcurrentDictionary<string, (Queue<int> Script, int Last, string? RetryAfter)> scripts = new();
    private readonly ConcurrentDictionary<string, byte[]> bodies = new();
    private readonly ConcurrentDictionary<string, TimeSpan> delays = new();
    private readonly ConcurrentDictionary<string, (int Now, int Max)> concurrency = new();

    private WebhookReceiver(WebApplication app) => this.app = app;

    public string BaseUrl { get; private set; } = "";

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var receiver = new WebhookReceiver(builder.Build());
        receiver.app.MapPost("/hooks/{name}", receiver.HandleAsync);
        await receiver.app.StartAsync();
        receiver.BaseUrl = receiver.app.Urls.First();
        return receiver;
    }

    /// <summary>
    /// Scripts a path: <c>"500 500 200"</c>; <c>hang</c> never answers; <c>cut</c> answers 500 and breaks
    /// off its body; <c>trickle</c> answers 200 at once, then sends its body a byte every half second for a minute;
    /// <c>echo</c> answers 200 with the request's headers as its body (as debugging receivers do).
    /// </summary>
    public string Url(string name, string answers = "200", string? retryAfter = null)
    {
        var statuses = answers.Split(' ').Select(a => a switch { "hang" => -1, "cut" => -2, "trickle" => -3, "echo" => -4, _ => int.Parse(a) }).ToList();
        scripts[name] = (new Queue<int>(statuses), statuses[^1], retryAfter);
        return $"{BaseUrl}/hooks/{name}";
    }

    /// <summary>A slow (not hung) receiver: each call of the path is answered, as scripted, after <paramref name="delay"/>.</summary>
    public string Url(string name, TimeSpan delay, string answers = "200")
    {
        delays[name] = delay;
        return Url(name, answers);
    }

    /// <summary>The most calls of the path that were ever being answered at once.</summary>
    public int MaxConcurrent(string name) => concurrency.TryGetValue(name, out var count) ? count.Max : 0;

    /// <summary>Answers the path's calls with these bytes (a hostile receiver) instead of a short text.</summary>
    public string Url(string name, byte[] answerBody)
    {
        bodies[name] = answerBody;
        return Url(name);
    }

    public IReadOnlyList<ReceivedCall> Calls(string name) => calls.TryGetValue(name, out var queue) ? [.. queue] : [];

    private async Task HandleAsync(string name, HttpContext context)
    {
        concurrency.AddOrUpdate(name, _ => (1, 1), (_, c) => (c.Now + 1, Math.Max(c.Max, c.Now + 1)));
        try
        {
            if (delays.TryGetValue(name, out var delay))
            {
                await Task.Delay(delay);
            }
            await AnswerAsync(name, context);
        }
        finally
        {
            concurrency.AddOrUpdate(name, _ => (0, 0), (_, c) => (c.Now - 1, c.Max));
        }
    }

    private async Task AnswerAsync(string name, HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        var status = 200;
        string? retryAfter = null;
        if (scripts.TryGetValue(name, out var script))
        {
            // The answer is chosen and the call recorded under one lock, so that the record's
            // order is the order in which the script was consumed.
            lock (script.Script)
            {
                status = script.Script.Count > 0 ? script.Script.Dequeue() : script.Last;
                calls.GetOrAdd(name, _ => new ConcurrentQueue<ReceivedCall>()).Enqueue(new ReceivedCall(name, headers, buffer.ToArray(), DateTimeOffset.UtcNow, status));
            }
            retryAfter = script.RetryAfter;
        }
        else
        {
            calls.GetOrAdd(name, _ => new ConcurrentQueue<ReceivedCall>()).Enqueue(new ReceivedCall(name, headers, buffer.ToArray(), DateTimeOffset.UtcNow, status));
        }
        if (status == -1)
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { });
            return;
        }
        if (status == -2)
        {
            // Promise 1,000 bytes, send 5, and drop the connection.
            context.Response.StatusCode = 500;
            context.Response.ContentLength = 1000;
            await context.Response.WriteAsync("oops!");
            await context.Response.Body.FlushAsync();
            context.Abort();
            return;
        }
        if (status == -3)
        {
            context.Response.StatusCode = 200;
            await context.Response.Body.FlushAsync();
            for (var i = 0; i < 120 && !context.RequestAborted.IsCancellationRequested; i++)
            {
                await context.Response.WriteAsync("t");
                await context.Response.Body.FlushAsync();
                await Task.Delay(500, context.RequestAborted).ContinueWith(_ => { });
            }
            return;
        }
        if (status == -4)
        {
            await context.Response.WriteAsync(string.Join("\n", headers.Select(h => $"{h.Key}: {h.Value}")));
            return;
        }
        context.Response.StatusCode = status;
        if (retryAfter is not null)
        {
            context.Response.Headers.RetryAfter = retryAfter;
        }
        if (bodies.TryGetValue(name, out var answer))
        {
            await context.Response.Body.WriteAsync(answer);
            return;
        }
        await context.Response.WriteAsync(status < 300 ? "thanks" : $"nope {(HttpStatusCode)status}");
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}
