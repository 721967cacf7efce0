namespace EventsSubscriptions.Grains.Interfaces.Operations;

// What the Orleans Dashboard's grain-state view shows of each grain (it calls a method named
// GetState): made for operators, cheap to build, never a secret.

/// <summary>A region of the tree: parent, first children by id (of <see cref="ChildCount"/>), and its path to the root.</summary>
[GenerateSerializer, Immutable, Alias("es.RegionNodeStateView")]
public sealed record RegionNodeStateView(
    [property: Id(0)] bool Exists,
    [property: Id(1)] long? Parent,
    [property: Id(2)] long[] Children,
    [property: Id(3)] long[] Path,
    [property: Id(4)] int ChildCount);
