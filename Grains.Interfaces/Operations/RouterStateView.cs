namespace EventsSubscriptions.Grains.Interfaces.Operations;

// What the Orleans Dashboard's grain-state view shows of each grain (it calls a method named
// GetState): made for operators, cheap to build, never a secret.

/// <summary>A router of one stream key: the version of the route table it matches with, and how many routes it holds.</summary>
[GenerateSerializer, Immutable, Alias("es.RouterStateView")]
public sealed record RouterStateView(
    [property: Id(0)] string StreamKey,
    [property: Id(1)] long? TableVersion,
    [property: Id(2)] int Routes,
    [property: Id(3)] long Invalidations);
