using System.Text;
using EventsSubscriptions.Grains.Compatibility;
using Orleans.Serialization;
using Orleans.Storage;

namespace EventsSubscriptions.Grains.Persistence;

/// <summary>
/// How grain state is stored: Orleans' own binary format (the one grain calls use: fields by
/// <c>[Id]</c>, version tolerant, no type names in the payload) behind a one-byte format mark.
/// A row without the mark was written by an earlier version, as JSON (<see cref="LegacyStateJson"/>).
/// </summary>
public sealed class GrainStateSerializer(Serializer serializer) : IGrainStorageSerializer
{
    /// <summary>First byte of a binary row. JSON text never starts with it.</summary>
    public const byte BinaryMark = 0x01;

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
        return LegacyStateJson.Read<T>(Encoding.UTF8.GetString(payload.Span));
    }
}
