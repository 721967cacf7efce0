using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EventsSubscriptions.TestSupport;

/// <summary>One span as a collector received it: ids in lowercase hex, the service that sent it.</summary>
public sealed record CollectedSpan(string TraceId, string SpanId, string? ParentSpanId, string Name, string Service, string ServiceInstance);

/// <summary>
/// An OpenTelemetry collector for tests: OTLP over HTTP with protobuf (<c>POST /v1/traces</c>) on
/// loopback, decoding the few fields a test follows (trace, span and parent ids, span name, the
/// resource's service name and instance). Started in a constructor, so that a fixture can hand its
/// address to the processes it starts.
/// </summary>
public sealed class TraceCollector : IDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentQueue<CollectedSpan> spans = new();

    public TraceCollector()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        app = builder.Build();
        app.MapPost("/v1/traces", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            foreach (var span in OtlpTraces.Decode(body.ToArray()))
            {
                spans.Enqueue(span);
            }
            context.Response.ContentType = "application/x-protobuf";
        });
        app.Start();
        Endpoint = app.Urls.First();
    }

    /// <summary>The base address to give as an OTLP/HTTP endpoint.</summary>
    public string Endpoint { get; }

    public IReadOnlyList<CollectedSpan> Trace(string traceId) => spans.Where(s => s.TraceId == traceId).ToList();

    public void Dispose() => app.DisposeAsync().AsTask().GetAwaiter().GetResult();
}

/// <summary>
/// Reads an OTLP <c>ExportTraceServiceRequest</c> (protobuf) by its field numbers: resource_spans
/// (1) → resource (1) → attributes (1) and scope_spans (2) → spans (2) → trace_id (1), span_id (2),
/// parent_span_id (4), name (5). Every other field is skipped by its wire type.
/// </summary>
public static class OtlpTraces
{
    public static IEnumerable<CollectedSpan> Decode(byte[] request)
    {
        var result = new List<CollectedSpan>();
        foreach (var (field, resourceSpans) in Fields(request))
        {
            if (field != 1)
            {
                continue;
            }
            var attributes = new Dictionary<string, string>();
            var spanMessages = new List<byte[]>();
            foreach (var (inner, value) in Fields(resourceSpans))
            {
                if (inner == 1)
                {
                    foreach (var (attributeField, keyValue) in Fields(value))
                    {
                        if (attributeField == 1 && Attribute(keyValue) is var (key, text))
                        {
                            attributes[key] = text;
                        }
                    }
                }
                else if (inner == 2)
                {
                    spanMessages.AddRange(Fields(value).Where(f => f.Field == 2).Select(f => f.Value));
                }
            }
            foreach (var span in spanMessages)
            {
                string? traceId = null, spanId = null, parent = null, name = null;
                foreach (var (spanField, value) in Fields(span))
                {
                    switch (spanField)
                    {
                        case 1: traceId = Convert.ToHexStringLower(value); break;
                        case 2: spanId = Convert.ToHexStringLower(value); break;
                        case 4 when value.Length > 0: parent = Convert.ToHexStringLower(value); break;
                        case 5: name = Encoding.UTF8.GetString(value); break;
                    }
                }
                result.Add(new CollectedSpan(traceId ?? "", spanId ?? "", parent, name ?? "",
                    attributes.GetValueOrDefault("service.name", ""), attributes.GetValueOrDefault("service.instance.id", "")));
            }
        }
        return result;
    }

    /// <summary>A KeyValue whose value is a string: (key, string_value); null otherwise.</summary>
    private static (string, string)? Attribute(byte[] keyValue)
    {
        string? key = null, text = null;
        foreach (var (field, value) in Fields(keyValue))
        {
            if (field == 1)
            {
                key = Encoding.UTF8.GetString(value);
            }
            else if (field == 2)
            {
                text = Fields(value).Where(f => f.Field == 1).Select(f => Encoding.UTF8.GetString(f.Value)).FirstOrDefault();
            }
        }
        return key is not null && text is not null ? (key, text) : null;
    }

    /// <summary>The length-delimited fields of a message (field number, bytes); varints and fixed-size fields are skipped.</summary>
    private static List<(int Field, byte[] Value)> Fields(byte[] message)
    {
        var fields = new List<(int, byte[])>();
        var position = 0;
        while (position < message.Length)
        {
            var tag = Varint(message, ref position);
            var field = (int)(tag >> 3);
            switch (tag & 7)
            {
                case 0: Varint(message, ref position); break;
                case 1: position += 8; break;
                case 5: position += 4; break;
                case 2:
                    var length = (int)Varint(message, ref position);
                    fields.Add((field, message[position..(position + length)]));
                    position += length;
                    break;
                default: throw new InvalidDataException($"wire type {tag & 7} at {position}");
            }
        }
        return fields;
    }

    private static ulong Varint(byte[] message, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = message[position++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }
}
