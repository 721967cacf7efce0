using Newtonsoft.Json;
using Newtonsoft.Json.Serialization;

namespace EventsSubscriptions.Grains.Compatibility;

/// <summary>
/// Grain state rows written before the binary format (Newtonsoft JSON with <c>$type</c> names),
/// read with the type names ignored (every state type is concrete, so none is needed): nothing in
/// a row can choose the type that is created. Each object is created anew (never filled in place,
/// which once made every subscription share one health record); the next write stores the row in
/// the binary format. Can be dropped once no JSON row is left (see README.md here).
/// </summary>
internal static class LegacyStateJson
{
    private static readonly JsonSerializerSettings Settings = new()
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

    public static T? Read<T>(string json) => JsonConvert.DeserializeObject<T>(json, Settings);

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
