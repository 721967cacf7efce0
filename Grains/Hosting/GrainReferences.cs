using Orleans.Runtime;

namespace EventsSubscriptions.Grains.Hosting;

/// <summary>
/// Grain references for the event path without Orleans' per-call type lookup. Orleans'
/// <c>GetGrain&lt;T&gt;</c> resolves the grain interface type of <c>T</c> on every call (reading its
/// attributes and formatting its type name); the router makes one reference per matched
/// subscription and event, and that lookup was 14 % of a loaded silo's allocations (a gc-verbose
/// trace; bench/RESULTS.md). Here the interface and grain types are resolved once per interface and
/// each reference is made from them. Silo only: a silo knows its grain types from the start,
/// whereas a client that has not yet received the cluster's manifest could get a stub type.
/// </summary>
public static class GrainReferences
{
    /// <summary>The reference of grain <typeparamref name="T"/> with integer key <paramref name="key"/>.</summary>
    public static T GetGrainFast<T>(this IGrainFactory factory, long key) where T : IGrainWithIntegerKey =>
        (T)factory.GetGrain(GrainId.Create(Types<T>.Of(factory).Grain, GrainIdKeyExtensions.CreateIntegerKey(key)), Types<T>.Of(factory).Interface);

    /// <summary>The reference of grain <typeparamref name="T"/> with string key <paramref name="key"/>.</summary>
    public static T GetGrainFast<T>(this IGrainFactory factory, string key) where T : IGrainWithStringKey =>
        (T)factory.GetGrain(GrainId.Create(Types<T>.Of(factory).Grain, IdSpan.Create(key)), Types<T>.Of(factory).Interface);

    private static class Types<T> where T : IAddressable
    {
        private static (GrainType Grain, GrainInterfaceType Interface)? resolved;

        public static (GrainType Grain, GrainInterfaceType Interface) Of(IGrainFactory factory)
        {
            if (resolved is { } known)
            {
                return known;
            }
            // One reference made the usual way gives both types.
            var sample = typeof(IGrainWithIntegerKey).IsAssignableFrom(typeof(T))
                ? factory.GetGrain(typeof(T), 0L)
                : factory.GetGrain(typeof(T), "0");
            var reference = (GrainReference)sample;
            var types = (reference.GrainId.Type, reference.InterfaceType);
            resolved = types;
            return types;
        }
    }
}
