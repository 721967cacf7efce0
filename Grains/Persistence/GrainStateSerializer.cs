using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Serialization;
using Orleans.Serialization;
using Orleans.Storage;

namespace EventsSubscriptions.Grains.Persistence;

/// <summary>
/// How grain state is stored: Orleans' own binary format (the one grain calls use: fields by
/// <c>[Id]</c>, version tolerant, no type names in the payload) behind a one-byte format mark.
/// <para>
/// Earlier versions stored Newtonsoft JSON with <c>$type</c> names. Such a row is still read,
/// with type names ignored (every state type is concrete, so none is needed): nothing in a row
/// can choose the type that is created. Each object is created anew (never filled in place, which
/// once made every subscription share one health record), and the next write stores the row in
/// the binary format.
/// </para>
/// </summary>
public sealed class GrainStateSerializer(Serializer serializer) : IGrainStorageSerializer
{
    /// <summary>First byte of a binary row. JSON text never starts with it.</summary>
    public const byte BinaryMark = 0x01;

    private static readonly JsonSerializerSettings LegacySettings = new()
    {
        TypeNameHandling = TypeNameHandling.None,
        ObjectCreationHandling = ObjectCreationHandling.Replace,
        MetadataPropertyHandling = MetadataPropertyHandling.Default,
        DateParseHandling = DateParseHandling.DateTimeOffset,
        MissingMemberHandling = MissingMemberHandling.Ignore,
        ConstructorHandling = ConstructorHandling.AllowNonPublicDefaultConstructor,
        SerializationBinder = new RefusingBinder(),
        MaxDepth = 64,
    };

    public BinaryData Serialize<T>(T? input)
    {
        var body = serializer.SerializeToArray(input);
        var payload = new byte[body.Length + 1];
        payload[0] = BinaryMark;
        body.CopyTo(payload, 1);
        return new BinaryData(payload);
    }

    public T? Deserialize<T>(BinaryData input)
    {
        var payload = input.ToMemory();
        if (payload.Length > 0 && payload.Span[0] == BinaryMark)
        {
            return serializer.Deserialize<T>(payload[1..]);
        }
        return ReadLegacyJson<T>(Encoding.UTF8.GetString(payload.Span));
    }

    /// <summary>Reads a row written by an earlier version (Newtonsoft JSON with type names).</summary>
    public static T? ReadLegacyJson<T>(string json) => JsonConvert.DeserializeObject<T>(json, LegacySettings);

    /// <summary>Never resolves a type from a name: with <see cref="TypeNameHandling.None"/> it is not asked, and if it ever is, it refuses.</summary>
    private sealed class RefusingBinder : ISerializationBinder
    {
        public Type BindToType(string? assemblyName, string typeName) =>
            throw new JsonSerializationException($"stored state names a type ('{typeName}'); type names are not honoured");

        public void BindToName(Type serializedType, out string? assemblyName, out string? typeName)
        {
            assemblyName = null;
            typeName = null;
        }
    }
}
